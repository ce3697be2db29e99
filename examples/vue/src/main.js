import { createSSRApp } from 'vue'
import App from './App.vue'

// SSR requires a fresh app instance per request, therefore we export a function
// that creates a fresh app instance. `url` is what the server's render() gets:
// the request path and query with the base removed ('' for '/').
export function createApp(url) {
  const app = createSSRApp(App, { url })
  return { app }
}
