// The heap pool (SSRHeaps, SSRQueueTimeout, SSRScope pool): a process keeps
// at most SSRHeaps heaps per app, requests wait for one first come first
// served, a wait longer than SSRQueueTimeout is answered 503 with
// Retry-After (and logged), a wait ends when its client leaves, heaps of an
// old build are never used once a new build is in service, and
// server-status shows the pool's gauges.
//
// The waiting tests need several worker threads in one process (event,
// worker); under prefork each process has one thread and so never waits.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  MPM, HOST, MODULES_DIR, startHttpd, prepareApp, ssrConf, get, sleep, replaceFile, configtest, fixture,
} from './lib/httpd.mjs';

const THREADED = MPM !== 'prefork';
const LOG_LEVEL = 'LogLevel warn ssr:info';

function poolApp() {
  return prepareApp({ client: 'pool/client', bundle: 'pool/server/entry-server.js' });
}

function statusConf(app, extra) {
  return [
    `LoadModule status_module "${MODULES_DIR}/mod_status.so"`,
    ssrConf(app, { extra }),
    '<Location /server-status>',
    '  SetHandler server-status',
    '</Location>',
  ].join('\n');
}

// The page's build, heap and id (see fixtures/pool/server/entry-server.js).
function pageOf(h, res) {
  assert.equal(res.status, 200, h.explain(res));
  const m = /<main data-build="(\w+)" data-heap="(\w+)" data-renders="(\d+)" data-id="([^"]*)">/.exec(res.text);
  assert.ok(m, h.explain(res, 'not a page of the pool fixture'));
  assert.match(res.text, new RegExp(`<meta name="build" content="${m[1]}">`), h.explain(res));
  return { build: m[1], heap: m[2], renders: Number(m[3]), id: m[4] };
}

async function stats(h) {
  const res = await get(h, '/server-status?auto');
  assert.equal(res.status, 200, h.explain(res));
  const out = {};
  for (const m of res.text.matchAll(/^(SSR\w+): (\d+)\s*$/gm)) out[m[1]] = Number(m[2]);
  for (const k of ['SSRHeapSlots', 'SSRHeaps', 'SSRHeapsBusy', 'SSRHeapWaits', 'SSRShed']) {
    assert.ok(k in out, h.explain(res, `no ${k} line in server-status?auto`));
  }
  return out;
}

async function timed(h, target, t0 = Date.now()) {
  const res = await get(h, target, { timeout: 15_000 });
  return { res, ms: Date.now() - t0, at: Date.now() };
}

// Sends a request and resets the connection after holdMs: a client that
// leaves while its request waits.
function dropAfter(h, target, holdMs) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port: h.port }, () => {
      s.write(`GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\nAccept: text/html\r\n\r\n`);
      setTimeout(() => { s.resetAndDestroy(); resolve(); }, holdMs);
    });
    s.on('error', () => resolve());
  });
}

// Sends `count` requests for /slow, one at a time: a fixed order of
// arrival, each sent once the one before it holds the heap or waits for it
// (a slow server, under a sanitizer say, may take longer than any fixed
// pause to read a request).  Request i has id i.
async function fillLine(h, count, renderMs, t0 = Date.now(), laterMs = renderMs) {
  const pending = [];
  for (let i = 0; i < count; i++) {
    pending.push(timed(h, `/slow?ms=${i === 0 ? renderMs : laterMs}&id=${i}`, t0));
    const until = Date.now() + 5000;
    for (;;) {
      const s = await stats(h);
      if (s.SSRHeapsBusy + s.SSRHeapWaits >= i + 1 || Date.now() > until) break;
      await sleep(20);
    }
  }
  return pending;
}

