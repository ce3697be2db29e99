/*
 * check_result.c -- from render results to answers (ssr_result.c).
 */
#include <math.h>
#include <string.h>

#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "check_suites.h"
#include "ssr_result.h"

static apr_pool_t *pool;

/* What the log callback got. */
#define LOG_MAX 8
static int nlogs;
static int log_level[LOG_MAX];
static const char *log_msg[LOG_MAX];

static void capture_log(void *baton, int level, const char *msg)
{
    ck_assert_ptr_eq(baton, &nlogs);
    ck_assert_int_lt(nlogs, LOG_MAX);
    log_level[nlogs] = level;
    log_msg[nlogs] = apr_pstrdup(pool, msg);
    nlogs++;
}

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
    nlogs = 0;
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

/* A successful render of html, with nothing else set. */
static ssr_render_result_t ok_result(void)
{
    ssr_render_result_t r;

    memset(&r, 0, sizeof(r));
    r.status = SSR_RENDER_OK;
    r.is_object = 1;
    r.html = "<p>hi</p>";
    r.html_len = 9;
    r.headers = apr_array_make(pool, 4, sizeof(ssr_kv_t));
    return r;
}

static ssr_render_result_t threw(const char *code, const char *message)
{
    ssr_render_result_t r;

    memset(&r, 0, sizeof(r));
    r.status = SSR_RENDER_THREW;
    r.error_code = code;
    r.error_message = message;
    r.detail = "render threw";
    return r;
}

static void add_header(ssr_render_result_t *r, const char *name,
                       const char *value)
{
    ssr_kv_t *kv = apr_array_push(r->headers);

    kv->name = name;
    kv->value = value;
}

static ssr_plan_t plan_for(const ssr_render_result_t *r)
{
    ssr_plan_t plan;

    ssr_plan_result(pool, r, &plan, capture_log, &nlogs);
    ck_assert_ptr_nonnull(plan.headers);
    return plan;
}

static void expect_fail(const ssr_render_result_t *r)
{
    ssr_plan_t plan = plan_for(r);

    ck_assert_int_eq(plan.kind, SSR_PLAN_FAIL);
    ck_assert_ptr_nonnull(plan.why);
    ck_assert_uint_gt(strlen(plan.why), 0);
}

static void expect_header(const ssr_plan_t *plan, int i, const char *name,
                          const char *value)
{
    const ssr_kv_t *kv = &APR_ARRAY_IDX(plan->headers, i, ssr_kv_t);

    ck_assert_str_eq(kv->name, name);
    ck_assert_str_eq(kv->value, value);
}

START_TEST(header_names)
{
    char name[300];

    ck_assert_int_eq(ssr_header_name_valid("X-Foo"), 1);
    ck_assert_int_eq(ssr_header_name_valid("a"), 1);
    ck_assert_int_eq(ssr_header_name_valid("!#$%&'*+-.^_`|~09AZaz"), 1);
    ck_assert_int_eq(ssr_header_name_valid(NULL), 0);
    ck_assert_int_eq(ssr_header_name_valid(""), 0);
    ck_assert_int_eq(ssr_header_name_valid("X Foo"), 0);
    ck_assert_int_eq(ssr_header_name_valid("X:Foo"), 0);
    ck_assert_int_eq(ssr_header_name_valid("X-Foo:"), 0);
    ck_assert_int_eq(ssr_header_name_valid("X\r\nY"), 0);
    ck_assert_int_eq(ssr_header_name_valid("X\tY"), 0);
    ck_assert_int_eq(ssr_header_name_valid("(x)"), 0);
    ck_assert_int_eq(ssr_header_name_valid("a\"b"), 0);
    ck_assert_int_eq(ssr_header_name_valid("a/b"), 0);
    ck_assert_int_eq(ssr_header_name_valid("X-\xc3\xa9"), 0);
    ck_assert_int_eq(ssr_header_name_valid("X\x7f"), 0);

    memset(name, 'a', sizeof(name));
    name[256] = '\0';
    ck_assert_int_eq(ssr_header_name_valid(name), 1);
    name[256] = 'a';
    name[257] = '\0';
    ck_assert_int_eq(ssr_header_name_valid(name), 0);
}
END_TEST

