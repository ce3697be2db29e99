#!/bin/sh
# The Vite proof: the plugin's own tests, then every framework example in
# examples/*/ (those with a package.json; examples/basic is hand-written and
# has no build) is built with vite-plugin-mod-ssr, compared byte for byte
# with Node's rendering (compare.mjs), served by one real httpd with mod_ssr
# (a VirtualHost per example, each on its own 127.0.0.1 port) and loaded in
# headless Chromium: hydration without errors, the counter works, 404s.
# The examples whose pages fetch() their data (react-router, vue-router) are
# compared through a real httpd with their API instead of ssr-render, which
# has no network (their compare.mjs is compare-fetch.mjs), and data.test.mjs
# loads their data pages, client navigations and backend errors.
#
# Run by `make check` (automake TESTS) with MOD_SSR_SO, SSR_RENDER, APACHE2,
# NODE, APXS_LIBEXECDIR and SSR_TEST_SRCDIR in the environment; can also be
# run by hand from a built tree:  sh tests/examples/run.sh
#
# Needs node, npm, Chromium (/usr/bin/chromium, or CHROMIUM=...) and the npm
# dependencies installed by scripts/npm-setup.sh.
# Optional: SSR_EXAMPLES="react vue" to test only these examples;
# SSR_KEEP_TMP=1 keeps the httpd config, logs and app copies.
# Extra arguments are passed to `node --test` (e.g. --test-name-pattern=...).

set -u

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${SSR_TEST_SRCDIR:-}" ] && [ -d "$SSR_TEST_SRCDIR/examples" ]; then
  here=$SSR_TEST_SRCDIR/examples
fi
root=$(cd "$here/../.." && pwd)
setup_hint="run scripts/npm-setup.sh (npm ci in vite/, examples/*/ and tests/examples/)"

fail() {
  echo "example tests: $*" >&2
  exit 1
}

# A release tarball ships neither the plugin nor the framework examples
# (they carry node_modules once installed): nothing to test there.
if [ ! -f "$root/vite/package.json" ]; then
  echo "example tests: no vite/ in $root (a release tarball?): skipped"
  exit 77
fi

NODE=${NODE:-}
[ -n "$NODE" ] || NODE=$(command -v node 2>/dev/null || true)
if [ -z "$NODE" ] || [ ! -x "$NODE" ]; then
  fail "node not found (install Node.js: scripts/deps.sh)"
fi
case $NODE in /*) ;; */*) NODE=$PWD/$NODE ;; esac
NPM=$(command -v npm 2>/dev/null || true)
[ -n "$NPM" ] || fail "npm not found (install npm: scripts/deps.sh)"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "Chromium not found at $CHROMIUM (install Debian's chromium: scripts/deps.sh, or set CHROMIUM)"

APACHE2=${APACHE2:-}
[ -n "$APACHE2" ] || APACHE2=/usr/sbin/apache2
[ -x "$APACHE2" ] || fail "httpd binary not found at $APACHE2"
APXS_LIBEXECDIR=${APXS_LIBEXECDIR:-/usr/lib/apache2/modules}
MOD_SSR_SO=${MOD_SSR_SO:-$root/apxs-build/.libs/mod_ssr.so}
[ -f "$MOD_SSR_SO" ] || fail "mod_ssr.so not found at $MOD_SSR_SO (build it first: make)"
SSR_RENDER=${SSR_RENDER:-$root/ssr-render}
[ -x "$SSR_RENDER" ] || fail "ssr-render not found at $SSR_RENDER (build it first: make)"
case $MOD_SSR_SO in /*) ;; *) MOD_SSR_SO=$PWD/$MOD_SSR_SO ;; esac
case $SSR_RENDER in /*) ;; *) SSR_RENDER=$PWD/$SSR_RENDER ;; esac

# The examples: every examples/*/ with a package.json, or SSR_EXAMPLES.
if [ -n "${SSR_EXAMPLES:-}" ]; then
  names=$SSR_EXAMPLES
