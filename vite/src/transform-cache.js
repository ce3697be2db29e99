/*
 * Per-module transform results of the server build, reused across builds.
 *
 * The server bundle's modules all go through Babel (ES5 plus core-js
 * imports) and the native-escape rewrite: most of a server build's time, and
 * the same work again on every `vite build --watch` rebuild, where one edited
 * module is all that changed.  A result is keyed by what it depends on: the
 * transform's name and options fingerprint (this package's version, Babel's,
 * core-js's, the targets and polyfill lists, source maps on or off), the
 * module id and a hash of its code.  So a changed module, option or
 * dependency version can only miss, never reuse a stale result.
 *
 * Results live in memory for the life of the process (watch rebuilds) and,
 * unless disabled, on disk under node_modules/.vite-plugin-mod-ssr/ (the next
 * `vite build` of the same sources), one file per result, written by rename
 * so that concurrent builds never read half a file.  A result that cannot be
 * read is a miss.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decode, encode } from '@jridgewell/sourcemap-codec';

const MEMORY_LIMIT = 20000;          /* results kept in memory per cache */

function hash(...parts) {
  const h = crypto.createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? p : JSON.stringify(p));
    h.update('\0');
  }
  return h.digest('hex');
}

/** A fingerprint of options (any JSON-able value; functions by their source). */
export function fingerprint(value) {
  return hash(JSON.stringify(value, (k, v) => {
    if (typeof v === 'function') return `fn:${v.name}:${v.toString()}`;
    if (v instanceof RegExp) return `re:${v.toString()}`;
    return v;
  }));
}

/* Results nobody wrote for PRUNE_DAYS are removed, in the background, once
 * per process and folder: every edit in watch mode leaves one behind. */
const PRUNE_DAYS = 14;
const pruned = new Set();
function pruneLater(folder) {
  if (pruned.has(folder)) return;
  pruned.add(folder);
  const limit = Date.now() - PRUNE_DAYS * 24 * 3600 * 1000;
  setImmediate(async () => {
    try {
      for (const sub of await fs.promises.readdir(folder)) {
        const dir = path.join(folder, sub);
        for (const f of await fs.promises.readdir(dir)) {
          const file = path.join(dir, f);
          const st = await fs.promises.stat(file);
          if (st.mtimeMs < limit) await fs.promises.unlink(file);
        }
      }
    } catch {
      /* no cache yet, or a concurrent build pruning it too */
    }
  }).unref?.();
}

/** The default directory of the disk cache for a project root. */
export function defaultCacheDir(root) {
  return path.join(root, 'node_modules', '.vite-plugin-mod-ssr');
}

/**
 * A cache of one transform.
 * @param {{ name: string, fingerprint: string, dir?: string|null }} spec
 *   dir: the disk cache's directory (null: memory only)
 */
export function createTransformCache({ name, fingerprint: fp, dir = null }) {
  const memory = new Map();
  const stats = { hits: 0, diskHits: 0, misses: 0 };
  const folder = dir ? path.join(dir, name) : null;
  let diskUsable = !!folder;

  const keyOf = (id, code) => hash(name, fp, id, code);
  if (folder) pruneLater(folder);
  const fileOf = (key) => path.join(folder, key.slice(0, 2), `${key.slice(2)}.json`);

  function remember(key, value) {
    if (memory.has(key)) memory.delete(key);
    memory.set(key, value);
    if (memory.size > MEMORY_LIMIT) memory.delete(memory.keys().next().value);
  }

  function readDisk(key) {
    if (!diskUsable) return undefined;
    try {
      return JSON.parse(fs.readFileSync(fileOf(key), 'utf8'));
    } catch {
      return undefined;
    }
  }

  function writeDisk(key, value) {
    if (!diskUsable) return;
    const file = fileOf(key);
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify(value));
      fs.renameSync(tmp, file);
    } catch {
      /* a read-only or full disk: memory only from now on */
      diskUsable = false;
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* not written */
      }
    }
  }

  return {
    stats,
    /**
     * The result of `transform(code)` for module `id`: a cached one when the
     * same code was transformed with the same options before.  `transform`
     * returns a JSON-able value (or null); a throw is not cached.
     */
    async get(id, code, transform) {
      const key = keyOf(id, code);
      if (memory.has(key)) {
        stats.hits++;
        return memory.get(key);
      }
      const stored = readDisk(key);
      if (stored !== undefined) {
        stats.diskHits++;
        remember(key, stored.value);
        return stored.value;
      }
      stats.misses++;
      const value = await transform(code);
      remember(key, value);
      writeDisk(key, { value });
      return value;
    },
  };
}

