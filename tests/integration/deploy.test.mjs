// Builds stamped with a build id (as vite-plugin-mod-ssr writes them): the
// bundle, template and manifest are loaded together only when their ids
// agree, whatever order a deploy writes them in, with no settle time and no
// build-complete marker needed.  SPEC 7.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  MPM, MODULES_DIR, startHttpd, prepareApp, get, replaceFile, fixture, isCompletePage, sleep,
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

// A deploy that deletes the previous build's assets (vite build in place,
// rsync --delete, a new release directory).
function deployBuild(app, id, { assets = [], drop = [] } = {}) {
  const dir = path.join(app.docroot, 'assets');
  for (const name of drop) fs.rmSync(path.join(dir, name), { force: true });
  for (const name of assets) {
    fs.writeFileSync(path.join(dir, name), `/* ${name} of build ${id} */\n`);
    fs.chmodSync(path.join(dir, name), 0o644);
  }
  replaceFile(app.template, stampedTemplate('one', id));
  replaceFile(app.bundle, stampedBundle('one', id));
}

describe(`the assets of previous builds (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    deployBuild(app, 'one', { assets: ['app-one.js', 'chunk-one.css'] });
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        `LoadModule rewrite_module "${MODULES_DIR}/mod_rewrite.so"`,
        'SSREngine On',
        `SSRBundle "${app.bundle}"`,
        'SSRReloadInterval 0',
        'SSRAssetGrace 1s',
        // the usual single-page-app rule must not catch an archived asset
        `<Directory "${app.docroot}">`,
        '  RewriteEngine On',
        '  RewriteCond %{REQUEST_FILENAME} !-f',
        '  RewriteRule ^ /index.html [L]',
        '</Directory>',
      ].join('\n'),
      limits: 'single-process',
    });
    assert.equal((await waitFor(h, (x) => x.stamp === 'one')).stamp, 'one');
  });
  after(() => h?.stop());

  it('still serves an asset the next deploy deleted, as Apache serves a file', async () => {
    const live = await get(h, '/assets/app-one.js', { headers: { Accept: '*/*' } });
    assert.equal(live.status, 200, h.explain(live));
    deployBuild(app, 'two', { assets: ['app-two.js'], drop: ['app-one.js', 'chunk-one.css'] });
    assert.equal((await waitFor(h, (x) => x.stamp === 'two')).stamp, 'two');
    assert.ok(!fs.existsSync(path.join(app.docroot, 'assets', 'app-one.js')));

    const res = await get(h, '/assets/app-one.js', { headers: { Accept: '*/*' } });
    assert.equal(res.status, 200, h.explain(res));
    assert.equal(res.text, '/* app-one.js of build one */\n');
    assert.match(res.get('content-type') ?? '', /javascript/);
    assert.equal(res.get('etag'), live.get('etag'), 'the same ETag as before the deploy');
    assert.equal(res.get('last-modified'), live.get('last-modified'));
    assert.ok(!res.has('server-timing'), h.explain(res, 'rendered instead of served'));

    const range = await get(h, '/assets/chunk-one.css', { headers: { Accept: '*/*', Range: 'bytes=0-4' } });
    assert.equal(range.status, 206, h.explain(range));
    assert.equal(range.text, '/* ch');
  });

  it('an asset no build ever had is still a miss', async () => {
    // rewritten to the template by the SPA rule, as before: not an archived file
    const res = await get(h, '/assets/never-built.js', { headers: { Accept: '*/*' } });
    assert.ok(!res.text.startsWith('/*'), h.explain(res));
  });

  it('prunes a build\'s assets once its grace period is over', async () => {
    // build one went out of service at the last deploy; its grace is 1 s,
    // and copies younger than 5 s are never pruned
    await sleep(6000);
    deployBuild(app, 'three', { assets: ['app-three.js'], drop: ['app-two.js'] });
    assert.equal((await waitFor(h, (x) => x.stamp === 'three')).stamp, 'three');
    const gone = await get(h, '/assets/app-one.js', { headers: { Accept: '*/*' } });
    assert.ok(!gone.text.startsWith('/* app-one'), h.explain(gone, 'pruned asset still served'));
    // build two just went out of service: its assets are kept
    const kept = await get(h, '/assets/app-two.js', { headers: { Accept: '*/*' } });
    assert.equal(kept.status, 200, h.explain(kept));
    assert.equal(kept.text, '/* app-two.js of build two */\n');
  });
});

describe(`SSRAssetArchive off (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    deployBuild(app, 'one', { assets: ['app-one.js'] });
    h = await startHttpd({
      docroot: app.docroot,
      conf: ['SSREngine On', `SSRBundle "${app.bundle}"`, 'SSRReloadInterval 0', 'SSRAssetArchive off'].join('\n'),
      limits: 'single-process',
    });
    assert.equal((await waitFor(h, (x) => x.stamp === 'one')).stamp, 'one');
  });
  after(() => h?.stop());

  it('does not keep deleted assets', async () => {
    deployBuild(app, 'two', { assets: ['app-two.js'], drop: ['app-one.js'] });
    assert.equal((await waitFor(h, (x) => x.stamp === 'two')).stamp, 'two');
    const res = await get(h, '/assets/app-one.js', { headers: { Accept: '*/*' } });
    assert.equal(res.status, 404, h.explain(res));
  });
});

