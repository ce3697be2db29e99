/*
 * node-reference.mjs: an example app's standard Node SSR build, the
 * reference mod_ssr's pages are compared with (compare.mjs,
 * tests/examples/compare-fetch.mjs) and the Node server of the benchmark
 * runs (bench/node-build.mjs): the app's own Vite config minus
 * vite-plugin-mod-ssr, `vite build --ssr <entry>`, dependencies external.
 */
import fs from 'node:fs';
import path from 'node:path';

/* A Vite config's plugins, nested arrays and promises resolved. */
export async function flattenPlugins(list) {
  const out = [];
  for (const p of await Promise.all([].concat(list || []))) {
    if (Array.isArray(p)) out.push(...(await flattenPlugins(p)));
    else if (p) out.push(p);
  }
  return out;
}

/* The app's server entry, as the standard templates name it. */
export function serverEntry(appDir) {
  const entry = ['src/entry-server.tsx', 'src/entry-server.ts', 'src/entry-server.jsx', 'src/entry-server.js']
    .find((f) => fs.existsSync(path.join(appDir, f)));
  if (!entry) throw new Error(`no src/entry-server.* in ${appDir}`);
  return entry;
}

/**
 * Builds the reference bundle into outDir with the app's `vite` module.
 * @returns {Promise<{file: string, base: string}>} the bundle and the app's base
 */
export async function buildNodeReference(vite, appDir, entry, outDir) {
  const loaded = await vite.loadConfigFromFile(
    { command: 'build', mode: 'production', isSsrBuild: true, isPreview: false },
    undefined, appDir, 'silent');
  const config = loaded ? loaded.config : {};
  const plugins = (await flattenPlugins(config.plugins))
    .filter((p) => !(typeof p.name === 'string' && p.name.startsWith('vite-plugin-mod-ssr')));
  await vite.build({
    ...config,
    configFile: false,
    root: appDir,
    mode: 'production',
    logLevel: 'warn',
    plugins,
    build: {
      ...(config.build || {}),
      ssr: entry,
      outDir,
      emptyOutDir: true,
      copyPublicDir: false,
      ssrManifest: false,
      manifest: false,
    },
  });
  const file = fs.readdirSync(outDir).find((f) => /^entry-server\.m?js$/.test(f)) ||
    fs.readdirSync(outDir).find((f) => /\.m?js$/.test(f));
  if (!file) throw new Error(`no server bundle in ${outDir}`);
  return { file: path.join(outDir, file), base: config.base || '/' };
}