/* ---------------------------------------------------------------------------
 * The finished chunk's pass to ES5, statement by statement.
 *
 * The bundler reprints every module (arrow-function wrappers, shorthand
 * properties, `?.` and `??=` folded back in), so the chunk needs one more
 * pass to ES5 even though each module was compiled.  Over the whole chunk
 * that pass costs seconds on every rebuild, for a change to one module.  The
 * chunk is a script whose top-level statements are, but for the edited
 * module's, the same text from one build to the next: each statement is
 * compiled by itself and the result cached by its text.  Statements already
 * ES5 are kept as they are.
 *
 * What a statement's compilation adds at the top level is kept apart:
 * Babel's helpers (one copy each, put first) and temporaries.  Their names
 * must not be names of the chunk: the chunk's `_`-prefixed top-level names
 * (Babel's names all start with `_`) are given to Babel as references, so
 * that it picks others.  When anything does not fit (a parse error, a helper
 * whose name another statement's helper uses for other code), null is
 * returned and the caller compiles the whole chunk as before.
 *
 * With source maps, each compiled group's Babel map is cached with it,
 * relative to the group (its text is the key: the same group is at another
 * place in the next chunk).  The lowered chunk's map is put together from
 * the pieces: a compiled group's map shifted to where the group starts in
 * the chunk and where its output lands, text kept as it is mapped to
 * itself, and the whole traced through the bundler's map of the chunk, as
 * Babel's `inputSourceMap` does for the whole-chunk pass.
 * ------------------------------------------------------------------------- */

const ES5_TYPES = new Set([
  'Program', 'ExpressionStatement', 'BlockStatement', 'EmptyStatement', 'DebuggerStatement',
  'ReturnStatement', 'LabeledStatement', 'BreakStatement', 'ContinueStatement', 'IfStatement',
  'SwitchStatement', 'SwitchCase', 'ThrowStatement', 'TryStatement', 'CatchClause',
  'WhileStatement', 'DoWhileStatement', 'ForStatement', 'ForInStatement', 'FunctionDeclaration',
  'VariableDeclaration', 'VariableDeclarator', 'ThisExpression', 'ArrayExpression',
  'ObjectExpression', 'Property', 'FunctionExpression', 'UnaryExpression', 'UpdateExpression',
  'BinaryExpression', 'AssignmentExpression', 'LogicalExpression', 'MemberExpression',
  'ConditionalExpression', 'CallExpression', 'NewExpression', 'SequenceExpression',
  'Identifier', 'Literal',
]);

/* Whether an acorn node (parsed as the latest ECMAScript) is ES5 syntax:
 * only ES5 node types, var declarations, plain properties and parameters,
 * no regexp flags or literal forms ES5 lacks. */
function isEs5Node(node) {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop();
    if (!ES5_TYPES.has(n.type)) return false;
    switch (n.type) {
      case 'VariableDeclaration':
        if (n.kind !== 'var') return false;
        break;
      case 'Property':
        if (n.shorthand || n.method || n.computed) return false;
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
        if (n.async || n.generator) return false;
        if (n.params.some((p) => p.type !== 'Identifier')) return false;
        break;
      case 'CatchClause':
        if (!n.param || n.param.type !== 'Identifier') return false;
        break;
      case 'Literal':
        if (n.regex || n.bigint !== undefined) return false;
        /* numeric separators, 0o/0b, \u{...}: left to Babel */
        if (typeof n.value === 'number' && /[_oObB]/.test(n.raw)) return false;
        if (typeof n.value === 'string' && /\\u\{/.test(n.raw)) return false;
        break;
      case 'ForInStatement':
        if (n.left.type === 'VariableDeclaration' && n.left.kind !== 'var') return false;
        break;
      case 'MemberExpression':
      case 'CallExpression':
        if (n.optional) return false;
        break;
      case 'AssignmentExpression':
        if (n.operator === '**=' || n.operator === '&&=' || n.operator === '||=' ||
            n.operator === '??=') return false;
        if (n.left.type !== 'Identifier' && n.left.type !== 'MemberExpression') return false;
        break;
      case 'BinaryExpression':
        if (n.operator === '**') return false;
        break;
      case 'LogicalExpression':
        if (n.operator === '??') return false;
        break;
      default:
        break;
    }
    for (const key in n) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'raw') continue;
      const v = n[key];
      if (Array.isArray(v)) {
        for (const c of v) if (c && typeof c.type === 'string') stack.push(c);
      } else if (v && typeof v.type === 'string') {
        stack.push(v);
      }
    }
  }
  return true;
}

