dnl SSR_DUKTAPE_SOURCE: the Duktape amalgamation (duktape.c, duktape.h and the
dnl packaged duk_config.h our build derives its own from).  Debian's
dnl duktape-dev installs it in /usr/share/duktape.
AC_DEFUN([SSR_DUKTAPE_SOURCE], [
  AC_ARG_WITH([duktape-src],
    [AS_HELP_STRING([--with-duktape-src=DIR],
      [directory with duktape.c, duktape.h and duk_config.h (default: /usr/share/duktape)])],
    [DUKTAPE_SRC="$withval"], [DUKTAPE_SRC=/usr/share/duktape])
  AC_MSG_CHECKING([for the Duktape amalgamation in $DUKTAPE_SRC])
  for f in duktape.c duktape.h duk_config.h; do
    AS_IF([test ! -f "$DUKTAPE_SRC/$f"], [
      AC_MSG_RESULT([no])
      AC_MSG_ERROR([$DUKTAPE_SRC/$f not found: install duktape-dev or pass --with-duktape-src=DIR])])
  done
  AS_IF([! $GREP -q '^#undef DUK_USE_EXEC_TIMEOUT_CHECK$' "$DUKTAPE_SRC/duk_config.h" ||
         ! $GREP -q '^#undef DUK_USE_INTERRUPT_COUNTER$' "$DUKTAPE_SRC/duk_config.h"], [
    AC_MSG_RESULT([no])
    AC_MSG_ERROR([$DUKTAPE_SRC/duk_config.h is not a Duktape 2.x default config (cannot enable the exec timeout check)])])
  AC_MSG_RESULT([yes])
  AC_SUBST([DUKTAPE_SRC])
  AC_CHECK_LIB([m], [floor])
])
