// create-vite-extra's SSR templates, unchanged but for the documented plugin
// line, with vite-plugin-mod-ssr installed from its packed tarball (run.sh).
// For each template (JS and TS):
//   - `npm run build` (the template's own: build:client, then build:server)
//     works, and builds the server bundle once (build:server finds it up to
//     date);
//   - `npm run preview`'s server (NODE_ENV=production node server.js) serves
//     the plugin's build;
//   - for each route, mod_ssr's page (one real httpd, a VirtualHost per
//     template) is byte for byte the page of the template's own server.js;
//   - in headless Chromium the mod_ssr page hydrates without console errors
//     and its counter counts.
//
// Environment (run.sh sets it): SSR_TEMPLATES_WORK (where the plugin is
// installed and the apps are built; under tests/templates, so that the
// apps resolve the pinned dependencies from tests/templates/node_modules),
// SSR_TEMPLATES (names to run; default: all but SKIP), CHROMIUM, NODE, and
// what tests/integration/lib/httpd.mjs reads.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import {
  HOST, startHttpd, makeTempDir, fixTree, freePort, request, sleep,
} from '../integration/lib/httpd.mjs';
import {
  HERE, SKIP, EXPECTED, availableTemplates, materialise,
} from './templates.mjs';

const WORK = path.resolve(process.env.SSR_TEMPLATES_WORK || path.join(HERE, '.work'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const NPM = process.env.NPM || 'npm';
const BUILD_MS = 600_000;      // one template's npm run build (on a loaded machine)
const PARALLEL = Number(process.env.SSR_TEMPLATES_JOBS || 2);
const STEP_MS = 15_000;        // one navigation or one wait in the page
const ROUTES = ['/', '/about', '/deep/link?q=1&r=%C3%A9'];
const COUNTER = 'button.counter, button#counter';

const wanted = (process.env.SSR_TEMPLATES || '').split(/\s+/).filter(Boolean);
const TEMPLATES = (wanted.length ? wanted : EXPECTED.filter((n) => !SKIP[n]));

function run(cmd, args, opts, timeoutMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, ms: Date.now() - started });
    });
  });
}

// Waits until something accepts connections on 127.0.0.1:port.
async function waitForPort(port, child, what) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    const ok = await new Promise((resolve) => {
      const s = net.connect({ host: HOST, port }, () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${what} does not listen on ${HOST}:${port}`);
}

const apps = new Map();   // name -> { dir, build, error, node: {port, child, log}, httpd port }
let httpd;
let browser;

async function buildOne(name) {
  const dir = path.join(WORK, 'apps', name);
  const app = { name, dir };
  apps.set(name, app);
  try {
    materialise(name, dir);
  } catch (e) {
    app.error = `materialise: ${e.message}`;
    return;
  }
  app.build = await run(NPM, ['run', 'build'], { cwd: dir, env: process.env }, BUILD_MS);
  console.log(`# ${name}: npm run build ${app.build.code === 0 ? 'ok' : 'FAILED'} in ` +
    `${(app.build.ms / 1000).toFixed(1)} s`);
}

async function startNode(app) {
  const port = await freePort();
  const log = [];
  const child = spawn(process.execPath, ['server.js'], {
    cwd: app.dir,
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  app.node = { port, child, log };
  await waitForPort(port, child, `${app.name}: node server.js`);
}

function vhost(port, a) {
  return [
    `Listen ${HOST}:${port}`,
    `<VirtualHost ${HOST}:${port}>`,
    `    ServerName ${HOST}`,
    `    DocumentRoot "${a.docroot}"`,
    `    <Directory "${a.docroot}">`,
    '        Require all granted',
    '    </Directory>',
    '    SSREngine On',
    `    SSRBundle "${a.bundle}"`,
    `    SSRTemplate "${a.template}"`,
    ...(a.manifest ? [`    SSRManifest "${a.manifest}"`] : []),
    '</VirtualHost>',
  ].join('\n');
}

// A copy of the build that httpd's children (www-data when we are root) can
// read, back-dated so that mod_ssr loads it at once.
function prepare(app) {
  const dist = path.join(makeTempDir(`mod_ssr-tpl-${app.name}-`), 'dist');
  fs.cpSync(path.join(app.dir, 'dist'), dist, { recursive: true });
  fixTree(path.dirname(dist));
  const docroot = path.join(dist, 'client');
  const manifest = path.join(docroot, '.vite', 'ssr-manifest.json');
  return {
    docroot,
    template: path.join(docroot, 'index.html'),
    bundle: path.join(dist, 'server', 'entry-server.js'),
    manifest: fs.existsSync(manifest) ? manifest : null,
  };
}

before(async () => {
  assert.deepEqual(availableTemplates(), [...EXPECTED].sort(),
    'create-vite-extra\'s SSR templates are not the ones this harness knows');
  fs.mkdirSync(path.join(WORK, 'apps'), { recursive: true });
  // the builds, PARALLEL at a time
  const queue = [...TEMPLATES];
  await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
    while (queue.length) await buildOne(queue.shift());
  }));
  const conf = [];
  for (const app of apps.values()) {
    if (app.error || app.build.code !== 0) continue;
    try {
      await startNode(app);
    } catch (e) {
      app.nodeError = e.message;
    }
    app.port = await freePort();
    conf.push(`# ${app.name}`, vhost(app.port, prepare(app)), '');
  }
  if (conf.length) {
    // 16 threads: Chromium loads a page's assets over several connections
    // at once, and with the harness's default 4 threads httpd logs that it
    // reached MaxRequestWorkers (an error-level line)
    httpd = await startHttpd({ conf: conf.join('\n'), logLevel: 'LogLevel warn ssr:info', limits: 16 });
    browser = await chromium.launchPersistentContext(makeTempDir('mod_ssr-chromium-'), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000,
    });
  }
}, { timeout: 2_300_000 });

