#!/bin/sh
# `make check-asan`: builds everything again with AddressSanitizer and
# UndefinedBehaviorSanitizer (the engine library, Duktape, the CLIs, the unit
# tests and the module), then runs the unit tests and the integration tests
# (one MPM) under them.  Any sanitizer report fails the run.
#
# The sanitized build is a separate configure in $SSR_ASAN_DIR/obj, on a copy
# of the distributed sources in $SSR_ASAN_DIR/src (`make distdir`): a source
# tree that is configured in place cannot also host a VPATH build, and the
# copy keeps the normal build untouched.  Files are copied with their times,
# so a second run only recompiles what changed.
#
# Run by `make check-asan` with, in the environment:
#   MAKE, SSR_ASAN_DIR (absolute), APXS, APACHE2, NODE, SSR_TOP_SRCDIR
# Optional:
#   SSR_ASAN_MPMS    MPMs for the integration tests (default: event)
#   SSR_ASAN_TESTS   tests to run (default: the unit and integration tests)
set -u

fail() {
    echo "check-asan: $*" >&2
    exit 1
}

: "${MAKE:=make}"
: "${SSR_ASAN_DIR:?}"
: "${APXS:?}"
: "${SSR_TOP_SRCDIR:?}"
APACHE2=${APACHE2:-/usr/sbin/apache2}

