import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import modSsr from 'vite-plugin-mod-ssr'

// The engine check uses this repository's ssr-render when it has been built
// (make); otherwise MOD_SSR_RENDER or an ssr-render on PATH, if any.
const repoSsrRender = fileURLToPath(new URL('../../ssr-render', import.meta.url))

// https://vite.dev/config/
export default defineConfig(({ isSsrBuild }) => ({
  plugins: [
    react(),
    modSsr({
      ssrRender: existsSync(repoSsrRender) ? repoSsrRender : undefined,
      apacheConfig: true,
    }),
  ],
  build: {
    copyPublicDir: !isSsrBuild,
  },
}))
