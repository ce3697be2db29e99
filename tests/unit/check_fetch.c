/*
 * check_fetch.c -- fetch()'s policy: resolving URLs against the page,
 * origins, SSRFetchAllow prefixes and private addresses (ssr_fetch.c).
 */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "check_suites.h"
#include "ssr_fetch.h"

static apr_pool_t *pool;

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

static const char *resolve(const char *base, const char *url)
{
    const char *why = NULL;
    const char *out = ssr_fetch_resolve(pool, base, url, &why);

    return out ? out : apr_pstrcat(pool, "ERR ", why, NULL);
}

START_TEST(resolves_against_the_page)
{
    const char *page = "http://Example.COM/shop/item?id=3#top";

    ck_assert_str_eq(resolve(page, "/api/x.json"),
                     "http://example.com/api/x.json");
    ck_assert_str_eq(resolve(page, "data.json"),
                     "http://example.com/shop/data.json");
    ck_assert_str_eq(resolve(page, "../up.json?a=1"),
                     "http://example.com/up.json?a=1");
    ck_assert_str_eq(resolve(page, "?q=2"), "http://example.com/shop/item?q=2");
    ck_assert_str_eq(resolve(page, "//api.example.com/v1"),
                     "http://api.example.com/v1");
    ck_assert_str_eq(resolve(page, "https://API.example.com:443/v1#frag"),
                     "https://api.example.com/v1");
    ck_assert_str_eq(resolve(NULL, "http://u:p@h.example:8080/x"),
                     "http://h.example:8080/x");
}
END_TEST

START_TEST(refuses_other_schemes)
{
    ck_assert(strncmp(resolve(NULL, "file:///etc/passwd"), "ERR ", 4) == 0);
    ck_assert(strstr(resolve("http://a/", "file:///etc/passwd"), "scheme") != NULL);
    ck_assert(strstr(resolve("http://a/", "ftp://a/x"), "scheme") != NULL);
    ck_assert(strstr(resolve("http://a/", "gopher://a/x"), "scheme") != NULL);
    ck_assert(strncmp(resolve(NULL, "/relative"), "ERR ", 4) == 0);
    ck_assert(strncmp(resolve("http://a/", "/x\r\nHost: b"), "ERR ", 4) == 0);
}
END_TEST

START_TEST(origins)
{
    ck_assert_str_eq(ssr_fetch_origin(pool, "http://example.com/a?b"),
                     "http://example.com");
    ck_assert_str_eq(ssr_fetch_origin(pool, "http://example.com:8080/a"),
                     "http://example.com:8080");
    ck_assert_str_eq(ssr_fetch_origin(pool, "https://[::1]:8443/"),
                     "https://[::1]:8443");
}
END_TEST

START_TEST(prefixes)
{
    const char *why = NULL;
    const char *o = ssr_fetch_normalize_prefix(pool, "https://API.example.com",
                                               &why);
    const char *v1 = ssr_fetch_normalize_prefix(pool,
                                                "https://api.example.com/v1",
                                                &why);

    ck_assert_str_eq(o, "https://api.example.com/");
    ck_assert(ssr_fetch_prefix_match("https://api.example.com/x", o));
    ck_assert(!ssr_fetch_prefix_match("https://api.example.com.evil.net/x", o));
    ck_assert(!ssr_fetch_prefix_match("http://api.example.com/x", o));
    ck_assert(!ssr_fetch_prefix_match("https://api.example.com:444/x", o));
    ck_assert(ssr_fetch_prefix_match("https://api.example.com/v1", v1));
    ck_assert(ssr_fetch_prefix_match("https://api.example.com/v1/users", v1));
    ck_assert(ssr_fetch_prefix_match("https://api.example.com/v1?x", v1));
    ck_assert(!ssr_fetch_prefix_match("https://api.example.com/v10", v1));
    ck_assert_ptr_null(ssr_fetch_normalize_prefix(pool, "api.example.com",
                                                  &why));
    ck_assert_ptr_null(ssr_fetch_normalize_prefix(pool, "https://a/?q", &why));
    ck_assert_ptr_null(ssr_fetch_normalize_prefix(pool, "file:///x", &why));
}
END_TEST

START_TEST(routes)
{
    ssr_fetch_policy_t pol;
    apr_array_header_t *allow = apr_array_make(pool, 1, sizeof(const char *));
    const char *abs, *why;

    memset(&pol, 0, sizeof(pol));
    APR_ARRAY_PUSH(allow, const char *) = "https://api.example.com/v1/";
    pol.page_url = "https://shop.example.com/p/1";
    pol.allow = allow;
    ck_assert_int_eq(ssr_fetch_route(pool, &pol, "/api/x", &abs, &why),
                     SSR_FETCH_SAME_ORIGIN);
    ck_assert_str_eq(abs, "https://shop.example.com/api/x");
    ck_assert_int_eq(ssr_fetch_route(pool, &pol,
                                     "https://shop.example.com:443/y", &abs,
                                     &why), SSR_FETCH_SAME_ORIGIN);
    /* same host, other scheme: another origin */
    ck_assert_int_eq(ssr_fetch_route(pool, &pol, "http://shop.example.com/y",
                                     &abs, &why), SSR_FETCH_REFUSED);
    ck_assert_int_eq(ssr_fetch_route(pool, &pol,
                                     "https://api.example.com/v1/users", &abs,
                                     &why), SSR_FETCH_ALLOWED);
    ck_assert_int_eq(ssr_fetch_route(pool, &pol,
                                     "https://api.example.com/v2/users", &abs,
                                     &why), SSR_FETCH_REFUSED);
    ck_assert(strstr(why, "SSRFetchAllow") != NULL);
    ck_assert_int_eq(ssr_fetch_route(pool, &pol, "file:///etc/passwd", &abs,
                                     &why), SSR_FETCH_REFUSED);
}
END_TEST

static int private4(const char *ip)
{
    struct sockaddr_in a;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &a.sin_addr);
    return ssr_fetch_private_addr(&a);
}

static int private6(const char *ip)
{
    struct sockaddr_in6 a;

    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return ssr_fetch_private_addr(&a);
}

START_TEST(private_addresses)
{
    ck_assert(private4("127.0.0.1"));
    ck_assert(private4("10.1.2.3"));
    ck_assert(private4("172.16.0.1"));
    ck_assert(private4("172.31.255.255"));
    ck_assert(!private4("172.32.0.1"));
    ck_assert(private4("192.168.1.1"));
    ck_assert(private4("169.254.169.254"));
    ck_assert(private4("0.0.0.0"));
    ck_assert(!private4("93.184.216.34"));
    ck_assert(private6("::1"));
    ck_assert(private6("fe80::1"));
    ck_assert(private6("fd00::1"));
    ck_assert(private6("::ffff:127.0.0.1"));
    ck_assert(!private6("2606:4700::1111"));
}
END_TEST

Suite *fetch_suite(void)
{
    Suite *s = suite_create("fetch");
    TCase *tc = tcase_create("policy");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, resolves_against_the_page);
    tcase_add_test(tc, refuses_other_schemes);
    tcase_add_test(tc, origins);
    tcase_add_test(tc, prefixes);
    tcase_add_test(tc, routes);
    tcase_add_test(tc, private_addresses);
    suite_add_tcase(s, tc);
    return s;
}
