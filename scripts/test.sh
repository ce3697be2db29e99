#!/usr/bin/env bash
# Builds mod_ssr, then runs every test: the Check unit tests, the
# integration tests against a real httpd, and the Vite plugin's tests and
# framework examples (built, compared with Node, hydrated in Chromium).
# Exits with make check's status.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/deps.sh"
"$root/scripts/npm-setup.sh"
"$root/scripts/build.sh"

echo "test: make check"
status=0
make check VERBOSE=1 || status=$?

# One closing line over every runner: Check's "Checks: N, Failures: F,
# Errors: E" and node:test's "# pass N" / "# fail N" (the integration tests
# once per MPM; the plugin's tests and the browser tests of the examples).
passed=0
failed=0
if [ -f tests/unit/check_ssr.log ]; then
    read -r c f e < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' \
        tests/unit/check_ssr.log | tail -n 1; echo) || true
    passed=$((passed + ${c:-0} - ${f:-0} - ${e:-0}))
    failed=$((failed + ${f:-0} + ${e:-0}))
fi
for log in tests/integration/run.sh.log tests/examples/run.sh.log; do
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
echo "tests: $passed passed, $failed failed"
if [ "$status" -eq 0 ]; then
    echo "test: all tests passed"
else
    echo "test: make check failed (exit $status)" >&2
fi
exit "$status"
