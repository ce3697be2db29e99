// Style lengths as strings: Preact 11 no longer adds "px" to numbers in the
// browser, while preact-render-to-string still does (`borderTopWidth: 3` would
// be "3px" in the server's HTML and an invalid "3" in a client render).
export function FeatureCard({ icon, title, text, index }) {
  return (
    <article class="feature-card" style={{ '--i': index, borderTopWidth: '3px', opacity: 1 }}>
      <span class="feature-icon" role="img" aria-label={title}>
        {icon}
      </span>
      <h3>{title}</h3>
      <p>{text}</p>
    </article>
  )
}
