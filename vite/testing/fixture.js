// Test support for test/*.test.js (kept out of test/ so that `node --test test/`
// does not run it as a test file): a tiny Vite SSR app (vanilla TypeScript + one dependency)
// written into a temporary directory, built with the plugin through Vite's
// JavaScript API, and ways to run the resulting bundle.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import modSsr from '../src/index.js';

// MOD_SSR_TEST_VITE=/path/to/node_modules/vite runs the tests with another
// Vite (the plugin supports 6 and later); default: this package's devDependency.
const defaultVite = process.env.MOD_SSR_TEST_VITE
  ? await import(pathToFileURL(path.join(process.env.MOD_SSR_TEST_VITE, 'dist/node/index.js')).href)
  : await import('vite');

const here = path.dirname(fileURLToPath(import.meta.url));

/** The engine CLI: MOD_SSR_RENDER, this repository's ./ssr-render, or PATH. */
export function locateSsrRender() {
  const candidates = [
    process.env.MOD_SSR_RENDER,
    path.resolve(here, '..', '..', 'ssr-render'),
    ...(process.env.PATH || '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'ssr-render')),
  ].filter(Boolean);
  return candidates.find((f) => fs.existsSync(f)) || null;
}

/** ssr-prerender: MOD_SSR_PRERENDER, this repository's ./ssr-prerender, or PATH. */
export function locateSsrPrerender() {
  const candidates = [
    process.env.MOD_SSR_PRERENDER,
    path.resolve(here, '..', '..', 'ssr-prerender'),
    ...(process.env.PATH || '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'ssr-prerender')),
  ].filter(Boolean);
  return candidates.find((f) => fs.existsSync(f)) || null;
}

/** The directory of the Vite package the tests use (for its CLI). */
export const viteDir = process.env.MOD_SSR_TEST_VITE
  ? path.resolve(process.env.MOD_SSR_TEST_VITE)
  : path.resolve(here, '..', 'node_modules', 'vite');

/** A vite.config.js for a fixture run with Vite's CLI: the plugin from this
 * package's source, with these options (JSON). */
export function viteConfigFile(pluginOptions = {}) {
  const url = pathToFileURL(path.resolve(here, '..', 'src', 'index.js')).href;
  return `// written by vite-plugin-mod-ssr's tests
const plugin = ${JSON.stringify(url)};
const { default: modSsr } = await import(plugin);
export default { plugins: [modSsr(${JSON.stringify(pluginOptions)})] };
`;
}

function write(root, files) {
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

const DEP = {
  'node_modules/fixture-dep/package.json': JSON.stringify({
    name: 'fixture-dep',
    version: '1.0.0',
    type: 'module',
    exports: {
      '.': {
        node: './node.js',
        worker: './worker.js',
        browser: './worker.js',
        default: './node.js',
      },
    },
  }, null, 2),
  // The Node build needs a Node built-in: bundling it would fail, so the
  // worker build must be the one chosen.
  'node_modules/fixture-dep/node.js': `import { readFileSync } from 'node:fs';
export const label = 'node build ' + typeof readFileSync;
export const escapeHtml = (s) => s;
`,
  'node_modules/fixture-dep/worker.js': `const map = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const label = \`worker build "\${'ok'}"\`;
export const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => map[c]);
// Duktape cannot compile a lookbehind: the bundle must still load.
export const lookbehind = (s) => s.replace(/(?<=a)b/g, 'c');
export class Registry {
  static #count = 0;
  #seen = new WeakMap();
  id(obj) {
    if (!this.#seen.has(obj)) this.#seen.set(obj, ++Registry.#count);
    return this.#seen.get(obj);
  }
}
`,
};

const APP = {
  'package.json': JSON.stringify({ name: 'fixture-app', private: true, type: 'module' }, null, 2),
  'index.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <!--app-head-->
  </head>
  <body>
    <div id="app"><!--app-html--></div>
    <script type="module" src="/src/entry-client.ts"></script>
  </body>
</html>
`,
  'src/entry-client.ts': `import { label } from 'fixture-dep';
document.querySelector<HTMLElement>('#app')!.dataset.hydrated = label;
`,
  'src/inventory.ts': `export interface Item { name: string; qty?: number; tags?: string[] }

export class Inventory<T extends Item> implements Iterable<T> {
  static created = 0;
  #items: T[] = [];
  constructor() { Inventory.created++; }
  add(...items: T[]): this { this.#items.push(...items); return this; }
  get size() { return this.#items.length; }
  *[Symbol.iterator](): Iterator<T> { yield* this.#items; }
}
`,
  'src/entry-server.ts': `import { label, escapeHtml, Registry, lookbehind } from 'fixture-dep';
import { Inventory, type Item } from './inventory';

const registry = new Registry();

export async function render(url: string, manifest?: string) {
  if (url === 'lookbehind') return { html: lookbehind('ab') };
  const inv = new Inventory<Item>().add(
    { name: 'Äpfel & <Birnen>', qty: 3, tags: ['fruit', 'fruit', 'local'] },
    { name: 'Ghost "👻"' },
  );
  const rows = [...inv].map(({ name, qty = 0, tags = [] }) =>
    \`<li title="\${escapeHtml(name)}">\${escapeHtml(name)}: \${qty ** 2} [\${[...new Set(tags)].join('|')}]</li>\`);
  const counts = new Map<string, number>();
  for (const item of inv) for (const t of item.tags ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  const date = /(?<year>\\d{4})-(?<month>\\d{2})/.exec('on 2024-05');
  const timer = await new Promise<string>((resolve) => setTimeout(() => resolve('timer'), 1));
  const later = await (async () => { await null; return 'async'; })();
  const facts = [
    JSON.stringify(Object.fromEntries(counts)),
    \`\${date?.groups?.year}/\${date?.groups?.month}\`,
    timer, later,
    [[1, [2]], [3]].flat(2).includes(3),
    String(7).padStart(3, '0'),
    'a.b.c'.replaceAll('.', '/'),
    'x1x2'.replaceAll(/x(\\d)/g, '<$1>'),
    Array.from({ length: 3 }, (_, i) => i * 2).join(','),
    Object.entries({ a: 1, b: 2 }).map(([k, v]) => k + v).join(''),
    registry.id(inv) === registry.id(inv),
    Inventory.created,
    process.env.NODE_ENV,
    typeof MessageChannel,
    'url=' + url,
    'manifest=' + typeof manifest,
  ];
  return {
    head: \`<title>\${escapeHtml(label)}</title>\`,
    html: \`<ul>\${rows.join('')}</ul><p>\${facts.map((f) => escapeHtml(String(f))).join(' ; ')}</p>\`,
  };
}
`,
};

/** Writes the fixture app into a new temporary directory. */
export function makeFixture(extraFiles = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mod-ssr-fixture-'));
  write(root, { ...DEP, ...APP, ...extraFiles });
  return root;
}

/** Builds it with the plugin, as `vite build` does (with `vite`, a Vite
 * module, if given); collects warnings. */
export async function buildFixture(root, pluginOptions = {}, config = {}, vite = defaultVite) {
  const { createBuilder, createLogger } = vite;
  const warnings = [];
  const logger = createLogger('silent');
  const collect = (msg) => { warnings.push(String(msg)); };
  logger.warn = collect;
  logger.warnOnce = collect;
  const builder = await createBuilder({
    root,
    configFile: false,
    logLevel: 'silent',
    customLogger: logger,
    plugins: [modSsr(pluginOptions)],
    ...config,
  }, null);
  await builder.buildApp();
  return { warnings };
}

/** Runs a CommonJS bundle in a fresh V8 context with a require that throws
 * (as mod_ssr does) and returns render(url, manifest)'s settled value. */
export async function runInNode(file, url, manifest) {
  const code = fs.readFileSync(file, 'utf8');
  const context = vm.createContext({
    console, setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask,
    TextEncoder, TextDecoder, process: { env: {} },
  });
  context.globalThis = context;
  const fn = vm.runInContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, context,
    { filename: file });
  const module = { exports: {} };
  fn.call(module.exports, module.exports, (name) => {
    throw new Error(`require('${name}') is not available`);
  }, module, file, path.dirname(file));
  return await module.exports.render(url, manifest);
}

/** Runs ssr-render; returns { status, stdout, stderr }. */
export function runSsrRender(bin, args) {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
