import './style.css'
import { createWebHistory } from 'vue-router'
import { createApp } from './main'

// The server's state is the start: the first page's data is not loaded
// again (load() sees its path), only on navigations.
const { app, router } = createApp({
  history: createWebHistory(import.meta.env.BASE_URL),
  origin: window.location.origin,
  initial: window.__INITIAL_STATE__,
})

router.isReady().then(() => app.mount('#app'))