describe(`heap pool: waiting in line (${MPM})`, { skip: !THREADED && 'one thread per process' }, () => {
  let h;

  before(async () => {
    const app = poolApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: statusConf(app, 'SSRHeaps 1\nSSRQueueTimeout 5s\nSSRTimeout 10s'),
      limits: 'single-process',
      logLevel: LOG_LEVEL,
    });
  });
  after(() => h?.stop());

  it('one heap: requests render one after another, first come first served, in that heap', async () => {
    const RENDER_MS = 600;
    const t0 = Date.now();
    const pending = await fillLine(h, 3, RENDER_MS, t0);
    // 4 worker threads: 1 renders, 2 wait, 1 is free for mod_status.  The
    // first request makes the heap before it renders (slowly under ASan):
    // look once the heap is there, while it renders.
    let during = await stats(h);
    for (const until = Date.now() + 5000; during.SSRHeaps < 1 && Date.now() < until;) {
      await sleep(20);
      during = await stats(h);
    }
    const done = await Promise.all(pending);
    const pages = done.map((d) => pageOf(h, d.res));
    const msg = `timings ${JSON.stringify(done.map((d) => d.ms))}, pages ${JSON.stringify(pages)}, ` +
      `stats ${JSON.stringify(during)}`;
    assert.deepEqual(pages.map((p) => p.id), ['0', '1', '2'], msg);
    assert.equal(new Set(pages.map((p) => p.heap)).size, 1, `more than one heap rendered: ${msg}`);
    // served in the order they came: each finished after the one before it
    for (let i = 1; i < done.length; i++) {
      assert.ok(done[i].at >= done[i - 1].at, `request ${i} overtook request ${i - 1}: ${msg}`);
      assert.ok(pages[i].renders === pages[i - 1].renders + 1, `not rendered in order: ${msg}`);
    }
    // one at a time: the third ends about three renders after the start
    assert.ok(done[2].ms >= 3 * RENDER_MS * 0.9, `renders overlapped: ${msg}`);
    assert.equal(during.SSRHeapSlots, 1, msg);
    assert.equal(during.SSRHeaps, 1, msg);
    assert.equal(during.SSRHeapsBusy, 1, msg);
    assert.equal(during.SSRHeapWaits, 2, msg);
    const after = await stats(h);
    assert.equal(after.SSRHeapWaits, 0, JSON.stringify(after));
    assert.equal(after.SSRHeapsBusy, 0, JSON.stringify(after));
    assert.equal(after.SSRHeaps, 1, JSON.stringify(after));
    assert.equal(after.SSRShed, 0, JSON.stringify(after));
  });

  it('a waiting request whose client leaves stops waiting, and is not rendered', async () => {
    const from = h.logMark();
    const blocker = timed(h, '/slow?ms=1500&id=blocker');
    await sleep(100);
    const t0 = Date.now();
    await dropAfter(h, '/fast?id=gone', 200);
    const log = await h.waitForLog('AH20043', { from, timeoutMs: 3000 });
    const noticedMs = Date.now() - t0;
    assert.ok(log, h.explain(null, 'no AH20043 line for the request whose client left'));
    assert.match(log, /client went away while \/fast\?id=gone waited for a heap/, h.explain(null));
    const b = await blocker;
    pageOf(h, b.res);
    // noticed while the blocker still rendered, long before SSRQueueTimeout 5s
    assert.ok(noticedMs < 1400, h.explain(null, `noticed after ${noticedMs} ms`));
    const s = await stats(h);
    assert.equal(s.SSRHeapWaits, 0, JSON.stringify(s));
    assert.equal(s.SSRShed, 0, JSON.stringify(s));
    pageOf(h, await get(h, '/fast?id=after'));
  });
});

