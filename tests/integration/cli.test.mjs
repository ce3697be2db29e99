// The command line tools as scripts and CI use them: ssr-render's exit
// statuses, --json and messages; ssr-prerender's options and its output
// tree.  No MPM is involved: run.sh runs this file once, not per MPM (the
// one httpd here only serves ssr-prerender's files).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  HERE, MODULES_DIR, startHttpd, prepareApp, get, makeTempDir, fixTree,
} from './lib/httpd.mjs';

const RENDER = process.env.SSR_RENDER || path.resolve(HERE, '..', '..', '..', 'ssr-render');
const PRERENDER = process.env.SSR_PRERENDER
  || path.resolve(HERE, '..', '..', '..', 'ssr-prerender');

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out: `${r.stdout}${r.stderr}` };
}

// The tool under another name, as a package may install it.
function renamed(tool, name) {
  const dir = makeTempDir('mod_ssr-cli-');
  const copy = path.join(dir, name);
  fs.copyFileSync(tool, copy);
  fs.chmodSync(copy, 0o755);
  return copy;
}

describe('ssr-render for scripts and CI', () => {
  let app;
  const render = (...args) => run(RENDER, ['--bundle', app.bundle, '--template', app.template, ...args]);
  const json = (...args) => {
    const r = render('--json', ...args);
    let obj;
    assert.doesNotThrow(() => { obj = JSON.parse(r.stdout); }, `not one JSON object:\n${r.out}`);
    return { ...r, obj };
  };

  before(() => {
    app = prepareApp();
  });

  it('--version names the tool and the module version', () => {
    const r = run(RENDER, ['--version']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.stdout, /^ssr-render \(mod_ssr \d+\.\d+\.\d+\)\n$/);
  });

  it('help and messages name the program as it was run', () => {
    const cmd = renamed(RENDER, 'my-render');
    const help = run(cmd, ['--help']);
    assert.equal(help.code, 0, help.out);
    assert.match(help.stdout, /^usage: my-render --bundle FILE/);
    assert.ok(!help.stdout.includes('ssr-render'), help.stdout);
    const bad = run(cmd, ['--bundle', app.bundle]);
    assert.match(bad.stderr, /^my-render: missing URL\n/);
    const value = run(cmd, ['--bundle', app.bundle, '--timeout', 'soon', '/']);
    assert.equal(value.code, 2, value.out);
    assert.match(value.stderr, /^my-render: --timeout soon: \S/);
  });

  it('a missing URL says so, with the usage, exit 2', () => {
    const r = run(RENDER, ['--bundle', app.bundle]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.stderr, /ssr-render: missing URL/);
    assert.match(r.stderr, /usage: ssr-render --bundle FILE \[options\] URL/);
  });

  it('a bundle it cannot read: says why (the system\'s reason), exit 2', () => {
    const r = run(RENDER, ['--bundle', path.join(app.dir, 'no-such-bundle.js'), '/']);
    assert.equal(r.code, 2, r.out);
    assert.match(r.stderr, /no-such-bundle\.js: cannot read the bundle: No such file or directory/);
    const t = run(RENDER, ['--bundle', app.bundle, '--template', app.dir, '/']);
    assert.equal(t.code, 2, t.out);
    assert.match(t.stderr, /cannot read the template: \S/);
  });

  it('--json: one object with the answer, the page and the timings', () => {
    const { code, obj, out } = json('--header', 'X-A: 1', '/about');
    assert.equal(code, 0, out);
    assert.equal(obj.url, '/about');
    assert.equal(obj.answer, 'page');
    assert.equal(obj.status, 200);
    assert.equal(obj.exit, 0);
    assert.ok(Array.isArray(obj.headers));
    assert.match(obj.html, /about-page-marker/);
    assert.match(obj.page, /^<!DOCTYPE html>/);
    assert.ok(obj.page.includes(obj.html));
    assert.ok(!obj.page.includes('<!--app-html-->'));
    assert.equal(typeof obj.timings.load, 'number');
    assert.equal(typeof obj.timings.render, 'number');
    assert.equal(obj.error, undefined);
  });

  it('--json keeps text exact (escapes, non-ASCII) and reports headers and redirects', () => {
    const uni = json('/unicode').obj;
    assert.match(uni.html, /\u00fc \u2603 \u{1F600}/u);
    const esc = json('/escape').obj;
    assert.equal(esc.head, '<meta name="dollar" content="$& $1 $$ $\' $`">');
    const hdr = json('/headers').obj;
    assert.deepEqual(hdr.headers.find(([n]) => n.toLowerCase() === 'x-good'), ['X-Good', 'yes']);
    const red = json('/redirect').obj;
    assert.equal(red.answer, 'redirect');
    assert.equal(red.location, '/about');
    assert.equal(red.html, null);
  });

  it('--json on a failed render: error kind, message and stack, exit 1', () => {
    const { code, obj, out } = json('/throw');
    assert.equal(code, 1, out);
    assert.equal(obj.answer, 'failed');
    assert.equal(obj.error.kind, 'exception');
    assert.match(obj.error.message, /boom secret/);
    assert.match(obj.error.stack, /entry-server\.js/);
  });

  it('--json when the build does not load: an object too, exit 2', () => {
    const r = run(RENDER, ['--json', '--bundle', path.join(app.dir, 'none.js'), '/']);
    assert.equal(r.code, 2, r.out);
    const obj = JSON.parse(r.stdout);
    assert.equal(obj.error.kind, 'load');
    assert.match(obj.error.message, /cannot read the bundle: No such file/);
  });

  it('exit 0 for a page, a redirect and a 4xx; 6 for a 4xx with --fail-on-4xx', () => {
    for (const url of ['/about', '/redirect', '/status', '/notfound']) {
      const r = render('--quiet', url);
      assert.equal(r.code, 0, `${url}\n${r.out}`);
    }
    for (const url of ['/status', '/notfound']) {
      const r = render('--quiet', '--fail-on-4xx', url);
      assert.equal(r.code, 6, `${url}\n${r.out}`);
    }
    assert.equal(render('--quiet', '--fail-on-4xx', '/about').code, 0);
  });

  it('exit 5 for a 5xx answer', () => {
    const r = render('--quiet', '/loader-timeout');
    assert.equal(r.code, 5, r.out);
    assert.match(r.stderr, /status: 504/);
  });

  it('exit 3 when the render times out, naming --timeout', () => {
    const r = json('--timeout', '300ms', '/spin');
    assert.equal(r.code, 3, r.out);
    assert.equal(r.obj.error.kind, 'timeout');
    assert.match(r.obj.error.message, /--timeout 300ms/);
    const plain = render('--quiet', '--timeout', '300ms', '/spin');
    assert.equal(plain.code, 3, plain.out);
    assert.match(plain.stderr, /--timeout 300ms/);
  });

  it('exit 4 when the render runs out of memory, naming --memory-limit and the limit', () => {
    const r = render('--quiet', '--memory-limit', '8M', '/hog');
    assert.equal(r.code, 4, r.out);
    assert.match(r.stderr, /memory/);
    assert.match(r.stderr, /--memory-limit 8M/);
    const j = json('--memory-limit', '8M', '/hog');
    assert.equal(j.code, 4, j.out);
    assert.equal(j.obj.error.kind, 'memory');
    assert.match(j.obj.error.message, /--memory-limit 8M/);
  });
});

