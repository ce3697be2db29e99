#!/usr/bin/env bash
# mod_ssr vs the Node SSR server people use today, on examples/react
# (run by `make bench` after bench/run.sh, or alone by `make bench-node`).
#
#   - Node: the production server of the standard Vite SSR template
#     (bench/node-server.mjs: dist/client static, compression off, pages
#     rendered by the app's standard `vite build --ssr` bundle, built into a
#     temporary directory by bench/node-build.mjs as examples/compare.mjs
#     does, and spliced into the template with template.replace), one
#     process as the template runs it, and a node:cluster of as many workers
#     as there are cores;
#   - mod_ssr: httpd, event MPM, 1 process x 16 threads, SSRScope thread,
#     configured with the dist/mod_ssr.conf vite-plugin-mod-ssr wrote.
# All three serve one copy of the app's dist/ on 127.0.0.1 at the same time.
# First it checks that they all return the same bytes for /.  Then, for each
# server in turn (the order rotated every round, after a warm-up round),
# ab -k -c 8 on / (rendered) and on the CSS asset (static): 3 rounds,
# medians of requests/s and of the median and 99th percentile latencies.
# Then the resident memory of each server (RSS and PSS summed over all its
# processes).  The section is appended to bench/results.txt (BENCH_OUT),
# replacing any earlier one.  Every load is bounded: ab -n count, -t cap.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
top=${BENCH_TOP:-$(cd "$here/.." && pwd)}
build=${BENCH_BUILD:-$PWD}
out=${BENCH_OUT:-$here/results.txt}
so=$build/apxs-build/.libs/mod_ssr.so
apache2=${APACHE2:-/usr/sbin/apache2}
modules=$(apxs -q LIBEXECDIR 2>/dev/null || echo /usr/lib/apache2/modules)
ssr_requests=${BENCH_NODE_SSR_REQUESTS:-3000}
static_requests=${BENCH_NODE_STATIC_REQUESTS:-10000}
concurrency=${BENCH_CONCURRENCY:-8}
port=${BENCH_NODE_PORT:-18481}          # node, node cluster, httpd: port, +1, +2
cores=$(nproc)
react=$top/examples/react
node=${NODE:-node}
header='== mod_ssr vs Node SSR (examples/react) =='

[ -f "$so" ] || { echo "bench-node: build first (make)" >&2; exit 1; }
command -v ab >/dev/null || { echo "bench-node: ab not found (apache2-utils)" >&2; exit 1; }
command -v "$node" >/dev/null || { echo "bench-node: node not found" >&2; exit 1; }
[ -d "$react/node_modules/vite" ] || { echo "bench-node: run npm ci in examples/react" >&2; exit 1; }
if [ ! -f "$react/dist/server/entry-server.js" ] || [ ! -f "$react/dist/mod_ssr.conf" ]; then
    echo "bench-node: examples/react: npm run build"
    (cd "$react" && MOD_SSR_RENDER="$build/ssr-render" npm run build >/dev/null </dev/null)
fi

