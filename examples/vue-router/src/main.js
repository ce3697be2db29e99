import { createSSRApp } from 'vue'
import { createRouter } from 'vue-router'
import App from './App.vue'
import { createState, load, titleOf } from './data.js'
import Products from './pages/Products.vue'
import About from './pages/About.vue'
import Live from './pages/Live.vue'
import ErrorPage from './pages/ErrorPage.vue'

// A fresh app, router and state per request (SSR) or page (browser).
// `history`: createMemoryHistory() on the server, createWebHistory() in the
// browser; `origin`: what the data's URLs resolve against; `initial`: the
// server's state, in the browser.
export function createApp({ history, origin, initial, signal }) {
  const state = createState(initial)
  const router = createRouter({
    history,
    routes: [
      { path: '/', name: 'products', component: Products },
      { path: '/about', name: 'about', component: About },
      { path: '/live', name: 'live', component: Live },
      { path: '/gone', name: 'gone', component: Live },
      { path: '/broken', name: 'broken', component: Live },
      // its status (404) is set by load(): App shows ErrorPage for it
      { path: '/:rest(.*)*', name: 'notFound', component: ErrorPage, props: { status: 404 } },
    ],
  })
  router.beforeResolve((to) => load(state, to, origin, signal))
  if (typeof document !== 'undefined') {
    router.afterEach((to) => {
      document.title = titleOf(state, to.name)
    })
  }
  const app = createSSRApp(App)
  app.use(router)
  app.provide('state', state)
  return { app, router, state }
}
