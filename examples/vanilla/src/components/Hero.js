import { html } from '../html.js'

export default function Hero(title, body) {
  return html`<section class="hero" data-variant="welcome" data-note="${'a "quoted" & <angled> value'}">
    <h1>${title}</h1>
    <div class="hero-body">${body}</div>
  </section>`
}
