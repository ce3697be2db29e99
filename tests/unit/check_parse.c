/*
 * check_parse.c -- directive value parsers (ssr_parse.c).
 */
#include <limits.h>

#include "check_suites.h"
#include "ssr_parse.h"

#define SENTINEL_TIME ((apr_interval_time_t)-12345)
#define SENTINEL_SIZE ((apr_size_t)12345)

/* Parses arg, which must succeed, and returns the value. */
static apr_interval_time_t duration_ok(const char *arg)
{
    apr_interval_time_t t = SENTINEL_TIME;
    const char *err = ssr_parse_duration(arg, &t);

    ck_assert_msg(err == NULL, "\"%s\" rejected: %s", arg, err);
    return t;
}

/* arg must be rejected with a message, and *out left alone. */
static void duration_bad(const char *arg)
{
    apr_interval_time_t t = SENTINEL_TIME;
    const char *err = ssr_parse_duration(arg, &t);

    ck_assert_msg(err != NULL, "\"%s\" accepted", arg ? arg : "(null)");
    ck_assert_msg(*err != '\0', "empty message for \"%s\"", arg);
    ck_assert_int_eq(t, SENTINEL_TIME);
}

static apr_interval_time_t interval_ok(const char *arg)
{
    apr_interval_time_t t = SENTINEL_TIME;
    const char *err = ssr_parse_interval(arg, &t);

    ck_assert_msg(err == NULL, "\"%s\" rejected: %s", arg, err);
    return t;
}

static void interval_bad(const char *arg)
{
    apr_interval_time_t t = SENTINEL_TIME;

    ck_assert_msg(ssr_parse_interval(arg, &t) != NULL, "\"%s\" accepted",
                  arg);
    ck_assert_int_eq(t, SENTINEL_TIME);
}

static apr_size_t size_ok(const char *arg)
{
    apr_size_t n = SENTINEL_SIZE;
    const char *err = ssr_parse_size(arg, &n);

    ck_assert_msg(err == NULL, "\"%s\" rejected: %s", arg, err);
    return n;
}

static void size_bad(const char *arg)
{
    apr_size_t n = SENTINEL_SIZE;
    const char *err = ssr_parse_size(arg, &n);

    ck_assert_msg(err != NULL, "\"%s\" accepted", arg ? arg : "(null)");
    ck_assert_msg(*err != '\0', "empty message for \"%s\"", arg);
    ck_assert_uint_eq(n, SENTINEL_SIZE);
}

static int count_ok(const char *arg)
{
    int n = -7;
    const char *err = ssr_parse_count(arg, &n);

    ck_assert_msg(err == NULL, "\"%s\" rejected: %s", arg, err);
    return n;
}

static void count_bad(const char *arg)
{
    int n = -7;
    const char *err = ssr_parse_count(arg, &n);

    ck_assert_msg(err != NULL, "\"%s\" accepted", arg ? arg : "(null)");
    ck_assert_int_eq(n, -7);
}

START_TEST(duration_units)
{
    ck_assert_int_eq(duration_ok("250ms"), apr_time_from_msec(250));
    ck_assert_int_eq(duration_ok("5s"), apr_time_from_sec(5));
    ck_assert_int_eq(duration_ok("5"), apr_time_from_sec(5));
    ck_assert_int_eq(duration_ok("1ms"), 1000);
    ck_assert_int_eq(duration_ok("1"), APR_USEC_PER_SEC);
    ck_assert_int_eq(duration_ok("007s"), apr_time_from_sec(7));
}
END_TEST

START_TEST(duration_case_insensitive)
{
    ck_assert_int_eq(duration_ok("250MS"), apr_time_from_msec(250));
    ck_assert_int_eq(duration_ok("250Ms"), apr_time_from_msec(250));
    ck_assert_int_eq(duration_ok("5S"), apr_time_from_sec(5));
}
END_TEST

START_TEST(duration_bounds)
{
    ck_assert_int_eq(duration_ok("3600"), apr_time_from_sec(3600));
    ck_assert_int_eq(duration_ok("3600s"), apr_time_from_sec(3600));
    ck_assert_int_eq(duration_ok("3600000ms"), apr_time_from_sec(3600));
    duration_bad("3601");
    duration_bad("3600001ms");
    duration_bad("0");
    duration_bad("0s");
    duration_bad("0ms");
}
END_TEST

