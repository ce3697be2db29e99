/*
 * The HTML escape helpers of known server renderers, made to call mod_ssr's
 * native escape (__modSsrEscapeHtml, mod_ssr/ssr_natives.c) for strings.
 *
 * Escaping text is a good part of a server render, and in Duktape's
 * bytecode interpreter a character loop is slow. A helper is changed only if
 * its source is, token for token, one whose behaviour is known: a function
 * declaration (its own name aside) and the regexps it uses, which must be
 * declared once in the module and never assigned again. The change is a
 * first line in the helper:
 *
 *   if (typeof s === "string" && typeof __modSsrEscapeHtml === "function")
 *     return __modSsrEscapeHtml(s, MODE);
 *
 * MODE names the characters the helper escapes and its spelling of the
 * apostrophe, so the result is the string the helper would have returned.
 * Any other argument (a number, an object with its own toString, a
 * function for Solid...) and any engine without the native (Node, an older
 * mod_ssr) take the helper's own code. A helper whose source differs in any
 * way (another version of the package) is left as it is.
 *
 * Plain ES5 is inserted: it runs before and after Babel unchanged.
 */
import crypto from 'node:crypto';
import * as acorn from 'acorn';

export const NATIVE_ESCAPE = '__modSsrEscapeHtml';

/* mode bits, as in ssr_natives.h */
const AMP = 0x01, LT = 0x02, GT = 0x04, QUOT = 0x08, APOS = 0x10, APOS_X = 0x20;

/*
 * Known helpers. `shapes`: sha256 (hex, first 16 digits) of the function's
 * tokens (see signature()) -> the outer names that code reads, with the
 * regexp literal each must be declared with; `arg`: the parameter that is
 * escaped; `mode`: a number, or [attribute parameter, mode if truthy, mode
 * if not].
 */
