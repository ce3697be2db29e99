// The httpd children survive failing renders: a throw, a deadline (busy loop
// and pending timer) and the memory cap discard the heap, not the process.
// SPEC 3, 6 (SSRTimeout, SSRMemoryLimit).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MPM, startHttpd, prepareApp, ssrConf, get, isCompletePage,
} from './lib/httpd.mjs';

const CRASH = /exit signal|Segmentation fault|AH00052|AH00051/;

describe(`child processes survive failing renders (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    const app = prepareApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: ssrConf(app, { extra: 'SSRTimeout 300ms\nSSRMemoryLimit 32M' }),
    });
    pids = await h.waitForChildren();
    // one good render first, so heaps exist before things go wrong
    const res = await get(h, '/about');
    assert.equal(res.status, 200, h.explain(res));
  });
  after(() => h?.stop());

  async function assertHealthy() {
    for (let i = 0; i < 4; i++) {
      const res = await get(h, '/about');
      assert.equal(res.status, 200, h.explain(res, 'render after a failure'));
      assert.ok(isCompletePage(res.text), h.explain(res));
      assert.match(res.text, /about-page-marker/);
    }
    assert.deepEqual(h.childPids(), pids, h.explain(null, 'httpd children changed'));
    assert.ok(!CRASH.test(h.errorLog()), h.explain(null, 'a child crashed'));
  }

  it(`has ${MPM !== 'prefork' ? 1 : 2} child process(es)`, () => {
    assert.equal(pids.length, h.expectedChildren, `children: ${pids}`);
  });

  it('renders again after a throwing render, in the same processes', async () => {
    const res = await get(h, '/throw');
    assert.equal(res.status, 500, h.explain(res));
    await assertHealthy();
  });

  it('answers 504 for a busy loop past SSRTimeout, then renders again', async () => {
    const t0 = Date.now();
    const res = await get(h, '/spin');
    const ms = Date.now() - t0;
    assert.equal(res.status, 504, h.explain(res));
    assert.ok(ms < 3000, `took ${ms} ms for a 300 ms deadline`);
    await assertHealthy();
  });

  it('answers 504 for a render waiting on a far timer past SSRTimeout, then renders again', async () => {
    const t0 = Date.now();
    const res = await get(h, '/sleep');
    const ms = Date.now() - t0;
    assert.equal(res.status, 504, h.explain(res));
    assert.ok(ms < 3000, `took ${ms} ms for a 300 ms deadline`);
    await assertHealthy();
  });

  it('answers a 5xx error when the heap hits SSRMemoryLimit, then renders again', async () => {
    const res = await get(h, '/hog', { timeout: 20_000 });
    assert.ok(res.status >= 500 && res.status < 600, h.explain(res));
    assert.ok(!res.text.includes('hog'), h.explain(res, 'JS detail leaked'));
    await assertHealthy();
  });

  it('survives a client that disconnects during a render', async () => {
    const net = await import('node:net');
    await new Promise((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: h.port }, () => {
        s.write(`GET /sleep HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAccept: text/html\r\n\r\n`);
        setTimeout(() => { s.destroy(); resolve(); }, 50);
      });
      s.on('error', () => resolve());
    });
    await assertHealthy();
  });
});
