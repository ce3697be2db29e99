dnl SSR_LIB_CHECK: the Check unit test framework (Debian: check).  Without it
dnl the unit tests are not built and `make check` says so.
AC_DEFUN([SSR_LIB_CHECK], [
  PKG_CHECK_MODULES([CHECK], [check >= 0.11], [have_check=yes], [have_check=no])
  AM_CONDITIONAL([HAVE_CHECK], [test "$have_check" = yes])
])
