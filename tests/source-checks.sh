#!/bin/sh
# Checks on the module's sources that no compiler warning catches:
#
#  1. No mutex, pool or shared memory create call has its result thrown
#     away (such a call can fail, and what it was to create is then NULL).
#     A call that starts a statement is one whose status nobody looks at.
#  2. In ssr_build.c, an app's current generation is only touched with the
#     app's lock held: between apr_thread_mutex_lock(app->lock) and the
#     unlock, in the same function.  It is swapped by whichever request
#     loads a new build while other threads read it.
#  3. Plain slot directives use httpd's own setters: On/Off flags
#     ap_set_flag_slot, files ap_set_file_slot (ServerRoot-relative), so
#     they behave like every other module's.
#
# Run by `make check` (SSR_TEST_SRCDIR=<srcdir>/tests); by hand from the
# source tree:  sh tests/source-checks.sh

set -u

here=$(cd "$(dirname "$0")" && pwd)
src=${SSR_TEST_SRCDIR:-$here}/../mod_ssr
[ -f "$src/ssr_build.c" ] || { echo "source-checks: no sources in $src" >&2; exit 1; }

status=0

for f in mod_ssr.c ssr_build.c ssr_heaps.c ssr_dev.c ssr_stats.c ssr_tcache.c; do
  if grep -nE '^[[:space:]]*(\(void\)[[:space:]]*)?(apr|ap)_[a-z_]*(mutex|pool|shm)[a-z_]*_create[a-z_]*[[:space:]]*\(' \
       "$src/$f" | sed "s|^|$f:|" | grep .; then
    echo "source-checks: $f: a create call whose result is not checked (above)" >&2
    status=1
  fi
done

# A function starts at a line that begins with a letter and ends at "}" in
# column 0; the lock state does not carry over from one to the next.
awk '
  /^[A-Za-z]/ || /^}/                            { locked = 0 }
  /apr_thread_mutex_lock\(app->lock\)/          { locked = 1 }
  /apr_thread_mutex_unlock\(app->lock\)/        { locked = 0; next }
  /app->current/ && !locked && !/^[[:space:]]*\/?\*/ {
    printf "ssr_build.c:%d: app->current without app->lock: %s\n", NR, $0
    bad = 1
  }
  END { exit bad }
' "$src/ssr_build.c" >&2 || status=1

for d in SSREngine SSRLiveReload; do
  if ! grep -qE "AP_INIT_FLAG\(\"$d\", ap_set_flag_slot," "$src/mod_ssr.c"; then
    echo "source-checks: mod_ssr.c: $d is not set with ap_set_flag_slot" >&2
    status=1
  fi
done
if [ "$(grep -c 'ap_set_file_slot(' "$src/mod_ssr.c")" -eq 0 ]; then
  echo "source-checks: mod_ssr.c: file directives do not use ap_set_file_slot" >&2
  status=1
fi

[ $status -eq 0 ] && echo "source-checks: passed"
exit $status
