// Browser and HTTP tests of the examples whose pages fetch() their data
// during SSR (examples/react-router, examples/vue-router; lib/data-api.mjs):
// one real httpd with a VirtualHost per example that serves the app's JSON
// files and proxies /backend/ to a backend this test runs, and headless
// Chromium. For each example:
//   - '/' hydrates without errors or warnings, with the server's data: the
//     browser fetches no /api/ URL for it;
//   - a click on "About" loads that page's data in the browser (one fetch of
//     /api/about.json) and renders it, title included;
//   - /live waits for the slow backend route and renders its data;
//   - /gone (backend 404) is the app's not-found page, status 404;
//   - /broken (backend 500) is the app's error page, status 500.
// That these pages are Node's, byte for byte and status, is compare.mjs's
// job (../compare-fetch.mjs, run by run.sh before this); the counter, '/',
// '/about' and '/nope' are hydration.test.mjs's, as for every example.
//
// Environment (set by run.sh): SSR_EXAMPLE_DIRS (the built examples; only
// the data examples among them are tested here), CHROMIUM, and what
// lib/httpd.mjs reads.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { HOST, startHttpd, makeTempDir, freePort, request } from '../integration/lib/httpd.mjs';
import {
  DATA_EXAMPLES, HAVE_PROXY, SLOW_MS, startBackend, prepareDist, proxyModules, vhost,
} from './lib/data-api.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const STEP_MS = 15_000;
const SITE = 'Grünes Blatt';

function exampleDirs() {
  const fromEnv = (process.env.SSR_EXAMPLE_DIRS || '').split(/\s+/).filter(Boolean);
  const dirs = fromEnv.length
    ? fromEnv.map((d) => path.resolve(d))
    : DATA_EXAMPLES.map((n) => path.join(ROOT, 'examples', n));
  return dirs.filter((d) => DATA_EXAMPLES.includes(path.basename(d)));
}

const EXAMPLES = exampleDirs().map((dir) => ({ name: path.basename(dir), dir }));

const titleOf = (html) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? null;

let httpd;
let backend;
let browser;
const ports = new Map();

describe('examples that load data during SSR', {
  skip: (EXAMPLES.length === 0 && 'no data example among SSR_EXAMPLE_DIRS') ||
    (!HAVE_PROXY && 'mod_proxy/mod_proxy_http not installed'),
}, () => {
  before(async () => {
    backend = await startBackend();
    const conf = [proxyModules()];
    for (const ex of EXAMPLES) {
      const port = await freePort();
      ports.set(ex.name, port);
      conf.push(`# examples/${ex.name}`, vhost(port, prepareDist(ex.dir, ex.name), backend), '');
    }
    httpd = await startHttpd({ conf: conf.join('\n'), logLevel: 'LogLevel warn ssr:info' });
    browser = await chromium.launchPersistentContext(makeTempDir('mod_ssr-chromium-'), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000,
    });
  });

  after(async () => {
    await browser?.close();
    await httpd?.stop();
    await backend?.close();
  });

  for (const ex of EXAMPLES) {
    describe(`examples/${ex.name}`, () => {
      const port = () => ports.get(ex.name);
      const url = (p) => `http://${HOST}:${port()}${p}`;

      it('/ hydrates with the server\'s data; "About" loads its data in the browser', async () => {
        const page = await browser.newPage();
        const problems = [];
        const apiRequests = [];
        page.on('console', (msg) => {
          if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`);
        });
        page.on('pageerror', (err) => problems.push(`uncaught: ${err.stack || err.message}`));
        page.on('request', (req) => {
          const p = new URL(req.url()).pathname;
          if (p.startsWith('/api/') || p.startsWith('/backend/')) apiRequests.push(p);
        });
        try {
          const res = await page.goto(url('/'), { waitUntil: 'load', timeout: STEP_MS });
          assert.equal(res.status(), 200, httpd.explain(null));
          assert.match(res.headers()['server-timing'] ?? '', /^ssr;dur=/, 'not rendered by mod_ssr');
          assert.match(await res.text(), /Tomate « Cœur de bœuf »/, 'the products are in the served page');
          await page.waitForSelector('.counter [data-hydrated="yes"]', { state: 'attached', timeout: STEP_MS });
          assert.equal(await page.title(), `Seeds & seedlings · ${SITE}`);
          assert.equal(await page.locator('.products li').count(), 3);
          assert.deepEqual(apiRequests, [], 'the first page\'s data came with the page');

          await page.click('nav a[href="/about"]', { timeout: STEP_MS });
          await page.waitForSelector('.about h1', { timeout: STEP_MS });
          assert.equal(await page.textContent('.about h1'), 'About the shop');
          assert.match(await page.textContent('.about'), /Mia 🐈/);
          assert.deepEqual(apiRequests, ['/api/about.json'], 'the browser loaded the page\'s data once');
          await page.waitForFunction((t) => document.title === t, `About the shop · ${SITE}`, { timeout: STEP_MS });
          assert.equal(new URL(page.url()).pathname, '/about');
          // Late messages (effects, recoverable hydration errors): a moment.
          await page.waitForTimeout(200);
          assert.deepEqual(problems, [], 'the page logged errors or warnings');
        } finally {
          await page.close();
        }
      });

      it(`/live waits for the slow backend route (${SLOW_MS} ms) and renders its data`, async () => {
        const t0 = performance.now();
        const res = await request(port(), '/live');
        const ms = performance.now() - t0;
        assert.equal(res.status, 200, httpd.explain(res));
        assert.match(res.get('server-timing') ?? '', /^ssr;dur=/, httpd.explain(res, 'not rendered by mod_ssr'));
        assert.ok(ms >= SLOW_MS, `answered in ${ms.toFixed(0)} ms, before the backend could`);
        assert.match(res.text, /Tomaten: 12 · Basilikum: 0 · Chili: 7/);
        assert.equal(titleOf(res.text), `Live stock · ${SITE}`);
      });

      it('/gone: the backend\'s 404 is the app\'s not-found page, status 404', async () => {
        const res = await request(port(), '/gone');
        assert.equal(res.status, 404, httpd.explain(res));
        assert.match(res.get('server-timing') ?? '', /^ssr;dur=/, httpd.explain(res, 'not rendered by mod_ssr'));
        assert.match(res.text, /<h1>Not found<\/h1>/);
        assert.equal(titleOf(res.text), `Not found · ${SITE}`);
      });

      it('/broken: the backend\'s 500 is the app\'s error page, status 500', async () => {
        const res = await request(port(), '/broken');
        assert.equal(res.status, 500, httpd.explain(res));
        assert.match(res.get('server-timing') ?? '', /^ssr;dur=/, httpd.explain(res, 'not rendered by mod_ssr'));
        assert.match(res.text, /<h1>Something went wrong<\/h1>/);
        assert.match(res.text, /could not be loaded \(500\)/);
        assert.equal(titleOf(res.text), `Error · ${SITE}`);
      });
    });
  }

  it('the backend got the pages\' requests, and httpd logged no error', () => {
    for (const p of ['/slow', '/missing', '/fail']) {
      assert.equal(backend.seen.filter((s) => s === p).length, EXAMPLES.length, `backend requests of ${p}`);
    }
    const errors = httpd.errorLog().split('\n').filter((l) => /:(error|crit|alert|emerg)\]/.test(l));
    assert.deepEqual(errors, [], httpd.explain(null));
  });
});
