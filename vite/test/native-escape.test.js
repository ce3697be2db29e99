// The escape helpers of known renderers, pointed at mod_ssr's native escape
// (src/native-escape.js). fixtures/escape-helpers.json holds each helper as
// its package publishes it (react-dom 19.3, @vue/shared 3.5,
// preact-render-to-string 6.8, svelte 5.57, solid-js 1.9). The native is
// modelled here in JavaScript (tests/unit/check_natives.c checks the C one
// against the same helpers in Duktape).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformNativeEscapes, NATIVE_ESCAPE } from '../src/native-escape.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const HELPERS = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/escape-helpers.json'), 'utf8'));

/* __modSsrEscapeHtml as ssr_natives.c does it */
let nativeCalls = 0;
function nativeModel(s, mode) {
  if (typeof s !== 'string') throw new TypeError('not a string');
  nativeCalls++;
  const map = { '&': [1, '&amp;'], '<': [2, '&lt;'], '>': [4, '&gt;'], '"': [8, '&quot;'] };
  return s.replace(/[&<>"']/g, (c) => {
    if (c === "'") return mode & 0x10 ? '&#39;' : mode & 0x20 ? '&#x27;' : c;
    return mode & map[c][0] ? map[c][1] : c;
  });
}

/* the helper function of a module's code, with or without a native */
function load(code, name, native) {
  const body = code.replace(/^export /gm, '');
  return new Function(NATIVE_ESCAPE, `${body}\nreturn ${name};`)(native);
}

const CASES = [
  { key: 'react', name: 'escapeTextForBrowser', what: 'react-dom escapeTextForBrowser', attr: false },
  { key: 'vue', name: 'escapeHtml', what: '@vue/shared escapeHtml', attr: false },
  { key: 'preact', name: '_', what: 'preact-render-to-string encodeEntities', attr: false },
  { key: 'svelte', name: 'escape_html', what: 'svelte escape_html', attr: true },
  { key: 'solid', name: 'escape', what: 'solid-js/web escape', attr: true },
];

let seed = 42;
function rnd(n) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
const ALPHABET = ['&', '<', '>', '"', "'", '\u0000', 'a', ' ', '\u00e9', '\ud83d', '\ude00',
  '\ud83d\ude00', '\uffff', '&amp;', ';'];
function randomString() {
  let s = '';
  for (let n = rnd(30); n > 0; n--) s += ALPHABET[rnd(ALPHABET.length)];
  return s;
}
const OTHERS = () => [0, -1.5, NaN, 12n, true, false, null, undefined, [], ['<a>', '&'], {},
  { toString: () => '<b>' }, { valueOf: () => 'x&y', toString: () => 'no' }, '', () => '<c>'];

for (const c of CASES) {
  test(`${c.what}: strings go to the native, same output for every input`, () => {
    const code = HELPERS[c.key];
    const result = transformNativeEscapes(code);
    assert.ok(result, 'the helper is found');
    assert.deepEqual(result.changed, [c.what]);
    assert.deepEqual(result.skipped, []);
    assert.equal(result.code.split('\n').length, code.split('\n').length, 'lines keep their numbers');

    const original = load(code, c.name, undefined);
    const fast = load(result.code, c.name, nativeModel);
    const without = load(result.code, c.name, undefined);
    nativeCalls = 0;
    for (let k = 0; k < 3000; k++) {
      const s = randomString();
      for (const attr of c.attr ? [undefined, true, 1, ''] : [undefined]) {
        assert.equal(fast(s, attr), original(s, attr), `${JSON.stringify(s)} attr=${attr}`);
        assert.equal(without(s, attr), original(s, attr));
      }
    }
    assert.ok(nativeCalls >= 3000, 'the native did the strings');
    for (const v of OTHERS()) {
      for (const attr of c.attr ? [undefined, true] : [undefined]) {
        let want;
        let got;
        try { want = original(v, attr); } catch (e) { want = `throws ${e.constructor.name}`; }
        try { got = fast(v, attr); } catch (e) { got = `throws ${e.constructor.name}`; }
        assert.deepEqual(got, want, `${typeof v} ${String(v)} attr=${attr}`);
      }
    }
  });
}

test('a helper that differs from the known source is left as it is', () => {
  const react = HELPERS.react.replace('"&#x27;"', '"&#39;"');
  const result = transformNativeEscapes(react);
  assert.equal(result.code, react);
  assert.deepEqual(result.changed, []);
  assert.match(result.skipped[0], /react-dom escapeTextForBrowser: unknown source/);
});

test('the helper is left as it is when its regexps are not the known ones', () => {
  const variants = [
    /* another regexp */
    HELPERS.react.replace(`/["'&<>]/`, '/["&<>]/'),
    /* assigned again somewhere */
    `${HELPERS.react}\nmatchHtmlRegExp = /x/;\n`,
    /* declared twice */
    `${HELPERS.react}\nvar matchHtmlRegExp;\n`,
    /* not declared: a global of unknown value */
    HELPERS.preact.replace('var y=/["&<]/;', 'var z=/["&<]/;'),
    /* a global regexp whose lastIndex other code can see */
    `${HELPERS.svelte}\nexport const pattern = CONTENT_REGEX;\n`,
  ];
  for (const code of variants) {
    const result = transformNativeEscapes(code);
    assert.equal(result && result.code, code);
    assert.deepEqual(result.changed, []);
    assert.equal(result.skipped.length, 1, result.skipped.join('; '));
  }
});

test('a shadowing declaration elsewhere does not matter; one in the scope does', () => {
  const elsewhere = `${HELPERS.preact}\nfunction other(y){ y = 1; return y; }\n`;
  assert.deepEqual(transformNativeEscapes(elsewhere).changed, ['preact-render-to-string encodeEntities']);
  const inScope = `(function(){ var y = 1; ${HELPERS.preact} })();`;
  assert.deepEqual(transformNativeEscapes(inScope).changed, []);
});

test('modules without a known helper are not touched', () => {
  assert.equal(transformNativeEscapes('export function escape(s) { return s; }'), null);
  const other = 'function escapeHtml(s) { return s }';
  assert.equal(transformNativeEscapes(other).code, other);
});
