#!/usr/bin/env node
// The dev loop's speed (run by `make bench-dev`; not part of `make check`:
// timing is no test).  On a copy of examples/react (its node_modules linked,
// the plugin from this repository's vite/src), in one run:
//   (a) HMR through mod-ssr-dev: Vite's dev server behind Apache + mod_ssr
//       on 127.0.0.1, the page in headless Chromium; a component's text is
//       edited (src/components/Counter.jsx) and the time from the save to
//       the new text in the page is taken in the page (a MutationObserver);
//       the counter's state must be kept (no reload);
//   (b) the same edits with Vite's own dev server (`vite` on 127.0.0.1, the
//       same app, client rendering only);
//   (c) a change only the server bundle sees (src/head.jsx, a route's
//       <meta>) under mod-ssr-dev: one reload; save to the reloaded page's
//       DOMContentLoaded with the new text;
//   (d) the server rebuild alone (no page open): save to the new bundle
//       written, and the watch build's own duration from its log.
// Each N edits, one at a time (the server rebuild of one edit is over
// before the next); medians, min and max go to bench/dev-results.md.
//
// Usage: node bench/dev-loop.mjs [--edits 7] [--only a,b,c,d]
//          [--sourcemap on|off] [--out FILE] [--timeout 600]
// Environment: BENCH_DEV_EDITS, BENCH_DEV_OUT, BENCH_DEV_TIMEOUT (seconds),
// BENCH_DEV_LOG (a file for mod-ssr-dev's output), CHROMIUM (default
// /usr/bin/chromium), and what
// tests/integration/lib/httpd.mjs reads (MOD_SSR_SO, APACHE2,
// APXS_LIBEXECDIR).  Needs scripts/npm-setup.sh (examples/react,
// tests/examples: playwright-core) and a built mod_ssr.so.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const REACT = path.join(ROOT, 'examples', 'react');
const lib = await import(pathToFileURL(path.join(ROOT, 'tests', 'integration', 'lib', 'httpd.mjs')).href);
const { startHttpd, makeTempDir, fixTree, sleep, freePort, MODULES_DIR, APACHE2 } = lib;

const { values: args } = parseArgs({
  options: {
    edits: { type: 'string' },
    only: { type: 'string' },
    sourcemap: { type: 'string' },
    out: { type: 'string' },
    timeout: { type: 'string' },
  },
});
const EDITS = Number(args.edits || process.env.BENCH_DEV_EDITS || 7);
const PHASES = new Set((args.only || 'a,b,c,d').split(',').map((s) => s.trim()).filter(Boolean));
const MAPS = (args.sourcemap || 'on') !== 'off';
const OUT = path.resolve(args.out || process.env.BENCH_DEV_OUT || path.join(HERE, 'dev-results.md'));
const TIMEOUT_S = Number(args.timeout || process.env.BENCH_DEV_TIMEOUT || 600);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const STEP_MS = 30_000;

function die(msg) {
  console.error(`bench-dev: ${msg}`);
  process.exit(1);
}
if (!Number.isInteger(EDITS) || EDITS < 1) die(`--edits must be a positive number, not ${args.edits}`);
for (const p of PHASES) if (!'abcd'.includes(p) || p.length !== 1) die(`unknown phase ${p} (a, b, c, d)`);
if (!fs.existsSync(path.join(REACT, 'node_modules', 'react'))) {
  die('examples/react/node_modules is missing: run scripts/npm-setup.sh');
}
const needBrowser = PHASES.has('a') || PHASES.has('b') || PHASES.has('c');
let chromium = null;
if (needBrowser) {
  try {
    ({ chromium } = createRequire(path.join(ROOT, 'tests', 'examples', 'package.json'))('playwright-core'));
  } catch {
    die('tests/examples/node_modules/playwright-core is missing: run scripts/npm-setup.sh');
  }
  if (!fs.existsSync(CHROMIUM)) die(`Chromium not found at ${CHROMIUM} (set CHROMIUM)`);
}

