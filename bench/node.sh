#!/usr/bin/env bash
# mod_ssr vs the Node SSR server people use today, on the framework examples
# (examples/{react,vue,preact,svelte,solid,vanilla}; BENCH_APPS="react vue"
# for some of them).  Run by `make bench-node` (and `make bench`).
#
# For each app in turn, alone on the machine (the previous app's servers
# stopped):
#   - Node: the production server of the standard Vite SSR template
#     (bench/node-server.mjs: dist/client static, compression off, pages
#     rendered by the app's standard `vite build --ssr` bundle, built by
#     bench/node-build.mjs as examples/compare.mjs does and spliced into the
#     template with template.replace), one process as the template runs it
#     (BENCH_NODE_WORKERS=N: a node:cluster of N workers instead);
#     BENCH_SSR_CONF="..." adds lines to httpd's config (an A/B of a setting);
#   - mod_ssr: httpd, event MPM, 1 process x 16 threads, the default heap pool,
#     with the dist/mod_ssr.conf vite-plugin-mod-ssr wrote; a second port of
#     the same httpd puts mod_cache (mod_cache_socache, shmcb) in front of
#     the same app, the page sent with Cache-Control: public, max-age=3600
#     (SSRCacheControl).
# Both serve one copy of the app's dist/ on 127.0.0.1.  First GET / must give
# the same bytes from Node, mod_ssr and mod_ssr's cache (a difference is
# reported, not fatal).  Then a warm-up round (shorter), then BENCH_ROUNDS
# rounds (default 3) with the order of the servers rotated; in each, per
# server, ab -k on:
#   page      /, rendered, -c C (BENCH_CONCURRENCY, 8)
#   overload  /, rendered, -c 4C (BENCH_OVERLOAD_CONCURRENCY), by bench/load.mjs:
#             non-2xx counted (each must be a 503 with Retry-After), p50 and
#             p99 over the served (2xx) answers
#   cached    /, mod_ssr's cached port only (Node's template has no cache)
#   static    the app's hashed CSS asset
# Per phase: requests/s, p50 and p99 latency, the CPU the server's processes
# used (utime+stime+cutime+cstime from /proc/PID/stat, summed over the
# process tree, after minus before) per request, and the tree's RSS and PSS
# (/proc/PID/smaps_rollup) after it.  bench/report.mjs takes the medians and
# writes bench/results.md (BENCH_NODE_OUT) and bench/results.tsv; gnuplot, if
# installed (gnuplot-nox), draws bench/results.png from the latter.
# Every load is bounded: ab -n count, -t cap (BENCH_TIME_CAP, 20 s).
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
top=${BENCH_TOP:-$(cd "$here/.." && pwd)}
build=${BENCH_BUILD:-$PWD}
out=${BENCH_NODE_OUT:-$here/results.md}
tsv=${BENCH_TSV:-${out%.md}.tsv}
png=${BENCH_PNG:-${out%.md}.png}
so=$build/apxs-build/.libs/mod_ssr.so
apache2=${APACHE2:-/usr/sbin/apache2}
modules=$(apxs -q LIBEXECDIR 2>/dev/null || echo /usr/lib/apache2/modules)
apps=${BENCH_APPS:-react vue preact svelte solid vanilla}
page_requests=${BENCH_NODE_SSR_REQUESTS:-2000}
fast_requests=${BENCH_NODE_STATIC_REQUESTS:-10000}
warmup_requests=${BENCH_WARMUP_REQUESTS:-300}
concurrency=${BENCH_CONCURRENCY:-8}
overload=${BENCH_OVERLOAD_CONCURRENCY:-$((concurrency * 4))}
rounds=${BENCH_ROUNDS:-3}
cap=${BENCH_TIME_CAP:-20}
workers=${BENCH_NODE_WORKERS:-1}
cache_max_age=3600                      # longer than a run: see below
port0=${BENCH_NODE_PORT:-18481}          # per app: node, httpd, httpd cached
node=${NODE:-node}
tick=$(getconf CLK_TCK)

