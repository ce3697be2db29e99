#!/usr/bin/env node
// Compares this app's pages served by httpd with mod_ssr with the same app's
// standard `vite build --ssr` output rendered by Node, with the same data
// (the JSON files, and the backend of tests/examples/lib/data-api.mjs behind
// mod_proxy): prints OK or where they differ, status included.
//   npm run build && node compare.mjs [URL...]     (default: / and /about)
// The backend's pages (/live: slow, /gone: 404, /broken: 500) are always
// compared too.
import { fileURLToPath } from 'node:url'

const app = fileURLToPath(new URL('.', import.meta.url))
const urls = process.argv.slice(2)
if (urls.length === 0) urls.push('/', '/about')
process.argv.splice(2, Infinity, '--app', app, ...urls, '/live', '/gone', '/broken')
await import('../../tests/examples/compare-fetch.mjs')
