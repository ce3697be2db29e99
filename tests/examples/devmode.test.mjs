// Dev mode as a user runs it: `vite build --watch` on an app (a temporary
// copy of fixtures/devapp, built with vite-plugin-mod-ssr from this
// repository's vite/), a real httpd serving it with `SSRLiveReload On` and
// `SSRReloadInterval 0`, and the page open in headless Chromium:
//   - a change to the text in the app's source: the page reloads by itself,
//     once, and shows the new text (server-rendered and hydrated); the
//     server bundle is written a second after the client build, so without
//     the build-complete marker mod_ssr would load the new template with
//     the old bundle first (two reloads, the first one mismatched);
//   - a syntax error in the server entry: the overlay shows the build error
//     in the open page (no reload), and again after a reload by hand (the
//     last good build serves); fixing it reloads the page, overlay gone;
//   - a server entry that throws when it loads: the same, with its message;
//   - a render that throws: the page reloads into mod_ssr's dev error page
//     (500, overlay), and back once fixed.
//
// Environment (set by run.sh): CHROMIUM (default /usr/bin/chromium),
// MOD_SSR_RENDER (the engine check; default ./ssr-render), and what
// lib/httpd.mjs reads (MOD_SSR_SO, APACHE2, APXS_LIBEXECDIR, SSR_MPM,
// SSR_KEEP_TMP).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startHttpd, makeTempDir, fixTree, sleep } from '../integration/lib/httpd.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const VITE = path.join(ROOT, 'vite', 'node_modules', 'vite', 'bin', 'vite.js');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const STEP_MS = 15_000; // one rebuild and its effect in the page

let app;          // the app's temporary copy
let vite;         // the `vite build --watch` child
let viteOutput = '';
let httpd;
let browser;
let page;
let loads = 0;    // page loads (the first, then each reload)
let loadsAtEdit = 0;
const problems = [];

const src = (rel) => path.join(app, rel);
const completions = () => (viteOutput.match(/build complete/g) || []).length;

function explain(msg) {
  return `${msg}\n--- vite output:\n${viteOutput.slice(-2500)}\n${httpd ? httpd.explain(null) : ''}`;
}

async function until(what, cond, ms = STEP_MS) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(explain(`timed out waiting for ${what}`));
    await sleep(50);
  }
}

// Replaces text in a source file of the app (as an editor saves it).
function edit(rel, from, to) {
  const text = fs.readFileSync(src(rel), 'utf8');
  assert.ok(text.includes(from), `${rel} does not contain ${JSON.stringify(from)}`);
  loadsAtEdit = loads;
  fs.writeFileSync(src(rel), text.replace(from, to));
}

const messageText = () => page.evaluate(() => document.getElementById('message')?.textContent ?? null);
const hydrated = () => page.evaluate(() => document.getElementById('message')?.dataset.hydrated ?? null);
const overlayText = () => page.evaluate(() => document.getElementById('__mod_ssr_overlay')?.textContent ?? null);

// Waits for the page to show text, hydrated by the client build of the same
// build (the client script compares the text with its own copy).
async function waitForMessage(text) {
  await until(`the page to show ${JSON.stringify(text)}`, async () => {
    try {
      return (await messageText()) === text && (await hydrated()) === 'yes';
    } catch {
      return false; // the page is reloading
    }
  });
}

// After an edit: waits for the page to reload by itself, runs check, then
// makes sure that no second reload follows.
async function reloadsOnce(check) {
  const before = loadsAtEdit;
  await until('the page to reload by itself', () => loads > before);
  await check();
  await sleep(1000);
  assert.equal(loads, before + 1, explain(`the page loaded ${loads - before} times after the edit, not once`));
}

async function waitForOverlay(pattern) {
  await until(`the overlay matching ${pattern}`, async () => {
    try {
      return pattern.test((await overlayText()) ?? '');
    } catch {
      return false;
    }
  });
}

// The steps build on each other: after a failed one the rest are skipped,
// so that a broken run ends quickly (the whole file is bounded by the
// suite's timeout).
let failedStep = null;
function step(name, fn) {
  it(name, async (t) => {
    if (failedStep) {
      t.skip(`an earlier step failed: ${failedStep}`);
      return;
    }
    try {
      await fn();
    } catch (err) {
      failedStep = name;
      throw err;
    }
  });
}

