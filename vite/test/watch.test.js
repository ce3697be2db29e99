// `vite build --watch` (dev mode with mod_ssr's SSRLiveReload): Vite's CLI
// run on a fixture app, as a user runs it. A change to a module both entries
// import rebuilds the client and the server, and the build-complete marker
// is touched after both are written, once per round; a server build that
// fails writes a bundle that throws the build error (mod_ssr shows it in
// the page), and fixing it writes the real bundle again; a rebuild has a
// source map, so that a render error names the app's source.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeFixture, viteConfigFile, viteDir, locateSsrRender, runSsrRender } from '../testing/fixture.js';

const ssrRender = locateSsrRender();
const STEP_MS = 20_000;

const FILES = {
  'vite.config.js': viteConfigFile({ ssrRender: ssrRender || false }),
  'src/message.ts': "export const message: string = 'first text';\n",
  'src/entry-server.ts': `import { message } from './message';
export function render() {
  return { html: '<p id="msg">' + message + '</p>' };
}
`,
  'src/entry-client.ts': `import { message } from './message';
document.querySelector<HTMLElement>('#app')!.dataset.message = message;
import('./lazy').then((m) => m.lazy());
`,
  'src/lazy.ts': 'export function lazy(): string { return "lazy"; }\n',
};

let root;
let child;
let output = '';

const file = (rel) => path.join(root, rel);
const read = (rel) => fs.readFileSync(file(rel), 'utf8');
const mtime = (rel) => fs.statSync(file(rel)).mtimeMs;
const MARKER = 'dist/server/.mod_ssr-build-complete';
const BUNDLE = 'dist/server/entry-server.js';
const clientJs = () => fs.readdirSync(file('dist/client/assets')).filter((f) => f.endsWith('.js'))
  .map((f) => read(path.join('dist/client/assets', f))).join('\n');
const completions = () => (output.match(/build complete/g) || []).length;

async function waitFor(what, cond, ms = STEP_MS) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (cond()) return;
    } catch {
      /* not there yet */
    }
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}\n--- vite output:\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Edits a source file; the mtime is set well after the last build's files,
// so the watchers see a change even on coarse-grained file systems.
function edit(rel, from, to) {
  const text = read(rel);
  assert.ok(text.includes(from), `${rel} has ${from}`);
  fs.writeFileSync(file(rel), text.replace(from, to));
}