function topLevelNames(program) {
  const names = new Set();
  const addPattern = (p) => {
    if (!p) return;
    if (p.type === 'Identifier') names.add(p.name);
    else if (p.type === 'ObjectPattern') p.properties.forEach((q) => addPattern(q.value || q.argument));
    else if (p.type === 'ArrayPattern') p.elements.forEach(addPattern);
    else if (p.type === 'RestElement') addPattern(p.argument);
    else if (p.type === 'AssignmentPattern') addPattern(p.left);
  };
  for (const s of program.body) {
    if (s.type === 'VariableDeclaration') s.declarations.forEach((d) => addPattern(d.id));
    else if ((s.type === 'FunctionDeclaration' || s.type === 'ClassDeclaration') && s.id) names.add(s.id.name);
  }
  return names;
}

const NAMES_MARK = '"__mod_ssr_chunk_names__"';
const GROUP_SPREAD = 12;          /* about one statement in 12 ends a group */
const GROUP_MAX_CHARS = 48 * 1024;

/* The line and column of each end of a text, as a source map counts them. */
function endOf(text, line = 0, col = 0) {
  let at = text.indexOf('\n');
  if (at < 0) return { line, col: col + text.length };
  let last = at;
  for (;;) {
    line++;
    last = at;
    at = text.indexOf('\n', at + 1);
    if (at < 0) break;
  }
  return { line, col: text.length - last - 1 };
}

/* A compiled group's map, relative to the group's text (input) and to the
 * body kept of Babel's output (output), encoded: Babel's map of the whole
 * output less what lies outside the body (the helpers and temporaries
 * before it, the names line after it). */
function groupMap(map, output, bodyStart, bodyText, textLines) {
  const from = endOf(output.slice(0, bodyStart));
  const to = endOf(bodyText, from.line, from.col);
  const lines = decode(map.mappings);
  const out = [];
  for (let l = from.line; l <= to.line && l < lines.length; l++) {
    const segs = [];
    for (const s of lines[l]) {
      if (s.length < 4 || s[2] >= textLines) continue;
      if (l === from.line && s[0] < from.col) continue;
      if (l === to.line && s[0] >= to.col) continue;
      segs.push([l === from.line ? s[0] - from.col : s[0], 0, s[2], s[3]]);
    }
    out.push(segs);
  }
  return encode(out);
}

/* Source map mappings without an array per segment: a rebuild of a React
 * app's chunk goes through a few hundred thousand segments, and arrays of
 * them cost more in garbage collection than the work itself. */
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;

/* Decodes mappings into flat segments: 6 ints each (generated column,
 * field count, source, line, column, name), and each line's first segment
 * (lines[l] .. lines[l + 1]). */
function decodeFlat(mappings) {
  let n = 1;
  for (let i = 0; i < mappings.length; i++) {
    const c = mappings.charCodeAt(i);
    if (c === 44 || c === 59) n++;
  }
  const seg = new Int32Array(n * 6);
  const lines = [0];
  let count = 0;
  let i = 0;
  const len = mappings.length;
  const vlq = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const c = mappings.charCodeAt(i++);
      const d = c < 128 ? B64_VALUE[c] : -1;
      if (d < 0) throw new Error('malformed mappings');
      value |= (d & 31) << shift;
      if (!(d & 32)) break;
      shift += 5;
    }
    return value & 1 ? -(value >>> 1) : value >>> 1;
  };
  const more = () => i < len && mappings.charCodeAt(i) !== 44 && mappings.charCodeAt(i) !== 59;
  let gcol = 0;
  let src = 0;
  let line = 0;
  let col = 0;
  let name = 0;
  while (i < len) {
    const c = mappings.charCodeAt(i);
    if (c === 59) {
      lines.push(count);
      gcol = 0;
      i++;
      continue;
    }
    if (c === 44) {
      i++;
      continue;
    }
    const o = count * 6;
    gcol += vlq();
    seg[o] = gcol;
    seg[o + 1] = 1;
    if (more()) {
      src += vlq();
      line += vlq();
      col += vlq();
      seg[o + 1] = 4;
      seg[o + 2] = src;
      seg[o + 3] = line;
      seg[o + 4] = col;
      if (more()) {
        name += vlq();
        seg[o + 1] = 5;
        seg[o + 5] = name;
      }
    }
    count++;
  }
  lines.push(count);
  return { seg, lines };
}

