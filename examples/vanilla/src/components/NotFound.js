import { html } from '../html.js'

export default function NotFound(url) {
  return html`<section class="not-found">
      <h1>Page not found</h1>
      <p>Nothing lives at <code>/${url}</code>. Try the <a href="/">home page</a>.</p>
    </section>`
}
