// Deploys under load never show a broken page: while keep-alive clients
// load pages and every asset they reference, new builds are deployed by a
// symlink flip, by renames, and by `cp -r` in place (old assets deleted each
// time), with a graceful restart in the middle.  Every page must be 200,
// whole, of one build, and every asset it names must load.  The long
// version is `make soak` (bench/deploy-soak.mjs, docs/reliability.md).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MPM, startHttpd, makeTempDir, get } from './lib/httpd.mjs';
import {
  METHODS, VITE_METHOD, SSR_RELEASE, viteAvailable, writeBuild, createApp, newBuildId, soak, soakConf, failuresOf, assetBody, pageAssets,
} from './lib/soak.mjs';

const SECONDS = Number(process.env.SSR_SOAK_SECONDS || 4);

function report(r, h) {
  return `${r.method} (${MPM}): ${JSON.stringify({ deploys: r.deploys, restarts: r.restarts, pages: r.stats.pages, ...failuresOf(r) })}\n` +
    `first failures:\n${r.stats.examples.map((e) => JSON.stringify(e)).join('\n')}\n` +
    `--- error.log (${h.logPath}):\n${h.errorLog().split('\n').filter((l) => !/AH20084|AH20083/.test(l)).slice(-30).join('\n')}`;
}

describe(`deploys under load (${MPM})`, () => {
  const handles = [];
  after(async () => { for (const h of handles) await h.stop(); });

  for (const method of METHODS) {
    it(`${method}: every page whole, of one build, with all its assets`, async () => {
      const app = createApp(path.join(makeTempDir('mod_ssr-soak-'), 'app'), method, newBuildId());
      const h = await startHttpd({ docroot: app.docroot, conf: soakConf(app) });
      handles.push(h);
      await h.waitForChildren();
      const r = await soak(h, app, {
        seconds: SECONDS, clients: 3, deployEveryMs: 800, restartEveryMs: Math.floor(SECONDS * 1000 / 2) + 100,
      });
      await h.stop();
      assert.ok(r.deploys >= 3, `only ${r.deploys} deploys`);
      assert.ok(r.stats.pages >= 50, `only ${r.stats.pages} pages`);
      assert.ok(Object.keys(r.stats.builds).length >= 3, report(r, h));
      assert.deepEqual(failuresOf(r), {
        non200: 0, incomplete: 0, mixed: 0, assetFailures: 0, errors: 0, staticFailures: 0, crashed: 0,
      }, report(r, h));
    });
  }
});

// The files a build's assets are archived from are that build's: a child
// that starts with the build the parent loaded, and renders it after the
// release it came from was flipped away and deleted, still finds its assets.
describe(`a build's assets are the ones archived (${MPM})`, () => {
  let h;
  after(() => h?.stop());

  it('a page of the build loaded at startup keeps its assets after a symlink flip', async () => {
    const first = newBuildId();
    const app = createApp(path.join(makeTempDir('mod_ssr-soak-'), 'app'), 'symlink', first, { keepReleases: 1 });
    h = await startHttpd({ docroot: app.docroot, conf: soakConf(app, { extra: ['SSRReloadInterval 60s'] }) });
    await h.waitForChildren();
    // no request yet: the next build goes live and the first one is deleted
    app.deploy(newBuildId());
    assert.ok(!fs.existsSync(path.join(app.root, 'releases', first)));
    const page = await get(h, '/');
    assert.equal(page.status, 200, h.explain(page));
    assert.match(page.text, new RegExp(`<main data-build="${first.replace('.', '\\.')}">`), h.explain(page));
    for (const url of pageAssets(page.text)) {
      const a = await get(h, url, { headers: { Accept: '*/*' } });
      assert.equal(a.status, 200, h.explain(a, `${url} of build ${first}`));
      assert.equal(a.text, assetBody(url));
    }
  });
});

// `vite build` empties the client directory, assets/ included: the map
// step then ends at the missing directory, the file's name left in
// path_info; the archive must still be found.
describe(`an asset whose directory is gone (${MPM})`, () => {
  let h;
  after(() => h?.stop());

  it('is served from the archive', async () => {
    const first = newBuildId();
    const app = createApp(path.join(makeTempDir('mod_ssr-soak-'), 'app'), 'rename', first);
    h = await startHttpd({ docroot: app.docroot, conf: soakConf(app, { extra: ['SSRReloadInterval 60s'] }) });
    await h.waitForChildren();
    fs.rmSync(path.join(app.docroot, 'assets'), { recursive: true, force: true });
    for (const n of [`app-${first}.js`, `style-${first}.css`]) {
      const url = `/assets/${n}`;
      const a = await get(h, url, { headers: { Accept: '*/*' } });
      assert.equal(a.status, 200, h.explain(a, url));
      assert.equal(a.text, assetBody(url));
    }
    const missing = await get(h, '/assets/never-built.js', { headers: { Accept: '*/*' } });
    assert.equal(missing.status, 404, h.explain(missing));
  });
});