/* --- bookkeeping: children, cleanup, the overall bound ------------------- */

const children = new Set();
let httpd = null;
let ctx = null;
async function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
async function cleanup() {
  await ctx?.close().catch(() => {});
  ctx = null;
  await httpd?.stop().catch(() => {});
  httpd = null;
  for (const c of children) await stopChild(c);
}
const watchdog = setTimeout(async () => {
  console.error(`bench-dev: over the ${TIMEOUT_S} s bound, stopping`);
  await cleanup();
  process.exit(2);
}, TIMEOUT_S * 1000);
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
process.on('SIGINT', async () => {
  await cleanup();
  process.exit(130);
});

function startChild(argv, cwd) {
  const child = spawn(process.execPath, argv, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  children.add(child);
  child.output = '';
  child.stdout.on('data', (d) => { child.output += d; });
  child.stderr.on('data', (d) => { child.output += d; });
  child.once('exit', () => children.delete(child));
  return child;
}

async function waitUntil(what, cond, ms = STEP_MS, explain = () => '') {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await sleep(20);
  }
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2);
  return { median, min: s[0], max: s[s.length - 1], n: s.length, all: xs };
};

/* --- the app's copy --------------------------------------------------------- */

const dir = path.join(makeTempDir('mod_ssr-benchdev-'), 'app');
fs.mkdirSync(dir);
for (const f of ['src', 'public', 'index.html', 'package.json']) {
  fs.cpSync(path.join(REACT, f), path.join(dir, f), { recursive: true });
}
fs.symlinkSync(path.join(REACT, 'node_modules'), path.join(dir, 'node_modules'));
// the plugin from this repository; Vite's and the plugin's caches in the
// copy (a first build from scratch, and nothing written to the example)
fs.writeFileSync(path.join(dir, 'vite.config.js'), [
  "import react from '@vitejs/plugin-react'",
  `import modSsr from ${JSON.stringify(path.join(ROOT, 'vite', 'src', 'index.js'))}`,
  'export default {',
  "  cacheDir: '.vite',",
  `  plugins: [react(), modSsr({ ssrRender: false, cacheDir: '.mod-ssr-cache', sourcemap: ${MAPS} })],`,
  '}',
  '',
].join('\n'));
fixTree(dir, { backdateMs: 0 });
const file = (rel) => path.join(dir, rel);

let counterFrom = 'count is {count}';
let editNo = 0;
function change(rel, from, to) {
  const text = fs.readFileSync(file(rel), 'utf8');
  if (!text.includes(from)) throw new Error(`${rel} does not contain ${JSON.stringify(from)}`);
  const t0 = Date.now();
  fs.writeFileSync(file(rel), text.replace(from, to));
  return t0;
}

/* --- mod-ssr-dev ------------------------------------------------------------ */

let dev = null;
const written = () => (dev.output.match(/server build written/g) || []).length;
const devExplain = () => `--- mod-ssr-dev output:\n${dev.output.slice(-3000)}\n${httpd ? httpd.explain(null) : ''}`;
// until no server build has been written for 1.5 s
async function serverQuiet() {
  let n = written();
  let since = Date.now();
  await waitUntil('the server builds to end', () => {
    if (written() !== n) {
      n = written();
      since = Date.now();
    }
    return Date.now() - since > 1500;
  }, 120_000, devExplain);
}

const results = {};
const notes = [];
const loadBefore = os.loadavg();
let firstBuildMs = null;

