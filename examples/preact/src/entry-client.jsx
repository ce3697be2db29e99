import './index.css'
import { hydrate } from 'preact'
import { App } from './app'

const url = (window.location.pathname + window.location.search).replace(import.meta.env.BASE_URL, '')

hydrate(<App url={url} />, document.getElementById('app'))
