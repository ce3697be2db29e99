// What is not rendered: files Apache serves as usual, missing non-navigation
// requests, other methods.  And what is: the template and the directory
// index that resolves to it.  SPEC 4.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MPM, startHttpd, prepareApp, ssrConf, get, request, fixture, isCompletePage,
} from './lib/httpd.mjs';

describe(`static files and non-navigations (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    h = await startHttpd({ docroot: app.docroot, conf: ssrConf(app, { manifest: true }) });
  });
  after(() => h?.stop());

  for (const [url, file] of [
    ['/assets/app.js', 'basic/client/assets/app.js'],
    ['/assets/style.css', 'basic/client/assets/style.css'],
    ['/robots.txt', 'basic/client/robots.txt'],
  ]) {
    it(`serves ${url} byte-identical from the docroot, not rendered`, async () => {
      const res = await get(h, url);
      assert.equal(res.status, 200, h.explain(res));
      assert.deepEqual(res.body, fixture(file));
      assert.ok(!res.has('server-timing'), 'a static file got Server-Timing');
      assert.ok(!/text\/html/.test(res.get('content-type') ?? ''), `content-type ${res.get('content-type')}`);
    });
  }

  it('gives a missing asset-like path (/assets/missing.js) Apache\'s plain 404', async () => {
    const res = await get(h, '/assets/missing.js');
    assert.equal(res.status, 404, h.explain(res));
    assert.ok(!res.has('server-timing'), h.explain(res, 'rendered'));
    assert.ok(!res.text.includes('build one'), h.explain(res, 'rendered'));
    assert.match(res.text, /Not Found/);
  });

  it('gives a missing path requested with Accept: application/json a 404, not a page', async () => {
    const res = await get(h, '/api/things', { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 404, h.explain(res));
    assert.ok(!res.has('server-timing'), h.explain(res, 'rendered'));
    assert.ok(!res.text.includes('build one'), h.explain(res, 'rendered'));
  });

  it('renders a missing extension-less path for a navigation (the app decides)', async () => {
    const res = await get(h, '/some/deep/route');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /<p id="noroute">no route: some\/deep\/route<\/p>/);
  });

  it('does not render POST', async () => {
    const res = await request(h.port, '/about', {
      method: 'POST',
      body: 'a=1',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.ok([404, 405].includes(res.status), h.explain(res, `status ${res.status}`));
    assert.ok(!res.has('server-timing'), h.explain(res, 'POST was rendered'));
    assert.ok(!res.text.includes('about-page-marker'), h.explain(res, 'POST was rendered'));
  });

  it('renders /index.html (the template itself) instead of sending it raw', async () => {
    const res = await get(h, '/index.html');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res, 'raw template or incomplete page'));
    assert.match(res.text, /home-page-marker/);
    assert.match(res.get('server-timing') ?? '(none)', /^ssr;dur=/);
  });

  it('renders / (the directory index resolving to the template)', async () => {
    const res = await get(h, '/');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res, 'raw template or incomplete page'));
    assert.match(res.text, /home-page-marker/);
    assert.match(res.get('server-timing') ?? '(none)', /^ssr;dur=/);
  });

  it('does not send the raw template for HEAD /index.html either', async () => {
    const res = await request(h.port, '/index.html', { method: 'HEAD' });
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.get('server-timing') ?? '(none)', /^ssr;dur=/);
    assert.equal(res.body.length, 0);
  });
});
