// The request boundary: what render() receives (the client's raw URL, also
// after internal redirects; only valid text; own properties only), and what
// the client receives (UTF-8 header values, ErrorDocument statuses, status
// lines httpd has no phrase for, half-closed clients, disconnects that stop
// synchronous JavaScript).  SPEC 3 and 5.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  MPM, HOST, MODULES_DIR, FIXTURES, startHttpd, prepareApp, get, head, request, sleep,
  assertRendered, unescapeHtml,
} from './lib/httpd.mjs';

function boundaryApp() {
  const app = prepareApp();
  fs.copyFileSync(path.join(FIXTURES, 'boundary/server/entry-server.js'), app.bundle);
  fs.utimesSync(app.bundle, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  return app;
}

// The JSON the echo route rendered.
function echoOf(h, res) {
  assertRendered(h, res, { status: res.status });
  const m = /<pre id="echo">([\s\S]*?)<\/pre>/.exec(res.text);
  assert.ok(m, h.explain(res, 'no echo in the page'));
  return JSON.parse(unescapeHtml(m[1]));
}

function headerValue(info, name) {
  const e = info.headers.find(([k]) => k === name);
  return e ? { type: e[1], value: e[2] } : undefined;
}

describe(`what render() receives (${MPM})`, () => {
  let h;

  before(async () => {
    const app = boundaryApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        'SSREngine On',
        `SSRBundle "${app.bundle}"`,
        'SSRSetEnv __proto__ polluted',
        'SSRSetEnv GREETING hello',
      ].join('\n'),
    });
  });
  after(() => h?.stop());

  it('gets the URL as the client sent it: percent-encoding intact', async () => {
    const res = await get(h, '/caf%C3%A9?q=a%20b');
    const info = echoOf(h, res);
    assert.equal(info.url, 'caf%C3%A9?q=a%20b', h.explain(res));
    assert.equal(info.contextUrl, '/caf%C3%A9?q=a%20b', 'context.url keeps the base');
    assert.equal(info.path, '/caf\u00e9', 'context.path is the decoded path');
    assert.equal(info.query, 'q=a%20b', 'context.query stays encoded');
  });

  it('an encoded "?" stays in the path, not a query', async () => {
    const info = echoOf(h, await get(h, '/ctx%3Finjected=1'));
    assert.equal(info.url, 'ctx%3Finjected=1');
    assert.equal(info.query, '');
    assert.equal(info.path, '/ctx?injected=1');
  });

  it('a URL that decodes to invalid UTF-8 arrives as a string, never a Symbol', async () => {
    const info = echoOf(h, await get(h, '/%80abc'));
    assert.equal(info.urlType, 'string');
    assert.equal(info.url, '%80abc');
    assert.equal(info.pathType, 'string');
    assert.equal(info.path, '/\ufffdabc', 'invalid UTF-8 in the decoded path becomes U+FFFD');
  });

  it('keeps a non-BMP character in the path as one surrogate pair', async () => {
    const info = echoOf(h, await get(h, '/%F0%9F%98%80'));
    assert.equal(info.path, '/\u{1F600}');
    assert.equal(info.url, '%F0%9F%98%80');
  });

  it('header bytes that are not UTF-8 become U+FFFD, not a Symbol', async () => {
    const res = await request(h.port, '/hdr', {
      headers: { 'X-Bin': '\xff', 'X-Mixed': 'a\xe9b\xc3\xa9c' },
      encoding: 'latin1',
    });
    const info = echoOf(h, res);
    assert.deepEqual(headerValue(info, 'x-bin'), { type: 'string', value: '\ufffd' });
    assert.deepEqual(headerValue(info, 'x-mixed'), { type: 'string', value: 'a\ufffdb\u00e9c' });
  });

  it('a header named __proto__ is an own property and leaves the prototype alone', async () => {
    const info = echoOf(h, await get(h, '/proto', { headers: { ['__proto__']: 'yes' } }));
    assert.deepEqual(headerValue(info, '__proto__'), { type: 'string', value: 'yes' },
      JSON.stringify(info.headers));
    assert.equal(info.headersProtoIsObject, true);
    assert.equal(info.objectProtoClean, true);
  });

  it('SSRSetEnv __proto__ is an own property of process.env', async () => {
    const info = echoOf(h, await get(h, '/env'));
    const env = Object.fromEntries(info.env.map(([k, t, v]) => [k, [t, v]]));
    assert.deepEqual(env.__proto__, ['string', 'polluted'], JSON.stringify(info.env));
    assert.deepEqual(env.GREETING, ['string', 'hello']);
    assert.equal(info.envProtoIsObject, true);
  });
});