/* Encodes segments given in order (line by line, columns rising). */
function flatEncoder() {
  let buf = new Uint8Array(1 << 16);
  let len = 0;
  let line = 0;
  let first = true;
  let gcol = 0;
  let src = 0;
  let oline = 0;
  let ocol = 0;
  let name = 0;
  const byte = (b) => {
    if (len === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    buf[len++] = b;
  };
  const vlq = (v) => {
    let x = v < 0 ? (-v << 1) | 1 : v << 1;
    do {
      let d = x & 31;
      x >>>= 5;
      if (x > 0) d |= 32;
      byte(B64.charCodeAt(d));
    } while (x > 0);
  };
  return {
    add(l, c, fields, s, ol, oc, nm) {
      while (line < l) {
        byte(59);
        line++;
        gcol = 0;
        first = true;
      }
      if (!first) byte(44);
      first = false;
      vlq(c - gcol);
      gcol = c;
      if (fields < 4) return;
      vlq(s - src);
      vlq(ol - oline);
      vlq(oc - ocol);
      src = s;
      oline = ol;
      ocol = oc;
      if (fields < 5) return;
      vlq(nm - name);
      name = nm;
    },
    get line() {
      return line;
    },
    toString() {
      return Buffer.from(buf.buffer, 0, len).toString('latin1');
    },
  };
}

/* The map of the lowered chunk, built piece by piece in output order.
 * inputMap: the bundler's map of the chunk (null: the chunk is the source). */
function chunkMapBuilder(code, inputMap, file) {
  const lineStarts = [0];
  for (let at = code.indexOf('\n'); at >= 0; at = code.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  const locOf = (offset) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, col: offset - lineStarts[lo] };
  };
  if (inputMap && (typeof inputMap.mappings !== 'string' || !Array.isArray(inputMap.sources))) {
    throw new Error('unreadable input map');
  }
  const input = inputMap ? decodeFlat(inputMap.mappings) : null;
  const inSeg = input && input.seg;
  const inLines = input && input.lines;
  /* the input segment a chunk position is in: the last one at or before
   * the column (the first of those at the same column), as Babel's
   * remapping of an input map traces it; -1: none */
  const traceAt = (line, col) => {
    if (line + 1 >= inLines.length) return -1;
    let lo = inLines[line];
    let hi = inLines[line + 1] - 1;
    if (hi < lo || inSeg[lo * 6] > col) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (inSeg[mid * 6] <= col) lo = mid;
      else hi = mid - 1;
    }
    while (lo > inLines[line] && inSeg[(lo - 1) * 6] === inSeg[lo * 6]) lo--;
    return lo;
  };
  const out = flatEncoder();
  let inserted = null;    /* [line, count]: empty lines put in afterwards */
  return {
    /* chunk text [a, b) copied to output position `at`: itself */
    kept(a, b, at) {
      if (a >= b) return;
      const s = locOf(a);
      const e = locOf(b);
      for (let l = s.line; l <= e.line; l++) {
        const startCol = l === s.line ? s.col : 0;
        const outLine = at.line + l - s.line;
        const shift = l === s.line ? at.col - s.col : 0;
        if (!input) {
          if (l < e.line || e.col > startCol) out.add(outLine, startCol + shift, 4, 0, l, startCol, 0);
          continue;
        }
        if (l + 1 >= inLines.length) break;
        for (let k = inLines[l]; k < inLines[l + 1]; k++) {
          const o = k * 6;
          if (inSeg[o] < startCol) continue;
          if (l === e.line && inSeg[o] >= e.col) break;
          out.add(outLine, inSeg[o] + shift, inSeg[o + 1], inSeg[o + 2], inSeg[o + 3], inSeg[o + 4], inSeg[o + 5]);
        }
      }
    },
    /* a compiled group (chunk offset `start`) whose body is at output
     * position `at`, with its cached relative map */
    compiled(start, at, encoded) {
      const g = locOf(start);
      const rel = decodeFlat(encoded);
      for (let ol = 0; ol + 1 < rel.lines.length; ol++) {
        for (let k = rel.lines[ol]; k < rel.lines[ol + 1]; k++) {
          const o = k * 6;
          if (rel.seg[o + 1] < 4) continue;
          const sl = rel.seg[o + 3];
          const line = g.line + sl;
          const col = sl === 0 ? g.col + rel.seg[o + 4] : rel.seg[o + 4];
          const outCol = ol === 0 ? at.col + rel.seg[o] : rel.seg[o];
          if (!input) {
            out.add(at.line + ol, outCol, 4, 0, line, col, 0);
            continue;
          }
          const t = traceAt(line, col);
          if (t < 0 || inSeg[t * 6 + 1] < 4) continue;
          const i = t * 6;
          out.add(at.line + ol, outCol, inSeg[i + 1], inSeg[i + 2], inSeg[i + 3], inSeg[i + 4], inSeg[i + 5]);
        }
      }
    },
    /* `count` lines without mappings put in before output line `at` (once,
     * after the rest) */
    insertLines(at, count) {
      inserted = [at, count];
    },
    map() {
      let mappings = out.toString();
      if (inserted && inserted[1] > 0) {
        /* empty lines carry no state: the lines after them are unchanged */
        let pos = 0;
        for (let l = 0; l < inserted[0] && pos >= 0; l++) pos = mappings.indexOf(';', pos) + (l + 1 < inserted[0] ? 1 : 0);
        const cut = inserted[0] === 0 ? 0 : pos < 0 ? mappings.length : pos;
        const pad = ';'.repeat(inserted[1]);
        mappings = inserted[0] === 0 ? pad + mappings
          : cut >= mappings.length ? mappings + ';'.repeat(Math.max(0, inserted[0] - out.line - 1)) + pad
            : mappings.slice(0, cut) + pad + mappings.slice(cut);
      }
      return {
        version: 3,
        file,
        ...(input && inputMap.sourceRoot ? { sourceRoot: inputMap.sourceRoot } : {}),
        sources: input ? inputMap.sources : [file],
        sourcesContent: input ? (inputMap.sourcesContent || null) : [code],
        names: input ? (inputMap.names || []) : [],
        mappings,
      };
    },
  };
}

