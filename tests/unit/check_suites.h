/*
 * check_suites.h -- the unit test suites, run together by check_main.c.
 */
#ifndef CHECK_SUITES_H
#define CHECK_SUITES_H

#include <check.h>

Suite *parse_suite(void);
Suite *config_suite(void);
Suite *template_suite(void);
Suite *result_suite(void);
Suite *reload_suite(void);
Suite *engine_suite(void);
Suite *ratelimit_suite(void);
Suite *url_suite(void);
Suite *text_suite(void);
Suite *natives_suite(void);
Suite *fetch_suite(void);
Suite *srcmap_suite(void);
Suite *arena_suite(void);

#endif /* CHECK_SUITES_H */