async function startDevLoop() {
  const port = await freePort();
  const t0 = Date.now();
  dev = startChild([path.join(ROOT, 'vite', 'src', 'dev-cli.js'), '--port', String(port)], dir);
  await waitUntil('mod-ssr-dev to start', () => /dev server on/.test(dev.output) || dev.exitCode !== null,
    300_000, devExplain);
  if (dev.exitCode !== null) throw new Error(`mod-ssr-dev exited\n${devExplain()}`);
  firstBuildMs = Date.now() - t0;
  if (!needBrowser || !(PHASES.has('a') || PHASES.has('c'))) return;
  httpd = await startHttpd({
    conf: [
      'ThreadLimit 24', 'ThreadsPerChild 24', 'MaxRequestWorkers 24', 'MaxSpareThreads 25',
      `LoadModule proxy_module "${MODULES_DIR}/mod_proxy.so"`,
      `LoadModule proxy_http_module "${MODULES_DIR}/mod_proxy_http.so"`,
      `Include "${path.join(dir, 'dist', 'mod_ssr.dev.conf')}"`,
    ].join('\n'),
    mpm: 'event',
    logLevel: 'LogLevel warn ssr:info',
  });
}

async function browserPage() {
  if (!ctx) {
    ctx = await chromium.launchPersistentContext(makeTempDir('mod_ssr-chromium-'), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000,
    });
  }
  const pg = await ctx.newPage();
  pg.navigations = 0;
  pg.on('framenavigated', (f) => { if (f === pg.mainFrame()) pg.navigations++; });
  // the time the DOM of each loaded page is there (for the reload's time)
  await pg.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => { window.__dcl = Date.now(); });
  });
  return pg;
}
const inPage = (pg, fn, arg) => pg.evaluate(fn, arg).catch(() => null);
const buttonText = (pg) => inPage(pg, () => document.querySelector('.counter button')?.textContent ?? null);

// N edits of the counter's text in an open page; save to the new text in
// the page, measured in the page; the count must stay.  afterEach: what
// to wait for before the next edit.
async function hmrEdits(pg, afterEach, explain) {
  await waitUntil('hydration', async () => (await inPage(pg, () =>
    document.querySelector('.counter .hydration')?.dataset.hydrated)) === 'yes', STEP_MS, explain);
  for (let i = 0; i < 3; i++) await pg.click('.counter button');
  await waitUntil('count 3', async () => /is 3$/.test((await buttonText(pg)) ?? ''), STEP_MS, explain);
  const navigations = pg.navigations;
  const times = [];
  for (let i = 1; i <= EDITS; i++) {
    editNo++;
    const to = `count #${editNo} is {count}`;
    const want = `count #${editNo} is 3`;
    await inPage(pg, (w) => {
      window.__seen = null;
      const check = () => {
        if (window.__seen === null && document.querySelector('.counter button')?.textContent === w) {
          window.__seen = Date.now();
        }
      };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
    }, want);
    const t0 = change('src/components/Counter.jsx', counterFrom, to);
    counterFrom = to;
    await waitUntil(`"${want}" in the page`, async () => (await inPage(pg, () => window.__seen)) !== null,
      STEP_MS, explain);
    times.push((await inPage(pg, () => window.__seen)) - t0);
    if ((await buttonText(pg)) !== want) throw new Error(`the count was not kept: ${await buttonText(pg)}`);
    await afterEach(i);
  }
  if (pg.navigations !== navigations) {
    throw new Error(`the page reloaded ${pg.navigations - navigations} times during HMR edits\n${explain()}`);
  }
  return stats(times);
}

async function phaseA() {
  const pg = await browserPage();
  await pg.goto(httpd.url('/'), { waitUntil: 'load', timeout: STEP_MS });
  // Vite may reload the first page once, for dependencies it prebundles
  await sleep(2000);
  await waitUntil('the HMR websocket', async () => (await inPage(pg, () =>
    performance.getEntriesByType('resource').some((e) => /\/@vite\/client/.test(e.name)))) === true,
  STEP_MS, devExplain);
  const builds = written();
  results.a = await hmrEdits(pg, async (i) => {
    // one edit at a time, as a developer saves: the server rebuild each
    // one starts is not measured into the next
    await waitUntil('the server rebuild', () => written() >= builds + i, 120_000, devExplain);
    await serverQuiet();
  }, devExplain);
  await pg.close();
}

