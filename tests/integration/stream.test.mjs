// Stream results (docs/streaming.md): render() gives a ReadableStream, what
// React's renderToPipeableStream returns, or an object holding a stream.
// The page goes out as the render produces it: the template up to the app
// outlet with the first chunk, each chunk flushed, the rest at the end;
// errors after the first byte keep the status; a timeout or a lost client
// aborts the response without a last chunk.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  MPM, MODULES_DIR, HOST, startHttpd, prepareApp, ssrConf, get, sleep,
} from './lib/httpd.mjs';

// One GET on a raw socket, with the times (ms from sending the request) at
// which the headers, a marker in the body and the connection's end were
// seen, and the chunked framing as it came.
function timedGet(port, target, { marker, timeout = 10_000, dropAfter } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: HOST, port });
    const chunks = [];
    const t = {};
    let t0 = 0;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`timeout: ${target}`)); }, timeout);
    sock.on('connect', () => {
      t0 = performance.now();
      sock.write(`GET ${target} HTTP/1.1\r\nHost: ${HOST}:${port}\r\nAccept: text/html\r\nConnection: close\r\n\r\n`);
    });
    sock.on('data', (c) => {
      chunks.push(c);
      const raw = Buffer.concat(chunks).toString('latin1');
      const now = performance.now() - t0;
      if (t.head === undefined && raw.includes('\r\n\r\n')) t.head = now;
      if (marker && t.marker === undefined && raw.includes(marker)) {
        t.marker = now;
        if (dropAfter) sock.destroy();
      }
    });
    const done = () => {
      clearTimeout(timer);
      t.end = performance.now() - t0;
      const raw = Buffer.concat(chunks);
      const sep = raw.indexOf('\r\n\r\n');
      const headText = sep < 0 ? '' : raw.subarray(0, sep).toString('latin1');
      const lines = headText.split('\r\n');
      const status = Number((/^HTTP\/1\.1 (\d{3})/.exec(lines[0] || '') || [])[1]);
      const headers = {};
      for (const l of lines.slice(1)) {
        const c = l.indexOf(':');
        headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
      }
      // de-chunk; lastChunk: the terminating zero-size chunk was received
      const body = [];
      let i = sep + 4, lastChunk = false, framingOk = true;
      const buf = sep < 0 ? Buffer.alloc(0) : raw;
      if ((headers['transfer-encoding'] || '').includes('chunked')) {
        while (i < buf.length) {
          const eol = buf.indexOf('\r\n', i);
          if (eol < 0) { framingOk = false; break; }
          const size = parseInt(buf.subarray(i, eol).toString('latin1'), 16);
          if (!Number.isFinite(size)) { framingOk = false; break; }
          if (size === 0) { lastChunk = true; break; }
          if (eol + 2 + size + 2 > buf.length) { framingOk = false; break; }
          body.push(buf.subarray(eol + 2, eol + 2 + size));
          i = eol + 2 + size + 2;
        }
      } else if (sep >= 0) {
        body.push(buf.subarray(sep + 4));
      }
      const b = Buffer.concat(body);
      resolve({ status, headers, body: b, text: b.toString('utf8'), t, lastChunk, framingOk });
    };
    sock.on('close', done);
    sock.on('error', () => {});
  });
}

