#!/usr/bin/env node
/*
 * compare.mjs: checks that mod_ssr renders an example app byte for byte as
 * Node renders it.
 *
 *   node ../compare.mjs [options] [URL...]        (from an example's directory)
 *
 * For each URL (default: / and /about) it compares
 *   - mod_ssr: `ssr-render` with the app's mod_ssr build (dist/server/
 *     entry-server.js, made by `npm run build` with vite-plugin-mod-ssr),
 *     spliced into dist/client/index.html;
 *   - Node: the app's standard SSR build (`vite build --ssr <entry>`, the same
 *     Vite config without vite-plugin-mod-ssr, dependencies external, run by
 *     Node with NODE_ENV=production), its render(url, ssrManifest) spliced into
 *     the same template the way the standard Vite SSR server does it:
 *     template.replace('<!--app-head-->', head ?? '')
 *             .replace('<!--app-html-->', html ?? ''),
 *     with url = originalUrl.replace(base, '') (insertion is literal, as
 *     mod_ssr's: no `$&` patterns).
 * It prints OK per URL, or where the outputs first differ (both pages are
 * saved for a full diff), and exits 1 if any differs.
 *
 * Options:
 *   --app DIR          the example app (default: the current directory)
 *   --entry FILE       the server entry (default: src/entry-server.{tsx,ts,jsx,js})
 *   --ssr-render PATH  the engine CLI (default: MOD_SSR_RENDER, this
 *                      repository's ./ssr-render, then PATH)
 *   --build            run `vite build` (the mod_ssr build) first
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildNodeReference, serverEntry } from './node-reference.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const opts = { app: process.cwd(), entry: null, ssrRender: null, build: false, urls: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--app') opts.app = path.resolve(value());
    else if (a === '--entry') opts.entry = value();
    else if (a === '--ssr-render') opts.ssrRender = path.resolve(value());
    else if (a === '--build') opts.build = true;
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else opts.urls.push(a);
  }
  if (opts.urls.length === 0) opts.urls = ['/', '/about'];
  return opts;
}

function findSsrRender(explicit) {
  if (explicit) return explicit;
  if (process.env.MOD_SSR_RENDER) return path.resolve(process.env.MOD_SSR_RENDER);
  const repo = path.resolve(here, '..', 'ssr-render');
  if (fs.existsSync(repo)) return repo;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, 'ssr-render');
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

function splice(template, head, html) {
  /* literal insertion (function replacers), as mod_ssr does */
  return template
    .replace('<!--app-head-->', () => head ?? '')
    .replace('<!--app-html-->', () => html ?? '');
}

function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function context(buf, at) {
  const from = Math.max(0, at - 80);
  return JSON.stringify(buf.subarray(from, at + 80).toString('utf8'));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const appDir = opts.app;
  const req = createRequire(path.join(appDir, 'package.json'));
  let vitePath;
  try {
    vitePath = req.resolve('vite');
  } catch {
    throw new Error(`vite is not installed in ${appDir} (run npm ci there)`);
  }
  const vite = await import(pathToFileURL(vitePath).href);

  const entry = opts.entry || serverEntry(appDir);

  if (opts.build) {
    const r = spawnSync(process.execPath, [path.join(path.dirname(vitePath), '..', '..', 'bin', 'vite.js'), 'build'],
      { cwd: appDir, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('vite build failed');
  }

  const bundle = path.join(appDir, 'dist/server/entry-server.js');
  const templateFile = path.join(appDir, 'dist/client/index.html');
  const manifestFile = path.join(appDir, 'dist/client/.vite/ssr-manifest.json');
  for (const f of [bundle, templateFile]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(process.cwd(), f)} is missing: run npm run build first (or pass --build)`);
  }
  const ssrRender = findSsrRender(opts.ssrRender);
  if (!ssrRender || !fs.existsSync(ssrRender)) {
    throw new Error('ssr-render not found: build it (make in the repository root), or pass --ssr-render / set MOD_SSR_RENDER');
  }

  const workDir = path.join(appDir, 'node_modules', '.cache', 'mod-ssr-compare');
  const ref = await buildNodeReference(vite, appDir, entry, path.join(workDir, 'node'));
  process.env.NODE_ENV = 'production';
  const mod = await import(pathToFileURL(ref.file).href + '?t=' + Date.now());
  if (typeof mod.render !== 'function') throw new Error(`${ref.file} does not export render`);

  const template = fs.readFileSync(templateFile, 'utf8');
  const manifest = fs.existsSync(manifestFile) ? fs.readFileSync(manifestFile, 'utf8') : undefined;
  let failed = 0;
  for (const pageUrl of opts.urls) {
    const url = pageUrl.replace(ref.base, '');
    let rendered = await mod.render(url, manifest);
    if (typeof rendered === 'string') rendered = { html: rendered };
    const nodePage = Buffer.from(splice(template, rendered.head, rendered.html), 'utf8');

    const args = ['--bundle', bundle, '--template', templateFile, '--base', ref.base];
    if (manifest !== undefined) args.push('--manifest', manifestFile);
    args.push(pageUrl);
    const r = spawnSync(ssrRender, args, { maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) {
      failed++;
      console.log(`FAIL ${pageUrl}: ssr-render exited ${r.status}\n${r.stderr.toString('utf8').trim()}`);
      continue;
    }
    const enginePage = r.stdout;
    const at = firstDifference(nodePage, enginePage);
    if (at < 0) {
      console.log(`OK   ${pageUrl} (${enginePage.length} bytes identical)`);
      continue;
    }
    failed++;
    const name = (pageUrl.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'index');
    const nodeOut = path.join(workDir, `${name}.node.html`);
    const engineOut = path.join(workDir, `${name}.mod_ssr.html`);
    fs.writeFileSync(nodeOut, nodePage);
    fs.writeFileSync(engineOut, enginePage);
    const line = nodePage.subarray(0, at).toString('utf8').split('\n').length;
    console.log(`DIFF ${pageUrl}: first difference at byte ${at} (line ${line}); ` +
      `node ${nodePage.length} bytes, mod_ssr ${enginePage.length} bytes`);
    console.log(`  node:    ${context(nodePage, at)}`);
    console.log(`  mod_ssr: ${context(enginePage, at)}`);
    console.log(`  diff ${path.relative(process.cwd(), nodeOut)} ${path.relative(process.cwd(), engineOut)}`);
  }
  console.log(failed === 0 ? `OK: ${opts.urls.length} page(s) identical` : `DIFF: ${failed} of ${opts.urls.length} page(s) differ`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`compare: ${e.message}`);
  process.exit(2);
});
