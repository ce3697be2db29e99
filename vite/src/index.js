/*
 * vite-plugin-mod-ssr: builds a normal Vite SSR app for mod_ssr.
 *
 * One `vite build` produces
 *   <outDir>/client/                 the client build, with .vite/ssr-manifest.json
 *   <outDir>/server/entry-server.js  the SSR bundle in mod_ssr's format: one
 *                                    self-contained CommonJS script in ES5
 *                                    (Duktape 2.7), module.exports.render
 * and optionally a ready httpd snippet.
 *
 * How the server bundle is made:
 *   - the `ssr` environment is built for a web-worker-like target: every
 *     dependency is bundled (ssr.noExternal), packages resolve with the
 *     worker/browser conditions (so react-dom/server is its non-Node build),
 *     process.env.NODE_ENV is "production", output is one CommonJS chunk;
 *   - every module is run through Babel (preset-env, ES5 targets) with
 *     core-js `useBuiltIns: 'usage'`: the polyfill imports Babel adds are
 *     resolved to this package's core-js and bundled like any import;
 *   - the final chunk gets the runtime shims (MessageChannel, ...) and one
 *     more Babel pass for what the bundler itself added, then is checked to
 *     parse as ES5;
 *   - after writing, the bundle is run in mod_ssr's engine (`ssr-render`)
 *     for '/', when that program can be found;
 *   - then `<server outDir>/.mod_ssr-build-complete` is touched: mod_ssr
 *     does not load a build whose files are newer than that marker, so it
 *     never takes the template of one build with the bundle of another;
 *   - with the `prerender` option, `ssr-prerender` writes static pages.
 *
 * `vite build --watch` (dev mode with `SSRLiveReload On`): Vite rebuilds
 * each environment by itself when its sources change; the plugin waits for
 * all of them to be done, runs the engine check (reporting, not failing)
 * and touches the marker, once per round of rebuilds.  See
 * docs/dev-mode.md.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pipeableServerImports, workingBuiltinExport, workingBuiltinNames } from './node-streams.js';
import babel from '@babel/core';
import presetEnv from '@babel/preset-env';
import * as acorn from 'acorn';
import { transformNativeEscapes } from './native-escape.js';
import { transformStringBuilders } from './string-builders.js';
import { rootRelativeMap, serverSourcemap, setChunkMap, stampSourceMap } from './sourcemap.js';
import {
  appBuildReusable, removeAppBuildRecord, writeAppBuildRecord,
} from './build-reuse.js';
import { SOLID_ENTRY_PREFIX, isSolidApp, solidEntryWrapper } from './frameworks.js';
import { createTransformCache, defaultCacheDir, fingerprint, lowerChunk } from './transform-cache.js';
import { watchManifestPlugin } from './watch-manifest.js';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

const PLUGIN = 'vite-plugin-mod-ssr';
const CORE_JS_DIR = path.dirname(require.resolve('core-js/package.json'));
const CORE_JS_VERSION = require('core-js/package.json').version.split('.').slice(0, 2).join('.');
const RUNTIME_SHIM = fs.readFileSync(path.join(here, 'runtime-shim.js'), 'utf8');
/* What the per-module transforms' results depend on besides their options */
const TOOL_VERSIONS = {
  plugin: require('../package.json').version,
  babel: babel.version,
  presetEnv: require('@babel/preset-env/package.json').version,
  coreJs: require('core-js/package.json').version,
  /* the code itself: a package's files all have one mtime once installed */
  sources: crypto.createHash('sha256')
    .update(['index.js', 'native-escape.js', 'string-builders.js', 'transform-cache.js']
      .map((f) => fs.readFileSync(path.join(here, f), 'utf8')).join('\0'))
    .digest('hex'),
};

/* What Babel compiles down to. Duktape 2.7 is ES5.1; IE 11 is the browser
 * target whose syntax level is ES5 and whose built-in gaps are the closest
 * to Duktape's (no Map/Set/WeakMap worth the name, no Array.from, ...). */
const DEFAULT_TARGETS = { ie: '11' };

/* Globals mod_ssr's host runtime provides itself: core-js must not replace
 * them (its Promise would take over the host's, which the engine drives). */
const HOST_PROVIDED = [
  'es.promise',
  'es.promise.finally',
  'es.promise.all-settled',
  'es.promise.any',
  'es.global-this',
  'web.queue-microtask',
  'web.timers',
  'web.immediate',
];

/* Built-ins Duktape 2.7 implements, where core-js's feature tests would
 * still replace the native with a JavaScript one for spec corners that
 * server rendering does not meet: @@species on arrays, lengths beyond
 * 2^32-1, sticky/dotAll/named-group regexps created at run time (regexp
 * *literals* with dotAll or named groups are compiled away by Babel; sticky
 * ones are not), typed-array constructors taking iterables. With core-js's
 * versions React renders at half the speed (measured with ssr-render), so
 * by default the natives are kept (`polyfills: { trustNative: false }`
 * takes core-js's full versions). The RegExp symbol methods core-js would
 * have added come from runtime-shim.js instead. */
const DUKTAPE_NATIVE = [
  'es.array.push', 'es.array.unshift',
  'es.array.concat', 'es.array.filter', 'es.array.map', 'es.array.slice', 'es.array.splice',
  'es.regexp.constructor', 'es.regexp.exec', 'es.regexp.test', 'es.regexp.dot-all', 'es.regexp.sticky',
  'es.regexp.to-string',
  'es.string.match', 'es.string.replace', 'es.string.search', 'es.string.split',
  /^es\.typed-array\.(?:int|uint|float)\d+(?:-clamped)?-array$/,
  'es.array-buffer.constructor',
  /* Replaced by core-js only because Duktape does not look at @@match when
   * the search string is a RegExp: a RegExp always throws the TypeError the
   * specification wants, and one with Symbol.match set to false (the only
   * case that differs) is not something a renderer does. Every other
   * argument, position and coercion gives what Node gives. */
  'es.string.starts-with', 'es.string.ends-with', 'es.string.includes',
  /* A no-op here: Duktape's Object.prototype.toString honours
   * Symbol.toStringTag, which is all core-js checks before replacing it. */
  'es.object.to-string',
  /* Kept from core-js on purpose (not listed): es.string.trim (its check
   * keeps the native trim: the engine's Duktape no longer trims U+180E, see
   * duk-patches/whitespace-180e.patch; an engine that still does gets
   * core-js's version), es.object.assign
   * (Duktape's skips symbol-keyed properties), es.array.sort (Duktape's is
   * not stable), es.json.stringify (Duktape writes lone surrogates as they
   * are, not as \u escapes): each can change a page's bytes. */
];

/* Built-ins mod_ssr's engine adds to Duktape in C (mod_ssr/ssr_collections.c),
 * installed before the bundle runs: core-js's JavaScript versions cost about
 * a fifth of a React or Vue render. Newer methods on them (Set union and
 * friends, Map.prototype.getOrInsert, ...) still come from core-js, which
 * adds them to the native prototypes. The DOM-collection iterators are
 * for NodeList and friends, which do not exist on the server: they only
 * pulled the collections' iteration support in. `polyfills: { trustNative:
 * false }` bundles core-js's versions again. */
const ENGINE_NATIVE = [
  'es.map', 'es.set', 'es.weak-map', 'es.weak-set',
  'web.dom-collections.iterator', 'web.dom-collections.for-each',
];