else
  names=
  for pkg in "$root"/examples/*/package.json; do
    [ -f "$pkg" ] || continue
    name=$(basename "$(dirname "$pkg")")
    [ "$name" = basic ] && continue
    names="$names $name"
  done
fi
examples=
for name in $names; do
  dir=$root/examples/$name
  [ -f "$dir/package.json" ] || fail "examples/$name/package.json not found"
  [ -f "$dir/compare.mjs" ] || fail "examples/$name/compare.mjs not found"
  examples="$examples $dir"
done
[ -n "$examples" ] || fail "no example with a package.json in $root/examples"

# Every npm install this needs, before spending time on anything.
for dir in "$root/vite" $examples "$here"; do
  rel=${dir#"$root"/}
  [ -d "$dir/node_modules" ] || fail "$rel/node_modules is missing: $setup_hint"
done
[ -f "$here/node_modules/playwright-core/package.json" ] ||
  fail "tests/examples/node_modules/playwright-core is missing: $setup_hint"

# Bounds, so that nothing can hang `make check`.
if command -v timeout >/dev/null 2>&1; then
  limit() { s=$1; shift; timeout -k 10 "$s" "$@"; }
else
  limit() { shift; "$@"; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mod_ssr-examples.XXXXXX") || fail "mktemp failed"
chmod 755 "$work"
# Stops an httpd a killed run left behind: by the pid in its own pid file,
# and only if that process still runs a config from $work.
sweep() {
  for pidfile in "$work"/mod_ssr-httpd-*/httpd.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    case $pid in ''|*[!0-9]*) continue ;; esac
    if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$work/"; then
      echo "example tests: stopping leftover httpd $pid" >&2
      kill -TERM "$pid" 2>/dev/null
      sleep 2
      if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$work/"; then
        kill -KILL "$pid" 2>/dev/null
      fi
    fi
  done
}
# shellcheck disable=SC2317 # (called by the trap)
cleanup() {
  sweep
  if [ -n "${SSR_KEEP_TMP:-}" ]; then
    echo "example tests: temp files kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "example tests: node $("$NODE" --version), npm $("$NPM" --version 2>/dev/null), $("$CHROMIUM" --version 2>/dev/null | tail -n 1)"
echo "example tests: examples:$(for d in $examples; do printf ' %s' "${d##*/}"; done)"

# The npm/node children use this node first; the builds' engine check and
# the plugin's tests use this ssr-render.
PATH=$(dirname "$NODE"):$PATH
MOD_SSR_RENDER=$SSR_RENDER
# and the examples that fetch() their data compare through a real httpd
# (compare-fetch.mjs): it needs these too.
export PATH MOD_SSR_RENDER MOD_SSR_SO APACHE2 APXS_LIBEXECDIR

echo "=== vite-plugin-mod-ssr: npm test ==="
status=0
if ! (cd "$root/vite" && limit 400 "$NPM" test); then
  # Go on: the examples show what the failure means for real apps.
  echo "example tests: vite-plugin-mod-ssr: npm test FAILED" >&2
  status=1
fi

# The builds and comparisons are checks too; scripts/test.sh counts these
# "example check:" lines beside node:test's.
built=
for dir in $examples; do
  name=${dir##*/}
  echo "=== examples/$name: npm run build ==="
  if ! (cd "$dir" && limit 300 "$NPM" run build) >"$work/build-$name.log" 2>&1; then
    cat "$work/build-$name.log"
    echo "example check: FAIL $name build"
    echo "example tests: examples/$name: npm run build FAILED" >&2
    status=1
    continue
  fi
  tail -n 4 "$work/build-$name.log"
  echo "example check: ok $name build"
  echo "=== examples/$name: node compare.mjs / /about /nope ==="
  if (cd "$dir" && limit 180 "$NODE" compare.mjs / /about /nope); then
    echo "example check: ok $name compare"
  else
    echo "example check: FAIL $name compare"
    echo "example tests: examples/$name: mod_ssr's pages differ from Node's (compare.mjs)" >&2
    status=1
  fi
  # Built: the browser tests run even if compare failed (more to see), on a
  # copy of this build (the one compare.mjs checked).
  if ! { mkdir -p "$work/apps/$name" && cp -R "$dir/dist" "$work/apps/$name/"; }; then
    fail "cannot copy examples/$name/dist"
  fi
  built="$built $work/apps/$name"
done

if [ -n "$built" ]; then
  echo "=== browser tests (Chromium, one httpd, a VirtualHost per example) ==="
  (
    TMPDIR=$work SSR_EXAMPLE_DIRS=$built
    export TMPDIR SSR_EXAMPLE_DIRS CHROMIUM NODE APACHE2 APXS_LIBEXECDIR MOD_SSR_SO
    # then the examples that load data during SSR (data.test.mjs: a backend
    # behind mod_proxy; it skips itself without such an example), and dev
    # mode: vite build --watch + SSRLiveReload, and mod-ssr-dev on the React
    # example, whose first server build alone takes a while (node --test runs
    # the files one at a time, in this order; --test-timeout bounds each file
    # as a whole too, and devmode.test.mjs's two browser sessions take about a
    # minute on 2 cores: the run as a whole is bounded by limit)
    limit 600 "$NODE" --test --test-concurrency=1 --test-timeout=300000 --test-force-exit \
      "$@" "$here/hydration.test.mjs" "$here/data.test.mjs" "$here/devmode.test.mjs"
  )
  rc=$?
  sweep
  if [ $rc -ne 0 ]; then
    [ $rc -eq 124 ] && echo "example tests: browser tests timed out" >&2
    echo "example tests: browser tests FAILED (exit $rc)" >&2
    status=1
  fi
fi

if [ $status -eq 0 ]; then
  echo "example tests: passed"
else
  echo "example tests: FAILED" >&2
fi
exit $status
