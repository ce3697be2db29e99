import { html } from '../html.js'
import { site } from '../data.js'

export default function Footer() {
  const year = 2025
  return html`<footer class="footer">
    <p>© 1987–${year} ${site.name}. Prices incl. 19&nbsp;% VAT.</p>
    <p class="small">Rendered by <strong>plain JavaScript</strong> on the server, made interactive in the browser.</p>
  </footer>`
}
