// Deploy soak: a validating load client and a deployer, used by
// tests/integration/soak.test.mjs (a short run in `make check`) and by
// bench/deploy-soak.mjs (`make soak`).
//
// The deployer writes builds as vite-plugin-mod-ssr leaves them (bundle,
// template and manifest stamped with one build id, the client's assets
// named after it) by one of three methods, while K keep-alive clients load
// pages from a real httpd and check every one of them:
//   - the status is 200 and the page is whole (doctype to </html>, no
//     placeholder left, the length the server announced);
//   - the template's build (its <!--mod_ssr-build:ID--> comment) is the
//     bundle's (the rendered <main data-build="ID">): else a "mixed page";
//   - every asset the page references (script src, link href) answers 200
//     with the content of that build's file.
// Only 127.0.0.1 is used, and every loop is bounded in time.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const METHODS = ['symlink', 'rename', 'cp'];
// A real `vite build` of a small app (tests/integration/fixtures/soak-vite)
// straight into the directory httpd serves: Vite empties it first.  Slow
// (seconds a build), so it runs on its own.
export const VITE_METHOD = 'vite';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const VITE_BIN = path.join(REPO, 'vite', 'node_modules', 'vite', 'bin', 'vite.js');
const VITE_APP = path.join(REPO, 'tests', 'integration', 'fixtures', 'soak-vite');
export const SSR_RELEASE = path.join(REPO, 'scripts', 'ssr-release');

/** Can the `vite` method run here (the plugin's dependencies installed)? */
export function viteAvailable() {
  return fs.existsSync(VITE_BIN) && fs.existsSync(path.join(REPO, 'vite', 'node_modules', '@babel', 'core'));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Builds
// ---------------------------------------------------------------------------

// The content of a build's asset, derived from its name alone, so that the
// client can check any asset it is served without knowing the deploys.
export function assetBody(name) {
  const line = `/* ${name}: soak asset */\n`;
  return line.repeat(Math.ceil(2048 / line.length));
}

function template(id) {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    `  <head><!--mod_ssr-build:${id}-->`,
    '    <meta charset="UTF-8" />',
    '    <title>soak</title>',
    `    <link rel="stylesheet" href="/assets/style-${id}.css" />`,
    '    <!--app-head-->',
    '  </head>',
    '  <body>',
    '    <div id="app"><!--app-html--></div>',
    '  </body>',
    '</html>',
    '',
  ].join('\n');
}

// ES5.1 CommonJS, as the plugin emits for Duktape; the padding makes the
// bundle the size of a small app's, so that copying it takes more than one
// write and a reader can catch it half written.
function bundle(id, padKb) {
  return `/*! mod_ssr-build: ${id} */
'use strict';
var BUILD = '${id}';
function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
function render(url) {
  var route = String(url).split('?')[0].replace(/^\\/+/, '');
  if (route === 'fault/throw') { throw new Error('soak: a render that throws'); }
  if (route === 'fault/loop') { for (;;) { /* SSRTimeout ends it */ } }
  if (route === 'fault/hog') {
    var keep = [];
    var chunk = new Array(65537).join('x');
    for (;;) { keep.push(chunk + keep.length); }
  }
  return {
    head: '<link rel="modulepreload" href="/assets/chunk-' + BUILD + '.js">',
    html: '<main data-build="' + BUILD + '"><h1>' + esc(route || 'home') + '</h1></main>' +
      '<script type="module" src="/assets/app-' + BUILD + '.js"></script>'
  };
}
module.exports.render = render;
var PADDING = "${'p'.repeat(padKb * 1024)}";
`;
}

function manifest(id) {
  return JSON.stringify({
    'src/main.js': [`/assets/app-${id}.js`, `/assets/chunk-${id}.js`],
    'mod_ssr-build': [id],
  }, null, 2);
}

export function assetNames(id) {
  return [`app-${id}.js`, `chunk-${id}.js`, `style-${id}.css`];
}

