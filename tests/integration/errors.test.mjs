// Errors a developer can act on: a render error's stack in the error log
// at the app's sources (the bundle's source map), one log entry per line
// grouped by a marker; and a broken build reported once, not once per
// process.  The app (fixtures/errors/app) is built by the Vite plugin;
// its dist/ is committed (see fixtures/errors/README.md).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  MPM, startHttpd, makeTempDir, fixTree, get, replaceFile, sleep, FIXTURES,
} from './lib/httpd.mjs';

const BUILT = path.join(FIXTURES, 'errors', 'app', 'dist');

// A copy of the built app: dist/client (DocumentRoot) and dist/server.
function errorsApp({ map = true } = {}) {
  const dir = makeTempDir('mod_ssr-errors-');
  fs.cpSync(BUILT, dir, { recursive: true });
  if (!map) fs.rmSync(path.join(dir, 'server', 'entry-server.js.map'));
  fixTree(dir);
  return {
    dir,
    docroot: path.join(dir, 'client'),
    bundle: path.join(dir, 'server', 'entry-server.js'),
  };
}

const conf = (app, extra = []) => [
  'SSREngine On', `SSRBundle "${app.bundle}"`, 'SSRReloadInterval 0', ...extra,
].join('\n');

// The entries of one render failure: its first line and the lines with
// its marker.
function reportOf(log, url) {
  const first = log.split('\n').find((l) => l.includes(`render of ${url} failed [`));
  if (!first) return null;
  const marker = /failed \[([^\]]+)\]/.exec(first)[1];
  return log.split('\n').filter((l) => l.includes(`[${marker}]`));
}

describe(`render errors at the app's sources (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = errorsApp();
    h = await startHttpd({ docroot: app.docroot, conf: conf(app) });
  });
  after(() => h?.stop());

  it('renders the app (the fixture is a good build)', async () => {
    const res = await get(h, '/');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /<li>ok: 42<\/li>/);
  });

  it('logs the stack of a thrown error one frame per entry, at src/App.js:line:col', async () => {
    const from = h.logMark();
    const res = await get(h, '/boom');
    assert.equal(res.status, 500, h.explain(res));
    const log = await h.waitForLog('render of /boom failed', { from });
    assert.ok(log, h.explain(null, 'no failure logged'));
    const lines = reportOf(log, '/boom');
    assert.ok(lines.length >= 4, h.explain(null, `report of ${lines.length} lines`));
    for (const l of lines) {
      assert.match(l, /AH20053: /, l);
      assert.ok(!l.includes('\\n') && !l.includes('\\x'), `escapes in ${l}`);
    }
    assert.match(lines[0], /TypeError: cannot read property 'amount' of undefined$/);
    // src/App.js line 4 is "  return item.cost.amount * 2;"
    assert.ok(lines.some((l) => /\] +at price \(src\/App\.js:4:3\)/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /\] +at Row \(src\/App\.js:8:\d+\)/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /\] +at render \(src\/entry-server\.js:4:\d+\)/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes(`${app.bundle}:`)), 'a frame left at the bundle');
  });
});

describe(`render errors without a source map (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = errorsApp({ map: false });
    h = await startHttpd({ docroot: app.docroot, conf: conf(app) });
  });
  after(() => h?.stop());

  it('logs the bundle positions, one frame per entry', async () => {
    const from = h.logMark();
    assert.equal((await get(h, '/boom')).status, 500);
    const log = await h.waitForLog('render of /boom failed', { from });
    const lines = reportOf(log, '/boom');
    assert.ok(lines.some((l) => l.includes(`at price (${app.bundle}:`)), h.explain(null));
    assert.ok(!lines.some((l) => l.includes('src/App.js')), h.explain(null));
  });
});

// Two processes, whatever the MPM of this run: each one that looks at a
// new build that does not load used to log it.
describe(`a broken build is reported once (prefork, in the ${MPM} run)`, () => {
  let h;
  let app;

  before(async () => {
    app = errorsApp();
    h = await startHttpd({ docroot: app.docroot, conf: conf(app), mpm: 'prefork' });
  });
  after(() => h?.stop());

  it('logs "cannot load build" once though both children tried it, a line per entry', async () => {
    assert.equal((await get(h, '/')).status, 200);
    const pids = await h.waitForChildren(2);
    assert.equal(pids.length, 2, h.explain(null, 'two children'));
    const from = h.logMark();
    // a build of the plugin's that throws a bundler's error (watch mode):
    // stamped like the template, so that it is loaded (and fails) at once
    const template = path.join(app.docroot, 'index.html');
    replaceFile(template, fs.readFileSync(template, 'utf8').replace(/mod_ssr-build:[\w.]+/, 'mod_ssr-build:errors.broken'));
    replaceFile(app.bundle, `/*! mod_ssr-build: errors.broken */\n${fs.readFileSync(path.join(FIXTURES, 'errors', 'frame-error.js'))}`);
    fixTree(app.dir);   // settled: loaded at the next check
    // until the second child said it tried too (or 10 s)
    const end = Date.now() + 10_000;
    while (Date.now() < end && !h.errorLog(from).includes('AH20112')) {
      await Promise.all([get(h, '/'), get(h, '/')]);
      await sleep(20);
    }
    const log = h.errorLog(from);
    assert.ok(log.includes('AH20112'), h.explain(null, 'the second child never tried the build'));
    const reports = log.split('\n').filter((l) => l.includes('cannot load build of'));
    assert.equal(reports.length, 1, h.explain(null, 'reports of the broken build'));
    // one entry per line of the error, its code frame in ASCII, no colours
    assert.match(reports[0], /AH20033: cannot load build of .* \[errors\.broken\]: Error: \[PARSE_ERROR\] Unterminated regular expression$/);
    const frame = log.split('\n').filter((l) => l.includes('AH20033: [errors.broken]'));
    assert.ok(frame.some((l) => l.endsWith('[errors.broken]    +-[ src/App.jsx:2:18 ]')), frame.join('\n'));
    assert.ok(frame.some((l) => l.endsWith('[errors.broken]  2 |   return <div>{x</div>;')), frame.join('\n'));
    assert.ok(frame.some((l) => l.endsWith('+----- frame-error-marker')), frame.join('\n'));
    for (const l of [reports[0], ...frame]) assert.ok(!/\\x|\\n|\[0m/.test(l), `escaped: ${l}`);
    // the old build still serves
    assert.equal((await get(h, '/')).status, 200);
  });
});

describe(`dev mode's overlay at the app's sources (${MPM})`, () => {
  let h;

  before(async () => {
    const app = errorsApp();
    h = await startHttpd({ docroot: app.docroot, conf: conf(app, ['SSRLiveReload On']) });
  });
  after(() => h?.stop());

  it('names src/App.js:4:3 in the page of a failed render', async () => {
    const res = await get(h, '/boom');
    assert.equal(res.status, 500, h.explain(res));
    assert.match(res.text, /"title":"The render failed"/);
    assert.match(res.text, /"file":"src\/App\.js:4:3"/, h.explain(res));
    assert.match(res.text, /at price \(src\/App\.js:4:3\)/, h.explain(res));
  });
});
