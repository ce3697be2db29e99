/*
 * Known renderers that build a whole page with `result += chunk`, made to
 * collect the chunks in an array and join them once.
 *
 * Duktape makes a new string at every `+=`: it copies both sides and
 * interns the result, so a page of n chunks copies and hashes O(n^2)
 * bytes and leaves n strings of growing size for the collector. An array
 * and one join copies each chunk once. For React's renderToString this is
 * about 12% of a render's CPU time.
 *
 * As for the native escape (native-escape.js), a function is changed only
 * if its source is, token for token, one whose behaviour is known, and each
 * edit must find its text exactly once in it. The edits stay on their
 * lines (line numbers do not move), and they give the same string: each
 * chunk is taken as a string as `+=` would (`"" + chunk` for anything
 * else), and the chunks are joined with "".
 *
 * Plain ES5 is inserted: it runs before and after Babel unchanged.
 */
import { parseModule, signature, walk } from './native-escape.js';

/* How a chunk goes into the array: what `+=` would append. */
const AS_STRING = (v) => `typeof ${v} === "string" ? ${v} : "" + ${v}`;

/* renderToString's array, on its destination object, and flushSubtree's
 * name for it. */
const CHUNKS = '__modSsrChunks';
const OUT = 'modSsrOut';
/* chunks[chunkIdx .. end) into the array as one string, chunkIdx moved
 * to end, when the destination has the array (an expression) */
const bulk = (end) => `${OUT} && chunkIdx < ${end} && (${OUT}.push(chunks.slice(chunkIdx, ${end}).join("")), chunkIdx = ${end})`;

/*
 * Known builders. `shapes`: signatures (see native-escape.js) of the
 * function's published source; `edits`: [text, replacement] pairs, each
 * text found exactly once in the function.
 */
export const KNOWN_BUILDERS = [
  {
    /* react-dom/server 19 (legacy browser and node builds, production):
     * renderToString and renderToStaticMarkup */
    what: 'react-dom renderToString',
    hint: /\bfunction\s+renderToStringImpl\s*\(/,
    name: 'renderToStringImpl',
    shapes: ['2c5c8b3fc2256038', /* legacy.browser.production.js */
      '323c22987c12c9be'], /* legacy.node.production.js */
    edits: [
      ['result = "",', 'result = [],'],
      /* the array, for flushSubtree below */
      ['push: function (chunk) {', `${CHUNKS}: result, push: function (chunk) {`],
      ['null !== chunk && (result += chunk);', `null !== chunk && result.push(${AS_STRING('chunk')});`],
      ['return result;\n}', 'return result.join("");\n}'],
    ],
  },
  {
    /* react-dom/server 19 (the same builds): flushSubtree gives a segment's
     * chunks to the destination one push() call at a time; into
     * renderToString's array they go as one joined slice. Other
     * destinations (streams) have no array and take the loop as before. */
    what: 'react-dom flushSubtree',
    /* only beside renderToString: the streaming builds have no array */
    hint: /\bfunction\s+renderToStringImpl\s*\([^]*\bfunction\s+flushSubtree\s*\(|\bfunction\s+flushSubtree\s*\([^]*\bfunction\s+renderToStringImpl\s*\(/,
    name: 'flushSubtree',
    shapes: ['8e6ec1f8730aaf7e', /* legacy.browser.production.js */
      '3e3f7db78ecc932c'], /* legacy.node.production.js */
    edits: [
      ['segment = segment.children;', `segment = segment.children; var ${OUT} = destination.${CHUNKS};`],
      ['for (r = segment[childIdx]; chunkIdx < r.index; chunkIdx++)',
        `for (r = segment[childIdx], ${bulk('r.index')}; chunkIdx < r.index; chunkIdx++)`],
      ['for (; chunkIdx < chunks.length - 1; chunkIdx++)',
        `for (${bulk('chunks.length - 1')}; chunkIdx < chunks.length - 1; chunkIdx++)`],
    ],
  },
];

function count(text, part) {
  let n = 0;
  for (let i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) n++;
  return n;
}

/* The function declarations named `name`, at any depth. */
function functionsNamed(ast, name) {
  const found = [];
  walk(ast, (n) => {
    if (n.type === 'FunctionDeclaration' && n.id && n.id.name === name) found.push(n);
  });
  return found;
}

/*
 * One module's code -> { code, changed: [what...], skipped: [why...] } or
 * null when no known builder is in it.
 */
export function transformStringBuilders(code, known = KNOWN_BUILDERS) {
  const candidates = known.filter((k) => k.hint.test(code));
  if (candidates.length === 0) return null;
  const ast = parseModule(code);
  if (!ast) return null;
  const edits = [];
  const changed = [];
  const skipped = [];
  for (const spec of candidates) {
    for (const fn of functionsNamed(ast, spec.name)) {
      if (fn.async || fn.generator) continue;
      const text = code.slice(fn.start, fn.end);
      const sig = signature(text, fn.id.name);
      if (!spec.shapes.includes(sig)) {
        skipped.push(`${spec.what}: unknown source (signature ${sig})`);
        continue;
      }
      if (spec.edits.some(([from]) => count(text, from) !== 1)) {
        skipped.push(`${spec.what}: the text to change is not there once`);
        continue;
      }
      let out = text;
      for (const [from, to] of spec.edits) out = out.replace(from, () => to);
      edits.push({ start: fn.start, end: fn.end, text: out });
      changed.push(spec.what);
    }
  }
  if (edits.length === 0) return skipped.length ? { code, changed, skipped } : null;
  let out = code;
  for (const e of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  return { code: out, changed, skipped };
}