// A build's files, relative to its root, in the order vite and the plugin
// write them: the client's assets, the template, the manifest, then the
// server bundle (the plugin stamps the bundle last).
export function buildFiles(id, { padKb = 192 } = {}) {
  return [
    ...assetNames(id).map((n) => [`client/assets/${n}`, assetBody(`/assets/${n}`)]),
    ['client/static.txt', 'a static file, the same in every build\n'],
    ['client/index.html', template(id)],
    ['client/.vite/ssr-manifest.json', manifest(id)],
    ['server/entry-server.js', bundle(id, padKb)],
  ];
}

function writeFileReadable(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.writeFileSync(file, data, { mode: 0o644 });
  fs.chmodSync(file, 0o644);
}

// Writes a whole build into dir (a release, or a prepared copy).
export function writeBuild(dir, id, opts) {
  for (const [rel, data] of buildFiles(id, opts)) writeFileReadable(path.join(dir, rel), data);
}

// Replaces a file by renaming a complete copy over it.
function renameInto(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.soak-${process.pid}-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, data, { mode: 0o644 });
  fs.chmodSync(tmp, 0o644);
  fs.renameSync(tmp, file);
}

// ---------------------------------------------------------------------------
// The deployer
// ---------------------------------------------------------------------------

// An app deployed by one method under root:
//   symlink: root/releases/<id>/{client,server}, root/current -> releases/<id>
//   rename, cp: root/live/{client,server}
// -> { method, root, docroot, bundle, manifest, template, deploy(id), ids }
export function createApp(root, method, firstId, { padKb = 192, keepReleases = 2 } = {}) {
  if (method === VITE_METHOD) return createViteApp(root, firstId);
  if (!METHODS.includes(method)) throw new Error(`unknown deploy method ${method}`);
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  fs.chmodSync(root, 0o755);
  const base = method === 'symlink' ? path.join(root, 'current') : path.join(root, 'live');
  const app = {
    method,
    root,
    docroot: path.join(base, 'client'),
    bundle: path.join(base, 'server', 'entry-server.js'),
    template: path.join(base, 'client', 'index.html'),
    manifest: path.join(base, 'client', '.vite', 'ssr-manifest.json'),
    ids: [],
    deploys: 0,
  };
  const releases = path.join(root, 'releases');
  const staging = path.join(root, 'staging');
  const liveDir = path.join(root, 'live');

  const dropAssets = (id) => {
    for (const n of assetNames(id)) fs.rmSync(path.join(liveDir, 'client', 'assets', n), { force: true });
  };

  const methods = {
    // scripts/ssr-release, the documented deploy: the build copied to a
    // new release directory, then one atomic rename of the `current`
    // symlink; releases older than the last keepReleases are deleted, and
    // their assets with them.
    symlink(id) {
      const from = path.join(staging, id);
      writeBuild(from, id, { padKb });
      const r = spawnSync(SSR_RELEASE, [from, root, String(keepReleases)], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ssr-release failed (${r.status}): ${r.stderr}${r.error ?? ''}`);
      fs.rmSync(from, { recursive: true, force: true });
      fs.chmodSync(releases, 0o755);
    },
    // Each file written beside the live one and renamed over it, in the
    // plugin's order; then the previous build's assets are deleted.
    rename(id) {
      for (const [rel, data] of buildFiles(id, { padKb })) renameInto(path.join(liveDir, rel), data);
      for (const o of app.ids) dropAssets(o);
    },
    // `cp -r` of a prepared build over the live one: files are truncated
    // and rewritten in place, in the order cp walks them; then the previous
    // build's assets are deleted (as vite build's emptyOutDir or rsync
    // --delete leave it).
    cp(id) {
      const from = path.join(staging, id);
      writeBuild(from, id, { padKb });
      const r = spawnSync('cp', ['-r', `${from}/.`, `${liveDir}/`], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`cp -r failed: ${r.stderr}`);
      fs.rmSync(from, { recursive: true, force: true });
      for (const o of app.ids) dropAssets(o);
    },
  };

  app.deploy = (id) => {
    methods[method](id);
    if (app.ids.length) app.deploys++;
    // what is still on disk, or only in the module's archive
    app.ids = method === 'symlink' ? [...app.ids, id].slice(-keepReleases) : [id];
    app.lastDeployAt = Date.now();
    app.current = id;
  };

  // The first build: no deploy method yet, the server is not running.
  if (method === 'symlink') {
    app.deploy(firstId);
  } else {
    writeBuild(liveDir, firstId, { padKb });
    app.ids = [firstId];
    app.current = firstId;
  }
  fixPerms(root);
  return app;
}

// The small Vite app, copied to root and built in place into root/dist by
// the real Vite and vite-plugin-mod-ssr.  Each build is stamped with its
// id (MOD_SSR_BUILD_ID) and says it in its page and in its assets
// (VITE_SOAK_BUILD).  deploy(id) resolves when `vite build` has finished.
function createViteApp(root, firstId) {
  fs.mkdirSync(root, { recursive: true, mode: 0o755 });
  fs.cpSync(VITE_APP, root, { recursive: true });
  const dist = path.join(root, 'dist');
  const app = {
    method: VITE_METHOD,
    root,
    docroot: path.join(dist, 'client'),
    bundle: path.join(dist, 'server', 'entry-server.js'),
    template: path.join(dist, 'client', 'index.html'),
    manifest: path.join(dist, 'client', '.vite', 'ssr-manifest.json'),
    ids: [],
    deploys: 0,
    assetsPerPage: 2,
    // the build's id, as the minifier quotes it (`id`, "id" or 'id')
    assetOk: (url, text, build) => ['`', '"', "'"].some((q) => text.includes(q + build + q)),
  };
  const buildArgs = (id) => [[VITE_BIN, 'build'], {
    cwd: root,
    env: { ...process.env, SOAK_PLUGIN: path.join(REPO, 'vite', 'src', 'index.js'), VITE_SOAK_BUILD: id, MOD_SSR_BUILD_ID: id },
  }];
  const built = (id, code, stderr) => {
    if (code !== 0) throw new Error(`vite build of ${id} failed (${code}): ${stderr.slice(-2000)}`);
    if (app.ids.length) app.deploys++;
    app.ids = [id];
    app.lastDeployAt = Date.now();
    app.current = id;
  };
  app.deploy = (id) => new Promise((resolve, reject) => {
    const [args, opts] = buildArgs(id);
    const child = spawn(process.execPath, args, { ...opts, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        built(id, code, stderr);
        resolve();
      } catch (err) {
        reject(err);
      }
    });
  });
  // The first build: the server is not running yet.
  const [args, opts] = buildArgs(firstId);
  const r = spawnSync(process.execPath, args, { ...opts, encoding: 'utf8' });
  built(firstId, r.status, `${r.stderr}${r.error ?? ''}`);
  fixPerms(root);
  return app;
}

function fixPerms(p) {
  const st = fs.lstatSync(p);
  if (st.isDirectory()) {
    fs.chmodSync(p, 0o755);
    for (const e of fs.readdirSync(p)) fixPerms(path.join(p, e));
  } else if (st.isFile()) {
    fs.chmodSync(p, 0o644);
  }
}

let idSerial = 0;
// A build id as the plugin makes them: [0-9a-z.], unique.
export function newBuildId() {
  idSerial++;
  return `${Date.now().toString(36)}.${process.pid.toString(36)}${idSerial}`;
}

// ---------------------------------------------------------------------------
// The validating client
// ---------------------------------------------------------------------------

export function newStats() {
  return {
    pages: 0,            // rendered pages checked
    non200: 0,           // pages whose status was not 200
    incomplete: 0,       // 200 but not a whole page
    mixed: 0,            // template of one build, bundle of another
    assets: 0,           // asset requests made
    assetFailures: 0,    // asset not 200, or not that asset's content
    staticRequests: 0,
    staticFailures: 0,
    errors: 0,           // requests that got no response at all
    flipRace: 0,         // 403 for an asset while `current` flipped (Apache's stat, then open)
    retried: 0,          // a reused keep-alive connection closed under a request: retried once
    faults: 0,           // fault requests (expected to fail), by status in faultStatus
    faultStatus: {},
    builds: {},          // pages per build id
    examples: [],        // the first failures, for the report
  };
}

export function mergeStats(into, from) {
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'number') into[k] = (into[k] ?? 0) + v;
  }
  for (const [k, v] of Object.entries(from.faultStatus)) into.faultStatus[k] = (into.faultStatus[k] ?? 0) + v;
  for (const [k, v] of Object.entries(from.builds)) into.builds[k] = (into.builds[k] ?? 0) + v;
  into.examples.push(...from.examples.slice(0, Math.max(0, 20 - into.examples.length)));
  return into;
}

