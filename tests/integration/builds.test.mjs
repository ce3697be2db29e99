// Builds that cannot be loaded at all (no last good build to fall back on):
// a syntax error, a throw at top level, no render export.  Each is an error
// response (no JS text to the client), logged once, and does not take the
// server down.  SPEC 2, 7.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import {
  MPM, startHttpd, prepareApp, FIXTURES, fixTree, get, fixture, sleep,
} from './lib/httpd.mjs';

const LOAD_FAILURE = 'cannot load build';
const BAD = ['syntax-error', 'throws-at-load', 'no-render'];

describe(`unloadable builds (${MPM})`, () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    const conf = [];
    for (const b of BAD) {
      const p = path.join(app.dir, 'server', `${b}.js`);
      fs.copyFileSync(path.join(FIXTURES, 'bad', `${b}.js`), p);
      conf.push(
        `<Location /${b}/>`,
        '  SSREngine On',
        `  SSRBundle "${p}"`,
        `  SSRTemplate "${app.template}"`,
        `  SSRBase /${b}/`,
        '  SSRReloadInterval 0',
        '</Location>');
    }
    fixTree(app.dir);
    h = await startHttpd({ docroot: app.docroot, conf: conf.join('\n') });
  });
  after(() => h?.stop());

  for (const b of BAD) {
    it(`${b}: answers 5xx without JS details, logs "${LOAD_FAILURE}" once`, async () => {
      for (let i = 0; i < 5; i++) {
        const res = await get(h, `/${b}/about`);
        assert.ok(res.status >= 500 && res.status < 600, h.explain(res));
        for (const s of ['top-level-failure-marker', 'SyntaxError', 'rendr', 'not a function', 'entry-server']) {
          assert.ok(!res.text.includes(s), h.explain(res, `leaks ${s}`));
        }
      }
      await sleep(50);
      // once in all, from startup on: httpd loads every configured build
      // before it starts its children, which inherit the failure
      const lines = h.errorLog().split('\n').filter((l) => l.includes(LOAD_FAILURE) && l.includes(`${b}.js`));
      assert.equal(lines.length, 1, h.explain(null, `"${LOAD_FAILURE}" not logged exactly once for ${b}`));
    });
  }

  it('logs why: the JS error of a bundle that throws at load', async () => {
    assert.ok(h.errorLog().includes('top-level-failure-marker'), h.explain(null));
  });

  it('still serves static files', async () => {
    const res = await get(h, '/assets/app.js');
    assert.equal(res.status, 200, h.explain(res));
    assert.deepEqual(res.body, fixture('basic/client/assets/app.js'));
  });

  it('did not crash a child', () => {
    assert.ok(!/exit signal|Segmentation fault/.test(h.errorLog()), h.explain(null));
  });
});
