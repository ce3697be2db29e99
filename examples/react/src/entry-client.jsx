import './index.css'
import { StrictMode } from 'react'
import { hydrateRoot } from 'react-dom/client'
import App from './App'

const url = (window.location.pathname + window.location.search).replace(import.meta.env.BASE_URL, '')

hydrateRoot(
  document.getElementById('root'),
  <StrictMode>
    <App url={url} />
  </StrictMode>,
)
