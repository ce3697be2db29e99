// The engine's native Map, Set, WeakMap and WeakSet (mod_ssr/ssr_collections.c):
// a conformance script (fixtures/collections/cases.js) rendered by the module
// and by ssr-render must print what Node prints for the same script.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MPM, startHttpd, prepareApp, ssrConf, get } from './lib/httpd.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CASES = path.join(here, 'fixtures', 'collections', 'cases.js');

// What Node renders: the same CommonJS script, run as a function.
function nodeRender() {
  const module = { exports: {} };
  new Function('module', 'exports', fs.readFileSync(CASES, 'utf8'))(module, module.exports);
  return module.exports.render();
}

function pre(text) {
  const m = /<pre>[\s\S]*<\/pre>/.exec(text);
  return m ? m[0] : `(no <pre> in the page)\n${text.slice(0, 2000)}`;
}

// One line per case: a failure names the cases that differ.
function assertSameLines(actual, expected, who) {
  const a = actual.split('\n');
  const e = expected.split('\n');
  const diff = [];
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) diff.push(`  ${who}: ${a[i]}\n  node:   ${e[i]}`);
  }
  assert.equal(diff.length, 0, `${who} differs from Node:\n${diff.join('\n')}`);
}

describe(`collections (${MPM})`, () => {
  let h;
  let app;
  const expected = nodeRender();

  before(async () => {
    app = prepareApp({ bundle: 'collections/cases.js' });
    h = await startHttpd({ docroot: app.docroot, conf: ssrConf(app) });
  });
  after(() => h?.stop());

  it('the module renders the conformance cases as Node does', async () => {
    const res = await get(h, '/');
    assert.equal(res.status, 200, h.explain(res));
    assertSameLines(pre(res.text), expected, 'module');
  });

  it('ssr-render renders them as Node does', (t) => {
    const cli = process.env.SSR_RENDER;
    if (!cli || !fs.existsSync(cli)) {
      t.skip('ssr-render not built (SSR_RENDER unset or missing)');
      return;
    }
    const out = execFileSync(cli, ['--bundle', CASES, '--template', app.template, '/'], {
      stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000,
    }).toString('utf8');
    assertSameLines(pre(out), expected, 'ssr-render');
  });

  it('a heap that makes new weak collections for every render does not grow', (t) => {
    const cli = process.env.SSR_RENDER;
    if (!cli || !fs.existsSync(cli)) {
      t.skip('ssr-render not built (SSR_RENDER unset or missing)');
      return;
    }
    const bundle = path.join(here, 'fixtures', 'collections', 'weak-churn.js');
    const heapAfter = (n) => {
      const r = spawnSync(cli, ['--repeat', String(n), '--bundle', bundle, '--template', app.template, '/'], {
        encoding: 'utf8', timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /<p>ok<\/p>/, r.stdout.slice(0, 2000));
      const m = /heap_bytes=(\d+)/.exec(r.stderr);
      assert.ok(m, r.stderr);
      return Number(m[1]);
    };
    const few = heapAfter(20);
    const many = heapAfter(400);
    assert.ok(many - few < 64 * 1024,
      `heap after 400 renders ${many} bytes, after 20 ${few}: grows with the collections made`);
  });
});
