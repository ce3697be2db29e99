import { html } from '../html.js'
import FeatureCard from './FeatureCard.js'

export default function FeatureList(features) {
  return html`<section class="features" aria-labelledby="features-title">
    <h2 id="features-title">Why &ldquo;Grünes Blatt&rdquo;?</h2>
    <div class="feature-grid">
      ${features.map((f, i) => FeatureCard(f, i))}
    </div>
  </section>`
}
