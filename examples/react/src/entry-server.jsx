import { StrictMode } from 'react'
import { renderToString, renderToStaticMarkup } from 'react-dom/server'
import App, { routeOf } from './App'
import Head from './head.jsx'

/**
 * @param {string} url
 */
export function render(url) {
  const html = renderToString(
    <StrictMode>
      <App url={url} />
    </StrictMode>,
  )
  const head = renderToStaticMarkup(<Head url={url} />)
  // `status` is for mod_ssr (the standard Node server ignores it).
  return { html, head, status: routeOf(url) ? 200 : 404 }
}
