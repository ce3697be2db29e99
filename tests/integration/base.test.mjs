// SSRBase: an app deployed under /app/ (Vite base "/app/").  SPEC 3, 4, 6.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  MPM, startHttpd, prepareApp, makeTempDir, fixTree, ssrConf, get, fixture, isCompletePage, unescapeHtml,
} from './lib/httpd.mjs';

// DocumentRoot <dir>/www with the client build in <dir>/www/app/.
function appUnderBase() {
  const dir = makeTempDir('mod_ssr-app-');
  const app = prepareApp({ dir, clientAt: 'www/app' });
  fixTree(dir);
  return { ...app, www: path.join(dir, 'www') };
}

describe(`SSRBase at server level (${MPM})`, () => {
  let h;

  before(async () => {
    const app = appUnderBase();
    h = await startHttpd({
      docroot: app.www,
      // no SSRManifest here: render() gets undefined
      conf: ssrConf(app, { template: true, extra: 'SSRBase /app/' }),
    });
  });
  after(() => h?.stop());

  it('renders /app/about as "about"', async () => {
    const res = await get(h, '/app/about');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res));
    assert.match(res.text, /about-page-marker/);
  });

  it('renders /app/ as the home route ("")', async () => {
    const res = await get(h, '/app/');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /home-page-marker/);
  });

  it('strips the base from the url argument, keeps path and query in the context', async () => {
    const res = await get(h, '/app/ctx?q=1');
    assert.equal(res.status, 200, h.explain(res));
    const m = /<pre id="ctx">([^<]*)<\/pre>/.exec(res.text);
    assert.ok(m, h.explain(res));
    const ctx = JSON.parse(unescapeHtml(m[1]));
    assert.equal(ctx.renderUrl, 'ctx?q=1');
    assert.equal(ctx.url, '/app/ctx?q=1', 'context.url keeps the base');
    assert.equal(ctx.path, '/app/ctx');
    assert.equal(ctx.query, 'q=1');
  });

  it('does not render a path outside the base (404)', async () => {
    const res = await get(h, '/other/about');
    assert.equal(res.status, 404, h.explain(res));
    assert.ok(!res.has('server-timing'), h.explain(res, 'rendered outside the base'));
    assert.ok(!res.text.includes('build one'), h.explain(res, 'rendered outside the base'));
  });

  it('serves static files under the base as files', async () => {
    const res = await get(h, '/app/assets/app.js');
    assert.equal(res.status, 200, h.explain(res));
    assert.deepEqual(res.body, fixture('basic/client/assets/app.js'));
    assert.ok(!res.has('server-timing'));
  });

  it('renders /app/index.html (the template) rather than sending it raw', async () => {
    const res = await get(h, '/app/index.html');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res));
  });

  it('passes undefined as ssrManifest without SSRManifest', async () => {
    const res = await get(h, '/app/manifest');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /<pre id="manifest">manifest:none<\/pre>/, h.explain(res));
  });
});

describe(`SSRBase inside <Location /app/> (${MPM})`, () => {
  let h;

  before(async () => {
    const app = appUnderBase();
    h = await startHttpd({
      docroot: app.www,
      conf: ['<Location /app/>', ssrConf(app, { template: true, extra: 'SSRBase /app/' }), '</Location>'].join('\n'),
    });
  });
  after(() => h?.stop());

  it('renders /app/about', async () => {
    const res = await get(h, '/app/about');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /about-page-marker/);
    assert.ok(isCompletePage(res.text));
  });

  it('does not render outside the <Location> (SSREngine is off there)', async () => {
    const res = await get(h, '/about');
    assert.equal(res.status, 404, h.explain(res));
    assert.ok(!res.has('server-timing'));
  });
});