// Pages that link to each other with and without a trailing slash, and to
// a page the app does not have.
const LINKS_BUNDLE = `
var links = {
  '': '<a href="/a">a</a> <a href="/d/">d/</a> <a href="/d">d</a> <a href="/nope">broken</a>',
  'a': '<a href="x">x</a>',
  'd': '<a href="e">e</a>',
  'd/': '<a href="e">e</a>'
};
module.exports.render = function (url) {
  var path = url.split('?')[0].replace(/^\\//, '');
  if (path === 'nope' || path.indexOf('not_found') >= 0 || path === 'missing') {
    return { status: 404, head: '<title>lost</title>', html: '<p id="nf">app-not-found-page ' + path + '</p>' };
  }
  return { html: '<main>' + path + ' ' + (links[path] || '') + '</main>' };
};`;

// A bundle whose pages link to each other in every way a page can.
const CRAWL_BUNDLE = `
var links = {
  '': '<a href="/a">a</a> <a class="x" href="/b?x=1#top">b</a> <a href="c">c</a>' +
      '<a href="https://elsewhere.example/x">ext</a> <a href="//cdn.example/y">cdn</a>' +
      '<a href="/assets/app.js">asset</a> <a href="#frag">frag</a> <a href="mailto:x@y">m</a>',
  'a': '<A HREF=\\'/a/deep\\'>deep</A> <a href="/">home</a>',
  'a/deep': '<a href="../b">up</a>'
};
module.exports.render = function (url) {
  var path = url.split('?')[0];
  return { html: '<main>' + path + ' ' + (links[path] || '') + '</main>' };
};`;

