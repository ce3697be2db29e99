import type { Plugin } from 'vite';

export interface ModSsrOptions {
  /**
   * The SSR entry, relative to the Vite root. Default: the first of
   * src/entry-server.{tsx,ts,jsx,js,mts,mjs} that exists.
   */
  entry?: string;
  /**
   * Where `vite build` writes: `<outDir>/client` (the client build, with
   * .vite/ssr-manifest.json) and `<outDir>/server/entry-server.js`.
   * Default: 'dist'. `environments.client.build.outDir` /
   * `environments.ssr.build.outDir` in the Vite config take precedence.
   */
  outDir?: string;
  /** The client build's directory. Default: `<outDir>/client`. */
  clientOutDir?: string;
  /** The server bundle's directory. Default: `<outDir>/server`. */
  serverOutDir?: string;
  /**
   * The `ssr-render` program used to check that the built bundle loads and
   * renders '/' in mod_ssr's engine. Default: $MOD_SSR_RENDER, else
   * `ssr-render` on PATH; if none is found the check is skipped with a
   * warning. `false` turns the check off.
   */
  ssrRender?: string | false;
  /**
   * The build's id, stamped into the bundle, template and manifest (1 to 64
   * of `A-Z a-z 0-9 _ .`; a deploy may use a commit hash). Default:
   * $MOD_SSR_BUILD_ID, else a new id (time plus randomness).
   */
  buildId?: string;
  /** Write the server bundle's source map (dist/server/entry-server.js.map),
   * which mod_ssr uses to report errors at the app's sources. Default: true
   * (build.sourcemap, for the ssr environment or for all, wins when set). */
  sourcemap?: boolean | 'hidden';
  /** Time limit of the engine check, in ms. Default: 60000. */
  ssrRenderTimeout?: number;
  /**
   * Prerender pages with mod_ssr's `ssr-prerender` after the build (and the
   * engine check): a list of routes (`['/about']`), `'crawl'` (follow the
   * links from the base), or `{ routes, crawl, out }` (`out`: where to write,
   * relative to the Vite root; default: the client build). A route that
   * fails fails the build. Not run by `vite build --watch`.
   */
  prerender?: string[] | 'crawl' | { routes?: string[]; crawl?: boolean; out?: string };
  /**
   * The `ssr-prerender` program for `prerender`. Default: $MOD_SSR_PRERENDER,
   * else `ssr-prerender` on PATH; if none is found the prerender is skipped
   * with a warning. `false`: never prerender.
   */
  ssrPrerender?: string | false;
  /**
   * Make the HTML escape helpers of the renderers mod_ssr knows (React,
   * Vue, Preact, Svelte, Solid) call the engine's native escape for
   * strings; same output, faster renders (docs/performance.md).
   * Default: true.
   */
  nativeEscape?: boolean;
  /**
   * Make the page builders of the renderers mod_ssr knows (React's
   * renderToString and the flushSubtree that feeds it) collect their
   * chunks and join them once instead of `result += chunk`; same output,
   * faster renders (docs/performance.md).
   * Default: true.
   */
  stringBuilder?: boolean;
  /** Time limit of the prerender, in ms. Default: 300000. */
  prerenderTimeout?: number;
  /**
   * Write an httpd configuration snippet for the built app: `true` for
   * `<outDir>/mod_ssr.conf`, or a path relative to the Vite root.
   */
  apacheConfig?: boolean | string;
  /**
   * Minify the server bundle. Default: false (as Vite's SSR builds). The
   * bundle is compiled once per build, so this mostly saves memory.
   */
  minify?: boolean | 'oxc' | 'terser' | 'esbuild';
  /**
   * Babel targets for the server bundle. Default: { ie: '11' } (ES5 syntax,
   * polyfills for what ES5.1 engines lack).
   */
  targets?: string | string[] | Record<string, string>;
  /**
   * Resolve conditions for packages in the server bundle.
   * Default: ['module', 'worker', 'browser', 'development|production'].
   */
  conditions?: string[];
  polyfills?: {
    /** core-js modules (names or RegExps) never to add. */
    exclude?: Array<string | RegExp>;
    /** core-js modules to add even when the code does not seem to use them. */
    include?: Array<string | RegExp>;
    /**
     * Keep Duktape's native Array, RegExp, String and typed-array methods
     * that core-js would otherwise replace for spec corners (species,
     * sticky regexps at run time, ...). Default: true (twice as fast).
     */
    trustNative?: boolean;
  };
  /**
   * Reuse the server build's per-module transforms (Babel, native escape)
   * and the finished chunk's ES5 pass across builds: in memory for
   * `vite build --watch` rebuilds and, by default, on disk under
   * `node_modules/.vite-plugin-mod-ssr/` for the next build. `'memory'`:
   * not on disk; `false`: no reuse at all.
   */
  cache?: boolean | 'memory';
  /** The disk cache's directory (relative to the Vite root). */
  cacheDir?: string;
  /**
   * Add Solid's generateHydrationScript() to the head render() returns, in
   * mod_ssr's engine only, as the standard template's server.js does.
   * Default: when the app is built with vite-plugin-solid.
   */
  solidHydrationScript?: boolean;
  /**
   * `vite build --ssr <entry>` right after an app build with the same
   * entry (the standard template's build:server after build:client)
   * reuses its server bundle when no source changed. Default: true.
   */
  reuseAppBuild?: boolean;
}

/** vite-plugin-mod-ssr: builds a Vite SSR app for mod_ssr. */
export default function modSsr(options?: ModSsrOptions): Plugin[];
export { modSsr };

/** Where the prerender finds ssr-prerender. */
export function findSsrPrerender(
  option?: string | false,
  env?: Record<string, string | undefined>,
): { path: string | null; why?: string; explicit?: string };

/** A new build id ([0-9a-z.]: time, then randomness). */
export function newBuildId(): string;

/** The build id a bundle, template or SSR manifest text carries, or null. */
/** The `buildId` option, else $MOD_SSR_BUILD_ID, else a new id; throws on a bad id. */
export function chooseBuildId(option?: string, env?: Record<string, string | undefined>): string;
export function buildIdOf(kind: 'bundle' | 'template' | 'manifest', text: string): string | null;

/** Stamps one build id into a build's files (each replaced atomically); returns the id. */
export function stampBuild(
  files: { bundle: string; template?: string | null; manifest?: string | null },
  id?: string,
): string;

/** The build-complete marker's file name: `.mod_ssr-build-complete`. */
export const BUILD_MARKER: string;

/** Creates `<dir>/.mod_ssr-build-complete` or updates its mtime; returns its path. */
export function touchBuildMarker(dir: string): string;

/** The `prerender` option as ssr-prerender's routes, crawl and out (null: nothing to do). */
export function prerenderPlan(
  option: ModSsrOptions['prerender'],
  root: string,
): { routes: string[]; crawl: boolean; out: string | null } | null;

/** Where the engine check finds ssr-render. */
export function findSsrRender(
  option?: string | false,
  env?: Record<string, string | undefined>,
): { path: string | null; why?: string; explicit?: string };

/** The SSRBase value for a Vite `base`. */
export function ssrBaseFor(base: string): string;

/** The text of the httpd snippet. */
export function apacheConfigText(app: {
  clientDir: string;
  bundle: string;
  template: string;
  manifest?: string | null;
  base: string;
  name?: string;
}): string;
