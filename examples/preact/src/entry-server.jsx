import renderToString from 'preact-render-to-string'
import { App, routeOf } from './app'
import { Head } from './head'

/**
 * @param {string} url
 */
export function render(url) {
  const html = renderToString(<App url={url} />)
  const head = renderToString(<Head url={url} />)
  // `status` is for mod_ssr (the standard Node server ignores it).
  return { html, head, status: routeOf(url) ? 200 : 404 }
}
