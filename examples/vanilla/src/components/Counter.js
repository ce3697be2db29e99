import { html } from '../html.js'

// Only works in the browser: counter.js (from entry-client) enables the
// button, makes it count and sets data-hydrated="yes".
export default function Counter(ctx, label) {
  const id = ctx.id('counter')
  return html`<div class="counter">
    <label for="${id}">${label}</label>
    <button id="${id}" type="button" disabled>count is 0</button>
    <span class="hydration" data-hydrated="no">server-rendered (not interactive yet)</span>
  </div>`
}
