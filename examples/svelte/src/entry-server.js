import { render as _render } from 'svelte/server'
import App from './App.svelte'
import { routeOf } from './routes.js'

/**
 * @param {string} url
 */
export function render(url) {
  // `head` is what the components put in <svelte:head> (see Head.svelte).
  const { head, body } = _render(App, { props: { url } })
  // `status` is for mod_ssr (the standard Node server ignores it).
  return { head, html: body, status: routeOf(url) ? 200 : 404 }
}
