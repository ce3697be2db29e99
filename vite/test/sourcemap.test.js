// The server bundle's source map (src/sourcemap.js): on by default, sources
// named from the project root, stamped with the build id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rootRelativeMap, serverSourcemap, setChunkMap, stampSourceMap } from '../src/sourcemap.js';

test('the server build has a map unless the user or the option says otherwise', () => {
  assert.equal(serverSourcemap({}, {}, {}), true);
  assert.equal(serverSourcemap(undefined, undefined, undefined), true);
  assert.equal(serverSourcemap({}, { sourcemap: false }, {}), false);
  assert.equal(serverSourcemap({ sourcemap: 'hidden' }, { sourcemap: false }, {}), 'hidden');
  assert.equal(serverSourcemap({}, {}, { sourcemap: false }), false);
});

test('sources are named from the project root, with a sourceRoot back to it', () => {
  const root = path.resolve('/p/app');
  const map = rootRelativeMap({
    version: 3,
    sources: ['../../src/App.jsx', '../../node_modules/react/index.js', '\0virtual', 'webpack://x/y.js'],
    mappings: 'AAAA',
  }, path.join(root, 'dist', 'server'), root);
  assert.deepEqual(map.sources, ['src/App.jsx', 'node_modules/react/index.js', '\0virtual', 'webpack://x/y.js']);
  assert.equal(map.sourceRoot, '../../');
  assert.equal(map.mappings, 'AAAA');
  const rooted = rootRelativeMap({ version: 3, sourceRoot: '../', sources: ['src/a.js'], mappings: '' },
    path.join(root, 'dist'), root);
  assert.deepEqual(rooted.sources, ['src/a.js']);
  assert.equal(rooted.sourceRoot, '../');
  assert.equal(rooted.x_mod_ssr_build, undefined);
  assert.equal(rootRelativeMap({ version: 3, sources: [], mappings: '' }, root, root, 'pending').x_mod_ssr_build, 'pending');
});

test('the map file the bundler emitted is replaced too', () => {
  const chunk = { fileName: 'entry-server.js', map: null };
  const bundle = { 'entry-server.js': chunk, 'entry-server.js.map': { type: 'asset', source: '{}' } };
  setChunkMap(bundle, chunk, { version: 3, sources: ['src/a.js'], mappings: 'AAAA' });
  assert.equal(chunk.map.mappings, 'AAAA');
  assert.deepEqual(JSON.parse(bundle['entry-server.js.map'].source).sources, ['src/a.js']);
});

test('the build id is stamped into the map; no map, nothing written', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mod-ssr-map-'));
  try {
    const bundle = path.join(dir, 'entry-server.js');
    stampSourceMap(bundle, 'one.1');
    assert.deepEqual(fs.readdirSync(dir), []);
    fs.writeFileSync(`${bundle}.map`, JSON.stringify({ version: 3, sources: [], mappings: '' }));
    stampSourceMap(bundle, 'one.1');
    stampSourceMap(bundle, 'two.2');
    assert.equal(JSON.parse(fs.readFileSync(`${bundle}.map`, 'utf8')).x_mod_ssr_build, 'two.2');
    assert.deepEqual(fs.readdirSync(dir), ['entry-server.js.map'], 'no temp file left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