START_TEST(header_values)
{
    ck_assert_int_eq(ssr_header_value_valid(""), 1);
    ck_assert_int_eq(ssr_header_value_valid("max-age=60, public"), 1);
    ck_assert_int_eq(ssr_header_value_valid("a\tb"), 1);
    ck_assert_int_eq(ssr_header_value_valid("caf\xc3\xa9"), 1);
    ck_assert_int_eq(ssr_header_value_valid("~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"), 1);
    ck_assert_int_eq(ssr_header_value_valid(NULL), 0);
    ck_assert_int_eq(ssr_header_value_valid("a\rb"), 0);
    ck_assert_int_eq(ssr_header_value_valid("a\nb"), 0);
    ck_assert_int_eq(ssr_header_value_valid("a\r\nSet-Cookie: x=1"), 0);
    ck_assert_int_eq(ssr_header_value_valid("\x01"), 0);
    ck_assert_int_eq(ssr_header_value_valid("a\x1f"), 0);
    ck_assert_int_eq(ssr_header_value_valid("a\x7f"), 0);
    ck_assert_int_eq(ssr_header_value_valid("\x0b"), 0);
}
END_TEST

START_TEST(reserved_headers)
{
    static const char *const reserved[] = {
        "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
        "Upgrade", "TE", "Trailer", "Proxy-Connection", "Content-Type",
        "Location", "Status", "Content-Encoding",
        "content-length", "CONTENT-TYPE", "te", "location", "sTaTuS",
    };
    static const char *const allowed[] = {
        "Cache-Control", "Set-Cookie", "ETag", "Server-Timing", "Vary",
        "Link", "X-Frame-Options", "Content-Language",
        "Content-Security-Policy", "Content-Type-Options", "Tee",
        "Content-Lengths", "Location2", "X-Status",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        ck_assert_msg(ssr_header_reserved(reserved[i]), "%s not reserved",
                      reserved[i]);
    }
    for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
        ck_assert_msg(!ssr_header_reserved(allowed[i]), "%s reserved",
                      allowed[i]);
    }
}
END_TEST

START_TEST(redirect_statuses)
{
    int s;

    for (s = 0; s < 1000; s++) {
        int expected = s == 301 || s == 302 || s == 303 || s == 307
                       || s == 308;

        ck_assert_int_eq(ssr_redirect_status_valid(s), expected);
    }
    ck_assert_int_eq(ssr_redirect_status_valid(-302), 0);
}
END_TEST

START_TEST(plan_page_default)
{
    ssr_render_result_t r = ok_result();
    ssr_plan_t plan = plan_for(&r);

    ck_assert_int_eq(plan.kind, SSR_PLAN_PAGE);
    ck_assert_int_eq(plan.status, 200);
    ck_assert_int_eq(plan.headers->nelts, 0);
    ck_assert_int_eq(plan.sets_cache_control, 0);
    ck_assert_ptr_null(plan.location);
    ck_assert_int_eq(nlogs, 0);

    /* A plain string result has no headers array at all. */
    r.is_object = 0;
    r.headers = NULL;
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_PAGE);
    ck_assert_int_eq(plan.status, 200);
    ck_assert_int_eq(plan.headers->nelts, 0);
}
END_TEST

START_TEST(plan_page_status)
{
    static const double good[] = { 100, 103, 199, 200, 201, 404, 410, 418,
                                   425, 451, 500, 503, 599 };
    apr_size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ssr_render_result_t r = ok_result();
        ssr_plan_t plan;

        r.has_status = 1;
        r.http_status = good[i];
        plan = plan_for(&r);
        ck_assert_int_eq(plan.kind, SSR_PLAN_PAGE);
        ck_assert_int_eq(plan.status, (int)good[i]);
    }
}
END_TEST

START_TEST(plan_page_bad_status)
{
    static const double bad[] = { 0, 99, 99.999, 199.5, 200.5, 404.1,
                                  599.5, 600, 1000, -404, 4294967496.0 };
    apr_size_t i;
    ssr_render_result_t r;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = ok_result();
        r.has_status = 1;
        r.http_status = bad[i];
        expect_fail(&r);
    }
    r = ok_result();
    r.has_status = 1;
    r.http_status = NAN;
    expect_fail(&r);
    r.http_status = INFINITY;
    expect_fail(&r);
    r.http_status = -INFINITY;
    expect_fail(&r);
}
END_TEST

START_TEST(plan_redirect_default)
{
    ssr_render_result_t r = ok_result();
    ssr_plan_t plan;

    r.redirect = "/login?next=%2F";
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_REDIRECT);
    ck_assert_int_eq(plan.status, 302);
    ck_assert_str_eq(plan.location, "/login?next=%2F");
}
END_TEST

