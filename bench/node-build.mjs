#!/usr/bin/env node
/*
 * node-build.mjs: builds an example app's standard Node SSR bundle
 * (examples/node-reference.mjs: the app's own Vite config minus
 * vite-plugin-mod-ssr, `vite build --ssr <entry>`, dependencies external).
 *
 *   node bench/node-build.mjs APP_DIR OUT_DIR
 *
 * Prints the path of the bundle.  OUT_DIR's parent should hold a
 * node_modules link to APP_DIR/node_modules, so that the bundle's external
 * imports (react, react-dom/server) resolve when it is run from there.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { buildNodeReference, serverEntry } from '../examples/node-reference.mjs';

const [appArg, outArg] = process.argv.slice(2);
if (!appArg || !outArg) {
  console.error('usage: node-build.mjs APP_DIR OUT_DIR');
  process.exit(2);
}
const appDir = path.resolve(appArg);
const outDir = path.resolve(outArg);
const req = createRequire(path.join(appDir, 'package.json'));
const vite = await import(pathToFileURL(req.resolve('vite')).href);
const { file } = await buildNodeReference(vite, appDir, serverEntry(appDir), outDir);
console.log(file);
