/* The server bundle's source map, for mod_ssr's error messages.
 *
 * mod_ssr reads `entry-server.js.map` beside the bundle and reports the
 * frames of a render error at the app's sources (`src/App.jsx:12:5`)
 * instead of the bundle's line 16112.  The map is the chain of the
 * bundler's map (each module's own Babel map, chained by the bundler) and
 * the map of the Babel pass over the chunk (index.js; by statement groups
 * in transform-cache.js), shifted for the lines the plugin puts in front.  Here: it is on by default for the
 * server build, its sources are named from the project root, and it
 * carries the build id, so that mod_ssr never reads one build's map with
 * another build's bundle. */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';

/** The key of the build id in the map (an `x_` extension field). */
export const MAP_BUILD_KEY = 'x_mod_ssr_build';

/** `build.sourcemap` for the server build: what the user chose for it (or
 * for every build), else the plugin's `sourcemap` option, else on, watch
 * builds (the dev loop) included: there the error log and the overlay
 * matter most.  A map costs nothing at run time: mod_ssr reads it once per
 * build and decodes it only to report an error; a watch rebuild composes
 * it from cached pieces (transform-cache.js). */
export function serverSourcemap(userSsrBuild, userBuild, options) {
  return userSsrBuild?.sourcemap ?? userBuild?.sourcemap ?? options?.sourcemap ?? true;
}

const toPosix = (p) => p.split(path.sep).join('/');

/**
 * The chunk's final map with its sources relative to the project root
 * (`src/App.jsx`, as the error log should name them) and a `sourceRoot`
 * that leads from the map's directory back to the root, so that other
 * tools still find the files.  Sources that are not files (a bundler's
 * virtual modules) are kept as they are.
 * @param {object} map the chunk's map, its sources relative to `outDir`
 * @param {string} outDir the directory the map is written to
 * @param {string} root the project root
 * @param {string} [id] the build id to stamp (the bundle's pending one: the
 *   engine check runs the bundle with its map before the build is stamped)
 */
export function rootRelativeMap(map, outDir, root, id) {
  const base = map.sourceRoot ? path.resolve(outDir, map.sourceRoot) : outDir;
  const sources = (map.sources || []).map((s) => {
    if (typeof s !== 'string' || s === '' || s.startsWith('\0') || /^[a-z][a-z0-9+.-]*:/i.test(s)) return s;
    return toPosix(path.relative(root, path.resolve(base, s)));
  });
  const back = toPosix(path.relative(outDir, root));
  const out = { ...map, sourceRoot: back === '' ? '' : `${back}/`, sources };
  if (id) out[MAP_BUILD_KEY] = id;
  return out;
}

/**
 * Puts the final map in the chunk, and in the map file already in the
 * bundle when the bundler emitted it before `generateBundle` (Rollup
 * does; Rolldown writes chunk.map).
 */
export function setChunkMap(bundle, chunk, map) {
  chunk.map = map;
  const asset = bundle[`${chunk.fileName}.map`];
  if (asset && asset.type === 'asset') asset.source = JSON.stringify(map);
}

/** Stamps the build id into the bundle's map, if it has one (before the
 * bundle is stamped: mod_ssr reads a map only with a bundle of its id). */
export function stampSourceMap(bundleFile, id) {
  const file = `${bundleFile}.map`;
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return;     /* no map */
  }
  /* the map as rootRelativeMap made it ends with the build id: replaced
   * in the text (a watch rebuild's map is megabytes of JSON) */
  const tail = Math.max(0, text.length - 512);
  const m = new RegExp(`,"${MAP_BUILD_KEY}":"[^"\\\\]*"\\}\\s*$`).exec(text.slice(tail));
  let out;
  if (m) {
    out = text.slice(0, tail + m.index) + `,"${MAP_BUILD_KEY}":${JSON.stringify(id)}}`;
  } else {
    let map;
    try {
      map = JSON.parse(text);
    } catch {
      return;     /* not one this plugin wrote */
    }
    if (!map || typeof map !== 'object') return;
    map[MAP_BUILD_KEY] = id;
    out = JSON.stringify(map);
  }
  const tmp = `${file}.mod_ssr-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, out);
  fs.renameSync(tmp, file);
}
