/*
 * check_template.c -- splitting the template and filling it
 * (ssr_template.c).
 */
#include <string.h>

#include <apr_pools.h>
#include <apr_strings.h>

#include "check_suites.h"
#include "ssr_template.h"

static apr_pool_t *pool;

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

/* Splits a C string, which must succeed. */
static ssr_template_t split_ok(const char *tpl)
{
    ssr_template_t t;
    const char *err = NULL;
    apr_status_t rv = ssr_template_split(&t, tpl, strlen(tpl), &err);

    ck_assert_msg(rv == APR_SUCCESS, "split failed: %s", err);
    ck_assert_ptr_eq(t.bytes, tpl);
    ck_assert_uint_eq(t.len, strlen(tpl));
    return t;
}

static const char *fill(const ssr_template_t *t, const char *head,
                        const char *html)
{
    apr_size_t len = 12345;
    char *out = ssr_template_fill(pool, t, head, head ? strlen(head) : 0,
                                  html, html ? strlen(html) : 0, &len);

    ck_assert_uint_eq(len, strlen(out));
    return out;
}

static void expect_slot(const ssr_template_t *t, int i, apr_size_t start,
                        apr_size_t end, ssr_slot_e which)
{
    ck_assert_uint_eq(t->slot[i].start, start);
    ck_assert_uint_eq(t->slot[i].end, end);
    ck_assert_int_eq(t->slot[i].which, which);
}

START_TEST(split_both)
{
    const char *tpl = "<head><!--app-head--></head><div><!--app-html--></div>";
    ssr_template_t t = split_ok(tpl);

    ck_assert_int_eq(t.nslots, 2);
    expect_slot(&t, 0, 6, 6 + 15, SSR_SLOT_HEAD);
    expect_slot(&t, 1, 33, 33 + 15, SSR_SLOT_HTML);
    ck_assert_str_eq(fill(&t, "<title>T</title>", "<p>hi</p>"),
                     "<head><title>T</title></head><div><p>hi</p></div>");
}
END_TEST

START_TEST(split_html_only)
{
    const char *tpl = "<div id=app><!--app-html--></div>";
    ssr_template_t t = split_ok(tpl);

    ck_assert_int_eq(t.nslots, 1);
    expect_slot(&t, 0, 12, 27, SSR_SLOT_HTML);
    /* A head with nowhere to go is dropped, as the standard server does. */
    ck_assert_str_eq(fill(&t, "<meta x>", "APP"), "<div id=app>APP</div>");
}
END_TEST

START_TEST(split_outlet)
{
    const char *tpl = "<head><!--app-head--></head><!--ssr-outlet-->!";
    ssr_template_t t = split_ok(tpl);

    ck_assert_int_eq(t.nslots, 2);
    expect_slot(&t, 0, 6, 21, SSR_SLOT_HEAD);
    expect_slot(&t, 1, 28, 28 + 17, SSR_SLOT_HTML);
    ck_assert_str_eq(fill(&t, "H", "B"), "<head>H</head>B!");
}
END_TEST

/* <!--ssr-outlet--> is only a synonym: with <!--app-html--> present, the
 * outlet is ordinary text, even when it comes first. */
START_TEST(split_html_preferred_over_outlet)
{
    const char *tpl = "<!--ssr-outlet-->|<!--app-html-->";
    ssr_template_t t = split_ok(tpl);

    ck_assert_int_eq(t.nslots, 1);
    expect_slot(&t, 0, 18, 33, SSR_SLOT_HTML);
    ck_assert_str_eq(fill(&t, NULL, "X"), "<!--ssr-outlet-->|X");
}
END_TEST

START_TEST(split_first_occurrence_only)
{
    const char *tpl = "<!--app-head--><!--app-html-->-<!--app-html--><!--app-head-->";
    ssr_template_t t = split_ok(tpl);

    ck_assert_int_eq(t.nslots, 2);
    expect_slot(&t, 0, 0, 15, SSR_SLOT_HEAD);
    expect_slot(&t, 1, 15, 30, SSR_SLOT_HTML);
    ck_assert_str_eq(fill(&t, "H", "B"), "HB-<!--app-html--><!--app-head-->");
}
END_TEST

