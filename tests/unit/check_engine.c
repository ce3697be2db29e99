/*
 * check_engine.c -- tests of the Duktape engine (ssr_engine.c).
 */
#include <apr_pools.h>

#include "check_suites.h"
#include "ssr_engine.h"

Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("engine");

    suite_add_tcase(s, tc);
    return s;
}
