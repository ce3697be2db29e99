import { MetaProvider } from '@solidjs/meta'
import { Dynamic } from 'solid-js/web'
import Head from './Head.jsx'
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
  return '/' + url.split(/[?#]/)[0].replace(/\/+$/, '')
}

export function routeOf(url) {
  const path = pathOf(url)
  return routes.find((r) => r.path === path) || null
}

export default function App(props) {
  const path = () => pathOf(props.url)
  return (
    <MetaProvider>
      <Head url={props.url} />
      <Layout current={path()}>
        <Dynamic component={pages[path()] || NotFound} url={props.url} />
      </Layout>
    </MetaProvider>
  )
}
