#!/usr/bin/env node
// Compares this app's pages rendered by mod_ssr (ssr-render with the
// vite-plugin-mod-ssr build in dist/) with the same app's standard
// `vite build --ssr` output rendered by Node: prints OK or where they differ.
//   npm run build && node compare.mjs [URL...]     (default: / and /about)
// See ../compare.mjs for the options.
import { fileURLToPath } from 'node:url'

const app = fileURLToPath(new URL('.', import.meta.url))
process.argv.splice(2, 0, '--app', app)
await import('../compare.mjs')