function prerender(app, args) {
  return run(PRERENDER, ['--bundle', app.bundle, '--template', app.template, ...args]);
}

function appWith(bundle) {
  const app = prepareApp();
  fs.writeFileSync(app.bundle, bundle);
  return app;
}

describe('ssr-prerender options', () => {
  it('--version, and help and messages naming the program as run', () => {
    const v = run(PRERENDER, ['--version']);
    assert.equal(v.code, 0, v.out);
    assert.match(v.stdout, /^ssr-prerender \(mod_ssr \d+\.\d+\.\d+\)\n$/);
    const cmd = renamed(PRERENDER, 'my-ssg');
    const help = run(cmd, ['--help']);
    assert.match(help.stdout, /^usage: my-ssg --bundle FILE --template FILE/);
    assert.ok(!help.stdout.includes('ssr-prerender'), help.stdout);
    const bad = run(cmd, ['--bundle', 'x.js']);
    assert.equal(bad.code, 2, bad.out);
    assert.match(bad.stderr, /^my-ssg: missing --template FILE\n/);
  });

  it('a routes file it cannot read: says why', () => {
    const app = prepareApp();
    const r = prerender(app, ['--routes', path.join(app.dir, 'none.txt')]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.stderr, /none\.txt: cannot read the routes file: No such file or directory/);
  });

  it('a broken link fails the build without --allow-404', () => {
    const app = appWith(LINKS_BUNDLE);
    const r = prerender(app, ['--crawl', '--out', path.join(app.dir, 'static')]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /\/nope: FAILED: 404/);
    assert.ok(!fs.existsSync(path.join(app.dir, 'static', '404.html')), r.out);
  });

  it('--allow-404: a broken link is reported and counted, and the app\'s not-found page is 404.html', () => {
    const app = appWith(LINKS_BUNDLE);
    const out = path.join(app.dir, 'static');
    const r = prerender(app, ['--crawl', '--allow-404', '--out', out]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /\/nope: not found \(404\), not written/);
    assert.match(r.out, /, 1 not found, 0 failed/);
    assert.ok(!fs.existsSync(path.join(out, 'nope')), r.out);
    const page = fs.readFileSync(path.join(out, '404.html'), 'utf8');
    assert.match(page, /app-not-found-page/);
    assert.match(page, /<title>lost<\/title>/);
    assert.ok(!page.includes('<!--app-html-->'));
  });

  it('--not-found URL: that page is 404.html', () => {
    const app = appWith(LINKS_BUNDLE);
    const out = path.join(app.dir, 'static');
    const r = prerender(app, ['--not-found', '/missing', '--out', out, '/a']);
    assert.equal(r.code, 0, r.out);
    assert.match(fs.readFileSync(path.join(out, '404.html'), 'utf8'), /app-not-found-page missing/);
  });

  it('reaching --max-routes is a warning, not a failure', () => {
    const app = appWith(LINKS_BUNDLE);
    const r = prerender(app, ['--crawl', '--max-routes', '2', '--out', path.join(app.dir, 'static')]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.stderr, /warning: --max-routes 2 reached, \d+ more routes found and not rendered/);
    assert.match(r.stdout, /2 written, .* 0 failed \(stopped at --max-routes\)/);
  });

  it('/x and /x/ are one page, rendered once; relative links are followed from each', () => {
    const app = appWith(LINKS_BUNDLE);
    const out = path.join(app.dir, 'static');
    const r = prerender(app, ['--crawl', '--out', out]);
    assert.match(r.out, /\/nope: FAILED: 404/);
    assert.equal((r.stdout.match(/\] \/d\/? -> /g) || []).length, 1, r.out);
    // "e" on /d/ is /d/e, on /d (served as is, DirectorySlash Off) it is /e;
    // "x" on /a is /x
    for (const page of ['d/index.html', 'd/e/index.html', 'e/index.html', 'x/index.html']) {
      assert.ok(fs.existsSync(path.join(out, page)), `${page} missing\n${r.out}`);
    }
    assert.ok(!fs.existsSync(path.join(out, 'a', 'x')), r.out);
  });

  it('--directory-slash: pages are served at <route>/, relative links resolve there', () => {
    const app = appWith(LINKS_BUNDLE);
    const out = path.join(app.dir, 'static');
    const r = prerender(app, ['--crawl', '--allow-404', '--directory-slash', '--out', out]);
    assert.equal(r.code, 0, r.out);
    assert.ok(fs.existsSync(path.join(out, 'a', 'x', 'index.html')), r.out);
    assert.ok(!fs.existsSync(path.join(out, 'x')), r.out);
    assert.ok(!fs.existsSync(path.join(out, 'e')), r.out);
  });
});

