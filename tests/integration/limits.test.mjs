// Limits and failures: the render deadline (busy loops, endless timers and
// microtasks, context.signal at the deadline), the memory cap, throws and
// rejections, promises that can never settle, heaps discarded after any
// failure, SSRMaxRenders, SSRFallback csr, clients that go away during or
// before a render, the mod_status counters, and rate-limited failure logging.
// The httpd child survives all of it.  SPEC 2, 3, 5, 6.
//
// Servers run one worker (event: one thread; prefork: one child), so that
// consecutive requests share a heap and "count=" shows whether it was reused.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  MPM, HOST, MODULES_DIR, startHttpd, prepareApp, ssrConf, get, sleep, isCompletePage, countOf,
} from './lib/httpd.mjs';

const LOG_LEVEL = 'LogLevel warn ssr:info';
const CRASH = /exit signal|Segmentation fault|AH00052|AH00051/;
// The module's line for a render stopped at its deadline.
const timeoutLine = (route) => new RegExp(`render of /${route}\\b[^\\n]*(deadline|SSRTimeout|timed out)`, 'i');
// A Duktape stack line in the log: "    at render (/path/server/entry-server.js:12)".
const STACK_LINE = /\bat\b[^\n]*entry-server\.js:\d+/;

function limitsApp() {
  return prepareApp({ client: 'limits/client', bundle: 'limits/server/entry-server.js' });
}

async function startLimits(app, extra) {
  return startHttpd({
    docroot: app.docroot,
    conf: ssrConf(app, { extra }),
    limits: 'single-worker',
    logLevel: LOG_LEVEL,
  });
}

// The n of "count=n" on a page of the counter route.
function countIn(h, res) {
  assert.equal(res.status, 200, h.explain(res, 'counter did not render'));
  const m = /count=(\d+)/.exec(res.text);
  assert.ok(m, h.explain(res, 'no count= on the page'));
  return Number(m[1]);
}

async function timedGet(h, target, opts) {
  const t0 = Date.now();
  const res = await get(h, target, opts);
  return { res, ms: Date.now() - t0 };
}

async function waitForLogMatch(h, re, { from = 0, timeoutMs = 5000 } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = h.errorLog(from);
    if (re.test(text)) return text;
    if (Date.now() > end) return null;
    await sleep(50);
  }
}

function assertNoLeak(h, res) {
  for (const s of ['limits-boom-secret', 'limits-rejected-secret', 'entry-server', 'at render', 'Error:']) {
    assert.ok(!res.text.includes(s), h.explain(res, `response leaks ${JSON.stringify(s)}`));
  }
}

// A client that sends a request and goes away holdMs later, without reading
// the answer: it resets the connection, as a closed tab or a killed client
// does.  (A plain FIN is a half-close, after which a client may still read
// the page: that does not cancel a render; see boundary.test.mjs.)
function dropAfter(h, target, holdMs) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port: h.port }, () => {
      s.write(`GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\nAccept: text/html\r\n\r\n`);
      setTimeout(() => { s.resetAndDestroy(); resolve(); }, holdMs);
    });
    s.on('error', () => resolve());
  });
}

// A client that sends a request and resets the connection as soon as the
// request is out: gone before the server gets to render.
function sendAndClose(h, target) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port: h.port }, () => {
      s.write(`GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\nAccept: text/html\r\n\r\n`, () => {
        s.resetAndDestroy();
        resolve();
      });
    });
    s.on('error', () => resolve());
  });
}

