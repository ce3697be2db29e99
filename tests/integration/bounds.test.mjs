// Bounds of a render beyond the deadline and memory cap of limits.test.mjs:
// the deadline also covers making a heap for the request, long native calls
// are stopped near it, deep native recursion on a small ThreadStackSize
// throws instead of crashing the child, and console output is capped.
//
// Servers run one worker (event: one thread; prefork: one child).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MPM, startHttpd, prepareApp, ssrConf, get, sleep, isCompletePage } from './lib/httpd.mjs';

const LOG_LEVEL = 'LogLevel warn ssr:info';
const CRASH = /exit signal|Segmentation fault|AH00052|AH00051/;

function boundsApp() {
  return prepareApp({ client: 'bounds/client', bundle: 'bounds/server/entry-server.js' });
}

async function startBounds(extra, { logLevel = LOG_LEVEL } = {}) {
  const app = boundsApp();
  return startHttpd({
    docroot: app.docroot,
    conf: ssrConf(app, { extra }),
    limits: 'single-worker',
    logLevel,
  });
}

async function timedGet(h, target, opts) {
  const t0 = Date.now();
  const res = await get(h, target, opts);
  return { res, ms: Date.now() - t0 };
}

function assertChildrenSurvived(h, pids) {
  assert.equal(pids.length, 1, `children at start: ${pids}`);
  assert.deepEqual(h.childPids(), pids, h.explain(null, 'httpd children changed'));
  assert.ok(!CRASH.test(h.errorLog()), h.explain(null, 'a child crashed'));
}

describe(`SSRTimeout covers making the heap (${MPM})`, () => {
  let h;
  let pids;

  // A new heap for every request, each evaluating the bundle for 600 ms.
  before(async () => {
    h = await startBounds(['SSRTimeout 1s', 'SSRScope request', 'SSRSetEnv EVAL_MS 600'].join('\n'));
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('evaluation (600 ms) + a quick render fit in SSRTimeout 1s', async () => {
    const res = await get(h, '/');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res));
  });

  it('evaluation (600 ms) + a 600 ms render do not: 504 within the second', async () => {
    const { res, ms } = await timedGet(h, '/busy?ms=600');
    assert.equal(res.status, 504, h.explain(res, `took ${ms} ms`));
    assert.ok(ms < 1800, h.explain(res, `took ${ms} ms for a 1 s deadline`));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});

describe(`a bundle slower to evaluate than SSRTimeout (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    h = await startBounds(['SSRTimeout 1s', 'SSRSetEnv EVAL_MS 1500'].join('\n'));
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('no heap is made past the deadline: 504, logged, and the next request too', async () => {
    let from = h.logMark();
    // The first request also loads (and checks) the build: 1.5 s of that.
    let res = await get(h, '/', { timeout: 20_000 });
    assert.equal(res.status, 504, h.explain(res));
    assert.ok(await h.waitForLog('cannot create a heap', { from }), h.explain(null, 'heap failure not logged'));
    assert.match(h.errorLog(from), /deadline \(SSRTimeout\)/, h.explain(null, 'the log does not say why'));
    from = h.logMark();
    const { res: again, ms } = await timedGet(h, '/');
    assert.equal(again.status, 504, h.explain(again));
    assert.ok(ms < 1400, h.explain(again, `took ${ms} ms for a 1 s deadline`));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});

describe(`long native calls (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    h = await startBounds('SSRTimeout 500ms');
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('a seconds-long indexOf is stopped near SSRTimeout: 504', async () => {
    const { res, ms } = await timedGet(h, '/search', { timeout: 60_000 });
    assert.equal(res.status, 504, h.explain(res));
    assert.ok(ms < 1500, h.explain(res, `took ${ms} ms for a 500 ms deadline`));
    const next = await get(h, '/counter');
    assert.equal(next.status, 200, h.explain(next));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});

// Prefork renders on the child's main thread, whose stack is not set by
// ThreadStackSize.
describe(`deep native recursion with ThreadStackSize 1M (${MPM})`, { skip: MPM === 'prefork' && 'prefork renders on the main thread' }, () => {
  let h;
  let pids;

  before(async () => {
    h = await startBounds('ThreadStackSize 1048576\nSSRTimeout 10s');
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  for (const route of ['groups', 'deep']) {
    it(`/${route} -> 500 with a RangeError in the log; the same child renders again`, async () => {
      const from = h.logMark();
      const res = await get(h, `/${route}`, { timeout: 20_000 });
      assert.equal(res.status, 500, h.explain(res));
      assert.ok(await h.waitForLog('RangeError', { from }), h.explain(null, 'no RangeError logged'));
      const next = await get(h, '/counter');
      assert.equal(next.status, 200, h.explain(next, 'render after the recursion'));
      assert.deepEqual(h.childPids(), pids, h.explain(null, 'httpd child changed'));
    });
  }

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });

  it('1M draws no startup warning about the stack', () => {
    assert.ok(!h.errorLog().includes('AH20003'), h.explain(null));
  });
});

describe(`a small ThreadStackSize is named at startup (${MPM})`, { skip: MPM === 'prefork' && 'prefork has no worker threads' }, () => {
  let h;

  before(async () => {
    h = await startBounds('ThreadStackSize 262144');
  });
  after(() => h?.stop());

  it('warns once that 256K is small for rendering, and still renders', async () => {
    const log = await h.waitForLog('AH20003', { timeoutMs: 3000 });
    assert.ok(log && /ThreadStackSize 262144 is small/.test(log), h.explain(null, 'no AH20003 warning'));
    const res = await get(h, '/counter');
    assert.equal(res.status, 200, h.explain(res));
  });
});

describe(`console output cap (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    // 20k console calls take a few seconds in a sanitized build
    h = await startBounds('SSRTimeout 30s');
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('20k console.error lines (2.3 MB) log at most 64 KB, then one line saying what was dropped', async () => {
    const from = h.logMark();
    const res = await get(h, '/console', { timeout: 40_000 });
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /console-done/, h.explain(res));
    assert.ok(await h.waitForLog('not logged', { from }), h.explain(null, 'no line about dropped output'));
    await sleep(100);
    const log = h.errorLog(from);
    // each error-log line adds its prefix (time, module, pid, client) to
    // the 64 KB of console text
    assert.ok(log.length < 200 * 1024, h.explain(null, `the render logged ${log.length} bytes`));
    assert.match(log, /long-line-x+ \[\.\.\. \d+ bytes cut\]/, h.explain(null, 'the long line was not cut'));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});
