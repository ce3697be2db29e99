import { html } from '../html.js'

export default function Timeline(milestones) {
  return html`<ol class="timeline">${milestones.map(({ year, text }, i) => html`
      <li class="${i % 2 ? 'odd' : 'even'}"><time datetime="${year}">${year}</time> <span>${text}</span></li>`)}
    </ol>`
}
