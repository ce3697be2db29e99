import './style.css'
import { StrictMode } from 'react'
import { hydrateRoot } from 'react-dom/client'
import { createBrowserRouter } from 'react-router'
import { RouterProvider } from 'react-router/dom'
import { routes } from './routes.jsx'

// The server's loader data (window.__staticRouterHydrationData, written by
// StaticRouterProvider) is the router's initial state: the loaders do not
// run again for the first page, only on navigations.
const router = createBrowserRouter(routes, {
  hydrationData: window.__staticRouterHydrationData,
})

hydrateRoot(
  document.getElementById('root'),
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
)
