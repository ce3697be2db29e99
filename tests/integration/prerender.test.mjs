// ssr-prerender (SSG): pages written by the CLI are served by Apache as
// plain files, byte-identical to what mod_ssr renders live for the same
// route; what was not prerendered is still rendered.  (The tools' own
// options and output tree: cli.test.mjs, run once rather than per MPM.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  HERE, MPM, MODULES_DIR, startHttpd, prepareApp, ssrConf, get, fixTree,
} from './lib/httpd.mjs';

const PRERENDER = process.env.SSR_PRERENDER
  || path.resolve(HERE, '..', '..', '..', 'ssr-prerender');

function prerender(app, args) {
  const r = spawnSync(PRERENDER, ['--bundle', app.bundle, '--template', app.template, ...args],
    { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const ROUTES = ['/about', '/escape', '/unicode'];

describe(`ssr-prerender output served by Apache (${MPM})`, () => {
  let h;
  let app;
  const live = {};
  let run;

  before(async () => {
    app = prepareApp();
    // DirectorySlash Off plus one rewrite: /about is answered with
    // about/index.html when it exists (docs/prerender.md).
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        `LoadModule rewrite_module ${MODULES_DIR}/mod_rewrite.so`,
        ssrConf(app),
        `<Directory "${app.docroot}">`,
        '  DirectorySlash Off',
        '  RewriteEngine On',
        '  RewriteCond %{REQUEST_FILENAME}/index.html -f',
        '  RewriteRule ^(.*[^/])$ $1/index.html [L]',
        '</Directory>',
      ].join('\n'),
    });
    for (const route of ROUTES) {
      live[route] = await get(h, route);
    }
    run = prerender(app, [...ROUTES, '/', '/notfound', '/redirect']);
    fixTree(app.dir, { backdateMs: 0 });
  });
  after(() => h?.stop());

  it('rendered the routes live first (the baseline)', () => {
    for (const route of ROUTES) {
      assert.equal(live[route].status, 200, h.explain(live[route]));
      assert.ok(live[route].has('server-timing'), `${route} was not rendered live`);
    }
  });

  it('writes each route as <route>/index.html and reports the others, exiting 1', () => {
    assert.equal(run.code, 1, run.out);
    for (const route of ROUTES) {
      assert.ok(fs.existsSync(path.join(app.docroot, route, 'index.html')), `${route}\n${run.out}`);
      assert.match(run.out, new RegExp(`${route} -> `));
    }
    assert.match(run.out, /\/notfound: FAILED: 404/);
    assert.match(run.out, /\/redirect: redirect \(302\) to \/about, not written/);
    assert.match(run.out, /\/: not written, .* is the template/);
    assert.match(run.out, /3 written, 1 redirects skipped, 1 kept as the template, 0 not found, 1 failed/);
    assert.ok(!fs.existsSync(path.join(app.docroot, 'notfound')), 'a 404 route was written');
    assert.ok(!fs.existsSync(path.join(app.docroot, 'redirect')), 'a redirect was written');
  });

  it('keeps the template untouched', () => {
    assert.match(fs.readFileSync(app.template, 'utf8'), /<!--app-html-->/);
  });

  for (const route of ROUTES) {
    it(`serves ${route} as a static file, byte-identical to the live render`, async () => {
      const res = await get(h, route);
      assert.equal(res.status, 200, h.explain(res));
      assert.ok(!res.has('server-timing'), h.explain(res, 'rendered, not served as a file'));
      assert.deepEqual(res.body, live[route].body);
    });
  }

  it('still renders what was not prerendered, and the root', async () => {
    for (const route of ['/status', '/']) {
      const res = await get(h, route);
      assert.ok(res.has('server-timing'), h.explain(res, `${route} not rendered`));
    }
  });
});
