/*
 * check_text.c -- text crossing the engine boundary (ssr_text.c): request
 * bytes made into valid text for Duktape, Duktape's strings made into UTF-8.
 */
#include <string.h>

#include <apr_pools.h>

#include "check_suites.h"
#include "ssr_text.h"

static apr_pool_t *pool;

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

/* ssr_text_to_engine(in) == expect, both given with their lengths. */
static void engine_is(const char *in, apr_size_t in_len, const char *expect,
                      apr_size_t expect_len)
{
    apr_size_t n = 0;
    const char *out = ssr_text_to_engine(pool, in, in_len, &n);

    ck_assert_ptr_nonnull(out);
    ck_assert_msg(n == expect_len && memcmp(out, expect, n) == 0,
                  "to_engine of %zu bytes gave %zu bytes", in_len, n);
    ck_assert_int_eq(out[n], '\0');
}

static void utf8_is(const char *in, apr_size_t in_len, const char *expect,
                    apr_size_t expect_len)
{
    apr_size_t n = 0;
    const char *out = ssr_text_to_utf8(pool, in, in_len, &n);

    ck_assert_ptr_nonnull(out);
    ck_assert_msg(n == expect_len && memcmp(out, expect, n) == 0,
                  "to_utf8 of %zu bytes gave %zu bytes", in_len, n);
    ck_assert_int_eq(out[n], '\0');
}

#define ENGINE_IS(in, expect) \
    engine_is(in, sizeof(in) - 1, expect, sizeof(expect) - 1)
#define UTF8_IS(in, expect) \
    utf8_is(in, sizeof(in) - 1, expect, sizeof(expect) - 1)

#define FFFD "\xEF\xBF\xBD"

START_TEST(valid_text_is_not_copied)
{
    const char *in = "plain /caf\xC3\xA9 \xE2\x98\x83";
    apr_size_t n = 0;

    ck_assert_ptr_eq(ssr_text_to_engine(pool, in, strlen(in), &n), in);
    ck_assert_uint_eq(n, strlen(in));
}
END_TEST

START_TEST(symbol_prefixes_become_replacement)
{
    /* 0x80 and 0xFF as a first byte make a Duktape Symbol */
    ENGINE_IS("\x80" "abc", FFFD "abc");
    ENGINE_IS("\xFF" "abc", FFFD "abc");
    ENGINE_IS("\x82" "hidden", FFFD "hidden");
}
END_TEST

START_TEST(invalid_sequences_follow_whatwg)
{
    /* one U+FFFD per maximal subpart, the breaking byte read again */
    ENGINE_IS("a\xC3(b", "a" FFFD "(b");
    ENGINE_IS("\xE2\x98", FFFD);
    ENGINE_IS("\xE2\x98" "x", FFFD "x");
    ENGINE_IS("\xF0\x9F\x98", FFFD);
    ENGINE_IS("\xC0\xAF", FFFD FFFD);               /* overlong */
    ENGINE_IS("\xE0\x80\xAF", FFFD FFFD FFFD);       /* overlong */
    ENGINE_IS("\xED\xA0\x80", FFFD FFFD FFFD);       /* encoded surrogate */
    ENGINE_IS("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* > U+10FFFF */
    ENGINE_IS("\xF5" "a", FFFD "a");
    ENGINE_IS(FFFD, FFFD);                          /* a real U+FFFD stays */
}
END_TEST

START_TEST(non_bmp_becomes_a_surrogate_pair)
{
    /* U+1F600: JavaScript sees two code units, as in Node */
    ENGINE_IS("x\xF0\x9F\x98\x80y", "x\xED\xA0\xBD\xED\xB8\x80y");
}
END_TEST

START_TEST(embedded_nul_is_kept)
{
    ENGINE_IS("a\0\xFF", "a\0" FFFD);
}
END_TEST

START_TEST(utf8_joins_pairs_and_replaces_lone_surrogates)
{
    UTF8_IS("x\xED\xA0\xBD\xED\xB8\x80y", "x\xF0\x9F\x98\x80y");
    UTF8_IS("lone \xED\xA0\xBD.", "lone " FFFD ".");
    UTF8_IS("low \xED\xB8\x80.", "low " FFFD ".");
    UTF8_IS("\xED\xB8\x80\xED\xA0\xBD", FFFD FFFD);  /* reversed pair */
    UTF8_IS("caf\xC3\xA9", "caf\xC3\xA9");
    UTF8_IS("bad \xFF end", "bad " FFFD " end");
}
END_TEST

START_TEST(round_trip_of_every_bmp_character)
{
    unsigned cp;
    char in[4];
    apr_size_t n, m, len;
    const char *e, *u;

    for (cp = 0x80; cp < 0x10000; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            continue;
        }
        if (cp < 0x800) {
            in[0] = (char) (0xC0 | (cp >> 6));
            in[1] = (char) (0x80 | (cp & 0x3F));
            len = 2;
        }
        else {
            in[0] = (char) (0xE0 | (cp >> 12));
            in[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
            in[2] = (char) (0x80 | (cp & 0x3F));
            len = 3;
        }
        e = ssr_text_to_engine(pool, in, len, &n);
        u = ssr_text_to_utf8(pool, e, n, &m);
        ck_assert_msg(m == len && memcmp(u, in, len) == 0, "U+%04X", cp);
    }
}
END_TEST

Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("text");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, valid_text_is_not_copied);
    tcase_add_test(tc, symbol_prefixes_become_replacement);
    tcase_add_test(tc, invalid_sequences_follow_whatwg);
    tcase_add_test(tc, non_bmp_becomes_a_surrogate_pair);
    tcase_add_test(tc, embedded_nul_is_kept);
    tcase_add_test(tc, utf8_joins_pairs_and_replaces_lone_surrogates);
    tcase_add_test(tc, round_trip_of_every_bmp_character);
    suite_add_tcase(s, tc);
    return s;
}
