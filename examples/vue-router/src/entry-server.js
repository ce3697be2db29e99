import { renderToString } from 'vue/server-renderer'
import { createMemoryHistory } from 'vue-router'
import { createApp } from './main'
import { titleOf } from './data'

const escapeHtml = (s) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

// JSON inside <script>: nothing in it may close the element or start a
// comment, and U+2028/2029 are escaped for older parsers.
const scriptJson = (value) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

/**
 * @param {string} url the path and query without the base ('' for '/')
 * @param {string} [ssrManifest]
 * @param {{ headers?: Record<string, string>, signal?: AbortSignal }} [context]
 *   mod_ssr's render context; a Node server passes the same two fields. The
 *   data's URLs resolve against the page's URL, built from its Host header.
 */
export async function render(url, ssrManifest, context = {}) {
  const origin = `http://${context.headers?.host ?? 'localhost'}`
  const { app, router, state } = createApp({ history: createMemoryHistory(), origin, signal: context.signal })

  // The router's beforeResolve guard fetch()es the page's data into state.
  await router.push('/' + url)
  await router.isReady()
  const html = await renderToString(app)

  const head =
    `<title>${escapeHtml(titleOf(state, router.currentRoute.value.name))}</title>` +
    `<script>window.__INITIAL_STATE__=${scriptJson(state)}</script>`
  // `status` is for mod_ssr (a Node server sends it with res.status()).
  return { html, head, status: state.status }
}