/**
 * Compiles a chunk to ES5 statement by statement, with cached results.
 * @param {string} code the chunk (a script)
 * @param {object} deps { acorn, babel, babelOptions (for one statement, a
 *   script; with `sourceMaps: true` when a map is wanted), cache
 *   (createTransformCache), sourceMaps (a map of the result is wanted),
 *   inputSourceMap (the bundler's map of the chunk), file (the chunk's
 *   name, the source of a map without an input map) }
 * @returns {Promise<{ code: string, map: object|null, metadata: object,
 *   compiled: number, reused: number } | null>} null: compile the whole
 *   chunk instead
 */
export async function lowerChunk(code, {
  acorn, babel, babelOptions, cache, sourceMaps = false, inputSourceMap = null, file = 'chunk.js',
}) {
  let program;
  try {
    program = acorn.parse(code, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true });
  } catch {
    return null;
  }
  const chunkNames = topLevelNames(program);
  const reserved = [...chunkNames].filter((n) => n.startsWith('_')).sort();
  const namesLine = `\n${NAMES_MARK}, [${reserved.join(', ')}];\n`;
  const helpers = new Map();      /* name -> text */
  const declaredByOutputs = new Set();
  const pieces = [];
  const dynamicImports = [];
  let compiled = 0;
  let reused = 0;
  let last = 0;
  /* Statements are compiled in groups (one Babel call each has a cost of
   * its own); a group ends where a statement's hash says so, so that an
   * edit moves no boundary but its own group's. */
  const groups = [];
  let group = null;
  for (const stmt of program.body) {
    if (!group) {
      group = { start: stmt.start, end: stmt.end, es5: true, size: 0 };
      groups.push(group);
    }
    group.end = stmt.end;
    group.size += stmt.end - stmt.start;
    if (group.es5 && !isEs5Node(stmt)) group.es5 = false;
    const h = crypto.createHash('sha1').update(code.slice(stmt.start, stmt.end)).digest();
    if (h[0] % GROUP_SPREAD === 0 || group.size > GROUP_MAX_CHARS) group = null;
  }
  let maps = null;
  let at = { line: 0, col: 0 };     /* where the next piece lands */
  if (sourceMaps) {
    try {
      maps = chunkMapBuilder(code, inputSourceMap, file);
    } catch {
      return null;      /* an input map trace-mapping cannot read */
    }
  }
  const textLines = (text) => (text.match(/\n/g) || []).length + 1;
  for (const g of groups) {
    pieces.push(code.slice(last, g.start));
    if (maps) {
      maps.kept(last, g.start, at);
      at = endOf(code.slice(last, g.start), at.line, at.col);
    }
    last = g.end;
    const text = code.slice(g.start, g.end);
    if (g.es5) {
      pieces.push(text);
      if (maps) {
        maps.kept(g.start, g.end, at);
        at = endOf(text, at.line, at.col);
      }
      continue;
    }
    const before = cache.stats.misses;
    let out;
    try {
      out = await cache.get('stmt', text + namesLine, async (input) => {
        const r = await babel.transformAsync(input, babelOptions);
        const at = r.code.lastIndexOf(NAMES_MARK);
        if (at < 0) throw new Error('names line lost');
        const body = r.code.slice(0, at);
        /* what Babel put before the statement: helpers and temporaries */
        const parsed = acorn.parse(body, { ecmaVersion: 5, sourceType: 'script' });
        const added = [];
        for (const s of parsed.body) {
          const name = s.type === 'FunctionDeclaration' ? s.id.name
            : s.type === 'VariableDeclaration' && s.declarations.length === 1 ? s.declarations[0].id.name : null;
          if (name && name.startsWith('_') && !chunkNames.has(name) &&
              !(s.type === 'VariableDeclaration' && s.declarations[0].init)) {
            added.push([name, body.slice(s.start, s.end), s.type === 'FunctionDeclaration']);
          } else {
            break;
          }
        }
        const rest = added.length ? parsed.body[added.length] : parsed.body[0];
        const declared = [...topLevelNames({ body: parsed.body.slice(added.length) })];
        const kept = rest ? body.slice(rest.start).trimEnd() : '';
        let map;
        if (sourceMaps) {
          if (!r.map) throw new Error('no source map');
          map = groupMap(r.map, r.code, rest ? rest.start : body.length, kept, textLines(text));
        }
        return {
          declared,
          helpers: added.filter((a) => a[2]).map(([n, t]) => [n, t]),
          temps: added.filter((a) => !a[2]).map(([n]) => n),
          body: kept,
          dynamicImports: r.metadata?.modSsrDynamicImports || [],
          ...(sourceMaps ? { map } : {}),
        };
      });
    } catch {
      return null;
    }
    if (maps && typeof out.map !== 'string') return null;
    if (cache.stats.misses > before) compiled++;
    else reused++;
    for (const [name, t] of out.helpers) {
      if (helpers.has(name) && helpers.get(name) !== t) return null;
      helpers.set(name, t);
    }
    for (const name of [...out.declared, ...out.temps]) declaredByOutputs.add(name);
    dynamicImports.push(...out.dynamicImports);
    const temps = out.temps.length ? `var ${out.temps.join(', ')};\n` : '';
    pieces.push(temps + out.body);
    if (maps) {
      if (temps) at = { line: at.line + 1, col: 0 };
      maps.compiled(g.start, at, out.map);
      at = endOf(out.body, at.line, at.col);
    }
  }
  pieces.push(code.slice(last));
  if (maps) maps.kept(last, code.length, at);
  /* a helper's name must be no other top-level name (Babel picked it
   * knowing only its own statement and the chunk's `_` names) */
  for (const name of helpers.keys()) {
    if (declaredByOutputs.has(name) || chunkNames.has(name)) return null;
  }
  let head = '';
  let rest = pieces.join('');
  const prologue = /^(?:\s*(?:'use strict'|"use strict");?[^\S\n]*\n)?/.exec(rest)[0];
  if (helpers.size) {
    const helperText = [...helpers.values()].join('\n') + '\n';
    head = prologue + helperText;
    rest = rest.slice(prologue.length);
    if (maps) maps.insertLines(endOf(prologue).line, endOf(helperText).line);
  }
  return {
    code: head + rest,
    map: maps ? maps.map() : null,
    metadata: { modSsrDynamicImports: dynamicImports },
    compiled, reused,
  };
}
