import { routes } from './data'

// `url` is what the server's render() gets: the request path and query with
// the base removed, so '' for '/' and 'about' for '/about'.
export function pathOf(url) {
  return '/' + url.split(/[?#]/)[0].replace(/\/+$/, '')
}

export function routeOf(url) {
  const path = pathOf(url)
  return routes.find((r) => r.path === path) || null
}
