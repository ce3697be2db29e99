// fetch() in renders (docs/fetch.md): same-origin URLs through Apache
// itself (a static file, mod_rewrite, mod_proxy to a backend this test
// runs), other origins only under SSRFetchAllow, overlapping transfers,
// and every bound: SSRFetchTimeout, SSRFetchMaxSize, SSRFetchMax, abort,
// the client leaving, SSRTimeout.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import {
  MPM, MODULES_DIR, HOST, startHttpd, prepareApp, ssrConf, get, sleep, unescapeHtml, configtest,
} from './lib/httpd.mjs';

const HAVE_PROXY = ['proxy', 'proxy_http', 'rewrite']
  .every((m) => fs.existsSync(path.join(MODULES_DIR, `mod_${m}.so`)));

// The backend: records every request it gets, and whether its connection
// was closed before it answered.
function startBackend() {
  const seen = [];
  let inflight = 0;
  let maxInflight = 0;
  const srv = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://backend');
    const rec = { path: u.pathname, url: req.url, headers: req.headers, abandoned: false, answered: false };
    seen.push(rec);
    inflight++;
    maxInflight = Math.max(maxInflight, inflight);
    res.on('close', () => {
      inflight--;
      if (!res.writableFinished) rec.abandoned = true;
    });
    const send = (status, body, headers = {}) => {
      rec.answered = true;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    switch (u.pathname) {
      case '/slow': {
        const ms = Number(u.searchParams.get('ms') || 200);
        setTimeout(() => send(200, JSON.stringify({ slow: ms, i: u.searchParams.get('i') })), ms);
        break;
      }
      case '/hang':
        break;      // never answers: only the client closing ends it
      case '/echo':
        send(200, JSON.stringify(req.headers));
        break;
      case '/big':
        send(200, 'x'.repeat(Number(u.searchParams.get('n') || 4096)), { 'content-type': 'text/plain' });
        break;
      case '/redirect':
        send(302, '', { location: u.searchParams.get('to') });
        break;
      default:
        send(404, '{}');
    }
  });
  return new Promise((resolve) => {
    srv.listen(0, HOST, () => {
      resolve({
        port: srv.address().port,
        seen,
        maxInflight: () => maxInflight,
        resetInflight: () => { maxInflight = inflight; },
        close: () => new Promise((r) => { srv.closeAllConnections?.(); srv.close(() => r()); }),
      });
    });
  });
}

async function until(cond, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(20);
  }
  return cond();
}

function outOf(h, res) {
  const m = /<pre id="out">([\s\S]*?)<\/pre>/.exec(res.text);
  assert.ok(m, h.explain(res, 'no report in the page'));
  return JSON.parse(unescapeHtml(m[1]));
}

const q = (params) => '?' + new URLSearchParams(params).toString();

