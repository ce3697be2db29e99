import { html } from '../html.js'

export default function Badge(kind, content) {
  return html`<span class="badge badge-${kind || 'info'}">${content}</span>`
}
