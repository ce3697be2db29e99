#!/bin/sh
# create-vite-extra's SSR templates with vite-plugin-mod-ssr, as a user
# would do it: the plugin packed (npm pack) and installed from its tarball,
# each template copied unchanged from the pinned create-vite-extra
# (tests/templates/package.json) with the one documented plugin line added,
# built with its own `npm run build`, then compared byte for byte with its
# own Node server.js and loaded in headless Chromium (templates.test.mjs).
#
# Run by `make check` (automake TESTS) with MOD_SSR_SO, SSR_RENDER, APACHE2,
# NODE, APXS_LIBEXECDIR and SSR_TEST_SRCDIR in the environment; by hand from
# a built tree:  sh tests/templates/run.sh
# Needs node, npm, Chromium and tests/templates' npm dependencies
# (scripts/npm-setup.sh).  SSR_TEMPLATES="ssr-react ssr-vue-ts" runs only
# these; extra arguments go to `node --test`.

set -u

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${SSR_TEST_SRCDIR:-}" ] && [ -d "$SSR_TEST_SRCDIR/templates" ]; then
  here=$SSR_TEST_SRCDIR/templates
fi
root=$(cd "$here/../.." && pwd)

fail() {
  echo "template tests: $*" >&2
  exit 1
}

if [ ! -f "$root/vite/package.json" ]; then
  echo "template tests: no vite/ in $root (a release tarball?): skipped"
  exit 77
fi

NODE=${NODE:-}
[ -n "$NODE" ] || NODE=$(command -v node 2>/dev/null || true)
[ -n "$NODE" ] && [ -x "$NODE" ] || fail "node not found (install Node.js: scripts/deps.sh)"
case $NODE in /*) ;; */*) NODE=$PWD/$NODE ;; esac
NPM=$(command -v npm 2>/dev/null || true)
[ -n "$NPM" ] || fail "npm not found (install npm: scripts/deps.sh)"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "Chromium not found at $CHROMIUM (scripts/deps.sh, or set CHROMIUM)"
APACHE2=${APACHE2:-/usr/sbin/apache2}
[ -x "$APACHE2" ] || fail "httpd binary not found at $APACHE2"
APXS_LIBEXECDIR=${APXS_LIBEXECDIR:-/usr/lib/apache2/modules}
MOD_SSR_SO=${MOD_SSR_SO:-$root/apxs-build/.libs/mod_ssr.so}
[ -f "$MOD_SSR_SO" ] || fail "mod_ssr.so not found at $MOD_SSR_SO (build it first: make)"
SSR_RENDER=${SSR_RENDER:-$root/ssr-render}
[ -x "$SSR_RENDER" ] || fail "ssr-render not found at $SSR_RENDER (build it first: make)"
case $MOD_SSR_SO in /*) ;; *) MOD_SSR_SO=$PWD/$MOD_SSR_SO ;; esac
case $SSR_RENDER in /*) ;; *) SSR_RENDER=$PWD/$SSR_RENDER ;; esac

[ -d "$root/vite/node_modules" ] || fail "vite/node_modules is missing: run scripts/npm-setup.sh"
[ -f "$here/node_modules/create-vite-extra/package.json" ] ||
  fail "tests/templates/node_modules is missing: run scripts/npm-setup.sh"

if command -v timeout >/dev/null 2>&1; then
  limit() { s=$1; shift; timeout -k 10 "$s" "$@"; }
else
  limit() { shift; "$@"; }
fi

# Under tests/templates: the apps resolve the pinned dependencies from
# tests/templates/node_modules, the plugin from $work/node_modules.
work=$here/.work
rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
cleanup() {
  if [ -z "${SSR_KEEP_TMP:-}" ]; then
    rm -rf "$work"
  else
    echo "template tests: apps kept in $work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PATH=$(dirname "$NODE"):$PATH
MOD_SSR_RENDER=$SSR_RENDER
export PATH MOD_SSR_RENDER

echo "template tests: node $("$NODE" --version), npm $("$NPM" --version 2>/dev/null)," \
  "create-vite-extra $("$NODE" -p "require('$here/node_modules/create-vite-extra/package.json').version")"

echo "=== vite-plugin-mod-ssr: npm pack, npm install <tarball> ==="
tgz=$(cd "$root/vite" && limit 120 "$NPM" pack --silent --pack-destination "$work") ||
  fail "npm pack in vite/ failed"
echo "template tests: packed $tgz"
printf '{ "private": true }\n' > "$work/package.json"
# --legacy-peer-deps: vite, the peer, is the templates' own (pinned in
# tests/templates), not a second copy
if ! (cd "$work" && limit 300 "$NPM" install --no-save --legacy-peer-deps --prefer-offline \
      --no-audit --no-fund "./$tgz") >"$work/install.log" 2>&1; then
  cat "$work/install.log"
  fail "npm install $tgz failed"
fi

echo "=== the templates: npm run build, node server.js vs mod_ssr, Chromium ==="
TMPDIR=${TMPDIR:-/tmp} SSR_TEMPLATES_WORK=$work NPM=$NPM
export TMPDIR SSR_TEMPLATES_WORK NPM CHROMIUM NODE APACHE2 APXS_LIBEXECDIR MOD_SSR_SO
limit 2400 "$NODE" --test --test-concurrency=1 --test-timeout=2400000 --test-force-exit \
  "$@" "$here/templates.test.mjs"
rc=$?
[ $rc -eq 124 ] && echo "template tests: timed out" >&2
if [ $rc -eq 0 ]; then
  echo "template tests: passed"
else
  echo "template tests: FAILED (exit $rc)" >&2
fi
exit $rc
