// The plugin supports Vite 6 and later: Vite 6 and 7 bundle with Rollup and
// @rollup/plugin-commonjs, Vite 8 (this package's devDependency) with
// Rolldown. Set MOD_SSR_TEST_VITE_OTHER to the directory of another Vite
// package (e.g. one made by `npm install vite@6` in a scratch directory:
// .../node_modules/vite) to build the fixture with it too. (Not a
// devDependency: an npm alias of an older Vite makes the lock file depend on
// every platform build of Rollup.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as acorn from 'acorn';
import { makeFixture, buildFixture, runInNode, locateSsrRender, runSsrRender } from '../testing/fixture.js';

const ssrRender = locateSsrRender();
const otherDir = process.env.MOD_SSR_TEST_VITE_OTHER;

test('another Vite (MOD_SSR_TEST_VITE_OTHER) builds the same kind of server bundle',
  { skip: !otherDir && 'MOD_SSR_TEST_VITE_OTHER not set' }, async () => {
    const vite = await import(pathToFileURL(path.join(otherDir, 'dist/node/index.js')).href);
    const root = makeFixture();
    try {
      await buildFixture(root, { ssrRender: ssrRender || false }, {}, vite);
      const bundle = path.join(root, 'dist/server/entry-server.js');
      const code = fs.readFileSync(bundle, 'utf8');
      acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
      assert.deepEqual([...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]), []);
      assert.ok(fs.existsSync(path.join(root, 'dist/client/.vite/ssr-manifest.json')));
      const out = await runInNode(bundle, '');
      assert.match(out.html, / ; production ; function ; url= ; manifest=undefined<\/p>$/);
      if (ssrRender) {
        const r = runSsrRender(ssrRender, ['--bundle', bundle, '/']);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, out.html);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
