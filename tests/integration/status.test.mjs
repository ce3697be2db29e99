// Statuses, redirects, loader errors, render failures and response header
// validation.  SPEC 3 and 5 (errors go through Apache's error path, so
// ErrorDocument applies; no JS error text reaches the client).  Then what
// server-status shows of them (docs/operating.md), Server-Timing and the
// access log's render time.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  MPM, MODULES_DIR, startHttpd, prepareApp, ssrConf, get, isCompletePage, fixTree, countOf, sleep,
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

// ---------------------------------------------------------------------------
// server-status: what mod_ssr shows there (per app, render time window,
// heaps), Server-Timing of a render that made its heap, and the render
// time note for the access log.
// ---------------------------------------------------------------------------

// Renders fast, after ?ms=N milliseconds, or throws.
const TIMED_BUNDLE = `module.exports.render = function (url) {
  var m = /[?&]ms=(\\d+)/.exec(url);
  if (url.indexOf('throw') >= 0) { throw new Error('boom'); }
  if (m) {
    return new Promise(function (resolve) {
      setTimeout(function () { resolve('<p id="slow">slow</p>'); }, Number(m[1]));
    });
  }
  return '<p id="fast">fast</p>';
};
`;

function timedApp() {
  const app = prepareApp();
  fs.writeFileSync(app.bundle, TIMED_BUNDLE);
  fixTree(app.dir);
  return app;
}

function statusConf(app, extra = '') {
  return [
    `LoadModule status_module "${MODULES_DIR}/mod_status.so"`,
    ssrConf(app, { extra }),
    '<Location /server-status>',
    '  SetHandler server-status',
    '</Location>',
  ].join('\n');
}

// server-status?auto as { key: value } (numbers where they are numbers).
async function auto(h) {
  const res = await get(h, '/server-status?auto');
  assert.equal(res.status, 200, h.explain(res));
  const out = {};
  for (const m of res.text.matchAll(/^(SSR\w+): (.*)$/gm)) {
    out[m[1]] = /^-?\d+(\.\d+)?$/.test(m[2]) ? Number(m[2]) : m[2];
  }
  return out;
}

// The number of the app record whose bundle is path.
function appNo(st, bundle) {
  for (const [k, v] of Object.entries(st)) {
    const m = /^SSRApp(\d+)Bundle$/.exec(k);
    if (m && v === bundle) return m[1];
  }
  assert.fail(`no app record for ${bundle}: ${JSON.stringify(st)}`);
}

describe(`server-status: per app, render times, heaps (${MPM})`, () => {
  let h;
  let app;
  let broken;
  let perc;     // an app of its own for the percentiles: no earlier renders

  before(async () => {
    app = timedApp();
    perc = timedApp();
    broken = prepareApp();
    fs.writeFileSync(broken.bundle, 'module.exports.render = function (url) { return "x" +;\n');
    fixTree(broken.dir);
    h = await startHttpd({
      docroot: app.docroot,
      limits: 'single-process',
      conf: [
        statusConf(app, 'SSRTimeout 400ms'),
        '<Location /p/>',
        '  SSRBase /p/',
        `  SSRBundle "${perc.bundle}"`,
        '</Location>',
        '<Location /broken/>',
        '  SSRBase /broken/',
        `  SSRBundle "${broken.bundle}"`,
        '</Location>',
      ].join('\n'),
    });
  });
  after(() => h?.stop());

  it('shows each app: its build in service and when it loaded, or its last load error', async () => {
    const res503 = await get(h, '/broken/page');
    assert.equal(res503.status, 503, h.explain(res503));
    const st = await auto(h);
    const a = appNo(st, app.bundle);
    assert.match(String(st[`SSRApp${a}Build`]), /^b[0-9a-f]{16}$/);
    const now = Date.now() / 1000;
    assert.ok(Math.abs(st[`SSRApp${a}BuildLoadedAt`] - now) < 120, JSON.stringify(st));
    assert.ok(st[`SSRApp${a}LoadMs`] > 0, JSON.stringify(st));
    assert.equal(st[`SSRApp${a}LoadError`], '-');
    assert.equal(st[`SSRApp${a}Template`], app.template);
    const b = appNo(st, broken.bundle);
    assert.equal(st[`SSRApp${b}Build`], '-');
    assert.match(String(st[`SSRApp${b}LoadError`]), /SyntaxError/);
    assert.ok(Math.abs(st[`SSRApp${b}LoadErrorAt`] - now) < 120, JSON.stringify(st));
    assert.ok(st[`SSRApp${b}NoBuild`] >= 1, JSON.stringify(st));
    assert.equal(st[`SSRApp${a}NoBuild`], 0);
  });

  it('counts failures by kind, per app', async () => {
    const before = await auto(h);
    const a = appNo(before, app.bundle);
    assert.equal((await get(h, '/throw')).status, 500);
    assert.equal((await get(h, '/t?ms=5000')).status, 504);
    const st = await auto(h);
    assert.equal(st[`SSRApp${a}Threw`] - before[`SSRApp${a}Threw`], 1, JSON.stringify(st));
    assert.equal(st[`SSRApp${a}Timeouts`] - before[`SSRApp${a}Timeouts`], 1, JSON.stringify(st));
    assert.equal(st[`SSRApp${a}Failures`] - before[`SSRApp${a}Failures`], 2, JSON.stringify(st));
    assert.equal(st.SSRThrew - before.SSRThrew, 1);
    assert.ok(st.SSRHeapsRecycledFailed - before.SSRHeapsRecycledFailed >= 2, JSON.stringify(st));
  });

  it('render time percentiles follow slow renders', async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal((await get(h, '/p/fast')).status, 200);
    }
    const fast = await auto(h);
    const a = appNo(fast, perc.bundle);
    assert.equal(fast[`SSRApp${a}RenderWindowCount`], 10, JSON.stringify(fast));
    assert.ok(fast[`SSRApp${a}RenderP99Ms`] < 100, JSON.stringify(fast));
    assert.ok(fast[`SSRApp${a}RenderMaxMs`] < 100, JSON.stringify(fast));
    for (let i = 0; i < 4; i++) {
      const res = await get(h, '/p/s?ms=250');
      assert.equal(res.status, 200, h.explain(res));
    }
    const slow = await auto(h);
    assert.equal(slow[`SSRApp${a}RenderWindowCount`], 14, JSON.stringify(slow));
    assert.ok(slow[`SSRApp${a}RenderMaxMs`] >= 250, JSON.stringify(slow));
    assert.ok(slow[`SSRApp${a}RenderP99Ms`] >= 200, JSON.stringify(slow));
    assert.ok(slow[`SSRApp${a}RenderP90Ms`] >= 200, JSON.stringify(slow));
    // most renders are still fast: the median stays where it was
    assert.ok(slow[`SSRApp${a}RenderP50Ms`] < 100, JSON.stringify(slow));
    // the server-wide window has them too
    assert.ok(slow.SSRRenderMaxMs >= 250, JSON.stringify(slow));
    assert.ok(slow.SSRRenderWindowCount >= 14, JSON.stringify(slow));
    assert.equal(slow.SSRRenderWindowSeconds, 60);
  });

  it('shows the heaps: how many, their memory, how many were made', async () => {
    assert.equal((await get(h, '/fast')).status, 200);
    const st = await auto(h);
    assert.ok(st.SSRHeaps >= 1, JSON.stringify(st));
    assert.ok(st.SSRHeapKB > 100, JSON.stringify(st));
    assert.ok(st.SSRHeapLoads >= 1, JSON.stringify(st));
    for (const k of ['SSRHeapsRecycledBuild', 'SSRHeapsRecycledMaxRenders', 'SSRHeapsRecycledIdle']) {
      assert.ok(k in st, `no ${k}`);
    }
  });

  it('the HTML page has the app table and the render time table', async () => {
    const res = await get(h, '/server-status');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /<h3>Render times, last 60 s<\/h3>/);
    assert.ok(res.text.includes(app.bundle), 'app not listed');
    assert.match(res.text, /SyntaxError/);
    assert.match(res.text, /recycled: failed render/);
  });
});

