/*
 * mod-ssr-dev: the dev loop of an app served by mod_ssr, at Vite's speed.
 *
 * One command runs, in one process:
 *   - Vite's dev server on 127.0.0.1:<port>, for Apache only: it serves the
 *     client (modules, /@vite/client, HMR over a websocket at
 *     <base>__vite_hmr, the public files) to the pages mod_ssr renders;
 *   - a watch build of the server bundle alone (the `ssr` environment, with
 *     vite-plugin-mod-ssr as in production), written with the *dev*
 *     template (index.html through Vite's transformIndexHtml: /@vite/client,
 *     the dev entry script) into <outDir>/dev/;
 *   - the httpd snippet <outDir>/mod_ssr.dev.conf: mod_ssr renders from
 *     that bundle and template, Vite's URLs are proxied to the dev server.
 *
 * The browser talks to Apache only.  A change the client sees is Vite's HMR
 * (component state kept).  A change only the server bundle sees (the
 * server entry, a module only it imports) ends, once the new server build
 * is written and stamped, in one `full-reload` sent over Vite's websocket:
 * with SSRReloadInterval 0 the reloaded page's request loads that build.
 * A full reload Vite itself decides on (a module without an HMR boundary,
 * index.html) is held back while a server build it will need is under way,
 * and sent once that build is in place: one reload per change, never one
 * into the old build followed by another.  mod_ssr's own live-reload
 * script (SSRLiveReload On) still shows build and render errors in the
 * page, and leaves reloading a page that has Vite's client to Vite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import babel from '@babel/core';
import * as acorn from 'acorn';
import { stampBuild, touchBuildMarker, ssrBaseFor, writeErrorBundle } from './index.js';

const PLUGIN = 'vite-plugin-mod-ssr';

/** The inline-config key that tells vite-plugin-mod-ssr a build is
 * mod-ssr-dev's server build (no engine check, no httpd snippet, no
 * stamp: this file stamps the bundle with the dev template), with its
 * hooks ({ transformChunk, es5Check }). */
export const DEV_BUILD_KEY = '__modSsrDevBuild';

/** The websocket path of Vite's HMR under the base, proxied by Apache. */
export const HMR_PATH = '__vite_hmr';

/* Vite's dev URLs under the base that Apache proxies to the dev server:
 * its client and env, files by absolute path, virtual modules, React's
 * refresh runtime, the app's sources and (prebundled) dependencies.
 * Plugins with other virtual URLs add theirs with --proxy. */
export const DEV_PREFIXES = ['@vite/', '@fs/', '@id/', '@react-refresh', 'src/', 'node_modules/'];

/* How long a full reload Vite wanted waits for the server build it
 * needs, at most (a change the server watch does not rebuild for). */
const HOLD_MS = 5000;

/* How long the server watch waits after a change before it builds. */
const BUILD_DELAY_MS = 250;

