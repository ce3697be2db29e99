// Directive parsing (a wrong value fails configtest with a message naming the
// directive) and the behaviour of SSRScope / SSRMaxRenders.  SPEC 6.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  MPM, startHttpd, configtest, prepareApp, ssrConf, get, assertRendered,
} from './lib/httpd.mjs';

const BAD = [
  ['SSRTimeout', 'SSRTimeout banana'],
  ['SSRTimeout', 'SSRTimeout -5s'],
  ['SSRMemoryLimit', 'SSRMemoryLimit 12Q'],
  ['SSRScope', 'SSRScope sometimes'],
  ['SSRReload', 'SSRReload maybe'],
  ['SSRFallback', 'SSRFallback nope'],
  ['SSRMaxRenders', 'SSRMaxRenders -1'],
  ['SSRMaxRenders', 'SSRMaxRenders lots'],
  ['SSRReloadInterval', 'SSRReloadInterval x'],
  ['SSREngine', 'SSREngine maybe'],
  ['SSRLiveReload', 'SSRLiveReload sometimes'],
  ['SSRSetEnv', 'SSRSetEnv 1BAD x'],
  ['SSRBase', 'SSRBase app'],
  ['SSRBundle', 'SSRBundle ""'],
  ['SSRTemplate', 'SSRTemplate ""'],
  ['SSRManifest', 'SSRManifest ""'],
  ['SSRAssetGrace', 'SSRAssetGrace 1w'],
  ['SSRAssetGrace', 'SSRAssetGrace 0'],
  ['SSRAssetArchive', 'SSRAssetArchive ""'],
  ['SSRQueueLimit', 'SSRQueueLimit 0'],
  ['SSRQueueLimit', 'SSRQueueLimit some'],
];

function counts(text) {
  return [...text.matchAll(/count=(\d+)/g)].map((m) => Number(m[1]));
}

describe(`directives: configtest (${MPM})`, () => {
  let app;
  before(() => { app = prepareApp(); });

  it('accepts a full valid configuration (server, <Directory>, <Location>)', async () => {
    const conf = [
      'SSREngine On',
      `SSRBundle "${app.bundle}"`,
      `SSRTemplate "${app.template}"`,
      `SSRManifest "${app.manifest}"`,
      'SSRBase /',
      'SSRTimeout 500ms',
      'SSRMemoryLimit 64M',
      'SSRMaxRenders 100',
      'SSRScope request',
      'SSRReload never',
      'SSRReloadInterval 0',
      'SSRFallback csr',
      'SSRSetEnv GREETING "hello world"',
      'SSRSetEnv API_URL http://127.0.0.1/api',
      'SSRLiveReload Off',
      'SSRAssetArchive off',
      'SSRAssetGrace 7d',
      'SSRQueueLimit 32',
      `<Directory "${app.docroot}">`,
      '  SSRAssetArchive assets-archive',
      '  SSRAssetGrace 90m',
      '  SSRTimeout 2s',
      '  SSRScope thread',
      '  SSRFallback error',
      '  SSRMemoryLimit 1G',
      '  SSRReload stat',
      '  SSRQueueLimit auto',
      '</Directory>',
      '<Location /app/>',
      '  SSREngine On',
      '  SSRBase /app/',
      '  SSRMemoryLimit 65536K',
      '  SSRReloadInterval 5',
      '</Location>',
      '<Location /off/>',
      '  SSREngine Off',
      '</Location>',
    ].join('\n');
    const r = await configtest(conf, { docroot: app.docroot });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /Syntax OK/);
  });

  for (const [name, line] of BAD) {
    it(`rejects "${line}" naming ${name}`, async () => {
      const conf = [ssrConf(app), line].join('\n');
      const r = await configtest(conf, { docroot: app.docroot });
      assert.notEqual(r.code, 0, `configtest passed:\n${r.output}`);
      assert.ok(!r.output.includes('Invalid command'), `directive unknown to the server (module not loaded?):\n${r.output}`);
      assert.ok(r.output.includes(name), `message does not name ${name}:\n${r.output}`);
    });
  }

  it('rejects a bad value inside <Location> too', async () => {
    const conf = [ssrConf(app), '<Location /x/>', '  SSRTimeout soon', '</Location>'].join('\n');
    const r = await configtest(conf, { docroot: app.docroot });
    assert.notEqual(r.code, 0, r.output);
    assert.ok(r.output.includes('SSRTimeout'), r.output);
  });
});