START_TEST(duration_garbage)
{
    duration_bad(NULL);
    duration_bad("");
    duration_bad("-1");
    duration_bad("-5s");
    duration_bad("+5");
    duration_bad(" 5");
    duration_bad("5 s");
    duration_bad("5s ");
    duration_bad("s");
    duration_bad("ms");
    duration_bad("5x");
    duration_bad("5m");
    duration_bad("5sec");
    duration_bad("5mss");
    duration_bad("1.5s");
    duration_bad("0x10");
    duration_bad("abc");
}
END_TEST

START_TEST(duration_overflow)
{
    /* Would wrap around to something small if parsed carelessly. */
    duration_bad("18446744073709551617");
    duration_bad("99999999999999999999999999ms");
    duration_bad("9223372036854775807s");
    /* * 10^6 wraps a 64-bit value around to 448384 (under half a second). */
    duration_bad("18446744073710");
    duration_bad("18446744073710s");
    /* * 1000 wraps to 384 microseconds */
    duration_bad("18446744073709552ms");
}
END_TEST

START_TEST(duration_messages_differ)
{
    apr_interval_time_t t;
    const char *negative = ssr_parse_duration("-1s", &t);
    const char *zero = ssr_parse_duration("0", &t);
    const char *large = ssr_parse_duration("2h", &t);
    const char *big = ssr_parse_duration("7200", &t);

    ck_assert_ptr_nonnull(negative);
    ck_assert_ptr_nonnull(zero);
    ck_assert_ptr_nonnull(large);
    ck_assert_ptr_nonnull(big);
    /* Each problem is named, not one catch-all message. */
    ck_assert_str_ne(negative, zero);
    ck_assert_str_ne(zero, big);
    ck_assert_str_ne(large, big);
}
END_TEST

START_TEST(interval_zero)
{
    ck_assert_int_eq(interval_ok("0"), 0);
    ck_assert_int_eq(interval_ok("0s"), 0);
    ck_assert_int_eq(interval_ok("0ms"), 0);
    ck_assert_int_eq(interval_ok("1"), apr_time_from_sec(1));
    ck_assert_int_eq(interval_ok("10ms"), apr_time_from_msec(10));
    ck_assert_int_eq(interval_ok("3600"), apr_time_from_sec(3600));
    interval_bad("3601");
    interval_bad("-0");
    interval_bad("");
    interval_bad("1h");
}
END_TEST

START_TEST(size_units)
{
    ck_assert_uint_eq(size_ok("128M"), (apr_size_t)128 << 20);
    ck_assert_uint_eq(size_ok("1024K"), (apr_size_t)1 << 20);
    ck_assert_uint_eq(size_ok("1G"), (apr_size_t)1 << 30);
    ck_assert_uint_eq(size_ok("1048576"), (apr_size_t)1 << 20);
    ck_assert_uint_eq(size_ok("1048576B"), (apr_size_t)1 << 20);
    ck_assert_uint_eq(size_ok("2000000"), 2000000);
}
END_TEST

START_TEST(size_suffix_forms)
{
    ck_assert_uint_eq(size_ok("128m"), (apr_size_t)128 << 20);
    ck_assert_uint_eq(size_ok("128MB"), (apr_size_t)128 << 20);
    ck_assert_uint_eq(size_ok("128mb"), (apr_size_t)128 << 20);
    ck_assert_uint_eq(size_ok("128Mb"), (apr_size_t)128 << 20);
    ck_assert_uint_eq(size_ok("2048kB"), (apr_size_t)2 << 20);
    ck_assert_uint_eq(size_ok("2g"), (apr_size_t)2 << 30);
    ck_assert_uint_eq(size_ok("2GB"), (apr_size_t)2 << 30);
    size_bad("128MBB");
    size_bad("128BM");
    size_bad("128T");
    size_bad("128 M");
    size_bad("128Mi");
    size_bad("128MiB");
}
END_TEST

START_TEST(size_bounds)
{
    ck_assert_uint_eq(size_ok("1M"), (apr_size_t)1 << 20);
    size_bad("1048575");
    size_bad("1023K");
    size_bad("512K");
    size_bad("0");
    size_bad("0M");
    ck_assert_uint_eq(size_ok("64G"), (apr_size_t)64 << 30);
    ck_assert_uint_eq(size_ok("68719476736"), (apr_size_t)64 << 30);
    size_bad("68719476737");
    size_bad("65G");
    size_bad("65537M");
    ck_assert_uint_eq(size_ok("65536M"), (apr_size_t)64 << 30);
}
END_TEST

