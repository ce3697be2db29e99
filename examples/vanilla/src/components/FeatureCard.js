import { html } from '../html.js'

export default function FeatureCard({ icon, title, text }, index) {
  return html`<article class="feature-card" style="--i:${index};border-top-width:3px;opacity:1">
    <span class="feature-icon" role="img" aria-label="${title}">${icon}</span>
    <h3>${title}</h3>
    <p>${text}</p>
  </article>`
}
