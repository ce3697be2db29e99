/*
 * Streaming renderers in the server bundle.
 *
 * mod_ssr's engine takes what render() returns as a stream (a ReadableStream,
 * or what React's renderToPipeableStream returns) and sends each chunk as it
 * comes; the host runtime provides ReadableStream, TextEncoder/TextDecoder
 * and the Node Writable surface that pipe() writes to.
 *
 * React's renderToPipeableStream exists only in react-dom's Node build
 * (server.node.js); the worker/browser conditions the server bundle is
 * resolved with give server.browser.js, which has renderToReadableStream
 * only. A module that imports react-dom/server and names
 * renderToPipeableStream gets the Node build instead, as under Node, so the
 * page is the same bytes as the app's own server.js sends. That build
 * requires a few Node built-ins at load time: `util` (TextEncoder) and
 * `async_hooks` (AsyncLocalStorage) get small working modules here, the
 * others stay stubs (crypto and stream are used only by APIs a streamed
 * render does not call: form-action keys, prerenderToNodeStream).
 *
 * Plain ES5 in the generated code: it runs before and after Babel unchanged.
 */

const PIPEABLE = /\brenderToPipeableStream\b/;
const REACT_DOM_SERVER = /((?:\bfrom|\bimport|\brequire\s*\(|\bimport\s*\()\s*)(['"])react-dom\/server\2/g;

/* The module's code with react-dom/server imports pointed at the Node build
 * when it uses renderToPipeableStream; null when nothing changes. */
export function pipeableServerImports(code) {
  if (!PIPEABLE.test(code) || !code.includes('react-dom/server')) return null;
  let changed = false;
  const out = code.replace(REACT_DOM_SERVER, (m, lead, q) => {
    changed = true;
    return `${lead}${q}react-dom/server.node${q}`;
  });
  return changed ? out : null;
}

/* Working exports for Node built-ins that streaming renderers need when
 * their module is evaluated: name -> { export name: ES5 expression }. */
const WORKING_BUILTINS = {
  util: {
    TextEncoder: 'globalThis.TextEncoder',
    TextDecoder: 'globalThis.TextDecoder',
  },
  async_hooks: {
    /* React's Fizz keeps the request in it while it works, synchronously:
     * run() sets the store for the duration of the call. */
    AsyncLocalStorage: `(function () {
  function AsyncLocalStorage() { this._store = undefined; this._active = false; }
  AsyncLocalStorage.prototype.getStore = function () { return this._active ? this._store : undefined; };
  AsyncLocalStorage.prototype.run = function (store, fn) {
    var prevStore = this._store, prevActive = this._active;
    this._store = store; this._active = true;
    try { return fn.apply(undefined, Array.prototype.slice.call(arguments, 2)); }
    finally { this._store = prevStore; this._active = prevActive; }
  };
  AsyncLocalStorage.prototype.exit = function (fn) {
    var prevActive = this._active;
    this._active = false;
    try { return fn.apply(undefined, Array.prototype.slice.call(arguments, 1)); }
    finally { this._active = prevActive; }
  };
  AsyncLocalStorage.prototype.enterWith = function (store) { this._store = store; this._active = true; };
  AsyncLocalStorage.prototype.disable = function () { this._store = undefined; this._active = false; };
  return AsyncLocalStorage;
})()`,
  },
};

/* Names of the built-in `name` this module provides working values for. */
export function workingBuiltinNames(name) {
  return Object.keys(WORKING_BUILTINS[name] || {});
}

/* The stub's line for export `n` of built-in `name`, or null to keep the
 * undefined one. */
export function workingBuiltinExport(name, n) {
  const table = WORKING_BUILTINS[name];
  if (!table || !Object.prototype.hasOwnProperty.call(table, n)) return null;
  return `export var ${n} = ${table[n]};`;
}