after(async () => {
  await browser?.close();
  await httpd?.stop();
  for (const app of apps.values()) app.node?.child.kill('SIGTERM');
});

for (const [name, why] of Object.entries(SKIP)) {
  it(`${name}`, { skip: why }, () => {});
}

for (const name of TEMPLATES) {
  describe(name, () => {
    const app = () => apps.get(name);
    const built = () => {
      const a = app();
      assert.ok(a, 'not built');
      assert.ok(!a.error, a.error);
      assert.equal(a.build.code, 0, `npm run build failed (${a.build.signal ? `killed after ${BUILD_MS} ms` :
        `exit ${a.build.code}`}):\n${a.build.out.slice(-4000)}`);
      return a;
    };

    it('npm run build works and builds the server bundle once', () => {
      const a = built();
      assert.match(a.build.out, /\[vite-plugin-mod-ssr\] engine check: \/ renders in ssr-render/,
        'the engine check did not run');
      // build:server finds the bundle build:client made up to date
      assert.match(a.build.out, /dist\/server\/entry-server\.js is up to date/,
        `build:server built the server bundle again:\n${a.build.out.slice(-3000)}`);
      assert.equal((a.build.out.match(/building ssr environment/g) || []).length, 1,
        'the ssr environment was built more than once');
    });

    it('npm run preview (NODE_ENV=production node server.js) serves the build', async () => {
      const a = built();
      assert.ok(!a.nodeError, `${a.nodeError}\n${a.node?.log.join('')}`);
      const res = await request(a.node.port, '/');
      assert.equal(res.status, 200, `node server.js: ${res.status}\n${res.text.slice(0, 2000)}\n${a.node.log.join('')}`);
      assert.match(res.text, /<!--mod_ssr-build:/);
      assert.doesNotMatch(res.text, /<!--app-html-->/);
    });

    for (const route of ROUTES) {
      it(`${route}: mod_ssr's page is server.js's, byte for byte`, async () => {
        const a = built();
        assert.ok(!a.nodeError, a.nodeError);
        const [mine, node] = await Promise.all([request(a.port, route), request(a.node.port, route)]);
        assert.equal(mine.status, 200, httpd.explain(mine));
        assert.match(mine.get('server-timing') ?? '', /^ssr;dur=/, httpd.explain(mine, 'not rendered by mod_ssr'));
        assert.equal(node.status, 200, node.text.slice(0, 2000));
        if (!mine.body.equals(node.body)) {
          const x = mine.text;
          const y = node.text;
          let i = 0;
          while (i < x.length && x[i] === y[i]) i++;
          assert.fail(`${route}: the pages differ at character ${i}:\n` +
            `  mod_ssr: ${JSON.stringify(x.slice(Math.max(0, i - 80), i + 80))}\n` +
            `  node:    ${JSON.stringify(y.slice(Math.max(0, i - 80), i + 80))}`);
        }
      });
    }

    it('hydrates in Chromium without console errors; the counter counts', async () => {
      const a = built();
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
      try {
        const res = await page.goto(`http://${HOST}:${a.port}/`, { waitUntil: 'networkidle', timeout: STEP_MS });
        assert.equal(res.status(), 200);
        assert.match(res.headers()['server-timing'] ?? '', /^ssr;dur=/, 'not rendered by mod_ssr');
        const text = () => page.$eval(COUNTER, (el) => el.textContent.replace(/\s+/g, ' ').trim());
        await page.waitForFunction((sel) => {
          const el = document.querySelector(sel);
          return el && el.textContent.replace(/\s+/g, ' ').trim() === 'Count is 0';
        }, COUNTER, { timeout: STEP_MS }).catch(async () => {
          assert.fail(`the counter reads ${JSON.stringify(await text().catch(() => null))}\n${problems.join('\n')}`);
        });
        await page.click(COUNTER, { timeout: STEP_MS });
        await page.waitForFunction((sel) => {
          const el = document.querySelector(sel);
          return el && el.textContent.replace(/\s+/g, ' ').trim() === 'Count is 1';
        }, COUNTER, { timeout: 5_000 }).catch(async () => {
          assert.fail(`after a click the counter reads ${JSON.stringify(await text())}: not hydrated?\n` +
            problems.join('\n'));
        });
        await page.waitForTimeout(200);
        assert.deepEqual(problems, [], 'the page logged errors or warnings');
      } finally {
        await page.close();
      }
    });
  });
}

describe('httpd', () => {
  it('logged no error while serving the templates', () => {
    if (!httpd) return;
    const errors = httpd.errorLog().split('\n').filter((l) => /:(error|crit|alert|emerg)\]/.test(l));
    assert.deepEqual(errors, [], httpd.explain(null));
  });
});