describe(`heap pool: shedding (${MPM})`, { skip: !THREADED && 'one thread per process' }, () => {
  let h;

  before(async () => {
    const app = poolApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: statusConf(app, 'SSRHeaps 1\nSSRQueueTimeout 300ms\nSSRTimeout 10s'),
      limits: 'single-process',
      logLevel: LOG_LEVEL,
    });
  });
  after(() => h?.stop());

  it('a request that waits longer than SSRQueueTimeout gets 503 with Retry-After, and is logged', async () => {
    const from = h.logMark();
    const slow = timed(h, '/slow?ms=1500&id=first');
    // the extra requests go once the first one holds the heap (a slow
    // server, under a sanitizer say, may take longer than a fixed pause to
    // read it, and a later request would then get the heap first)
    const until = Date.now() + 5000;
    while ((await stats(h)).SSRHeapsBusy < 1 && Date.now() < until) await sleep(20);
    const extra = await Promise.all([timed(h, '/fast?id=x1'), timed(h, '/fast?id=x2')]);
    for (const { res, ms } of extra) {
      assert.equal(res.status, 503, h.explain(res, 'expected the request to be shed'));
      assert.match(res.get('retry-after') ?? '', /^\d+$/, h.explain(res, 'no Retry-After'));
      assert.ok(Number(res.get('retry-after')) >= 1, h.explain(res));
      assert.ok(!res.text.includes('data-heap'), h.explain(res, 'a shed request was rendered'));
      // not before the queue timeout
      assert.ok(ms >= 250, h.explain(res, `answered after ${ms} ms`));
    }
    const first = await slow;
    assert.equal(pageOf(h, first.res).id, 'first');
    // and before the render they waited for ended
    for (const { res, at } of extra) {
      assert.ok(at < first.at, h.explain(res, `shed ${first.at - at} ms after the render ended`));
    }
    const log = await h.waitForLog('AH20042', { from });
    assert.ok(log, h.explain(null, 'no AH20042 line for the shed requests'));
    assert.match(log, /no heap free for \/fast after waiting \d+ ms \(1 of 1 heaps rendering/, h.explain(null));
    const s = await stats(h);
    assert.equal(s.SSRShed, 2, JSON.stringify(s));
    assert.equal(s.SSRHeapWaits, 0, JSON.stringify(s));
    assert.equal(s.SSRHeaps, 1, JSON.stringify(s));
    // the pool is free again
    pageOf(h, await get(h, '/fast?id=later'));
  });
});

for (const [name, extra, held, limits] of [
  ['SSRQueueLimit 1: a second waiting request', 'SSRQueueLimit 1', 2, 'single-process'],
  // 8 threads: 6 may be in the pool (1 renders, 5 wait); 2 are kept free
  ['SSRQueueLimit auto: a request that would take the last quarter of the threads', '', 6, 8],
]) {
  describe(`heap pool: a full line (${MPM})`, { skip: !THREADED && 'one thread per process' }, () => {
    let h;

    before(async () => {
      const app = poolApp();
      h = await startHttpd({
        docroot: app.docroot,
        conf: statusConf(app, `SSRHeaps 1\nSSRQueueTimeout 5s\nSSRTimeout 10s\n${extra}`),
        limits,
        logLevel: LOG_LEVEL,
      });
    });
    after(() => h?.stop());

    it(`${name} is answered 503 at once, not after SSRQueueTimeout, and is logged`, async () => {
      const from = h.logMark();
      const pending = await fillLine(h, held, 1500, Date.now(), 50);
      const during = await stats(h);
      assert.equal(during.SSRHeapsBusy + during.SSRHeapWaits, held, JSON.stringify(during));
      const shed = await timed(h, '/fast?id=over');
      assert.equal(shed.res.status, 503, h.explain(shed.res, 'expected the request to be shed'));
      assert.match(shed.res.get('retry-after') ?? '', /^\d+$/, h.explain(shed.res, 'no Retry-After'));
      assert.ok(!shed.res.text.includes('data-heap'), h.explain(shed.res, 'a shed request was rendered'));
      const done = await Promise.all(pending);
      done.forEach((d) => pageOf(h, d.res));
      // at once: before the request holding the heap finished its render
      assert.ok(shed.at < done[0].at, h.explain(shed.res, `shed ${shed.at - done[0].at} ms after the first render ended`));
      const log = await h.waitForLog('AH20046', { from });
      assert.ok(log, h.explain(null, 'no AH20046 line for the shed request'));
      assert.match(log, /no heap free for \/fast and the line is full/, h.explain(null));
      const s = await stats(h);
      assert.equal(s.SSRShed, 1, JSON.stringify(s));
      assert.equal(s.SSRHeapWaits, 0, JSON.stringify(s));
      // the line is open again
      pageOf(h, await get(h, '/fast?id=later'));
    });
  });
}

