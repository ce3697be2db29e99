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
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
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

// Source maps: the lowered chunk's map is composed of the groups' cached
// maps, shifted to where each group is now, and chained with the bundler's
// map of the chunk.  Here the "bundler" is a Babel reprint of an app source
// (its map: src/app.js -> chunk) with two banner lines in front.
const APP = `"use strict";
var __wrap = (cb) => () => cb();
var settings = { ...{ a: 1 }, b: 2 };
var first = settings?.a ?? "first-default";
function render(o) {
  var label = o?.name ?? "none";
  if (label === "boom") {
    throw new Error("render failed for " + label);
  }
  return [first, label, settings.b].join(",");
}
${Array.from({ length: 40 }, (_, i) => `var filler${i} = __wrap(() => ({ n: ${i}, m: "mark${i}" }));`).join('\n')}
var edited = __wrap(() => "EDIT_ME");
var kept = function () { return "plain es5"; };
exports.render = render;
`;

async function bundled(source, retainLines = false) {
  const r = await babel.transformAsync(source, {
    babelrc: false, configFile: false, sourceType: 'script', sourceMaps: true,
    filename: '/app/src/app.js', sourceFileName: 'src/app.js', retainLines,
  });
  return { code: `// banner one\n// banner two\n${r.code}\n`, map: { ...r.map, mappings: `;;${r.map.mappings}` } };
}

const MAP_OPTIONS = { ...OPTIONS, sourceMaps: true, filename: 'entry-server.js' };

// The app source line and column a throw's stack frame maps to.
function thrownAt(code, map) {
  const module = { exports: {} };
  vm.runInNewContext(code, { module, exports: module.exports }, { filename: 'bundle.js' });
  let stack = '';
  try {
    module.exports.render({ name: 'boom' });
  } catch (e) {
    stack = e.stack;
  }
  const m = /bundle\.js:(\d+):(\d+)/.exec(stack);
  assert.ok(m, stack);
  const pos = originalPositionFor(new TraceMap(map), { line: Number(m[1]), column: Number(m[2]) - 1 });
  return `${pos.source}:${pos.line}:${pos.column}`;
}

// Where `needle` (a unique piece of text) of a generated file maps to.
function origin(code, map, needle) {
  const at = code.indexOf(needle);
  assert.ok(at >= 0, needle);
  const before = code.slice(0, at).split('\n');
  const pos = originalPositionFor(new TraceMap(map), { line: before.length, column: before[before.length - 1].length });
  return `${pos.source}:${pos.line}:${pos.column}`;
}

const srcPos = (source, needle) => {
  const before = source.slice(0, source.indexOf(needle)).split('\n');
  return `src/app.js:${before.length}:${before[before.length - 1].length}`;
};

