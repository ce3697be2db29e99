/*
 * check_main.c -- runs every unit test suite; exits non-zero on failure.
 */
#include <stdlib.h>

#include <apr_general.h>

#include "check_suites.h"

int main(void)
{
    SRunner *sr;
    int failed;

    /* Before the runner forks, so every test's process inherits it. */
    if (apr_initialize() != APR_SUCCESS) {
        return EXIT_FAILURE;
    }
    atexit(apr_terminate);

    sr = srunner_create(parse_suite());
    srunner_add_suite(sr, config_suite());
    srunner_add_suite(sr, template_suite());
    srunner_add_suite(sr, result_suite());
    srunner_add_suite(sr, reload_suite());
    srunner_add_suite(sr, engine_suite());
    srunner_add_suite(sr, ratelimit_suite());
    srunner_add_suite(sr, url_suite());
    srunner_add_suite(sr, text_suite());
    srunner_add_suite(sr, natives_suite());
    srunner_add_suite(sr, fetch_suite());
    srunner_add_suite(sr, srcmap_suite());
    srunner_add_suite(sr, arena_suite());

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