/* Babel transforms whose output Duktape runs slower and gains nothing by:
 * typeof-symbol turns `typeof x` into a call of the `_typeof` helper, which
 * in an engine with native symbols (Duktape 2.7 has them, Symbol.iterator
 * included, before the bundle runs) is `typeof x` itself: React's render
 * calls it hundreds of times a page. */
const DUKTAPE_SYNTAX = ['transform-typeof-symbol'];

/* Resolve conditions for packages in the server bundle: the worker/browser
 * builds, which need no Node built-ins. */
const SERVER_CONDITIONS = ['module', 'worker', 'browser', 'development|production'];

const SERVER_ENTRY_CANDIDATES = [
  'src/entry-server.tsx', 'src/entry-server.ts', 'src/entry-server.jsx',
  'src/entry-server.js', 'src/entry-server.mts', 'src/entry-server.mjs',
];

const JS_LIKE = /\.(?:[cm]?[jt]sx?|vue|svelte|astro|marko)$/;

/* Regexp literals Duktape cannot compile, which would make the whole
 * bundle fail to load: lookbehind assertions and the `d` flag (Babel
 * compiles named groups, `s`, `u`, `v` and `y` away, but not these). They
 * become `new RegExp(...)`, so the bundle loads and only code that uses
 * one fails, when it runs; the build warns about each module. */
