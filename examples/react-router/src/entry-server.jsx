import { StrictMode } from 'react'
import { renderToString } from 'react-dom/server'
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from 'react-router'
import { routes, serverTitle } from './routes.jsx'

const handler = createStaticHandler(routes)

const escapeHtml = (s) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

/**
 * @param {string} url the path and query without the base ('' for '/')
 * @param {string} [ssrManifest]
 * @param {{ headers?: Record<string, string>, signal?: AbortSignal }} [context]
 *   mod_ssr's render context; a Node server passes the same two fields. The
 *   page's URL (what the loaders resolve their fetches against) is built
 *   from its Host header.
 */
export async function render(url, ssrManifest, context = {}) {
  const origin = `http://${context.headers?.host ?? 'localhost'}`
  const request = new Request(new URL('/' + url, origin).href, { signal: context.signal })

  // Runs the matching routes' loaders (their fetches run in parallel).
  const result = await handler.query(request)
  if (typeof result.status === 'number' && result.headers && result.headers.get('Location')) {
    // a loader's redirect()
    return { redirect: { url: result.headers.get('Location'), status: result.status } }
  }

  const router = createStaticRouter(handler.dataRoutes, result)
  // StaticRouterProvider also writes the loaders' data (and errors) as
  // window.__staticRouterHydrationData, for the client's router.
  const html = renderToString(
    <StrictMode>
      <StaticRouterProvider router={router} context={result} />
    </StrictMode>,
  )
  const head = `<title>${escapeHtml(serverTitle(result))}</title>`
  // `status`: a loader's 404 or 500 is the page's status (for mod_ssr; a
  // Node server sends it with res.status()).
  return { html, head, status: result.statusCode }
}
