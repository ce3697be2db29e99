import { useEffect, useId, useState } from 'react'
import {
  NavLink, Outlet, isRouteErrorResponse, useLoaderData, useNavigation, useRouteError,
} from 'react-router'
import { data } from 'react-router'
import { getJson } from './api.js'

const SITE = 'Grünes Blatt'

export const fullTitle = (title) => `${title} · ${SITE}`
const errorTitle = (status) => (status === 404 ? 'Not found' : 'Error')

// The page's title on the server, for <head>: from the deepest route with a
// handle.title(loaderData), or the error's. In the browser each page sets
// the same text itself (useTitle) after navigations.
export function serverTitle(context) {
  if (context.errors) {
    const error = Object.values(context.errors)[0]
    return fullTitle(errorTitle(isRouteErrorResponse(error) ? error.status : 500))
  }
  for (let i = context.matches.length - 1; i >= 0; i--) {
    const { route } = context.matches[i]
    const loaded = context.loaderData[route.id]
    if (route.handle?.title && loaded !== undefined) return fullTitle(route.handle.title(loaded))
  }
  return SITE
}

function useTitle(title) {
  useEffect(() => {
    document.title = fullTitle(title)
  }, [title])
}

function Counter() {
  const id = useId()
  const [count, setCount] = useState(0)
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => setHydrated(true), [])
  return (
    <div className="counter">
      <label htmlFor={id}>Seed packets</label>
      <button id={id} type="button" onClick={() => setCount((c) => c + 1)} disabled={!hydrated}>
        count is {count}
      </button>
      <span className="hydration" data-hydrated={hydrated ? 'yes' : 'no'}>
        {hydrated ? 'interactive' : 'server-rendered'}
      </span>
    </div>
  )
}

function Layout() {
  const navigation = useNavigation()
  return (
    <div className="app">
      <header>
        <strong>{SITE}</strong>
        <nav>
          <NavLink to="/" end>Products</NavLink>
          <NavLink to="/about">About</NavLink>
        </nav>
      </header>
      <main data-state={navigation.state}>
        <Outlet />
      </main>
      <Counter />
    </div>
  )
}

function Products() {
  const { title, products } = useLoaderData()
  useTitle(title)
  return (
    <section className="products">
      <h1>{title}</h1>
      <ul>
        {products.map((p) => (
          <li key={p.id} data-id={p.id}>
            {p.name} <span className="price">{p.price.toFixed(2)} €</span>{' '}
            {p.stock > 0 ? <em>{p.stock} in stock</em> : <em>sold out</em>}
          </li>
        ))}
      </ul>
    </section>
  )
}

function About() {
  const { title, team } = useLoaderData()
  useTitle(title)
  return (
    <section className="about">
      <h1>{title}</h1>
      <ul>
        {team.map((m) => (
          <li key={m.name}>
            <b>{m.name}</b>: {m.role}
          </li>
        ))}
      </ul>
    </section>
  )
}

function Live() {
  const live = useLoaderData()
  useTitle('Live stock')
  return (
    <section className="live">
      <h1>Live stock</h1>
      <p>
        The backend answered after <span className="slow">{live.ms}</span> ms: {live.message}
      </p>
    </section>
  )
}

// Renders a loader's error inside the layout: a 404 (the backend's, or no
// route) is the not-found page, anything else the error page.
function RouteError() {
  const error = useRouteError()
  const status = isRouteErrorResponse(error) ? error.status : 500
  useTitle(errorTitle(status))
  return (
    <section className="error" data-status={status}>
      <h1>{status === 404 ? 'Not found' : 'Something went wrong'}</h1>
      <p>
        {status === 404
          ? 'There is no such page.'
          : `The data for this page could not be loaded (${status}).`}
      </p>
    </section>
  )
}

export const routes = [
  {
    id: 'root',
    path: '/',
    Component: Layout,
    children: [
      {
        // pathless: errors render inside the layout (and its counter)
        ErrorBoundary: RouteError,
        children: [
          {
            index: true,
            loader: ({ request }) => getJson('/api/products.json', request),
            handle: { title: (d) => d.title },
            Component: Products,
          },
          {
            path: 'about',
            loader: ({ request }) => getJson('/api/about.json', request),
            handle: { title: (d) => d.title },
            Component: About,
          },
          // the three below load from the backend behind mod_proxy (/backend/)
          {
            path: 'live',
            loader: ({ request }) => getJson('/backend/slow', request),
            handle: { title: () => 'Live stock' },
            Component: Live,
          },
          {
            path: 'gone',
            loader: ({ request }) => getJson('/backend/missing', request),
            Component: Live,
          },
          {
            path: 'broken',
            loader: ({ request }) => getJson('/backend/fail', request),
            Component: Live,
          },
          {
            path: '*',
            loader: () => {
              throw data(null, { status: 404, statusText: 'Not Found' })
            },
          },
        ],
      },
    ],
  },
]
