/*
 * check_url.c -- the URL render() gets, SSRBase, and asset-like paths
 * (ssr_url.c).
 */
#include <apr_pools.h>

#include "check_suites.h"
#include "ssr_url.h"

static apr_pool_t *pool;

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

START_TEST(render_url_is_node_replace)
{
    /* originalUrl.replace(base, ''), as the Vite template server does */
    ck_assert_str_eq(ssr_render_url(pool, "/", "/"), "");
    ck_assert_str_eq(ssr_render_url(pool, "/about?x=1", "/"), "about?x=1");
    ck_assert_str_eq(ssr_render_url(pool, "/app/about", "/app/"), "about");
    ck_assert_str_eq(ssr_render_url(pool, "/app", "/app/"), "/app");
    /* no base in it: unchanged, as replace() leaves it */
    ck_assert_str_eq(ssr_render_url(pool, "/other/x", "/app/"), "/other/x");
    /* the first occurrence, even in the query, as replace() does */
    ck_assert_str_eq(ssr_render_url(pool, "/x?to=/app/", "/app/"), "/x?to=");
    /* encoding is left alone */
    ck_assert_str_eq(ssr_render_url(pool, "/caf%C3%A9?q=a%20b", "/"),
                     "caf%C3%A9?q=a%20b");
}
END_TEST

START_TEST(decoded_path)
{
    ck_assert_str_eq(ssr_url_decoded_path(pool, "/caf%C3%A9?q=%20"), "/caf\xC3\xA9");
    ck_assert_str_eq(ssr_url_decoded_path(pool, "/ctx%3Fa=1"), "/ctx?a=1");
    ck_assert_str_eq(ssr_url_decoded_path(pool, "/a%2Fb%2f"), "/a%2Fb%2f");
    ck_assert_str_eq(ssr_url_decoded_path(pool, "/%80abc"), "/\x80" "abc");
    /* bad escapes and NUL: the raw path */
    ck_assert_str_eq(ssr_url_decoded_path(pool, "/a%zz"), "/a%zz");
    ck_assert_str_eq(ssr_url_decoded_path(pool, "/a%4"), "/a%4");
    ck_assert_str_eq(ssr_url_decoded_path(pool, "/a%"), "/a%");
    ck_assert_str_eq(ssr_url_decoded_path(pool, "/a%00b"), "/a%00b");
}
END_TEST

START_TEST(origin_form)
{
    ck_assert_str_eq(ssr_url_origin_form(pool, "/a%20b?c=%3F"), "/a%20b?c=%3F");
    ck_assert_str_eq(ssr_url_origin_form(pool, "http://h.example/a?b"), "/a?b");
    ck_assert_str_eq(ssr_url_origin_form(pool, "https://h.example:8443"), "/");
    ck_assert_str_eq(ssr_url_origin_form(pool, "http://h.example?q=1"), "/?q=1");
    ck_assert_str_eq(ssr_url_origin_form(pool, "/a#frag"), "/a");
    /* a colon later in the path is not a scheme */
    ck_assert_str_eq(ssr_url_origin_form(pool, "/a:b//c"), "/a:b//c");
}
END_TEST

START_TEST(in_base)
{
    ck_assert(ssr_url_in_base("/app/", "/app/"));
    ck_assert(ssr_url_in_base("/app", "/app/"));
    ck_assert(!ssr_url_in_base("/apple", "/app/"));
    ck_assert(ssr_url_in_base("/anything", "/"));
}
END_TEST

START_TEST(normalize_base)
{
    const char *out = NULL;

    ck_assert_ptr_null(ssr_normalize_base(pool, "/app", &out));
    ck_assert_str_eq(out, "/app/");
    ck_assert_ptr_null(ssr_normalize_base(pool, "/", &out));
    ck_assert_str_eq(out, "/");
    ck_assert_ptr_nonnull(ssr_normalize_base(pool, "app/", &out));
    ck_assert_ptr_nonnull(ssr_normalize_base(pool, "/a?b", &out));
    ck_assert_ptr_nonnull(ssr_normalize_base(pool, "", &out));
}
END_TEST

START_TEST(asset_like)
{
    ck_assert(ssr_url_asset_like("/assets/app.js"));
    ck_assert(ssr_url_asset_like("/favicon.ICO"));
    ck_assert(!ssr_url_asset_like("/about"));
    ck_assert(!ssr_url_asset_like("/docs/intro.html"));
    ck_assert(!ssr_url_asset_like("/docs/intro.HTM"));
    ck_assert(!ssr_url_asset_like("/v1.2/page"));    /* dot in a directory */
    ck_assert(!ssr_url_asset_like("/trailing."));
    ck_assert(!ssr_url_asset_like("/"));
}
END_TEST

Suite *url_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("url");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, render_url_is_node_replace);
    tcase_add_test(tc, origin_form);
    tcase_add_test(tc, decoded_path);
    tcase_add_test(tc, in_base);
    tcase_add_test(tc, normalize_base);
    tcase_add_test(tc, asset_like);
    suite_add_tcase(s, tc);
    return s;
}
