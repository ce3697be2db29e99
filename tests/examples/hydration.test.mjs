// Browser tests of the framework examples served by mod_ssr: one real httpd
// (tests/integration/lib/httpd.mjs) with a VirtualHost per example, each on
// its own 127.0.0.1 port so that every app keeps its base '/', and headless
// Chromium driven by playwright-core.  For each example:
//   - '/' and '/about' answer 200, rendered by mod_ssr (Server-Timing), with
//     a <title> of their own that survives hydration;
//   - hydration logs no error or warning (console error/warning, uncaught
//     page errors: a hydration mismatch is one of these);
//   - the counter contract: `.counter [data-hydrated]` becomes "yes", and
//     `.counter button` reads 'count is 0', then 'count is 1' after a click;
//   - '/nope' answers 404 (rendered by the app).
// That the served HTML is Node's, byte for byte, is compare.mjs's job (run.sh
// runs it before this).
//
// Environment (set by run.sh): SSR_EXAMPLE_DIRS (the built examples,
// space-separated; default: every examples/*/ with a package.json and a
// dist/, but basic), CHROMIUM (default /usr/bin/chromium), and what
// lib/httpd.mjs reads (MOD_SSR_SO, APACHE2, APXS_LIBEXECDIR, SSR_KEEP_TMP).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import {
  HOST, startHttpd, makeTempDir, fixTree, freePort, request,
} from '../integration/lib/httpd.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const STEP_MS = 15_000; // one navigation or one wait in the page

function exampleDirs() {
  const fromEnv = (process.env.SSR_EXAMPLE_DIRS || '').split(/\s+/).filter(Boolean);
  if (fromEnv.length) return fromEnv.map((d) => path.resolve(d));
  const base = path.join(ROOT, 'examples');
  return fs.readdirSync(base).sort()
    .filter((n) => n !== 'basic' && fs.existsSync(path.join(base, n, 'package.json')))
    .map((n) => path.join(base, n));
}

const EXAMPLES = exampleDirs().map((dir) => ({ name: path.basename(dir), dir }));

// A copy of an example's dist/ in a temp dir httpd's children (www-data when
// we are root) can read, back-dated so that mod_ssr loads it at once.
function prepare(example) {
  const dist = path.join(example.dir, 'dist');
  for (const f of ['client/index.html', 'server/entry-server.js']) {
    if (!fs.existsSync(path.join(dist, f))) {
      throw new Error(`${path.join(dist, f)} is missing: run npm run build in examples/${example.name}`);
    }
  }
  const dir = path.join(makeTempDir(`mod_ssr-${example.name}-`), 'dist');
  fs.cpSync(dist, dir, { recursive: true });
  fixTree(path.dirname(dir));
  const docroot = path.join(dir, 'client');
  const manifest = path.join(docroot, '.vite', 'ssr-manifest.json');
  return {
    docroot,
    template: path.join(docroot, 'index.html'),
    bundle: path.join(dir, 'server', 'entry-server.js'),
    manifest: fs.existsSync(manifest) ? manifest : null,
  };
}

function vhost(port, app) {
  return [
    `Listen ${HOST}:${port}`,
    `<VirtualHost ${HOST}:${port}>`,
    `    ServerName ${HOST}`,
    `    DocumentRoot "${app.docroot}"`,
    `    <Directory "${app.docroot}">`,
    '        Require all granted',
    '    </Directory>',
    '    SSREngine On',
    `    SSRBundle "${app.bundle}"`,
    `    SSRTemplate "${app.template}"`,
    ...(app.manifest ? [`    SSRManifest "${app.manifest}"`] : []),
    '</VirtualHost>',
  ].join('\n');
}

function decodeHtml(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (m, e) => {
    const k = e.toLowerCase();
    if (k[0] === '#') return String.fromCodePoint(k[1] === 'x' ? parseInt(k.slice(2), 16) : Number(k.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }[k];
  });
}

function servedTitle(html) {
  const m = /<title[^>]*>([^<]*)<\/title>/i.exec(html);
  return m ? decodeHtml(m[1]) : null;
}

