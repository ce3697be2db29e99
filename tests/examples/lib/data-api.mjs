// The data API of the examples that load data during SSR (react-router,
// vue-router): their JSON files (public/api/*.json, served by httpd from the
// DocumentRoot) and a backend this module runs on 127.0.0.1 behind mod_proxy
// (ProxyPass /backend/), with
//   /backend/slow     200 after SLOW_MS, JSON
//   /backend/missing  404, JSON
//   /backend/fail     500, JSON
// Used by compare-fetch.mjs (mod_ssr vs Node, byte for byte) and by
// data.test.mjs (Chromium).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { HOST, MODULES_DIR, makeTempDir, fixTree } from '../../integration/lib/httpd.mjs';

export const SLOW_MS = 200;
// The examples whose pages fetch() their data (their compare.mjs is
// compare-fetch.mjs): the generic browser tests skip nothing for them, but
// data.test.mjs tests only these.
export const DATA_EXAMPLES = ['react-router', 'vue-router'];
export const PROXY_MODULES = ['proxy', 'proxy_http'];
export const HAVE_PROXY = PROXY_MODULES.every((m) => fs.existsSync(path.join(MODULES_DIR, `mod_${m}.so`)));

export function startBackend() {
  const seen = [];
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://backend');
    seen.push(u.pathname);
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    switch (u.pathname) {
      case '/slow':
        setTimeout(() => send(200, { ms: SLOW_MS, message: 'Tomaten: 12 · Basilikum: 0 · Chili: 7' }), SLOW_MS);
        break;
      case '/missing':
        send(404, { error: 'no such item' });
        break;
      case '/fail':
        send(500, { error: 'database down' });
        break;
      default:
        send(404, { error: 'unknown route' });
    }
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      resolve({
        port,
        origin: `http://${HOST}:${port}`,
        seen,
        close: () => new Promise((r) => { srv.closeAllConnections?.(); srv.close(() => r()); }),
      });
    });
  });
}

// A copy of an example's dist/ that httpd's children can read, back-dated so
// that mod_ssr loads it at once.
export function prepareDist(appDir, name = path.basename(appDir)) {
  const dist = path.join(appDir, 'dist');
  for (const f of ['client/index.html', 'server/entry-server.js']) {
    if (!fs.existsSync(path.join(dist, f))) {
      throw new Error(`${path.join(dist, f)} is missing: run npm run build in examples/${name}`);
    }
  }
  const dir = path.join(makeTempDir(`mod_ssr-${name}-`), 'dist');
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

// The modules for ProxyPass (once per config).
export function proxyModules() {
  return PROXY_MODULES.map((m) => `LoadModule ${m}_module "${MODULES_DIR}/mod_${m}.so"`).join('\n');
}

// An app's SSR and API directives, for a server or VirtualHost context: the
// JSON files are static files of the DocumentRoot, /backend/ is the backend.
export function appConf(app, backend) {
  return [
    `DocumentRoot "${app.docroot}"`,
    `<Directory "${app.docroot}">`,
    '    Require all granted',
    '</Directory>',
    `ProxyPass /backend/ ${backend.origin}/`,
    'SSREngine On',
    `SSRBundle "${app.bundle}"`,
    `SSRTemplate "${app.template}"`,
    ...(app.manifest ? [`SSRManifest "${app.manifest}"`] : []),
  ].join('\n');
}

// A VirtualHost for one app on its own 127.0.0.1 port (so its base stays '/').
export function vhost(port, app, backend) {
  return [
    `Listen ${HOST}:${port}`,
    `<VirtualHost ${HOST}:${port}>`,
    `    ServerName ${HOST}`,
    ...appConf(app, backend).split('\n').map((l) => `    ${l}`),
    '</VirtualHost>',
  ].join('\n');
}
