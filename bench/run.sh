#!/usr/bin/env bash
# Benchmarks for mod_ssr (run by `make bench`; not part of `make check`).
#
# Measures, in one run so the numbers are comparable on a noisy machine:
#   1. the engine alone: ssr-render --repeat on examples/basic (render time,
#      heap creation from bytecode);
#   2. a real httpd (event MPM, one process) on 127.0.0.1 under ab:
#      a static file (the baseline), rendered pages with SSRScope thread,
#      and with SSRScope request; each phase 3 times, medians reported, and
#      the rendered throughput as a ratio of the static baseline;
#   3. the resident memory of the httpd child after the load.
# Results go to bench/results.txt (override with BENCH_OUT).  Every load is
# bounded: ab -n with a fixed count and -t as a time cap.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
top=${BENCH_TOP:-$(cd "$here/.." && pwd)}
build=${BENCH_BUILD:-$PWD}
out=${BENCH_OUT:-$here/results.txt}
so=$build/apxs-build/.libs/mod_ssr.so
render=$build/ssr-render
apache2=${APACHE2:-/usr/sbin/apache2}
modules=$(apxs -q LIBEXECDIR 2>/dev/null || echo /usr/lib/apache2/modules)
requests=${BENCH_REQUESTS:-3000}
concurrency=${BENCH_CONCURRENCY:-8}
app=$top/examples/basic/dist
port=${BENCH_PORT:-18480}

if [ ! -x "$render" ] || [ ! -f "$so" ]; then
    echo "bench: build first (make)" >&2
    exit 1
fi
command -v ab >/dev/null || { echo "bench: ab not found (apache2-utils)" >&2; exit 1; }

work=$(mktemp -d /tmp/mod_ssr-bench.XXXXXX)
chmod 755 "$work"
cp -r "$app" "$work/app"
chmod -R a+rX "$work/app"
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

{
echo "mod_ssr benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
echo "app: examples/basic; ab -n $requests -c $concurrency -k, 3 runs per phase, medians"
echo

echo "== engine alone (ssr-render --repeat 2000 /about) =="
"$render" -q --repeat 2000 --bundle "$work/app/server/entry-server.js" \
    --template "$work/app/client/index.html" /about 2>&1 | grep renders=
echo
} | tee "$out"

start_httpd() {
    local scope=$1
    {
        httpd_base_conf "$work" "$port" "$modules" "$so"
        cat <<CONF
DocumentRoot "$work/app/client"
<Directory "$work/app/client">
    Require all granted
</Directory>
SSREngine On
SSRBundle "$work/app/server/entry-server.js"
SSRScope $scope
CONF
    } > "$work/httpd.conf"
    setsid "$apache2" -f "$work/httpd.conf" -D FOREGROUND &
    pid=$!
    for _ in $(seq 50); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/assets/style.css" && return 0
        sleep 0.1
    done
    echo "bench: httpd did not start" >&2
    cat "$work/error.log" >&2
    exit 1
}

stop_httpd() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=
}

# Prints "<requests/s> <median ms>" for one ab run; fails on any error.
ab_run() {
    local path=$1 res
    res=$(ab -q -k -n "$requests" -c "$concurrency" -t 60 -n "$requests" \
             -H 'Accept: text/html' "http://127.0.0.1:$port$path" 2>&1)
    if ! grep -q '^Failed requests: *0$' <<<"$res" || grep -q '^Non-2xx' <<<"$res"; then
        echo "bench: errors during the run of $path:" >&2
        echo "$res" >&2
        exit 1
    fi
    awk '/^Requests per second:/ { rps = $4 } /^ +50%/ { p50 = $2 } END { print rps, p50 }' <<<"$res"
}

phase() {
    local name=$1 path=$2 rps=() p50=() r
    ab_run "$path" >/dev/null    # warm-up: heaps, build load
    for _ in 1 2 3; do
        r=$(ab_run "$path")
        rps+=("${r% *}")
        p50+=("${r#* }")
    done
    printf '%s %s %s\n' "$name" "$(printf '%s\n' "${rps[@]}" | median)" \
        "$(printf '%s\n' "${p50[@]}" | median)"
}

child_rss_kb() {
    local c
    c=$(pgrep -P "$pid" | head -n 1)
    awk '/^VmRSS:/ { print $2 }' "/proc/$c/status" 2>/dev/null || echo "?"
}

start_httpd thread
static=$(phase static /assets/style.css)
thread=$(phase "ssr-thread" /about)
rss_thread=$(child_rss_kb)
stop_httpd
start_httpd request
request=$(phase "ssr-request" /about)
rss_request=$(child_rss_kb)
stop_httpd

{
echo "== httpd, event MPM, 1 process x 16 threads =="
printf '%-12s %12s %10s %10s\n' phase "requests/s" "p50 ms" "vs static"
base=$(awk '{ print $2 }' <<<"$static")
for line in "$static" "$thread" "$request"; do
    read -r name rps p50 <<<"$line"
    printf '%-12s %12.0f %10s %9.2fx\n' "$name" "$rps" "$p50" \
        "$(awk -v a="$rps" -v b="$base" 'BEGIN { print a / b }')"
done
echo
echo "httpd child RSS after load: thread scope ${rss_thread} kB, request scope ${rss_request} kB"
} | tee -a "$out"
echo "bench: results in $out"
