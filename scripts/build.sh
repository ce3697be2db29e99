#!/usr/bin/env bash
# Builds mod_ssr in the source tree: installs missing build dependencies,
# generates and runs configure when needed, then make.
# Extra configure options can be given in CONFIGURE_FLAGS, e.g.
#   CONFIGURE_FLAGS=--with-apxs=/usr/local/apache2/bin/apxs scripts/build.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/deps.sh"

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    echo "build: autoreconf -fi"
    autoreconf -fi
fi

if [ ! -f Makefile ]; then
    echo "build: ./configure ${CONFIGURE_FLAGS:-}"
    # shellcheck disable=SC2086  # CONFIGURE_FLAGS is a list of options
    ./configure ${CONFIGURE_FLAGS:-}
fi

echo "build: make"
make -j2