function note(stats, ctx, kind, detail) {
  if (stats.examples.length < 20) {
    const since = ctx.app?.lastDeployAt ? Date.now() - ctx.app.lastDeployAt : null;
    stats.examples.push({ kind, ms_after_deploy: since, current: ctx.app?.current, ...detail });
  }
}

// One GET on a keep-alive agent.  A request on a reused connection that the
// server closed before answering (a keep-alive timeout, a graceful
// restart's old child going away) is retried once on a new one, as
// browsers do: that is HTTP, not a failure.
function fetchOnce(agent, port, target, accept, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: target, method: 'GET', agent,
      headers: { Accept: accept, 'Accept-Encoding': 'identity' },
      timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const cl = res.headers['content-length'];
        resolve({
          status: res.statusCode,
          headers: res.headers,
          text: body.toString('utf8'),
          complete: res.complete && (cl === undefined || Number(cl) === body.length),
        });
      });
      res.on('error', reject);
      res.on('aborted', () => reject(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`timeout: ${target}`), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => {
      err.reused = req.reusedSocket;
      reject(err);
    });
    req.end();
  });
}

async function fetchRetry(agent, port, target, accept, stats, timeoutMs = 15_000) {
  try {
    return await fetchOnce(agent, port, target, accept, timeoutMs);
  } catch (err) {
    if (err.reused && ['ECONNRESET', 'EPIPE'].includes(err.code)) {
      stats.retried++;
      return fetchOnce(agent, port, target, accept, timeoutMs);
    }
    throw err;
  }
}

