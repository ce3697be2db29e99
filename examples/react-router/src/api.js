import { data } from 'react-router'

// Loads JSON for a loader. `path` is resolved against the page's URL
// (request.url), so the same code works in the browser, under Node and in
// mod_ssr; on the server the request's signal stops the fetch when the render
// is abandoned. A backend answer that is not OK becomes a thrown `data()`
// with the backend's status: the route's ErrorBoundary renders it, and the
// server answers with that status (context.statusCode).
export async function getJson(path, request) {
  const res = await fetch(new URL(path, request.url), { signal: request.signal })
  if (!res.ok) {
    throw data({ path, status: res.status }, { status: res.status, statusText: res.statusText })
  }
  return res.json()
}
