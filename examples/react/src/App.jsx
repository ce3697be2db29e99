import Layout from './components/Layout.jsx'
import NotFound from './components/NotFound.jsx'
import HomePage from './pages/HomePage.jsx'
import AboutPage from './pages/AboutPage.jsx'
import { routes } from './data.js'
import './App.css'

const pages = {
  '/': HomePage,
  '/about': AboutPage,
}

// `url` is what the server's render() gets: the request path and query with
// the base removed, so '' for '/' and 'about' for '/about'.
export function pathOf(url) {
  const path = '/' + url.split(/[?#]/)[0].replace(/\/+$/, '')
  return path
}

export function routeOf(url) {
  const path = pathOf(url)
  return routes.find((r) => r.path === path) || null
}

export default function App({ url }) {
  const path = pathOf(url)
  const Page = pages[path]
  return (
    <Layout current={path}>
      {Page ? <Page /> : <NotFound url={url} />}
    </Layout>
  )
}