async function phaseC() {
  const pg = await browserPage();
  await pg.goto(httpd.url('/nope'), { waitUntil: 'load', timeout: STEP_MS });
  await sleep(1000);
  const description = () => inPage(pg, () => document.querySelector('meta[name="description"]')?.content ?? null);
  let from = 'No such page.';
  const times = [];
  const reloads = [];
  for (let i = 1; i <= EDITS; i++) {
    const n0 = pg.navigations;
    const to = `No such page ${i}.`;
    const t0 = change('src/head.jsx', from, to);
    from = to;
    await waitUntil('the new head after a reload', async () => pg.navigations > n0 && (await description()) === to,
      60_000, devExplain);
    await waitUntil('DOMContentLoaded', async () => ((await inPage(pg, () => window.__dcl)) ?? 0) >= t0,
      STEP_MS, devExplain);
    times.push((await inPage(pg, () => window.__dcl)) - t0);
    await serverQuiet();
    reloads.push(pg.navigations - n0);
  }
  results.c = stats(times);
  results.c.reloads = reloads;
  if (reloads.some((n) => n !== 1)) notes.push(`(c): reloads per change ${reloads.join(' ')} (one expected)`);
  await pg.close();
}

async function phaseD() {
  const bundle = file('dist/dev/server/entry-server.js');
  const saveToWritten = [];
  const durations = [];
  const lines = [];
  await serverQuiet();
  for (let i = 1; i <= EDITS; i++) {
    editNo++;
    const n0 = written();
    const mark = dev.output.length;
    const to = `count #${editNo} is {count}`;
    const t0 = change('src/components/Counter.jsx', counterFrom, to);
    counterFrom = to;
    await waitUntil('the server rebuild', () => written() > n0, 120_000, devExplain);
    const log = dev.output.slice(mark);
    durations.push(Number(/server build written \((\d+) ms\)/.exec(log)[1]));
    saveToWritten.push(Math.round(fs.statSync(bundle).mtimeMs - t0));
    const groups = /server bundle: (.*)/.exec(log);
    if (groups) lines.push(groups[1].trim());
    await serverQuiet();
  }
  results.d = { saved: stats(saveToWritten), build: stats(durations), log: lines[lines.length - 1] || '' };
}

async function phaseB() {
  const port = await freePort();
  const vite = startChild([path.join(REACT, 'node_modules', 'vite', 'bin', 'vite.js'),
    '--host', '127.0.0.1', '--port', String(port), '--strictPort'], dir);
  const explain = () => `--- vite output:\n${vite.output.slice(-3000)}`;
  await waitUntil('vite to start', () => /ready in|Local:/.test(vite.output) || vite.exitCode !== null,
    120_000, explain);
  if (vite.exitCode !== null) throw new Error(`vite exited\n${explain()}`);
  const pg = await browserPage();
  // the template has no server-rendered markup here: React renders it in
  // the browser (hydrateRoot reports the mismatch and renders afresh)
  await pg.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load', timeout: STEP_MS });
  await sleep(2000);
  results.b = await hmrEdits(pg, async () => { await sleep(1000); }, explain);
  await pg.close();
  await stopChild(vite);
}

/* --- the report ------------------------------------------------------------- */