describe(`heap pool: builds and bounds (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = poolApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: statusConf(app, 'SSRHeaps 2\nSSRQueueTimeout 5s\nSSRReloadInterval 0'),
      limits: 'single-process',
      logLevel: LOG_LEVEL,
    });
  });
  after(() => h?.stop());

  it('never holds more heaps than SSRHeaps, and none of an old build once a new one serves', async () => {
    // warm: as many heaps as the pool allows (threads permitting)
    const warm = await Promise.all([0, 1, 2].map((i) => timed(h, `/slow?ms=300&id=w${i}`)));
    warm.forEach((d) => assert.equal(pageOf(h, d.res).build, 'one'));
    let s = await stats(h);
    assert.equal(s.SSRHeapSlots, 2, JSON.stringify(s));
    assert.ok(s.SSRHeaps >= 1 && s.SSRHeaps <= 2, JSON.stringify(s));

    // build two: the same app, saying it is build two
    replaceFile(app.bundle, String(fixture('pool/server/entry-server.js')).replace("var BUILD = 'one';", "var BUILD = 'two';"));
    const end = Date.now() + 10_000;
    for (;;) {
      const p = pageOf(h, await get(h, '/fast'));
      if (p.build === 'two') break;
      assert.ok(Date.now() < end, h.explain(null, 'build two never loaded'));
      await sleep(100);
    }
    // The old build's idle heap was destroyed as soon as the new build was
    // seen, not kept beside the new one.
    s = await stats(h);
    assert.equal(s.SSRHeaps, 1, `old heaps kept: ${JSON.stringify(s)}`);
    const seen = new Set();
    for (let round = 0; round < 3; round++) {
      const batch = await Promise.all([0, 1, 2].map((i) => timed(h, `/slow?ms=100&id=r${round}-${i}`)));
      for (const d of batch) {
        const p = pageOf(h, d.res);
        assert.equal(p.build, 'two', h.explain(d.res, 'rendered by a heap of the old build'));
        seen.add(p.heap);
      }
    }
    assert.ok(seen.size <= 2, `${seen.size} heaps rendered with SSRHeaps 2`);
    s = await stats(h);
    assert.ok(s.SSRHeaps >= 1 && s.SSRHeaps <= 2, JSON.stringify(s));
    assert.equal(s.SSRHeapsBusy, 0, JSON.stringify(s));
  });
});

describe(`heap pool directives (${MPM})`, () => {
  it('SSRHeaps takes auto or 1..1024, SSRQueueTimeout a duration or 0, SSRScope pool|thread|request', async () => {
    for (const ok of ['SSRHeaps auto', 'SSRHeaps 1', 'SSRHeaps 1024', 'SSRQueueTimeout 0',
      'SSRQueueTimeout 250ms', 'SSRQueueTimeout 3', 'SSRScope pool', 'SSRScope thread', 'SSRScope request']) {
      const r = await configtest(ok);
      assert.equal(r.code, 0, `${ok} refused:\n${r.output}`);
    }
    for (const [bad, why] of [['SSRHeaps 0', /SSRHeaps 0: must be 'auto' or a number of heaps from 1 to 1024/],
      ['SSRHeaps 1025', /SSRHeaps 1025: must be 'auto'/], ['SSRHeaps many', /SSRHeaps many:/],
      ['SSRQueueTimeout banana', /SSRQueueTimeout banana:/], ['SSRScope process', /SSRScope process: must be 'pool', 'request' or 'thread'/]]) {
      const r = await configtest(bad);
      assert.notEqual(r.code, 0, `${bad} accepted`);
      assert.match(r.output, why, r.output);
    }
  });
});
