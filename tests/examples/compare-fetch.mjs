#!/usr/bin/env node
/*
 * compare-fetch.mjs: checks that mod_ssr renders an example whose pages
 * fetch() their data byte for byte as Node renders it, with the same data.
 *
 *   node compare.mjs [URL...]     (an example's compare.mjs runs this with --app)
 *
 * examples/compare.mjs runs ssr-render, which has no network; here the pages
 * come from a real httpd with mod_ssr instead (tests/integration/lib/
 * httpd.mjs), which serves the app's JSON files and proxies /backend/ to the
 * backend of lib/data-api.mjs. Node renders the app's standard SSR build
 * (`vite build --ssr`, the same Vite config without vite-plugin-mod-ssr) with
 * render(url, ssrManifest, { headers: { host } }), the host being httpd's: its
 * global fetch() reaches the same httpd, so both sides load the same data.
 * Both answers are compared: the status (result.status for Node) and the
 * page, spliced into dist/client/index.html as the standard Vite SSR server
 * does.
 *
 * Options: --app DIR (default: the current directory). Environment: what
 * lib/httpd.mjs reads (MOD_SSR_SO, APACHE2, APXS_LIBEXECDIR).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { HOST, startHttpd, freePort, request } from '../integration/lib/httpd.mjs';
import { HAVE_PROXY, startBackend, prepareDist, proxyModules, vhost } from './lib/data-api.mjs';
import { buildNodeReference, serverEntry } from '../../examples/node-reference.mjs';

function parseArgs(argv) {
  const opts = { app: process.cwd(), urls: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--app') opts.app = path.resolve(argv[++i]);
    else if (argv[i].startsWith('-')) throw new Error(`unknown option ${argv[i]}`);
    else if (!opts.urls.includes(argv[i])) opts.urls.push(argv[i]);
  }
  if (opts.urls.length === 0) opts.urls = ['/', '/about'];
  return opts;
}

const splice = (template, head, html) => template
  .replace('<!--app-head-->', () => head ?? '')
  .replace('<!--app-html-->', () => html ?? '');

function firstDifference(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const appDir = opts.app;
  if (!HAVE_PROXY) throw new Error('mod_proxy/mod_proxy_http not installed');
  const req = createRequire(path.join(appDir, 'package.json'));
  const vite = await import(pathToFileURL(req.resolve('vite')).href);
  const entry = serverEntry(appDir);

  const workDir = path.join(appDir, 'node_modules', '.cache', 'mod-ssr-compare');
  const app = prepareDist(appDir);
  const ref = await buildNodeReference(vite, appDir, entry, path.join(workDir, 'node'));
  process.env.NODE_ENV = 'production';
  const mod = await import(pathToFileURL(ref.file).href + '?t=' + Date.now());

  const template = fs.readFileSync(path.join(appDir, 'dist/client/index.html'), 'utf8');
  const manifestFile = path.join(appDir, 'dist/client/.vite/ssr-manifest.json');
  const manifest = fs.existsSync(manifestFile) ? fs.readFileSync(manifestFile, 'utf8') : undefined;

  const backend = await startBackend();
  let httpd;
  let failed = 0;
  try {
    const port = await freePort();
    httpd = await startHttpd({ conf: [proxyModules(), vhost(port, app, backend)].join('\n') });
    const host = `${HOST}:${port}`;
    for (const pageUrl of opts.urls) {
      const served = await request(port, pageUrl);
      let rendered = await mod.render(pageUrl.replace(ref.base, ''), manifest, { headers: { host } });
      if (typeof rendered === 'string') rendered = { html: rendered };
      const nodeStatus = rendered.status ?? 200;
      const nodePage = Buffer.from(splice(template, rendered.head, rendered.html), 'utf8');
      const at = firstDifference(nodePage, served.body);
      if (served.status === nodeStatus && at < 0) {
        console.log(`OK   ${pageUrl} (${served.status}, ${served.body.length} bytes identical)`);
        continue;
      }
      failed++;
      if (served.status !== nodeStatus) {
        console.log(`DIFF ${pageUrl}: status: node ${nodeStatus}, mod_ssr ${served.status}`);
      }
      if (at >= 0) {
        const name = pageUrl.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'index';
        fs.mkdirSync(workDir, { recursive: true });
        const nodeOut = path.join(workDir, `${name}.node.html`);
        const engineOut = path.join(workDir, `${name}.mod_ssr.html`);
        fs.writeFileSync(nodeOut, nodePage);
        fs.writeFileSync(engineOut, served.body);
        const ctx = (buf) => JSON.stringify(buf.subarray(Math.max(0, at - 80), at + 80).toString('utf8'));
        console.log(`DIFF ${pageUrl}: first difference at byte ${at}; node ${nodePage.length} bytes, mod_ssr ${served.body.length} bytes`);
        console.log(`  node:    ${ctx(nodePage)}`);
        console.log(`  mod_ssr: ${ctx(served.body)}`);
        console.log(`  diff ${nodeOut} ${engineOut}`);
      }
    }
    const errors = httpd.errorLog().split('\n').filter((l) => /:(error|crit|alert|emerg)\]/.test(l));
    if (errors.length) {
      failed++;
      console.log(`httpd logged errors:\n${errors.join('\n')}`);
    }
  } finally {
    await httpd?.stop();
    await backend.close();
  }
  console.log(failed === 0 ? `OK: ${opts.urls.length} page(s) identical` : `DIFF: ${failed} problem(s)`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`compare-fetch: ${e.stack || e.message}`);
  process.exit(2);
});