START_TEST(plan_redirect_status)
{
    static const int good[] = { 301, 302, 303, 307, 308 };
    apr_size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ssr_render_result_t r = ok_result();
        ssr_plan_t plan;

        r.redirect = "https://example.com/";
        r.has_redirect_status = 1;
        r.redirect_status = good[i];
        plan = plan_for(&r);
        ck_assert_int_eq(plan.kind, SSR_PLAN_REDIRECT);
        ck_assert_int_eq(plan.status, good[i]);
        ck_assert_str_eq(plan.location, "https://example.com/");
    }
}
END_TEST

START_TEST(plan_redirect_bad)
{
    static const double bad[] = { 200, 300, 304, 305, 306, 309, 404, 301.5 };
    apr_size_t i;
    ssr_render_result_t r;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = ok_result();
        r.redirect = "/x";
        r.has_redirect_status = 1;
        r.redirect_status = bad[i];
        expect_fail(&r);
    }
    r = ok_result();
    r.redirect = "/x";
    r.has_redirect_status = 1;
    r.redirect_status = NAN;
    expect_fail(&r);

    r = ok_result();
    r.redirect = "";
    expect_fail(&r);
    r.redirect = "/x\r\nSet-Cookie: session=evil";
    expect_fail(&r);
    r.redirect = "/x\n";
    expect_fail(&r);
}
END_TEST

/* A redirect is a redirect whatever status the result also gives. */
START_TEST(plan_redirect_wins_over_status)
{
    ssr_render_result_t r = ok_result();
    ssr_plan_t plan;

    r.redirect = "/elsewhere";
    r.has_status = 1;
    r.http_status = 404;
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_REDIRECT);
    ck_assert_int_eq(plan.status, 302);
}
END_TEST

START_TEST(plan_headers_kept)
{
    ssr_render_result_t r = ok_result();
    ssr_plan_t plan;

    add_header(&r, "X-A", "1");
    add_header(&r, "Set-Cookie", "a=1; Path=/");
    add_header(&r, "Set-Cookie", "b=2");
    add_header(&r, "ETag", "\"v1\"");
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_PAGE);
    ck_assert_int_eq(plan.headers->nelts, 4);
    expect_header(&plan, 0, "X-A", "1");
    expect_header(&plan, 1, "Set-Cookie", "a=1; Path=/");
    expect_header(&plan, 2, "Set-Cookie", "b=2");
    expect_header(&plan, 3, "ETag", "\"v1\"");
    ck_assert_int_eq(plan.sets_cache_control, 0);
    ck_assert_int_eq(nlogs, 0);
}
END_TEST

START_TEST(plan_cache_control)
{
    ssr_render_result_t r = ok_result();
    ssr_plan_t plan;

    add_header(&r, "cache-control", "max-age=60");
    plan = plan_for(&r);
    ck_assert_int_eq(plan.sets_cache_control, 1);
    expect_header(&plan, 0, "cache-control", "max-age=60");

    /* A dropped Cache-Control does not count. */
    r = ok_result();
    add_header(&r, "Cache-Control", "a\r\nb");
    plan = plan_for(&r);
    ck_assert_int_eq(plan.sets_cache_control, 0);
    ck_assert_int_eq(plan.headers->nelts, 0);
    ck_assert_int_eq(nlogs, 1);
}
END_TEST

#define DROPPED "dropped response header \""

START_TEST(plan_headers_dropped_and_logged)
{
    ssr_render_result_t r = ok_result();
    ssr_plan_t plan;
    int i;

    add_header(&r, "X Bad", "1");
    add_header(&r, "X-Good", "ok");
    add_header(&r, "X-Split", "a\r\nInjected: 1");
    add_header(&r, "Content-Length", "5");
    add_header(&r, "location", "/x");
    add_header(&r, "X-Null", NULL);
    add_header(&r, NULL, "v");
    plan = plan_for(&r);

    ck_assert_int_eq(plan.kind, SSR_PLAN_PAGE);
    ck_assert_int_eq(plan.headers->nelts, 1);
    expect_header(&plan, 0, "X-Good", "ok");
    ck_assert_int_eq(nlogs, 6);
    for (i = 0; i < nlogs; i++) {
        ck_assert_int_eq(log_level[i], SSR_LOG_WARNING);
        ck_assert_msg(strncmp(log_msg[i], DROPPED, strlen(DROPPED)) == 0,
                      "log: %s", log_msg[i]);
        ck_assert_ptr_nonnull(strstr(log_msg[i], "\" from render: "));
    }
    ck_assert_ptr_nonnull(strstr(log_msg[0], "\"X Bad\""));
    ck_assert_ptr_nonnull(strstr(log_msg[1], "\"X-Split\""));
    ck_assert_ptr_nonnull(strstr(log_msg[2], "\"Content-Length\""));
    ck_assert_ptr_nonnull(strstr(log_msg[3], "\"location\""));
    ck_assert_ptr_nonnull(strstr(log_msg[4], "\"X-Null\""));
    /* The reasons differ: name, value, reserved. */
    ck_assert_str_ne(strstr(log_msg[0], ": "), strstr(log_msg[1], ": "));
    ck_assert_str_ne(strstr(log_msg[1], ": "), strstr(log_msg[2], ": "));
}
END_TEST

