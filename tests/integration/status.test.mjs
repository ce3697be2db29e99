// Statuses, redirects, loader errors, render failures and response header
// validation.  SPEC 3 and 5 (errors go through Apache's error path, so
// ErrorDocument applies; no JS error text reaches the client).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MPM, startHttpd, prepareApp, ssrConf, get, isCompletePage,
} from './lib/httpd.mjs';

function locationPath(res, port) {
  const loc = res.get('location');
  assert.ok(loc, 'no Location header');
  // relative ("/about") or absolute on this server, both are fine
  const u = new URL(loc, `http://127.0.0.1:${port}/`);
  if (/^[a-z]+:/i.test(loc)) assert.equal(u.host, `127.0.0.1:${port}`, `Location on another host: ${loc}`);
  return u.pathname + u.search;
}

function assertNoLeak(res) {
  for (const s of ['boom secret', 'rejected secret', 'at render', 'Error:', 'entry-server.js']) {
    assert.ok(!res.text.includes(s), `response leaks ${JSON.stringify(s)}: ${res.text.slice(0, 500)}`);
  }
}

describe(`statuses, redirects and failures (${MPM})`, () => {
  let h;

  before(async () => {
    const app = prepareApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        ssrConf(app),
        'ErrorDocument 404 "custom-not-found"',
        'ErrorDocument 500 "custom-error"',
        '<Location /csr/>',
        '  SSRBase /csr/',
        '  SSRFallback csr',
        '</Location>',
      ].join('\n'),
    });
  });
  after(() => h?.stop());

  it('LOADER_NOT_FOUND -> 404 through ErrorDocument', async () => {
    const res = await get(h, '/notfound');
    assert.equal(res.status, 404, h.explain(res));
    assert.equal(res.text.trim(), 'custom-not-found', h.explain(res));
  });

  it('result.status sets the status of the rendered page', async () => {
    const res = await get(h, '/status');
    assert.equal(res.status, 410, h.explain(res));
    assert.match(res.text, /gone-page-marker/, h.explain(res, 'the page the render gave is expected as the body'));
    assert.ok(isCompletePage(res.text), h.explain(res));
  });

  it('result.redirect (a string) -> 302 to it with an empty body', async () => {
    const res = await get(h, '/redirect');
    assert.equal(res.status, 302, h.explain(res));
    assert.equal(locationPath(res, h.port), '/about');
    assert.equal(res.body.length, 0, h.explain(res, 'redirect has a body'));
  });

  it('result.redirect { url, status: 301 } -> 301', async () => {
    const res = await get(h, '/redirect-301');
    assert.equal(res.status, 301, h.explain(res));
    assert.equal(locationPath(res, h.port), '/x');
    assert.equal(res.body.length, 0, h.explain(res, 'redirect has a body'));
  });

  it('LOADER_REDIRECT (a thrown plain object) -> its status and target', async () => {
    const res = await get(h, '/loader-redirect');
    assert.equal(res.status, 307, h.explain(res));
    assert.equal(locationPath(res, h.port), '/about');
    assert.equal(res.body.length, 0, h.explain(res, 'redirect has a body'));
  });

  it('LOADER_TIMEOUT -> 504', async () => {
    const res = await get(h, '/loader-timeout');
    assert.equal(res.status, 504, h.explain(res));
    assertNoLeak(res);
  });

  it('a thrown error -> 500 through ErrorDocument; the message goes to the log only', async () => {
    const from = h.logMark();
    const res = await get(h, '/throw');
    assert.equal(res.status, 500, h.explain(res));
    assert.equal(res.text.trim(), 'custom-error', h.explain(res));
    assertNoLeak(res);
    const log = await h.waitForLog('boom secret', { from });
    assert.ok(log, h.explain(null, 'JS error message not logged'));
    assert.match(log, /render of [^\n]* failed/, h.explain(null, 'no "render of ... failed" line'));
  });

  it('a rejected promise -> 500; the message goes to the log only', async () => {
    const from = h.logMark();
    const res = await get(h, '/reject');
    assert.equal(res.status, 500, h.explain(res));
    assert.equal(res.text.trim(), 'custom-error', h.explain(res));
    assertNoLeak(res);
    const log = await h.waitForLog('rejected secret', { from });
    assert.ok(log, h.explain(null, 'rejection message not logged'));
    assert.match(log, /render of [^\n]* failed/);
  });

  it('keeps valid response headers from the render', async () => {
    const res = await get(h, '/headers');
    assert.equal(res.status, 200, h.explain(res));
    assert.deepEqual(res.getAll('x-good'), ['yes']);
  });

  it('drops invalid response headers (bad name, CR/LF in value) and logs them', async () => {
    const from = h.logMark();
    const res = await get(h, '/headers');
    assert.equal(res.status, 200, h.explain(res));
    const names = res.headers.map(([k]) => k.toLowerCase());
    assert.ok(!names.includes('bad name'), h.explain(res, '"Bad Name" sent'));
    assert.ok(!names.some((n) => n.startsWith('bad')), h.explain(res, 'a "Bad..." header sent'));
    assert.ok(!names.includes('x-crlf'), h.explain(res, 'X-Crlf sent'));
    assert.ok(!names.includes('injected'), h.explain(res, 'header injection'));
    assert.ok(!res.text.includes('Injected: 1'), h.explain(res, 'header injection into the body'));
    assert.match(res.text, /headers-page-marker/);
    const log = await h.waitForLog('dropped response header', { from });
    assert.ok(log, h.explain(null, 'no "dropped response header" in the log'));
  });

  it('SSRFallback csr: a failed render sends the template with an empty outlet, 200, X-SSR-Fallback: 1', async () => {
    const from = h.logMark();
    const res = await get(h, '/csr/throw');
    assert.equal(res.status, 200, h.explain(res));
    assert.equal(res.get('x-ssr-fallback'), '1', h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res, 'placeholders left in the fallback page'));
    assert.match(res.text, /<div id="app"><\/div>/, h.explain(res, 'app outlet not empty'));
    assert.match(res.text, /<title>tpl-one<\/title>/);
    assertNoLeak(res);
    assert.ok(await h.waitForLog('boom secret', { from }), h.explain(null, 'failure not logged'));
  });

  it('SSRFallback csr does not turn loader errors into pages (LOADER_NOT_FOUND is still 404)', async () => {
    const res = await get(h, '/csr/notfound');
    assert.equal(res.status, 404, h.explain(res));
    assert.ok(!res.has('x-ssr-fallback'));
  });

  it('SSRFallback csr: a successful render is a normal page', async () => {
    const res = await get(h, '/csr/about');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /about-page-marker/);
    assert.ok(!res.has('x-ssr-fallback'));
  });
});
