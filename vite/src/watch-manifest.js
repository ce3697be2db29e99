/*
 * `vite build --watch`: Vite's SSR manifest plugin keeps one manifest object
 * per environment for the life of the process and only adds to it, so each
 * rebuild appends every module's files again (and keeps the files of chunks
 * that no longer exist): .vite/ssr-manifest.json grows on every rebuild.
 * This plugin, after Vite's, keeps of each module's list only what this
 * build added, which is what a fresh build writes.
 */
import path from 'node:path';

export function watchManifestPlugin(name) {
  let seen = new Map();            /* key -> length of its list last build */
  return {
    name,
    applyToEnvironment(environment) {
      const b = environment.config.build;
      return environment.config.command === 'build' && !!b.watch && !!b.ssrManifest;
    },
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const config = this.environment.config;
        const fileName = typeof config.build.ssrManifest === 'string'
          ? config.build.ssrManifest : '.vite/ssr-manifest.json';
        const asset = bundle[fileName];
        if (!asset || asset.type !== 'asset') return;
        let manifest;
        try {
          manifest = JSON.parse(String(asset.source));
        } catch {
          return;
        }
        /* this build's modules, as Vite names them */
        const modules = new Set();
        for (const f of Object.values(bundle)) {
          if (f.type !== 'chunk') continue;
          for (const id of Object.keys(f.modules)) {
            modules.add(path.relative(config.root, id).split(path.sep).join('/'));
          }
        }
        const chunkNames = new Set(Object.keys(bundle).map((f) => path.posix.basename(f)));
        const out = {};
        const lengths = new Map();
        for (const [key, list] of Object.entries(manifest)) {
          if (!Array.isArray(list)) continue;
          lengths.set(key, list.length);
          if (modules.has(key)) {
            /* Vite appended this build's files after the earlier builds' */
            out[key] = list.slice(Math.min(seen.get(key) ?? 0, list.length));
          } else if (chunkNames.has(key)) {
            /* a dynamic import's preloads, set anew by each build: kept
             * while the imported chunk exists */
            out[key] = list;
          }
        }
        seen = lengths;
        const sorted = {};
        for (const key of Object.keys(out).sort()) sorted[key] = out[key];
        asset.source = JSON.stringify(sorted, undefined, 2);
      },
    },
  };
}
