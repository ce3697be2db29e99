// Rendered pages: template filling, response headers, ETag/304, HEAD, and
// what render() is given (url, manifest, context, env).  SPEC 1-5.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import {
  MPM, startHttpd, prepareApp, ssrConf, get, head, isCompletePage, unescapeHtml, assertRendered,
} from './lib/httpd.mjs';

// (ssr-load follows when the render made its heap: docs/operating.md)
const SERVER_TIMING = /^ssr;dur=\d+(\.\d+)?(, ssr-load;dur=\d+(\.\d+)?)?$/;

describe(`render (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    // No SSRTemplate: the default is index.html in the DocumentRoot.
    h = await startHttpd({
      docroot: app.docroot,
      conf: ssrConf(app, { manifest: true, extra: 'SSRSetEnv GREETING "hello world"' }),
    });
  });
  after(() => h?.stop());

  it('renders / into the template: head and html slots filled, nothing leaked', async () => {
    const res = await get(h, '/');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res, 'not a complete page'));
    assert.match(res.text, /<title>tpl-one<\/title>/);
    assert.match(res.text, /<meta name="build" content="one"><meta name="route" content="home">\s*<\/head>/);
    assert.match(res.text, /<div id="app"><main data-build="one"><h1>build one: home<\/h1>/);
    assert.ok(!res.text.includes('<!--app-'), 'placeholder leaked');
  });

  it('renders /about (a plain string result) into the html slot', async () => {
    const res = await get(h, '/about');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res, 'not a complete page'));
    assert.match(res.text, /<div id="app"><main data-build="one"><h1>build one: about<\/h1><p id="about">about-page-marker<\/p><\/main><\/div>/);
    // no head: the head slot is replaced by nothing
    assert.match(res.text, /<link rel="stylesheet" href="\/assets\/style.css" \/>\s*<\/head>/);
  });

  it('sends Content-Type text/html; charset=utf-8', async () => {
    const res = await get(h, '/about');
    assert.equal(res.status, 200, h.explain(res));
    assert.equal(res.get('content-type')?.toLowerCase().replace(/\s+/g, ' '), 'text/html; charset=utf-8');
  });

  it('sends Cache-Control: no-cache by default', async () => {
    const res = await get(h, '/');
    assert.equal(res.status, 200, h.explain(res));
    assert.deepEqual(res.getAll('cache-control'), ['no-cache']);
  });

  it("keeps the render's own Cache-Control instead of no-cache", async () => {
    const res = await get(h, '/headers');
    assert.equal(res.status, 200, h.explain(res));
    assert.deepEqual(res.getAll('cache-control'), ['max-age=60'], h.explain(res));
  });

  it('sends Server-Timing: ssr;dur=<ms>', async () => {
    const res = await get(h, '/');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.get('server-timing') ?? '(none)', SERVER_TIMING);
  });

  it('sends a strong ETag', async () => {
    const res = await get(h, '/');
    assertRendered(h, res, { marker: 'home-page-marker' });
    const etag = res.get('etag');
    assert.ok(etag, h.explain(res, 'no ETag'));
    assert.match(etag, /^"[^"]*"$/, `not a strong ETag: ${etag}`);
  });

  it('answers If-None-Match with the same ETag with 304 and no body', async () => {
    const first = await get(h, '/');
    assertRendered(h, first, { marker: 'home-page-marker' });
    const etag = first.get('etag');
    assert.ok(etag, h.explain(first, 'no ETag'));
    const res = await get(h, '/', { headers: { 'If-None-Match': etag } });
    assert.equal(res.status, 304, h.explain(res));
    assert.equal(res.body.length, 0);
    // a different tag still gets the page
    const other = await get(h, '/', { headers: { 'If-None-Match': '"something-else"' } });
    assert.equal(other.status, 200, h.explain(other));
    assert.ok(isCompletePage(other.text));
  });

  it('answers HEAD with the status and headers of GET, and no body', async () => {
    const g = await get(h, '/about');
    const hd = await head(h, '/about');
    assert.equal(g.status, 200, h.explain(g));
    assert.equal(hd.status, 200, h.explain(hd));
    assert.equal(hd.body.length, 0, 'HEAD response has a body');
    for (const name of ['content-type', 'cache-control', 'etag']) {
      assert.equal(hd.get(name), g.get(name), `${name} differs between HEAD and GET`);
    }
    assert.match(hd.get('server-timing') ?? '(none)', SERVER_TIMING);
    if (hd.has('content-length')) assert.equal(Number(hd.get('content-length')), g.body.length);
  });

  it('answers HEAD of a redirect like GET', async () => {
    const g = await get(h, '/redirect');
    const hd = await head(h, '/redirect');
    assert.equal(g.status, 302, h.explain(g));
    assert.equal(hd.status, g.status, h.explain(hd));
    assert.equal(hd.get('location'), g.get('location'));
    assert.equal(hd.body.length, 0);
  });

  it('renders for Accept: */*', async () => {
    const res = await get(h, '/about', { headers: { Accept: '*/*' } });
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /about-page-marker/);
  });

  it('gives render() the url, and the context (method, path, query, headers, remoteAddr, signal)', async () => {
    const res = await get(h, '/ctx?x=1&y=two', { headers: { 'X-Test-Header': 'Value-1' } });
    assert.equal(res.status, 200, h.explain(res));
    const m = /<pre id="ctx">([^<]*)<\/pre>/.exec(res.text);
    assert.ok(m, h.explain(res, 'no <pre id=ctx>'));
    const ctx = JSON.parse(unescapeHtml(m[1]));
    assert.equal(ctx.renderUrl, 'ctx?x=1&y=two', 'url argument: path+query with the base "/" removed');
    assert.equal(ctx.method, 'GET');
    assert.equal(ctx.path, '/ctx');
    assert.equal(ctx.query, 'x=1&y=two');
    assert.equal(typeof ctx.url, 'string');
    assert.ok(ctx.url.endsWith('ctx?x=1&y=two'), `context.url: ${ctx.url}`);
    assert.equal(ctx.remoteAddr, '127.0.0.1');
    assert.equal(ctx.signalType, 'object');
    assert.equal(ctx.signalAborted, false);
    assert.equal(typeof ctx.headers, 'object');
    assert.equal(ctx.headers['x-test-header'], 'Value-1');
    assert.equal(ctx.headers.host, `127.0.0.1:${h.port}`);
    for (const k of Object.keys(ctx.headers)) assert.equal(k, k.toLowerCase(), `header name not lower-case: ${k}`);
  });

  it('gives render() the SSRManifest file as text', async () => {
    const res = await get(h, '/manifest');
    assert.equal(res.status, 200, h.explain(res));
    const m = /<pre id="manifest">manifest:([^<]*)<\/pre>/.exec(res.text);
    assert.ok(m, h.explain(res));
    assert.equal(unescapeHtml(m[1]), fs.readFileSync(app.manifest, 'utf8'));
  });

  it('exposes SSRSetEnv as process.env and context.env', async () => {
    const res = await get(h, '/env');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /<p id="env">env:hello world\|hello world<\/p>/, h.explain(res));
  });

  it('waits for an async render (timer + promise + microtask chain)', async () => {
    const res = await get(h, '/async');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res));
    assert.match(res.text, /<p id="async">async-done-2<\/p>/);
    assert.match(res.text, /<meta name="route" content="async">/);
  });

  it('inserts head and html literally (no $& patterns, entities untouched)', async () => {
    const res = await get(h, '/escape');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(res.text.includes('<meta name="dollar" content="$& $1 $$ $\' $`">'), h.explain(res, 'head not literal'));
    assert.ok(res.text.includes('<p id="esc">5 &lt; 6 &amp;&amp; 7 &gt; 3 $& $1 $$ $\' $`</p>'), h.explain(res, 'html not literal'));
    assert.ok(isCompletePage(res.text));
  });

  it('sends non-ASCII text as UTF-8 (surrogate pairs combined)', async () => {
    const res = await get(h, '/unicode');
    assert.equal(res.status, 200, h.explain(res));
    const want = Buffer.from('<p id="uni">\u00fc \u2603 \u{1F600}</p>', 'utf8');
    assert.ok(res.body.includes(want), h.explain(res, 'expected UTF-8 bytes c3bc e29883 f09f9880'));
  });

  it('sends console output to the error log', async () => {
    const from = h.logMark();
    const res = await get(h, '/console');
    assert.equal(res.status, 200, h.explain(res));
    const log = await h.waitForLog('console-error-marker-5e1d', { from });
    assert.ok(log, h.explain(null, 'console.error output not in the error log'));
    for (const m of ['console-log-marker-5e1d', 'console-warn-marker-5e1d', 'console-error-marker-5e1d']) {
      assert.ok(log.includes(m), h.explain(null, `${m} not in the error log`));
    }
  });

  it('renders the same bytes as ssr-render (same engine code) for the same build', async (t) => {
    const cli = process.env.SSR_RENDER;
    if (!cli || !fs.existsSync(cli)) {
      t.skip('ssr-render not built (SSR_RENDER unset or missing)');
      return;
    }
    for (const url of ['/', '/about', '/escape', '/unicode', '/manifest', '/env', '/async']) {
      const res = await get(h, url);
      assert.equal(res.status, 200, h.explain(res));
      const out = execFileSync(cli, [
        '--bundle', app.bundle, '--template', app.template, '--manifest', app.manifest,
        '--env', 'GREETING=hello world', url,
      ], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
      assert.deepEqual(res.body, out, `${url}: module and ssr-render differ`);
    }
  });

  it('renders the same bytes twice (deterministic page, same ETag)', async () => {
    const a = await get(h, '/about');
    const b = await get(h, '/about');
    assert.equal(a.status, 200, h.explain(a));
    assert.deepEqual(a.body, b.body);
    assert.equal(a.get('etag'), b.get('etag'));
  });
});
