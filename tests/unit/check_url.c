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
    ck_assert_ptr_null(ssr_render_url(pool, "/other/x", "/app/"));
    /* only the path decides: a base in the query does not count */
    ck_assert_ptr_null(ssr_render_url(pool, "/x?to=/app/", "/app/"));
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
    tcase_add_test(tc, in_base);
    tcase_add_test(tc, normalize_base);
    tcase_add_test(tc, asset_like);
    suite_add_tcase(s, tc);
    return s;
}
