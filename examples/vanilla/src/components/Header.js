import { html } from '../html.js'
import { site } from '../data.js'
import Nav from './Nav.js'
import Logo from './Logo.js'

export default function Header(current) {
  return html`<header class="header">
    <a class="brand" href="/" title="${site.name}">
      ${Logo(28)}
      <span class="brand-name">${site.name}</span>
    </a>
    <p class="tagline">${site.tagline}</p>
    ${Nav(current)}
  </header>`
}
