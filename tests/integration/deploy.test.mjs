// Builds stamped with a build id (as vite-plugin-mod-ssr writes them): the
// bundle, template and manifest are loaded together only when their ids
// agree, whatever order a deploy writes them in, with no settle time and no
// build-complete marker needed.  SPEC 7.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  MPM, startHttpd, prepareApp, get, replaceFile, fixture, isCompletePage, sleep,
} from './lib/httpd.mjs';

// The fixture builds "one" and "two", stamped as the plugin stamps them.
function stampedBundle(build, id = build) {
  const from = build === 'one' ? 'basic/server/entry-server.js' : 'v2/server/entry-server.js';
  return `/*! mod_ssr-build: ${id} */\n${fixture(from)}`;
}
function stampedTemplate(build, id = build) {
  const from = build === 'one' ? 'basic/client/index.html' : 'v2/client/index.html';
  return String(fixture(from)).replace(/<head>/, `<head><!--mod_ssr-build:${id}-->`);
}
function stampedManifest(id) {
  return JSON.stringify({ 'src/main.js': ['/assets/app.js'], 'mod_ssr-build': [id] }, null, 2);
}

// Which template and which bundle a page came from.
function builds(h, res) {
  assert.equal(res.status, 200, h.explain(res));
  assert.ok(isCompletePage(res.text), h.explain(res, 'incomplete page'));
  const tpl = /<title>tpl-(one|two)<\/title>/.exec(res.text);
  const bundle = /<main data-build="(one|two)">/.exec(res.text);
  const stamp = /<!--mod_ssr-build:([\w.]+)-->/.exec(res.text);
  assert.ok(tpl && bundle, h.explain(res, 'not a page of build one or two'));
  return { tpl: tpl[1], bundle: bundle[1], stamp: stamp && stamp[1] };
}

async function waitFor(h, pred, ms = 4000) {
  const end = Date.now() + ms;
  for (;;) {
    const b = builds(h, await get(h, '/'));
    if (pred(b) || Date.now() > end) return b;
    await sleep(50);
  }
}

describe(`stamped builds (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    fs.mkdirSync(path.dirname(app.manifest), { recursive: true, mode: 0o755 });
    replaceFile(app.bundle, stampedBundle('one'));
    replaceFile(app.template, stampedTemplate('one'));
    replaceFile(app.manifest, stampedManifest('one'));
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        'SSREngine On',
        `SSRBundle "${app.bundle}"`,
        `SSRManifest "${app.manifest}"`,
        'SSRReloadInterval 0',
      ].join('\n'),
      limits: 'single-process',
    });
  });
  after(() => h?.stop());

  it('serves the stamped build at once, its files written just now', async () => {
    // no settle time: the files are brand new and load on the first request
    const b = builds(h, await get(h, '/'));
    assert.deepEqual(b, { tpl: 'one', bundle: 'one', stamp: 'one' });
  });

  it('a new template beside the old bundle is not used until the bundle agrees', async () => {
    replaceFile(app.template, stampedTemplate('two'));
    replaceFile(app.manifest, stampedManifest('two'));
    // the files disagree: build one keeps serving, whole
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(builds(h, await get(h, '/')), { tpl: 'one', bundle: 'one', stamp: 'one' });
      await sleep(40);
    }
    assert.ok(await h.waitForLog('different builds (bundle one, template two', { timeoutMs: 2000 }),
      h.explain(null, 'the wait for a complete build was not logged'));
    replaceFile(app.bundle, stampedBundle('two'));
    const b = await waitFor(h, (x) => x.bundle === 'two');
    assert.deepEqual(b, { tpl: 'two', bundle: 'two', stamp: 'two' });
  });

  it('a new bundle beside the old template waits for the template', async () => {
    replaceFile(app.bundle, stampedBundle('one', 'three'));
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(builds(h, await get(h, '/')), { tpl: 'two', bundle: 'two', stamp: 'two' });
      await sleep(40);
    }
    replaceFile(app.template, stampedTemplate('one', 'three'));
    replaceFile(app.manifest, stampedManifest('three'));
    const b = await waitFor(h, (x) => x.stamp === 'three');
    assert.deepEqual(b, { tpl: 'one', bundle: 'one', stamp: 'three' });
  });

  it('a stale build-complete marker does not hold back a stamped build', async () => {
    // a marker copied before the files (cp -r, scp): older than them
    const marker = path.join(path.dirname(app.bundle), '.mod_ssr-build-complete');
    fs.writeFileSync(marker, '');
    const old = new Date(Date.now() - 5000);
    fs.utimesSync(marker, old, old);
    replaceFile(app.template, stampedTemplate('two', 'four'));
    replaceFile(app.manifest, stampedManifest('four'));
    replaceFile(app.bundle, stampedBundle('two', 'four'));
    const b = await waitFor(h, (x) => x.stamp === 'four');
    assert.deepEqual(b, { tpl: 'two', bundle: 'two', stamp: 'four' });
  });

  it('a manifest of another build holds the build back too', async () => {
    replaceFile(app.template, stampedTemplate('one', 'five'));
    replaceFile(app.bundle, stampedBundle('one', 'five'));
    for (let i = 0; i < 5; i++) {
      assert.equal(builds(h, await get(h, '/')).stamp, 'four');
      await sleep(40);
    }
    replaceFile(app.manifest, stampedManifest('five'));
    assert.equal((await waitFor(h, (x) => x.stamp === 'five')).stamp, 'five');
  });

  it('logged no load failure: a deploy in progress is not an error', () => {
    assert.ok(!h.errorLog().includes('cannot load build'), h.explain(null));
  });
});
