// New builds without a restart and without a window of errors; broken builds
// are logged once and ignored; a request never mixes two builds.  SPEC 7.
//
// One httpd child process (limits 'single-process'), so "logged once" means
// once: the build state is per process.  The steps share one server and run
// in order.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MPM, startHttpd, prepareApp, ssrConf, get, replaceFile, isCompletePage, countOf, sleep,
} from './lib/httpd.mjs';

const LOAD_FAILURE = 'cannot load build';

// { tpl: 'one'|'two', build: 'one'|'two' } for a complete 200 page, else
// throws with the response.
function classify(h, res) {
  assert.equal(res.status, 200, h.explain(res, 'error during a reload'));
  assert.ok(res.complete && isCompletePage(res.text), h.explain(res, 'incomplete page'));
  const tpl = /<title>tpl-(one|two)<\/title>/.exec(res.text);
  const headBuild = /<meta name="build" content="(one|two)">/.exec(res.text);
  const htmlBuild = /<main data-build="(one|two)"><h1>build (one|two): home<\/h1>/.exec(res.text);
  assert.ok(tpl && headBuild && htmlBuild, h.explain(res, 'not a page of build one or two'));
  assert.equal(headBuild[1], htmlBuild[1], h.explain(res, 'head and html from different builds'));
  assert.equal(htmlBuild[1], htmlBuild[2]);
  return { tpl: tpl[1], build: htmlBuild[1] };
}

// Requests / from `concurrency` loops until stopWhen(result) has been true
// for `afterMs`, or `maxMs` passed.  `action` runs once, `actionAtMs` after
// the start.  Returns every classified response.
async function hammer(h, { action, actionAtMs = 150, stopWhen = () => false, afterMs = 300, maxMs = 5000, concurrency = 4 }) {
  const start = Date.now();
  const seen = [];
  let metAt = null;
  let actionError = null;
  const timer = action ? setTimeout(() => { try { action(); } catch (e) { actionError = e; } }, actionAtMs) : null;
  const loop = async () => {
    for (;;) {
      const now = Date.now();
      if (metAt !== null && now - metAt >= afterMs) return;
      if (now - start >= maxMs) return;
      const res = await get(h, '/');
      const c = classify(h, res);
      seen.push(c);
      if (metAt === null && stopWhen(c)) metAt = Date.now();
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    clearTimeout(timer);
  }
  if (actionError) throw actionError;
  return { seen, met: metAt !== null, ms: Date.now() - start };
}

describe(`reload (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: ssrConf(app, { template: true, extra: 'SSRReloadInterval 0' }),
      limits: 'single-process',
    });
  });
  after(() => h?.stop());

  it('serves build one at first', async () => {
    const res = await get(h, '/');
    assert.deepEqual(classify(h, res), { tpl: 'one', build: 'one' });
  });

  it('switches to a new bundle with no error window and no mixed page', async () => {
    const r = await hammer(h, {
      action: () => replaceFile(app.bundle, { from: 'v2/server/entry-server.js' }),
      stopWhen: (c) => c.build === 'two',
    });
    assert.ok(r.met, `build two never appeared in ${r.ms} ms (${r.seen.length} responses)\n${h.explain(null)}`);
    // once two appeared, no later response may be build one
    const firstTwo = r.seen.findIndex((c) => c.build === 'two');
    assert.ok(r.seen.length > firstTwo + 1, 'too few responses after the switch');
    for (const c of r.seen) assert.equal(c.tpl, 'one');
    const after2 = r.seen.slice(firstTwo + 1 + 4); // allow in-flight requests (concurrency 4)
    assert.ok(after2.every((c) => c.build === 'two'), 'build one served again after build two');
    const res = await get(h, '/');
    assert.deepEqual(classify(h, res), { tpl: 'one', build: 'two' });
  });

  it('keeps serving the last good build when a broken one is written, and logs it once', async () => {
    const from = h.logMark();
    const r = await hammer(h, {
      action: () => replaceFile(app.bundle, { from: 'bad/syntax-error.js' }),
      maxMs: 2000,
    });
    assert.ok(r.seen.length > 10, `only ${r.seen.length} responses`);
    for (const c of r.seen) assert.deepEqual(c, { tpl: 'one', build: 'two' });
    const log1 = h.errorLog(from);
    assert.equal(countOf(log1, LOAD_FAILURE), 1, h.explain(null, `expected "${LOAD_FAILURE}" once`));
    // more requests do not log it again
    for (let i = 0; i < 20; i++) classify(h, await get(h, '/'));
    await sleep(100);
    assert.equal(countOf(h.errorLog(from), LOAD_FAILURE), 1, h.explain(null, `"${LOAD_FAILURE}" logged again`));
  });

  it('loads the next good build after a broken one', async () => {
    const r = await hammer(h, {
      action: () => replaceFile(app.bundle, { from: 'basic/server/entry-server.js' }),
      stopWhen: (c) => c.build === 'one',
    });
    assert.ok(r.met, `build one never came back in ${r.ms} ms\n${h.explain(null)}`);
    for (const c of r.seen) assert.equal(c.tpl, 'one');
  });

  it('switches template and bundle together: never one build\'s template with the other\'s bundle', async () => {
    const r = await hammer(h, {
      action: () => {
        replaceFile(app.template, { from: 'v2/client/index.html' });
        replaceFile(app.bundle, { from: 'v2/server/entry-server.js' });
      },
      stopWhen: (c) => c.tpl === 'two',
    });
    assert.ok(r.met, `template two never appeared in ${r.ms} ms\n${h.explain(null)}`);
    for (const c of r.seen) {
      assert.ok(c.tpl === c.build, `mixed page: template ${c.tpl} with bundle ${c.build}`);
    }
    const res = await get(h, '/');
    assert.deepEqual(classify(h, res), { tpl: 'two', build: 'two' });
    assert.match(res.text, /<div id="app" class="second-template">/);
  });

  it('kept the same child process throughout (no crash, no restart)', async () => {
    const pids = h.childPids();
    assert.equal(pids.length, 1, `children: ${pids}`);
    assert.ok(!/exit signal|Segmentation fault/.test(h.errorLog()), h.explain(null));
  });
});