// Sends /marker?id=<unique> from clients that reset at once, up to 3 times,
// until the module skips one.  The only worker is kept busy meanwhile by a
// request that waits (and is then dropped), so the marker request waits in
// the queue until its reset has arrived: otherwise the server could read it
// and start the render before the reset, a race a retry alone does not
// win often enough on a loaded machine.
// Every attempt that was skipped must not have run any JavaScript.
// -> { skipped: number of skipped attempts, attempts: [{ id, skipped, ran }] }
async function preAborted(h, tag) {
  const attempts = [];
  for (let i = 0; i < 3; i++) {
    const id = `${tag}-${process.pid}-${Date.now()}-${i}`;
    const from = h.logMark();
    const blocker = dropAfter(h, '/wait-signal', 500);
    await sleep(150);
    await sendAndClose(h, `/marker?id=${id}`);
    await blocker;
    await sleep(1000);
    const log = h.errorLog(from);
    const a = { id, skipped: /client went away before the render/.test(log), ran: log.includes(`ran-js-marker-${id}`) };
    attempts.push(a);
    if (a.skipped) {
      assert.ok(!a.ran, h.explain(null, `skipped request ${id} ran JavaScript`));
      break;
    }
  }
  return { skipped: attempts.filter((a) => a.skipped).length, attempts };
}

function assertChildrenSurvived(h, pids) {
  assert.equal(pids.length, 1, `children at start: ${pids}`);
  assert.deepEqual(h.childPids(), pids, h.explain(null, 'httpd children changed'));
  assert.ok(!CRASH.test(h.errorLog()), h.explain(null, 'a child crashed'));
}

// Failure lines are rate limited (a burst of 10 per app and window, see the
// last suite), so no server here logs more than a few failures: each suite
// can then assert on every one of its failure lines.

