// Dev mode (SSRLiveReload On): the live-reload event stream, the script in
// rendered pages, errors shown in the page, one reload per build, and the
// build-complete marker.  The browser side is tested in tests/examples.
//
// An open stream holds a worker: under prefork that is a whole process, so
// prefork gets two processes (each sees new builds by itself).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  MPM, HOST, startHttpd, prepareApp, ssrConf, get, replaceFile, sleep,
} from './lib/httpd.mjs';

const STREAM = '/__mod_ssr/live-reload';

// Opens the event stream; returns { events, close, status, headers }, where
// events fills with the parsed `data:` JSON of each event as it arrives.
function openStream(port, target) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: HOST, port, path: target }, (res) => {
      const stream = { events: [], status: res.statusCode, headers: res.headers, raw: '' };
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        stream.raw += chunk;
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6)).join('\n');
          if (data) stream.events.push(JSON.parse(data));
        }
      });
      res.on('error', () => {});
      stream.close = () => req.destroy();
      resolve(stream);
    });
    req.on('error', reject);
  });
}

async function waitFor(what, cond, ms = 5000) {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (cond()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

const buildIdOf = (html) => /var build = "(b[0-9a-f]{16})"/.exec(html)?.[1];

describe(`dev mode: live reload (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    h = await startHttpd({
      docroot: app.docroot,
      limits: MPM === 'prefork' ? 'default' : 'single-process',
      conf: ssrConf(app, { extra: 'SSRLiveReload On\nSSRReloadInterval 0' }),
    });
  });
  after(() => h?.stop());

  it('puts the live-reload script, with the build id, in rendered pages', async () => {
    const res = await get(h, '/about');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /<script data-mod-ssr-live-reload>/);
    assert.ok(buildIdOf(res.text), h.explain(res, 'no build id'));
    assert.match(res.text, new RegExp(`url = "${STREAM}"`));
  });

  it('streams text/event-stream and tells a page of another build to reload', async () => {
    const page = await get(h, '/about');
    const s = await openStream(h.port, `${STREAM}?build=not-this-one`);
    try {
      assert.equal(s.status, 200);
      assert.match(s.headers['content-type'], /^text\/event-stream/);
      await waitFor('a full-reload event', () => s.events.length > 0);
      assert.deepEqual(s.events[0], { type: 'full-reload', build: buildIdOf(page.text) });
    } finally {
      s.close();
    }
  });

  it('sends nothing to a page of the current build, then one reload per new build', async () => {
    const page = await get(h, '/about');
    const s = await openStream(h.port, `${STREAM}?build=${buildIdOf(page.text)}`);
    try {
      await sleep(600);
      assert.deepEqual(s.events, [], 'events for an up-to-date page');
      replaceFile(app.bundle, { from: 'v2/server/entry-server.js' });
      await waitFor('the new build', () => s.events.length > 0);
      await sleep(1200);   // anything else the stream would send for it
      assert.equal(s.events.length, 1, JSON.stringify(s.events));
      assert.equal(s.events[0].type, 'full-reload');
      assert.notEqual(s.events[0].build, buildIdOf(page.text));
      const now = await get(h, '/about');
      assert.equal(buildIdOf(now.text), s.events[0].build);
    } finally {
      s.close();
    }
  });

  it('sends an error event for a build that fails to load, and ok when fixed', async () => {
    const page = await get(h, '/about');
    const s = await openStream(h.port, `${STREAM}?build=${buildIdOf(page.text)}`);
    try {
      replaceFile(app.bundle, { from: 'bad/syntax-error.js' });
      await waitFor('an error event', () => s.events.some((e) => e.type === 'error'));
      const err = s.events.find((e) => e.type === 'error');
      assert.match(err.message, /SyntaxError/);
      assert.equal(err.file, app.bundle);
      assert.equal(err.title, 'The new build failed to load');
      // The old build still serves, without an error status.
      assert.equal((await get(h, '/about')).status, 200);
      replaceFile(app.bundle, { from: 'basic/server/entry-server.js' });
      await waitFor('ok and a reload', () => s.events.some((e) => e.type === 'ok')
        && s.events.some((e) => e.type === 'full-reload'));
    } finally {
      s.close();
    }
  });

  it('sends a second error event when another broken build replaces the first', async () => {
    const page = await get(h, '/about');
    const s = await openStream(h.port, `${STREAM}?build=${buildIdOf(page.text)}`);
    const errors = () => s.events.filter((e) => e.type === 'error');
    try {
      await sleep(400);   // a few ticks of the stream before anything changes
      replaceFile(app.bundle, { from: 'bad/syntax-error.js' });
      await waitFor('the error event of build A', () => errors().length >= 1);
      assert.match(errors()[0].message, /SyntaxError/, JSON.stringify(s.events));
      await sleep(600);   // the stream keeps polling with A's error in place
      replaceFile(app.bundle, { from: 'bad/throws-at-load.js' });
      await waitFor('the error event of build B', () => errors().length >= 2);
      assert.match(errors()[1].message, /top-level-failure-marker/, JSON.stringify(s.events));
      replaceFile(app.bundle, { from: 'basic/server/entry-server.js' });
      await waitFor('ok and a reload', () => s.events.some((e) => e.type === 'ok')
        && s.events.some((e) => e.type === 'full-reload'));
      assert.equal(errors().length, 2, JSON.stringify(s.events));
    } finally {
      s.close();
    }
  });

  it('tells an open page of every new build, not only the first', async () => {
    const page = await get(h, '/about');
    const s = await openStream(h.port, `${STREAM}?build=${buildIdOf(page.text)}`);
    const reloads = () => s.events.filter((e) => e.type === 'full-reload');
    try {
      await sleep(400);
      replaceFile(app.bundle, { from: 'v2/server/entry-server.js' });
      await waitFor('the first new build', () => reloads().length >= 1);
      await sleep(600);
      replaceFile(app.bundle, { from: 'basic/server/entry-server.js' });
      await waitFor('the second new build', () => reloads().length >= 2);
      assert.notEqual(reloads()[1].build, reloads()[0].build);
      assert.equal(buildIdOf((await get(h, '/about')).text), reloads()[1].build);
    } finally {
      s.close();
    }
  });

  it('answers a failed render with the error in the page (dev mode only)', async () => {
    const res = await get(h, '/throw');
    assert.equal(res.status, 500, h.explain(res));
    assert.match(res.text, /"title":"The render failed"/);
    assert.match(res.text, /boom secret/);
    assert.match(res.text, /<script data-mod-ssr-live-reload>/);
    // The text is data for the overlay, not markup.
    const outside = res.text.replace(/<script data-mod-ssr-live-reload>[^]*?<\/script>/, '');
    assert.doesNotMatch(outside, /boom secret/);
  });
});

describe(`dev mode: the build-complete marker (${MPM})`, () => {
  let h;
  let app;
  let marker;

  before(async () => {
    app = prepareApp();
    marker = path.join(path.dirname(app.bundle), '.mod_ssr-build-complete');
    h = await startHttpd({
      docroot: app.docroot,
      limits: 'single-process',
      conf: ssrConf(app, { extra: 'SSRReloadInterval 0' }),
    });
    assert.equal((await get(h, '/')).status, 200);
  });
  after(() => h?.stop());

  it('does not load a build newer than its marker until the marker is touched', async () => {
    fs.writeFileSync(marker, '');
    const old = new Date(Date.now() - 5000);
    fs.utimesSync(marker, old, old);
    replaceFile(app.bundle, { from: 'v2/server/entry-server.js' });
    await sleep(800);     // well past the settle time
    assert.doesNotMatch((await get(h, '/')).text, /build two/, 'loaded before the marker');
    fs.utimesSync(marker, new Date(), new Date());
    let text = '';
    for (let i = 0; i < 40 && !/build two/.test(text); i++) {
      await sleep(100);
      text = (await get(h, '/')).text;
    }
    assert.match(text, /build two/);
  });
});

describe(`dev mode: open streams and stopping httpd (${MPM})`, () => {
  it('an open event stream does not hold up a stop', async () => {
    const app = prepareApp();
    const h = await startHttpd({
      docroot: app.docroot,
      limits: MPM === 'prefork' ? 'default' : 'single-process',
      conf: ssrConf(app, { extra: 'SSRLiveReload On' }),
    });
    const s = await openStream(h.port, `${STREAM}?build=x`);
    await waitFor('the stream to start', () => s.events.length > 0);
    const t0 = Date.now();
    await h.stop();
    s.close();
    assert.ok(Date.now() - t0 < 5000, `httpd took ${Date.now() - t0} ms to stop`);
  });
});

describe(`dev mode: before the first build (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    fs.rmSync(app.bundle);
    h = await startHttpd({
      docroot: app.docroot,
      limits: MPM === 'prefork' ? 'default' : 'single-process',
      conf: ssrConf(app, { extra: 'SSRLiveReload On\nSSRReloadInterval 0' }),
    });
  });
  after(() => h?.stop());

  it('says that there is no build yet, not that a new one failed; loads the first one', async () => {
    const res = await get(h, '/about');
    assert.equal(res.status, 503, h.explain(res));
    assert.match(res.text, /"title":"No build yet"/, h.explain(res));
    assert.doesNotMatch(res.text, /failed to load/);
    const s = await openStream(h.port, `${STREAM}?build=`);
    try {
      await waitFor('an error event', () => s.events.some((e) => e.type === 'error'));
      const err = s.events.find((e) => e.type === 'error');
      assert.equal(err.title, 'No build yet');
      assert.match(err.message, /waiting for the first build/);
      replaceFile(app.bundle, { from: 'bad/syntax-error.js' });
      await waitFor('a second error event', () => s.events.filter((e) => e.type === 'error').length > 1);
      // a build that never loaded is not a "new" one
      assert.equal(s.events.filter((e) => e.type === 'error')[1].title, 'The build failed to load');
      replaceFile(app.bundle, { from: 'basic/server/entry-server.js' });
      await waitFor('the first build', () => s.events.some((e) => e.type === 'full-reload'));
      assert.equal((await get(h, '/about')).status, 200);
    } finally {
      s.close();
    }
  });
});

describe(`dev mode off (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    h = await startHttpd({ docroot: app.docroot, conf: ssrConf(app) });
  });
  after(() => h?.stop());

  it('adds no script and shows no error text; the stream path is an ordinary URL', async () => {
    assert.doesNotMatch((await get(h, '/about')).text, /mod-ssr-live-reload/);
    const failed = await get(h, '/throw');
    assert.equal(failed.status, 500);
    assert.doesNotMatch(failed.text, /boom secret/);
    const stream = await get(h, STREAM);
    assert.doesNotMatch(stream.get('content-type') ?? '', /event-stream/);
  });
});