describe('ssr-prerender --crawl', () => {
  it('follows same-origin page links from the base, into --out', () => {
    const app = appWith(CRAWL_BUNDLE);
    const out = path.join(app.dir, 'static');
    const r = prerender(app, ['--crawl', '--out', out]);
    assert.equal(r.code, 0, r.out);
    for (const page of ['index.html', 'a/index.html', 'b/index.html', 'c/index.html',
      'a/deep/index.html']) {
      assert.ok(fs.existsSync(path.join(out, page)), `${page} missing\n${r.out}`);
    }
    assert.match(r.out, /5 written, 0 redirects skipped, 0 kept as the template, 0 not found, 0 failed/);
    assert.match(fs.readFileSync(path.join(out, 'a/deep/index.html'), 'utf8'), /<main>a\/deep /);
  });

  it('never writes outside --out, whatever the route says', () => {
    const app = appWith(CRAWL_BUNDLE);
    const out = path.join(app.dir, 'static');
    const r = prerender(app, ['--out', out, '/../../x', '/a/../../y']);
    assert.equal(r.code, 0, r.out);
    assert.ok(fs.existsSync(path.join(out, 'x', 'index.html')), r.out);
    assert.ok(fs.existsSync(path.join(out, 'y', 'index.html')), r.out);
    assert.ok(!fs.existsSync(path.join(app.dir, 'x')), r.out);
  });
});

