import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import modSsr from 'vite-plugin-mod-ssr'

// https://vite.dev/config/
export default defineConfig(({ isSsrBuild }) => ({
  plugins: [
    vue(),
    modSsr({
      // No engine check at build time: ssr-render has no network, so every
      // page of this app is its error page (500) there. compare.mjs renders
      // the pages in mod_ssr through httpd, with their data, instead.
      ssrRender: false,
      apacheConfig: true,
    }),
  ],
  build: {
    copyPublicDir: !isSsrBuild,
  },
}))
