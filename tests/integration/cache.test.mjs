// Rendered pages in Apache's mod_cache (docs/caching.md): a page that says
// Cache-Control: public is served by mod_cache without a render, never
// across a deploy, never to another user when it was made for one, and a
// burst of requests for an expired page renders it once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  MPM, MODULES_DIR, startHttpd, prepareApp, get, replaceFile, fixture, isCompletePage, sleep,
} from './lib/httpd.mjs';

// A stamped build (as vite-plugin-mod-ssr writes it) of a small app whose
// pages say how they may be cached.  Each page shows the build that
// rendered it and, for /cookie, the cookie it was rendered for.
function bundle(id) {
  return `/*! mod_ssr-build: ${id} */
'use strict';
var BUILD = ${JSON.stringify(id)};
function page(name, body, headers, status) {
  var r = { head: '<meta name="page" content="' + name + '">',
            html: '<main data-build="' + BUILD + '" data-page="' + name + '">' + body + '</main>' };
  if (headers) { r.headers = headers; }
  if (status) { r.status = status; }
  return r;
}
var PUBLIC = { 'Cache-Control': 'public, max-age=60' };
var routes = {
  '': function () { return page('home', '<p>home</p>', PUBLIC); },
  'short': function () { return page('short', '<p>short-lived</p>', { 'Cache-Control': 'public, max-age=2' }); },
  'cookie': function (ctx) {
    return page('cookie', '<p>cookie=' + (ctx.headers.cookie || 'none') + '</p>', PUBLIC);
  },
  'sets-cookie': function () {
    return page('sets-cookie', '<p>hello</p>', { 'Cache-Control': 'public, max-age=60', 'Set-Cookie': 'sid=123' });
  },
  'gone': function () { return page('gone', '<p>gone</p>', null, 404); },
  'gone-public': function () { return page('gone-public', '<p>gone</p>', PUBLIC, 404); },
  'default': function () { return page('default', '<p>default</p>'); },
  'dflt/page': function () { return page('dflt-page', '<p>default lifetime</p>'); },
  'dflt/gone': function () { return page('dflt-gone', '<p>gone</p>', null, 404); },
  'slow': function () {
    return new Promise(function (resolve) {
      setTimeout(function () {
        resolve(page('slow', '<p>slow</p>', { 'Cache-Control': 'public, max-age=1' }));
      }, 300);
    });
  }
};
module.exports.render = function (url, manifest, ctx) {
  var route = String(url).split('?')[0].replace(/^\\/+/, '');
  var fn = Object.prototype.hasOwnProperty.call(routes, route) ? routes[route]
         : function () { return page('other', '<p>' + route + '</p>', PUBLIC); };
  return fn(ctx);
};
`;
}
function template(id) {
  return String(fixture('basic/client/index.html')).replace(/<head>/, `<head><!--mod_ssr-build:${id}-->`);
}

function deploy(app, id) {
  replaceFile(app.bundle, bundle(id));
  replaceFile(app.template, template(id));
}

const stamp = (res) => (/<!--mod_ssr-build:([\w.]+)-->/.exec(res.text) || [])[1];
const builtBy = (res) => (/data-build="([\w.]+)"/.exec(res.text) || [])[1];

async function renders(h) {
  const res = await get(h, '/server-status?auto');
  assert.equal(res.status, 200, h.explain(res));
  const m = /^SSRRenders: (\d+)/m.exec(res.text);
  assert.ok(m, h.explain(res, 'no SSRRenders in server-status'));
  return Number(m[1]);
}

// The config of a server whose pages go through mod_cache.
function cacheConf(app, { provider = 'socache', quick = true, dir, extra = '', split = false } = {}) {
  const L = [
    `LoadModule status_module "${MODULES_DIR}/mod_status.so"`,
    `LoadModule cache_module "${MODULES_DIR}/mod_cache.so"`,
  ];
  if (provider === 'socache') {
    L.push(
      `LoadModule socache_shmcb_module "${MODULES_DIR}/mod_socache_shmcb.so"`,
      `LoadModule cache_socache_module "${MODULES_DIR}/mod_cache_socache.so"`,
      'CacheSocache shmcb:cache-shm(4000000)',
      'CacheSocacheMaxSize 200000',
      'CacheEnable socache /',
    );
  } else {
    L.push(
      `LoadModule cache_disk_module "${MODULES_DIR}/mod_cache_disk.so"`,
      `CacheRoot "${dir}"`,
      'CacheEnable disk /',
    );
  }
  L.push(
    `CacheQuickHandler ${quick ? 'on' : 'off'}`,
    'CacheHeader on',
    'CacheLock on',
    `CacheLockPath "${path.join(app.dir, 'cache-lock')}"`,
    'CacheDisable /server-status',
    // split: the app's directives in two sections, so that no section
    // names the whole app
    ...(split
      ? [`<Directory "${app.docroot}">`, '  SSREngine On', '</Directory>',
        '<Location />', `  SSRBundle "${app.bundle}"`, '</Location>']
      : ['SSREngine On', `SSRBundle "${app.bundle}"`]),
    'SSRReloadInterval 0',
    '<Location /dflt>',
    '  SSRCacheControl "public, max-age=60"',
    '</Location>',
    '<Location /server-status>',
    '  SetHandler server-status',
    '</Location>',
    extra,
  );
  return L.join('\n');
}

