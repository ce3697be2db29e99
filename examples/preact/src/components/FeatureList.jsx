import { FeatureCard } from './FeatureCard'

export function FeatureList({ features }) {
  return (
    <section class="features" aria-labelledby="features-title">
      <h2 id="features-title">Why &ldquo;Grünes Blatt&rdquo;?</h2>
      <div class="feature-grid">
        {features.map((f, i) => (
          <FeatureCard key={f.id} index={i} icon={f.icon} title={f.title} text={f.text} />
        ))}
      </div>
    </section>
  )
}
