import { render as renderApp } from './app.js'

/**
 * @param {string} url
 */
export function render(url) {
  // `status` is for mod_ssr (the standard Node server ignores it).
  const { head, html, status } = renderApp(url)
  return { head, html, status }
}
