// Integration test harness: starts a real Apache httpd on 127.0.0.1 with a
// generated config that loads the built mod_ssr, and talks raw HTTP to it.
//
// Environment (set by `make check`, see Makefile.am AM_TESTS_ENVIRONMENT):
//   MOD_SSR_SO       absolute path of the built mod_ssr.so
//   APACHE2          the httpd binary (empty -> /usr/sbin/apache2)
//   APXS_LIBEXECDIR  where the httpd modules live (/usr/lib/apache2/modules)
//   SSR_MPM          event | worker | prefork (set by run.sh; default event)
//   SSR_KEEP_TMP     if set, temp dirs (configs, error logs) are kept
//
// Only 127.0.0.1 is ever used.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(HERE, '..', 'fixtures');
export const APACHE2 = process.env.APACHE2 || '/usr/sbin/apache2';
export const MODULES_DIR = process.env.APXS_LIBEXECDIR || '/usr/lib/apache2/modules';
export const MOD_SSR_SO =
  process.env.MOD_SSR_SO || path.resolve(HERE, '..', '..', '..', 'apxs-build', '.libs', 'mod_ssr.so');
export const MPM = process.env.SSR_MPM || 'event';
export const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
export const HOST = '127.0.0.1';

if (MPM !== 'event' && MPM !== 'worker' && MPM !== 'prefork') {
  throw new Error(`SSR_MPM must be "event", "worker" or "prefork", not ${JSON.stringify(MPM)}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Temp dirs and cleanup
// ---------------------------------------------------------------------------

const tempDirs = new Set();
const running = new Set();

// A new temp dir that httpd children (www-data when we are root) can read.
export function makeTempDir(prefix = 'mod_ssr-it-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  tempDirs.add(dir);
  return dir;
}

process.on('exit', () => {
  for (const h of running) {
    try { process.kill(h.pid, 'SIGTERM'); } catch { /* gone */ }
  }
  if (!process.env.SSR_KEEP_TMP) {
    for (const d of tempDirs) {
      try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ }
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => process.exit(130));
}

// Makes a tree world-readable (dirs 755, files 644) and, unless keepTimes,
// back-dates every file so that a freshly copied build does not look like a
// build that is still being written (the module waits for new files to
// settle before loading them).
export function fixTree(root, { backdateMs = 60_000 } = {}) {
  const when = new Date(Date.now() - backdateMs);
  const walk = (p) => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) {
      fs.chmodSync(p, 0o755);
      for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    } else if (st.isFile()) {
      fs.chmodSync(p, 0o644);
    }
    if (backdateMs) fs.utimesSync(p, when, when);
  };
  walk(root);
}

// Copies a fixture app into a temp dir:
//   <dir>/<clientAt>/        the client build (DocumentRoot, template, assets)
//   <dir>/server/entry-server.js
// Returns paths for the config.
export function prepareApp({
  client = 'basic/client',
  bundle = 'basic/server/entry-server.js',
  dir = makeTempDir('mod_ssr-app-'),
  clientAt = 'client',
} = {}) {
  const clientDir = path.join(dir, clientAt);
  fs.mkdirSync(path.dirname(clientDir), { recursive: true });
  fs.cpSync(path.join(FIXTURES, client), clientDir, { recursive: true });
  const serverDir = path.join(dir, 'server');
  fs.mkdirSync(serverDir, { recursive: true });
  const bundlePath = path.join(serverDir, 'entry-server.js');
  fs.copyFileSync(path.join(FIXTURES, bundle), bundlePath);
  fixTree(dir);
  return {
    dir,
    docroot: clientDir,
    template: path.join(clientDir, 'index.html'),
    bundle: bundlePath,
    manifest: path.join(clientDir, '.vite', 'ssr-manifest.json'),
  };
}

// The usual SSR directives for an app made by prepareApp.
//   template: also write SSRTemplate (default: rely on "index.html in DocumentRoot")
//   manifest: also write SSRManifest
export function ssrConf(app, { template = false, manifest = false, extra = '' } = {}) {
  const lines = ['SSREngine On', `SSRBundle "${app.bundle}"`];
  if (template) lines.push(`SSRTemplate "${app.template}"`);
  if (manifest) lines.push(`SSRManifest "${app.manifest}"`);
  if (extra) lines.push(extra);
  return lines.join('\n');
}

// Atomically replaces target with new content (a Buffer/string, or
// { from: fixture-relative path }): write a temp file beside it, rename.
export function replaceFile(target, content) {
  const data = content && typeof content === 'object' && 'from' in content
    ? fs.readFileSync(path.join(FIXTURES, content.from))
    : content;
  const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, data);
  fs.chmodSync(tmp, 0o644);
  fs.renameSync(tmp, target);
}

export function fixture(rel) {
  return fs.readFileSync(path.join(FIXTURES, rel));
}

// ---------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------

// limits:
//   'default'        event, worker: 1 process x 4 threads; prefork: 2 processes
//   'single-process' event, worker: 1 process x 4 threads; prefork: 1 process
//   'single-worker'  one worker thread in one process (requests serialised)
//   a number N       event, worker: 1 process x N threads; prefork: 1 process
function mpmLimits(mpm, limits) {
  if (mpm !== 'prefork') {
    const threads = typeof limits === 'number' ? limits : limits === 'single-worker' ? 1 : 4;
    return [
      'StartServers 1',
      'ServerLimit 1',
      `ThreadLimit ${threads}`,
      `ThreadsPerChild ${threads}`,
      'MinSpareThreads 1',
      `MaxSpareThreads ${threads + 1}`,
      `MaxRequestWorkers ${threads}`,
      'MaxConnectionsPerChild 0',
    ];
  }
  const procs = limits === 'default' ? 2 : 1;  // a number: 1 process
  return [
    `StartServers ${procs}`,
    'MinSpareServers 1',
    `MaxSpareServers ${Math.max(procs, 2)}`,
    `ServerLimit ${procs}`,
    `MaxRequestWorkers ${procs}`,
    'MaxConnectionsPerChild 0',
  ];
}

function buildConfig({ dir, port, mpm, limits, loadSsr, docroot, conf, logLevel }) {
  const L = [
    '# generated by tests/integration/lib/httpd.mjs',
    `ServerRoot "${dir}"`,
    `Listen ${HOST}:${port}`,
    `ServerName ${HOST}`,
    `PidFile "${dir}/httpd.pid"`,
    `DefaultRuntimeDir "${dir}"`,
    `Mutex file:${dir} default`,
    `ErrorLog "${dir}/error.log"`,
    `LoadModule mpm_${mpm}_module "${MODULES_DIR}/mod_mpm_${mpm}.so"`,
    ...mpmLimits(mpm, limits),
    `LoadModule authz_core_module "${MODULES_DIR}/mod_authz_core.so"`,
    `LoadModule mime_module "${MODULES_DIR}/mod_mime.so"`,
    `LoadModule dir_module "${MODULES_DIR}/mod_dir.so"`,
    'TypesConfig /etc/mime.types',
    'DirectoryIndex index.html',
  ];
  if (loadSsr) L.push(`LoadModule ssr_module "${MOD_SSR_SO}"`);
  // After the LoadModules: per-module levels need the module loaded.
  L.push(logLevel ?? (loadSsr ? 'LogLevel warn ssr:debug' : 'LogLevel warn'));
  if (IS_ROOT) L.push('User www-data', 'Group www-data');
  L.push('Timeout 20', 'KeepAlive On');
  L.push('<Directory />', '  Require all denied', '</Directory>');
  if (docroot) {
    L.push(`DocumentRoot "${docroot}"`, `<Directory "${docroot}">`, '  Require all granted', '</Directory>');
  }
  if (conf) L.push('', conf);
  return L.join('\n') + '\n';
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    const done = (ok) => { s.destroy(); resolve(ok); };
    s.setTimeout(500, () => done(false));
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

// Processes whose parent is pid (from /proc).
export function childrenOf(pid) {
  const out = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8'); } catch { continue; }
    // pid (comm) state ppid ...; comm may hold spaces and parens
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[1]) === pid) out.push(Number(e));
  }
  return out.sort((a, b) => a - b);
}

function tail(text, n = 3000) {
  return text.length > n ? '...' + text.slice(-n) : text;
}

// ---------------------------------------------------------------------------
// Starting and stopping httpd
// ---------------------------------------------------------------------------

// startHttpd({ docroot, conf, mpm, limits, loadSsr, logLevel, startTimeoutMs })
// -> handle: { port, pid, dir, confPath, url(p), errorLog(from), logMark(),
//              waitForLog(s), childPids(), waitForChildren(n), expectedChildren,
//              output(), explain(res), stop() }
export async function startHttpd({
  docroot,
  conf = '',
  mpm = MPM,
  limits = 'default',
  loadSsr = true,
  logLevel,
  startTimeoutMs = 10_000,
} = {}) {
  if (loadSsr && !fs.existsSync(MOD_SSR_SO)) {
    throw new Error(`mod_ssr.so not found at ${MOD_SSR_SO} (build it with make, or set MOD_SSR_SO)`);
  }
  const dir = makeTempDir('mod_ssr-httpd-');
  const port = await freePort();
  const confPath = path.join(dir, 'httpd.conf');
  const logPath = path.join(dir, 'error.log');
  fs.writeFileSync(confPath, buildConfig({ dir, port, mpm, limits, loadSsr, docroot, conf, logLevel }));

  // detached: httpd gets its own process group.  prefork's parent signals
  // its whole process group on shutdown (killpg), which must not reach us.
  const child = spawn(APACHE2, ['-f', confPath, '-D', 'FOREGROUND'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LANG: 'C' },
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
    child.on('error', (err) => { exited = { code: null, signal: null, err }; resolve(exited); });
  });

  const errorLog = (from = 0) => {
    try { return fs.readFileSync(logPath, 'utf8').slice(from); } catch { return ''; }
  };

  const handle = {
    port,
    pid: child.pid,
    dir,
    confPath,
    logPath,
    mpm,
    expectedChildren: mpm !== 'prefork' ? 1 : (limits === 'default' ? 2 : 1),
    url: (p = '/') => `http://${HOST}:${port}${p}`,
    errorLog,
    // Current end of the error log, to read only what comes after it.
    logMark: () => { try { return fs.statSync(logPath).size; } catch { return 0; } },
    output: () => output,
    exited: () => exited,
    childPids: () => childrenOf(child.pid),
    async waitForChildren(n = handle.expectedChildren, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      let pids = handle.childPids();
      while (pids.length !== n && Date.now() < end) {
        await sleep(50);
        pids = handle.childPids();
      }
      return pids;
    },
    async waitForLog(needle, { from = 0, timeoutMs = 5000 } = {}) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const text = errorLog(from);
        if (text.includes(needle)) return text;
        if (Date.now() > end) return null;
        await sleep(50);
      }
    },
    // A message for failed assertions: the response and the log's end.
    explain(res, extra = '') {
      let s = extra ? `${extra}\n` : '';
      if (res) {
        s += `--- response: ${res.statusLine}\n`;
        for (const [k, v] of res.headers) s += `${k}: ${v}\n`;
        s += `\n${tail(res.text, 1500)}\n`;
      }
      s += `--- error.log (${logPath}):\n${tail(errorLog())}`;
      return s;
    },
    async stop() {
      running.delete(handle);
      if (exited) return exited;
      const kids = handle.childPids();
      child.kill('SIGTERM');
      let timer;
      const t = await Promise.race([
        exitPromise,
        new Promise((r) => { timer = setTimeout(() => r(null), 10_000); }),
      ]);
      clearTimeout(timer);
      if (!t) {
        child.kill('SIGKILL');
        for (const k of kids) { try { process.kill(k, 'SIGKILL'); } catch { /* gone */ } }
        await exitPromise;
      }
      return exited;
    },
  };
  running.add(handle);

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) {
      running.delete(handle);
      throw new Error(
        `httpd exited during startup (${JSON.stringify(exited)})\n--- httpd output:\n${output}` +
        `\n--- error.log:\n${tail(errorLog())}\n--- config ${confPath}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(
        `httpd did not answer on ${HOST}:${port} within ${startTimeoutMs} ms\n--- httpd output:\n${output}` +
        `\n--- error.log:\n${tail(errorLog())}`);
    }
    await sleep(50);
  }
  return handle;
}

// Runs `httpd -t` on a generated config with the extra directives conf.
// -> { code, output, confPath }
export async function configtest(conf = '', { mpm = MPM, loadSsr = true, docroot, limits = 'default' } = {}) {
  const dir = makeTempDir('mod_ssr-conf-');
  const port = await freePort();
  const confPath = path.join(dir, 'httpd.conf');
  fs.writeFileSync(confPath, buildConfig({ dir, port, mpm, limits, loadSsr, docroot, conf }));
  const r = spawnSync(APACHE2, ['-t', '-f', confPath], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, LANG: 'C' },
  });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, output: `${r.stdout}${r.stderr}`, confPath };
}

// ---------------------------------------------------------------------------
// Raw HTTP client
// ---------------------------------------------------------------------------

export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

function dechunk(buf) {
  const parts = [];
  let i = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = parseInt(buf.slice(i, eol).toString('latin1').split(';')[0], 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size');
    if (size === 0) break;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// request(port, target, { method, headers, body, timeout, encoding, halfClose })
// One connection per request (Connection: close).  Sends a browser-like
// Accept unless headers.Accept is given (null removes it).  encoding
// 'latin1' sends each character of the request head as one byte (to send
// bytes that are not UTF-8); halfClose ends the client's side of the
// connection once the request is written (a half-close).  Resolves with
//   { status, statusLine, headers: [[rawName, value], ...], get(name),
//     getAll(name), has(name), body: Buffer, text, complete }
// The raw headers are parsed leniently, so a malformed header shows up as is
// instead of making the client throw.
export function request(port, target, {
  method = 'GET', headers = {}, body = null, timeout = 10_000, encoding = 'utf8', halfClose = false,
} = {}) {
  return new Promise((resolve, reject) => {
    const hdrs = { Host: `${HOST}:${port}`, Accept: BROWSER_ACCEPT, Connection: 'close', ...headers };
    if (body != null) hdrs['Content-Length'] = Buffer.byteLength(body);
    let head = `${method} ${target} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(hdrs)) {
      if (v != null) head += `${k}: ${v}\r\n`;
    }
    head += '\r\n';

    const chunks = [];
    let settled = false;
    const sock = net.connect({ host: HOST, port });
    const timer = setTimeout(() => {
      fail(new Error(`timeout after ${timeout} ms: ${method} ${target} (got ${Buffer.concat(chunks).length} bytes)`));
    }, timeout);
    let headTimer = null;

    function fail(err) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(headTimer);
      sock.destroy();
      reject(err);
    }
    function finish() {
      if (settled) return;
      const raw = Buffer.concat(chunks);
      const sep = raw.indexOf('\r\n\r\n');
      if (sep < 0) {
        fail(new Error(`incomplete response to ${method} ${target}: ${JSON.stringify(raw.toString('latin1').slice(0, 300))}`));
        return;
      }
      settled = true;
      clearTimeout(timer);
      clearTimeout(headTimer);
      sock.destroy();
      const lines = raw.subarray(0, sep).toString('latin1').split('\r\n');
      const statusLine = lines.shift();
      const m = /^HTTP\/\d\.\d (\d{3})/.exec(statusLine);
      const headerList = lines.map((l) => {
        const c = l.indexOf(':');
        return c < 0 ? [l, ''] : [l.slice(0, c), l.slice(c + 1).trim()];
      });
      const getAll = (n) => headerList.filter(([k]) => k.toLowerCase() === n.toLowerCase()).map(([, v]) => v);
      let bodyBuf = raw.subarray(sep + 4);
      const te = getAll('transfer-encoding').join(',').toLowerCase();
      if (method !== 'HEAD' && te.includes('chunked')) bodyBuf = dechunk(bodyBuf);
      const cl = getAll('content-length')[0];
      const complete = method === 'HEAD' || cl === undefined || Number(cl) === bodyBuf.length;
      resolve({
        status: m ? Number(m[1]) : NaN,
        statusLine,
        headers: headerList,
        get: (n) => getAll(n)[0],
        getAll,
        has: (n) => getAll(n).length > 0,
        body: bodyBuf,
        text: bodyBuf.toString('utf8'),
        complete,
      });
    }

    sock.on('connect', () => {
      sock.write(head, encoding);
      if (body != null) sock.write(body);
      if (halfClose) sock.end();
    });
    sock.on('data', (c) => {
      chunks.push(c);
      // HEAD: never wait for a body; finish shortly after the headers even
      // if the server keeps the connection open.
      if (method === 'HEAD' && !headTimer && Buffer.concat(chunks).includes('\r\n\r\n')) {
        headTimer = setTimeout(finish, 1000);
      }
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', (err) => {
      // A reset after a complete response still counts as that response.
      if (Buffer.concat(chunks).includes('\r\n\r\n')) finish();
      else fail(new Error(`${method} ${target}: ${err.message}`));
    });
  });
}

