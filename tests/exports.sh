#!/bin/sh
# The module's dynamic symbol table exports ssr_module and nothing else.
#
# httpd loads modules with RTLD_GLOBAL: every global symbol of mod_ssr.so
# (Duktape's duk_* functions, the ssr_* helpers) would be visible to other
# modules and libraries of the process and could interpose theirs, or be
# interposed by them (another module embedding its own Duktape, say).
#
# Run by `make check` with MOD_SSR_SO in the environment; by hand:
#   MOD_SSR_SO=apxs-build/.libs/mod_ssr.so sh tests/exports.sh

set -u

here=$(cd "$(dirname "$0")" && pwd)
so=${MOD_SSR_SO:-$here/../apxs-build/.libs/mod_ssr.so}
if [ ! -f "$so" ]; then
  echo "exports: mod_ssr.so not found at $so (run make)" >&2
  exit 1
fi
if ! command -v nm >/dev/null 2>&1; then
  echo "exports: nm not found; skipped" >&2
  exit 77
fi

# Defined dynamic symbols, minus what the linker adds to every shared
# object (section bounds, _init/_fini).
exported=$(nm -D --defined-only "$so" | awk '{ print $NF }' |
  grep -Ev '^(_init|_fini|_edata|_end|__bss_start|_DYNAMIC|_GLOBAL_OFFSET_TABLE_|_PROCEDURE_LINKAGE_TABLE_)$' |
  sort) || exit 1

if [ "$exported" != "ssr_module" ]; then
  n=$(printf '%s\n' "$exported" | grep -c .)
  echo "exports: $so exports $n symbols, expected only ssr_module:" >&2
  printf '%s\n' "$exported" | head -20 >&2
  [ "$n" -gt 20 ] && echo "..." >&2
  exit 1
fi
echo "exports: $so exports ssr_module only"
