import { renderToString, generateHydrationScript, getAssets } from 'solid-js/web'
import App, { routeOf } from './App'

/**
 * @param {string} url
 */
export function render(url) {
  const html = renderToString(() => <App url={url} />)
  // The tags <Title>, <Meta> and <Link> (@solidjs/meta) collected during the
  // render, then Solid's hydration bootstrap script, which the standard
  // template's server.js appends to the head itself (mod_ssr has no server.js).
  const head = getAssets() + generateHydrationScript()
  // `status` is for mod_ssr (the standard Node server ignores it).
  return { html, head, status: routeOf(url) ? 200 : 404 }
}
