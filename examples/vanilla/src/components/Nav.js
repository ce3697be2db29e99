import { attrs, html } from '../html.js'
import { routes } from '../data.js'

export default function Nav(current) {
  return html`<nav class="nav" aria-label="Main">
      <ul>${routes.map((route) => html`
        <li><a${attrs({
          href: route.path,
          class: route.path === current ? 'nav-link active' : 'nav-link',
          ariaCurrent: route.path === current ? 'page' : null,
        })}>${route.label}</a></li>`)}
      </ul>
    </nav>`
}
