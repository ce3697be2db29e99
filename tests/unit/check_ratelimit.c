/*
 * check_ratelimit.c -- log rate limiting (ssr_ratelimit.c).
 */
#include <string.h>

#include "check_suites.h"
#include "ssr_ratelimit.h"

#define SEC(n) apr_time_from_sec(n)

START_TEST(burst_then_hold_back)
{
    ssr_ratelimit_t rl;
    int held = -1, i, allowed = 0;

    memset(&rl, 0, sizeof(rl));
    for (i = 0; i < 25; i++) {
        allowed += ssr_ratelimit_allow(&rl, SEC(100) + i, 10, SEC(10), &held);
    }
    ck_assert_int_eq(allowed, 10);
    ck_assert_int_eq(held, 0);
    ck_assert_int_eq(rl.held_back, 15);
}
END_TEST

START_TEST(next_window_reports_what_was_held_back)
{
    ssr_ratelimit_t rl;
    int held = -1, i;

    memset(&rl, 0, sizeof(rl));
    for (i = 0; i < 13; i++) {
        ssr_ratelimit_allow(&rl, SEC(100), 10, SEC(10), &held);
    }
    ck_assert(!ssr_ratelimit_allow(&rl, SEC(109), 10, SEC(10), &held));
    ck_assert(ssr_ratelimit_allow(&rl, SEC(110), 10, SEC(10), &held));
    ck_assert_int_eq(held, 4);
    ck_assert(ssr_ratelimit_allow(&rl, SEC(110), 10, SEC(10), &held));
    ck_assert_int_eq(held, 0);
}
END_TEST

START_TEST(clock_going_back_opens_a_window)
{
    ssr_ratelimit_t rl;
    int held = -1, i;

    memset(&rl, 0, sizeof(rl));
    for (i = 0; i < 10; i++) {
        ck_assert(ssr_ratelimit_allow(&rl, SEC(100), 10, SEC(10), &held));
    }
    ck_assert(!ssr_ratelimit_allow(&rl, SEC(100), 10, SEC(10), &held));
    ck_assert(ssr_ratelimit_allow(&rl, SEC(50), 10, SEC(10), &held));
    ck_assert_int_eq(held, 1);
}
END_TEST

Suite *ratelimit_suite(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("ratelimit");

    tcase_add_test(tc, burst_then_hold_back);
    tcase_add_test(tc, next_window_reports_what_was_held_back);
    tcase_add_test(tc, clock_going_back_opens_a_window);
    suite_add_tcase(s, tc);
    return s;
}