[ -f "$so" ] || { echo "bench-node: build first (make)" >&2; exit 1; }
command -v ab >/dev/null || { echo "bench-node: ab not found (apache2-utils)" >&2; exit 1; }
command -v "$node" >/dev/null || { echo "bench-node: node not found" >&2; exit 1; }
for m in mod_cache mod_cache_socache mod_socache_shmcb; do
    [ -f "$modules/$m.so" ] || { echo "bench-node: $modules/$m.so not found" >&2; exit 1; }
done
# Everything an app needs before any load starts, so that a missing install
# fails now and not ten minutes in.
for app in $apps; do
    dir=$top/examples/$app
    [ -f "$dir/package.json" ] || { echo "bench-node: no examples/$app" >&2; exit 1; }
    if [ ! -d "$dir/node_modules/vite" ]; then
        echo "bench-node: examples/$app is not installed: run scripts/npm-setup.sh" \
             "(or npm ci in examples/$app)" >&2
        exit 1
    fi
done

work=$(mktemp -d /tmp/mod_ssr-bench-node.XXXXXX)
chmod 755 "$work"
pids=()
stop_servers() {
    local p
    for p in "${pids[@]}"; do
        kill -TERM -- "-$p" 2>/dev/null || true   # its process group (setsid)
        wait "$p" 2>/dev/null || true
    done
    pids=()
}
cleanup() {
    stop_servers
    rm -rf "$work"
}
trap cleanup EXIT

# True if anything the build reads is newer than FILE (or FILE is missing).
stale() {
    local dir=$1 file=$2
    [ -f "$file" ] || return 0
    [ -n "$(find "$dir/src" "$dir/index.html" "$dir/vite.config.js" "$dir/package-lock.json" \
                 "$dir/node_modules/.package-lock.json" -newer "$file" -print -quit 2>/dev/null)" ]
}

# All the processes of a server: PID and its descendants.
tree() {
    local queue=("$1") p c
    while [ "${#queue[@]}" -gt 0 ]; do
        p=${queue[0]}; queue=("${queue[@]:1}")
        [ -d "/proc/$p" ] || continue
        echo "$p"
        for c in $(pgrep -P "$p" || true); do queue+=("$c"); done
    done
}

