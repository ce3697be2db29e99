#!/usr/bin/env node
// Compares this app's pages served by httpd with mod_ssr with the same app's
// standard `vite build --ssr` output rendered by Node, with the same data
// (the JSON files, and the backend of tests/examples/lib/data-api.mjs behind
// mod_proxy): prints OK or where they differ, status included.
//   npm run build && node compare.mjs [URL...]
// The backend's pages (slow, 404, 500) are always compared too.
import { fileURLToPath } from 'node:url'

const app = fileURLToPath(new URL('.', import.meta.url))
process.argv.splice(2, 0, '--app', app)
process.argv.push('/live', '/gone', '/broken')
await import('../../tests/examples/compare-fetch.mjs')
