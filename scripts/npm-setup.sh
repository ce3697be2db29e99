#!/usr/bin/env bash
# Installs the npm dependencies of the Vite plugin and the examples, exactly
# as locked: `npm ci` in vite/, in every examples/*/ that has a
# package-lock.json, in tests/examples/ (the browser tests) and in
# tests/templates/ (create-vite-extra and its templates' dependencies).
#
# A directory is skipped when its install is newer than its lock file
# (node_modules/.package-lock.json, which npm writes on every install) and,
# for an example, newer than the plugin's sources too: the examples install
# vite-plugin-mod-ssr from ../../vite as a copy (.npmrc install-links), so a
# changed plugin needs a new install there.
# FORCE=1 reinstalls everything.  Needs node and npm (scripts/deps.sh).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

command -v npm >/dev/null 2>&1 || {
    echo "npm-setup: npm not found (run scripts/deps.sh, or install Node.js and npm)" >&2
    exit 1
}

dirs=("$root/vite")
for lock in "$root"/examples/*/package-lock.json; do
    [[ -f $lock ]] && dirs+=("$(dirname "$lock")")
done
dirs+=("$root/tests/examples" "$root/tests/templates")

for dir in "${dirs[@]}"; do
    rel=${dir#"$root"/}
    if [[ ! -f $dir/package-lock.json ]]; then
        echo "npm-setup: $rel/package-lock.json is missing" >&2
        exit 1
    fi
    installed=$dir/node_modules/.package-lock.json
    if [[ -z ${FORCE:-} && -f $installed && $installed -nt $dir/package-lock.json ]]; then
        stale=
        if [[ $rel == examples/* ]]; then
            stale=$(find "$root/vite/package.json" "$root/vite/index.d.ts" "$root/vite/src" \
                         -newer "$installed" -print -quit 2>/dev/null)
        fi
        if [[ -z $stale ]]; then
            echo "npm-setup: $rel: up to date"
            continue
        fi
        echo "npm-setup: $rel: ${stale#"$root"/} changed since the last install"
    fi
    echo "npm-setup: $rel: npm ci"
    start=$SECONDS
    log=$(mktemp)
    if ! (cd "$dir" && npm ci --no-audit --no-fund) >"$log" 2>&1 </dev/null; then
        cat "$log" >&2
        rm -f "$log"
        echo "npm-setup: npm ci failed in $rel" >&2
        exit 1
    fi
    rm -f "$log"
    echo "npm-setup: $rel: installed in $((SECONDS - start))s"
done