// Polls the text of the first element matching selector until it is want.
async function waitForText(page, selector, want, what) {
  try {
    await page.waitForFunction(([sel, text]) => {
      const el = document.querySelector(sel);
      return !!el && el.textContent.replace(/\s+/g, ' ').trim() === text;
    }, [selector, want], { timeout: STEP_MS });
  } catch {
    const got = await page.evaluate((sel) => {
      const el = document.querySelector(sel);
      return el ? el.textContent.replace(/\s+/g, ' ').trim() : null;
    }, selector);
    assert.fail(`${what}: ${selector} reads ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
  }
}

let httpd;
let browser;
const ports = new Map();
const unusable = new Map(); // example name -> why it is not served

before(async () => {
  assert.ok(EXAMPLES.length > 0, 'no example to test');
  const conf = [];
  for (const ex of EXAMPLES) {
    let app;
    try {
      app = prepare(ex);
    } catch (err) {
      unusable.set(ex.name, err.message); // fails that example's tests only
      continue;
    }
    const port = await freePort();
    ports.set(ex.name, port);
    conf.push(`# examples/${ex.name}`, vhost(port, app), '');
  }
  assert.ok(ports.size > 0, [...unusable.values()].join('\n'));
  httpd = await startHttpd({ conf: conf.join('\n'), logLevel: 'LogLevel warn ssr:info' });
  browser = await chromium.launchPersistentContext(makeTempDir('mod_ssr-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
});

after(async () => {
  await browser?.close();
  await httpd?.stop();
});

for (const ex of EXAMPLES) {
  describe(`examples/${ex.name}`, () => {
    const url = (p) => `http://${HOST}:${ports.get(ex.name)}${p}`;
    const titles = new Map();

    before(() => {
      if (unusable.has(ex.name)) assert.fail(unusable.get(ex.name));
    });

    // Opens route in a new page; returns what was served and what the page
    // logged.  The page stays open until the test's end (close()).
    async function open(route) {
      const page = await browser.newPage();
      const problems = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') {
          const loc = msg.location();
          problems.push(`console.${msg.type()}: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
        }
      });
      page.on('pageerror', (err) => problems.push(`uncaught: ${err.stack || err.message}`));
      page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
      const res = await page.goto(url(route), { waitUntil: 'load', timeout: STEP_MS });
      assert.ok(res, `no response for ${route}`);
      const html = await res.text();
      return { page, res, html, problems, close: () => page.close() };
    }

    for (const route of ['/', '/about']) {
      it(`${route}: 200, its title, hydrates without errors, counter works`, async () => {
        const { page, res, html, problems, close } = await open(route);
        try {
          const explain = (msg) => `${msg}\n${httpd.explain(null)}`;
          assert.equal(res.status(), 200, explain(`GET ${route}: ${res.status()}`));
          assert.match(res.headers()['server-timing'] ?? '', /^ssr;dur=/,
            explain(`GET ${route}: no Server-Timing, not rendered by mod_ssr`));

          const title = servedTitle(html);
          assert.ok(title && title.trim(), `GET ${route}: no <title> in the served page`);
          if (route === '/about') assert.match(title, /about/i, `the title of /about: ${JSON.stringify(title)}`);
          titles.set(route, title);

          await page.waitForSelector('.counter [data-hydrated="yes"]', { state: 'attached', timeout: STEP_MS })
            .catch(async () => {
              const got = await page.evaluate(() => {
                const el = document.querySelector('.counter [data-hydrated]');
                return el ? el.getAttribute('data-hydrated') : 'no .counter [data-hydrated]';
              });
              assert.fail(`${route} did not hydrate: data-hydrated is ${JSON.stringify(got)}\n${problems.join('\n')}`);
            });
          assert.equal(await page.title(), title, `${route}: the title changed after hydration`);

          await waitForText(page, '.counter button', 'count is 0', `${route} after hydration`);
          await page.click('.counter button', { timeout: STEP_MS });
          await waitForText(page, '.counter button', 'count is 1', `${route} after one click`);

          // Late messages (effects, recoverable hydration errors) come in
          // after the first paint: give them a moment.
          await page.waitForTimeout(200);
          assert.deepEqual(problems, [], `${route}: the page logged errors or warnings`);
        } finally {
          await close();
        }
      });
    }

    it('/ and /about have different titles', () => {
      assert.equal(titles.size, 2, 'a page test failed before reading its title');
      assert.notEqual(titles.get('/'), titles.get('/about'));
    });

    it('/nope answers 404, rendered by the app', async () => {
      const res = await request(ports.get(ex.name), '/nope');
      assert.equal(res.status, 404, httpd.explain(res));
      assert.match(res.get('server-timing') ?? '', /^ssr;dur=/, httpd.explain(res, 'not rendered by mod_ssr'));
      assert.ok(servedTitle(res.text), httpd.explain(res, 'no <title>'));
    });
  });
}

describe('httpd', () => {
  it('logged no error while serving the examples', () => {
    const errors = httpd.errorLog().split('\n').filter((l) => /:(error|crit|alert|emerg)\]/.test(l));
    assert.deepEqual(errors, [], httpd.explain(null));
  });
});
