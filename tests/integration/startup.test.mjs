// Startup checks: mistakes in the configuration or the deployed files are
// reported by `apachectl configtest` and when the server starts (on its
// console, then once in the error log), each with the directive, the path
// and the real reason.  The server starts all the same.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  MPM, IS_ROOT, startHttpd, configtest, prepareApp, ssrConf, get, assertRendered, countOf, fixTree,
  replaceFile,
} from './lib/httpd.mjs';

const MANIFEST_MARKER = 'manifest-marker-91c2';   // in fixtures/basic/client/.vite/ssr-manifest.json

// What `vite build --ssr` writes without the plugin: an ES module.
const ESM_BUNDLE = [
  "import { renderToString } from 'some-framework';",
  "import App from './App.js';",
  '',
  'export async function render(url) {',
  '  return { html: renderToString(App, url) };',
  '}',
  '',
].join('\n');

// A directory the User httpd's children run as cannot search: root's and
// mode 0700 when we are root (the children run as www-data), mode 000
// otherwise (they run as us).
function lockDir(dir) {
  fs.chmodSync(dir, IS_ROOT ? 0o700 : 0o000);
}

const USER_WORDS = IS_ROOT ? 'by user www-data' : '';

const re = (s) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

// The module's "ready" line (AH20001) comes after the startup checks.
async function startupLog(h) {
  const log = await h.waitForLog('AH20001');
  assert.ok(log, h.explain(null, 'no AH20001 line: did post_config run?'));
  return log;
}