test('with source maps, the lowered chunk maps to the app source as the whole-chunk pass does', async () => {
  const chunk = await bundled(APP);
  const cache = createTransformCache({ name: 'chunk', fingerprint: 'maps', dir: null });
  const r = await lowerChunk(chunk.code, {
    acorn, babel, babelOptions: MAP_OPTIONS, cache, sourceMaps: true, inputSourceMap: chunk.map, file: 'entry-server.js',
  });
  assert.ok(r && r.map, 'lowered, with a map');
  assert.ok(r.compiled > 1, `compiled ${r.compiled}`);
  assert.doesNotThrow(() => acorn.parse(r.code, { ecmaVersion: 5 }));
  assert.deepEqual(r.map.sources, ['src/app.js']);
  const whole = await babel.transformAsync(chunk.code, { ...MAP_OPTIONS, inputSourceMap: chunk.map });

  // a throw in a freshly compiled group: at the `new Error` of the source
  assert.equal(thrownAt(r.code, r.map), srcPos(APP, 'new Error('));
  assert.equal(thrownAt(whole.code, whole.map), srcPos(APP, 'new Error('));
  // other positions: compiled groups, kept ES5 groups, after the helpers
  for (const needle of ['"mark3"', '"mark37"', '"EDIT_ME"', '"plain es5"', '"render failed for "', '"none"',
    '"first-default"']) {
    assert.equal(origin(r.code, r.map, needle), srcPos(APP, needle), needle);
    assert.equal(origin(r.code, r.map, needle), origin(whole.code, whole.map, needle), `${needle} as the whole pass`);
  }

  // an edit that adds lines in a group before the others: the throw's
  // group is reused from the cache, at its new place
  const edited = APP.replace('var __wrap = (cb) => () => cb();',
    'var __wrap = (cb) => () => {\n  var value = cb();\n  return value;\n};');
  const chunk2 = await bundled(edited);
  const again = await lowerChunk(chunk2.code, {
    acorn, babel, babelOptions: MAP_OPTIONS, cache, sourceMaps: true, inputSourceMap: chunk2.map, file: 'entry-server.js',
  });
  assert.ok(again && again.map);
  assert.equal(again.compiled, 1, `compiled ${again.compiled}, reused ${again.reused}`);
  assert.equal(thrownAt(again.code, again.map), srcPos(edited, 'new Error('));
  for (const needle of ['"mark3"', '"EDIT_ME"', '"plain es5"', 'var value = cb()']) {
    assert.equal(origin(again.code, again.map, needle), srcPos(edited, needle), needle);
  }

  // a throw in the edited (freshly compiled) group
  const throwing = edited.replace('var value = cb();', 'var value = cb();\n  if (value === "EDIT_ME") throw new Error("wrap failed");');
  const chunk3 = await bundled(throwing.replace('exports.render = render;', 'exports.render = () => edited();'));
  const third = await lowerChunk(chunk3.code, {
    acorn, babel, babelOptions: MAP_OPTIONS, cache, sourceMaps: true, inputSourceMap: chunk3.map, file: 'entry-server.js',
  });
  assert.ok(third.compiled >= 1 && third.reused > 0, `compiled ${third.compiled}, reused ${third.reused}`);
  assert.equal(thrownAt(third.code, third.map), srcPos(throwing, 'new Error("wrap failed")'));
});

test('with source maps and no input map, the lowered chunk maps to the chunk itself', async () => {
  const cache = createTransformCache({ name: 'chunk', fingerprint: 'maps-only', dir: null });
  const r = await lowerChunk(APP, { acorn, babel, babelOptions: MAP_OPTIONS, cache, sourceMaps: true, file: 'entry-server.js' });
  assert.deepEqual(r.map.sources, ['entry-server.js']);
  assert.equal(thrownAt(r.code, r.map), srcPos(APP, 'new Error(').replace('src/app.js', 'entry-server.js'));
  assert.equal(origin(r.code, r.map, '"plain es5"'), srcPos(APP, '"plain es5"').replace('src/app.js', 'entry-server.js'));
});

// a group kept as it is that starts on the line where a compiled group
// ends (`var arrow2 = ...` ends a group): its columns move with the output
test('a kept statement on the line of a compiled one keeps its columns mapped', async () => {
  const source = APP.replace('var kept = function', 'var arrow2 = () => "arrow"; var sameLine = "same-line"; var kept = function');
  const chunk = await bundled(source, true);
  assert.match(chunk.code, /var arrow2 = \(\) => "arrow"; ?var sameLine/);
  for (const [input, name] of [[chunk, 'src/app.js'], [{ code: source, map: null }, 'entry-server.js']]) {
    const cache = createTransformCache({ name: 'chunk', fingerprint: `line-${name}`, dir: null });
    const r = await lowerChunk(input.code, {
      acorn, babel, babelOptions: MAP_OPTIONS, cache, sourceMaps: true, inputSourceMap: input.map, file: 'entry-server.js',
    });
    assert.ok(!/"arrow"; ?var sameLine/.test(r.code), 'the arrow function was compiled');
    // without an input map, text kept as it is maps by statements and lines
    const at = input.map ? '"same-line"' : 'var sameLine';
    assert.equal(origin(r.code, r.map, '"same-line"'), srcPos(source, at).replace('src/app.js', name), name);
  }
});
