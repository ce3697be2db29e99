// transform-cache.js: results keyed by options, id and code, on disk too;
// the chunk's ES5 pass by statement groups gives ES5 that runs as the
// whole-chunk pass does, and reuses the groups an edit did not touch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import * as acorn from 'acorn';
import babel from '@babel/core';
import presetEnv from '@babel/preset-env';
import { createTransformCache, lowerChunk } from '../src/transform-cache.js';

const OPTIONS = {
  babelrc: false, configFile: false, browserslistConfigFile: false, sourceType: 'script',
  presets: [[presetEnv, { targets: { ie: '11' }, ignoreBrowserslistConfig: true, modules: false }]],
};

test('a result is reused for the same id and code, on disk across caches, and missed for other code', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mod-ssr-cache-'));
  try {
    let calls = 0;
    const t = async (code) => { calls++; return { code: code.toUpperCase() }; };
    const a = createTransformCache({ name: 't', fingerprint: 'f1', dir });
    assert.deepEqual(await a.get('/m.js', 'x', t), { code: 'X' });
    assert.deepEqual(await a.get('/m.js', 'x', t), { code: 'X' });
    assert.equal(calls, 1);
    const b = createTransformCache({ name: 't', fingerprint: 'f1', dir });
    assert.deepEqual(await b.get('/m.js', 'x', t), { code: 'X' });
    assert.equal(calls, 1, 'read from disk');
    assert.equal(b.stats.diskHits, 1);
    await b.get('/m.js', 'y', t);
    const c = createTransformCache({ name: 't', fingerprint: 'f2', dir });
    await c.get('/m.js', 'x', t);
    assert.equal(calls, 3, 'other code, other options: compiled');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// what a bundler prints: arrow wrappers, shorthand, ?., ??=, a name the
// helpers would want (_typeof)
const CHUNK = `"use strict";
var __commonJSMin = (cb, mod) => () => (mod || (cb((mod = { exports: {} }).exports, mod, mod.exports), cb = null), mod.exports);
function _typeof(x) { return "mine:" + x; }
var require_a = __commonJSMin(((exports, module) => {
\tvar value = 2;
\tmodule.exports = { value, get: function() { return typeof Symbol() + typeof value; } };
}));
var plain = function(o) { return o && o.x; };
function render(o) {
\tvar t = { a: 1 };
\tt.b ??= 3;
\treturn [require_a().value, require_a().get(), o?.deep?.x ?? "none", t.b, _typeof(1), plain({ x: 5 })].join(",");
}
exports.render = render;
` + Array.from({ length: 60 }, (_, i) =>
  `var require_f${i} = __commonJSMin(((exports, module) => { module.exports = { n: ${i} }; }));\n`).join('');

function run(code) {
  const module = { exports: {} };
  vm.runInNewContext(code, { module, exports: module.exports, Symbol });
  return module.exports.render({ deep: { x: 'deep' } });
}

test('the chunk by statement groups is ES5 and runs as the whole-chunk pass does', async () => {
  const whole = (await babel.transformAsync(CHUNK, OPTIONS)).code;
  const cache = createTransformCache({ name: 'chunk', fingerprint: 'f', dir: null });
  const r = await lowerChunk(CHUNK, { acorn, babel, babelOptions: OPTIONS, cache });
  assert.ok(r, 'lowered');
  assert.doesNotThrow(() => acorn.parse(r.code, { ecmaVersion: 5 }), r.code);
  assert.equal(run(r.code), run(whole));
  assert.equal(run(r.code), '2,symbolnumber,deep,3,mine:1,5');
  assert.ok(r.code.startsWith('"use strict";'), 'the prologue stays first');

  const again = await lowerChunk(CHUNK.replace('t.b ??= 3', 't.b ??= 4'), { acorn, babel, babelOptions: OPTIONS, cache });
  assert.ok(again.reused > 0, `reused ${again.reused}, compiled ${again.compiled}`);
  assert.equal(again.compiled, 1);
  assert.equal(run(again.code), '2,symbolnumber,deep,4,mine:1,5');
});

test('a chunk that does not parse is left to the whole-chunk pass', async () => {
  const cache = createTransformCache({ name: 'chunk', fingerprint: 'f', dir: null });
  assert.equal(await lowerChunk('var x = ;', { acorn, babel, babelOptions: OPTIONS, cache }), null);
});
