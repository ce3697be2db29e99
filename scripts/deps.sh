#!/usr/bin/env bash
# Installs what building and testing mod_ssr needs on Debian (and Ubuntu),
# if any of it is missing: the build tools, apache2, Node.js and npm, and
# Chromium for the browser tests of the examples.  Runs apt-get as root, or
# through sudo.
set -euo pipefail

packages=(build-essential autoconf automake libtool pkg-config
          apache2 apache2-dev duktape-dev check curl libcurl4-openssl-dev
          patch)

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == *" ok installed" ]] || missing+=("$pkg")
done
# Node.js may come from elsewhere than Debian's package: any `node` will do,
# and any `npm` (the examples and the Vite plugin are installed with npm ci).
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# The browser of the hydration tests (tests/examples), driven by
# playwright-core at this path.
[[ -x /usr/bin/chromium ]] || missing+=(chromium)

(( ${#missing[@]} )) || exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing: ${missing[*]} (no apt-get here: install them by hand)" >&2
    exit 1
fi

as_root=()
if (( EUID != 0 )); then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "deps: missing: ${missing[*]}; run this as root or install sudo" >&2
        exit 1
    fi
    as_root=(sudo)
fi

echo "deps: installing ${missing[*]}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run_apt_get() {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -q -y "$@" >>"$log" 2>&1 </dev/null
}
if ! run_apt_get update || ! run_apt_get install --no-install-recommends "${missing[@]}"; then
    cat "$log" >&2
    echo "deps: apt-get failed" >&2
    exit 1
fi
echo "deps: done"
