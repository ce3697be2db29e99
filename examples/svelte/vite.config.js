import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import modSsr from 'vite-plugin-mod-ssr'

// The engine check uses this repository's ssr-render when it has been built
// (make); otherwise MOD_SSR_RENDER or an ssr-render on PATH, if any.
const repoSsrRender = fileURLToPath(new URL('../../ssr-render', import.meta.url))

// svelte/server has two dynamic import()s of Node built-ins, both only for
// async rendering (components that `await` during SSR, experimental in Svelte
// 5), which this app does not use: `node:async_hooks` (AsyncLocalStorage) and,
// through a variable, `node:crypto` (hashes for CSP). The server bundle
// vite-plugin-mod-ssr builds has no module loader and no Node built-ins, and
// an import() left in it is ES2020 syntax the ES5 check rejects. So, in that
// build only (ssr.target 'webworker'; the Node reference build compare.mjs
// makes is not affected): `node:async_hooks` becomes an empty module, and the
// variable import() a rejected promise. An async render then fails with
// Svelte's "async_local_storage_unavailable" error.
const svelteServerWithoutNodeImports = {
  name: 'svelte-server-without-node-imports',
  enforce: 'pre',
  applyToEnvironment: (env) => env.name === 'ssr' && env.config.ssr?.target === 'webworker',
  resolveId: (id) => (id === 'node:async_hooks' ? '\0no-node-async-hooks' : null),
  load: (id) => (id === '\0no-node-async-hooks' ? 'export {}' : null),
  transform(code, id) {
    if (!/[\\/]svelte[\\/]src[\\/]internal[\\/]server[\\/]crypto\.js$/.test(id)) return null
    const from = 'import(/* @vite-ignore */ module_name)'
    if (!code.includes(from)) this.error(`${id}: "${from}" not found (a new Svelte version?)`)
    return code.replace(from, "Promise.reject(new Error('cannot import ' + module_name + ' in mod_ssr'))")
  },
}

// https://vite.dev/config/
export default defineConfig(({ isSsrBuild }) => ({
  plugins: [
    svelte(),
    svelteServerWithoutNodeImports,
    modSsr({
      ssrRender: existsSync(repoSsrRender) ? repoSsrRender : undefined,
      apacheConfig: true,
    }),
  ],
  build: {
    copyPublicDir: !isSsrBuild,
  },
}))
