#!/bin/sh
# Starts httpd with the AddressSanitizer runtime preloaded, for
# `make check-asan` (scripts/check-asan.sh): an instrumented mod_ssr.so can
# only be loaded into a process whose first library is the ASan runtime, and
# httpd itself is not instrumented.  Used as APACHE2 by the integration
# tests; exec keeps the pid, so the harness stops and sweeps httpd as usual.
#   SSR_ASAN_HTTPD    the real httpd binary
#   SSR_ASAN_RUNTIME  the ASan runtime (gcc -print-file-name=libasan.so)
#   SSR_ASAN_HTTPD_OPTIONS  ASAN_OPTIONS for httpd (no leak check: httpd
#                     leaves its pools to the process's exit)
set -u
: "${SSR_ASAN_HTTPD:?SSR_ASAN_HTTPD must name the httpd binary}"
: "${SSR_ASAN_RUNTIME:?SSR_ASAN_RUNTIME must name libasan.so}"
LD_PRELOAD="$SSR_ASAN_RUNTIME${LD_PRELOAD:+:$LD_PRELOAD}"
export LD_PRELOAD
if [ -n "${SSR_ASAN_HTTPD_OPTIONS:-}" ]; then
    ASAN_OPTIONS=$SSR_ASAN_HTTPD_OPTIONS
    export ASAN_OPTIONS
fi
exec "$SSR_ASAN_HTTPD" "$@"