const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

// The references a page makes to the build's files.
export function pageAssets(text) {
  const out = new Set();
  for (const m of text.matchAll(/\s(?:src|href)="(\/assets\/[^"]+)"/g)) out.add(m[1]);
  return [...out];
}

// Is the asset url still in one of the releases kept on disk?
function onDisk(app, url) {
  return app.ids.some((id) => fs.existsSync(path.join(app.root, 'releases', id, 'client', url)));
}

// Checks one rendered page and the assets it references.
async function checkPage(ctx, agent, target, stats) {
  const { port } = ctx;
  let res;
  try {
    res = await fetchRetry(agent, port, target, HTML_ACCEPT, stats);
  } catch (err) {
    stats.errors++;
    note(stats, ctx, 'error', { target, error: `${err.code ?? ''} ${err.message}` });
    return;
  }
  stats.pages++;
  if (res.status !== 200) {
    stats.non200++;
    note(stats, ctx, 'non-200', { target, status: res.status, body: res.text.slice(0, 300) });
    return;
  }
  const t = res.text;
  const whole = res.complete && t.startsWith('<!DOCTYPE html>') && t.trimEnd().endsWith('</html>') &&
    !t.includes('<!--app-') && !t.includes('<!--ssr-outlet-->');
  const tpl = /<!--mod_ssr-build:([\w.]+)-->/.exec(t)?.[1];
  const bnd = /<main data-build="([\w.]+)">/.exec(t)?.[1];
  if (!whole || !tpl || !bnd) {
    stats.incomplete++;
    note(stats, ctx, 'incomplete', { target, body: t.slice(0, 300), tail: t.slice(-200) });
    return;
  }
  if (tpl !== bnd) {
    stats.mixed++;
    note(stats, ctx, 'mixed', { target, template: tpl, bundle: bnd });
  }
  stats.builds[bnd] = (stats.builds[bnd] ?? 0) + 1;
  const refs = pageAssets(t);
  const assetOk = ctx.app?.assetOk ?? ((url, text) => text === assetBody(url));
  if (refs.length !== (ctx.app?.assetsPerPage ?? 3)) {
    stats.incomplete++;
    note(stats, ctx, 'incomplete', { target, refs });
  }
  for (const url of refs) {
    stats.assets++;
    let a;
    try {
      a = await fetchRetry(agent, port, url, '*/*', stats);
    } catch (err) {
      stats.assetFailures++;
      note(stats, ctx, 'asset error', { page: tpl, url, error: `${err.code ?? ''} ${err.message}` });
      continue;
    }
    if (a.status === 403 && ctx.app?.method === 'symlink' && onDisk(ctx.app, url)) {
      // Apache's file handler stats the path, then opens it: a flip of
      // `current` in between makes the open fail and the handler answer
      // 403 for a file of the previous release, which is still on disk
      // and, asked again, served from the archive.  Counted on its own.
      const again = await fetchRetry(agent, port, url, '*/*', stats).catch(() => null);
      if (again?.status === 200 && again.text === assetBody(url)) {
        stats.flipRace++;
        stats.assetFailures++;  /* the module pins assets: no longer expected */
        note(stats, ctx, 'flip race', { page: tpl, url, status: a.status });
        continue;
      }
    }
    if (a.status !== 200 || !a.complete || !assetOk(url, a.text, bnd)) {
      stats.assetFailures++;
      note(stats, ctx, 'asset', { page: tpl, url, status: a.status, body: a.text.slice(0, 120) });
    }
  }
}