describe('dev mode: vite build --watch + SSRLiveReload, in Chromium', { timeout: 85_000 }, () => {
  before(async () => {
    process.umask(0o022); // what vite writes, httpd's children must read
    app = path.join(makeTempDir('mod_ssr-devapp-'), 'app');
    fs.cpSync(path.join(HERE, 'fixtures', 'devapp'), app, { recursive: true });
    fixTree(app, { backdateMs: 0 });

    vite = spawn(process.execPath, [VITE, 'build', '--watch'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        MOD_SSR_REPO: ROOT,
        MOD_SSR_RENDER: process.env.MOD_SSR_RENDER || path.join(ROOT, 'ssr-render'),
        // the server bundle is written 1 s after the client build, as in a
        // bigger app: mod_ssr must wait for the build-complete marker
        DEVAPP_SLOW_SERVER_MS: '1000',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
    });
    process.on('exit', () => { if (vite.exitCode === null) vite.kill('SIGKILL'); });
    vite.stdout.on('data', (d) => { viteOutput += d; });
    vite.stderr.on('data', (d) => { viteOutput += d; });
    await until('the first build', () => completions() >= 1, 25_000);

    const dist = path.join(app, 'dist');
    httpd = await startHttpd({
      docroot: path.join(dist, 'client'),
      conf: [
        'SSREngine On',
        `SSRBundle "${path.join(dist, 'server', 'entry-server.js')}"`,
        `SSRTemplate "${path.join(dist, 'client', 'index.html')}"`,
        `SSRManifest "${path.join(dist, 'client', '.vite', 'ssr-manifest.json')}"`,
        'SSRLiveReload On',
        'SSRReloadInterval 0',
      ].join('\n'),
      logLevel: 'LogLevel warn ssr:info',
    });

    browser = await chromium.launchPersistentContext(makeTempDir('mod_ssr-chromium-'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
    page = await browser.newPage();
    page.on('load', () => { loads++; });
    page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
    // an event stream still running holds up httpd's stop (event and worker
    // MPMs): give mod_ssr a moment to see that the page has gone
    if (browser) await sleep(600);
    await httpd?.stop();
    if (vite && vite.exitCode === null && vite.signalCode === null) {
      const exited = new Promise((r) => vite.once('exit', r));
      vite.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (vite.exitCode === null && vite.signalCode === null) vite.kill('SIGKILL');
    }
  });

  step('serves the first build with the live-reload script', async () => {
    const res = await page.goto(httpd.url('/'), { waitUntil: 'load', timeout: STEP_MS });
    assert.equal(res.status(), 200, explain(`GET /: ${res.status()}`));
    const html = await res.text();
    assert.match(html, /<script data-mod-ssr-live-reload>/, 'the live-reload script is in the page');
    await waitForMessage('Hello from the first build');
    assert.equal(loads, 1);
  });

  step('a source change: the page reloads by itself, once, and shows the new text', async () => {
    const done = completions();
    edit('src/message.js', 'Hello from the first build', 'Hello from the second build');
    await reloadsOnce(() => waitForMessage('Hello from the second build'));
    assert.ok(completions() > done, 'vite rebuilt');
    assert.equal(await messageText(), 'Hello from the second build');
    assert.equal(await overlayText(), null, 'no overlay');
  });

  step('a syntax error in the server entry: the overlay shows it in the open page', async () => {
    edit('src/entry-server.js', 'export function render() {', 'export function render( {');
    await waitForOverlay(/the server build failed/);
    const text = await overlayText();
    assert.match(text, /The new build failed to load/);
    assert.match(text, /entry-server\.js/);
    assert.equal(loads, loadsAtEdit, 'no reload for a failed build');
    assert.equal(await messageText(), 'Hello from the second build', 'the page is still there');
  });

  step('reloading the page while the build is broken: the last good build, with the overlay', async () => {
    // (the same page: under prefork each open page's event stream holds a
    // whole process, and the test's httpd has two)
    const res = await page.reload({ waitUntil: 'load', timeout: STEP_MS });
    assert.equal(res.status(), 200, explain('the last good build serves'));
    assert.equal(await messageText(), 'Hello from the second build');
    await waitForOverlay(/the server build failed/);
  });

  step('fixing it: the page reloads to the good build, the overlay is gone', async () => {
    edit('src/entry-server.js', 'export function render( {', 'export function render() {');
    await reloadsOnce(() => waitForMessage('Hello from the second build'));
    assert.equal(await overlayText(), null, 'the overlay is gone');
  });

  step('a server entry that throws when it loads: the overlay shows its message; fixed: gone', async () => {
    edit('src/entry-server.js', 'export function render() {',
      "throw new Error('boom at load time')\nexport function render() {");
    await waitForOverlay(/boom at load time/);
    assert.equal(loads, loadsAtEdit, 'no reload for a build that does not load');
    edit('src/entry-server.js', "throw new Error('boom at load time')\n", '');
    await reloadsOnce(() => waitForMessage('Hello from the second build'));
    assert.equal(await overlayText(), null);
  });

  step('a render that throws: the page reloads into the error page (500 + overlay), and back once fixed', async () => {
    const responses = [];
    const onResponse = (r) => { if (r.request().isNavigationRequest()) responses.push(r.status()); };
    page.on('response', onResponse);
    try {
      edit('src/entry-server.js', 'export function render() {',
        "export function render() {\n  throw new Error('boom in render')");
      await reloadsOnce(() => waitForOverlay(/boom in render/));
      assert.match(await overlayText(), /The render failed/);
      assert.deepEqual(responses, [500], explain('navigations after the edit'));
      edit('src/entry-server.js', "\n  throw new Error('boom in render')", '');
      await reloadsOnce(() => waitForMessage('Hello from the second build'));
      assert.equal(await overlayText(), null);
      assert.deepEqual(responses, [500, 200], explain('navigations after the fix'));
    } finally {
      page.off('response', onResponse);
    }
  });

  step('no uncaught errors in the page; httpd logged no crash', () => {
    assert.deepEqual(problems, []);
    const bad = httpd.errorLog().split('\n').filter((l) => /:(crit|alert|emerg)\]|AH00052/.test(l));
    assert.deepEqual(bad, [], httpd.explain(null));
  });
});
