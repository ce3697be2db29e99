#!/usr/bin/env bash
# Builds mod_ssr, then runs every test: the Check unit tests and the
# integration tests against a real httpd.  Exits with make check's status.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/build.sh"

echo "test: make check"
status=0
make check VERBOSE=1 || status=$?
if [ "$status" -eq 0 ]; then
    echo "test: all tests passed"
else
    echo "test: make check failed (exit $status)" >&2
fi
exit "$status"
