import { html } from '../html.js'
import Header from './Header.js'
import Footer from './Footer.js'

export default function Layout(current, content) {
  return html`<div class="layout">
  ${Header(current)}
  <main id="content" class="content">
    ${content}
  </main>
  ${Footer()}
</div>`
}