// Apache's file handler opens the file its map step stat'ed: a `current`
// symlink flipped between the two made the open fail, answered 403
// (AH00132).  The module pins an asset to its real path before the open,
// and serves one gone since the map step from the archive.  Here
// `current` flips between two releases as fast as a shell can, while a
// keep-alive client asks for an asset only the first release has.
describe(`an asset asked for while the release symlink flips (${MPM})`, () => {
  let h;
  after(() => h?.stop());

  it('is always answered 200 with its content', async () => {
    const first = newBuildId();
    const app = createApp(path.join(makeTempDir('mod_ssr-soak-'), 'app'), 'symlink', first, { keepReleases: 2 });
    h = await startHttpd({ docroot: app.docroot, conf: soakConf(app, { extra: ['SSRReloadInterval 60s'] }) });
    await h.waitForChildren();
    const second = newBuildId();
    app.deploy(second);
    const url = `/assets/chunk-${first}.js`;
    const flip = `const fs = require('fs'); const end = Date.now() + 3000; process.chdir(${JSON.stringify(app.root)});
      while (Date.now() < end) for (const id of ${JSON.stringify([second, first])}) {
        fs.rmSync('c.tmp', { force: true }); fs.symlinkSync('releases/' + id, 'c.tmp'); fs.renameSync('c.tmp', 'current');
      }`;
    const flipper = spawn(process.execPath, ['-e', flip], { stdio: 'ignore' });
    const exited = new Promise((r) => flipper.on('exit', r));
    const seen = {};
    const end = Date.now() + 2500;
    let n = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (Date.now() < end) {
        const a = await get(h, url, { headers: { Accept: '*/*' } });
        const key = a.status === 200 && a.text !== assetBody(url) ? 'wrong body' : String(a.status);
        seen[key] = (seen[key] ?? 0) + 1;
        n++;
      }
    }));
    await exited;
    assert.ok(n >= 100, `only ${n} requests`);
    assert.deepEqual(seen, { 200: n }, `answers: ${JSON.stringify(seen)}\n` +
      h.errorLog().split('\n').filter((l) => l.includes('AH00132')).slice(0, 3).join('\n'));
  });
});

// The same check, with builds made by the real `vite build` (and the
// plugin) straight into the directory httpd serves: Vite empties it, then
// writes the assets, the template, the bundle; the plugin stamps the build
// last.  Needs the plugin's dependencies (vite/node_modules).
describe(`vite build in place under load (${MPM})`, {
  skip: !viteAvailable() && !process.env.CI && 'vite/node_modules not installed (npm ci in vite/)',
}, () => {
  let h;
  after(() => h?.stop());

  it('every page whole, of one build, with all its assets', async () => {
    const app = createApp(path.join(makeTempDir('mod_ssr-soak-'), 'app'), VITE_METHOD, newBuildId());
    h = await startHttpd({ docroot: app.docroot, conf: soakConf(app) });
    await h.waitForChildren();
    // three builds, whatever time each takes on this machine
    const r = await soak(h, app, { seconds: 600, clients: 3, deployEveryMs: 300, maxDeploys: 3 });
    await h.stop();
    assert.equal(r.deploys, 3);
    assert.ok(r.stats.pages >= 50, `only ${r.stats.pages} pages`);
    assert.ok(Object.keys(r.stats.builds).length >= 3, report(r, h));
    assert.deepEqual(failuresOf(r), {
      non200: 0, incomplete: 0, mixed: 0, assetFailures: 0, errors: 0, staticFailures: 0, crashed: 0,
    }, report(r, h));
  });
});

// scripts/ssr-release, the one-line deploy of docs/reliability.md.
describe(`ssr-release (${MPM})`, () => {
  let h;
  after(() => h?.stop());
  const release = (dist, root, keep = '2') => spawnSync(SSR_RELEASE, [dist, root, keep], { encoding: 'utf8' });
  const pageBuild = async () => {
    const page = await get(h, '/');
    assert.equal(page.status, 200, h.explain(page));
    return /<main data-build="([\w.]+)">/.exec(page.text)?.[1];
  };

  it('puts builds in service, keeps the last ones, rolls back, refuses an incomplete build', async () => {
    const top = makeTempDir('mod_ssr-release-');
    const root = path.join(top, 'app');
    const ids = [newBuildId(), newBuildId(), newBuildId()];
    for (const id of ids) writeBuild(path.join(top, 'dist', id), id);
    let r = release(path.join(top, 'dist', ids[0]), root);
    assert.equal(r.status, 0, r.stderr);
    fs.chmodSync(top, 0o755);
    const app = { bundle: path.join(root, 'current', 'server', 'entry-server.js'),
      manifest: path.join(root, 'current', 'client', '.vite', 'ssr-manifest.json') };
    h = await startHttpd({ docroot: path.join(root, 'current', 'client'), conf: soakConf(app) });
    await h.waitForChildren();
    assert.equal(await pageBuild(), ids[0]);

    for (const id of ids.slice(1)) {
      r = release(path.join(top, 'dist', id), root);
      assert.equal(r.status, 0, r.stderr);
    }
    assert.equal(fs.readlinkSync(path.join(root, 'current')), `releases/${ids[2]}`);
    assert.deepEqual(fs.readdirSync(path.join(root, 'releases')).sort(), ids.slice(1).sort());
    await waitUntil(async () => (await pageBuild()) === ids[2], 5000);

    // a rollback: the dist of a release still there flips back to it
    r = release(path.join(top, 'dist', ids[1]), root);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readlinkSync(path.join(root, 'current')), `releases/${ids[1]}`);
    await waitUntil(async () => (await pageBuild()) === ids[1], 5000);

    // a build whose template is of another build is refused; nothing moves
    const bad = path.join(top, 'dist', 'bad');
    writeBuild(bad, newBuildId());
    fs.copyFileSync(path.join(top, 'dist', ids[0], 'client', 'index.html'), path.join(bad, 'client', 'index.html'));
    r = release(bad, root);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is not of build/);
    r = release(path.join(top, 'nothing'), root);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /has no build id/);
    assert.equal(fs.readlinkSync(path.join(root, 'current')), `releases/${ids[1]}`);
    // (every process: a prefork child may take its next reload check first)
    await waitUntil(async () => (await pageBuild()) === ids[1], 5000);
  });
});

async function waitUntil(pred, ms) {
  const end = Date.now() + ms;
  while (!(await pred())) {
    assert.ok(Date.now() < end, 'timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