const ROUTES = ['/', '/', '/about', '/item/1', '/item/2?x=1', '/deep/a/b'];

// K clients, each on its own keep-alive connection, until `until` (ms
// since the epoch) or ctx.stop.  -> stats
export async function runClients(ctx, { clients = 4, until }) {
  const all = newStats();
  const one = async (k) => {
    const stats = newStats();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let i = k;
    while (Date.now() < until && !ctx.stop) {
      if (i % 10 === 9) {
        await checkStaticOn(ctx, agent, stats);
      } else {
        await checkPage(ctx, agent, ROUTES[i % ROUTES.length], stats);
      }
      i++;
    }
    agent.destroy();
    return stats;
  };
  const results = await Promise.all(Array.from({ length: clients }, (_, k) => one(k)));
  for (const r of results) mergeStats(all, r);
  return all;
}

async function checkStaticOn(ctx, agent, stats) {
  stats.staticRequests++;
  try {
    const res = await fetchRetry(agent, ctx.port, '/static.txt', '*/*', stats);
    if (res.status !== 200 || res.text !== 'a static file, the same in every build\n') {
      stats.staticFailures++;
      note(stats, ctx, 'static', { status: res.status });
    }
  } catch (err) {
    stats.staticFailures++;
    note(stats, ctx, 'static error', { error: `${err.code ?? ''} ${err.message}` });
  }
}

// Requests that make renders fail (a throw, an endless loop ended by
// SSRTimeout, a heap that hits SSRMemoryLimit) and clients that go away in
// the middle of a response, mixed into the load.  Their answers are not
// checked (a 500 or 504 is the right one); what matters is that the pages
// around them stay whole and no child dies.
export async function runFaults(ctx, { until, pauseMs = 200 }) {
  const stats = newStats();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const kinds = ['/fault/throw', '/fault/loop', '/fault/hog', 'disconnect'];
  let i = 0;
  while (Date.now() < until && !ctx.stop) {
    const kind = kinds[i++ % kinds.length];
    stats.faults++;
    if (kind === 'disconnect') {
      await disconnect(ctx.port);
      stats.faultStatus.disconnect = (stats.faultStatus.disconnect ?? 0) + 1;
    } else {
      try {
        const res = await fetchRetry(agent, ctx.port, kind, HTML_ACCEPT, stats, 30_000);
        const key = `${kind} ${res.status}`;
        stats.faultStatus[key] = (stats.faultStatus[key] ?? 0) + 1;
      } catch (err) {
        const key = `${kind} ${err.code ?? 'error'}`;
        stats.faultStatus[key] = (stats.faultStatus[key] ?? 0) + 1;
      }
    }
    await sleep(pauseMs);
  }
  agent.destroy();
  return stats;
}