function duktapeRegexpPlugin({ types: t }) {
  return {
    name: 'mod-ssr-duktape-regexps',
    visitor: {
      RegExpLiteral(p, state) {
        const { pattern, flags } = p.node;
        const lookbehind = /\(\?<[=!]/.test(pattern);
        if (!lookbehind && !flags.includes('d')) return;
        const why = lookbehind ? 'a lookbehind assertion' : 'the d flag';
        const list = state.file.metadata.modSsrRegexps || (state.file.metadata.modSsrRegexps = []);
        const line = p.node.loc ? p.node.loc.start.line : '?';
        list.push(`/${pattern}/${flags} (line ${line}: ${why})`);
        p.replaceWith(t.newExpression(t.identifier('RegExp'),
          [t.stringLiteral(pattern), t.stringLiteral(flags)]));
      },
    },
  };
}

/* Node built-ins in the server bundle: mod_ssr has no module loader and no
 * Node APIs, so `node:*` (and a dependency's bare 'crypto', 'async_hooks',
 * ... that no installed package provides) resolve to a stub module with the
 * built-in's export names, all undefined, instead of being left to a
 * require() or import() that cannot work. */
const BUILTIN_PREFIX = '\0mod-ssr-node-builtin:';
const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

function builtinName(source) {
  if (source.startsWith('node:')) return source.slice('node:'.length);
  return BUILTINS.has(source) ? source : null;
}

function builtinStub(name) {
  let names = [];
  try {
    names = Object.keys(require(`node:${name}`));
  } catch {
    /* a built-in this Node lacks: no named exports */
  }
  const ident = /^[A-Za-z_$][\w$]*$/;
  const reserved = new Set(['default', 'constants']);
  const lines = [`/* ${PLUGIN}: node:${name} is not available in mod_ssr's engine */`,
    'var stub = {};', 'export default stub;'];
  for (const n of new Set([...names, ...workingBuiltinNames(name)])) {
    if (ident.test(n) && !reserved.has(n)) lines.push(workingBuiltinExport(name, n) || `export var ${n};`);
  }
  if (names.includes('constants')) lines.push('export var constants = {};');
  return lines.join('\n') + '\n';
}

/* Babel plugin for the finished chunk: an import() the bundler left (of an
 * external module, or of a computed specifier) is ES2020 syntax Duktape
 * cannot parse, and there is no module loader behind it anyway. It becomes
 * a rejected promise, so that the bundle loads and only the code that uses
 * it fails. */
function dynamicImportPlugin({ types: t }) {
  const message = (arg) => {
    const tail = " is not available in mod_ssr's engine";
    if (t.isStringLiteral(arg)) return t.stringLiteral(`dynamic import of ${arg.value}${tail}`);
    if (t.isTemplateLiteral(arg) && arg.expressions.length === 0) {
      return t.stringLiteral(`dynamic import of ${arg.quasis[0].value.cooked}${tail}`);
    }
    /* evaluated, as import() evaluates its specifier */
    return t.binaryExpression('+', t.binaryExpression('+', t.stringLiteral('dynamic import of '),
      t.callExpression(t.identifier('String'), [arg])), t.stringLiteral(tail));
  };
  const reject = (arg, state) => {
    state.file.metadata.modSsrDynamicImports = state.file.metadata.modSsrDynamicImports || [];
    state.file.metadata.modSsrDynamicImports.push(
      t.isStringLiteral(arg) ? arg.value : '<computed specifier>');
    return t.callExpression(t.memberExpression(t.identifier('Promise'), t.identifier('reject')), [
      t.newExpression(t.identifier('Error'), [message(arg || t.identifier('undefined'))]),
    ]);
  };
  return {
    name: 'mod-ssr-dynamic-import',
    visitor: {
      CallExpression(p, state) {
        if (p.node.callee.type !== 'Import') return;
        p.replaceWith(reject(p.node.arguments[0], state));
      },
      ImportExpression(p, state) {
        p.replaceWith(reject(p.node.source, state));
      },
    },
  };
}

function cleanId(id) {
  return id.replace(/[?#].*$/, '');
}

function display(file) {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

function isInside(file, dir) {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/* Finds one of mod_ssr's programs: an explicit path (the option), the
 * environment variable, or `name` on PATH. */
function findProgram(name, optionName, envName, option, env) {
  if (option === false) return { path: null, why: `disabled (${optionName}: false)` };
  if (typeof option === 'string' && option !== '') {
    return { path: path.resolve(option), explicit: `the ${optionName} option` };
  }
  if (env[envName]) {
    return { path: path.resolve(env[envName]), explicit: envName };
  }
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return { path: candidate };
    } catch {
      /* not here */
    }
  }
  return { path: null, why: `${name} not found (set the ${optionName} option or ${envName}, or put it on PATH)` };
}

/** Finds ssr-render: an explicit path, MOD_SSR_RENDER, or `ssr-render` on PATH. */
export function findSsrRender(option, env = process.env) {
  return findProgram('ssr-render', 'ssrRender', 'MOD_SSR_RENDER', option, env);
}

/** Finds ssr-prerender: an explicit path, MOD_SSR_PRERENDER, or `ssr-prerender` on PATH. */
export function findSsrPrerender(option, env = process.env) {
  return findProgram('ssr-prerender', 'ssrPrerender', 'MOD_SSR_PRERENDER', option, env);
}

/** The name of the build-complete marker mod_ssr looks for beside the bundle. */
export const BUILD_MARKER = '.mod_ssr-build-complete';

/** Creates `<dir>/.mod_ssr-build-complete`, or sets its mtime to now. */
export function touchBuildMarker(dir) {
  const file = path.join(dir, BUILD_MARKER);
  fs.mkdirSync(dir, { recursive: true });
  const now = new Date();
  try {
    fs.utimesSync(file, now, now);
  } catch {
    fs.writeFileSync(file, '');
  }
  return file;
}

/* The bundle is CommonJS, but an app's package.json says "type": "module"
 * (every Vite template does): Node, which runs the same bundle under the
 * template's own server.js (`npm run preview`), would take it for an ES
 * module ("exports is not defined in ES module scope").  A package.json
 * beside it says what it is; mod_ssr does not read it. */
function writeServerPackageJson(dir) {
  const file = path.join(dir, 'package.json');
  const text = '{\n  "type": "commonjs"\n}\n';
  try {
    if (fs.readFileSync(file, 'utf8') === text) return;
  } catch {
    /* not there yet */
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, text);
}

/* Build ids.  Every complete build gets one id, stamped into the bundle
 * (its first line), the template (an HTML comment) and the SSR manifest (a
 * key): mod_ssr loads the three together only when their ids agree, so it
 * never pairs the template of one build with the bundle of another, however
 * the files are copied.  The bundle's first line is reserved for the stamp
 * when it is generated (so a source map stays right), and stamped with the
 * real id once the whole build is written. */
const BUNDLE_STAMP_RE = /^\/\*! mod_ssr-build: ([A-Za-z0-9_.]+) \*\/\n/;
const TEMPLATE_STAMP_RE = /<!--mod_ssr-build:([A-Za-z0-9_.]+)-->/;
const MANIFEST_KEY = 'mod_ssr-build';
const PENDING_ID = 'pending';

/** A new build id: time, then randomness ([0-9a-z.], as mod_ssr accepts). */
export function newBuildId() {
  return `${Date.now().toString(36)}.${crypto.randomBytes(5).toString('hex')}`;
}

const BUILD_ID_RE = /^[A-Za-z0-9_.]{1,64}$/;

/** The id a build gets: the `buildId` option, else $MOD_SSR_BUILD_ID (a
 * deploy may name builds after a commit), else a new one.  Throws on an id
 * mod_ssr would not accept. */
export function chooseBuildId(option, env = process.env) {
  const given = option ?? env.MOD_SSR_BUILD_ID;
  if (given === undefined || given === '') return newBuildId();
  if (typeof given !== 'string' || !BUILD_ID_RE.test(given)) {
    throw new Error(`${PLUGIN}: build id ${JSON.stringify(given)}: use 1 to 64 of A-Z a-z 0-9 _ .`);
  }
  return given;
}

/** The id a file of a build carries, or null. */
export function buildIdOf(kind, text) {
  if (kind === 'bundle') return BUNDLE_STAMP_RE.exec(text)?.[1] ?? null;
  if (kind === 'template') return TEMPLATE_STAMP_RE.exec(text)?.[1] ?? null;
  try {
    const id = JSON.parse(text)[MANIFEST_KEY];
    return Array.isArray(id) && typeof id[0] === 'string' ? id[0] : null;
  } catch {
    return null;
  }
}

function bundleStampLine(id) {
  return `/*! mod_ssr-build: ${id} */\n`;
}

/* Writes a file by renaming a complete copy over it: a reader sees the old
 * file or the new one, never half of one. */
function replaceFileAtomically(file, text) {
  const tmp = `${file}.mod_ssr-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, text);
  try {
    fs.chmodSync(tmp, fs.statSync(file).mode & 0o7777);
  } catch {
    /* a new file keeps the default mode */
  }
  fs.renameSync(tmp, file);
}

function stampBundle(text, id) {
  const m = BUNDLE_STAMP_RE.exec(text);
  return bundleStampLine(id) + (m ? text.slice(m[0].length) : text);
}

function stampTemplate(html, id) {
  const stamp = `<!--mod_ssr-build:${id}-->`;
  if (TEMPLATE_STAMP_RE.test(html)) return html.replace(TEMPLATE_STAMP_RE, () => stamp);
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) {
    const at = head.index + head[0].length;
    return html.slice(0, at) + stamp + html.slice(at);
  }
  return stamp + html;
}

function stampManifest(json, id) {
  const manifest = JSON.parse(json);
  delete manifest[MANIFEST_KEY];
  manifest[MANIFEST_KEY] = [id];
  return JSON.stringify(manifest, null, 2);
}

/**
 * Stamps one build id into a build's files (template and manifest first,
 * the bundle last; mod_ssr waits until all agree).  Returns the id.
 * @param {{ bundle: string, template?: string|null, manifest?: string|null }} files
 * @param {string} [id] a new id when not given
 */
export function stampBuild(files, id = newBuildId()) {
  if (files.template) {
    replaceFileAtomically(files.template, stampTemplate(fs.readFileSync(files.template, 'utf8'), id));
  }
  if (files.manifest) {
    replaceFileAtomically(files.manifest, stampManifest(fs.readFileSync(files.manifest, 'utf8'), id));
  }
  stampSourceMap(files.bundle, id);
  replaceFileAtomically(files.bundle, stampBundle(fs.readFileSync(files.bundle, 'utf8'), id));
  return id;
}

/** The `prerender` option read as ssr-prerender's routes, --crawl and
 * --out (relative to root), or null when there is nothing to prerender. */
export function prerenderPlan(option, root) {
  if (option === undefined || option === null || option === false) return null;
  let routes = [];
  let crawl = false;
  let out = null;
  if (option === 'crawl') {
    crawl = true;
  } else if (Array.isArray(option)) {
    routes = option;
  } else if (typeof option === 'object') {
    routes = option.routes || [];
    crawl = !!option.crawl;
    out = option.out ? path.resolve(root, option.out) : null;
  } else {
    throw new Error(`[${PLUGIN}] prerender must be an array of routes, 'crawl' or ` +
      `{ routes, crawl, out }, not ${JSON.stringify(option)}`);
  }
  for (const r of routes) {
    if (typeof r !== 'string' || !r.startsWith('/')) {
      throw new Error(`[${PLUGIN}] prerender: a route is a path starting with '/', not ${JSON.stringify(r)}`);
    }
  }
  if (!crawl && routes.length === 0) return null;
  return { routes, crawl, out };
}

/** The SSRBase value for a Vite `base`. */
export function ssrBaseFor(base) {
  if (typeof base !== 'string' || !base.startsWith('/')) return '/';
  let b = base.replace(/[?#].*$/, '');
  if (!b.endsWith('/')) b += '/';
  return b;
}

function apacheQuote(value) {
  return '"' + String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** The text of a ready httpd snippet for the built app. */
export function apacheConfigText({ clientDir, bundle, template, manifest, base, name }) {
  const ssrBase = ssrBaseFor(base);
  const lines = [
    `# mod_ssr configuration${name ? ' for ' + name : ''}, written by ${PLUGIN}.`,
    '# Include it in a <VirtualHost> (or the main server config) of an httpd',
    '# that loads mod_ssr (LoadModule ssr_module .../mod_ssr.so).',
    '',
  ];
  const ssr = [
    'SSREngine On',
    `SSRBundle ${apacheQuote(bundle)}`,
    `SSRTemplate ${apacheQuote(template)}`,
  ];
  if (manifest) ssr.push(`SSRManifest ${apacheQuote(manifest)}`);
  ssr.push(`SSRBase ${ssrBase}`);
  /* Vite writes the SSR manifest (and, with build.manifest, the client
   * manifest) into the client build's .vite/, which Vite's own servers do
   * not serve.  A <Directory> on the files rather than a <LocationMatch> on
   * URLs: it holds at whatever URL they are reached (the DocumentRoot for
   * base /, the Alias for another base), needs no base turned into a regex,
   * and touches nothing outside this build. */
  const denyDotVite = [
    '# Not served: Vite\'s manifests (the SSR manifest is read from the file).',
    `<Directory ${apacheQuote(clientDir + '/.vite')}>`,
    '    Require all denied',
    '</Directory>',
  ];
  if (ssrBase === '/') {
    lines.push(
      `DocumentRoot ${apacheQuote(clientDir)}`,
      `<Directory ${apacheQuote(clientDir)}>`,
      '    Require all granted',
      '</Directory>',
      ...denyDotVite,
      '',
      ...ssr,
    );
  } else {
    lines.push(
      `# The app's Vite base is ${ssrBase}: its client build is mounted there.`,
      `Alias ${ssrBase} ${apacheQuote(clientDir + '/')}`,
      `<Directory ${apacheQuote(clientDir)}>`,
      '    Require all granted',
      '</Directory>',
      ...denyDotVite,
      `<Location ${ssrBase}>`,
      ...ssr.map((l) => '    ' + l),
      '</Location>',
    );
  }
  return lines.join('\n') + '\n';
}

function es5Check(code, fileName) {
  try {
    acorn.parse(code, { ecmaVersion: 5, sourceType: 'script', locations: true });
    return null;
  } catch (e) {
    const line = e.loc ? code.split('\n')[e.loc.line - 1] || '' : '';
    const col = e.loc ? e.loc.column : 0;
    const from = Math.max(0, col - 60);
    return `${fileName} is not ES5 (${e.message}):\n  ${line.slice(from, col + 60)}\n  ${' '.repeat(col - from)}^`;
  }
}

/* Puts the runtime shims (already ES5) after the chunk's directive
 * prologue, so that "use strict" stays in force, and shifts the map. */
function insertShim(code, map) {
  const m = /^(?:\s*(?:'use strict'|"use strict");?[^\S\n]*\n)?/.exec(code);
  const prologue = m[0];
  const shim = RUNTIME_SHIM.endsWith('\n') ? RUNTIME_SHIM : RUNTIME_SHIM + '\n';
  const out = prologue + shim + code.slice(prologue.length);
  if (!map) return { code: out, map: null };
  const at = (prologue.match(/\n/g) || []).length;
  const shimLines = (shim.match(/\n/g) || []).length;
  const lines = map.mappings.split(';');
  lines.splice(at, 0, ...new Array(shimLines).fill(''));
  return { code: out, map: { ...map, mappings: lines.join(';') } };
}

/* Watch mode: how long all environments must have been idle before a
 * round of rebuilds counts as complete (a change to a module both import
 * reaches each environment's watcher on its own). */
const SETTLE_MS = 200;

/* Watch mode: the round of each server output directory being watched
 * (one `vite build --watch` may resolve its config once per environment,
 * with a plugin instance each). */
const watchRounds = new Map();

/* The readable part of a build error: each error's message (Rolldown
 * aggregates them; Rollup throws one), its file and code frame, without
 * colours or the bundler's own stack. */
function buildErrorText(error) {
  // eslint-disable-next-line no-control-regex
  const plain = (v) => String(v).replace(/\x1b\[[0-9;]*m/g, '');
  /* Rolldown's error aggregates Errors; esbuild's `errors` are not Errors */
  const list = error && Array.isArray(error.errors) && error.errors.length &&
    error.errors.every((e) => e && typeof e.message === 'string') ? error.errors : [error];
  return list.slice(0, 3).map((e) => {
    let text = plain((e && (e.message || e)) || 'unknown error')
      .split('\n').filter((l) => !/^\s+at /.test(l)).join('\n').trim();
    if (e && e.id && !text.includes(e.id)) {
      text += `\nfile: ${e.id}${e.loc ? `:${e.loc.line}:${e.loc.column}` : ''}`;
    }
    if (e && e.frame && !text.includes(plain(e.frame).trim())) text += `\n${plain(e.frame)}`;
    return text;
  }).join('\n\n') + (list.length > 3 ? `\n\n(${list.length - 3} more)` : '');
}

/* Watch mode: a server bundle that throws the build's error when it loads,
 * in place of the one that could not be built. mod_ssr keeps serving the
 * last good build, and in dev mode (SSRLiveReload On) shows this error in
 * open pages until a build succeeds. */
export function writeErrorBundle(file, error, template) {
  const text = buildErrorText(error);
  const lit = (v) => JSON.stringify(v).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  /* the template's build id, so that mod_ssr takes this bundle with it and
   * shows the error (files of different builds would not be loaded) */
  let id = null;
  try {
    id = template ? buildIdOf('template', fs.readFileSync(template, 'utf8')) : null;
  } catch {
    id = null;
  }
  const code = (id ? bundleStampLine(id) : '') +
    `/* Written by ${PLUGIN} (vite build --watch): the server build failed. */\n` +
    '"use strict";\n' +
    `var error = new Error(${lit(`the server build failed: ${text}`)});\n` +
    'error.name = "BuildError";\n' +
    'throw error;\n';
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, code);
    fs.renameSync(tmp, file);
  } catch {
    /* the terminal has the error anyway */
  }
}

function runProgram(bin, args, timeoutMs) {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          signal: error && error.signal,
          spawnError: error && typeof error.code === 'string' ? error : null,
          stdout, stderr,
        });
      });
  });
}