work=$(mktemp -d /tmp/mod_ssr-bench-node.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill -TERM -- "-$p" 2>/dev/null || true   # its process group (setsid)
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# One copy of dist/ for all servers, readable by www-data.
cp -r "$react/dist" "$work/app"
chmod -R a+rX "$work/app"
css=$(cd "$work/app/client" && ls assets/*.css | head -n 1)
[ -n "$css" ] || { echo "bench-node: no CSS asset in dist/client/assets" >&2; exit 1; }

# The standard Node SSR bundle, its externals resolved through a link to the
# app's node_modules.
ln -s "$react/node_modules" "$work/node_modules"
echo "bench-node: building the Node SSR bundle (vite build --ssr)"
bundle=$(cd "$react" && "$node" "$here/node-build.mjs" "$react" "$work/node-ref" | tail -n 1)
[ -f "$bundle" ] || { echo "bench-node: the Node SSR build failed" >&2; exit 1; }

# httpd with the plugin's dist/mod_ssr.conf, pointed at the copy.
sed "s|$react/dist|$work/app|g" "$react/dist/mod_ssr.conf" > "$work/mod_ssr.conf"
{
    httpd_base_conf "$work" "$((port + 2))" "$modules" "$so"
    cat <<CONF
Include "$work/mod_ssr.conf"
SSRScope thread
CONF
} > "$work/httpd.conf"

names=(node node-cluster mod_ssr)
declare -A port_of=([node]=$port [node-cluster]=$((port + 1)) [mod_ssr]=$((port + 2)))
declare -A pid_of

for s in "${names[@]}"; do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:${port_of[$s]}/"; then
        echo "bench-node: port ${port_of[$s]} is in use (set BENCH_NODE_PORT)" >&2
        exit 1
    fi
done

serve() {
    local s=$1
    case $s in
        node) NODE_ENV=production setsid "$node" "$here/node-server.mjs" --dist "$work/app" \
                  --bundle "$bundle" --port "${port_of[$s]}" >"$work/$s.log" 2>&1 & ;;
        node-cluster) NODE_ENV=production setsid "$node" "$here/node-server.mjs" --dist "$work/app" \
                  --bundle "$bundle" --port "${port_of[$s]}" --workers "$cores" >"$work/$s.log" 2>&1 & ;;
        mod_ssr) setsid "$apache2" -f "$work/httpd.conf" -D FOREGROUND >"$work/$s.log" 2>&1 & ;;
    esac
    pid_of[$s]=$!
    pids+=("$!")
    for _ in $(seq 100); do
        curl -fs -o /dev/null "http://127.0.0.1:${port_of[$s]}/$css" && return 0
        sleep 0.1
    done
    echo "bench-node: $s did not start" >&2
    cat "$work/$s.log" "$work/error.log" 2>/dev/null >&2
    exit 1
}
for s in "${names[@]}"; do serve "$s"; done

# Same bytes for / from all three?
same="yes"
for s in "${names[@]}"; do
    code=$(curl -s -o "$work/$s.html" -w '%{http_code}' -H 'Accept: text/html' \
                "http://127.0.0.1:${port_of[$s]}/")
    [ "$code" = 200 ] || { echo "bench-node: $s: GET / -> $code" >&2; exit 1; }
done
page_bytes=$(wc -c < "$work/mod_ssr.html")
for s in node node-cluster; do
    if ! cmp -s "$work/$s.html" "$work/mod_ssr.html"; then
        same="NO"
        echo "bench-node: WARNING: $s and mod_ssr differ for /:" >&2
        cmp "$work/$s.html" "$work/mod_ssr.html" >&2 || true
        diff <(fold -w 100 "$work/$s.html") <(fold -w 100 "$work/mod_ssr.html") | head -n 20 >&2 || true
    fi
done
echo "bench-node: GET / identical bytes from node, node-cluster and mod_ssr: $same ($page_bytes bytes)"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Prints "<requests/s> <p50 ms> <p99 ms>" for one ab run; fails on any error,
# or if keep-alive was not used (httpd closes a connection after its default
# MaxKeepAliveRequests 100, hence 90%).
ab_run() {
    local s=$1 path=$2 n=$3 res
    res=$(ab -q -k -n "$n" -c "$concurrency" -t 60 -n "$n" -e "$work/ab.csv" \
             -H 'Accept: text/html' "http://127.0.0.1:${port_of[$s]}$path" 2>&1)
    if ! grep -q '^Failed requests: *0$' <<<"$res" || grep -q '^Non-2xx' <<<"$res" ||
       ! grep -q "^Complete requests: *$n\$" <<<"$res" ||
       [ "$(awk '/^Keep-Alive requests:/ { print $3 }' <<<"$res")" -lt $((n * 9 / 10)) ]; then
        echo "bench-node: errors during the run of $s $path:" >&2
        echo "$res" >&2
        exit 1
    fi
    printf '%s %s %s\n' "$(awk '/^Requests per second:/ { print $4 }' <<<"$res")" \
        "$(awk -F, '$1 == 50 { print $2 }' "$work/ab.csv")" \
        "$(awk -F, '$1 == 99 { print $2 }' "$work/ab.csv")"
}

declare -A runs   # "<server> <phase>" -> lines of "rps p50 p99"
for round in 0 1 2 3; do      # round 0: warm-up (heaps, JIT), not counted
    order=("${names[@]:$((round % 3))}" "${names[@]:0:$((round % 3))}")
    echo "bench-node: round $round: ${order[*]}"
    for s in "${order[@]}"; do
        ssr=$(ab_run "$s" / "$ssr_requests")
        static=$(ab_run "$s" "/$css" "$static_requests")
        if [ "$round" -gt 0 ]; then
            runs["$s ssr"]+="$ssr"$'\n'
            runs["$s static"]+="$static"$'\n'
        fi
    done
done

# "<requests/s> <p50> <p99>": the medians of the three runs, each on its own.
summary() {
    local lines=${runs["$1 $2"]}
    printf '%s %s %s\n' \
        "$(awk 'NF { print $1 }' <<<"$lines" | median)" \
        "$(awk 'NF { print $2 }' <<<"$lines" | median)" \
        "$(awk 'NF { print $3 }' <<<"$lines" | median)"
}

# "<RSS kB> <PSS kB> <processes>" summed over a server's process tree.
memory() {
    local all=("$1") queue=("$1") p c rss=0 pss=0 v
    while [ "${#queue[@]}" -gt 0 ]; do
        p=${queue[0]}; queue=("${queue[@]:1}")
        for c in $(pgrep -P "$p" || true); do all+=("$c"); queue+=("$c"); done
    done
    for p in "${all[@]}"; do
        v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0); rss=$((rss + ${v:-0}))
        v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0); pss=$((pss + ${v:-0}))
    done
    echo "$rss $pss ${#all[@]}"
}

declare -A sum mem
for s in "${names[@]}"; do
    sum["$s ssr"]=$(summary "$s" ssr)
    sum["$s static"]=$(summary "$s" static)
    mem[$s]=$(memory "${pid_of[$s]}")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
col() { awk -v i="$2" '{ print $i }' <<<"$1"; }

section=$(
echo "$header"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $cores cores, $("$node" --version) ($("$apache2" -v | sed -n 's/^Server version: //p'))"
echo "node: the Vite ssr-react template's production server (bench/node-server.mjs, node:http,"
echo "  no compression), the app's vite build --ssr bundle; node-cluster: $cores workers"
echo "mod_ssr: httpd event MPM, 1 process x 16 threads, SSRScope thread, dist/mod_ssr.conf"
echo "ab -k -c $concurrency: / (rendered, $page_bytes bytes) -n $ssr_requests, /$css (static) -n $static_requests;"
echo "  warm-up round, then 3 rounds (order rotated), medians; latencies in ms"
echo "GET / byte-identical across the three servers: $same"
echo
printf '%-13s %10s %8s %8s  %10s %8s %8s  %9s %9s\n' server "SSR req/s" "p50" "p99" \
    "static r/s" "p50" "p99" "RSS MB" "PSS MB"
for s in "${names[@]}"; do
    read -r r1 a1 b1 <<<"${sum["$s ssr"]}"
    read -r r2 a2 b2 <<<"${sum["$s static"]}"
    read -r rss pss nproc <<<"${mem[$s]}"
    printf '%-13s %10.0f %8.2f %8.2f  %10.0f %8.2f %8.2f  %9.1f %9.1f  (%s processes)\n' "$s" \
        "$r1" "$a1" "$b1" "$r2" "$a2" "$b2" \
        "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$(awk -v k="$pss" 'BEGIN { print k / 1024 }')" "$nproc"
done
echo
for n in node node-cluster; do
    printf 'mod_ssr / %-13s SSR req/s %s, p50 %s, p99 %s; static req/s %s; RSS %s, PSS %s\n' "$n:" \
        "$(ratio "$(col "${sum["mod_ssr ssr"]}" 1)" "$(col "${sum["$n ssr"]}" 1)")" \
        "$(ratio "$(col "${sum["mod_ssr ssr"]}" 2)" "$(col "${sum["$n ssr"]}" 2)")" \
        "$(ratio "$(col "${sum["mod_ssr ssr"]}" 3)" "$(col "${sum["$n ssr"]}" 3)")" \
        "$(ratio "$(col "${sum["mod_ssr static"]}" 1)" "$(col "${sum["$n static"]}" 1)")" \
        "$(ratio "$(col "${mem[mod_ssr]}" 1)" "$(col "${mem[$n]}" 1)")" \
        "$(ratio "$(col "${mem[mod_ssr]}" 2)" "$(col "${mem[$n]}" 2)")"
done
echo "(SSR req/s above 1x: mod_ssr faster; latency and memory above 1x: mod_ssr higher)"
)

# Replace an earlier section of this kind, keep the others.
if [ -f "$out" ] && grep -qxF "$header" "$out"; then
    awk -v h="$header" '$0 == h { exit } { print }' "$out" > "$work/results.txt"
    cat "$work/results.txt" > "$out"
fi
if [ -s "$out" ] && [ -n "$(tail -c 1 "$out")" ]; then echo >> "$out"; fi
if [ -s "$out" ] && [ -n "$(tail -n 1 "$out")" ]; then echo >> "$out"; fi
printf '%s\n' "$section" | tee -a "$out"
echo "bench-node: results in $out"
