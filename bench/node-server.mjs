#!/usr/bin/env node
/*
 * node-server.mjs: the Node baseline of `make bench-node`: the production
 * server of the standard Vite SSR template (`npm create vite-extra`,
 * ssr-react, server.js with NODE_ENV=production), without its dependencies:
 *
 *   - dist/client served as static files (the template's
 *     sirv('./dist/client', { extensions: [] }): files only, no index.html
 *     for /, no dotfiles; streamed, with Content-Type, Content-Length and
 *     Last-Modified, the file list read once at startup as sirv does in
 *     production); compression off;
 *   - everything else rendered: url = originalUrl.replace(base, ''),
 *     render = (await import(bundle)).render, rendered = await render(url,
 *     ssrManifest), the page = template.replace('<!--app-head-->', head ?? '')
 *     .replace('<!--app-html-->', html ?? ''), sent with status 200 and
 *     text/html (as express's res.send: charset, Content-Length); 500 and the
 *     stack on an error.
 *
 * node:http instead of express (no router, no ETag hashing of each page):
 * if anything, lighter than the template.
 *
 *   NODE_ENV=production node bench/node-server.mjs --dist DIR --bundle FILE
 *       --port N [--workers N] [--base /]
 *
 * --workers N > 1 runs node:cluster with N workers sharing the port (the
 * primary only forks them).
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const opts = { dist: null, bundle: null, port: 0, workers: 1, base: '/' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in opts) || argv[i + 1] === undefined) {
    console.error(`node-server: bad option ${argv[i]}`);
    process.exit(2);
  }
  opts[key] = key === 'port' || key === 'workers' ? Number(argv[i + 1]) : argv[i + 1];
}
if (!opts.dist || !opts.bundle || !opts.port) {
  console.error('usage: node-server.mjs --dist DIR --bundle FILE --port N [--workers N] [--base /]');
  process.exit(2);
}

if (opts.workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < opts.workers; i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', (w, code, signal) => {
    console.error(`node-server: worker ${w.process.pid} exited (${signal || code})`);
  });
} else {
  const base = opts.base;
  const client = path.resolve(opts.dist, 'client');
  const templateHtml = fs.readFileSync(path.join(client, 'index.html'), 'utf-8');
  const manifestFile = path.join(client, '.vite', 'ssr-manifest.json');
  const ssrManifest = fs.existsSync(manifestFile) ? fs.readFileSync(manifestFile, 'utf-8') : undefined;
  const bundleUrl = pathToFileURL(path.resolve(opts.bundle)).href;

  /* sirv in production: the files under dist/client, once, dotfiles left out */
  const types = {
    '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
    '.html': 'text/html', '.svg': 'image/svg+xml', '.json': 'application/json',
    '.png': 'image/png', '.jpg': 'image/jpeg', '.ico': 'image/x-icon',
    '.woff2': 'font/woff2', '.txt': 'text/plain',
  };
  const files = new Map();
  (function walk(dir, prefix) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs, `${prefix}${e.name}/`);
      else if (e.isFile()) {
        const st = fs.statSync(abs);
        const type = types[path.extname(e.name)] || 'application/octet-stream';
        files.set(prefix + e.name, {
          abs,
          headers: {
            'Content-Length': st.size,
            'Content-Type': /^text\/|javascript|json|svg/.test(type) ? `${type};charset=utf-8` : type,
            'Last-Modified': st.mtime.toUTCString(),
          },
        });
      }
    }
  })(client, base);

  const server = http.createServer(async (req, res) => {
    const q = req.url.indexOf('?');
    let pathname = q < 0 ? req.url : req.url.slice(0, q);
    try { pathname = decodeURIComponent(pathname); } catch { /* as is */ }
    const file = (req.method === 'GET' || req.method === 'HEAD') && files.get(pathname);
    if (file) {
      res.writeHead(200, file.headers);
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file.abs).pipe(res);
      return;
    }
    try {
      const url = req.url.replace(base, '');
      const render = (await import(bundleUrl)).render;
      const rendered = await render(url, ssrManifest);
      const html = templateHtml
        .replace('<!--app-head-->', rendered.head ?? '')
        .replace('<!--app-html-->', rendered.html ?? '');
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(html),
      });
      res.end(html);
    } catch (e) {
      console.log(e.stack);
      res.writeHead(500);
      res.end(e.stack);
    }
  });
  server.listen(opts.port, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
}
