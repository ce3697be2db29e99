// Which core-js modules the server bundle carries: not the collections
// mod_ssr's engine implements in C (Map, Set, WeakMap, WeakSet), nor the
// natives kept from Duktape, unless `polyfills: { trustNative: false }`.
// The fixture app uses Map, Set and WeakMap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeFixture, buildFixture, locateSsrRender, runSsrRender, runInNode } from '../testing/fixture.js';

const ssrRender = locateSsrRender();
const ENGINE = ['es.map', 'es.set', 'es.weak-map', 'es.weak-set', 'web.dom-collections.iterator'];
const roots = {};

function coreJsModules(root) {
  const text = fs.readFileSync(path.join(root, 'dist/server/entry-server.js'), 'utf8');
  return new Set([...text.matchAll(/core-js\/modules\/([a-z0-9.-]+)\.js/g)].map((m) => m[1]));
}

before(async () => {
  roots.native = makeFixture();
  await buildFixture(roots.native, { ssrRender: false });
  roots.corejs = makeFixture();
  await buildFixture(roots.corejs, { ssrRender: false, polyfills: { trustNative: false } });
});

after(() => {
  for (const root of Object.values(roots)) fs.rmSync(root, { recursive: true, force: true });
});

test('by default the bundle has no core-js Map, Set, WeakMap, WeakSet', () => {
  const mods = coreJsModules(roots.native);
  assert.ok(mods.size > 0, 'the fixture uses other core-js modules');
  for (const m of ENGINE) assert.ok(!mods.has(m), `${m} bundled: ${[...mods].join(' ')}`);
  assert.ok(!mods.has('es.map.constructor') && !mods.has('es.set.constructor'));
});

test('trustNative: false bundles core-js\'s collections again', () => {
  const mods = coreJsModules(roots.corejs);
  for (const m of ['es.map', 'es.set', 'es.weak-map']) assert.ok(mods.has(m), `${m} not bundled`);
});

test('the bundle without them renders in the engine as in Node', { skip: !ssrRender && 'ssr-render not found' }, async () => {
  const root = roots.native;
  const template = path.join(root, 'dist/client/index.html');
  const bundle = path.join(root, 'dist/server/entry-server.js');
  const r = runSsrRender(ssrRender, ['--bundle', bundle, '--template', template, '/about']);
  assert.equal(r.status, 0, r.stderr);
  const node = await runInNode(bundle, 'about', undefined);
  const expected = fs.readFileSync(template, 'utf8')
    .replace('<!--app-head-->', () => node.head).replace('<!--app-html-->', () => node.html);
  assert.equal(r.stdout, expected);
});
