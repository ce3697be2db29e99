dnl SSR_LIB_APR: APR and APR-util, through pkg-config or apxs's apr-config.
AC_DEFUN([SSR_LIB_APR], [
  AC_REQUIRE([SSR_PROG_APXS])
  PKG_CHECK_MODULES([APR], [apr-1 apr-util-1], [], [
    APR_CONFIG=`$APXS -q APR_CONFIG 2>/dev/null`
    APU_CONFIG=`$APXS -q APU_CONFIG 2>/dev/null`
    AS_IF([test -z "$APR_CONFIG" || test ! -x "$APR_CONFIG"],
      [AC_MSG_ERROR([APR not found: install libapr1-dev and libaprutil1-dev])])
    APR_CFLAGS="`$APR_CONFIG --cppflags --cflags --includes` `$APU_CONFIG --includes`"
    APR_LIBS="`$APR_CONFIG --link-ld --libs` `$APU_CONFIG --link-ld --libs`"
  ])
  AC_SUBST([APR_CFLAGS])
  AC_SUBST([APR_LIBS])
])