START_TEST(split_head_after_html)
{
    const char *tpl = "<body><!--app-html--></body><!--app-head-->";
    ssr_template_t t = split_ok(tpl);

    ck_assert_int_eq(t.nslots, 2);
    expect_slot(&t, 0, 6, 21, SSR_SLOT_HTML);
    expect_slot(&t, 1, 28, 43, SSR_SLOT_HEAD);
    ck_assert_str_eq(fill(&t, "<h>", "<b>"), "<body><b></body><h>");
}
END_TEST

START_TEST(split_placeholders_at_edges)
{
    const char *tpl = "<!--app-html--><!--app-head-->";
    ssr_template_t t = split_ok(tpl);

    ck_assert_int_eq(t.nslots, 2);
    expect_slot(&t, 0, 0, 15, SSR_SLOT_HTML);
    expect_slot(&t, 1, 15, 30, SSR_SLOT_HEAD);
    ck_assert_str_eq(fill(&t, "h", "b"), "bh");
    ck_assert_str_eq(fill(&t, NULL, NULL), "");
}
END_TEST

START_TEST(split_no_html_placeholder)
{
    const char *cases[] = {
        "<head><!--app-head--></head><body></body>",
        "<!--app-htm-->",
        "<!-- app-html -->",
        "<!--APP-HTML-->",
        "",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ssr_template_t t;
        const char *err = NULL;
        apr_status_t rv = ssr_template_split(&t, cases[i], strlen(cases[i]),
                                             &err);

        ck_assert_int_eq(rv, APR_EINVAL);
        ck_assert_ptr_nonnull(err);
        ck_assert_ptr_nonnull(strstr(err, "<!--app-html-->"));
    }
}
END_TEST

/* The length is what counts, not a terminating NUL: the bytes may come from
 * shared memory or a file buffer. */
START_TEST(split_respects_len)
{
    const char *buf = "abc<!--app-html-->";
    ssr_template_t t;
    const char *err = NULL;

    ck_assert_int_eq(ssr_template_split(&t, buf, strlen(buf) - 1, &err),
                     APR_EINVAL);
    ck_assert_ptr_nonnull(err);

    /* The placeholder is found behind a NUL byte. */
    {
        static const char bin[] = "a\0b<!--app-html-->c";
        apr_size_t len = sizeof(bin) - 1;
        apr_size_t out_len = 0;
        char *out;

        ck_assert_int_eq(ssr_template_split(&t, bin, len, &err), APR_SUCCESS);
        ck_assert_int_eq(t.nslots, 1);
        expect_slot(&t, 0, 3, 18, SSR_SLOT_HTML);
        out = ssr_template_fill(pool, &t, NULL, 0, "XY", 2, &out_len);
        ck_assert_uint_eq(out_len, 6);
        ck_assert_mem_eq(out, "a\0bXYc", 7);
    }
}
END_TEST

/* Insertion is literal: no "$&"-style patterns. */
START_TEST(fill_literal)
{
    ssr_template_t t = split_ok("[<!--app-head-->][<!--app-html-->]");

    ck_assert_str_eq(fill(&t, "$&$'", "$1$`$$"), "[$&$'][$1$`$$]");
    /* A value holding a placeholder is not expanded again. */
    ck_assert_str_eq(fill(&t, "<!--app-html-->", "<!--app-head-->"),
                     "[<!--app-html-->][<!--app-head-->]");
}
END_TEST

START_TEST(fill_uses_lengths)
{
    ssr_template_t t = split_ok("<!--app-head-->|<!--app-html-->|");
    apr_size_t len = 0;
    char *out = ssr_template_fill(pool, &t, "headXXX", 4, "htmlYYY", 2,
                                  &len);

    ck_assert_uint_eq(len, 8);
    ck_assert_str_eq(out, "head|ht|");
}
END_TEST

START_TEST(fill_null_values)
{
    ssr_template_t t = split_ok("a<!--app-head-->b<!--app-html-->c");

    ck_assert_str_eq(fill(&t, NULL, NULL), "abc");
    ck_assert_str_eq(fill(&t, "H", NULL), "aHbc");
    ck_assert_str_eq(fill(&t, NULL, "B"), "abBc");
    /* A NULL value with a stray length is still nothing. */
    {
        apr_size_t len = 0;
        char *out = ssr_template_fill(pool, &t, NULL, 99, NULL, 7, &len);

        ck_assert_uint_eq(len, 3);
        ck_assert_str_eq(out, "abc");
    }
}
END_TEST

