// Builds the fixture app with the plugin and checks the server bundle is
// what mod_ssr loads: one ES5 CommonJS script, dependencies inlined (their
// worker builds), exporting render, rendering the same in Node and in
// mod_ssr's engine; plus the httpd snippet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SourceMap } from 'node:module';
import * as acorn from 'acorn';
import { makeFixture, buildFixture, runInNode, locateSsrRender, runSsrRender } from '../testing/fixture.js';
import { buildIdOf, chooseBuildId, stampBuild } from '../src/index.js';

const ssrRender = locateSsrRender();
let root;
let built;

before(async () => {
  root = makeFixture();
  built = await buildFixture(root, { ssrRender: ssrRender || false, apacheConfig: true });
});

after(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const bundlePath = () => path.join(root, 'dist/server/entry-server.js');

test('one vite build writes the client build, the SSR manifest and the server bundle', () => {
  assert.ok(fs.existsSync(path.join(root, 'dist/client/index.html')));
  assert.ok(fs.existsSync(path.join(root, 'dist/client/.vite/ssr-manifest.json')));
  const assets = fs.readdirSync(path.join(root, 'dist/client/assets'));
  assert.ok(assets.some((f) => f.endsWith('.js')), 'client JS');
  assert.deepEqual(fs.readdirSync(path.join(root, 'dist/server')).sort(),
    ['.mod_ssr-app-build.json', '.mod_ssr-build-complete', 'entry-server.js', 'entry-server.js.map', 'package.json']);
});

test('the build-complete marker is touched after the client and the server are written', () => {
  const mtime = (rel) => fs.statSync(path.join(root, rel)).mtimeMs;
  const marker = mtime('dist/server/.mod_ssr-build-complete');
  assert.ok(marker >= mtime('dist/server/entry-server.js'), 'marker not older than the bundle');
  assert.ok(marker >= mtime('dist/client/index.html'), 'marker not older than the template');
  assert.ok(marker >= mtime('dist/client/.vite/ssr-manifest.json'), 'marker not older than the manifest');
});

test('one build id is stamped into the bundle, the template and the manifest', () => {
  const read = (rel) => fs.readFileSync(path.join(root, rel), 'utf8');
  const bundle = read('dist/server/entry-server.js');
  const id = buildIdOf('bundle', bundle);
  assert.match(id ?? '', /^[0-9a-z]+\.[0-9a-f]{10}$/, bundle.slice(0, 80));
  assert.ok(bundle.startsWith(`/*! mod_ssr-build: ${id} */\n`));
  assert.equal(buildIdOf('template', read('dist/client/index.html')), id);
  assert.match(read('dist/client/index.html'), new RegExp(`<head[^>]*><!--mod_ssr-build:${id.replace('.', '\\.')}-->`));
  assert.equal(buildIdOf('manifest', read('dist/client/.vite/ssr-manifest.json')), id);
});

test('stamping again replaces the stamps, keeping each file otherwise the same', () => {
  const dir = fs.mkdtempSync(path.join(root, 'stamp-'));
  const files = {
    bundle: path.join(dir, 'b.js'),
    template: path.join(dir, 'i.html'),
    manifest: path.join(dir, 'm.json'),
  };
  fs.writeFileSync(files.bundle, `/*! mod_ssr-build: pending */\n'use strict';\nexports.render = 1;\n`);
  fs.writeFileSync(files.template, '<html><head><title>t</title></head><body><!--app-html--></body></html>');
  fs.writeFileSync(files.manifest, JSON.stringify({ 'src/a.js': ['/assets/a.js'] }, null, 2));
  stampBuild(files, 'one.1');
  stampBuild(files, 'two.2');
  assert.equal(fs.readFileSync(files.bundle, 'utf8'), `/*! mod_ssr-build: two.2 */\n'use strict';\nexports.render = 1;\n`);
  assert.equal(fs.readFileSync(files.template, 'utf8'),
    '<html><head><!--mod_ssr-build:two.2--><title>t</title></head><body><!--app-html--></body></html>');
  assert.deepEqual(JSON.parse(fs.readFileSync(files.manifest, 'utf8')),
    { 'src/a.js': ['/assets/a.js'], 'mod_ssr-build': ['two.2'] });
  assert.deepEqual(fs.readdirSync(dir).sort(), ['b.js', 'i.html', 'm.json'], 'no temp file left');
});

test('a build id may be chosen (option, then MOD_SSR_BUILD_ID), and a bad one is refused', () => {
  assert.equal(chooseBuildId('abc_1.2', {}), 'abc_1.2');
  assert.equal(chooseBuildId(undefined, { MOD_SSR_BUILD_ID: 'deadbeef' }), 'deadbeef');
  assert.equal(chooseBuildId('opt', { MOD_SSR_BUILD_ID: 'env' }), 'opt');
  assert.match(chooseBuildId(undefined, {}), /^[0-9a-z]+\.[0-9a-f]{10}$/);
  assert.match(chooseBuildId(undefined, { MOD_SSR_BUILD_ID: '' }), /^[0-9a-z]+\.[0-9a-f]{10}$/);
  for (const bad of ['a b', 'a-b', 'x'.repeat(65), '<!--', 7]) {
    assert.throws(() => chooseBuildId(bad, {}), /build id/);
  }
});

test('the server bundle is ES5 (parses with acorn ecmaVersion 5)', () => {
  const code = fs.readFileSync(bundlePath(), 'utf8');
  assert.doesNotThrow(() => acorn.parse(code, { ecmaVersion: 5, sourceType: 'script' }));
});

test('the server bundle is CommonJS with every package inlined', () => {
  const code = fs.readFileSync(bundlePath(), 'utf8');
  assert.doesNotMatch(code, /^\s*(import|export)\s/m);
  assert.match(code, /exports\.render\s*=/);
  const requires = [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
  assert.deepEqual(requires, [], 'no require() of anything');
  assert.doesNotMatch(code, /node build/, 'the Node build of the dependency is not used');
  assert.match(code, /worker build/);
  assert.doesNotMatch(code, /process\.env\.NODE_ENV/, 'NODE_ENV is replaced');
  assert.deepEqual(built.warnings.filter((w) => /requires/.test(w)), []);
});

test('the bundle exports render and renders in Node with a throwing require', async () => {
  const out = await runInNode(bundlePath(), 'about?x=1', '{}');
  assert.equal(out.head, '<title>worker build &quot;ok&quot;</title>');
  assert.match(out.html, /<li title="Äpfel &amp; &lt;Birnen&gt;">Äpfel &amp; &lt;Birnen&gt;: 9 \[fruit\|local\]<\/li>/);
  assert.match(out.html, /<li title="Ghost &quot;👻&quot;">/);
  assert.match(out.html, / ; production ; function ; url=about\?x=1 ; manifest=string<\/p>$/);
  assert.match(out.html, /\{&quot;fruit&quot;:2,&quot;local&quot;:1\} ; 2024\/05 ; timer ; async ; true ; 007 ; a\/b\/c ; &lt;1&gt;&lt;2&gt; ; 0,2,4 ; a1b2 ; true ; 1 ;/);
});

test('the bundle renders the same bytes in mod_ssr\'s engine (ssr-render)', { skip: !ssrRender && 'ssr-render not found' }, async () => {
  const template = fs.readFileSync(path.join(root, 'dist/client/index.html'), 'utf8');
  const manifest = path.join(root, 'dist/client/.vite/ssr-manifest.json');
  const r = runSsrRender(ssrRender, ['--bundle', bundlePath(), '--template', path.join(root, 'dist/client/index.html'),
    '--manifest', manifest, '/about?x=1']);
  assert.equal(r.status, 0, r.stderr);
  const node = await runInNode(bundlePath(), 'about?x=1', fs.readFileSync(manifest, 'utf8'));
  const expected = template.replace('<!--app-head-->', () => node.head).replace('<!--app-html-->', () => node.html);
  assert.equal(r.stdout, expected);
  assert.equal(built.warnings.filter((w) => /engine check/.test(w)).length, 0);
});

test('a regexp Duktape cannot compile does not stop the bundle loading', async () => {
  assert.ok(built.warnings.some((w) => /fixture-dep\/worker\.js: regexps Duktape cannot compile.*\(\?<=a\)b/.test(w)),
    built.warnings.join('\n'));
  assert.equal((await runInNode(bundlePath(), 'lookbehind')).html, 'ac');
  if (ssrRender) {
    const r = runSsrRender(ssrRender, ['--bundle', bundlePath(), '/lookbehind']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /SyntaxError/);
  }
});

test('the httpd snippet points at the build', () => {
  const conf = fs.readFileSync(path.join(root, 'dist/mod_ssr.conf'), 'utf8');
  const client = path.join(root, 'dist/client');
  const lines = conf.split('\n').filter((l) => l && !l.startsWith('#'));
  assert.deepEqual(lines, [
    `DocumentRoot "${client}"`,
    `<Directory "${client}">`,
    '    Require all granted',
    '</Directory>',
    `<Directory "${client}/.vite">`,
    '    Require all denied',
    '</Directory>',
    'SSREngine On',
    `SSRBundle "${path.join(root, 'dist/server/entry-server.js')}"`,
    `SSRTemplate "${path.join(client, 'index.html')}"`,
    `SSRManifest "${path.join(client, '.vite/ssr-manifest.json')}"`,
    'SSRBase /',
  ]);
});

test('the server bundle has a source map: stamped with the build id, sources named from the root', () => {
  const bundle = fs.readFileSync(bundlePath(), 'utf8');
  const map = JSON.parse(fs.readFileSync(`${bundlePath()}.map`, 'utf8'));
  assert.equal(map.version, 3);
  assert.equal(map.x_mod_ssr_build, buildIdOf('bundle', bundle));
  assert.equal(map.sourceRoot, '../../');
  assert.ok(map.sources.includes('src/entry-server.ts'), map.sources.join(' '));
  assert.ok(map.sources.includes('src/inventory.ts'), map.sources.join(' '));
});

test('the source map takes a bundle position back to the app source, through both Babel passes', () => {
  const lines = fs.readFileSync(bundlePath(), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes('"url=" + url'));
  assert.ok(line > 0, 'the line of "url=" in the bundle');
  const entry = new SourceMap(JSON.parse(fs.readFileSync(`${bundlePath()}.map`, 'utf8')))
    .findEntry(line, lines[line].indexOf('"url=" + url'));
  const src = fs.readFileSync(path.join(root, 'src/entry-server.ts'), 'utf8').split('\n');
  assert.match(entry.originalSource, /src\/entry-server\.ts$/);
  assert.equal(src[entry.originalLine].trim(), "'url=' + url,", JSON.stringify(entry));
  assert.equal(entry.originalColumn, src[entry.originalLine].indexOf("'url="));
});