# One compiler for everything, apxs's, so that the module, the libraries it
# links and the runtime preloaded into httpd all come from the same
# sanitizer runtime.
cc=$("$APXS" -q CC) || fail "apxs -q CC failed"
runtime=$($cc -print-file-name=libasan.so)
case $runtime in
    /*) [ -e "$runtime" ] || fail "no ASan runtime for $cc ($runtime)" ;;
    *) fail "$cc has no libasan.so (install the compiler's libasan)" ;;
esac

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer $san"
# The module is compiled and linked by apxs (libtool passes -fsanitize=*).
apxs_flags="-Wc,-g -Wc,-O1 -Wc,-fno-omit-frame-pointer"
for f in $san; do
    apxs_flags="$apxs_flags -Wc,$f -Wl,$f"
done

src=$SSR_ASAN_DIR/src
obj=$SSR_ASAN_DIR/obj
supp=$SSR_TOP_SRCDIR/tests/sanitizers/ubsan.supp
[ -f "$supp" ] || fail "missing $supp"

mkdir -p "$SSR_ASAN_DIR" "$obj" || fail "cannot create $SSR_ASAN_DIR"
# No results of an earlier run may be read as this run's.
rm -f "$obj/tests/unit/check_ssr.log" "$obj/tests/integration/run.sh.log"
start=$(date +%s)

echo "check-asan: sources -> $src"
$MAKE distdir distdir="$src" >"$SSR_ASAN_DIR/distdir.log" 2>&1 \
    || { cat "$SSR_ASAN_DIR/distdir.log"; fail "make distdir failed"; }
# The Vite plugin (and its node_modules) is not distributed with the
# module; the deploy tests that run the real `vite build` use the tree's.
if [ -d "$SSR_TOP_SRCDIR/vite" ] && [ ! -e "$src/vite" ]; then
    ln -s "$SSR_TOP_SRCDIR/vite" "$src/vite"
fi

cd "$obj" || fail "cannot cd to $obj"
# Reconfigure when the flags or tools changed (a stamp of the options).
opts="CC=$cc|CFLAGS=$cflags|APXS=$APXS|APACHE2=$APACHE2|NODE=${NODE:-}"
if [ ! -f config.status ] || [ "$(cat asan-options 2>/dev/null)" != "$opts" ]; then
    echo "check-asan: configure (CC=$cc CFLAGS=$cflags)"
    "$src/configure" CC="$cc" CFLAGS="$cflags" LDFLAGS="$san" \
        --with-apxs="$APXS" APACHE2="$APACHE2" NODE="${NODE:-}" \
        >configure.log 2>&1 || { tail -n 30 configure.log; fail "configure failed"; }
    printf '%s\n' "$opts" >asan-options
fi

echo "check-asan: build"
$MAKE -j2 SSR_APXS_FLAGS="$apxs_flags" >build.log 2>&1 \
    || { tail -n 40 build.log; fail "build failed (see $obj/build.log)"; }
built=$(date +%s)
echo "check-asan: built in $((built - start)) s"

# Where findings go.  ASan writes one report file per process that found
# something (log_path; the directory is world-writable because httpd's
# children run as another user when the tests run as root).  gcc's UBSan
# runtime does not honour log_path next to ASan's and prints to stderr: for
# the unit tests that is their log, for httpd its ErrorLog, kept (with the
# rest of the integration tests' temp files) under $tmp to be searched.
reports=$SSR_ASAN_DIR/reports
tmp=$SSR_ASAN_DIR/tmp
rm -rf "$reports" "$tmp"
mkdir -p "$reports" "$tmp" && chmod 1777 "$reports" && chmod 755 "$tmp" \
    || fail "cannot create $reports, $tmp"

# Abort on the first finding, full stacks, no blocking on a terminal.
common="abort_on_error=1:log_path=$reports/asan:strip_path_prefix=$src/"
UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:suppressions=$supp"
# Leaks are checked in the unit tests and the CLIs, which free what they
# allocate; not in httpd, which leaves its pools to the process's exit
# (scripts/asan-httpd.sh puts SSR_ASAN_HTTPD_OPTIONS in its ASAN_OPTIONS).
ASAN_OPTIONS="$common:detect_leaks=1"
SSR_ASAN_HTTPD_OPTIONS="$common:detect_leaks=0"
SSR_ASAN_HTTPD=$APACHE2
SSR_ASAN_RUNTIME=$runtime
SSR_MPMS=${SSR_ASAN_MPMS:-event}
SSR_KEEP_TMP=1
TMPDIR=$tmp
# Timing bounds in the tests are for optimised code; sanitized code runs
# several times slower (the unit tests scale their bounds by this).
SSR_TEST_TIME_SCALE=${SSR_TEST_TIME_SCALE:-10}
# The deploys-under-load test wants pages of three builds within its run:
# sanitized, a build's load and its asset archive take longer, and a deploy
# that lands while the previous one is archived waits for the next check.
SSR_SOAK_SECONDS=${SSR_SOAK_SECONDS:-8}
export UBSAN_OPTIONS ASAN_OPTIONS SSR_ASAN_HTTPD_OPTIONS SSR_ASAN_HTTPD \
    SSR_ASAN_RUNTIME SSR_MPMS SSR_KEEP_TMP TMPDIR SSR_TEST_TIME_SCALE \
    SSR_SOAK_SECONDS

status=0
# One `make check`, so the logs land where scripts/test.sh reads them:
# tests/unit/check_ssr.log and tests/integration/run.sh.log under $obj.
echo "check-asan: make check (MPMs: $SSR_MPMS)"
$MAKE check TESTS="${SSR_ASAN_TESTS:-tests/unit/check_ssr tests/integration/run.sh}" \
    APACHE2="$SSR_TOP_SRCDIR/scripts/asan-httpd.sh" VERBOSE=1 \
    SSR_APXS_FLAGS="$apxs_flags" || status=$?

# Every report: ASan's files, and sanitizer lines in the logs.
found=0
for r in "$reports"/*; do
    [ -f "$r" ] || continue
    found=$((found + 1))
    echo "check-asan: sanitizer report $r:" >&2
    cat "$r" >&2
done
pattern='runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer'
for log in $(find "$tmp" "$obj/tests" -type f \( -name '*.log' -o -name 'error_log*' \) \
                 ! -name test-suite.log 2>/dev/null); do
    if grep -Eq "$pattern" "$log"; then
        found=$((found + 1))
        echo "check-asan: sanitizer report in $log:" >&2
        grep -E -A 30 "$pattern" "$log" | head -n 80 >&2
    fi
done
end=$(date +%s)
# Counted by scripts/test.sh.
echo "check-asan: $found sanitizer report(s)"
echo "check-asan: build $((built - start)) s, tests $((end - built)) s"
[ "$found" -eq 0 ] || status=1
[ "$status" -eq 0 ] || fail "FAILED (exit $status)"
rm -rf "$tmp"
echo "check-asan: passed"
