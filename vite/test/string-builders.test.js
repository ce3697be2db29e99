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

for (const [key, code] of Object.entries(BUILDERS)) {
  test(`react-dom renderToString (${key}): joins its chunks, same string for every input`, () => {
    const result = transformStringBuilders(code);
    assert.deepEqual(result.changed, ['react-dom renderToString']);
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
