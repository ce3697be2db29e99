import { Layout } from './components/Layout'
import { NotFound } from './components/NotFound'
import { HomePage } from './pages/HomePage'
import { AboutPage } from './pages/AboutPage'
import { routes } from './data'
import './app.css'

const pages = {
  '/': HomePage,
  '/about': AboutPage,
}

// `url` is what the server's render() gets: the request path and query with
// the base removed, so '' for '/' and 'about' for '/about'.
export function pathOf(url) {
  return '/' + url.split(/[?#]/)[0].replace(/\/+$/, '')
}

export function routeOf(url) {
  const path = pathOf(url)
  return routes.find((r) => r.path === path) || null
}

export function App({ url }) {
  const path = pathOf(url)
  const Page = pages[path]
  return <Layout current={path}>{Page ? <Page /> : <NotFound url={url} />}</Layout>
}
