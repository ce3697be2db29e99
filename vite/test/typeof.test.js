// `typeof` is left as it is in the server bundle: Duktape has native
// symbols, so Babel's `_typeof` helper (a function call per `typeof`) would
// only give the same answers more slowly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeFixture, buildFixture, locateSsrRender, runSsrRender, runInNode } from '../testing/fixture.js';

const ssrRender = locateSsrRender();
let root;

const ENTRY = `const sym = Symbol('s');
const values = [sym, Object(sym), Symbol.iterator, {}, null, undefined, 1, 'x', () => 1, true];
export function render() {
  const kinds = values.map((v) => typeof v);
  const checks = [typeof sym === 'symbol', 'object' === typeof Object(sym), typeof sym == 'object'];
  return { head: '', html: '<p>' + kinds.join(',') + ';' + checks.join(',') + '</p>' };
}
`;

before(async () => {
  root = makeFixture({ 'src/entry-server.ts': ENTRY });
  await buildFixture(root, { ssrRender: false });
});

after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

test('the server bundle has no _typeof helper', () => {
  const text = fs.readFileSync(path.join(root, 'dist/server/entry-server.js'), 'utf8');
  assert.ok(/typeof sym === ["']symbol["']/.test(text), 'typeof of a symbol kept');
  assert.ok(!/function _typeof\(/.test(text), 'the _typeof helper is bundled');
});

test('typeof gives what it gives in Node', { skip: !ssrRender && 'ssr-render not found' }, async () => {
  const template = path.join(root, 'dist/client/index.html');
  const bundle = path.join(root, 'dist/server/entry-server.js');
  const r = runSsrRender(ssrRender, ['--bundle', bundle, '--template', template, '/']);
  assert.equal(r.status, 0, r.stderr);
  const node = await runInNode(bundle, '/', undefined);
  assert.equal(node.html, '<p>symbol,object,symbol,object,object,undefined,number,string,function,boolean;true,true,false</p>');
  const expected = fs.readFileSync(template, 'utf8')
    .replace('<!--app-head-->', () => node.head).replace('<!--app-html-->', () => node.html);
  assert.equal(r.stdout, expected);
});