describe(`fetch() in renders (${MPM})`, { skip: !HAVE_PROXY && 'mod_proxy/mod_rewrite not installed' }, () => {
  let h;
  let backend;
  let B;

  before(async () => {
    backend = await startBackend();
    B = `http://${HOST}:${backend.port}`;
    const app = prepareApp({ client: 'fetch/client', bundle: 'fetch/server/entry-server.js' });
    const conf = [
      // Enough workers for a render plus three loopback requests at once.
      '<IfModule mpm_prefork_module>',
      '  StartServers 6', '  MinSpareServers 6', '  MaxSpareServers 7',
      '  ServerLimit 7', '  MaxRequestWorkers 7',
      '</IfModule>',
      '<IfModule !mpm_prefork_module>',
      '  ThreadLimit 8', '  ThreadsPerChild 8', '  MaxSpareThreads 9', '  MaxRequestWorkers 8',
      '</IfModule>',
      `LoadModule rewrite_module "${MODULES_DIR}/mod_rewrite.so"`,
      `LoadModule proxy_module "${MODULES_DIR}/mod_proxy.so"`,
      `LoadModule proxy_http_module "${MODULES_DIR}/mod_proxy_http.so"`,
      'RewriteEngine On',
      'RewriteRule ^/api/items$ /data/items.json [PT]',
      `ProxyPass /backend/ ${B}/`,
      ssrConf(app, { extra: `SSRFetchAllow ${B}/` }),
      '<Location /timeout>', '  SSRFetchTimeout 300ms', '</Location>',
      '<Location /maxsize>', '  SSRFetchMaxSize 1K', '</Location>',
      '<Location /max>', '  SSRFetchMax 2', '</Location>',
      '<Location /deadline>', '  SSRTimeout 800ms', '</Location>',
      '<Location /fwd>', '  SSRFetchForwardHeaders Cookie X-Test', '</Location>',
    ].join('\n');
    h = await startHttpd({ docroot: app.docroot, conf });
    if (MPM === 'prefork') await h.waitForChildren(6);
  });
  after(async () => {
    await h?.stop();
    await backend?.close();
  });

  it('fetches a static JSON file by a relative URL', async () => {
    const res = await get(h, '/' + q({ t: 'json', u: 'data/items.json' }));
    assert.equal(res.status, 200, h.explain(res));
    assert.deepEqual(outOf(h, res), { data: { items: ['apple', 'pear', 'plum'] } }, h.explain(res));
  });

  it('goes through mod_rewrite', async () => {
    const res = await get(h, '/' + q({ t: 'json', u: '/api/items' }));
    assert.deepEqual(outOf(h, res).data, { items: ['apple', 'pear', 'plum'] }, h.explain(res));
  });

  it('goes through mod_proxy to a backend', async () => {
    const res = await get(h, '/' + q({ t: 'one', u: '/backend/slow?ms=1' }));
    const out = outOf(h, res);
    assert.equal(out.status, 200, h.explain(res));
    assert.equal(JSON.parse(out.body).slow, 1);
    assert.equal(out.type, 'application/json');
  });

  it('overlaps: three fetches of a 200 ms route take about 200 ms, not 600', async () => {
    backend.resetInflight();
    const res = await get(h, '/' + q({ t: 'many', n: 3, u: '/backend/slow?ms=200' }));
    const out = outOf(h, res);
    assert.equal(out.all.length, 3);
    for (const one of out.all) assert.equal(one.status, 200, h.explain(res));
    assert.equal(backend.maxInflight(), 3, 'the backend saw the three requests at once');
    assert.ok(out.ms < 450, h.explain(res, `three 200 ms fetches took ${out.ms} ms`));
  });

  it('refuses another origin with a TypeError that names SSRFetchAllow', async () => {
    const res = await get(h, '/' + q({ t: 'one', u: 'http://example.invalid/x' }));
    const out = outOf(h, res);
    assert.equal(out.error.name, 'TypeError', h.explain(res));
    assert.ok(out.error.isTypeError);
    assert.match(out.error.message, /http:\/\/example\.invalid.*SSRFetchAllow/);
  });

  it('refuses file: and other schemes', async () => {
    for (const u of ['file:///etc/passwd', 'ftp://127.0.0.1/x']) {
      const out = outOf(h, await get(h, '/' + q({ t: 'one', u })));
      assert.equal(out.error?.name, 'TypeError', JSON.stringify(out));
      assert.match(out.error.message, /scheme/);
    }
  });

  it('reaches an origin SSRFetchAllow allows', async () => {
    const res = await get(h, '/' + q({ t: 'one', u: `${B}/echo`, h: 'yes' }));
    const out = outOf(h, res);
    assert.equal(out.status, 200, h.explain(res));
    assert.equal(JSON.parse(out.body)['x-from-js'], 'yes');
  });

  it('follows a redirect only where the policy allows the target', async () => {
    let out = outOf(h, await get(h, '/' + q({ t: 'one', u: `${B}/redirect?to=/echo` })));
    assert.equal(out.status, 200, JSON.stringify(out));
    assert.equal(out.redirected, true);
    assert.equal(out.url, `${B}/echo`);
    out = outOf(h, await get(h, '/' + q({ t: 'one', u: `${B}/redirect?to=http://example.invalid/` })));
    assert.equal(out.error?.name, 'TypeError', JSON.stringify(out));
    assert.match(out.error.cause, /redirect refused.*SSRFetchAllow/);
    out = outOf(h, await get(h, '/' + q({ t: 'one', u: `${B}/redirect?to=/echo`, redirect: 'manual' })));
    assert.equal(out.status, 302, JSON.stringify(out));
    out = outOf(h, await get(h, '/' + q({ t: 'one', u: `${B}/redirect?to=/echo`, redirect: 'error' })));
    assert.match(out.error?.cause ?? '', /redirect/, JSON.stringify(out));
  });

  it('SSRFetchTimeout fails a slow fetch with a cause that names it', async () => {
    const res = await get(h, '/timeout/x' + q({ t: 'one', u: `${B}/slow?ms=2000` }));
    const out = outOf(h, res);
    assert.equal(out.error?.message, 'fetch failed', h.explain(res));
    assert.match(out.error.cause, /SSRFetchTimeout/);
    assert.ok(out.ms < 1500, `took ${out.ms} ms`);
  });

  it('SSRFetchMaxSize fails a larger response', async () => {
    let out = outOf(h, await get(h, '/maxsize/x' + q({ t: 'one', u: `${B}/big?n=100000` })));
    assert.match(out.error?.cause ?? '', /SSRFetchMaxSize/, JSON.stringify(out));
    out = outOf(h, await get(h, '/maxsize/x' + q({ t: 'one', u: `${B}/big?n=100` })));
    assert.equal(out.body?.length, 100, JSON.stringify(out));
  });

  it('SSRFetchMax caps the fetches of one render', async () => {
    const out = outOf(h, await get(h, '/max/x' + q({ t: 'many', n: 3, u: `${B}/slow?ms=1` })));
    assert.equal(out.all[0].status, 200);
    assert.equal(out.all[1].status, 200);
    assert.equal(out.all[2].error?.name, 'TypeError', JSON.stringify(out));
    assert.match(out.all[2].error.message, /SSRFetchMax/);
  });

  it('an aborted signal rejects the fetch and closes the transfer', async () => {
    const before = backend.seen.length;
    const res = await get(h, '/' + q({ t: 'abort', ms: 100, u: `${B}/hang` }));
    const out = outOf(h, res);
    assert.equal(out.error?.name, 'AbortError', h.explain(res));
    const rec = backend.seen.slice(before).find((r) => r.path === '/hang');
    assert.ok(rec, 'the backend got the request');
    assert.ok(await until(() => rec.abandoned), 'the backend saw its connection closed');
  });

  it('a client that resets mid-fetch closes the backend connection', async () => {
    const before = backend.seen.length;
    const sock = net.connect({ host: HOST, port: h.port });
    sock.on('error', () => {});
    await new Promise((r) => sock.on('connect', r));
    sock.write(`GET /${q({ t: 'hang', u: `${B}/hang` })} HTTP/1.1\r\nHost: ${HOST}\r\n` +
               'Accept: text/html\r\n\r\n');
    assert.ok(await until(() => backend.seen.slice(before).some((r) => r.path === '/hang')),
              'the render started its fetch');
    sock.resetAndDestroy();
    const rec = backend.seen.slice(before).find((r) => r.path === '/hang');
    assert.ok(await until(() => rec.abandoned, 4000), h.explain(null, 'the backend connection stayed open'));
  });

  it('SSRTimeout during a fetch: 504, and the backend connection is closed', async () => {
    const before = backend.seen.length;
    const t0 = Date.now();
    const res = await get(h, '/deadline/x' + q({ t: 'hang', u: `${B}/hang` }));
    assert.equal(res.status, 504, h.explain(res));
    assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms`);
    const rec = backend.seen.slice(before).find((r) => r.path === '/hang');
    assert.ok(rec && await until(() => rec.abandoned), 'the backend connection stayed open');
  });

  it('forwards only the configured client headers to same-origin fetches', async () => {
    const headers = { Cookie: 'sid=42', 'X-Test': 'on', 'Accept-Language': 'fr' };
    let out = outOf(h, await get(h, '/' + q({ t: 'one', u: '/backend/echo' }), { headers }));
    let seen = JSON.parse(out.body);
    assert.equal(seen.cookie, undefined, 'no Cookie by default');
    assert.equal(seen['x-test'], undefined);
    assert.equal(seen['accept-language'], 'fr', 'Accept-Language by default');
    out = outOf(h, await get(h, '/fwd/x' + q({ t: 'one', u: '/backend/echo' }), { headers }));
    seen = JSON.parse(out.body);
    assert.equal(seen.cookie, 'sid=42');
    assert.equal(seen['x-test'], 'on');
    assert.equal(seen['accept-language'], undefined, 'the list replaces the default');
    // never to another origin
    out = outOf(h, await get(h, '/fwd/x' + q({ t: 'one', u: `${B}/echo` }), { headers }));
    assert.equal(JSON.parse(out.body).cookie, undefined);
  });

  it('Headers, Request and Response globals', async () => {
    const out = outOf(h, await get(h, '/' + q({ t: 'globals' })));
    assert.deepEqual(out, { fetch: 'function', a: '1, 2', has: true, status: 201, ok: true, j: { a: 1 }, req: 'POST' });
  });

  it('the heap stays usable after renders that fetched', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await get(h, '/' + q({ t: 'json', u: '/data/items.json' }));
      assert.equal(res.status, 200, h.explain(res));
    }
    assert.ok(!/AH0005[12]|Segmentation/.test(h.errorLog()), h.explain(null, 'a child crashed'));
  });
});

describe(`fetch directives in configtest (${MPM})`, () => {
  for (const [line, why] of [
    ['SSRFetchAllow api.example.com', /SSRFetchAllow api\.example\.com: must be an absolute http\(s\) URL/],
    ['SSRFetchAllow https://a.example/?q=1', /SSRFetchAllow .*without a query/],
    ['SSRFetchAllow file:///etc', /SSRFetchAllow file:\/\/\/etc: .*scheme/],
    ['SSRFetchForwardHeaders Host', /SSRFetchForwardHeaders Host: .*cannot be forwarded/],
    ['SSRFetchMaxSize 0', /SSRFetchMaxSize 0: must be a size/],
    ['SSRFetchMaxSize 2T', /SSRFetchMaxSize 2T: must be a size/],
    ['SSRFetchTimeout soon', /SSRFetchTimeout soon:/],
    ['SSRFetchMax -1', /SSRFetchMax -1:/],
  ]) {
    it(`refuses ${line}`, async () => {
      const r = await configtest(line);
      assert.notEqual(r.code, 0, r.output);
      assert.match(r.output, why);
    });
  }
  it('takes good values', async () => {
    const r = await configtest([
      'SSRFetchAllow https://api.example.com/v1/ http://10.0.0.5:8080', 'SSRFetchAllow none',
      'SSRFetchAllowPrivate On', 'SSRFetchForwardHeaders Cookie Authorization', 'SSRFetchForwardHeaders none',
      'SSRFetchTimeout 750ms', 'SSRFetchMaxSize 512K', 'SSRFetchMax 0',
    ].join('\n'));
    assert.equal(r.code, 0, r.output);
  });
});