// A client that asks for a page and closes the connection a moment later,
// in the middle of the render or of the response.
function disconnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.write(`GET /about HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${HTML_ACCEPT}\r\n\r\n`);
      setTimeout(() => { s.destroy(); resolve(); }, Math.floor(Math.random() * 5));
    });
    s.on('error', () => resolve());
  });
}

// Deploys a new build every intervalMs until `until`.  -> number of deploys
export async function runDeployer(ctx, app, { until, intervalMs = 1500, max = Infinity, onDeploy }) {
  let n = 0;
  while (Date.now() + intervalMs < until && !ctx.stop && n < max) {
    await sleep(intervalMs);
    const id = newBuildId();
    await app.deploy(id);
    n++;
    onDeploy?.(id);
  }
  return n;
}

// Graceful restarts (apachectl -k graceful: SIGUSR1 to the parent) every
// intervalMs.  -> number of restarts
export async function runRestarts(ctx, pid, { until, intervalMs = 5000 }) {
  let n = 0;
  while (Date.now() + intervalMs < until && !ctx.stop) {
    await sleep(intervalMs);
    process.kill(pid, 'SIGUSR1');
    n++;
  }
  return n;
}

// Children that died of a signal, as httpd's parent logs them
// ("child pid N exit signal Segmentation fault (11)").
export function crashedChildren(errorLog) {
  return (errorLog.match(/exit signal|seg fault or similar nasty error/g) || []).length;
}

// httpd directives for a soak app.
export function soakConf(app, { extra = [] } = {}) {
  return [
    'SSREngine On',
    `SSRBundle "${app.bundle}"`,
    `SSRManifest "${app.manifest}"`,
    'SSRTimeout 1s',
    'SSRMemoryLimit 64M',
    ...extra,
  ].join('\n');
}

// One soak run against a started httpd handle h (see httpd.mjs startHttpd):
// clients, a deployer, optionally faults and graceful restarts, for
// seconds.  -> { method, deploys, restarts, stats, faults, crashed,
//                childChanges, loadFailures }
export async function soak(h, app, {
  seconds = 10, clients = 4, deployEveryMs = 1500, faults = false, restartEveryMs = 0, logFrom = 0,
  maxDeploys = Infinity,
} = {}) {
  const ctx = { port: h.port, app, stop: false };
  const until = Date.now() + seconds * 1000;
  const pidsBefore = h.childPids();
  let childChanges = 0;
  let lastPids = pidsBefore.join(',');
  const watch = setInterval(() => {
    const now = h.childPids().join(',');
    if (now && now !== lastPids) { childChanges++; lastPids = now; }
  }, 200);
  try {
    const [stats, deploys, restarts, faultStats] = await Promise.all([
      runClients(ctx, { clients, until }),
      runDeployer(ctx, app, { until, intervalMs: deployEveryMs, max: maxDeploys })
        .then(async (n) => {
          // a bounded number of deploys: load the last build a while, then stop
          if (maxDeploys !== Infinity) {
            await sleep(2000);
            ctx.stop = true;
          }
          return n;
        }),
      restartEveryMs ? runRestarts(ctx, h.pid, { until, intervalMs: restartEveryMs }) : 0,
      faults ? runFaults(ctx, { until }) : null,
    ]);
    const log = h.errorLog(logFrom);
    return {
      method: app.method,
      deploys,
      restarts,
      stats,
      faults: faultStats,
      crashed: crashedChildren(log),
      childChanges,
      loadFailures: (log.match(/cannot load build/g) || []).length,
      // Apache's file handler could not open a file it had stat'ed
      openFailures: log.split('\n').filter((l) => l.includes('AH00132')),
    };
  } finally {
    clearInterval(watch);
    ctx.stop = true;
  }
}

// The verdict of a run: what must be zero.
export function failuresOf(r) {
  const s = r.stats;
  return {
    non200: s.non200,
    incomplete: s.incomplete,
    mixed: s.mixed,
    assetFailures: s.assetFailures,
    errors: s.errors,
    staticFailures: s.staticFailures,
    crashed: r.crashed,
  };
}