function versionOf(pkg) {
  try {
    return JSON.parse(fs.readFileSync(path.join(REACT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}
function firstLine(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  return ((r.stdout || '') + (r.stderr || '')).split('\n').find((l) => l.trim()) || '?';
}
const cell = (s) => (s ? `**${s.median} ms** (${s.min}–${s.max})` : 'not measured');

function report() {
  const loadAfter = os.loadavg();
  const commit = firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
  const la = (l) => l.map((x) => x.toFixed(2)).join(', ');
  const out = [
    '# Dev loop timings (`make bench-dev`)',
    '',
    `Written by bench/dev-loop.mjs on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}.`,
    `examples/react (a copy), ${EDITS} edits per measure, one at a time; medians, (min–max).`,
    `Server source map: ${MAPS ? 'on (the default)' : 'off'}.`,
    '',
    '| Measure | Time |',
    '|---|---|',
    `| (a) component edit, mod-ssr-dev (Apache + mod_ssr): save to new text in the page, state kept | ${cell(results.a)} |`,
    `| (b) the same edit, Vite's own dev server (client rendering only) | ${cell(results.b)} |`,
    `| (c) server-only change (\`head.jsx\`), mod-ssr-dev: save to the reloaded page with the new text, one reload | ${cell(results.c)} |`,
    `| (d) server rebuild alone: save to the new bundle written | ${cell(results.d?.saved)} |`,
    `| (d) server rebuild alone: the watch build's own duration (its log) | ${cell(results.d?.build)} |`,
    '',
    'All values (ms, in edit order):',
    '',
    ...['a', 'b', 'c'].filter((k) => results[k]).map((k) => `- (${k}): ${results[k].all.join(' ')}`),
    ...(results.d ? [
      `- (d) save to bundle written: ${results.d.saved.all.join(' ')}`,
      `- (d) build duration: ${results.d.build.all.join(' ')}`,
      `- (d) the plugin's last rebuild line: \`${results.d.log}\``,
    ] : []),
    ...(firstBuildMs ? [`- mod-ssr-dev's start, first server build included: ${firstBuildMs} ms (no cache)`] : []),
    ...notes.map((n) => `- ${n}`),
    '',
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model?.trim() || '?'}), ` +
      `load average ${la(loadBefore)} at the start, ${la(loadAfter)} at the end.`,
    '',
    `Versions: mod_ssr ${commit}, node ${process.version}, vite ${versionOf('vite')}, ` +
      `react ${versionOf('react')}, @vitejs/plugin-react ${versionOf('@vitejs/plugin-react')}, ` +
      `${firstLine(APACHE2, ['-v']).replace(/^Server version:\s*/, '')}` +
      (needBrowser ? `, ${firstLine(CHROMIUM, ['--version'])}` : '') + '.',
    '',
  ];
  return out.join('\n');
}

let failure = null;
try {
  if (PHASES.has('a') || PHASES.has('c') || PHASES.has('d')) {
    await startDevLoop();
    console.log(`bench-dev: mod-ssr-dev up (${firstBuildMs} ms); load average ${os.loadavg()[0].toFixed(2)}`);
    if (PHASES.has('a')) {
      await phaseA();
      console.log(`bench-dev: (a) HMR via mod-ssr-dev ${cell(results.a)}`);
    }
    if (PHASES.has('c')) {
      await phaseC();
      console.log(`bench-dev: (c) server-only change ${cell(results.c)}`);
    }
    if (PHASES.has('d')) {
      await phaseD();
      console.log(`bench-dev: (d) server rebuild: saved->written ${cell(results.d.saved)}, build ${cell(results.d.build)}`);
      console.log(`bench-dev: (d) ${results.d.log}`);
    }
    await httpd?.stop();
    httpd = null;
    await stopChild(dev);
    if (process.env.BENCH_DEV_LOG) fs.writeFileSync(process.env.BENCH_DEV_LOG, dev.output);
  }
  if (PHASES.has('b')) {
    await phaseB();
    console.log(`bench-dev: (b) HMR via Vite's dev server ${cell(results.b)}`);
  }
} catch (err) {
  failure = err;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
if (failure) {
  console.error(`bench-dev: ${failure.stack || failure}`);
  process.exit(1);
}
fs.writeFileSync(OUT, report());
console.log(`bench-dev: results in ${path.relative(process.cwd(), OUT) || OUT}`);
fs.rmSync(path.dirname(dir), { recursive: true, force: true });
