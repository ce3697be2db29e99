import './style.css'
import { setupCounter } from './counter.js'

// The page is the server's HTML: attach the behaviour to it.
for (const element of document.querySelectorAll('.counter')) setupCounter(element)