describe(`startup checks (${MPM})`, () => {
  it('a bundle that is an ES module: configtest says so and names the plugin', async () => {
    const app = prepareApp();
    fs.writeFileSync(app.bundle, ESM_BUNDLE);
    fixTree(app.dir);
    const conf = ssrConf(app);
    const r = await configtest(conf, { docroot: app.docroot });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Syntax OK/);
    assert.match(r.output, re(`AH20092: SSRBundle ${app.bundle} is an ES module (line 1: import { renderToString }`), r.output);
    assert.match(r.output, /vite-plugin-mod-ssr/, r.output);
    assert.doesNotMatch(r.output, /parse error/, r.output);

    const h = await startHttpd({ docroot: app.docroot, conf });
    try {
      assert.match(h.output(), /AH20092: SSRBundle .* is an ES module/, h.output());
      const log = await startupLog(h);
      assert.equal(countOf(log, 'AH20092'), 1, log);
      // the preload does not say it again as an error
      assert.doesNotMatch(log, /\[ssr:error\][^\n]*AH20033/, log);
      const res = await get(h, '/about');
      assert.equal(res.status, 503, h.explain(res));
    } finally {
      await h.stop();
    }
  });

  it('a bundle replaced by an ES module while serving: the load error says what it is', async () => {
    const app = prepareApp();
    const h = await startHttpd({ docroot: app.docroot, conf: ssrConf(app, { extra: 'SSRReloadInterval 0' }) });
    try {
      assertRendered(h, await get(h, '/about'), { marker: 'about-page-marker' });
      const from = h.logMark();
      replaceFile(app.bundle, ESM_BUNDLE);
      const when = new Date(Date.now() - 5000);
      fs.utimesSync(app.bundle, when, when);
      let log = null;
      for (let i = 0; i < 50 && !log; i++) {
        assertRendered(h, await get(h, '/about'), { marker: 'about-page-marker' });
        log = await h.waitForLog('AH20033', { from, timeoutMs: 100 });
      }
      assert.ok(log, h.explain(null, 'no AH20033 for the ES module bundle'));
      assert.match(log, re(`AH20033: cannot load build of ${app.bundle}`), log);
      assert.match(log, re(`SSRBundle ${app.bundle} is an ES module (line 1:`), log);
    } finally {
      await h.stop();
    }
  });

  it('a missing bundle: configtest names the directive and says it does not exist', async () => {
    const app = prepareApp();
    const missing = path.join(app.dir, 'server', 'nope.js');
    const r = await configtest(ssrConf({ ...app, bundle: missing }), { docroot: app.docroot });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, re(`AH20091: SSRBundle ${missing} does not exist: the app answers 503`), r.output);
  });

  it('a template in a directory the User cannot search: permission denied, not "does not exist"', async (t) => {
    const app = prepareApp();
    const hidden = path.join(app.dir, 'hidden');
    fs.mkdirSync(hidden);
    fs.copyFileSync(app.template, path.join(hidden, 'index.html'));
    fixTree(app.dir);
    lockDir(hidden);
    t.after(() => fs.chmodSync(hidden, 0o755));
    const tpl = path.join(hidden, 'index.html');
    const conf = ssrConf({ ...app, template: tpl }, { template: true });
    const r = await configtest(conf, { docroot: app.docroot });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, re(`AH20091: SSRTemplate ${tpl} cannot be read`), r.output);
    assert.match(r.output, re(`${USER_WORDS}: directory ${hidden} cannot be searched (Permission denied)`), r.output);
    assert.doesNotMatch(r.output, /does not exist/, r.output);
    const h = await startHttpd({ docroot: app.docroot, conf: `${conf}\nSSRReloadInterval 0` });
    try {
      const log = await startupLog(h);
      assert.equal(countOf(log, 'AH20091'), 1, log);
      if (IS_ROOT) {
        // The parent (root) loaded the build; a child's check for a new
        // build cannot read the template, and says why.
        const from = h.logMark();
        assertRendered(h, await get(h, '/about'));
        const later = await h.waitForLog('AH20033', { from });
        assert.ok(later, h.explain(null, 'no AH20033 from the child'));
        assert.match(later, re(`SSRTemplate ${tpl} cannot be read: directory ${hidden} cannot be searched (Permission denied)`), later);
      } else {
        const res = await get(h, '/about');
        assert.equal(res.status, 503, h.explain(res));
      }
    } finally {
      await h.stop();
    }
  });

  it('DocumentRoot set to dist/ instead of dist/client: one warning, that says what is public', async () => {
    const app = prepareApp();
    fs.writeFileSync(path.join(app.dir, 'mod_ssr.conf'), '# written by the plugin\n');
    fixTree(app.dir);
    const conf = ssrConf(app, { template: true });
    const r = await configtest(conf, { docroot: app.dir });
    assert.equal(r.code, 0, r.output);
    assert.equal(countOf(r.output, 'AH20002'), 1, r.output);
    assert.match(r.output, re(`AH20002: SSRBundle ${app.bundle} lies under this server's DocumentRoot: DocumentRoot ${app.dir} is the build's output directory`), r.output);
    assert.match(r.output, re(`${app.dir}/mod_ssr.conf`), r.output);
    assert.match(r.output, re(`set DocumentRoot to ${app.dir}/client`), r.output);
    const h = await startHttpd({ docroot: app.dir, conf });
    try {
      const log = await startupLog(h);
      assert.equal(countOf(log, 'AH20002'), 1, log);
      // what the warning is about
      const res = await get(h, '/server/entry-server.js');
      assert.equal(res.status, 200, h.explain(res));
    } finally {
      await h.stop();
    }
  });

  it('a wrong SSRManifest path: pages render without it, and it is said once', async () => {
    const app = prepareApp();
    const wrong = path.join(app.dir, 'client', '.vite', 'ssr-manifest.jsn');
    const conf = ssrConf({ ...app, manifest: wrong }, { manifest: true, extra: 'SSRReloadInterval 0' });
    const r = await configtest(conf, { docroot: app.docroot });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, re(`AH20039: SSRManifest ${wrong} does not exist: pages render without it`), r.output);
    const h = await startHttpd({ docroot: app.docroot, conf });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await get(h, '/about');
        assertRendered(h, res, { marker: 'about-page-marker' });
        assert.ok(!res.text.includes(MANIFEST_MARKER), h.explain(res, 'rendered with a manifest'));
      }
      const log = h.errorLog();
      assert.equal(countOf(log, `SSRManifest ${wrong}`), 1, log);
    } finally {
      await h.stop();
    }
  });

  it('an SSRManifest the User cannot read: pages render without it (not 503), with a warning', async (t) => {
    const app = prepareApp();
    const dir = path.join(app.dir, 'private');
    fs.mkdirSync(dir);
    const manifest = path.join(dir, 'ssr-manifest.json');
    fs.copyFileSync(app.manifest, manifest);
    fixTree(app.dir);
    if (IS_ROOT) {
      lockDir(dir);
      t.after(() => fs.chmodSync(dir, 0o755));
    } else {
      fs.chmodSync(manifest, 0o000);
    }
    const conf = ssrConf({ ...app, manifest }, { manifest: true });
    const h = await startHttpd({ docroot: app.docroot, conf });
    try {
      const log = await startupLog(h);
      assert.match(log, re(`AH20039: SSRManifest ${manifest} cannot be read ${USER_WORDS}`.trimEnd()), log);
      const res = await get(h, '/about');
      assertRendered(h, res, { marker: 'about-page-marker' });
    } finally {
      await h.stop();
    }
  });

  it('says nothing for a correct deployment', async () => {
    const app = prepareApp();
    const conf = ssrConf(app, { manifest: true });
    const r = await configtest(conf, { docroot: app.docroot });
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, /AH200/, r.output);
  });
});
