// The runtime shim's Reflect.get/Reflect.set with a receiver (Duktape
// refuses one): the same answers as Node's natives, in mod_ssr's engine.
// Vue's reactive() proxies take this path on every read and write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { locateSsrRender, runSsrRender } from '../testing/fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shim = fs.readFileSync(path.join(here, '..', 'src', 'runtime-shim.js'), 'utf8');
const ssrRender = locateSsrRender();

const probe = `
var out = [];
function t(name, f) { try { out.push(name + '=' + f()); } catch (e) { out.push(name + ' threw ' + e.message); } }
t('data', function () { return Reflect.get({ a: 1 }, 'a', {}); });
t('getter', function () { return Reflect.get({ get a() { return this.b; } }, 'a', { b: 2 }); });
t('inherited getter', function () { var p = { get a() { return this.b; } }; return Reflect.get(Object.create(p), 'a', { b: 3 }); });
t('missing', function () { return Reflect.get({}, 'a', {}); });
t('proxy get', function () { var p = new Proxy({ a: 1 }, { get: function (t, k, r) { return Reflect.get(t, k, r); } }); return p.a; });
t('proxy set', function () { var o = {}; var p = new Proxy(o, { set: function (t, k, v, r) { return Reflect.set(t, k, v, r); } }); p.a = 3; return o.a + ',' + p.a; });
t('set on an heir', function () { var proto = {}; var child = Object.create(proto); return Reflect.set(proto, 'a', 4, child) + ',' + child.a + ',' + proto.a; });
t('setter', function () { var o = { set a(v) { this.x = v; } }; var r = {}; return Reflect.set(o, 'a', 5, r) + ',' + r.x; });
t('no setter', function () { return Reflect.set({ get a() { return 1; } }, 'a', 5, {}); });
t('read-only', function () { var o = Object.defineProperty({}, 'a', { value: 1 }); return Reflect.set(o, 'a', 5, {}); });
t('two arguments', function () { var o = { a: 6 }; return Reflect.get(o, 'a') + ',' + Reflect.set(o, 'a', 7) + ',' + o.a; });
module.exports.render = function () { return out.join(' | '); };
`;

test('Reflect.get/set with a receiver answer as in Node', { skip: !ssrRender && 'ssr-render not built' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mod-ssr-shim-'));
  try {
    const bundle = path.join(dir, 'bundle.js');
    fs.writeFileSync(bundle, `${shim}\n${probe}`);
    const mod = { exports: {} };
    vm.runInNewContext(probe, { module: mod, Reflect, Proxy, Object });
    const want = mod.exports.render();
    assert.doesNotMatch(want, /threw/);
    const r = runSsrRender(ssrRender, ['--bundle', bundle, '/']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, want);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