before(async () => {
  root = makeFixture(FILES);
  child = spawn(process.execPath, [path.join(viteDir, 'bin', 'vite.js'), 'build', '--watch'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  await waitFor('the first complete build', () => completions() >= 1 && fs.existsSync(file(MARKER)));
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

test('the first build writes the client, the server bundle and then the marker', () => {
  assert.match(read(BUNDLE), /first text/);
  assert.match(clientJs(), /first text/);
  assert.ok(mtime(MARKER) >= mtime(BUNDLE), 'marker not older than the bundle');
  assert.ok(mtime(MARKER) >= mtime('dist/client/index.html'), 'marker not older than the template');
});

test('a change to a shared module rebuilds the server and the client, then touches the marker once', async () => {
  const before = { marker: mtime(MARKER), done: completions() };
  edit('src/message.ts', 'first text', 'second text');
  await waitFor('the rebuild', () => completions() > before.done);
  assert.match(read(BUNDLE), /second text/, 'new server bundle');
  assert.doesNotMatch(read(BUNDLE), /first text/);
  assert.match(clientJs(), /second text/, 'new client build');
  assert.match(read('dist/client/index.html'), /assets\/[^"]+\.js/);
  const marker = mtime(MARKER);
  assert.ok(marker > before.marker, 'the marker is newer');
  assert.ok(marker >= mtime(BUNDLE), 'marker not older than the new bundle');
  assert.ok(marker >= mtime('dist/client/index.html'), 'marker not older than the new template');
  // one round, one completion (the client and the server rebuilt together)
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(completions(), before.done + 1, output.slice(-3000));
  if (ssrRender) {
    const r = runSsrRender(ssrRender, ['--bundle', file(BUNDLE), '/']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '<p id="msg">second text</p>');
  }
});

test('a rebuild reuses the unchanged modules\' transforms, and the SSR manifest does not grow', () => {
  const lines = output.match(/server bundle: \d+ of \d+ modules reused, \d+ of \d+ statement groups compiled/g) || [];
  assert.ok(lines.length >= 2, output.slice(-3000));
  // the rebuild for the edit (on a busy machine a late file event can add
  // one more rebuild, with nothing to compile, after it)
  const partial = lines.slice(1).filter((line) => {
    const [, reused, total] = /(\d+) of (\d+) modules/.exec(line).map(Number);
    return reused > 0 && reused < total;
  });
  assert.ok(partial.length >= 1, lines.join('\n'));
  // a fresh build's manifest: each list once, only files that exist
  const manifest = JSON.parse(read('dist/client/.vite/ssr-manifest.json'));
  assert.deepEqual(manifest['src/lazy.ts']?.length, 1, JSON.stringify(manifest));
  for (const [key, list] of Object.entries(manifest)) {
    if (key === 'mod_ssr-build') continue;
    assert.equal(new Set(list).size, list.length, `${key}: ${list.join(', ')}`);
    for (const f of list) assert.ok(fs.existsSync(file(path.join('dist/client', f))), `${key}: ${f}`);
  }
});

test('a server build error writes a bundle that throws it; fixing it writes the real bundle', async () => {
  let done = completions();
  edit('src/entry-server.ts', 'export function render() {', 'export function render( {');
  await waitFor('the failed rebuild', () => completions() > done);
  const broken = read(BUNDLE);
  assert.match(broken, /BuildError/);
  assert.match(broken, /the server build failed/);
  assert.match(broken, /entry-server\.ts/);
  assert.ok(mtime(MARKER) >= mtime(BUNDLE));
  if (ssrRender) {
    const r = runSsrRender(ssrRender, ['--bundle', file(BUNDLE), '/']);
    assert.equal(r.status, 2, 'the error bundle does not load');
    assert.match(r.stderr, /BuildError: the server build failed: /);
  }

  done = completions();
  edit('src/entry-server.ts', 'export function render( {', 'export function render() {');
  await waitFor('the fixed rebuild', () => completions() > done);
  assert.match(read(BUNDLE), /second text/);
  assert.doesNotMatch(read(BUNDLE), /BuildError/);
  assert.ok(mtime(MARKER) >= mtime(BUNDLE));
});

test('a bundle that throws when it loads is reported, and the marker still written (mod_ssr shows the error)',
  { skip: !ssrRender && 'ssr-render not found' }, async () => {
    let done = completions();
    edit('src/entry-server.ts', 'export function render() {',
      "(globalThis as any).nothing.here = 1;\nexport function render() {");
    await waitFor('the rebuild', () => completions() > done);
    assert.match(output, /does not load in mod_ssr's engine/);
    assert.ok(mtime(MARKER) >= mtime(BUNDLE));
    assert.equal(child.exitCode, null, 'vite is still watching');

    done = completions();
    edit('src/entry-server.ts', "(globalThis as any).nothing.here = 1;\n", '');
    await waitFor('the fixed rebuild', () => completions() > done);
    const r = runSsrRender(ssrRender, ['--bundle', file(BUNDLE), '/']);
    assert.equal(r.status, 0, r.stderr);
  });

test('a rebuild writes a source map: a render error names the app source, line and column',
  { skip: !ssrRender && 'ssr-render not found' }, async () => {
    // a CommonJS module: the bundler wraps it in an arrow function, which
    // the chunk's pass to ES5 compiles
    fs.writeFileSync(file('src/fail.cjs'), "exports.fail = function (url) {\n  throw new Error('boom at ' + url);\n};\n");
    const done = completions();
    const since = output.length;
    edit('src/entry-server.ts', "import { message } from './message';\nexport function render() {\n",
      "import { message } from './message';\nimport { fail } from './fail.cjs';\n" +
      "export function render(url?: string) {\n  if (String(url).includes('boom')) fail(url);\n");
    await waitFor('the rebuild', () => completions() > done);
    const map = JSON.parse(read(`${BUNDLE}.map`));
    assert.ok(map.sources.includes('src/entry-server.ts'), map.sources.join(' '));
    assert.match(output.slice(since), /[1-9]\d* of \d+ statement groups compiled to ES5/,
      output.slice(-3000));
    const r = runSsrRender(ssrRender, ['--bundle', file(BUNDLE), '/boom']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /boom at \/?boom/);
    assert.match(r.stderr, /at \S+ \(src\/fail\.cjs:2:3\)/, r.stderr);
    assert.match(r.stderr, /at render \(src\/entry-server\.ts:4:3\)/, r.stderr);
  });

test('watch mode leaves the output directories in place (no emptyOutDir)', () => {
  // the first build's client asset is still there beside the new one
  const assets = fs.readdirSync(file('dist/client/assets')).filter((f) => f.endsWith('.js'));
  assert.ok(assets.length >= 2, assets.join(', '));
});