describe(`directives: flags and file paths (${MPM})`, () => {
  let h;
  before(async () => {
    const app = prepareApp();
    // ServerRoot is the server's own temp dir, a sibling of the app's.
    const rel = (p) => path.join('..', path.basename(app.dir), path.relative(app.dir, p));
    h = await startHttpd({
      docroot: app.docroot,
      conf: [
        'SSREngine On',
        `SSRBundle ${rel(app.bundle)}`,
        `SSRTemplate ${rel(app.template)}`,
        'SSRLiveReload On',
        '<Location /off/>',
        '  SSREngine Off',
        '</Location>',
        '<Location /quiet/>',
        '  SSRLiveReload Off',
        '</Location>',
      ].join('\n'),
    });
  });
  after(() => h?.stop());

  it('takes relative SSRBundle and SSRTemplate paths from ServerRoot', async () => {
    const res = await get(h, '/about');
    assertRendered(h, res, { marker: 'about-page-marker' });
    assert.match(res.text, /data-mod-ssr-live-reload/, h.explain(res));
  });

  it('SSREngine Off in a <Location> turns rendering off there', async () => {
    const res = await get(h, '/off/page');
    assert.equal(res.status, 404, h.explain(res));
    assert.equal(res.get('server-timing'), undefined, h.explain(res));
  });

  it('SSRLiveReload Off in a <Location> overrides On, the rest is inherited', async () => {
    const res = await get(h, '/quiet/page');
    assertRendered(h, res, { marker: 'no route' });
    assert.doesNotMatch(res.text, /data-mod-ssr-live-reload/, h.explain(res));
  });
});

describe(`directives: SSRScope request (${MPM})`, () => {
  let h;
  before(async () => {
    const app = prepareApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: ssrConf(app, { extra: 'SSRScope request' }),
      limits: 'single-worker',
    });
  });
  after(() => h?.stop());

  it('gives every request a fresh heap (module state starts over)', async () => {
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const res = await get(h, '/counter');
      assert.equal(res.status, 200, h.explain(res));
      seen.push(...counts(res.text));
    }
    assert.deepEqual(seen, [1, 1, 1, 1]);
  });

  it('renders pages normally', async () => {
    const res = await get(h, '/about');
    assert.equal(res.status, 200, h.explain(res));
    assert.match(res.text, /about-page-marker/);
  });
});

describe(`directives: SSRScope thread (${MPM})`, () => {
  let h;
  before(async () => {
    const app = prepareApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: ssrConf(app, { extra: 'SSRScope thread' }),
      limits: 'single-worker',
    });
  });
  after(() => h?.stop());

  it('reuses the heap of the (only) worker thread across requests', async () => {
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const res = await get(h, '/counter');
      assert.equal(res.status, 200, h.explain(res));
      seen.push(...counts(res.text));
    }
    assert.equal(seen.length, 4);
    for (let i = 1; i < seen.length; i++) assert.equal(seen[i], seen[i - 1] + 1, `counts ${seen}`);
  });
});

describe(`directives: SSRMaxRenders (${MPM})`, () => {
  let h;
  before(async () => {
    const app = prepareApp();
    h = await startHttpd({
      docroot: app.docroot,
      conf: ssrConf(app, { extra: 'SSRScope thread\nSSRMaxRenders 2' }),
      limits: 'single-worker',
    });
  });
  after(() => h?.stop());

  it('recycles the heap after n renders', async () => {
    const seen = [];
    for (let i = 0; i < 6; i++) {
      const res = await get(h, '/counter');
      assert.equal(res.status, 200, h.explain(res));
      seen.push(...counts(res.text));
    }
    assert.deepEqual(seen, [1, 2, 1, 2, 1, 2]);
  });
});
