// The standard SSR template's scripts on the plugin's build: build:server
// (`vite build --ssr <entry>`) right after build:client finds the server
// bundle up to date and builds nothing, but builds when a source changed;
// the template's Node server can import the CommonJS bundle from a
// "type": "module" app (npm run preview).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { makeFixture, buildFixture } from '../testing/fixture.js';

let root;
const bundle = () => path.join(root, 'dist/server/entry-server.js');

before(async () => {
  root = makeFixture();
  await buildFixture(root, { ssrRender: false }, { build: { outDir: 'dist/client' } });
});

after(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

// `vite build --ssr src/entry-server.ts --outDir dist/server`; returns what
// the plugin logged.
async function buildServer() {
  const infos = [];
  const vite = await import('vite');
  const logger = vite.createLogger('silent');
  logger.info = (m) => { infos.push(String(m)); };
  logger.warn = () => {};
  logger.warnOnce = () => {};
  const { default: modSsr } = await import('../src/index.js');
  const builder = await vite.createBuilder({
    root, configFile: false, logLevel: 'info', customLogger: logger,
    plugins: [modSsr({ ssrRender: false })],
    build: { ssr: 'src/entry-server.ts', outDir: 'dist/server' },
  }, null);
  await builder.buildApp();
  return infos.join('\n');
}

test('the bundle has a package.json saying it is CommonJS, and Node imports it from a "type": "module" app', () => {
  assert.equal(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).type, 'module');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(root, 'dist/server/package.json'), 'utf8')),
    { type: 'commonjs' });
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(pathToFileURL(bundle()).href)}); console.log(typeof m.render);`],
  { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'function');
});

test('build:server after build:client builds nothing', async () => {
  const before = fs.readFileSync(bundle(), 'utf8');
  const mtime = fs.statSync(bundle()).mtimeMs;
  const log = await buildServer();
  assert.match(log, /entry-server\.js is up to date/, log);
  assert.equal(fs.readFileSync(bundle(), 'utf8'), before);
  assert.equal(fs.statSync(bundle()).mtimeMs, mtime);
});

test('build:server builds when a source changed since', async () => {
  const file = path.join(root, 'src/inventory.ts');
  fs.appendFileSync(file, '\nexport const changed = 1;\n');
  const log = await buildServer();
  assert.match(log, /building the server bundle \(.*inventory\.ts changed\)/, log);
  assert.doesNotMatch(log, /is up to date/);
  assert.ok(fs.existsSync(bundle()));
  // and a plain server build is not taken for an app build's
  assert.ok(!fs.existsSync(path.join(root, 'dist/server/.mod_ssr-app-build.json')));
});
