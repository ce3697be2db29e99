import Layout from './components/Layout.js'
import NotFound from './components/NotFound.js'
import HomePage from './pages/HomePage.js'
import AboutPage from './pages/AboutPage.js'
import Head from './head.js'
import { pathOf, routeOf } from './routes.js'

const pages = {
  '/': HomePage,
  '/about': AboutPage,
}

/**
 * The whole page for a URL, as strings.
 * @param {string} url the request path and query without the base ('' for '/')
 */
export function render(url) {
  const path = pathOf(url)
  const page = pages[path]
  // ids for label/for pairs, unique within one page
  let next = 0
  const ctx = { id: (name) => `${name}-${++next}` }
  const html = Layout(path, page ? page(ctx) : NotFound(url))
  return { head: String(Head(url)), html: String(html), status: routeOf(url) ? 200 : 404 }
}
