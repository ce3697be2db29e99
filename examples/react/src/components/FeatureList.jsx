import FeatureCard from './FeatureCard.jsx'

export default function FeatureList({ features }) {
  return (
    <section className="features" aria-labelledby="features-title">
      <h2 id="features-title">Why &ldquo;Grünes Blatt&rdquo;?</h2>
      <div className="feature-grid">
        {features.map((f, i) => (
          <FeatureCard key={f.id} index={i} icon={f.icon} title={f.title} text={f.text} />
        ))}
      </div>
    </section>
  )
}