// Convenience: GET/HEAD against a started httpd.
export const get = (h, target, opts = {}) => request(h.port, target, { ...opts, method: 'GET' });
export const head = (h, target, opts = {}) => request(h.port, target, { ...opts, method: 'HEAD' });

// ---------------------------------------------------------------------------
// Page helpers
// ---------------------------------------------------------------------------

export function unescapeHtml(s) {
  return s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// A rendered page from the fixture templates: the whole template came out
// (doctype to </html>) and no placeholder was left in it.
export function isCompletePage(text) {
  return text.startsWith('<!DOCTYPE html>') && text.trimEnd().endsWith('</html>') &&
    !text.includes('<!--app-') && !text.includes('<!--ssr-outlet-->');
}

// Asserts res is a page rendered by mod_ssr (not Apache's copy of the raw
// template, not an error page): status, whole template, Server-Timing.
export function assertRendered(h, res, { status = 200, marker } = {}) {
  assert.equal(res.status, status, h.explain(res));
  assert.ok(isCompletePage(res.text), h.explain(res, 'not a complete rendered page'));
  assert.match(res.get('server-timing') ?? '', /^ssr;dur=/, h.explain(res, 'no Server-Timing: not rendered by mod_ssr'));
  if (marker) assert.ok(res.text.includes(marker), h.explain(res, `page lacks ${marker}`));
}

export function countOf(haystack, needle) {
  return haystack.split(needle).length - 1;
}