/**
 * @param {import('../index.d.ts').ModSsrOptions} [options]
 * @returns {import('vite').Plugin[]}
 */
export default function modSsr(options = {}) {
  const targets = options.targets || DEFAULT_TARGETS;
  const exclude = [
    ...HOST_PROVIDED,
    ...(options.polyfills?.trustNative === false ? [] : [...DUKTAPE_NATIVE, ...ENGINE_NATIVE]),
    ...(options.polyfills?.exclude || []),
    ...DUKTAPE_SYNTAX,
  ];
  const include = options.polyfills?.include || [];
  const outBase = options.outDir || 'dist';

  let appMode = false;       /* one `vite build` builds client and server */
  let watching = false;      /* `vite build --watch` */
  let devBuild = false;      /* mod-ssr-dev's server build: its hooks (dev-server.js) */
  let root = process.cwd();
  let clientOutDir = null;   /* absolute, when known */
  let serverOutDir = null;
  let wantMaps = false;
  let minified = false;
  let logger = null;
  let resolvedBase = '/';
  let entryRel = null;
  let mode = 'production';
  let configFile = null;
  let ssrEntry = null;       /* `vite build --ssr <entry>`: the entry, absolute */
  let solidApp = false;      /* built with vite-plugin-solid */
  let serverModuleIds = [];  /* what went into the server bundle */
  let caches = null;         /* per-module transform results (transform-cache.js) */
  let lastStats = null;      /* watch mode: the module cache's counts at the last build */

  const babelModuleOptions = (filename) => ({
    babelrc: false,
    configFile: false,
    browserslistConfigFile: false,
    filename,
    sourceType: 'unambiguous',
    sourceMaps: wantMaps,
    compact: false,
    plugins: [duktapeRegexpPlugin],
    presets: [[presetEnv, {
      targets,
      ignoreBrowserslistConfig: true,
      modules: false,
      useBuiltIns: 'usage',
      corejs: { version: CORE_JS_VERSION, proposals: false },
      exclude,
      include,
    }]],
  });

  const babelChunkOptions = (filename) => ({
    babelrc: false,
    configFile: false,
    browserslistConfigFile: false,
    filename,
    sourceType: 'script',
    sourceMaps: wantMaps,
    compact: minified,
    minified,
    comments: !minified,
    plugins: [dynamicImportPlugin],
    presets: [[presetEnv, {
      targets,
      ignoreBrowserslistConfig: true,
      modules: false,
      useBuiltIns: false,
      exclude: DUKTAPE_SYNTAX,
    }]],
  });

  /* One statement of the finished chunk (lowerChunk): one options object,
   * so that Babel reuses its loaded plugins from call to call. */
  let statementOptions = null;
  const chunkStatementOptions = () => {
    if (!statementOptions || statementOptions.sourceMaps !== wantMaps) {
      statementOptions = { ...babelChunkOptions('entry-server.js'), sourceMaps: wantMaps };
    }
    return statementOptions;
  };

  const configPlugin = {
    name: `${PLUGIN}:config`,
    enforce: 'pre',
    config(userConfig, env) {
      if (env.command !== 'build') return;

      root = path.resolve(userConfig.root || process.cwd());
      appMode = !env.isSsrBuild;
      watching = !!userConfig.build?.watch;
      devBuild = userConfig.__modSsrDevBuild || false;

      let entry = options.entry;
      if (!entry) {
        entry = SERVER_ENTRY_CANDIDATES.find((f) => fs.existsSync(path.join(root, f)));
      }
      entryRel = entry || null;

      const ssrOutput = { format: 'cjs', exports: 'named' };
      if (appMode) ssrOutput.entryFileNames = 'entry-server.js';

      const userSsrBuild = userConfig.environments?.ssr?.build || {};
      const userClientBuild = userConfig.environments?.client?.build || {};
      const ssrBuild = {
        copyPublicDir: false,
        minify: userSsrBuild.minify ?? options.minify ?? false,
        /* watch mode: Vite would empty the directory before each rebuild,
         * leaving mod_ssr a moment without a bundle (and the marker) */
        emptyOutDir: watching ? (userSsrBuild.emptyOutDir ?? false) : true,
        sourcemap: serverSourcemap(userSsrBuild, userConfig.build, options),
        rollupOptions: { output: ssrOutput },
      };
      /* `vite build --ssr <entry>` (the standard template's build:server)
       * names its entry itself */
      if (entry && !(env.isSsrBuild && typeof userConfig.build?.ssr === 'string')) {
        ssrBuild.rollupOptions.input = { 'entry-server': path.resolve(root, entry) };
      }
      /* `vite build --outDir dist/client` (the standard template's
       * build:client): the server bundle goes beside it, as the template's
       * build:server would put it */
      const cliOutDir = userConfig.build?.outDir;
      const besideClient = appMode && typeof cliOutDir === 'string' &&
        path.basename(cliOutDir) === 'client' && !options.serverOutDir
        ? path.join(path.dirname(cliOutDir), 'server') : null;
      if (appMode) {
        ssrBuild.outDir = userSsrBuild.outDir || options.serverOutDir || besideClient ||
          path.posix.join(outBase, 'server');
        /* ssr: true makes the legacy single-environment flags consistent */
        ssrBuild.ssr = true;
      }

      const out = {
        ssr: {
          target: 'webworker',
          noExternal: true,
          resolve: {
            conditions: options.conditions || SERVER_CONDITIONS,
            externalConditions: options.conditions || SERVER_CONDITIONS,
          },
        },
        environments: {
          ssr: {
            build: ssrBuild,
            define: {
              'process.env.NODE_ENV': JSON.stringify('production'),
            },
          },
        },
      };
      if (appMode) {
        /* the client first: the engine check renders into its template */
        out.environments = {
          client: {
            build: {
              outDir: userClientBuild.outDir || options.clientOutDir || (besideClient ? cliOutDir : null) ||
                path.posix.join(outBase, 'client'),
              ssrManifest: userClientBuild.ssrManifest ?? userConfig.build?.ssrManifest ?? true,
              /* watch mode: keep the template (and the assets of pages still
               * open on the previous build) while rebuilding */
              ...(watching ? {
                emptyOutDir: userClientBuild.emptyOutDir ?? userConfig.build?.emptyOutDir ?? false,
              } : {}),
            },
          },
          ssr: out.environments.ssr,
        };
        if (!userConfig.builder) {
          out.builder = {
            async buildApp(builder) {
              const envs = builder.environments;
              const order = ['client', 'ssr', ...Object.keys(envs).filter((n) => n !== 'client' && n !== 'ssr')];
              if (builder.config.build?.watch && envs.ssr) {
                await watchApp(builder, order);
                return;
              }
              for (const name of order) {
                if (envs[name] && !envs[name].isBuilt) await builder.build(envs[name]);
              }
            },
          };
        }
      }
      return out;
    },
    configResolved(config) {
      if (config.command !== 'build') return;
      logger = config.logger;
      resolvedBase = config.base;
      root = config.root;
      mode = config.mode;
      configFile = config.configFile || null;
      solidApp = options.solidHydrationScript ?? isSolidApp(config.plugins);
      ssrEntry = !appMode && typeof config.build.ssr === 'string'
        ? path.resolve(root, config.build.ssr) : null;
      const envs = config.environments || {};
      if (appMode) {
        clientOutDir = path.resolve(root, envs.client?.build?.outDir || path.join(outBase, 'client'));
        serverOutDir = path.resolve(root, envs.ssr?.build?.outDir || path.join(outBase, 'server'));
      } else {
        serverOutDir = path.resolve(root, config.build.outDir);
        /* the standard template builds the client into a sibling directory */
        const sibling = path.join(path.dirname(serverOutDir), 'client');
        clientOutDir = fs.existsSync(sibling) ? sibling : null;
      }
      /* a wrong `prerender` fails now, not after the build */
      prerenderPlan(options.prerender, root);
      if (!entryRel && !config.build.ssr) {
        logger.warn(`[${PLUGIN}] no server entry found (looked for ${SERVER_ENTRY_CANDIDATES.join(', ')}); ` +
          'set the `entry` option');
      }
    },
    /* `vite build --ssr <entry>` right after an app build (the standard
     * template's build:server after build:client) would build the same
     * server bundle again: skipped when nothing changed (build-reuse.js). */
    buildApp(builder) {
      if (appMode || watching || !ssrEntry || options.reuseAppBuild === false) return;
      const envs = Object.values(builder.environments || {});
      if (envs.length !== 1 || envs[0].name !== 'ssr' || envs[0].isBuilt) return;
      const bundleFile = path.join(serverOutDir, 'entry-server.js');
      const read = (f) => {
        try {
          return fs.readFileSync(f, 'utf8');
        } catch {
          return '';
        }
      };
      const { template } = clientFiles(clientOutDir);
      const why = appBuildReusable({
        dir: serverOutDir, entry: ssrEntry, mode,
        bundleId: buildIdOf('bundle', read(bundleFile)),
        templateId: template ? buildIdOf('template', read(template)) : null,
      });
      if (why) {
        (logger || console).info(`[${PLUGIN}] building the server bundle (${why})`);
        return;
      }
      envs[0].isBuilt = true;
      (logger || console).info(`[${PLUGIN}] ${display(bundleFile)} is up to date: ` +
        'built by the client build with this entry, and no source has changed since');
    },
  };

  const serverPlugin = {
    name: `${PLUGIN}:server`,
    applyToEnvironment(environment) {
      return environment.name === 'ssr' && environment.config.command === 'build';
    },
    configResolved(config) {
      wantMaps = !!config.build?.sourcemap;
      minified = !!config.environments?.ssr?.build?.minify;
      if (!caches) {
        const dir = options.cache === false ? null
          : options.cacheDir ? path.resolve(config.root, options.cacheDir)
            : options.cache === 'memory' ? null : defaultCacheDir(config.root);
        const fp = fingerprint({ TOOL_VERSIONS, targets, exclude, include, wantMaps,
          rendererPaths: [useEscape, useBuilder] });
        caches = options.cache === false ? null : {
          babel: createTransformCache({ name: 'babel', fingerprint: fp, dir }),
          escape: createTransformCache({ name: 'escape', fingerprint: fp, dir }),
          /* the finished chunk, in groups of statements (lowerChunk) */
          chunk: createTransformCache({ name: 'chunk', fingerprint: fp, dir }),
        };
      }
    },

    /* The polyfill imports Babel adds name core-js: bundle this package's. */
    resolveId: {
      order: 'pre',
      async handler(source, importer, resolveOptions) {
        /* a Solid app's server entry: wrapped (frameworks.js) */
        if (solidApp && !importer && resolveOptions?.isEntry && !source.startsWith(SOLID_ENTRY_PREFIX)) {
          const entry = await this.resolve(source, importer, { ...resolveOptions, skipSelf: true });
          if (entry && !entry.external && path.isAbsolute(cleanId(entry.id))) {
            return SOLID_ENTRY_PREFIX + entry.id;
          }
          return entry;
        }
        const builtin = builtinName(source);
        if (builtin) {
          /* a bare name a dependency imports: an installed package of that
           * name (the npm 'buffer', 'events', ...) wins */
          if (!source.startsWith('node:')) {
            if (!importer || !/[\\/]node_modules[\\/]/.test(importer)) return null;
            const resolved = await this.resolve(source, importer, { ...resolveOptions, skipSelf: true });
            if (resolved && !resolved.external && path.isAbsolute(cleanId(resolved.id))) return resolved;
          }
          return BUILTIN_PREFIX + builtin;
        }
        if (source !== 'core-js' && !source.startsWith('core-js/')) return null;
        const rel = source === 'core-js' ? 'index.js' : source.slice('core-js/'.length);
        let file = path.join(CORE_JS_DIR, rel);
        if (!path.extname(file)) file += '.js';
        /* the other resolvers still see it: with Rollup, @rollup/plugin-commonjs
         * must wrap an ES module's import of CommonJS code */
        const resolved = await this.resolve(file, importer, { ...resolveOptions, skipSelf: true });
        return resolved || file;
      },
    },

    load(id) {
      if (id.startsWith(SOLID_ENTRY_PREFIX)) {
        return { code: solidEntryWrapper(id.slice(SOLID_ENTRY_PREFIX.length)) };
      }
      if (!id.startsWith(BUILTIN_PREFIX)) return null;
      return { code: builtinStub(id.slice(BUILTIN_PREFIX.length)), moduleSideEffects: false };
    },

    /* Only one chunk: dynamic imports are inlined (Rollup's and Rolldown's
     * spelling of it differ). */
    outputOptions(output) {
      if (this.meta && this.meta.rolldownVersion) {
        if (output.codeSplitting === undefined) return { ...output, codeSplitting: false };
      } else if (output.inlineDynamicImports === undefined) {
        return { ...output, inlineDynamicImports: true };
      }
      return null;
    },

    /* Every module, the app's and its dependencies': ES5 syntax plus imports
     * of the core-js polyfills its code uses. */
    transform: {
      order: 'post',
      async handler(code, id) {
        const file = cleanId(id);
        /* virtual modules: the bundler's runtime helpers and the like (the
         * pass over the whole chunk makes them ES5) */
        if (file.startsWith('\0') || !JS_LIKE.test(file)) return null;
        if (isInside(file, CORE_JS_DIR)) return null;
        const compile = async (input) => {
          const r = await babel.transformAsync(input, babelModuleOptions(file));
          return r && { code: r.code, map: r.map || null, metadata: { modSsrRegexps: r.metadata?.modSsrRegexps } };
        };
        let result;
        try {
          result = caches ? await caches.babel.get(file, code, compile) : await compile(code);
        } catch (e) {
          this.error(`Babel could not compile ${file} to ES5: ${e.message}`);
        }
        if (!result) return null;
        const regexps = result.metadata && result.metadata.modSsrRegexps;
        if (regexps && regexps.length) {
          this.warn(`${display(file)}: regexps Duktape cannot compile, ` +
            `made lazy (they throw SyntaxError when the code creating them runs): ${regexps.join(', ')}`);
        }
        return { code: result.code, map: result.map || null };
      },
    },

    /* The whole chunk, after the bundler (and any minifier, which may print
     * ES2015 shorthands) is done with it: the runtime shims, then ES5 for what
     * the bundler added, then a check that the result is ES5. */
    generateBundle: {
      order: 'post',
      async handler(outputOptions, bundle) {
        const chunks = Object.values(bundle).filter((f) => f.type === 'chunk');
        if (chunks.length !== 1) {
          this.error(`the server build must be one file, but it has ${chunks.length} chunks ` +
            `(${chunks.map((c) => c.fileName).join(', ')})`);
        }
        const chunk = chunks[0];
        serverModuleIds = chunk.moduleIds || Object.keys(chunk.modules || {});
        if (outputOptions.format !== 'cjs') {
          this.error(`the server bundle must be CommonJS, not '${outputOptions.format}' ` +
            '(do not set build.rollupOptions.output.format for the ssr environment)');
        }
        if (!chunk.exports.includes('render')) {
          this.error(`the server entry ${chunk.facadeModuleId || chunk.fileName} ` +
            'does not export a `render` function');
        }
        let result = null;
        /* statement by statement, reusing the last build's results
         * (transform-cache.js), its map chained with the bundler's as the
         * whole-chunk pass does; not with a minifier */
        if (caches && !minified) {
          result = await lowerChunk(chunk.code, {
            acorn, babel, babelOptions: chunkStatementOptions(), cache: caches.chunk,
            sourceMaps: wantMaps, inputSourceMap: wantMaps && chunk.map ? chunk.map : null, file: chunk.fileName,
          });
        }
        try {
          const chunkOptions = {
            ...babelChunkOptions(chunk.fileName),
            inputSourceMap: wantMaps && chunk.map ? chunk.map : undefined,
          };
          result = result || await (devBuild && devBuild.transformChunk
            ? devBuild.transformChunk(chunk.code, chunkOptions)
            : babel.transformAsync(chunk.code, chunkOptions));
        } catch (e) {
          this.error(`Babel could not compile the server bundle to ES5: ${e.message}`);
        }
        const dynamicImports = result.metadata && result.metadata.modSsrDynamicImports;
        if (dynamicImports && dynamicImports.length) {
          this.warn(`the server bundle had dynamic imports of ${[...new Set(dynamicImports)].join(', ')}: ` +
            'mod_ssr has no module loader, they now return a rejected promise');
        }
        if (watching && caches) {
          const now = { ...caches.babel.stats };
          const last = lastStats || { hits: 0, diskHits: 0, misses: 0 };
          lastStats = now;
          const reused = now.hits + now.diskHits - last.hits - last.diskHits;
          (logger || console).info(`[${PLUGIN}] server bundle: ${reused} of ${reused + now.misses - last.misses} ` +
            'modules reused' + (result.compiled !== undefined
            ? `, ${result.compiled} of ${result.compiled + result.reused} statement groups compiled to ES5` : ''),
          { timestamp: true });
        }
        const withShim = insertShim(result.code, result.map);
        /* lowerChunk's output is ES5 by construction (each compiled group
         * was parsed as ES5, each group kept as it is passed a whitelist of
         * ES5 syntax), and the engine check follows: the whole-bundle parse
         * is for the whole-chunk pass's output */
        const problem = result.compiled !== undefined ? null
          : (devBuild && devBuild.es5Check || es5Check)(withShim.code, chunk.fileName);
        if (problem) this.error(`${problem}`);
        /* the first line is the build stamp's, filled in once the whole
         * build is written */
        chunk.code = bundleStampLine(PENDING_ID) + withShim.code;
        if (wantMaps && withShim.map) {
          setChunkMap(bundle, chunk, rootRelativeMap({ ...withShim.map, mappings: `;${withShim.map.mappings}` },
            outputOptions.dir ? path.resolve(root, outputOptions.dir) : serverOutDir, root, PENDING_ID));
        }

        const packageRequires = [];
        const re = /\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g;
        let m;
        while ((m = re.exec(chunk.code)) !== null) packageRequires.push(m[1]);
        if (packageRequires.length > 0) {
          this.warn(`the server bundle still requires ${[...new Set(packageRequires)].join(', ')}: ` +
            'mod_ssr has no require(), these calls will throw when they run');
        }
      },
    },

    async writeBundle(outputOptions, bundle) {
      const chunk = Object.values(bundle).find((f) => f.type === 'chunk');
      const dir = outputOptions.dir ? path.resolve(root, outputOptions.dir) : serverOutDir;
      const bundleFile = path.join(dir, chunk.fileName);
      writeServerPackageJson(dir);
      /* mod-ssr-dev stamps it with its dev template itself */
      if (devBuild) return;

      /* `vite build --watch`: the watch round does the rest once every
       * environment is done (the client may still be building now) */
      const round = watchRounds.get(dir);
      if (round) {
        round.bundleFile = bundleFile;
        return;
      }

      const { template, manifest } = clientFiles(clientOutDir);
      const problem = await engineCheck(bundleFile, template, manifest, (m) => this.warn(m));
      if (problem) this.error(problem);
      if (options.apacheConfig) {
        writeApacheConfig(bundleFile, template, manifest, (m) => this.warn(m));
      }
      /* the client was built first: the build is complete.  A server-only
       * build (`vite build --ssr`) joins the client build beside it. */
      const clientId = !appMode && template ? buildIdOf('template', fs.readFileSync(template, 'utf8')) : null;
      const id = stampBuild({ bundle: bundleFile, template, manifest }, clientId || chooseBuildId(options.buildId));
      if (appMode && !watching && entryRel) {
        writeAppBuildRecord(dir, {
          id, entry: path.resolve(root, entryRel), mode, configFile, moduleIds: serverModuleIds,
        });
      } else {
        removeAppBuildRecord(dir);
      }
      touchBuildMarker(dir);
      if (watching) {
        if (prerenderPlan(options.prerender, root)) {
          (logger || console).info(`[${PLUGIN}] prerender skipped in watch mode`);
        }
        return;
      }
      await runPrerender(bundleFile, template, manifest, (m) => this.warn(m), (m) => this.error(m));
    },
  };

  /* The template and the SSR manifest of a client build, when they exist. */
  function clientFiles(dir) {
    const template = dir && fs.existsSync(path.join(dir, 'index.html'))
      ? path.join(dir, 'index.html') : null;
    const manifest = dir && fs.existsSync(path.join(dir, '.vite', 'ssr-manifest.json'))
      ? path.join(dir, '.vite', 'ssr-manifest.json') : null;
    return { template, manifest };
  }

  function writeApacheConfig(bundleFile, template, manifestFile, warn) {
    if (!clientOutDir || !template) {
      warn(`apacheConfig: no client build found next to ${path.dirname(bundleFile)}; snippet not written`);
      return;
    }
    const file = path.resolve(root, options.apacheConfig === true
      ? path.join(outBase, 'mod_ssr.conf') : options.apacheConfig);
    let name;
    try {
      name = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name;
    } catch {
      name = undefined;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, apacheConfigText({
      clientDir: clientOutDir, bundle: bundleFile, template, manifest: manifestFile,
      base: resolvedBase, name,
    }));
    (logger || console).info(`[${PLUGIN}] httpd config written to ${display(file)}`);
  }

  /* Runs the bundle in mod_ssr's engine (ssr-render) for the base URL.
   * Returns null when it renders (or the check is skipped), else why not. */
  async function engineCheck(bundleFile, template, manifestFile, warn) {
    const found = findSsrRender(options.ssrRender);
    if (!found.path) {
      if (options.ssrRender !== false) {
        warn(`engine check skipped: ${found.why}`);
      }
      return null;
    }
    if (!fs.existsSync(found.path)) {
      return `ssr-render not found at ${found.path} (from ${found.explicit})`;
    }
    const args = ['--bundle', bundleFile, '--base', ssrBaseFor(resolvedBase), '--quiet'];
    if (template) args.push('--template', template);
    if (manifestFile) args.push('--manifest', manifestFile);
    args.push(ssrBaseFor(resolvedBase));
    const r = await runProgram(found.path, args, options.ssrRenderTimeout || 60000);
    if (r.spawnError) {
      return `could not run ${found.path}: ${r.spawnError.message}`;
    }
    if (r.code !== 0) {
      const what = r.code === 2 ? 'does not load in mod_ssr\'s engine'
        : r.code === 1 ? 'loads, but rendering ' + ssrBaseFor(resolvedBase) + ' failed in mod_ssr\'s engine'
          : `made ssr-render fail (${r.signal ? 'signal ' + r.signal : 'exit ' + r.code})`;
      return `the server bundle ${display(bundleFile)} ${what}:\n` +
        (r.stderr || '').trim() + `\n(checked with: ${found.path} ${args.join(' ')})`;
    }
    const status = /^status: (.*)$/m.exec(r.stderr || '');
    (logger || console).info(`[${PLUGIN}] engine check: ${ssrBaseFor(resolvedBase)} renders in ssr-render` +
      (status ? ` (status ${status[1]})` : ''));
    return null;
  }

  /* The `prerender` option: ssr-prerender writes static pages of the build. */
  async function runPrerender(bundleFile, template, manifestFile, warn, fail) {
    const plan = prerenderPlan(options.prerender, root);
    if (!plan) return;
    const found = findSsrPrerender(options.ssrPrerender);
    if (!found.path) {
      if (options.ssrPrerender !== false) warn(`prerender skipped: ${found.why}`);
      return;
    }
    if (!fs.existsSync(found.path)) {
      fail(`ssr-prerender not found at ${found.path} (from ${found.explicit})`);
    }
    if (!template) {
      fail(`prerender: no client build (index.html) found next to ${display(path.dirname(bundleFile))}`);
    }
    const args = ['--bundle', bundleFile, '--template', template];
    if (manifestFile) args.push('--manifest', manifestFile);
    args.push('--base', ssrBaseFor(resolvedBase));
    if (plan.out) args.push('--out', plan.out);
    if (plan.crawl) args.push('--crawl');
    args.push(...plan.routes);
    const r = await runProgram(found.path, args, options.prerenderTimeout || 300000);
    if (r.spawnError) {
      fail(`could not run ${found.path}: ${r.spawnError.message}`);
    }
    const output = `${r.stdout || ''}${r.stderr || ''}`.trim();
    if (r.code !== 0) {
      const why = r.code === 1 ? 'a route failed'
        : r.code === 2 ? 'bad usage, or the build does not load'
          : (r.signal ? 'signal ' + r.signal : 'exit ' + r.code);
      fail(`prerender failed (${why}):\n${output}\n(ran: ${found.path} ${args.join(' ')})`);
    }
    (logger || console).info(`[${PLUGIN}] prerender:\n${output}`);
  }

  /* `vite build --watch`: Vite starts one watcher per environment and each
   * rebuilds by itself when its own sources change (a module both import:
   * both).  A round of rebuilds is complete when no watcher is busy and
   * none has started for SETTLE_MS; then the bundle is checked in the engine
   * (the result is reported, not fatal: mod_ssr shows the same error in the
   * page) and the marker is touched.  The marker is also touched when a
   * round starts, while the files on disk are still the last complete
   * build: mod_ssr ignores a marker far older than the build (a leftover),
   * and with this it is never older than the round.  A failed server build
   * writes a bundle that throws the build error, so that mod_ssr's dev mode
   * shows it in open pages too. */
  async function watchApp(builder, order) {
    const envs = builder.environments;
    const log = builder.config.logger || logger || console;
    const ssrConfig = envs.ssr.config;
    const serverDir = path.resolve(ssrConfig.root, ssrConfig.build.outDir);
    const clientDir = envs.client
      ? path.resolve(envs.client.config.root, envs.client.config.build.outDir) : null;
    const busy = new Set();           /* environments building */
    const changed = new Map();        /* environment -> timer: a change, no START yet */
    const errors = new Map();         /* environment -> its last build's error */
    let timer = null;
    let generation = 0;
    let unfinished = true;            /* a round started and is not complete */
    let completing = false;
    let again = false;
    let configWritten = false;
    let warned = false;
    const round = { bundleFile: null };
    watchRounds.set(serverDir, round);

    const isBusy = () => busy.size > 0 || changed.size > 0;
    const warnOnce = (m) => {
      if (!warned) log.warn(`[${PLUGIN}] ${m}`);
      warned = true;
    };
    /* Something started: a new round, or more of the current one (an
     * editor's save can reach a watcher as two changes, and so make two
     * builds in a row: one round). */
    function activity() {
      if (!isBusy() && !unfinished) {
        try {
          touchBuildMarker(serverDir);
        } catch {
          /* the completion writes it */
        }
      }
      unfinished = true;
      generation++;
      clearTimeout(timer);
      timer = null;
    }
    function schedule() {
      clearTimeout(timer);
      timer = isBusy() ? null : setTimeout(complete, SETTLE_MS);
    }
    async function complete() {
      timer = null;
      if (completing) {
        again = true;
        return;
      }
      completing = true;
      const gen = generation;
      try {
        const bundleFile = round.bundleFile || path.join(serverDir, 'entry-server.js');
        const { template, manifest } = clientFiles(clientDir);
        if (!errors.has('ssr')) {
          const problem = await engineCheck(bundleFile, template, manifest, warnOnce);
          if (problem) log.error(`[${PLUGIN}] ${problem}`, { timestamp: true });
          if (!problem && options.apacheConfig && !configWritten) {
            writeApacheConfig(bundleFile, template, manifest, warnOnce);
            configWritten = true;
          }
        }
        if (gen === generation && !isBusy()) {
          if (!errors.has('ssr') && fs.existsSync(bundleFile)) {
            stampBuild({ bundle: bundleFile, template, manifest });
          }
          touchBuildMarker(serverDir);
          unfinished = false;
          const failed = [...errors.keys()];
          log.info(`[${PLUGIN}] build complete` +
            (failed.length ? ` (with errors in: ${failed.join(', ')})` : '') +
            `: ${display(path.join(serverDir, BUILD_MARKER))} touched`, { timestamp: true });
        }
      } catch (e) {
        log.error(`[${PLUGIN}] ${e && e.message}`);
      } finally {
        completing = false;
        if (again) {
          again = false;
          schedule();
        }
      }
    }
    function attach(name, watcher) {
      watcher.on('change', () => {
        activity();
        clearTimeout(changed.get(name));
        /* a change that starts no build (it should not happen) must not
         * hold the round forever */
        changed.set(name, setTimeout(() => {
          changed.delete(name);
          schedule();
        }, 3000));
      });
      watcher.on('event', (event) => {
        switch (event.code) {
          case 'START':
          case 'BUNDLE_START':
            activity();
            busy.add(name);
            clearTimeout(changed.get(name));
            changed.delete(name);
            break;
          case 'BUNDLE_END':
            errors.delete(name);
            break;
          case 'ERROR':
            errors.set(name, event.error);
            if (name === 'ssr') {
              writeErrorBundle(round.bundleFile || path.join(serverDir, 'entry-server.js'), event.error,
                clientFiles(clientDir).template);
            }
            busy.delete(name);
            schedule();
            break;
          case 'END':
            busy.delete(name);
            schedule();
            break;
          default:
            break;
        }
      });
      watcher.on('close', () => {
        busy.delete(name);
        watchRounds.delete(serverDir);
      });
    }

    if (prerenderPlan(options.prerender, root)) {
      log.info(`[${PLUGIN}] prerender skipped in watch mode`);
    }
    for (const name of order) {
      if (!envs[name] || envs[name].isBuilt) continue;
      busy.add(name);
      const watcher = await builder.build(envs[name]);
      if (watcher && typeof watcher.on === 'function') {
        attach(name, watcher);
      } else {
        busy.delete(name);
        schedule();
      }
    }
  }

  /* The HTML escape helpers of known renderers call mod_ssr's native escape
   * (native-escape.js; `nativeEscape: false` keeps them as they are), and
   * the page builders of known renderers join their chunks once instead of
   * `+=` (string-builders.js; `stringBuilder: false`). Before any other
   * transform: both are matched on the published source. */
  const useEscape = options.nativeEscape !== false;
  const useBuilder = options.stringBuilder !== false;
  const rendererPaths = (input) => {
    const escaped = useEscape ? transformNativeEscapes(input) : null;
    const built = useBuilder
      ? transformStringBuilders(escaped && escaped.changed.length ? escaped.code : input)
      : null;
    if (!escaped && !built) return null;
    let code = input;
    if (escaped && escaped.changed.length) code = escaped.code;
    if (built && built.changed.length) code = built.code;
    return {
      code,
      changed: [...(escaped ? escaped.changed : []), ...(built ? built.changed : [])],
      skipped: [...(escaped ? escaped.skipped : []), ...(built ? built.skipped : [])],
    };
  };
  const nativeEscapePlugin = {
    name: `${PLUGIN}:native-escape`,
    applyToEnvironment(environment) {
      return (useEscape || useBuilder) &&
        environment.name === 'ssr' && environment.config.command === 'build';
    },
    transform: {
      order: 'pre',
      async handler(code, id) {
        const file = cleanId(id);
        if (file.startsWith('\0') || !JS_LIKE.test(file)) return null;
        const result = caches
          ? await caches.escape.get(file, code, async (input) => rendererPaths(input))
          : rendererPaths(code);
        if (!result) return null;
        /* a package's helper of another version (an app's own function of
         * the same name is none of these) */
        if (/[\\/]node_modules[\\/]/.test(file)) {
          for (const why of result.skipped) {
            this.info(`${display(file)}: ${why}: left as it is`);
          }
        }
        if (result.changed.length === 0) return null;
        /* edits stay on their lines: lines keep their numbers */
        return { code: result.code, map: null };
      },
    },
  };

  /* renderToPipeableStream from react-dom's Node build (node-streams.js). */
  const pipeablePlugin = {
    name: `${PLUGIN}:pipeable-stream`,
    applyToEnvironment(environment) {
      return environment.name === 'ssr' && environment.config.command === 'build';
    },
    transform: {
      order: 'pre',
      handler(code, id) {
        const file = cleanId(id);
        if (file.startsWith('\0') || !JS_LIKE.test(file) || /[\\/]node_modules[\\/]/.test(file)) return null;
        const out = pipeableServerImports(code);
        return out ? { code: out, map: null } : null;
      },
    },
  };

  return [configPlugin, nativeEscapePlugin, pipeablePlugin, serverPlugin,
    watchManifestPlugin(`${PLUGIN}:watch-manifest`)];
}

export { modSsr };