describe(`internal redirects keep the client's URL (${MPM})`, () => {
  let h;

  before(async () => {
    const app = boundaryApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        `LoadModule rewrite_module "${MODULES_DIR}/mod_rewrite.so"`,
        'SSREngine On',
        `SSRBundle "${app.bundle}"`,
        // The everyday SPA rule, in a <Directory>: every missing file is
        // rewritten (an internal redirect) to the template.
        `<Directory "${app.docroot}">`,
        '  RewriteEngine On',
        '  RewriteCond %{REQUEST_FILENAME} !-f',
        '  RewriteRule ^ /index.html [L]',
        '</Directory>',
        `<Directory "${app.docroot}/sub">`,
        '  RewriteEngine Off',
        '  FallbackResource /index.html',
        '</Directory>',
      ].join('\n'),
    });
    fs.mkdirSync(path.join(app.docroot, 'sub'), { mode: 0o755 });
  });
  after(() => h?.stop());

  it('mod_rewrite to /index.html renders the URL the client asked for', async () => {
    const res = await get(h, '/deep/page?x=%20y');
    assert.equal(res.status, 200, h.explain(res));
    const info = echoOf(h, res);
    assert.equal(info.url, 'deep/page?x=%20y', h.explain(res));
    assert.equal(info.path, '/deep/page');
  });

  it('FallbackResource renders the URL the client asked for', async () => {
    const res = await get(h, '/sub/missing%20page');
    assert.equal(res.status, 200, h.explain(res));
    assert.equal(echoOf(h, res).url, 'sub/missing%20page', h.explain(res));
  });

  it('/ is still rendered as "" (the directory index)', async () => {
    const info = echoOf(h, await get(h, '/'));
    assert.equal(info.url, '');
  });
});

describe(`ErrorDocument keeps its status (${MPM})`, () => {
  let h;

  before(async () => {
    const app = boundaryApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        'SSREngine On',
        `SSRBundle "${app.bundle}"`,
        'ErrorDocument 404 /index.html',
        'ErrorDocument 403 /index.html',
        'ErrorDocument 500 /index.html',
        'ErrorDocument 503 /index.html',
        '<Location /secret>',
        '  Require all denied',
        '</Location>',
        // an app with no build at all answers 503
        '<Location /down/>',
        `  SSRBundle "${app.dir}/server/missing.js"`,
        '</Location>',
        `<Directory "${app.docroot}/broken">`,
        '  Options None',
        '  AllowOverride All',
        '</Directory>',
      ].join('\n'),
    });
    // a .htaccess with an unknown directive: httpd answers 500 for it
    fs.mkdirSync(path.join(app.docroot, 'broken'), { mode: 0o755 });
    fs.writeFileSync(path.join(app.docroot, 'broken', '.htaccess'), 'NoSuchDirective on\n');
    fs.chmodSync(path.join(app.docroot, 'broken', '.htaccess'), 0o644);
  });
  after(() => h?.stop());

  it('a missing asset answers 404 with the app page for its URL', async () => {
    const res = await get(h, '/assets/missing.js', { headers: { Accept: '*/*' } });
    assert.equal(res.status, 404, h.explain(res));
    assert.equal(res.statusLine, 'HTTP/1.1 404 Not Found');
    const info = echoOf(h, res);
    assert.equal(info.url, 'assets/missing.js', h.explain(res));
    assert.ok(!res.has('etag'), h.explain(res, 'an error page has no ETag'));
  });

  it('HEAD of a missing asset answers 404 too', async () => {
    const res = await head(h, '/assets/missing.css');
    assert.equal(res.status, 404, h.explain(res));
  });

  it('403 keeps its status, rendered for the denied URL', async () => {
    const res = await get(h, '/secret/x?y=1');
    assert.equal(res.status, 403, h.explain(res));
    assert.equal(echoOf(h, res).url, 'secret/x?y=1');
  });

  it('500 keeps its status', async () => {
    const res = await get(h, '/broken/page');
    assert.equal(res.status, 500, h.explain(res));
    assert.equal(echoOf(h, res).url, 'broken/page');
  });

  it('503 keeps its status', async () => {
    const res = await get(h, '/down/page');
    assert.equal(res.status, 503, h.explain(res));
    assert.equal(echoOf(h, res).url, 'down/page');
  });

  it('a status the app chooses in an error document wins', async () => {
    // a missing asset: the 404 error document renders, and the app says 410
    const res = await get(h, '/status/410.png');
    assert.equal(res.status, 410, h.explain(res));
    assert.match(res.text, /status 410/, h.explain(res));
  });
});

