#!/usr/bin/env node
/*
 * node-build.mjs: builds an example app's standard Node SSR bundle, as
 * examples/compare.mjs does (its buildNodeReference: the app's own Vite
 * config minus vite-plugin-mod-ssr, `vite build --ssr <entry>`, dependencies
 * external).  compare.mjs runs its checks when imported, so this is a minimal
 * copy of that one function.
 *
 *   node bench/node-build.mjs APP_DIR OUT_DIR
 *
 * Prints the path of the bundle.  OUT_DIR's parent should hold a
 * node_modules link to APP_DIR/node_modules, so that the bundle's external
 * imports (react, react-dom/server) resolve when it is run from there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

async function flattenPlugins(list) {
  const out = [];
  for (const p of await Promise.all([].concat(list || []))) {
    if (Array.isArray(p)) out.push(...(await flattenPlugins(p)));
    else if (p) out.push(p);
  }
  return out;
}

const [appArg, outArg] = process.argv.slice(2);
if (!appArg || !outArg) {
  console.error('usage: node-build.mjs APP_DIR OUT_DIR');
  process.exit(2);
}
const appDir = path.resolve(appArg);
const outDir = path.resolve(outArg);
const req = createRequire(path.join(appDir, 'package.json'));
const vite = await import(pathToFileURL(req.resolve('vite')).href);
const entry = ['src/entry-server.tsx', 'src/entry-server.ts', 'src/entry-server.jsx', 'src/entry-server.js']
  .find((f) => fs.existsSync(path.join(appDir, f)));
if (!entry) throw new Error(`no src/entry-server.* in ${appDir}`);

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
console.log(path.join(outDir, file));