describe(`the render deadline (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    h = await startLimits(limitsApp(), 'SSRTimeout 300ms');
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  for (const route of ['loop', 'timers', 'microtasks']) {
    it(`/${route} answers 504 at SSRTimeout; the worker renders again`, async () => {
      const from = h.logMark();
      const { res, ms } = await timedGet(h, `/${route}`);
      assert.equal(res.status, 504, h.explain(res));
      assert.ok(ms < 2000, h.explain(res, `took ${ms} ms for a 300 ms deadline`));
      assert.ok(await waitForLogMatch(h, timeoutLine(route), { from }),
        h.explain(null, `no timeout line for /${route}`));
      const next = await get(h, '/counter');
      assert.equal(next.status, 200, h.explain(next, 'render after the timeout'));
      assert.ok(isCompletePage(next.text), h.explain(next));
    });
  }

  it('aborts context.signal with a TimeoutError at the deadline', async () => {
    const from = h.logMark();
    const { res, ms } = await timedGet(h, '/wait-deadline');
    assert.equal(res.status, 504, h.explain(res));
    assert.ok(ms < 2000, h.explain(res, `took ${ms} ms for a 300 ms deadline`));
    assert.ok(await h.waitForLog('signal-aborted:TimeoutError', { from }),
      h.explain(null, 'the abort listener did not run (or not with a TimeoutError)'));
  });

  it('discards the heap after a timeout', async () => {
    const first = countIn(h, await get(h, '/counter'));
    assert.equal(countIn(h, await get(h, '/counter')), first + 1, 'heap not reused between good renders');
    const from = h.logMark();
    const res = await get(h, '/loop');
    assert.equal(res.status, 504, h.explain(res));
    assert.ok(await waitForLogMatch(h, timeoutLine('loop'), { from }), h.explain(null, 'no timeout line for /loop'));
    assert.equal(countIn(h, await get(h, '/counter')), 1, h.explain(null, 'heap reused after a timeout'));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});

describe(`failed renders and the memory cap (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    h = await startLimits(limitsApp(), [
      'SSRTimeout 300ms',
      'SSRMemoryLimit 16M',
      // shows that an unsettled promise fails at once, not at the deadline
      '<Location /never>',
      '  SSRTimeout 2s',
      '</Location>',
      // the memory cap, not the deadline, stops /alloc, in slow builds too
      '<Location /alloc>',
      '  SSRTimeout 5s',
      '</Location>',
    ].join('\n'));
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('a thrown error -> 500; the log has the message and a stack line, the body neither', async () => {
    const from = h.logMark();
    const res = await get(h, '/throw');
    assert.equal(res.status, 500, h.explain(res));
    assertNoLeak(h, res);
    const log = await h.waitForLog('limits-boom-secret', { from });
    assert.ok(log, h.explain(null, 'error message not logged'));
    assert.match(log, /render of \/throw failed/, h.explain(null, 'no "render of /throw failed" line'));
    assert.match(log, STACK_LINE, h.explain(null, 'no stack line in the log'));
  });

  it('a rejected promise -> 500; the log has the message and a stack line, the body neither', async () => {
    const from = h.logMark();
    const res = await get(h, '/reject');
    assert.equal(res.status, 500, h.explain(res));
    assertNoLeak(h, res);
    const log = await h.waitForLog('limits-rejected-secret', { from });
    assert.ok(log, h.explain(null, 'rejection message not logged'));
    assert.match(log, /render of \/reject failed/, h.explain(null, 'no "render of /reject failed" line'));
    assert.match(log, STACK_LINE, h.explain(null, 'no stack line in the log'));
  });

  it('a promise that can never settle -> 500 at once, not at the deadline (2s)', async () => {
    const from = h.logMark();
    const { res, ms } = await timedGet(h, '/never');
    assert.equal(res.status, 500, h.explain(res));
    assert.ok(ms < 250, h.explain(res, `took ${ms} ms: waited for the deadline?`));
    assert.ok(await h.waitForLog('never settled', { from }), h.explain(null, 'no "never settled" in the log'));
  });

  it('reuses the heap, and discards it after a throw', async () => {
    const first = countIn(h, await get(h, '/counter'));
    assert.equal(countIn(h, await get(h, '/counter')), first + 1, 'heap not reused between good renders');
    const from = h.logMark();
    const res = await get(h, '/throw');
    assert.equal(res.status, 500, h.explain(res));
    assert.ok(await h.waitForLog('limits-boom-secret', { from }), h.explain(null, 'failure not logged'));
    assert.equal(countIn(h, await get(h, '/counter')), 1, h.explain(null, 'heap reused after a throw'));
    assert.equal(countIn(h, await get(h, '/counter')), 2, 'new heap not reused');
  });

  it('does not reuse a heap that still has a timer pending after a good render', async () => {
    const first = countIn(h, await get(h, '/counter'));
    assert.equal(countIn(h, await get(h, '/counter')), first + 1, 'heap not reused between good renders');
    const from = h.logMark();
    const res = await get(h, '/leak-timer');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /leak-timer-page-marker/, h.explain(res));
    assert.equal(countIn(h, await get(h, '/counter')), 1, h.explain(null, 'heap with a pending timer reused'));
    assert.ok(!/render of \/leak-timer[^\n]*failed/.test(h.errorLog(from)),
      h.explain(null, 'a good render with a leftover timer logged as failed'));
  });

  it('SSRMemoryLimit: a render that allocates without end (swallowing errors) -> 500; same child renders again', async () => {
    const from = h.logMark();
    const { res, ms } = await timedGet(h, '/alloc', { timeout: 30_000 });
    assert.equal(res.status, 500, h.explain(res));
    // stopped by the memory cap, long before its SSRTimeout (5 s)
    assert.ok(ms < 4000, h.explain(res, `took ${ms} ms`));
    assert.ok(await h.waitForLog('memory limit', { from }), h.explain(null, 'no "memory limit" in the log'));
    assert.equal(countIn(h, await get(h, '/counter')), 1, h.explain(null, 'heap reused after the memory limit'));
    assert.deepEqual(h.childPids(), pids, h.explain(null, 'httpd children changed'));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});

describe(`SSRMaxRenders (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    h = await startLimits(limitsApp(), 'SSRMaxRenders 3');
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('SSRMaxRenders 3: a heap renders 3 times, then a new one takes over', async () => {
    const from = h.logMark();
    const counts = [];
    for (let i = 0; i < 6; i++) counts.push(countIn(h, await get(h, '/counter')));
    assert.deepEqual(counts, [1, 2, 3, 1, 2, 3], h.explain(null, `counts: ${counts}`));
    assert.ok(!/render of [^\n]*failed/.test(h.errorLog(from)), h.explain(null, 'recycling logged as a failure'));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});

describe(`SSRFallback csr and the deadline (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    h = await startLimits(limitsApp(), 'SSRTimeout 300ms\nSSRFallback csr');
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('a throw -> 200, X-SSR-Fallback: 1, the template with an empty outlet', async () => {
    const from = h.logMark();
    const res = await get(h, '/throw');
    assert.equal(res.status, 200, h.explain(res));
    assert.equal(res.get('x-ssr-fallback'), '1', h.explain(res));
    assert.ok(isCompletePage(res.text), h.explain(res, 'placeholders left in the fallback page'));
    assert.match(res.text, /<title>tpl-limits<\/title>/, h.explain(res));
    assert.match(res.text, /<div id="app"><\/div>/, h.explain(res, 'app outlet not empty'));
    assertNoLeak(h, res);
    const log = await h.waitForLog('limits-boom-secret', { from });
    assert.ok(log, h.explain(null, 'failure not logged'));
    assert.match(log, /render of \/throw failed/);
  });

  it('a timeout is still 504, not a fallback page', async () => {
    const from = h.logMark();
    const { res, ms } = await timedGet(h, '/loop');
    assert.equal(res.status, 504, h.explain(res));
    assert.ok(!res.has('x-ssr-fallback'), h.explain(res));
    assert.ok(ms < 2000, h.explain(res, `took ${ms} ms for a 300 ms deadline`));
    assert.ok(await waitForLogMatch(h, timeoutLine('loop'), { from }), h.explain(null, 'no timeout line for /loop'));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});

describe(`clients that go away (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    h = await startLimits(limitsApp(), 'SSRTimeout 10s');
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('a client disconnecting during a render aborts context.signal with an AbortError', async () => {
    const from = h.logMark();
    await dropAfter(h, '/wait-signal', 300);
    const t0 = Date.now();
    const log = await h.waitForLog('signal-aborted:AbortError', { from, timeoutMs: 2000 });
    assert.ok(log, h.explain(null, 'the abort listener did not run (or not with an AbortError)'));
    assert.ok(await waitForLogMatch(h, /render of \/wait-signal\b[^\n]*aborted[^\n]*client/, { from, timeoutMs: 2000 - (Date.now() - t0) }),
      h.explain(null, 'no "render of /wait-signal aborted: client ..." line'));
    // the worker is free again at once (not held for the 5 s wait)
    const { res, ms } = await timedGet(h, '/counter');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(ms < 1000, h.explain(res, `next render took ${ms} ms`));
  });

  it('a client gone before the render runs no JavaScript', async () => {
    const { skipped, attempts } = await preAborted(h, 'gone');
    assert.ok(skipped >= 1, h.explain(null, `no attempt was skipped: ${JSON.stringify(attempts)}`));
    for (const a of attempts) {
      if (a.skipped) assert.ok(!a.ran, h.explain(null, `skipped ${a.id} ran JavaScript`));
    }
    const res = await get(h, '/counter');
    assert.equal(res.status, 200, h.explain(res));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});

describe(`mod_status counters (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    const app = limitsApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        `LoadModule status_module "${MODULES_DIR}/mod_status.so"`,
        'ExtendedStatus On',
        ssrConf(app, { extra: 'SSRTimeout 300ms\nSSRMemoryLimit 16M' }),
        '<Location /wait-signal>',
        '  SSRTimeout 10s',
        '</Location>',
        '<Location /alloc>',
        '  SSRTimeout 5s',
        '</Location>',
        '<Location /server-status>',
        '  SetHandler server-status',
        '</Location>',
      ].join('\n'),
      limits: 'single-worker',
      logLevel: LOG_LEVEL,
    });
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('server-status?auto counts renders, failures, timeouts, memory limits, aborts and skipped requests', async () => {
    let res = await get(h, '/counter');
    assert.equal(res.status, 200, h.explain(res));
    res = await get(h, '/throw');
    assert.equal(res.status, 500, h.explain(res));
    res = await get(h, '/loop');
    assert.equal(res.status, 504, h.explain(res));
    res = await get(h, '/alloc', { timeout: 30_000 });
    assert.equal(res.status, 500, h.explain(res));
    assert.ok(await h.waitForLog('memory limit'), h.explain(null, 'no "memory limit" in the log'));
    let from = h.logMark();
    await dropAfter(h, '/wait-signal', 300);
    assert.ok(await h.waitForLog('signal-aborted:AbortError', { from, timeoutMs: 3000 }),
      h.explain(null, 'the disconnect did not abort the render'));
    const { skipped, attempts } = await preAborted(h, 'stats');
    assert.ok(skipped >= 1, h.explain(null, `no attempt was skipped: ${JSON.stringify(attempts)}`));
    res = await get(h, '/counter');
    assert.equal(res.status, 200, h.explain(res));

    from = h.logMark();
    res = await get(h, '/server-status?auto');
    assert.equal(res.status, 200, h.explain(res));
    assert.ok(!res.has('server-timing'), h.explain(res, '/server-status was rendered by mod_ssr'));
    assert.ok(!res.has('x-ssr-fallback'), h.explain(res));
    assert.match(res.text, /^Total Accesses: \d+/m, h.explain(res, 'not mod_status output'));
    const stats = {};
    for (const m of res.text.matchAll(/^(SSR\w+): (\d+)\s*$/gm)) stats[m[1]] = Number(m[2]);
    const msg = h.explain(res, `counters: ${JSON.stringify(stats)}`);
    for (const k of ['SSRRenders', 'SSRFailures', 'SSRTimeouts', 'SSRMemoryLimited', 'SSRAborted', 'SSRNotStarted']) {
      assert.ok(k in stats, `${msg}\nno ${k} line`);
    }
    assert.ok(stats.SSRRenders >= 1, msg);
    assert.ok(stats.SSRFailures >= 1, msg);   // at least the throw
    assert.equal(stats.SSRTimeouts, 1, msg);
    assert.equal(stats.SSRMemoryLimited, 1, msg);
    // the disconnect above, and the request that kept the worker busy for
    // each attempt of preAborted
    assert.equal(stats.SSRAborted, 1 + attempts.length, msg);
    assert.equal(stats.SSRAborted, countOf(h.errorLog(), 'aborted: the client went away'), msg);
    // every skipped request, and no more (each is logged once)
    assert.equal(stats.SSRNotStarted, countOf(h.errorLog(), 'client went away before the render'), msg);
    assert.equal(stats.SSRNotStarted, skipped, msg);
    assert.ok(!/render of \/server-status/.test(h.errorLog(from)), h.explain(null, 'mod_ssr handled /server-status'));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});

describe(`failure log rate limit (${MPM})`, () => {
  let h;
  let pids;

  before(async () => {
    h = await startLimits(limitsApp(), '');
    pids = await h.waitForChildren();
  });
  after(() => h?.stop());

  it('40 quick throws -> 40 x 500, at most 10 "render of /throw failed" lines', async () => {
    const from = h.logMark();
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await get(h, '/throw')).status);
    assert.deepEqual(statuses, Array(40).fill(500), h.explain(null, `statuses: ${statuses}`));
    await sleep(200);
    const n = countOf(h.errorLog(from), 'render of /throw failed');
    assert.ok(n >= 1, h.explain(null, 'no failure logged at all'));
    assert.ok(n <= 10, h.explain(null, `${n} failure lines for 40 throws`));
  });

  it('the httpd child never died', () => {
    assertChildrenSurvived(h, pids);
  });
});