START_TEST(size_garbage)
{
    size_bad(NULL);
    size_bad("");
    size_bad("M");
    size_bad("-1M");
    size_bad("+1M");
    size_bad("1.5G");
    size_bad(" 128M");
    size_bad("128M ");
    size_bad("lots");
    size_bad("99999999999999999999999G");
    /* * 2^30, 2^20, 2^10 wrap a 64-bit value around to 1G, 1M, ~2M. */
    size_bad("17179869185G");
    size_bad("17592186044417M");
    size_bad("18014398509483986K");
}
END_TEST

START_TEST(count_values)
{
    ck_assert_int_eq(count_ok("0"), 0);
    ck_assert_int_eq(count_ok("1"), 1);
    ck_assert_int_eq(count_ok("1000"), 1000);
    ck_assert_int_eq(count_ok("2147483647"), INT_MAX);
    count_bad("2147483648");
    count_bad("4294967296");
    count_bad("99999999999999999999999");
    count_bad(NULL);
    count_bad("");
    count_bad("-1");
    count_bad("+1");
    count_bad("1k");
    count_bad("1.0");
    count_bad(" 1");
    count_bad("ten");
}
END_TEST

START_TEST(env_names)
{
    ck_assert_int_eq(ssr_env_name_valid("FOO"), 1);
    ck_assert_int_eq(ssr_env_name_valid("_"), 1);
    ck_assert_int_eq(ssr_env_name_valid("_x9"), 1);
    ck_assert_int_eq(ssr_env_name_valid("a1_B2"), 1);
    ck_assert_int_eq(ssr_env_name_valid("NODE_ENV"), 1);
    ck_assert_int_eq(ssr_env_name_valid(NULL), 0);
    ck_assert_int_eq(ssr_env_name_valid(""), 0);
    ck_assert_int_eq(ssr_env_name_valid("1A"), 0);
    ck_assert_int_eq(ssr_env_name_valid("A-B"), 0);
    ck_assert_int_eq(ssr_env_name_valid("A B"), 0);
    ck_assert_int_eq(ssr_env_name_valid("A="), 0);
    ck_assert_int_eq(ssr_env_name_valid("A.b"), 0);
    ck_assert_int_eq(ssr_env_name_valid("\xc3\xa9t\xc3\xa9"), 0);
    ck_assert_int_eq(ssr_env_name_valid("A\xc3\xa9"), 0);
}
END_TEST

START_TEST(period_values)
{
    static const char *const bad[] = { "", "0", "0d", "-1h", "1.5h", "1w",
                                       "367d", "1 h", "h", "99999999999999999999",
                                       NULL };
    apr_interval_time_t t;
    int i;

    ck_assert_ptr_null(ssr_parse_period("90", &t));
    ck_assert_int_eq(t, apr_time_from_sec(90));
    ck_assert_ptr_null(ssr_parse_period("30m", &t));
    ck_assert_int_eq(t, apr_time_from_sec(1800));
    ck_assert_ptr_null(ssr_parse_period("24H", &t));
    ck_assert_int_eq(t, apr_time_from_sec(86400));
    ck_assert_ptr_null(ssr_parse_period("366d", &t));
    ck_assert_int_eq(t, apr_time_from_sec(366 * 86400));
    for (i = 0; bad[i]; i++) {
        t = SENTINEL_TIME;
        ck_assert_msg(ssr_parse_period(bad[i], &t) != NULL, "\"%s\" accepted", bad[i]);
        ck_assert_int_eq(t, SENTINEL_TIME);
    }
}
END_TEST

Suite *parse_suite(void)
{
    Suite *s = suite_create("parse");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, duration_units);
    tcase_add_test(tc, duration_case_insensitive);
    tcase_add_test(tc, duration_bounds);
    tcase_add_test(tc, duration_garbage);
    tcase_add_test(tc, duration_overflow);
    tcase_add_test(tc, duration_messages_differ);
    tcase_add_test(tc, interval_zero);
    tcase_add_test(tc, size_units);
    tcase_add_test(tc, size_suffix_forms);
    tcase_add_test(tc, size_bounds);
    tcase_add_test(tc, size_garbage);
    tcase_add_test(tc, count_values);
    tcase_add_test(tc, env_names);
    tcase_add_test(tc, period_values);
    suite_add_tcase(s, tc);
    return s;
}