describe(`builds are loaded before any request (${MPM})`, () => {
  let h;

  before(async () => {
    const app = prepareApp();
    replaceFile(app.bundle, stampedBundle('one', 'boot'));
    replaceFile(app.template, stampedTemplate('one', 'boot'));
    h = await startHttpd({
      docroot: app.docroot,
      conf: ['SSREngine On', `SSRBundle "${app.bundle}"`].join('\n'),
    });
    await h.waitForChildren();
  });
  after(() => h?.stop());

  it('httpd loads the build at startup, and its children start with it', async () => {
    const loaded = (h.errorLog().match(/AH20032: loaded build boot /g) || []).length;
    assert.equal(loaded, 1, h.explain(null, 'the build was not loaded once at startup'));
    const from = h.logMark();
    for (let i = 0; i < 6; i++) {
      assert.equal(builds(h, await get(h, '/')).stamp, 'boot');
    }
    assert.ok(!h.errorLog(from).includes('AH20032'), h.explain(null, 'a child loaded the build again'));
  });
});

describe(`the last good build outlives broken files (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    replaceFile(app.bundle, stampedBundle('one', 'good1'));
    replaceFile(app.template, stampedTemplate('one', 'good1'));
    h = await startHttpd({
      docroot: app.docroot,
      conf: ['SSREngine On', `SSRBundle "${app.bundle}"`, 'SSRReloadInterval 0'].join('\n'),
    });
    await h.waitForChildren();
  });
  after(() => h?.stop());

  it('a graceful restart while the files are broken keeps serving the last good build', async () => {
    // good2 is loaded by the children (not by the parent at startup)
    replaceFile(app.template, stampedTemplate('two', 'good2'));
    replaceFile(app.bundle, stampedBundle('two', 'good2'));
    assert.equal((await waitFor(h, (x) => x.stamp === 'good2')).stamp, 'good2');
    // then a broken build goes out
    replaceFile(app.template, stampedTemplate('one', 'broken3'));
    replaceFile(app.bundle, '/*! mod_ssr-build: broken3 */\nmodule.exports.render = function ( {\n');
    assert.ok(await h.waitForLog('cannot load build', { timeoutMs: 3000 }) || true);
    for (let i = 0; i < 4; i++) {
      assert.equal(builds(h, await get(h, '/')).stamp, 'good2');
    }
    // a graceful restart: the parent cannot load the files, and new
    // children have nothing in memory from before
    const before = h.childPids();
    const from = h.logMark();
    process.kill(h.pid, 'SIGUSR1');
    assert.ok(await h.waitForLog('resuming normal operations', { from, timeoutMs: 10000 }),
      h.explain(null, 'no graceful restart'));
    const end = Date.now() + 10000;
    while (h.childPids().some((p) => before.includes(p)) && Date.now() < end) await sleep(100);
    for (let i = 0; i < 6; i++) {
      const res = await get(h, '/');
      assert.equal(res.status, 200, h.explain(res, 'no build to serve after the restart'));
      assert.equal(builds(h, res).stamp, 'good2');
    }
    assert.match(h.errorLog(from), /AH20036: serving build good2/, h.explain(null));
  });
});

describe(`a missing SSRManifest does not take the site down (${MPM})`, () => {
  let h;

  before(async () => {
    const app = prepareApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: ['SSREngine On', `SSRBundle "${app.bundle}"`,
        `SSRManifest "${app.dir}/client/.vite/no-such-manifest.json"`].join('\n'),
    });
  });
  after(() => h?.stop());

  it('renders without it, render() gets undefined, and the log names the path', async () => {
    const res = await get(h, '/manifest');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /manifest:none/, h.explain(res));
    assert.match(h.errorLog(), /AH20039: SSRManifest \S*no-such-manifest\.json does not exist/, h.explain(null));
  });
});
