dnl SSR_PROG_APXS: find apxs (--with-apxs=PATH overrides) and ask it where
dnl httpd's headers and modules are.
AC_DEFUN([SSR_PROG_APXS], [
  AC_ARG_WITH([apxs],
    [AS_HELP_STRING([--with-apxs=PATH], [path to httpd's apxs tool])],
    [APXS="$withval"], [APXS=""])
  AS_IF([test -z "$APXS" || test "$APXS" = yes],
    [AC_PATH_PROGS([APXS], [apxs apxs2], [], [$PATH:/usr/bin:/usr/sbin:/usr/local/apache2/bin])])
  AS_IF([test -z "$APXS" || test ! -x "$APXS"],
    [AC_MSG_ERROR([apxs not found: install httpd's development files (Debian: apache2-dev) or pass --with-apxs=PATH])])
  APXS_INCLUDEDIR=`$APXS -q INCLUDEDIR`
  APXS_LIBEXECDIR=`$APXS -q LIBEXECDIR`
  APXS_CFLAGS=`$APXS -q CFLAGS`
  AS_IF([test ! -f "$APXS_INCLUDEDIR/httpd.h"],
    [AC_MSG_ERROR([httpd.h not found in $APXS_INCLUDEDIR (from $APXS)])])
  AC_SUBST([APXS])
  AC_SUBST([APXS_INCLUDEDIR])
  AC_SUBST([APXS_LIBEXECDIR])
  AC_SUBST([APXS_CFLAGS])
])