/* A name from the app must not be able to forge log lines or flood it. */
START_TEST(plan_dropped_name_escaped)
{
    ssr_render_result_t r = ok_result();
    char *long_name = apr_palloc(pool, 1001);

    memset(long_name, 'n', 1000);
    long_name[1000] = '\0';
    add_header(&r, "X\r\nFake: \"log\"\\\x01\xc3\xa9", "v");
    add_header(&r, long_name, "v");
    plan_for(&r);

    ck_assert_int_eq(nlogs, 2);
    ck_assert_ptr_null(strchr(log_msg[0], '\r'));
    ck_assert_ptr_null(strchr(log_msg[0], '\n'));
    ck_assert_ptr_nonnull(
        strstr(log_msg[0], "\"X\\x0d\\x0aFake: \\\"log\\\"\\\\\\x01\\xc3\\xa9\""));
    /* 64 characters of the name, then an ellipsis. */
    ck_assert_ptr_nonnull(strstr(log_msg[1], "nnn...\" from render"));
    ck_assert_ptr_null(strstr(log_msg[1],
        "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"));
    ck_assert_ptr_nonnull(strstr(log_msg[1],
        "\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn..."));
}
END_TEST

START_TEST(plan_redirect_carries_headers)
{
    ssr_render_result_t r = ok_result();
    ssr_plan_t plan;

    r.redirect = "/x";
    add_header(&r, "Set-Cookie", "s=1");
    add_header(&r, "Location", "/evil");
    add_header(&r, "Cache-Control", "no-store");
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_REDIRECT);
    ck_assert_str_eq(plan.location, "/x");
    ck_assert_int_eq(plan.headers->nelts, 2);
    expect_header(&plan, 0, "Set-Cookie", "s=1");
    expect_header(&plan, 1, "Cache-Control", "no-store");
    ck_assert_int_eq(plan.sets_cache_control, 1);
    ck_assert_int_eq(nlogs, 1);
}
END_TEST

START_TEST(plan_without_log)
{
    ssr_render_result_t r = ok_result();
    ssr_plan_t plan;

    add_header(&r, "Bad Name", "v");
    add_header(&r, "X-Ok", "v");
    ssr_plan_result(pool, &r, &plan, NULL, NULL);
    ck_assert_int_eq(plan.kind, SSR_PLAN_PAGE);
    ck_assert_int_eq(plan.headers->nelts, 1);
}
END_TEST

START_TEST(plan_loader_not_found)
{
    ssr_render_result_t r = threw("LOADER_NOT_FOUND", "Error: no route");
    ssr_plan_t plan = plan_for(&r);

    ck_assert_int_eq(plan.kind, SSR_PLAN_STATUS);
    ck_assert_int_eq(plan.status, 404);
    ck_assert_int_eq(plan.headers->nelts, 0);
}
END_TEST

START_TEST(plan_loader_timeout)
{
    ssr_render_result_t r = threw("LOADER_TIMEOUT", "Error: slow");
    ssr_plan_t plan = plan_for(&r);

    ck_assert_int_eq(plan.kind, SSR_PLAN_STATUS);
    ck_assert_int_eq(plan.status, 504);
}
END_TEST

START_TEST(plan_loader_redirect)
{
    ssr_render_result_t r = threw("LOADER_REDIRECT", "Error: redirect");
    ssr_plan_t plan;

    r.error_target = "/signin";
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_REDIRECT);
    ck_assert_int_eq(plan.status, 302);
    ck_assert_str_eq(plan.location, "/signin");

    r.has_error_status = 1;
    r.error_status = 308;
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_REDIRECT);
    ck_assert_int_eq(plan.status, 308);

    r.error_status = 303;
    plan = plan_for(&r);
    ck_assert_int_eq(plan.status, 303);
}
END_TEST