export const KNOWN_ESCAPES = [
  {
    /* react-dom/server 19: escapeTextForBrowser, all production builds */
    what: 'react-dom escapeTextForBrowser',
    hint: /\bfunction\s+escapeTextForBrowser\s*\(/,
    shapes: { '95493dd549b11c56': { matchHtmlRegExp: '/["\'&<>]/' } },
    arg: 0,
    mode: AMP | LT | GT | QUOT | APOS_X,
  },
  {
    /* @vue/shared 3.5: escapeHtml */
    what: '@vue/shared escapeHtml',
    hint: /\bfunction\s+escapeHtml\s*\(/,
    shapes: { '543189b875c812c6': { escapeRE: '/["\'&<>]/' } },
    arg: 0,
    mode: AMP | LT | GT | QUOT | APOS,
  },
  {
    /* preact-render-to-string 6: encodeEntities (minified in its dist) */
    what: 'preact-render-to-string encodeEntities',
    hint: /\/\["&<\]\//,
    shapes: {
      dce239d20c064102: { y: '/["&<]/' }, /* dist/index.module.js, index.mjs */
      '05e676eba4e2794e': { h: '/["&<]/' }, /* dist/jsx/index.module.js */
      c6cdfbbbe21adfdf: { _: '/["&<]/' }, /* dist/stream/index.module.js */
    },
    arg: 0,
    mode: AMP | LT | QUOT,
  },
  {
    /* svelte 5: escape_html (svelte/src/escaping.js) */
    what: 'svelte escape_html',
    hint: /\bfunction\s+escape_html\s*\(/,
    shapes: { f5f6e43f8ec1bd74: { ATTR_REGEX: '/[&"<]/g', CONTENT_REGEX: '/[&<]/g' } },
    arg: 0,
    mode: [1, AMP | LT | QUOT, AMP | LT],
  },
  {
    /* solid-js/web 1.9 server: escape */
    what: 'solid-js/web escape',
    hint: /\bfunction\s+escape\s*\(\s*s\s*,\s*attr\s*\)/,
    shapes: { a63cdc762dffc8d4: {} },
    arg: 0,
    mode: [1, AMP | QUOT, AMP | LT],
  },
];

const MAX_HELPER_CHARS = 4000;

const PARSE = { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true,
  allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true };

/* The function's tokens, its own name replaced, whitespace and comments
 * ignored: equal signatures are the same code. */
export function signature(source, ownName) {
  const parts = [];
  for (const tok of acorn.tokenizer(source, { ecmaVersion: 'latest' })) {
    let v = tok.value;
    if (tok.type.label === 'name' && v === ownName) v = '#self';
    else if (tok.type.label === 'regexp') v = `/${v.pattern}/${v.flags}`;
    parts.push(`${tok.type.label}\u0001${v === undefined ? '' : String(v)}`);
  }
  return crypto.createHash('sha256').update(parts.join('\u0002')).digest('hex').slice(0, 16);
}

/* A module's AST (as an ES module, else as a script), or null. */
export function parseModule(code) {
  try {
    return acorn.parse(code, PARSE);
  } catch {
    try {
      return acorn.parse(code, { ...PARSE, sourceType: 'script' });
    } catch {
      return null;
    }
  }
}

/* Calls visit(node, ancestors) for every node under node. */
export function walk(node, visit, ancestors = []) {
  if (!node || typeof node.type !== 'string') return;
  visit(node, ancestors);
  ancestors.push(node);
  for (const key of Object.keys(node)) {
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c.type === 'string') walk(c, visit, ancestors);
    } else if (v && typeof v.type === 'string') {
      walk(v, visit, ancestors);
    }
  }
  ancestors.pop();
}

const isFunction = (n) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' ||
  n.type === 'ArrowFunctionExpression';

/* The declarations of `name` that belong to the scope of `scope` (a
 * function or the program): var, let, const, function, class, parameters and
 * catch parameters, not those of nested functions. Each is the declarator's
 * init (null for other kinds). Block scopes are taken as the function's:
 * a second declaration anywhere in it makes the name ambiguous. */
function declarations(scope, name) {
  const found = [];
  const pattern = (p) => p && p.type === 'Identifier' && p.name === name;
  if (isFunction(scope)) {
    for (const p of scope.params) if (pattern(p) || p.type !== 'Identifier') found.push(null);
  }
  const visit = (n, top) => {
    if (!n || typeof n.type !== 'string') return;
    if (!top && isFunction(n)) {
      if (n.type === 'FunctionDeclaration' && pattern(n.id)) found.push(null);
      return;
    }
    if (n.type === 'VariableDeclarator' && n.id.type !== 'Identifier') found.push(null);
    if (n.type === 'VariableDeclarator' && pattern(n.id)) found.push(n.init);
    if (n.type === 'ClassDeclaration' && pattern(n.id)) found.push(null);
    if (n.type === 'CatchClause' && (pattern(n.param) || (n.param && n.param.type !== 'Identifier'))) found.push(null);
    for (const key of Object.keys(n)) {
      const v = n[key];
      if (Array.isArray(v)) for (const c of v) visit(c, false);
      else if (v && typeof v.type === 'string') visit(v, false);
    }
  };
  visit(isFunction(scope) ? scope.body : scope, true);
  return found;
}

/* Assignments to `name` under `scope`, but in nested functions that
 * declare a `name` of their own. */
function writes(scope, name) {
  let count = 0;
  const visit = (n, top) => {
    if (!n || typeof n.type !== 'string') return;
    if (!top && isFunction(n) && declarations(n, name).length > 0) return;
    /* a destructuring assignment counts whatever it assigns */
    if (n.type === 'AssignmentExpression' &&
        (n.left.type === 'Identifier' ? n.left.name === name : n.left.type !== 'MemberExpression')) {
      count++;
    }
    if (n.type === 'UpdateExpression' && n.argument.type === 'Identifier' && n.argument.name === name) count++;
    if ((n.type === 'ForInStatement' || n.type === 'ForOfStatement') &&
        n.left.type === 'Identifier' && n.left.name === name) count++;
    for (const key of Object.keys(n)) {
      const v = n[key];
      if (Array.isArray(v)) for (const c of v) visit(c, false);
      else if (v && typeof v.type === 'string') visit(v, false);
    }
  };
  visit(scope, true);
  return count;
}

/* Reads of `name` under `scope` outside the function `fn` (and outside
 * nested functions with a `name` of their own), declarations aside. */
function readsOutside(scope, name, fn) {
  let count = 0;
  const visit = (n, top, parent, key) => {
    if (!n || typeof n.type !== 'string' || n === fn) return;
    if (!top && isFunction(n) && declarations(n, name).length > 0) return;
    if (n.type === 'Identifier' && n.name === name &&
        !(parent && parent.type === 'VariableDeclarator' && key === 'id') &&
        !(parent && parent.type === 'MemberExpression' && key === 'property' && !parent.computed) &&
        !(parent && parent.type === 'Property' && key === 'key' && !parent.computed)) {
      count++;
    }
    for (const k of Object.keys(n)) {
      const v = n[k];
      if (Array.isArray(v)) for (const c of v) visit(c, false, n, k);
      else if (v && typeof v.type === 'string') visit(v, false, n, k);
    }
  };
  visit(scope, true, null, null);
  return count;
}

/* Does `name`, read in the function whose ancestors are given, resolve to
 * one declaration initialised with the regexp `literal` and never
 * assigned? (The function's own code is known not to declare it.) A
 * regexp with the g or y flag must be read by that function only. */
function regexpBinding(ancestors, fn, name, literal) {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const scope = ancestors[i];
    if (!isFunction(scope) && scope.type !== 'Program') continue;
    const decls = declarations(scope, name);
    if (decls.length === 0) continue;
    const init = decls.length === 1 ? decls[0] : null;
    if (!init || init.type !== 'Literal' || !init.regex ||
        `/${init.regex.pattern}/${init.regex.flags}` !== literal || writes(scope, name) !== 0) {
      return false;
    }
    /* a global or sticky regexp has state (lastIndex) the helper sets: no
     * other code may see it */
    return !/[gy]/.test(init.regex.flags) || readsOutside(scope, name, fn) === 0;
  }
  return false;
}

function prologue(fn, spec) {
  const names = fn.params.map((p) => (p.type === 'Identifier' ? p.name : null));
  const arg = names[spec.arg];
  if (!arg) return null;
  let mode;
  if (Array.isArray(spec.mode)) {
    const attr = names[spec.mode[0]];
    if (!attr) return null;
    mode = `${attr} ? ${spec.mode[1]} : ${spec.mode[2]}`;
  } else {
    mode = String(spec.mode);
  }
  return `if (typeof ${arg} === "string" && typeof ${NATIVE_ESCAPE} === "function") ` +
    `return ${NATIVE_ESCAPE}(${arg}, ${mode}); `;
}

/*
 * One module's code -> { code, changed: [what...], skipped: [why...] } or
 * null when no known helper is in it. `skipped` lists helpers that were
 * found by name but did not have a known shape.
 */
export function transformNativeEscapes(code, known = KNOWN_ESCAPES) {
  const candidates = known.filter((k) => k.hint.test(code));
  if (candidates.length === 0) return null;
  const ast = parseModule(code);
  if (!ast) return null;
  const edits = [];
  const changed = [];
  const skipped = [];
  const byShape = new Map();
  for (const k of candidates) {
    for (const [sig, regexps] of Object.entries(k.shapes)) byShape.set(sig, { spec: k, regexps });
  }
  walk(ast, (n, ancestors) => {
    if (n.type !== 'FunctionDeclaration' || !n.id || n.async || n.generator) return;
    /* every known helper is short: do not tokenize whole libraries */
    if (n.end - n.start > MAX_HELPER_CHARS) return;
    const sig = signature(code.slice(n.start, n.end), n.id.name);
    const shape = byShape.get(sig);
    if (!shape) {
      const named = candidates.find((k) => k.hint.test(`function ${n.id.name}(`));
      if (named) skipped.push(`${named.what}: unknown source (signature ${sig})`);
      return;
    }
    const { spec, regexps } = shape;
    const bad = Object.keys(regexps).find((name) => !regexpBinding(ancestors, n, name, regexps[name]));
    if (bad) {
      skipped.push(`${spec.what}: ${bad} is not (only) the regexp ${regexps[bad]}`);
      return;
    }
    const text = prologue(n, spec);
    if (!text) return;
    edits.push({ at: n.body.start + 1, text });
    changed.push(spec.what);
  });
  if (edits.length === 0) return skipped.length ? { code, changed, skipped } : null;
  let out = code;
  for (const e of edits.sort((a, b) => b.at - a.at)) {
    out = out.slice(0, e.at) + e.text + out.slice(e.at);
  }
  return { code: out, changed, skipped };
}
