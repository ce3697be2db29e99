import './style.css'
import { createApp } from './main'

const url = (window.location.pathname + window.location.search).replace(import.meta.env.BASE_URL, '')
const { app } = createApp(url)

app.mount('#app')