START_TEST(plan_loader_redirect_bad)
{
    ssr_render_result_t r = threw("LOADER_REDIRECT", "Error: redirect");

    r.error_target = NULL;
    expect_fail(&r);
    r.error_target = "";
    expect_fail(&r);
    r.error_target = "/a\r\nX: y";
    expect_fail(&r);

    r.error_target = "/ok";
    r.has_error_status = 1;
    r.error_status = 404;
    expect_fail(&r);
    r.error_status = 302.5;
    expect_fail(&r);
    r.error_status = NAN;
    expect_fail(&r);
}
END_TEST

START_TEST(plan_other_errors)
{
    ssr_render_result_t r = threw("ECONNREFUSED", "Error: connect refused");
    ssr_plan_t plan = plan_for(&r);

    ck_assert_int_eq(plan.kind, SSR_PLAN_FAIL);
    ck_assert_str_eq(plan.why, "Error: connect refused");

    /* No code at all. */
    r = threw(NULL, "TypeError: x is undefined");
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_FAIL);
    ck_assert_str_eq(plan.why, "TypeError: x is undefined");

    /* Codes are matched exactly. */
    r = threw("loader_not_found", "Error: lower case");
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_FAIL);
    r = threw("LOADER_NOT_FOUND_X", "Error: longer");
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_FAIL);

    /* Without a message, still a reason for the log. */
    r = threw("E", NULL);
    expect_fail(&r);
}
END_TEST

START_TEST(plan_timeout_aborted)
{
    ssr_render_result_t r;
    ssr_plan_t plan;

    memset(&r, 0, sizeof(r));
    r.status = SSR_RENDER_TIMEOUT;
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_STATUS);
    ck_assert_int_eq(plan.status, 504);
    ck_assert_ptr_nonnull(plan.why);

    r.status = SSR_RENDER_ABORTED;
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_STATUS);
    ck_assert_int_eq(plan.status, 503);
    ck_assert_ptr_nonnull(plan.why);
}
END_TEST

START_TEST(plan_engine_failures)
{
    static const ssr_render_status_e failures[] = {
        SSR_RENDER_NOMEM, SSR_RENDER_UNSETTLED, SSR_RENDER_BAD_VALUE
    };
    apr_size_t i;

    for (i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
        ssr_render_result_t r;
        ssr_plan_t plan;

        memset(&r, 0, sizeof(r));
        r.status = failures[i];
        r.detail = "the detail";
        plan = plan_for(&r);
        ck_assert_int_eq(plan.kind, SSR_PLAN_FAIL);
        ck_assert_str_eq(plan.why, "the detail");

        r.detail = NULL;
        expect_fail(&r);
    }
}
END_TEST

/* Whatever a render left behind, failures carry no headers from it. */
START_TEST(plan_fail_drops_headers)
{
    ssr_render_result_t r = ok_result();
    ssr_plan_t plan;

    add_header(&r, "X-A", "1");
    r.has_status = 1;
    r.http_status = 42;
    plan = plan_for(&r);
    ck_assert_int_eq(plan.kind, SSR_PLAN_FAIL);
    ck_assert_int_eq(plan.headers->nelts, 0);
}
END_TEST

Suite *result_suite(void)
{
    Suite *s = suite_create("result");
    TCase *tc = tcase_create("result");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, header_names);
    tcase_add_test(tc, header_values);
    tcase_add_test(tc, reserved_headers);
    tcase_add_test(tc, redirect_statuses);
    tcase_add_test(tc, plan_page_default);
    tcase_add_test(tc, plan_page_status);
    tcase_add_test(tc, plan_page_bad_status);
    tcase_add_test(tc, plan_redirect_default);
    tcase_add_test(tc, plan_redirect_status);
    tcase_add_test(tc, plan_redirect_bad);
    tcase_add_test(tc, plan_redirect_wins_over_status);
    tcase_add_test(tc, plan_headers_kept);
    tcase_add_test(tc, plan_cache_control);
    tcase_add_test(tc, plan_headers_dropped_and_logged);
    tcase_add_test(tc, plan_dropped_name_escaped);
    tcase_add_test(tc, plan_redirect_carries_headers);
    tcase_add_test(tc, plan_without_log);
    tcase_add_test(tc, plan_loader_not_found);
    tcase_add_test(tc, plan_loader_timeout);
    tcase_add_test(tc, plan_loader_redirect);
    tcase_add_test(tc, plan_loader_redirect_bad);
    tcase_add_test(tc, plan_other_errors);
    tcase_add_test(tc, plan_timeout_aborted);
    tcase_add_test(tc, plan_engine_failures);
    tcase_add_test(tc, plan_fail_drops_headers);
    suite_add_tcase(s, tc);
    return s;
}