async function counters(h) {
  const res = await get(h, '/server-status?auto');
  assert.equal(res.status, 200, h.explain(res));
  const out = {};
  for (const m of res.text.matchAll(/^(SSR\w+): (\d+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

async function waitForCounter(h, name, atLeast, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const c = await counters(h);
    if (c[name] >= atLeast) return c;
    if (Date.now() > end) assert.fail(`${name} stayed at ${c[name]} (< ${atLeast})\n${h.explain(null)}`);
    await sleep(50);
  }
}

describe(`stream results (${MPM})`, () => {
  let h;

  before(async () => {
    const app = prepareApp({ client: 'stream/client', bundle: 'stream/server/entry-server.js' });
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        `LoadModule status_module "${MODULES_DIR}/mod_status.so"`,
        ssrConf(app),
        'SSRTimeout 1s',
        'ErrorDocument 500 "custom-error"',
        '<Location /server-status>',
        '  SetHandler server-status',
        '</Location>',
      ].join('\n'),
    });
  });
  after(() => h?.stop());

  it('sends the shell before the render ends; the page is complete after all chunks', async () => {
    const res = await timedGet(h.port, '/shell', { marker: 'shell-marker' });
    assert.equal(res.status, 200, h.explain(null));
    assert.match(res.headers['transfer-encoding'] || '', /chunked/);
    assert.equal(res.headers['content-length'], undefined, 'a streamed page has no Content-Length');
    assert.equal(res.headers.etag, undefined, 'a streamed page has no ETag');
    assert.match(res.headers['content-type'], /^text\/html; charset=utf-8/);
    assert.match(res.headers['server-timing'] || '', /^ssr;dur=/);
    assert.ok(res.lastChunk && res.framingOk, 'complete chunked body');
    // the stream waits 200 ms on a timer after its shell
    assert.ok(res.t.end >= 200, `completed after ${res.t.end} ms`);
    assert.ok(res.t.marker !== undefined, 'shell seen');
    assert.ok(res.t.marker < res.t.end - 100,
      `shell at ${res.t.marker.toFixed(1)} ms, end at ${res.t.end.toFixed(1)} ms: the shell must come well before the end`);
    assert.match(res.text, /<title>stream fixture<\/title>\n {4}<!--app-head-->\n/,
      'a stream without head leaves the head placeholder as the standard streaming servers do');
    assert.match(res.text, /<div id="app"><main>shell-marker<\/main><section>rest-marker<\/section><\/div>\n/);
    assert.match(res.text, /<\/html>\n$/);
  });

  it('an object result: head, status and headers with html as a stream', async () => {
    const res = await timedGet(h.port, '/object');
    assert.equal(res.status, 203);
    assert.equal(res.headers['x-stream-case'], 'object');
    assert.match(res.text, /<meta name="x-streamed" content="yes">\n {2}<\/head>/);
    assert.ok(!res.text.includes('<!--app-head-->'));
    assert.match(res.text, /shell-marker<\/main><section>rest-marker/);
    assert.ok(res.lastChunk);
  });

  it('{ stream } as the standard Vue streaming entry returns', async () => {
    const res = await timedGet(h.port, '/vue-like');
    assert.equal(res.status, 200);
    assert.match(res.text, /<div id="app"><main>shell-marker<\/main><section>rest-marker<\/section><\/div>/);
  });

  it('a pipeable stream ({ pipe, abort }) writes through a Node Writable', async () => {
    const res = await timedGet(h.port, '/pipe', { marker: 'pipe-shell' });
    assert.equal(res.status, 200);
    assert.match(res.text, /<div id="app"><main>pipe-shell<\/main><section>pipe-rest<\/section><\/div>/);
    assert.ok(res.t.end >= 200 && res.t.marker < res.t.end - 100, JSON.stringify(res.t));
    assert.ok(res.lastChunk);
  });

  it('Uint8Array chunks are sent as bytes, a character split across chunks included', async () => {
    const res = await timedGet(h.port, '/bytes');
    assert.equal(res.status, 200);
    assert.ok(res.body.includes(Buffer.from('<div id="app">caf\u00e9 \u{1F600}</div>', 'utf8')), res.text);
  });

  it('an error before the first chunk keeps the error path (500, ErrorDocument)', async () => {
    for (const path of ['/error-before', '/destroy-before']) {
      const res = await get(h, path);
      assert.equal(res.status, 500, h.explain(res));
      assert.equal(res.text.trim(), 'custom-error', h.explain(res));
    }
  });

  it('an error after the first byte: status kept, page ended with the template, logged and counted', async () => {
    const before = await counters(h);
    const mark = h.logMark();
    const res = await timedGet(h.port, '/error-after');
    assert.equal(res.status, 200);
    assert.ok(res.lastChunk && res.framingOk);
    assert.match(res.text, /<main>before-error<\/main><\/div>\n {4}<script type="module"/);
    assert.ok(!res.text.includes('stream-broke-secret'), 'no error text in the page');
    assert.ok(await h.waitForLog('AH20142', { from: mark }), h.explain(null, 'no AH20142'));
    const c = await waitForCounter(h, 'SSRStreamErrors', before.SSRStreamErrors + 1);
    assert.ok(c.SSRStreamed >= before.SSRStreamed + 1);
  });

  it('SSRTimeout mid-stream aborts the response: no last chunk, framing intact, logged', async () => {
    const before = await counters(h);
    const mark = h.logMark();
    const res = await timedGet(h.port, '/endless', { marker: 'endless-shell' });
    assert.equal(res.status, 200);
    assert.ok(res.t.marker < 900, `shell at ${res.t.marker} ms`);
    assert.ok(res.framingOk, 'no chunk cut in the middle');
    assert.ok(!res.lastChunk, 'a cut page must not end like a complete one');
    assert.match(res.text, /<main>endless-shell<\/main><i>0<\/i>/);
    assert.ok(!res.text.includes('</html>'));
    assert.ok(await h.waitForLog('AH20144', { from: mark }), h.explain(null, 'no AH20144'));
    const c = await waitForCounter(h, 'SSRTimeouts', before.SSRTimeouts + 1);
    assert.ok(c.SSRStreamErrors >= before.SSRStreamErrors + 1);
  });

  it('a client that leaves mid-stream ends the render', async () => {
    const before = await counters(h);
    const mark = h.logMark();
    await timedGet(h.port, '/endless', { marker: 'endless-shell', dropAfter: true });
    assert.ok(await h.waitForLog('AH20143', { from: mark }), h.explain(null, 'no AH20143'));
    await waitForCounter(h, 'SSRAborted', before.SSRAborted + 1);
    // the server still answers
    const res = await get(h, '/plain');
    assert.match(res.text, /plain-marker/);
  });

  it('a redirect with a stream is answered as a redirect', async () => {
    const res = await get(h, '/redirect');
    assert.equal(res.status, 302, h.explain(res));
    assert.match(res.get('location'), /\/elsewhere$/);
  });

  it('a stream that ends without a chunk is an ordinary page', async () => {
    const res = await get(h, '/empty');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(res.has('content-length') && res.has('etag'), h.explain(res));
    assert.match(res.text, /<div id="app"><\/div>/);
  });
});