# CPU time of a server's processes in clock ticks: utime + stime of each,
# and cutime + cstime (its children that exited and were reaped, an httpd
# child the parent replaced).  Threads are included in their process's.
cpu_ticks() {
    local p s f total=0
    for p in $(tree "$1"); do
        s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        s=${s##*) }                  # after "pid (comm) ", comm may have spaces
        read -r -a f <<<"$s"         # f[0] is field 3 (state): utime is field 14
        total=$((total + f[11] + f[12] + f[13] + f[14]))
    done
    echo "$total"
}

# "<RSS kB> <PSS kB> <processes>" summed over a server's processes.
memory() {
    local p rss=0 pss=0 n=0 r s
    for p in $(tree "$1"); do
        read -r r s < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { s = $2 } END { print r + 0, s + 0 }' \
                            "/proc/$p/smaps_rollup" 2>/dev/null || echo "0 0")
        rss=$((rss + r)); pss=$((pss + s)); n=$((n + 1))
    done
    echo "$rss $pss $n"
}

# One ab run: prints "<complete> <requests/s> <p50 ms> <p99 ms> <non-2xx>
# <failed>".  Mode strict: any failed request, non-2xx answer or connection
# not kept alive (httpd closes one after MaxKeepAliveRequests 100, hence 90%)
# fails the benchmark.  Mode overload: non-2xx answers are counted (a server
# may refuse work it cannot take: 503), and so are ab's "failed" requests:
# with more connections than threads the event MPM closes idle keep-alive
# connections, and ab counts the request it had sent on one as a failure
# (Length or Exceptions) before it reconnects; only a refused connection or
# a receive error fails the benchmark.  A run cut short by the -t cap counts
# what completed.
ab_run() {
    local url=$1 n=$2 c=$3 mode=$4 res complete non2xx failed ka bad
    res=$(ab -q -k -c "$c" -t "$cap" -n "$n" -e "$work/ab.csv" \
             -H 'Accept: text/html' "$url" 2>&1) || {
        echo "bench-node: ab failed on $url:" >&2; echo "$res" >&2; exit 1; }
    complete=$(awk '/^Complete requests:/ { print $3 }' <<<"$res")
    failed=$(awk '/^Failed requests:/ { print $3 }' <<<"$res")
    bad=$(sed -n 's/.*(Connect: \([0-9]*\), Receive: \([0-9]*\),.*/\1 \2/p' <<<"$res")
    non2xx=$(awk '/^Non-2xx responses:/ { print $3 }' <<<"$res")
    ka=$(awk '/^Keep-Alive requests:/ { print $3 }' <<<"$res")
    if [ -z "$complete" ] || [ "$complete" -eq 0 ] ||
       { [ "$mode" = strict ] && { [ "$failed" != 0 ] || [ -n "$non2xx" ] ||
                                   [ "${ka:-0}" -lt $((complete * 9 / 10)) ]; }; } ||
       { [ "$mode" = overload ] && [ -n "$bad" ] && [ "$bad" != "0 0" ]; }; then
        echo "bench-node: errors during the run of $url (-c $c):" >&2
        echo "$res" >&2
        exit 1
    fi
    printf '%s %s %s %s %s %s\n' "$complete" \
        "$(awk '/^Requests per second:/ { print $4 }' <<<"$res")" \
        "$(awk -F, '$1 == 50 { print $2 }' "$work/ab.csv")" \
        "$(awk -F, '$1 == 99 { print $2 }' "$work/ab.csv")" "${non2xx:-0}" "$failed"
}

# The overload phase's run, by bench/load.mjs: the same fields as ab_run,
# with p50 and p99 over the served (2xx) answers only; every other answer
# must be a 503 with Retry-After (the shed ones), whose slowest is logged.
load_run() {
    local url=$1 n=$2 c=$3 res shed_max
    res=$("$node" "$here/load.mjs" "$url" -c "$c" -n "$n" -t "$cap") || {
        echo "bench-node: the overload run of $url failed" >&2; exit 1; }
    read -r complete rps p50 p99 non2xx failed shed_max <<<"$res"
    echo "bench-node: $url -c $c: $non2xx shed, the slowest answered in $shed_max ms" >&2
    printf '%s %s %s %s %s %s\n' "$complete" "$rps" "$p50" "$p99" "$non2xx" "$failed"
}

# One phase against one server, one line of raw results:
# app server phase round requests rps p50 p99 cpu_ms_per_req rss_kb pss_kb non2xx failed processes
phase() {
    local app=$1 server=$2 name=$3 round=$4 url=$5 n=$6 c=$7 mode=$8 pid=$9
    local before after r complete rps p50 p99 non2xx failed rss pss np
    before=$(cpu_ticks "$pid")
    if [ "$mode" = overload ]; then
        r=$(load_run "$url" "$n" "$c")
    else
        r=$(ab_run "$url" "$n" "$c" "$mode")
    fi
    after=$(cpu_ticks "$pid")
    read -r complete rps p50 p99 non2xx failed <<<"$r"
    read -r rss pss np <<<"$(memory "$pid")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$server" "$name" "$round" \
        "$complete" "$rps" "$p50" "$p99" \
        "$(awk -v d=$((after - before)) -v t="$tick" -v n="$complete" 'BEGIN { printf "%.4f", d * 1000 / t / n }')" \
        "$rss" "$pss" "$non2xx" "$failed" "$np" >> "$work/raw.tsv"
}

wait_up() {
    local name=$1 url=$2 log=$3
    for _ in $(seq 150); do
        curl -fs -o /dev/null "$url" && return 0
        sleep 0.1
    done
    echo "bench-node: $name did not start" >&2
    cat "$log" "$work/error.log" 2>/dev/null >&2
    exit 1
}

# GET URL FILE: the body in FILE, the headers in FILE.headers; 200 or fail.
get() {
    local code
    code=$(curl -s -o "$2" -D "$2.headers" -w '%{http_code}' -H 'Accept: text/html' "$1")
    [ "$code" = 200 ] || { echo "bench-node: $app: GET $1 -> $code" >&2; exit 1; }
}

printf 'app\tserver\tphase\tround\trequests\trps\tp50\tp99\tcpu_ms\trss_kb\tpss_kb\tnon2xx\tfailed\tprocesses\n' > "$work/raw.tsv"
printf 'app\tpage_bytes\tasset\tidentical\tcached_identical\tcache_hit\n' > "$work/apps.tsv"
start=$SECONDS
i=0
for app in $apps; do
    dir=$top/examples/$app
    port=$((port0 + 3 * i)); hport=$((port + 1)); cport=$((port + 2))
    i=$((i + 1))
    for p in $port $hport $cport; do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; then
            echo "bench-node: port $p is in use (set BENCH_NODE_PORT)" >&2
            exit 1
        fi
    done

    # The mod_ssr build (npm run build, with vite-plugin-mod-ssr), if missing
    # or older than the app's sources.
    if stale "$dir" "$dir/dist/server/entry-server.js" || [ ! -f "$dir/dist/mod_ssr.conf" ]; then
        echo "bench-node: $app: npm run build"
        (cd "$dir" && MOD_SSR_RENDER="$build/ssr-render" npm run build >"$work/$app-build.log" 2>&1 </dev/null) || {
            cat "$work/$app-build.log" >&2; echo "bench-node: $app: npm run build failed" >&2; exit 1; }
    fi
    # The standard Node SSR bundle, kept under the app's node_modules (whose
    # packages its external imports resolve to) until the sources change.
    ref=$dir/node_modules/.cache/mod-ssr-bench/node
    bundle=$(find "$ref" -maxdepth 1 -name 'entry-server.*js' -print -quit 2>/dev/null || true)
    if [ -z "$bundle" ] || stale "$dir" "$bundle"; then
        echo "bench-node: $app: vite build --ssr (the Node bundle)"
        bundle=$(cd "$dir" && "$node" "$here/node-build.mjs" "$dir" "$ref" | tail -n 1)
        [ -f "$bundle" ] || { echo "bench-node: $app: the Node SSR build failed" >&2; exit 1; }
    fi

    # One copy of dist/ for both servers, readable by www-data.
    rm -rf "$work/app"
    cp -r "$dir/dist" "$work/app"
    chmod -R a+rX "$work/app"
    asset=$(cd "$work/app/client" && { ls assets/*.css 2>/dev/null || ls assets/*.js; } | head -n 1)
    [ -n "$asset" ] || { echo "bench-node: $app: no CSS or JS asset in dist/client/assets" >&2; exit 1; }

    # httpd with the plugin's dist/mod_ssr.conf, pointed at the copy (the
    # default heap pool); on a second port the same app behind mod_cache.
    # The examples' render() sets no headers, so the Cache-Control a
    # cacheable page would carry comes from SSRCacheControl, for this port
    # only (mod_ssr then adds the Vary headers that keep entries per build).
    # Its max-age outlasts the run, so no round measures a revalidation.
    sed "s|$dir/dist|$work/app|g" "$dir/dist/mod_ssr.conf" > "$work/mod_ssr.conf"
    {
        httpd_base_conf "$work" "$hport" "$modules" "$so"
        cat <<CONF
Include "$work/mod_ssr.conf"
${BENCH_SSR_CONF:-}

Listen 127.0.0.1:$cport
LoadModule cache_module $modules/mod_cache.so
LoadModule socache_shmcb_module $modules/mod_socache_shmcb.so
LoadModule cache_socache_module $modules/mod_cache_socache.so
<VirtualHost 127.0.0.1:$cport>
    CacheEnable socache /
    CacheSocache "shmcb:$work/cache(4194304)"
    CacheHeader on
    SSRCacheControl "public, max-age=$cache_max_age"
</VirtualHost>
CONF
    } > "$work/httpd.conf"
    : > "$work/error.log"

    NODE_ENV=production setsid "$node" "$here/node-server.mjs" --dist "$work/app" \
        --bundle "$bundle" --port "$port" --workers "$workers" >"$work/node.log" 2>&1 &
    node_pid=$!; pids+=("$node_pid")
    wait_up node "http://127.0.0.1:$port/$asset" "$work/node.log"
    setsid "$apache2" -f "$work/httpd.conf" -D FOREGROUND >"$work/httpd.log" 2>&1 &
    httpd_pid=$!; pids+=("$httpd_pid")
    wait_up mod_ssr "http://127.0.0.1:$hport/$asset" "$work/httpd.log"

    # Same bytes for / from Node, mod_ssr and the cache (a hit the second time)?
    get "http://127.0.0.1:$port/" "$work/node.html"
    get "http://127.0.0.1:$hport/" "$work/mod_ssr.html"
    get "http://127.0.0.1:$cport/" "$work/cached1.html"
    get "http://127.0.0.1:$cport/" "$work/cached.html"
    identical=yes cached_identical=yes hit=yes
    if ! cmp -s "$work/node.html" "$work/mod_ssr.html"; then
        identical=no
        echo "bench-node: WARNING: $app: Node and mod_ssr differ for /:" >&2
        cmp "$work/node.html" "$work/mod_ssr.html" >&2 || true
        diff <(fold -w 100 "$work/node.html") <(fold -w 100 "$work/mod_ssr.html") | head -n 20 >&2 || true
    fi
    cmp -s "$work/cached.html" "$work/mod_ssr.html" || cached_identical=no
    grep -qi '^X-Cache: HIT' "$work/cached.html.headers" || {
        hit=no
        echo "bench-node: WARNING: $app: the second GET / on the cached port was no cache hit:" >&2
        cat "$work/cached.html.headers" >&2
    }
    page_bytes=$(wc -c < "$work/mod_ssr.html")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$page_bytes" "$asset" "$identical" "$cached_identical" \
        "$hit" >> "$work/apps.tsv"
    echo "bench-node: $app: GET / identical from Node and mod_ssr: $identical ($page_bytes bytes);" \
         "from mod_cache: $cached_identical, hit: $hit"

    servers=(node mod_ssr)
    for round in $(seq 0 "$rounds"); do      # round 0: warm-up (heaps, JIT), not counted
        k=$((round % 2))
        order=("${servers[@]:$k}" "${servers[@]:0:$k}")
        pn=$page_requests fn=$fast_requests
        if [ "$round" = 0 ]; then pn=$warmup_requests fn=$warmup_requests; fi
        echo "bench-node: $app: round $round: ${order[*]} ($((SECONDS - start)) s)"
        for s in "${order[@]}"; do
            if [ "$s" = node ]; then pid=$node_pid p=$port; else pid=$httpd_pid p=$hport; fi
            phase "$app" "$s" page "$round" "http://127.0.0.1:$p/" "$pn" "$concurrency" strict "$pid"
            phase "$app" "$s" overload "$round" "http://127.0.0.1:$p/" "$pn" "$overload" overload "$pid"
            if [ "$s" = mod_ssr ]; then
                phase "$app" "$s" cached "$round" "http://127.0.0.1:$cport/" "$fn" "$concurrency" strict "$pid"
            fi
            phase "$app" "$s" static "$round" "http://127.0.0.1:$p/$asset" "$fn" "$concurrency" strict "$pid"
        done
    done
    # Anything in httpd's log but its start-up notices and the warnings that
    # it is at MaxRequestWorkers (what the overload phase is for).
    if grep -v -e ':notice\]' -e AH10159 -e AH00484 "$work/error.log" > "$work/errors"; then
        echo "bench-node: $app: httpd error log:" >&2
        head -n 20 "$work/errors" >&2
    fi
    stop_servers
done
echo "bench-node: loads done in $((SECONDS - start)) s"

env_line="$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), load average before the run: $(cut -d' ' -f1-3 /proc/loadavg); Node $("$node" --version); $("$apache2" -v | sed -n 's/^Server version: //p')"
"$node" "$here/report.mjs" --raw "$work/raw.tsv" --apps "$work/apps.tsv" --md "$out" --tsv "$tsv" \
    --png "$(basename "$png")" --env "$env_line" \
    --settings "ab -k; page and overload -n $page_requests, cached and static -n $fast_requests; -c $concurrency, overload -c $overload; -t $cap cap; warm-up round (-n $warmup_requests), then $rounds rounds, order rotated; node workers: $workers; $((SECONDS - start)) s in all"
if command -v gnuplot >/dev/null; then
    gnuplot -e "data='$tsv'; out='$png'" "$here/chart.gp"
    echo "bench-node: chart in $png"
else
    echo "bench-node: gnuplot not found: no chart (apt-get install gnuplot-nox; then make bench-chart)" >&2
fi
echo "bench-node: results in $out"