describe('ssr-prerender --out: a complete static copy', () => {
  let app;
  let out;
  let r;

  before(() => {
    app = prepareApp();
    fs.mkdirSync(path.join(app.docroot, '.vite'), { recursive: true });
    fs.writeFileSync(app.manifest, '{}');
    out = path.join(app.dir, 'static');
    r = prerender(app, ['--allow-404', '--out', out, '/', '/about']);
  });

  it('copies the client build: assets byte for byte, not Vite\'s manifests', () => {
    assert.equal(r.code, 0, r.out);
    for (const f of ['assets/app.js', 'assets/style.css', 'robots.txt']) {
      assert.deepEqual(fs.readFileSync(path.join(out, f)), fs.readFileSync(path.join(app.docroot, f)), f);
    }
    assert.ok(!fs.existsSync(path.join(out, '.vite')), 'copied .vite/');
  });

  it('renders / into index.html, and keeps the template for mod_ssr in .mod_ssr/', () => {
    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    assert.match(index, /home-page-marker/);
    assert.ok(!index.includes('<!--app-html-->'), 'the raw template was written');
    assert.deepEqual(fs.readFileSync(path.join(out, '.mod_ssr', 'template.html')),
      fs.readFileSync(app.template));
    assert.match(fs.readFileSync(app.template, 'utf8'), /<!--app-html-->/, 'the template was changed');
  });
});

describe('plain Apache (no mod_ssr) serving a static copy', () => {
  let h;
  let app;

  before(async () => {
    app = prepareApp();
    const out = path.join(app.dir, 'static');
    const r = prerender(app, ['--allow-404', '--not-found', '/no-such-page', '--out', out, '/', '/about']);
    assert.equal(r.code, 0, r.out);
    fixTree(app.dir, { backdateMs: 0 });
    // the recipe of docs/prerender.md
    h = await startHttpd({
      docroot: out,
      loadSsr: false,
      conf: [
        `LoadModule rewrite_module ${MODULES_DIR}/mod_rewrite.so`,
        'ErrorDocument 404 /404.html',
        `<Directory "${out}">`,
        '  DirectorySlash Off',
        '  RewriteEngine On',
        '  RewriteCond %{REQUEST_FILENAME}/index.html -f',
        '  RewriteRule ^(.*[^/])$ $1/index.html [L]',
        '</Directory>',
      ].join('\n'),
    });
  });
  after(() => h?.stop());

  it('serves / and /about rendered, and the assets', async () => {
    const home = await get(h, '/');
    assert.equal(home.status, 200, h.explain(home));
    assert.match(home.text, /home-page-marker/);
    assert.ok(!home.text.includes('<!--app-html-->'), h.explain(home, 'the raw template'));
    const about = await get(h, '/about');
    assert.equal(about.status, 200, h.explain(about));
    assert.match(about.text, /about-page-marker/);
    const js = await get(h, '/assets/app.js');
    assert.equal(js.status, 200, h.explain(js));
  });

  it('answers a missing page with the app\'s not-found page (ErrorDocument 404 /404.html)', async () => {
    const res = await get(h, '/nowhere');
    assert.equal(res.status, 404, h.explain(res));
    assert.match(res.text, /no route: no-such-page/);
  });
});

describe('mod_ssr serving a static copy (SSRTemplate at .mod_ssr/template.html)', () => {
  let h;
  let out;

  before(async () => {
    const app = prepareApp();
    out = path.join(app.dir, 'static');
    const r = prerender(app, ['--out', out, '/', '/about']);
    assert.equal(r.code, 0, r.out);
    fixTree(app.dir, { backdateMs: 0 });
    h = await startHttpd({
      docroot: out,
      conf: [
        'SSREngine On',
        `SSRBundle "${app.bundle}"`,
        `SSRTemplate "${path.join(out, '.mod_ssr', 'template.html')}"`,
      ].join('\n'),
    });
  });
  after(() => h?.stop());

  it('serves the prerendered pages as files and renders the others', async () => {
    const home = await get(h, '/');
    assert.equal(home.status, 200, h.explain(home));
    assert.ok(!home.has('server-timing'), h.explain(home, 'rendered, not served as a file'));
    assert.match(home.text, /home-page-marker/);
    const other = await get(h, '/escape');
    assert.equal(other.status, 200, h.explain(other));
    assert.ok(other.has('server-timing'), h.explain(other, 'not rendered'));
    assert.match(other.text, /<title>tpl-one<\/title>/);
  });
});
