// renderToPipeableStream: which modules get react-dom's Node build, and the
// working Node built-ins that build needs when it loads (src/node-streams.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { pipeableServerImports, workingBuiltinExport, workingBuiltinNames } from '../src/node-streams.js';

test('an entry naming renderToPipeableStream imports react-dom/server.node', () => {
  const code = "import { renderToPipeableStream } from 'react-dom/server'\nexport const r = renderToPipeableStream";
  assert.equal(pipeableServerImports(code),
    "import { renderToPipeableStream } from 'react-dom/server.node'\nexport const r = renderToPipeableStream");
  assert.equal(pipeableServerImports('const s = require("react-dom/server"); s.renderToPipeableStream()'),
    'const s = require("react-dom/server.node"); s.renderToPipeableStream()');
});

test('other imports of react-dom/server are left alone', () => {
  assert.equal(pipeableServerImports("import { renderToString } from 'react-dom/server'"), null);
  assert.equal(pipeableServerImports("import { renderToPipeableStream } from 'react-dom/server.browser'"), null);
  assert.equal(pipeableServerImports("import x from 'react-dom/server-extra'; renderToPipeableStream"), null);
});

test('util and async_hooks get working exports; other built-ins none', () => {
  assert.deepEqual(workingBuiltinNames('util').sort(), ['TextDecoder', 'TextEncoder']);
  assert.deepEqual(workingBuiltinNames('crypto'), []);
  assert.equal(workingBuiltinExport('crypto', 'createHash'), null);
  const line = workingBuiltinExport('async_hooks', 'AsyncLocalStorage');
  const ALS = vm.runInNewContext(line.replace(/^export var AsyncLocalStorage = /, '').replace(/;$/, ''));
  const als = new ALS();
  assert.equal(als.getStore(), undefined);
  assert.equal(als.run('req', (a, b) => `${als.getStore()}:${a}${b}`, 1, 2), 'req:12');
  assert.equal(als.getStore(), undefined);
  assert.equal(als.run('outer', () => als.run('inner', () => als.getStore()) + '/' + als.getStore()), 'inner/outer');
});
