// The page builders of known renderers, made to join their chunks once
// (src/string-builders.js). fixtures/string-builders.json holds react-dom
// 19.3's renderToStringImpl as its legacy browser and node production
// builds publish it; here it runs with its collaborators stubbed, so that
// the chunks it is given and the string it returns can be compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformStringBuilders } from '../src/string-builders.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUILDERS = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/string-builders.json'), 'utf8'));

/* renderToStringImpl with React's internals replaced: startFlowing pushes
 * the given chunks to the destination, and the request is ready. */
function load(code, chunks, { fatal = null } = {}) {
  const stubs = {
    createResumableState: () => ({}),
    createRenderState: () => ({}),
    createFormatContext: () => ({}),
    createRequest: (...args) => { args[8](); return { destination: null, status: 0, trackedPostpones: null }; },
    performWork: () => {},
    safelyEmitEarlyPreloads: () => {},
    abort: () => {},
    onError: () => {},
    formatProdErrorMessage: (n) => `error ${n}`,
    startFlowing: (request, destination) => {
      for (const c of chunks) destination.push(c);
      if (fatal) destination.destroy(fatal);
    },
  };
  const names = Object.keys(stubs);
  return new Function(...names, `${code}\nreturn renderToStringImpl;`)(...names.map((n) => stubs[n]));
}

const CHUNKS = [
  ['<div>', 'a', null, '</div>'],
  [],
  ['', '', 'x'],
  ['<p data-x="1">', 'caf\u00e9 \ud83d\ude00', null, null, '</p>'],
  /* what += makes of other values, though React pushes strings only */
  ['a', 12, undefined, true, { toString: () => '<obj>' }, 'z'],
];

for (const [key, code] of Object.entries(BUILDERS).filter(([k]) => !k.endsWith('-flushSubtree'))) {
  test(`react-dom renderToString (${key}): joins its chunks, same string for every input`, () => {
    const result = transformStringBuilders(code);
    assert.deepEqual(result.changed, ['react-dom renderToString']);
    assert.match(result.code, /__modSsrChunks: result, push: function/);
    assert.deepEqual(result.skipped, []);
    assert.notEqual(result.code, code);
    assert.equal(result.code.split('\n').length, code.split('\n').length, 'lines keep their numbers');
    assert.match(result.code, /result\.push\(/);
    assert.match(result.code, /return result\.join\(""\);/);
    assert.doesNotMatch(result.code, /result \+= chunk/);
    for (const chunks of CHUNKS) {
      const before = load(code, chunks)(null, undefined, false, 'reason');
      const after = load(result.code, chunks)(null, undefined, false, 'reason');
      assert.equal(after, before);
    }
  });

  test(`react-dom renderToString (${key}): a fatal error is thrown as before`, () => {
    const { code: changed } = transformStringBuilders(code);
    const boom = new Error('boom');
    assert.throws(() => load(changed, ['a'], { fatal: boom })(null, undefined, false, 'reason'), /boom/);
  });
}

test('a builder that differs from the known source is left as it is', () => {
  const code = BUILDERS['react-browser'].replace('result += chunk', 'result = result + chunk');
  const result = transformStringBuilders(code);
  assert.deepEqual(result.changed, []);
  assert.equal(result.code, code);
  assert.match(result.skipped[0], /unknown source/);
});

test('modules without a known builder are not touched', () => {
  assert.equal(transformStringBuilders('function render() { var result = ""; result += "a"; return result; }'), null);
});

// flushSubtree with its collaborators stubbed: flushSegment flushes a
// child segment with flushSubtree itself (a segment without a boundary).
function loadFlush(code) {
  const box = {};
  const names = ['flushSegment', 'formatProdErrorMessage'];
  const stubs = [
    (request, destination, segment, hoistable) => box.flushSubtree(request, destination, segment, hoistable),
    (n) => `error ${n}`,
  ];
  box.flushSubtree = new Function(...names, `${code}\nreturn flushSubtree;`)(...stubs);
  return box.flushSubtree;
}

const PIECES = ['<div>', '', 'a', 'caf\u00e9', '\ud83d\ude00', '</div>', ' class="x"', null];
function tree(seed, depth = 0) {
  let x = seed;
  const next = (n) => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x % n; };
  const chunks = [];
  for (let i = next(7); i > 0; i--) chunks.push(PIECES[next(PIECES.length)]);
  const children = [];
  if (depth < 3) {
    let at = 0;
    for (let i = next(4); i > 0; i--) {
      at += next(chunks.length - at + 1);
      children.push({ index: at, ...tree(next(1 << 30), depth + 1) });
    }
  }
  return { status: 1, chunks, children };
}

for (const key of Object.keys(BUILDERS).filter((k) => k.endsWith('-flushSubtree'))) {
  test(`react-dom flushSubtree (${key}): renderToString's array gets the same page; a stream the same pushes`, () => {
    const code = BUILDERS[key];
    const result = transformStringBuilders(BUILDERS[key.replace('-flushSubtree', '')] + '\n' + code);
    assert.deepEqual(result.changed, ['react-dom renderToString', 'react-dom flushSubtree']);
    const changed = result.code.slice(result.code.indexOf('function flushSubtree('));
    assert.equal(changed.split('\n').length, code.split('\n').length, 'lines keep their numbers');
    const before = loadFlush(code);
    const after = loadFlush(changed);
    for (let seed = 1; seed <= 200; seed++) {
      // as renderToString: += before, the array after
      let page = '';
      const r1 = before({ nextSegmentId: 0 }, {
        push(c) { null !== c && (page += c); return true; },
      }, tree(seed), null);
      const parts = [];
      const r2 = after({ nextSegmentId: 0 }, {
        __modSsrChunks: parts,
        push(c) { null !== c && parts.push(typeof c === 'string' ? c : '' + c); return true; },
      }, tree(seed), null);
      assert.equal(parts.join(''), page, `seed ${seed}`);
      assert.equal(r2, r1);
      // a stream destination: the same push() calls, in order
      const calls1 = [];
      const calls2 = [];
      before({ nextSegmentId: 0 }, { push(c) { calls1.push(c); return true; } }, tree(seed), null);
      after({ nextSegmentId: 0 }, { push(c) { calls2.push(c); return true; } }, tree(seed), null);
      assert.deepEqual(calls2, calls1, `seed ${seed}`);
    }
  });
}

test('flushSubtree is changed only beside renderToString (not in the streaming builds)', () => {
  assert.equal(transformStringBuilders(BUILDERS['react-browser-flushSubtree']), null);
});
