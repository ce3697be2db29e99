// The `prerender` option: after the build (and the engine check) the plugin
// runs mod_ssr's ssr-prerender on the built bundle and template, and a route
// that fails fails the build. The runs need ssr-prerender (this repository's
// ./ssr-prerender after `make`, MOD_SSR_PRERENDER or PATH) and are skipped
// without it; the option parsing and the lookup are tested anyway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findSsrPrerender, prerenderPlan } from '../src/index.js';
import { makeFixture, buildFixture, locateSsrRender, locateSsrPrerender } from '../testing/fixture.js';

const ssrRender = locateSsrRender();
const ssrPrerender = locateSsrPrerender();
const needsBinary = { skip: !ssrPrerender && 'ssr-prerender not found' };

// A small site: / links to /about and /blog/first (and to things a crawl
// must not follow), /blog/first links back relatively; anything else is a
// LOADER_NOT_FOUND (404).
const SITE = {
  'src/entry-server.ts': `const nav = '<nav><a href="/">home</a> <a href="/about">about</a> ' +
  '<a href="/blog/first">first</a> <a href="https://example.com/x">out</a> <a href="/logo.svg">logo</a></nav>';
export function render(url: string) {
  const p = url.replace(/[?#].*$/, '');
  if (p === '') return { head: '<title>Home</title>', html: '<h1>Home</h1>' + nav };
  if (p === 'about') return { head: '<title>About</title>', html: '<h1>About us</h1>' + nav };
  if (p === 'blog/first') return { head: '<title>First</title>', html: '<h1>First post</h1><a href="../about">back</a>' };
  const e: any = new Error('no page for ' + url);
  e.code = 'LOADER_NOT_FOUND';
  throw e;
}
`,
};

function withSite(fn) {
  const root = makeFixture(SITE);
  return Promise.resolve(fn(root)).finally(() => fs.rmSync(root, { recursive: true, force: true }));
}

const opts = (prerender, extra = {}) => ({ ssrRender: ssrRender || false, ssrPrerender, prerender, ...extra });
const page = (root, rel) => fs.readFileSync(path.join(root, rel), 'utf8');

test('prerender: [routes] writes each route as <client>/<route>/index.html', needsBinary, () => withSite(async (root) => {
  await buildFixture(root, opts(['/about', '/blog/first']));
  const about = page(root, 'dist/client/about/index.html');
  assert.match(about, /<title>About<\/title>/);
  assert.match(about, /<div id="app"><h1>About us<\/h1>/);
  assert.match(about, /<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/, 'the built template');
  assert.match(page(root, 'dist/client/blog/first/index.html'), /<h1>First post<\/h1>/);
  // '/' is the template itself: never overwritten
  assert.match(page(root, 'dist/client/index.html'), /<!--app-html-->/);
}));

test('prerender: \'crawl\' follows the links from the base', needsBinary, () => withSite(async (root) => {
  await buildFixture(root, opts('crawl'));
  assert.match(page(root, 'dist/client/about/index.html'), /About us/);
  assert.match(page(root, 'dist/client/blog/first/index.html'), /First post/);
  assert.ok(!fs.existsSync(path.join(root, 'dist/client/logo.svg')), 'assets are not followed');
}));

test('prerender: { routes, crawl, out } writes a static copy elsewhere', needsBinary, () => withSite(async (root) => {
  await buildFixture(root, opts({ routes: ['/'], out: 'dist/static' }));
  assert.match(page(root, 'dist/static/index.html'), /<h1>Home<\/h1>/);
  assert.ok(!fs.existsSync(path.join(root, 'dist/static/about')), 'no crawl: only the routes');
  assert.ok(!fs.existsSync(path.join(root, 'dist/client/about')));
}));

test('a route that fails fails the build with ssr-prerender\'s output', needsBinary, () => withSite(async (root) => {
  await assert.rejects(buildFixture(root, opts(['/about', '/nope'])), (e) => {
    assert.match(e.message, /prerender failed \(a route failed\)/);
    assert.match(e.message, /\/nope: FAILED: 404/);
    assert.match(e.message, /1 failed/);
    return true;
  });
  // the build itself was complete: the bundle, and the marker
  assert.ok(fs.existsSync(path.join(root, 'dist/server/.mod_ssr-build-complete')));
}));

test('an explicit ssrPrerender that does not exist fails the build', () => withSite(async (root) => {
  await assert.rejects(buildFixture(root, opts(['/about'], { ssrPrerender: path.join(root, 'no-such-prerender') })),
    /ssr-prerender not found at .*no-such-prerender \(from the ssrPrerender option\)/);
}));

test('without ssr-prerender the prerender is skipped with a warning', () => withSite(async (root) => {
  const saved = { PATH: process.env.PATH, MOD_SSR_PRERENDER: process.env.MOD_SSR_PRERENDER };
  process.env.PATH = '';
  delete process.env.MOD_SSR_PRERENDER;
  try {
    const { warnings } = await buildFixture(root, opts(['/about'], { ssrPrerender: undefined }));
    assert.ok(warnings.some((w) => /prerender skipped: ssr-prerender not found/.test(w)), warnings.join('\n'));
    assert.ok(!fs.existsSync(path.join(root, 'dist/client/about')));
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.MOD_SSR_PRERENDER !== undefined) process.env.MOD_SSR_PRERENDER = saved.MOD_SSR_PRERENDER;
  }
}));

test('a wrong prerender option fails before building', () => withSite(async (root) => {
  await assert.rejects(buildFixture(root, opts(['about'])), /a route is a path starting with '\/'/);
  assert.ok(!fs.existsSync(path.join(root, 'dist')), 'nothing built');
}));

test('prerenderPlan reads the option forms', () => {
  assert.equal(prerenderPlan(undefined, '/r'), null);
  assert.equal(prerenderPlan([], '/r'), null);
  assert.deepEqual(prerenderPlan(['/a', '/b'], '/r'), { routes: ['/a', '/b'], crawl: false, out: null });
  assert.deepEqual(prerenderPlan('crawl', '/r'), { routes: [], crawl: true, out: null });
  assert.deepEqual(prerenderPlan({ routes: ['/x'], crawl: true, out: 'static' }, '/r'),
    { routes: ['/x'], crawl: true, out: path.resolve('/r', 'static') });
  assert.throws(() => prerenderPlan('all', '/r'), /prerender must be/);
  assert.throws(() => prerenderPlan(['x'], '/r'), /starting with '\/'/);
});

test('findSsrPrerender: option, then MOD_SSR_PRERENDER, then PATH', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mod-ssr-path-'));
  try {
    const bin = path.join(dir, 'ssr-prerender');
    fs.writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(findSsrPrerender(false).path, null);
    assert.equal(findSsrPrerender('/x/ssr-prerender', { MOD_SSR_PRERENDER: '/y' }).path, '/x/ssr-prerender');
    assert.equal(findSsrPrerender(undefined, { MOD_SSR_PRERENDER: '/y/ssr-prerender', PATH: dir }).path,
      '/y/ssr-prerender');
    assert.equal(findSsrPrerender(undefined, { PATH: ['/nonexistent', dir].join(path.delimiter) }).path, bin);
    const none = findSsrPrerender(undefined, { PATH: '/nonexistent' });
    assert.equal(none.path, null);
    assert.match(none.why, /ssr-prerender not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