function cachedApp(id) {
  const app = prepareApp();
  deploy(app, id);
  // written just now, but stamped: loaded at once
  return app;
}

// mod_cache answers from its quick handler by default, and as a handler
// (after access checks) with CacheQuickHandler off.
for (const [provider, quick] of [['socache', true], ['disk', true], ['socache', false]]) {
  const how = quick ? provider : `${provider}, CacheQuickHandler off`;
  describe(`mod_cache (${how}) in front of mod_ssr (${MPM})`, () => {
    let h;
    let app;

    before(async () => {
      app = cachedApp('one');
      // written by httpd's children (www-data when we are root)
      const dir = path.join(app.dir, 'disk-cache');
      for (const d of [dir, path.join(app.dir, 'cache-lock')]) {
        fs.mkdirSync(d);
        fs.chmodSync(d, 0o777);
      }
      h = await startHttpd({ docroot: app.docroot, conf: cacheConf(app, { provider, quick, dir }) });
    });
    after(() => h?.stop());

    it('serves a public page from the cache, without a render and without a stale Server-Timing', async () => {
      const first = await get(h, '/');
      assert.equal(first.status, 200, h.explain(first));
      assert.ok(isCompletePage(first.text), h.explain(first));
      assert.equal(stamp(first), 'one', h.explain(first));
      assert.ok(!first.has('server-timing'), h.explain(first, 'a shared page carries Server-Timing'));
      assert.match(first.get('vary') ?? '', /X-SSR-Build/, h.explain(first));
      const n = await renders(h);
      for (let i = 0; i < 5; i++) {
        const res = await get(h, '/');
        assert.equal(res.status, 200, h.explain(res));
        assert.equal(res.text, first.text, h.explain(res));
        assert.ok(!res.has('server-timing'), h.explain(res));
      }
      assert.equal(await renders(h), n, h.explain(null, 'a cached page was rendered again'));
    });

    it('answers from the new build as soon as it is loaded, whatever the cache holds', async () => {
      // build one's / is cached for 60 s
      for (let i = 0; i < 3; i++) assert.equal(stamp(await get(h, '/')), 'one');
      deploy(app, 'two');
      // SSRReloadInterval 0 and a stamped build: the next request loads it
      for (let i = 0; i < 20; i++) {
        const res = await get(h, '/');
        assert.equal(res.status, 200, h.explain(res));
        assert.equal(stamp(res), 'two', h.explain(res, `request ${i} after the deploy`));
        assert.equal(builtBy(res), 'two', h.explain(res));
      }
      deploy(app, 'one');   // back to the first build: its pages again
      for (let i = 0; i < 5; i++) {
        const res = await get(h, '/');
        assert.equal(stamp(res), 'one', h.explain(res, `request ${i} after going back`));
        assert.equal(builtBy(res), 'one', h.explain(res));
      }
    });

    it('a page revalidated after it expired keeps its body', async () => {
      const first = await get(h, '/short');
      assert.equal(first.status, 200, h.explain(first));
      assert.ok(isCompletePage(first.text), h.explain(first));
      const n = await renders(h);
      // mod_cache_socache lost the body at the first revalidation
      for (let round = 0; round < 2; round++) {
        await sleep(2300);
        for (let i = 0; i < 3; i++) {
          const res = await get(h, '/short');
          assert.equal(res.status, 200, h.explain(res, `round ${round}, request ${i}`));
          assert.ok(res.complete, h.explain(res, 'incomplete body'));
          assert.equal(res.text, first.text, h.explain(res, `round ${round}, request ${i}`));
        }
      }
      const m = await renders(h);
      assert.ok(m - n >= 1 && m - n <= 2 * (MPM === 'prefork' ? 2 : 1),
        h.explain(null, `renders during revalidation: ${m - n}`));
    });

    it('a page rendered for a cookie is not served for another cookie', async () => {
      const a = await get(h, '/cookie', { headers: { Cookie: 'u=alice' } });
      assert.match(a.text, /cookie=u=alice/, h.explain(a));
      assert.match(a.get('vary') ?? '', /Cookie/, h.explain(a));
      assert.match(a.get('vary') ?? '', /Authorization/, h.explain(a));
      const b = await get(h, '/cookie', { headers: { Cookie: 'u=bob' } });
      assert.match(b.text, /cookie=u=bob/, h.explain(b, "bob got alice's page"));
      const none = await get(h, '/cookie');
      assert.match(none.text, /cookie=none/, h.explain(none));
      const again = await get(h, '/cookie', { headers: { Cookie: 'u=alice' } });
      assert.match(again.text, /cookie=u=alice/, h.explain(again));
    });

    it('a page rendered for credentials, or setting a cookie, is private', async () => {
      // / is stored (the tests above): not for a request with credentials
      assert.equal((await get(h, '/')).status, 200);
      let res = await get(h, '/', { headers: { Authorization: 'Basic YTpi' } });
      assert.equal(res.status, 200, h.explain(res));
      assert.match(res.get('cache-control') ?? '', /^private/, h.explain(res));
      assert.doesNotMatch(res.get('cache-control') ?? '', /public/, h.explain(res));
      res = await get(h, '/sets-cookie');
      assert.match(res.get('cache-control') ?? '', /^private/, h.explain(res));
      const n = await renders(h);
      res = await get(h, '/sets-cookie');
      assert.equal(await renders(h), n + 1, h.explain(res, 'a page that sets a cookie came from the cache'));
    });

    it('a rendered path is not served from the cache to a request that is not a navigation', async () => {
      const page = await get(h, '/some/page');
      assert.equal(page.status, 200, h.explain(page));
      assert.match(page.get('vary') ?? '', /Accept/, h.explain(page));
      const res = await get(h, '/some/page', { headers: { Accept: 'application/json' } });
      assert.equal(res.status, 404, h.explain(res, 'a JSON request got the cached page'));
    });

    it('SSRCacheControl gives pages a lifetime, but not error pages', async () => {
      for (const [url, status] of [['/gone', 404], ['/default', 200], ['/dflt/gone', 404]]) {
        const n = await renders(h);
        for (let i = 0; i < 3; i++) {
          const res = await get(h, url);
          assert.equal(res.status, status, h.explain(res));
          assert.ok(res.has('server-timing'), h.explain(res));
          assert.match(res.get('cache-control') ?? '', /^no-cache$/, h.explain(res));
        }
        assert.equal(await renders(h), n + 3, h.explain(null, `${url} was served from the cache`));
      }
      let res = await get(h, '/dflt/page');
      assert.equal(res.get('cache-control'), 'public, max-age=60', h.explain(res));
      let n = await renders(h);
      res = await get(h, '/dflt/page');
      assert.equal(res.status, 200, h.explain(res));
      assert.equal(await renders(h), n, h.explain(res, 'the page was rendered again'));
      // an error page the app marks public is the app's to cache
      await get(h, '/gone-public');
      n = await renders(h);
      res = await get(h, '/gone-public');
      assert.equal(res.status, 404, h.explain(res));
      assert.equal(await renders(h), n, h.explain(res));
    });

    it('a burst of requests for an expired page renders it once (CacheLock)', async () => {
      const first = await get(h, '/slow', { timeout: 5000 });
      assert.equal(first.status, 200, h.explain(first));
      await sleep(1300);  // expired
      const n = await renders(h);
      const t0 = Date.now();
      const all = await Promise.all(Array.from({ length: 64 }, () => get(h, '/slow', { timeout: 20_000 })));
      const ms = Date.now() - t0;
      for (const res of all) {
        assert.equal(res.status, 200, h.explain(res));
        assert.equal(res.text, first.text, h.explain(res));
      }
      const m = await renders(h);
      assert.equal(m - n, 1, h.explain(null, `${m - n} renders for 64 requests in ${ms} ms`));
    });
  });
}

describe(`mod_cache and an app named across two sections (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = cachedApp('one');
    const lock = path.join(app.dir, 'cache-lock');
    fs.mkdirSync(lock);
    fs.chmodSync(lock, 0o777);
    h = await startHttpd({ docroot: app.docroot, conf: cacheConf(app, { split: true }) });
  });
  after(() => h?.stop());

  it('its pages are not stored, so a deploy is never answered from the cache', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await get(h, '/');
      assert.equal(res.status, 200, h.explain(res));
      assert.equal(stamp(res), 'one', h.explain(res));
    }
    deploy(app, 'two');
    for (let i = 0; i < 5; i++) {
      const res = await get(h, '/');
      assert.equal(stamp(res), 'two', h.explain(res, `request ${i} after the deploy`));
    }
  });
});