describe(`statuses and headers sent to the client (${MPM})`, () => {
  let h;

  before(async () => {
    const app = boundaryApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: ['SSREngine On', `SSRBundle "${app.bundle}"`].join('\n'),
    });
  });
  after(() => h?.stop());

  for (const [code, line] of [
    [418, "418 I'm a Teapot"],
    [451, '451 Unavailable For Legal Reasons'],
    [425, '425 Too Early'],
    [429, '429 Too Many Requests'],
    [599, '599 Unknown'],
    [299, '299 Unknown'],
  ]) {
    it(`status ${code} goes out as "${line}"`, async () => {
      const res = await get(h, `/status/${code}`);
      assert.equal(res.statusLine, `HTTP/1.1 ${line}`, h.explain(res));
      assert.match(res.text, new RegExp(`status ${code}`), h.explain(res));
    });
  }

  it('a 1xx status goes out as the answer without content, and the connection closes', async () => {
    const res = await request(h.port, '/status/103', { headers: { Connection: 'keep-alive' }, timeout: 5000 });
    assert.equal(res.statusLine, 'HTTP/1.1 103 Early Hints', h.explain(res));
    assert.equal(res.body.length, 0, h.explain(res));
    assert.ok(!res.has('content-length'), h.explain(res, 'a 1xx has no content length'));
    assert.match(res.get('connection') ?? '', /close/i, h.explain(res));
  });

  it('a header value outside the BMP leaves as UTF-8, a lone surrogate as U+FFFD', async () => {
    const res = await get(h, '/emoji-header');
    assert.equal(res.status, 200, h.explain(res));
    const raw = Buffer.from(res.get('x-emoji') ?? '', 'latin1');
    assert.equal(raw.toString('hex'), Buffer.from('smile \u{1F600} snow \u2603 lone \ufffd.').toString('hex'));
  });
});

describe(`clients that half-close or disconnect (${MPM})`, () => {
  let h;

  before(async () => {
    const app = boundaryApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: ['SSREngine On', `SSRBundle "${app.bundle}"`, 'SSRTimeout 10s'].join('\n'),
      limits: 'single-worker',
      logLevel: 'LogLevel warn ssr:info',
    });
  });
  after(() => h?.stop());

  it('a client that half-closes after its request still gets the page', async () => {
    const res = await request(h.port, '/slow?half', { halfClose: true });
    assert.equal(res.status, 200, h.explain(res));
    assert.equal(echoOf(h, res).url, 'slow?half');
    assert.ok(res.complete, h.explain(res, 'incomplete body'));
  });

  it('a client that resets its connection stops a synchronous loop within ~100 ms', async () => {
    const from = h.logMark();
    const sock = net.connect({ host: HOST, port: h.port });
    await new Promise((resolve) => sock.on('connect', resolve));
    sock.write(`GET /spin HTTP/1.1\r\nHost: ${HOST}\r\nAccept: text/html\r\n\r\n`);
    assert.ok(await h.waitForLog('spin-started', { from, timeoutMs: 3000 }), h.explain(null, 'the loop never started'));
    await sleep(200);
    const t0 = Date.now();
    sock.resetAndDestroy();
    const log = await h.waitForLog('aborted: the client went away', { from, timeoutMs: 3000 });
    const ms = Date.now() - t0;
    assert.ok(log, h.explain(null, 'the loop was not stopped by the disconnect'));
    assert.ok(ms < 1000, `stopped ${ms} ms after the reset`);
    // the only worker is free again: not held for the 10 s deadline
    const t1 = Date.now();
    const res = await get(h, '/after-spin');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(Date.now() - t1 < 2000, h.explain(res, `next render waited ${Date.now() - t1} ms`));
  });
});

describe(`the raw template is never sent (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = boundaryApp();
    // The template named through another path: SSRTemplate with "..", and
    // the DocumentRoot's index.html a symlink to it.
    const real = path.join(app.dir, 'tpl');
    fs.mkdirSync(real, { mode: 0o755 });
    fs.renameSync(app.template, path.join(real, 'index.html'));
    fs.symlinkSync(path.join(real, 'index.html'), app.template);
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        'SSREngine On',
        `SSRBundle "${app.bundle}"`,
        `SSRTemplate "${app.dir}/client/../tpl/index.html"`,
        `<Directory "${app.dir}">`,
        '  Options FollowSymLinks',
        '</Directory>',
      ].join('\n'),
    });
  });
  after(() => h?.stop());

  for (const target of ['/', '/index.html']) {
    it(`GET ${target} renders the template reached through another path`, async () => {
      const res = await get(h, target);
      assert.equal(res.status, 200, h.explain(res));
      assert.equal(echoOf(h, res).url, target.slice(1));
    });

    it(`POST ${target} is 405, not the raw template`, async () => {
      const res = await request(h.port, target, { method: 'POST', body: 'a=1' });
      assert.equal(res.status, 405, h.explain(res));
      assert.ok(!res.text.includes('<!--app-'), h.explain(res, 'raw template sent'));
      assert.match(res.get('allow') ?? '', /GET/, h.explain(res));
    });
  }

  it('POST to a missing page is not rendered and does not leak the template', async () => {
    const res = await request(h.port, '/about', { method: 'POST', body: 'a=1' });
    assert.ok(!res.text.includes('<!--app-'), h.explain(res, 'raw template sent'));
    assert.ok(!res.has('server-timing'), h.explain(res, 'rendered a POST'));
  });
});
