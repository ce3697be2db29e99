import { reactive } from 'vue'

const SITE = 'Grünes Blatt'

// What each page loads (resolved against the page's URL) and its title.
// `status` is the page's own (the not-found route); a backend answer that is
// not OK gives the page that status and the error page, a failed fetch 500.
export const pages = {
  products: { api: '/api/products.json', title: (d) => d.title },
  about: { api: '/api/about.json', title: (d) => d.title },
  live: { api: '/backend/slow', title: () => 'Live stock' },
  gone: { api: '/backend/missing', title: () => 'Live stock' },
  broken: { api: '/backend/fail', title: () => 'Live stock' },
  notFound: { status: 404 },
}

// The state one render (or the browser) works with; serialised into the page
// as window.__INITIAL_STATE__ and taken up by the client as its start.
export function createState(initial) {
  return reactive(initial ?? { path: null, data: null, status: 200 })
}

export function titleOf(state, name) {
  if (state.status === 404) return `Not found · ${SITE}`
  if (state.status !== 200) return `Error · ${SITE}`
  const page = pages[name]
  return page?.title ? `${page.title(state.data)} · ${SITE}` : SITE
}

// Loads the data of route `to` into state, before the route's component is
// rendered (a router guard: on the server before renderToString, in the
// browser before a navigation completes). `origin` is the page's origin: the
// same code runs under Node, whose fetch() needs absolute URLs.
export async function load(state, to, origin, signal) {
  if (state.path === to.fullPath) {
    return // the server's data, already in the state (hydration)
  }
  const page = pages[to.name] ?? {}
  let data = null
  let status = page.status ?? 200
  if (page.api) {
    try {
      const res = await fetch(new URL(page.api, origin + to.fullPath), { signal })
      if (res.ok) {
        data = await res.json()
      } else {
        status = res.status
      }
    } catch {
      // no answer at all (a network error, a timeout): the error page, 500
      status = 500
    }
  }
  Object.assign(state, { path: to.fullPath, data, status })
}