describe(`Server-Timing: the first render of a heap shows its load cost (${MPM})`, () => {
  it('ssr-load on the render that made the heap, not on the next one in the same heap', async () => {
    const app = timedApp();
    const h = await startHttpd({ docroot: app.docroot, limits: 'single-worker', conf: statusConf(app, 'SSRHeaps 1') });
    try {
      // one field, ssr first as always, then ssr-load
      const first = await get(h, '/one');
      assert.match(first.getAll('server-timing').join(' | '), /^ssr;dur=\d+(\.\d+)?, ssr-load;dur=\d+(\.\d+)?$/, h.explain(first));
      const second = await get(h, '/two');
      assert.match(second.getAll('server-timing').join(' | '), /^ssr;dur=\d+(\.\d+)?$/, h.explain(second));
      // a heap that a failed render left unusable is made again
      assert.equal((await get(h, '/throw')).status, 500);
      const third = await get(h, '/three');
      assert.match(third.getAll('server-timing').join(', '), /ssr-load;dur=/, h.explain(third));
    } finally {
      await h.stop();
    }
  });

  it('SSRScope request: every render makes its heap', async () => {
    const app = timedApp();
    const h = await startHttpd({ docroot: app.docroot, conf: statusConf(app, 'SSRScope request') });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await get(h, '/x');
        assert.match(res.getAll('server-timing').join(', '), /^ssr;dur=[\d.]+, ssr-load;dur=[\d.]+$/, h.explain(res));
      }
    } finally {
      await h.stop();
    }
  });
});

describe(`access log: %{SSR_RENDER_MS}n (${MPM})`, () => {
  it('logs the render time of rendered pages, and - for other requests', async () => {
    const app = timedApp();
    const h = await startHttpd({
      docroot: app.docroot,
      limits: 'single-worker',
      conf: statusConf(app, [
        'LogFormat "%U %>s render=%{SSR_RENDER_MS}n load=%{SSR_LOAD_MS}n" ssrtime',
        'CustomLog "logs-access.log" ssrtime',
      ].join('\n')),
    });
    try {
      assert.equal((await get(h, '/s?ms=120')).status, 200);
      assert.equal((await get(h, '/fast')).status, 200);
      assert.equal((await get(h, '/assets/app.js')).status, 200);
      const file = path.join(h.dir, 'logs-access.log');
      let text = '';
      for (let i = 0; i < 100 && countOf(text, '\n') < 3; i++) {
        await sleep(20);
        try { text = fs.readFileSync(file, 'utf8'); } catch { text = ''; }
      }
      const lines = text.trim().split('\n');
      assert.equal(lines.length, 3, text);
      const slow = /^\/s 200 render=(\d+\.\d) load=(\d+\.\d)$/.exec(lines[0]);
      assert.ok(slow, text);
      // a 120 ms timer: JavaScript's clock counts whole milliseconds, so it
      // may fire up to 1 ms before 120 ms of the render's own clock
      assert.ok(Number(slow[1]) >= 118, text);
      assert.match(lines[1], /^\/fast 200 render=\d+\.\d load=-$/, text);
      assert.equal(lines[2], '/assets/app.js 200 render=- load=-', text);
    } finally {
      await h.stop();
    }
  });
});
