#!/bin/sh
# Integration tests: start a real Apache httpd on 127.0.0.1 with the built
# mod_ssr and talk HTTP to it, once per MPM (event, worker, prefork); the
# command line tools' tests (cli.test.mjs) once, before them.
#
# Run by `make check` (automake TESTS) with MOD_SSR_SO, APACHE2, NODE,
# APXS_LIBEXECDIR, SSR_TEST_SRCDIR and SSR_RENDER in the environment; can
# also be run by hand from a built tree:  sh tests/integration/run.sh
#
# Optional: SSR_MPMS="event" to run one MPM only; SSR_KEEP_TMP=1 to keep the
# generated configs and error logs (under $TMPDIR or /tmp, mod_ssr-*).
# Extra arguments are passed to `node --test` (e.g. --test-name-pattern=...).

set -u

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${SSR_TEST_SRCDIR:-}" ] && [ -d "$SSR_TEST_SRCDIR/integration" ]; then
  here=$SSR_TEST_SRCDIR/integration
fi

fail() {
  echo "integration tests: $*" >&2
  exit 1
}

NODE=${NODE:-}
[ -n "$NODE" ] || NODE=$(command -v node 2>/dev/null || true)
if [ -z "$NODE" ] || [ ! -x "$NODE" ]; then
  fail "node not found (configure with NODE=/path/to/node, or put node on PATH)"
fi

APACHE2=${APACHE2:-}
[ -n "$APACHE2" ] || APACHE2=/usr/sbin/apache2
[ -x "$APACHE2" ] || fail "httpd binary not found at $APACHE2 (install apache2, or configure with APACHE2=...)"

APXS_LIBEXECDIR=${APXS_LIBEXECDIR:-/usr/lib/apache2/modules}
for m in mpm_event mpm_worker mpm_prefork authz_core mime dir; do
  [ -f "$APXS_LIBEXECDIR/mod_$m.so" ] || fail "httpd module mod_$m.so not found in $APXS_LIBEXECDIR"
done

MOD_SSR_SO=${MOD_SSR_SO:-$here/../../apxs-build/.libs/mod_ssr.so}
[ -f "$MOD_SSR_SO" ] || fail "mod_ssr.so not found at $MOD_SSR_SO (build it first: make)"

# ssr-render is optional here: the test comparing it with the module skips
# without it.
SSR_RENDER=${SSR_RENDER:-$here/../../ssr-render}
SSR_PRERENDER=${SSR_PRERENDER:-$here/../../ssr-prerender}

# Absolute paths: the tests run from another directory.
abspath() {
  case $1 in
    /*) echo "$1" ;;
    */*) echo "$PWD/$1" ;;
    *) echo "$1" ;;   # a bare command name, looked up on PATH
  esac
}
NODE=$(abspath "$NODE")
APACHE2=$(abspath "$APACHE2")
MOD_SSR_SO=$(abspath "$MOD_SSR_SO")
case $MOD_SSR_SO in /*) ;; *) MOD_SSR_SO=$PWD/$MOD_SSR_SO ;; esac
SSR_RENDER=$(abspath "$SSR_RENDER")
[ -x "$SSR_PRERENDER" ] || fail "ssr-prerender not found at $SSR_PRERENDER (run make)"
SSR_PRERENDER=$(abspath "$SSR_PRERENDER")

export NODE APACHE2 APXS_LIBEXECDIR MOD_SSR_SO SSR_RENDER SSR_PRERENDER

# The test files, in this order (explicit: no glob surprises).
cd "$here" || fail "cannot cd to $here"
list=
for f in render boundary static status base reload deploy directives builds errors child limits bounds pool collections prerender devmode hygiene cache fetch stream soak; do
  [ -f "$f.test.mjs" ] || fail "missing test file $here/$f.test.mjs"
  list="$list ./$f.test.mjs"
done
[ -f cli.test.mjs ] || fail "missing test file $here/cli.test.mjs"

# A bound on each MPM's run, so a hung server cannot hang `make check`.
limit=
if command -v timeout >/dev/null 2>&1; then
  limit="timeout -k 10 600"
fi

# Every temp dir (configs, error logs, app copies) goes under one work dir,
# readable by httpd's children (www-data when we are root).
work=$(mktemp -d "${TMPDIR:-/tmp}/mod_ssr-integration.XXXXXX") || fail "mktemp failed"
chmod 755 "$work"
TMPDIR=$work
export TMPDIR

# Stops any httpd a killed test run left behind: by the pid in its own
# pid file, and only if that process still runs a config from $work.
sweep() {
  for pidfile in "$work"/mod_ssr-httpd-*/httpd.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    case $pid in ''|*[!0-9]*) continue ;; esac
    if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$work/"; then
      echo "integration tests: stopping leftover httpd $pid" >&2
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
    echo "integration tests: temp files kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "integration tests: httpd $APACHE2, module $MOD_SSR_SO, node $("$NODE" --version)"
status=0

# The command line tools' tests do not depend on the MPM: once, with the
# first MPM of the list for the one httpd that serves their output.
mpms=${SSR_MPMS:-event worker prefork}
echo "=== integration tests, command line tools ==="
# shellcheck disable=SC2086
SSR_MPM=${mpms%% *} $limit "$NODE" --test --test-concurrency=1 --test-timeout=60000 --test-force-exit \
  "$@" ./cli.test.mjs
rc=$?
sweep
if [ $rc -ne 0 ]; then
  [ $rc -eq 124 ] && echo "integration tests (command line tools): timed out" >&2
  echo "integration tests (command line tools): FAILED (exit $rc)" >&2
  status=1
else
  echo "integration tests (command line tools): passed"
fi
for mpm in $mpms; do
  echo "=== integration tests, MPM $mpm ==="
  # shellcheck disable=SC2086
  SSR_MPM=$mpm $limit "$NODE" --test --test-concurrency=1 --test-timeout=60000 --test-force-exit \
    "$@" $list
  rc=$?
  sweep
  if [ $rc -ne 0 ]; then
    [ $rc -eq 124 ] && echo "integration tests ($mpm): timed out" >&2
    echo "integration tests ($mpm): FAILED (exit $rc)" >&2
    status=1
  else
    echo "integration tests ($mpm): passed"
  fi
done
exit $status
