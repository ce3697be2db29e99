export default function FeatureCard({ icon, title, text, index }) {
  return (
    <article className="feature-card" style={{ '--i': index, borderTopWidth: 3, opacity: 1 }}>
      <span className="feature-icon" role="img" aria-label={title}>
        {icon}
      </span>
      <h3>{title}</h3>
      <p>{text}</p>
    </article>
  )
}