function apacheQuote(value) {
  return '"' + String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

/** The text of the dev httpd snippet. */
export function devApacheConfigText({ clientDir, bundle, template, base, port, prefixes, publicEntries, name }) {
  const ssrBase = ssrBaseFor(base);
  const origin = `http://127.0.0.1:${port}`;
  const proxied = [...prefixes, ...publicEntries];
  const lines = [
    `# mod_ssr dev configuration${name ? ' for ' + name : ''}, written by mod-ssr-dev (${PLUGIN}).`,
    '# Include it in a <VirtualHost> (or the main server config) of an httpd',
    '# for you only (Listen 127.0.0.1:...) that loads mod_ssr, mod_proxy and',
    '# mod_proxy_http (websockets through upgrade=websocket: httpd 2.4.47+).',
    `# Vite's dev server (${origin}) serves the client; mod_ssr renders the pages.`,
    '',
    '# Vite: its client, modules, dependencies and public files, and the HMR websocket.',
    `ProxyPass ${ssrBase}${HMR_PATH} ${origin}${ssrBase}${HMR_PATH} upgrade=websocket timeout=86400`,
    ...proxied.map((p) => `ProxyPass ${ssrBase}${p} ${origin}${ssrBase}${p}`),
    '',
  ];
  const ssr = [
    'SSREngine On',
    `SSRBundle ${apacheQuote(bundle)}`,
    `SSRTemplate ${apacheQuote(template)}`,
    `SSRBase ${ssrBase}`,
    '# errors in the page; a new build is loaded by the next request',
    'SSRLiveReload On',
    'SSRReloadInterval 0',
  ];
  if (ssrBase === '/') {
    lines.push(
      `DocumentRoot ${apacheQuote(clientDir)}`,
      `<Directory ${apacheQuote(clientDir)}>`,
      '    Require all granted',
      '</Directory>',
      '',
      ...ssr,
    );
  } else {
    lines.push(
      `Alias ${ssrBase} ${apacheQuote(clientDir + '/')}`,
      `<Directory ${apacheQuote(clientDir)}>`,
      '    Require all granted',
      '</Directory>',
      `<Location ${ssrBase}>`,
      ...ssr.map((l) => '    ' + l),
      '</Location>',
    );
  }
  return lines.join('\n') + '\n';
}

/* Vite as the app has it (a peer dependency): resolved from the app's
 * root first, then from this package. */
async function loadVite(root) {
  for (const from of [path.join(root, 'package.json'), import.meta.url]) {
    try {
      const file = createRequire(from).resolve('vite');
      return await import(pathToFileURL(file).href);
    } catch {
      /* next */
    }
  }
  return import('vite');
}

/* The bundler's watch mode runs every transform of every module again on
 * each rebuild; the plugin's Babel pass over the app and its dependencies
 * is most of a server build's time.  Unchanged code gets the same result:
 * in dev it is kept per module, so that a rebuild compiles only the
 * modules that changed. */
const memoized = new WeakSet();
function memoizeTransform(plugin) {
  const hook = plugin.transform;
  if (!hook || memoized.has(plugin)) return;
  memoized.add(plugin);
  const handler = typeof hook === 'function' ? hook : hook.handler;
  const cache = new Map();
  const wrapped = async function memo(code, id, ...rest) {
    const hit = cache.get(id);
    if (hit && hit.code === code) return hit.result;
    const result = await handler.call(this, code, id, ...rest);
    cache.set(id, { code, result });
    return result;
  };
  if (typeof hook === 'function') plugin.transform = wrapped;
  else plugin.transform = { ...hook, handler: wrapped };
}

/* The plugin's last pass compiles the whole server chunk to ES5 again (for
 * what the bundler wrote around the modules) and parses the result as ES5;
 * for a React app that is seconds per rebuild.  The bundler starts each
 * module at column 0 with a `// <path>` comment line, so in dev the chunk
 * is handled in pieces, one per module, and a piece that did not change
 * since the last build keeps its result.  A piece is whole statements and
 * compiles on its own; if one does not, or source maps are wanted, the
 * chunk is compiled whole. */
const splitChunk = (code) => code.split(/\n(?=\/\/ )/);

export function pieceCache() {
  let compiled = new Map();
  let checked = new Set();
  async function transformChunk(code, options) {
    if (options.inputSourceMap || options.sourceMaps) return babel.transformAsync(code, options);
    const next = new Map();
    const imports = [];
    let out;
    try {
      out = await Promise.all(splitChunk(code).map(async (piece) => {
        let hit = compiled.get(piece) || next.get(piece);
        if (!hit) {
          const r = await babel.transformAsync(piece, options);
          hit = { code: r.code, imports: (r.metadata && r.metadata.modSsrDynamicImports) || [] };
        }
        next.set(piece, hit);
        imports.push(...hit.imports);
        return hit.code;
      }));
    } catch {
      compiled = new Map();
      return babel.transformAsync(code, options);
    }
    compiled = next;
    return { code: out.join('\n'), map: null, metadata: { modSsrDynamicImports: imports } };
  }
  function es5Check(code, fileName) {
    const next = new Set();
    for (const piece of splitChunk(code)) {
      if (!checked.has(piece)) {
        try {
          acorn.parse(piece, { ecmaVersion: 5, sourceType: 'script' });
        } catch (e) {
          const where = /^\/\/ (.*)/.exec(piece);
          return `${fileName} is not ES5 (${e.message}${where ? ' in the code of ' + where[1] : ''})`;
        }
      }
      next.add(piece);
    }
    checked = next;
    return null;
  }
  return { transformChunk, es5Check };
}

/**
 * Starts the dev loop.  Resolves once the dev server listens and the
 * first server build is written, with { server, close, files }.
 * @param {{ root?: string, configFile?: string|false, port?: number,
 *           host?: string, outDir?: string, proxy?: string[],
 *           clientPort?: number, logLevel?: string }} [opts]
 */
export async function startDev(opts = {}) {
  const root = path.resolve(opts.root || process.cwd());
  const port = opts.port || 5173;
  const vite = await loadVite(root);
  const major = Number(String(vite.version || '0').split('.')[0]);
  const outBase = path.resolve(root, opts.outDir || 'dist');
  const devDir = path.join(outBase, 'dev');
  const clientDir = path.join(devDir, 'client');
  const serverDir = path.join(devDir, 'server');
  const template = path.join(clientDir, 'index.html');
  const bundle = path.join(serverDir, 'entry-server.js');
  const snippet = path.join(outBase, 'mod_ssr.dev.conf');

  let server = null;
  let logger = null;
  const log = (m) => (logger ? logger.info(`[${PLUGIN}] ${m}`, { timestamp: true }) : console.log(m));
  const warn = (m) => (logger ? logger.warn(`[${PLUGIN}] ${m}`, { timestamp: true }) : console.warn(m));

  /* What the server build holds, and what is under way. */
  const ssrFiles = new Set();   /* files in the last server bundle */
  let pending = new Set();      /* changed files no server build has started with */
  let building = new Set();     /* the files the running server build started with */
  let built = new Set();        /* those of the last build, and when it ended */
  let builtAt = 0;
  let serverBusy = false;       /* a server rebuild is expected or running */
  let busySince = 0;
  let templateBusy = false;     /* the dev template is being rewritten */
  let heldReload = false;       /* Vite wanted a full reload meanwhile */
  let holdTimer = null;
  let lastFailed = false;       /* the last server build failed */
  let firstBuild = null;        /* resolves with the first server build */
  let rawSend = null;

  const clientHas = (file) => {
    const graph = server.environments?.client?.moduleGraph || server.moduleGraph;
    const mods = graph.getModulesByFile(file);
    return !!(mods && mods.size > 0);
  };
  function reload(why) {
    heldReload = false;
    clearTimeout(holdTimer);
    log(`full reload: ${why}`);
    rawSend({ type: 'full-reload', path: '*' });
  }
  function settle() {
    if (heldReload && !serverBusy && !templateBusy) reload('the new server build is in place');
  }
  function markServerBusy() {
    serverBusy = true;
    busySince = Date.now();
    clearTimeout(holdTimer);
    /* a change the server watch turns out not to rebuild for must not
     * hold Vite's reload forever */
    holdTimer = setTimeout(() => {
      if (serverBusy && Date.now() - busySince >= HOLD_MS) {
        serverBusy = false;
        settle();
      }
    }, HOLD_MS);
  }

  /* The dev template: the app's index.html as Vite's dev server serves it. */
  async function writeTemplate() {
    const html = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
    const base = server.config.base || '/';
    const out = await server.transformIndexHtml(base, html);
    fs.mkdirSync(clientDir, { recursive: true });
    const tmp = `${template}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, out);
    fs.renameSync(tmp, template);
  }

  function writeSnippet() {
    const publicDir = server.config.publicDir;
    let publicEntries = [];
    try {
      publicEntries = publicDir ? fs.readdirSync(publicDir).filter((n) => !n.startsWith('.'))
        .map((n) => (fs.statSync(path.join(publicDir, n)).isDirectory() ? `${n}/` : n)) : [];
    } catch {
      publicEntries = [];
    }
    let name;
    try {
      name = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).name;
    } catch {
      name = undefined;
    }
    /* Vite serves the prebundled dependencies from its cache directory,
     * at its path under the root (node_modules/.vite/deps/ by default) */
    const prefixes = [...DEV_PREFIXES, ...(opts.proxy || [])];
    const cache = path.relative(root, server.config.cacheDir || '').split(path.sep).join('/');
    if (cache && !cache.startsWith('..') && !path.isAbsolute(cache) &&
        !prefixes.some((p) => p.endsWith('/') && `${cache}/`.startsWith(p))) {
      prefixes.push(`${cache}/`);
    }
    fs.mkdirSync(path.dirname(snippet), { recursive: true });
    fs.writeFileSync(snippet, devApacheConfigText({
      clientDir, bundle, template, base: server.config.base, port, prefixes, publicEntries, name,
    }));
  }

  /* 1. The server bundle's build (run below, once the dev template is there). */
  const tracker = {
    name: `${PLUGIN}:dev-tracker`,
    applyToEnvironment: (env) => env.name === 'ssr',
    configResolved(config) {
      for (const p of config.plugins) {
        if (p.name && p.name.startsWith(`${PLUGIN}:`)) memoizeTransform(p);
      }
    },
    generateBundle(_, out) {
      ssrFiles.clear();
      for (const chunk of Object.values(out)) {
        for (const id of chunk.moduleIds || Object.keys(chunk.modules || {})) {
          if (!id.startsWith('\0')) ssrFiles.add(path.resolve(id.replace(/[?#].*$/, '')));
        }
      }
    },
  };
  /* A production build, as `vite build` makes it (React's JSX runtime, not
   * its dev one): Vite takes the mode from NODE_ENV when it resolves a
   * config, and the dev server sets it to development for this process.
   * So the build's config is resolved first, before the dev server starts
   * (whose dependency optimizer must see development). */
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  let builder;
  try {
    builder = await vite.createBuilder({
      root,
      configFile: opts.configFile,
      logLevel: opts.logLevel,
      /* Vite's HMR for the same save goes first: the start of a server
       * build keeps this process's event loop busy (its plugins run for
       * every module), which would delay the update on its way to the page */
      build: { watch: { buildDelay: BUILD_DELAY_MS } },
      environments: {
        /* no gzip of the bundle for the log line: a dev rebuild's time */
        ssr: { build: { outDir: serverDir, emptyOutDir: false, reportCompressedSize: false } },
      },
      plugins: [tracker],
      [DEV_BUILD_KEY]: pieceCache(),
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  /* 2. Vite's dev server, its websocket reached through Apache. */
  const ws = { path: HMR_PATH, ...(opts.clientPort ? { clientPort: opts.clientPort } : {}) };
  const devPlugin = {
    name: `${PLUGIN}:dev`,
    apply: 'serve',
    configureServer(s) {
      s.watcher.on('change', (file) => {
        const f = path.resolve(file);
        /* (the server watch may have seen it first, and even built it) */
        if (ssrFiles.has(f) && !building.has(f) && !pending.has(f) &&
            !(built.has(f) && Date.now() - builtAt < 2000)) {
          markServerBusy();
        }
        if (f === path.join(root, 'index.html')) {
          templateBusy = true;
          writeTemplate().then(() => {
            /* the template's new id goes with the current bundle */
            if (fs.existsSync(bundle)) stampBuild({ bundle, template });
            touchBuildMarker(serverDir);
          }).catch((e) => warn(`index.html: ${e && e.message}`)).finally(() => {
            templateBusy = false;
            heldReload = true;
            settle();
          });
        }
      });
    },
  };
  server = await vite.createServer({
    root,
    configFile: opts.configFile,
    logLevel: opts.logLevel,
    server: {
      host: opts.host || '127.0.0.1',
      port,
      strictPort: true,
      ...(major >= 8 ? { ws } : { hmr: ws }),
    },
    plugins: [devPlugin],
  });
  logger = server.config.logger;
  /* Vite's full reloads wait for the server build they need. */
  const channel = server.ws;
  rawSend = channel.send.bind(channel);
  channel.send = (...args) => {
    const payload = args[0];
    if (payload && typeof payload === 'object' && payload.type === 'full-reload' &&
        (serverBusy || templateBusy)) {
      heldReload = true;
      return;
    }
    rawSend(...args);
  };
  await server.listen();
  await writeTemplate();
  writeSnippet();

  /* 3. The server bundle, rebuilt on change. */
  let firstDone;
  firstBuild = new Promise((r) => { firstDone = r; });
  const watcher = await builder.build(builder.environments.ssr);
  /* A change that comes while a build runs is not in it: the watch builds
   * again afterwards.  Only the build that has it decides on its reload;
   * one that ends with changes still to build holds its reload for the
   * next, so a page never reloads into a build without the change. */
  watcher.on('change', (id) => {
    pending.add(path.resolve(id));
    markServerBusy();
  });
  function ended() {
    built = building;
    builtAt = Date.now();
    building = new Set();
    if (pending.size === 0) {
      serverBusy = false;
      clearTimeout(holdTimer);
    }
  }
  watcher.on('event', (event) => {
    switch (event.code) {
      case 'START':
        building = new Set([...building, ...pending]);
        pending = new Set();
        markServerBusy();
        break;
      case 'ERROR':
        /* mod_ssr shows the error in open pages (SSRLiveReload On) */
        writeErrorBundle(bundle, event.error, template);
        lastFailed = true;
        heldReload = false;
        ended();
        firstDone();
        break;
      case 'BUNDLE_END': {
        stampBuild({ bundle, template });
        touchBuildMarker(serverDir);
        const serverOnly = [...building].filter((f) => !clientHas(f));
        const wasFailed = lastFailed;
        lastFailed = false;
        ended();
        log(`server build written (${event.duration} ms)`);
        if (serverOnly.length || wasFailed) heldReload = true;
        if (heldReload && !serverBusy && !templateBusy) {
          reload(serverOnly.length
            ? `the server alone uses ${serverOnly.map((f) => path.relative(root, f)).join(', ')}`
            : wasFailed ? 'the server build works again' : 'the new server build is in place');
        }
        firstDone();
        break;
      }
      default:
        break;
    }
  });
  await firstBuild;
  log(`dev server on http://127.0.0.1:${port} (for Apache); httpd snippet: ${path.relative(process.cwd(), snippet) || snippet}`);

  return {
    server,
    files: { snippet, template, bundle, clientDir, serverDir },
    async close() {
      await watcher.close();
      await server.close();
    },
  };
}
