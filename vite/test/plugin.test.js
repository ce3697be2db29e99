// The plugin's failure paths and helpers: the engine check failing the
// build, the ssr-render lookup, the httpd snippet for a non-root base, and
// the standard template's separate `vite build --ssr` step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as acorn from 'acorn';
import { apacheConfigText, findSsrRender, ssrBaseFor } from '../src/index.js';
import { makeFixture, buildFixture, locateSsrRender, runInNode, runSsrRender } from '../testing/fixture.js';

const ssrRender = locateSsrRender();

function withFixture(files, fn) {
  const root = makeFixture(files);
  return Promise.resolve(fn(root)).finally(() => fs.rmSync(root, { recursive: true, force: true }));
}

test('a bundle that throws while loading fails the build with the engine\'s error',
  { skip: !ssrRender && 'ssr-render not found' }, () => withFixture({
    'src/entry-server.ts': `const boom: any = (globalThis as any).definitelyMissing;
boom.explode('at load');
export function render() { return { html: '' }; }
`,
  }, async (root) => {
    await assert.rejects(buildFixture(root, { ssrRender }), (e) => {
      assert.match(e.message, /does not load in mod_ssr's engine/);
      assert.match(e.message, /TypeError/);
      return true;
    });
  }));

test('a bundle whose render of / fails fails the build',
  { skip: !ssrRender && 'ssr-render not found' }, () => withFixture({
    'src/entry-server.ts': `export async function render(url: string) {
  await null;
  throw new Error(\`no page for "\${url}" today\`);
}
`,
  }, async (root) => {
    await assert.rejects(buildFixture(root, { ssrRender }), (e) => {
      assert.match(e.message, /rendering \/ failed in mod_ssr's engine/);
      assert.match(e.message, /no page for "" today/);
      return true;
    });
  }));

test('without ssr-render the engine check is skipped with a warning', () => withFixture({}, async (root) => {
  const saved = { PATH: process.env.PATH, MOD_SSR_RENDER: process.env.MOD_SSR_RENDER };
  process.env.PATH = '';
  delete process.env.MOD_SSR_RENDER;
  try {
    const { warnings } = await buildFixture(root, {});
    assert.ok(warnings.some((w) => /engine check skipped: ssr-render not found/.test(w)), warnings.join('\n'));
    assert.ok(fs.existsSync(path.join(root, 'dist/server/entry-server.js')));
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.MOD_SSR_RENDER !== undefined) process.env.MOD_SSR_RENDER = saved.MOD_SSR_RENDER;
  }
}));

test('`vite build --ssr <entry> --outDir dist/server` (the template\'s build:server) makes the same kind of bundle',
  () => withFixture({}, async (root) => {
    await buildFixture(root, { ssrRender: false }, {
      build: { ssr: 'src/entry-server.ts', outDir: 'dist/server' },
    });
    const file = path.join(root, 'dist/server/entry-server.js');
    const code = fs.readFileSync(file, 'utf8');
    acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
    assert.match(code, /exports\.render\s*=/);
    assert.ok(!fs.existsSync(path.join(root, 'dist/client')), 'only the server is built');
    assert.ok(fs.statSync(path.join(root, 'dist/server/.mod_ssr-build-complete')).mtimeMs >= fs.statSync(file).mtimeMs,
      'the marker is touched after the bundle');
  }));

test('findSsrRender: option, then MOD_SSR_RENDER, then PATH', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mod-ssr-path-'));
  try {
    const bin = path.join(dir, 'ssr-render');
    fs.writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(findSsrRender(false).path, null);
    assert.equal(findSsrRender('/x/ssr-render', { MOD_SSR_RENDER: '/y' }).path, '/x/ssr-render');
    assert.equal(findSsrRender(undefined, { MOD_SSR_RENDER: '/y/ssr-render', PATH: dir }).path, '/y/ssr-render');
    assert.equal(findSsrRender(undefined, { PATH: ['/nonexistent', dir].join(path.delimiter) }).path, bin);
    const none = findSsrRender(undefined, { PATH: '/nonexistent' });
    assert.equal(none.path, null);
    assert.match(none.why, /not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SSRBase follows Vite\'s base', () => {
  assert.equal(ssrBaseFor('/'), '/');
  assert.equal(ssrBaseFor('/app/'), '/app/');
  assert.equal(ssrBaseFor('/app'), '/app/');
  assert.equal(ssrBaseFor('./'), '/');
  assert.equal(ssrBaseFor(''), '/');
  assert.equal(ssrBaseFor('https://cdn.example.com/x/'), '/');
});

test('the httpd snippet for an app under a base mounts the client build there', () => {
  const text = apacheConfigText({
    clientDir: '/srv/my app/dist/client',
    bundle: '/srv/my app/dist/server/entry-server.js',
    template: '/srv/my app/dist/client/index.html',
    manifest: null,
    base: '/shop/',
    name: 'shop',
  });
  const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(lines, [
    'Alias /shop/ "/srv/my app/dist/client/"',
    '<Directory "/srv/my app/dist/client">',
    '    Require all granted',
    '</Directory>',
    '<Directory "/srv/my app/dist/client/.vite">',
    '    Require all denied',
    '</Directory>',
    '<Location /shop/>',
    '    SSREngine On',
    '    SSRBundle "/srv/my app/dist/server/entry-server.js"',
    '    SSRTemplate "/srv/my app/dist/client/index.html"',
    '    SSRBase /shop/',
    '</Location>',
  ]);
});

test('the httpd snippet denies the client build\'s .vite/ (the SSR manifest), at base / too', () => {
  const app = {
    clientDir: '/srv/app/dist/client',
    bundle: '/srv/app/dist/server/entry-server.js',
    template: '/srv/app/dist/client/index.html',
    manifest: '/srv/app/dist/client/.vite/ssr-manifest.json',
  };
  for (const base of ['/', '/shop/']) {
    const lines = apacheConfigText({ ...app, base }).split('\n').map((l) => l.trim());
    const at = lines.indexOf('<Directory "/srv/app/dist/client/.vite">');
    assert.ok(at >= 0, `base ${base}: no <Directory> for .vite/:\n${lines.join('\n')}`);
    assert.deepEqual(lines.slice(at + 1, at + 3), ['Require all denied', '</Directory>'], `base ${base}`);
    // after the grant of the whole build, outside any <Location>
    assert.ok(at > lines.indexOf('<Directory "/srv/app/dist/client">'), `base ${base}`);
    const loc = lines.findIndex((l) => l.startsWith('<Location'));
    assert.ok(loc < 0 || loc > at, `base ${base}: inside a <Location>`);
  }
});

test('Node built-ins become stubs and dynamic import()s rejected promises: the bundle loads and renders',
  () => withFixture({
    'node_modules/uses-node/package.json': JSON.stringify({ name: 'uses-node', version: '1.0.0', type: 'module', main: 'index.js' }),
    'node_modules/uses-node/index.js': `import { createHash } from 'crypto';
const moduleName = ['node', 'crypto'].join(':');
export async function probe() {
  const als = await import('node:async_hooks');
  let computed;
  try {
    await import(/* @vite-ignore */ moduleName);
    computed = 'loaded';
  } catch (e) {
    computed = e.message;
  }
  return [typeof createHash, typeof als.AsyncLocalStorage, computed].join(' | ');
}
`,
    'src/entry-server.ts': `import { probe } from 'uses-node';
export async function render() { return { head: '', html: '<p>' + (await probe()) + '</p>' }; }
`,
  }, async (root) => {
    const { warnings } = await buildFixture(root, { ssrRender: ssrRender || false });
    const file = path.join(root, 'dist/server/entry-server.js');
    const code = fs.readFileSync(file, 'utf8');
    acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' });
    assert.doesNotMatch(code, /\bimport\(/);
    assert.doesNotMatch(code, /require\(\s*["']node:/);
    assert.deepEqual([...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]), []);
    assert.ok(warnings.some((w) => /dynamic imports of <computed specifier>/.test(w)), warnings.join('\n'));
    const expected = '<p>undefined | function | dynamic import of node:crypto is not available in mod_ssr&#39;s engine</p>';
    const out = await runInNode(file, '/', '{}');
    assert.equal(out.html.replace(/'/g, '&#39;'), expected);
    if (ssrRender) {
      const r = runSsrRender(ssrRender, ['--bundle', file, '--template', path.join(root, 'dist/client/index.html'), '/']);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.replace(/'/g, '&#39;').includes(expected), r.stdout);
    }
  }));
