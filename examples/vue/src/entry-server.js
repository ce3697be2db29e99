import { renderToString } from 'vue/server-renderer'
import { createApp } from './main'
import { routeOf } from './routes'
import { renderHead } from './head'

/**
 * @param {string} url
 * @param {string | Record<string, string[]>} [ssrManifest] dist/client/.vite/ssr-manifest.json
 *   (mod_ssr passes its text)
 */
export async function render(url, ssrManifest) {
  const { app } = createApp(url)

  // passing SSR context object which will be available via useSSRContext()
  // @vitejs/plugin-vue injects code into a component's setup() that registers
  // itself on ctx.modules. After the render, ctx.modules would contain all the
  // components that have been instantiated during this render call.
  // The pages put their <head> tags on ctx.head (src/head.js).
  const ctx = {}
  const html = await renderToString(app, ctx)

  // the lazily loaded chunks this page used (the about page), preloaded
  const manifest = typeof ssrManifest === 'string' ? JSON.parse(ssrManifest) : ssrManifest || {}
  const head = renderHead(ctx.head) + renderPreloadLinks(ctx.modules, manifest)

  // `status` is for mod_ssr (the standard Node server ignores it).
  return { html, head, status: routeOf(url) ? 200 : 404 }
}

function renderPreloadLinks(modules, manifest) {
  let links = ''
  const seen = new Set()
  if (!modules) return links
  modules.forEach((id) => {
    const files = manifest[id]
    if (files) {
      files.forEach((file) => {
        if (!seen.has(file)) {
          seen.add(file)
          const filename = file.slice(file.lastIndexOf('/') + 1)
          if (manifest[filename]) {
            for (const depFile of manifest[filename]) {
              links += renderPreloadLink(depFile)
              seen.add(depFile)
            }
          }
          links += renderPreloadLink(file)
        }
      })
    }
  })
  return links
}

function renderPreloadLink(file) {
  if (file.endsWith('.js')) {
    return `<link rel="modulepreload" crossorigin href="${file}">`
  } else if (file.endsWith('.css')) {
    return `<link rel="stylesheet" href="${file}">`
  } else if (file.endsWith('.woff2')) {
    return ` <link rel="preload" href="${file}" as="font" type="font/woff2" crossorigin>`
  } else if (file.endsWith('.svg')) {
    return ` <link rel="preload" href="${file}" as="image" type="image/svg+xml">`
  } else {
    // TODO
    return ''
  }
}
