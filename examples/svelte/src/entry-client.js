import { hydrate } from 'svelte'
import './app.css'
import App from './App.svelte'

const url = (window.location.pathname + window.location.search).replace(import.meta.env.BASE_URL, '')

hydrate(App, {
  target: document.getElementById('app'),
  props: { url },
})
