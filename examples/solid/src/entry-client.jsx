/* @refresh reload */
import './index.css'
import { hydrate } from 'solid-js/web'
import App from './App'

const url = (window.location.pathname + window.location.search).replace(import.meta.env.BASE_URL, '')

hydrate(() => <App url={url} />, document.getElementById('root'))
