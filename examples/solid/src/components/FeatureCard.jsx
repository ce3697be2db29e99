export default function FeatureCard(props) {
  return (
    <article class="feature-card" style={{ '--i': props.index, 'border-top-width': '3px', opacity: 1 }}>
      <span class="feature-icon" role="img" aria-label={props.title}>
        {props.icon}
      </span>
      <h3>{props.title}</h3>
      <p>{props.text}</p>
    </article>
  )
}