// The real thing: react-dom's renderToPipeableStream, built by the plugin
// (fixtures/stream-react, see its README).
describe(`stream results: React renderToPipeableStream (${MPM})`, () => {
  let h;

  before(async () => {
    const app = prepareApp({ client: 'stream-react/client', bundle: 'stream-react/server/entry-server.js' });
    h = await startHttpd({ docroot: app.docroot, conf: ssrConf(app) });
  });
  after(() => h?.stop());

  it('the shell goes out before the <Suspense> boundary resolves (time to first byte = the shell)', async () => {
    // the first render also makes the heap: time a second one
    await timedGet(h.port, '/');
    const res = await timedGet(h.port, '/', { marker: 'loading-marker' });
    assert.equal(res.status, 200, h.explain(null));
    assert.ok(res.lastChunk && res.framingOk);
    assert.match(res.text, /<main><h1>shell-marker<\/h1><!--\$\?--><template id="B:0"><\/template><p>loading-marker<\/p>/);
    assert.match(res.text, /<div hidden id="S:0"><p class="late">late-marker<\/p><\/div>/);
    assert.match(res.text, /\$RC\("B:0","S:0"\)<\/script><\/div>\n  <\/body>\n<\/html>\n$/);
    assert.ok(res.t.end >= 200, `completed after ${res.t.end} ms`);
    assert.ok(res.t.marker < res.t.end - 100,
      `shell at ${res.t.marker.toFixed(1)} ms, end at ${res.t.end.toFixed(1)} ms`);
    console.log(`# React stream: shell after ${res.t.marker.toFixed(1)} ms, page after ${res.t.end.toFixed(1)} ms`);
  });

  it("an error in a boundary after the shell: React's onError logs it, its client-render fallback ends the page", async () => {
    const mark = h.logMark();
    const res = await timedGet(h.port, '/?boom');
    assert.equal(res.status, 200);
    assert.ok(res.lastChunk && res.framingOk);
    assert.match(res.text, /\$RX\("B:0"\)<\/script><\/div>\n  <\/body>\n<\/html>\n$/);
    assert.ok(!res.text.includes('boundary-error-secret'), 'no error text in the page');
    assert.ok(await h.waitForLog('boundary-error-secret', { from: mark }), h.explain(null, 'the error is not in the log'));
  });
});
