/*
 * What a framework's standard Node server adds around render(), which
 * mod_ssr (it has no server.js) must add itself for the unchanged app to
 * hydrate.
 *
 * Solid: create-vite-extra's server.js appends generateHydrationScript()
 * (the bootstrap that records events until hydration, window._$HY) to the
 * head that render() returns.  Without it the client's hydrate() finds no
 * _$HY and the page stays dead.  When the app is built with
 * vite-plugin-solid, the server entry is wrapped: render()'s head gets the
 * script appended, in mod_ssr's engine only (the same bundle run by the
 * template's Node server, `npm run preview`, gets it from server.js) and
 * only when the head does not already have it (an app written for mod_ssr
 * may add it itself).
 */

/** The prefix of the wrapped entry's module id. */
export const SOLID_ENTRY_PREFIX = '\0mod-ssr-solid-entry:';

/** Whether the resolved Vite plugins build a Solid app. */
export function isSolidApp(plugins) {
  return (plugins || []).some((p) => p && p.name === 'solid');
}

/** The wrapper module of a Solid app's server entry `file`. */
export function solidEntryWrapper(file) {
  const spec = JSON.stringify(file);
  return [
    `import * as app from ${spec};`,
    "import { generateHydrationScript } from 'solid-js/web';",
    `export * from ${spec};`,
    /* Duktape's own global object: in mod_ssr's engine, not in Node */
    "var inEngine = typeof Duktape === 'object' && Duktape !== null;",
    'function withScript(result) {',
    '  if (!inEngine || !result || typeof result !== "object") return result;',
    '  var head = result.head == null ? "" : String(result.head);',
    '  if (head.indexOf("_$HY") !== -1) return result;',
    '  var out = {};',
    '  for (var k in result) if (Object.prototype.hasOwnProperty.call(result, k)) out[k] = result[k];',
    '  out.head = head + generateHydrationScript();',
    '  return out;',
    '}',
    'export function render() {',
    '  var result = app.render.apply(this, arguments);',
    '  if (result && typeof result.then === "function") return result.then(withScript);',
    '  return withScript(result);',
    '}',
    '',
  ].join('\n');
}
