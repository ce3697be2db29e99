// What a deployment should not expose: the startup warning for a server
// bundle inside the DocumentRoot, and the client build's .vite/ directory
// (the SSR manifest) denied by the snippet the Vite plugin writes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  MPM, MODULES_DIR, startHttpd, prepareApp, ssrConf, get, assertRendered, countOf, fixTree,
} from './lib/httpd.mjs';

const WARNING = 'AH20002';
const MANIFEST_MARKER = 'manifest-marker-91c2';   // in fixtures/basic/client/.vite/ssr-manifest.json

// The module's "ready" line (info, AH20001) comes after the bundle checks.
async function startupLog(h) {
  const log = await h.waitForLog('AH20001');
  assert.ok(log, h.explain(null, 'no AH20001 line: did post_config run?'));
  return log;
}

describe(`startup: SSRBundle inside the DocumentRoot (${MPM})`, () => {
  it('warns once when the bundle lies under the DocumentRoot', async () => {
    const app = prepareApp();
    const inside = path.join(app.docroot, 'entry-server.js');
    fs.copyFileSync(app.bundle, inside);
    fixTree(app.dir);
    const h = await startHttpd({
      docroot: app.docroot,
      conf: ssrConf({ ...app, bundle: inside }),
    });
    try {
      const log = await startupLog(h);
      assert.equal(countOf(log, WARNING), 1, log);
      assert.match(log, new RegExp(`${WARNING}: SSRBundle ${inside.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} lies under`));
      // What the warning is about: the core serves the bundle.
      const res = await get(h, '/entry-server.js');
      assert.equal(res.status, 200, h.explain(res));
      assertRendered(h, await get(h, '/about'), { marker: 'about-page-marker' });
    } finally {
      await h.stop();
    }
  });

  it('warns for a virtual host whose own DocumentRoot holds its bundle', async () => {
    const main = prepareApp();
    const other = prepareApp();
    const inside = path.join(other.docroot, 'server', 'entry-server.js');
    fs.mkdirSync(path.dirname(inside));
    fs.copyFileSync(other.bundle, inside);
    fixTree(other.dir);
    const h = await startHttpd({
      docroot: main.docroot,
      conf: [
        ssrConf(main),
        '<VirtualHost 127.0.0.1:*>',
        '  ServerName other.test',
        `  DocumentRoot "${other.docroot}"`,
        `  <Directory "${other.docroot}">`,
        '    Require all granted',
        '  </Directory>',
        `  SSRBundle "${inside}"`,
        '</VirtualHost>',
      ].join('\n'),
    });
    try {
      const log = await startupLog(h);
      assert.equal(countOf(log, WARNING), 1, log);
      assert.match(log, /SSRBundle \S+\/server\/entry-server\.js lies under/);
      assert.ok(!log.includes(`SSRBundle ${main.bundle}`), log);
    } finally {
      await h.stop();
    }
  });

  it('says nothing for the usual layout (dist/server beside dist/client)', async () => {
    const app = prepareApp();
    const h = await startHttpd({ docroot: app.docroot, conf: ssrConf(app) });
    try {
      const log = await startupLog(h);
      assert.equal(countOf(log, WARNING), 0, log);
    } finally {
      await h.stop();
    }
  });
});

// The lines the Vite plugin writes for the client build's .vite/ directory
// (vite/src/index.js, apacheConfigText): a filesystem section, so it holds
// whatever URL the client build is mounted at.
const denyDotVite = (clientDir) => [
  `<Directory "${clientDir}/.vite">`,
  '    Require all denied',
  '</Directory>',
];

describe(`the Vite plugin's snippet: .vite/ is not served (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    const shop = prepareApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        // base "/": the client build is the DocumentRoot
        ssrConf(app, { manifest: true }),
        ...denyDotVite(app.docroot),
        // base "/shop/": the client build is aliased there
        `LoadModule alias_module "${MODULES_DIR}/mod_alias.so"`,
        `Alias /shop/ "${shop.docroot}/"`,
        `<Directory "${shop.docroot}">`,
        '    Require all granted',
        '</Directory>',
        ...denyDotVite(shop.docroot),
        '<Location /shop/>',
        '    SSREngine On',
        `    SSRBundle "${shop.bundle}"`,
        `    SSRManifest "${shop.manifest}"`,
        '    SSRBase /shop/',
        '</Location>',
      ].join('\n'),
    });
  });
  after(() => h?.stop());

  for (const base of ['/', '/shop/']) {
    it(`denies ${base}.vite/ssr-manifest.json and ${base}.vite/ and still renders with the manifest`, async () => {
      for (const p of [`${base}.vite/ssr-manifest.json`, `${base}.vite/`, `${base}.vite/missing`]) {
        const res = await get(h, p);
        assert.ok(res.status === 403 || res.status === 404, h.explain(res, p));
        assert.ok(!res.text.includes(MANIFEST_MARKER), h.explain(res, `${p}: manifest served`));
      }
      assert.equal((await get(h, `${base}assets/app.js`)).status, 200);
      const page = await get(h, `${base}manifest`);
      // The module reads the manifest from the file, not over HTTP.
      assertRendered(h, page, { marker: MANIFEST_MARKER });
    });
  }
});