/* Collects what emit writes, piece by piece. */
typedef struct {
    int calls;
    int fail_at;            /* call number that fails; 0 = none */
    const char *piece[8];
    apr_size_t len[8];
} sink_t;

static apr_status_t sink_write(void *baton, const char *data, apr_size_t len)
{
    sink_t *s = baton;

    s->calls++;
    if (s->calls == s->fail_at) {
        return APR_EGENERAL;
    }
    ck_assert_int_le(s->calls, 8);
    s->piece[s->calls - 1] = apr_pstrmemdup(pool, data, len);
    s->len[s->calls - 1] = len;
    return APR_SUCCESS;
}

START_TEST(emit_pieces_in_order)
{
    ssr_template_t t = split_ok("A<!--app-head-->B<!--app-html-->C");
    sink_t s;

    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(ssr_template_emit(&t, "h", 1, "hh", 2, sink_write, &s),
                     APR_SUCCESS);
    ck_assert_int_eq(s.calls, 5);
    ck_assert_str_eq(s.piece[0], "A");
    ck_assert_str_eq(s.piece[1], "h");
    ck_assert_str_eq(s.piece[2], "B");
    ck_assert_str_eq(s.piece[3], "hh");
    ck_assert_str_eq(s.piece[4], "C");
}
END_TEST

START_TEST(emit_skips_empty_pieces)
{
    ssr_template_t t = split_ok("<!--app-head--><!--app-html-->");
    sink_t s;
    int i;

    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(ssr_template_emit(&t, NULL, 0, "x", 1, sink_write, &s),
                     APR_SUCCESS);
    ck_assert_int_eq(s.calls, 1);
    ck_assert_str_eq(s.piece[0], "x");
    for (i = 0; i < s.calls; i++) {
        ck_assert_uint_gt(s.len[i], 0);
    }
}
END_TEST

START_TEST(emit_stops_on_error)
{
    ssr_template_t t = split_ok("A<!--app-head-->B<!--app-html-->C");
    sink_t s;

    memset(&s, 0, sizeof(s));
    s.fail_at = 2;
    ck_assert_int_eq(ssr_template_emit(&t, "h", 1, "b", 1, sink_write, &s),
                     APR_EGENERAL);
    ck_assert_int_eq(s.calls, 2);
}
END_TEST

/* The split form is plain offsets: a copy pointed at a copy of the bytes
 * (as the shared-memory cache does) fills the same. */
START_TEST(split_form_is_relocatable)
{
    const char *tpl = "<h><!--app-head--></h><!--app-html-->";
    ssr_template_t t = split_ok(tpl);
    ssr_template_t copy = t;

    copy.bytes = apr_pstrdup(pool, tpl);
    ck_assert_ptr_ne(copy.bytes, t.bytes);
    ck_assert_str_eq(fill(&copy, "H", "B"), fill(&t, "H", "B"));
    ck_assert_str_eq(fill(&copy, "H", "B"), "<h>H</h>B");
}
END_TEST

Suite *template_suite(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("template");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, split_both);
    tcase_add_test(tc, split_html_only);
    tcase_add_test(tc, split_outlet);
    tcase_add_test(tc, split_html_preferred_over_outlet);
    tcase_add_test(tc, split_first_occurrence_only);
    tcase_add_test(tc, split_head_after_html);
    tcase_add_test(tc, split_placeholders_at_edges);
    tcase_add_test(tc, split_no_html_placeholder);
    tcase_add_test(tc, split_respects_len);
    tcase_add_test(tc, fill_literal);
    tcase_add_test(tc, fill_uses_lengths);
    tcase_add_test(tc, fill_null_values);
    tcase_add_test(tc, emit_pieces_in_order);
    tcase_add_test(tc, emit_skips_empty_pieces);
    tcase_add_test(tc, emit_stops_on_error);
    tcase_add_test(tc, split_form_is_relocatable);
    suite_add_tcase(s, tc);
    return s;
}
