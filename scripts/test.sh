#!/usr/bin/env bash
# Builds mod_ssr, then runs every test: the Check unit tests, the
# integration tests against a real httpd, and the Vite plugin's tests and
# framework examples (built, compared with Node, hydrated in Chromium);
# then the unit and integration tests again on a build with AddressSanitizer
# and UndefinedBehaviorSanitizer (make check-asan, one MPM).
# Exits with make check's status, else check-asan's.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/deps.sh"
"$root/scripts/npm-setup.sh"
"$root/scripts/build.sh"

echo "test: make check"
status=0
make check VERBOSE=1 || status=$?

echo "test: make check-asan"
asan_status=0
mkdir -p asan-build
make check-asan 2>&1 | tee asan-build/check-asan.log || asan_status=$?

# One closing line over every runner: Check's "Checks: N, Failures: F,
# Errors: E" and node:test's "# pass N" / "# fail N" (the integration tests
# once per MPM; the plugin's tests, the browser tests of the examples, and
# the create-vite-extra templates),
# for the normal build and the sanitized one (asan-build/obj), and each
# sanitizer report of check-asan as one failure.
passed=0
failed=0
for log in tests/unit/check_ssr.log asan-build/obj/tests/unit/check_ssr.log; do
    [ -f "$log" ] || continue
    read -r c f e < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' \
        "$log" | tail -n 1; echo) || true
    passed=$((passed + ${c:-0} - ${f:-0} - ${e:-0}))
    failed=$((failed + ${f:-0} + ${e:-0}))
done
for log in tests/integration/run.sh.log tests/examples/run.sh.log tests/templates/run.sh.log \
           asan-build/obj/tests/integration/run.sh.log; do
    [ -f "$log" ] || continue
    p=$(awk '/^# pass [0-9]+$/ { n += $3 } END { print n + 0 }' "$log")
    f=$(awk '/^# fail [0-9]+$/ { n += $3 } END { print n + 0 }' "$log")
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
done
# The examples' builds and byte comparisons with Node (tests/examples/run.sh).
if [ -f tests/examples/run.sh.log ]; then
    p=$(grep -c '^example check: ok ' tests/examples/run.sh.log || true)
    f=$(grep -c '^example check: FAIL ' tests/examples/run.sh.log || true)
    passed=$((passed + ${p:-0}))
    failed=$((failed + ${f:-0}))
fi
if [ -f asan-build/check-asan.log ]; then
    r=$(sed -n 's/^check-asan: \([0-9]*\) sanitizer report(s)$/\1/p' asan-build/check-asan.log | tail -n 1)
    failed=$((failed + ${r:-0}))
fi
echo "tests: $passed passed, $failed failed"
if [ "$status" -ne 0 ]; then
    echo "test: make check failed (exit $status)" >&2
elif [ "$asan_status" -ne 0 ]; then
    echo "test: make check-asan failed (exit $asan_status)" >&2
    status=$asan_status
else
    echo "test: all tests passed"
fi
exit "$status"
