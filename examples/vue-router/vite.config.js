import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import modSsr from 'vite-plugin-mod-ssr'

// The engine check uses this repository's ssr-render when it has been built
// (make); otherwise MOD_SSR_RENDER or an ssr-render on PATH, if any.
const repoSsrRender = fileURLToPath(new URL('../../ssr-render', import.meta.url))

// https://vite.dev/config/
export default defineConfig(({ isSsrBuild }) => ({
  plugins: [
    vue(),
    modSsr({
      ssrRender: existsSync(repoSsrRender) ? repoSsrRender : undefined,
      apacheConfig: true,
    }),
  ],
  build: {
    copyPublicDir: !isSsrBuild,
  },
}))
