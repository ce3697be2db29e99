/*
 * check_srcmap.c -- source maps of server bundles (ssr_srcmap.c): the JSON
 * read, the VLQ mappings, and stacks rewritten to the app's sources.
 */
#include <string.h>

#include <apr_pools.h>
#include <apr_strings.h>

#include "check_suites.h"
#include "ssr_srcmap.h"

static apr_pool_t *pool;

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

/* Line 1: one segment, a.js 1:1.  Line 2: none.  Line 3: columns 2 and 8,
 * App.jsx 2:1 and 2:7.  Line 4: column 4, App.jsx 2:9. */
#define MAP_JSON \
    "{\"version\":3,\"file\":\"entry-server.js\",\"sourceRoot\":\"../../\"," \
    "\"sources\":[\"src/a.js\",\"src\\/App.jsx\",null]," \
    "\"sourcesContent\":[\"x\\\"]}{[\",{\"nested\":[1,2,{\"a\":true}]},null]," \
    "\"names\":[],\"mappings\":\"AAAA;;ECCA,MAAM;IAAE\"," \
    "\"x_mod_ssr_build\":\"m1.abc\"}"

static ssr_srcmap_t *map_of(const char *json)
{
    ssr_srcmap_t *m = NULL;
    const char *err = NULL;

    ck_assert_int_eq(ssr_srcmap_parse(pool, json, strlen(json), &m, &err),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(m);
    return m;
}

static void pos_is(const ssr_srcmap_pos_t *p, const char *source, long line,
                   long col)
{
    if (source == NULL) {
        ck_assert_msg(p->source == NULL, "%ld:%ld mapped to %s:%ld:%ld",
                      p->line, p->col, p->source, p->src_line, p->src_col);
        return;
    }
    ck_assert_msg(p->source != NULL, "%ld:%ld not mapped", p->line, p->col);
    ck_assert_str_eq(p->source, source);
    ck_assert_int_eq(p->src_line, line);
    ck_assert_int_eq(p->src_col, col);
}

START_TEST(parse_keeps_sources_mappings_and_id)
{
    ssr_srcmap_t *m = map_of(MAP_JSON);

    ck_assert_int_eq(m->nsources, 3);
    ck_assert_str_eq(m->sources[0], "src/a.js");
    ck_assert_str_eq(m->sources[1], "src/App.jsx");
    ck_assert_ptr_null(m->sources[2]);
    ck_assert_str_eq(m->mappings, "AAAA;;ECCA,MAAM;IAAE");
    ck_assert_str_eq(m->build_id, "m1.abc");
}
END_TEST

START_TEST(parse_decodes_escapes)
{
    ssr_srcmap_t *m = map_of("{\"version\":3,\"sources\":"
                             "[\"caf\\u00e9\\ud83d\\ude00.js\",\"a\\nb\"],"
                             "\"mappings\":\"\"}");

    ck_assert_str_eq(m->sources[0], "caf\xC3\xA9\xF0\x9F\x98\x80.js");
    ck_assert_str_eq(m->sources[1], "a\nb");
    ck_assert_ptr_null(m->build_id);
}
END_TEST

START_TEST(parse_rejects_what_is_not_a_map)
{
    static const char *const bad[] = {
        "", "[]", "{", "{}", "null",
        "{\"version\":2,\"sources\":[],\"mappings\":\"\"}",
        "{\"version\":3,\"sources\":[]}",
        "{\"version\":3,\"mappings\":\"AAAA\"}",
        "{\"version\":3,\"sections\":[],\"sources\":[],\"mappings\":\"\"}",
        "{\"version\":3,\"sources\":[\"a.js],\"mappings\":\"\"}",
        "{\"version\":3,\"sources\":[1],\"mappings\":\"\"}",
        "{\"version\":3,\"sources\":[],\"mappings\":\"\",}",
        "{\"version\":3,\"sources\":[],\"mappings\":\"\\x\"}",
        "{\"version\":3 \"sources\":[],\"mappings\":\"\"}",
        "{\"version\":3,\"sources\":[],\"names\":[[[],\"mappings\":\"\"}",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ssr_srcmap_t *m = (ssr_srcmap_t *) 1;
        const char *err = NULL;

        ck_assert_msg(ssr_srcmap_parse(pool, bad[i], strlen(bad[i]), &m,
                                       &err) == APR_EINVAL,
                      "accepted %s", bad[i]);
        ck_assert_ptr_null(m);
        ck_assert_ptr_nonnull(err);
    }
}
END_TEST

START_TEST(lookup_by_line_and_column)
{
    ssr_srcmap_t *m = map_of(MAP_JSON);
    ssr_srcmap_pos_t p[] = {
        { 3, 10, NULL, 0, 0 },  /* after the second segment */
        { 1, -1, NULL, 0, 0 },
        { 3, -1, NULL, 0, 0 },  /* no column: the line's first segment */
        { 3, 5, NULL, 0, 0 },   /* between the two */
        { 3, 0, NULL, 0, 0 },   /* before the first: still the line */
        { 2, -1, NULL, 0, 0 },  /* a line without segments */
        { 4, -1, NULL, 0, 0 },  /* source fields carry over lines */
        { 9, -1, NULL, 0, 0 },  /* past the end */
        { 0, -1, NULL, 0, 0 },
    };

    ssr_srcmap_lookup(m, p, (int) (sizeof(p) / sizeof(p[0])));
    pos_is(&p[0], "src/App.jsx", 2, 7);
    pos_is(&p[1], "src/a.js", 1, 1);
    pos_is(&p[2], "src/App.jsx", 2, 1);
    pos_is(&p[3], "src/App.jsx", 2, 1);
    pos_is(&p[4], "src/App.jsx", 2, 1);
    pos_is(&p[5], NULL, 0, 0);
    pos_is(&p[6], "src/App.jsx", 2, 9);
    pos_is(&p[7], NULL, 0, 0);
    pos_is(&p[8], NULL, 0, 0);
}
END_TEST

START_TEST(lookup_decodes_large_and_negative_values)
{
    ssr_srcmap_t *m = map_of("{\"version\":3,\"sources\":[\"a.js\",\"b.js\"],"
                             "\"mappings\":\"AAgBgB,CCDD;ACAA\"}");
    ssr_srcmap_pos_t p[] = { { 1, 0, NULL, 0, 0 }, { 1, 1, NULL, 0, 0 },
                             { 2, -1, NULL, 0, 0 } };

    /* AAgBgB: col 0, src 0, line 16, col 16 (two digits); CCDD: col 1,
     * src 1, line 15, col 15 (negative deltas); ACAA: col 0, src 2 (out of range: not mapped) */
    ssr_srcmap_lookup(m, p, 3);
    pos_is(&p[0], "a.js", 17, 17);
    pos_is(&p[1], "b.js", 16, 16);
    pos_is(&p[2], NULL, 0, 0);
}
END_TEST

START_TEST(lookup_stops_at_malformed_mappings)
{
    static const char *const bad[] = {
        "AA!A;AAAA",                /* not Base64 */
        "AAAAAA;AAAA",              /* six fields */
        "g;AAAA",                   /* a number cut off */
        "ggggggggA;AAAA",           /* more than 32 bits */
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ssr_srcmap_t *m = map_of(apr_psprintf(pool, "{\"version\":3,"
                                              "\"sources\":[\"a.js\"],"
                                              "\"mappings\":\"%s\"}", bad[i]));
        ssr_srcmap_pos_t p[] = { { 2, -1, NULL, 0, 0 } };

        ssr_srcmap_lookup(m, p, 1);
        pos_is(&p[0], NULL, 0, 0);
    }
}
END_TEST

START_TEST(stack_frames_become_sources)
{
    ssr_srcmap_t *m = map_of(MAP_JSON);
    int n = -1;
    const char *out = ssr_srcmap_stack(
        pool, m,
        "TypeError: x\n"
        "    at App (/b/e.js:3) strict\n"
        "    at f (/b/e.js:3:11)\n"
        "    at g (/b/e.js:2)\n"
        "    at /b/e.js.map:3\n"
        "    at [anon] (ssr_runtime.js:5)", "/b/e.js", &n);

    ck_assert_str_eq(out,
        "TypeError: x\n"
        "    at App (src/App.jsx:2:1) strict\n"
        "    at f (src/App.jsx:2:7)\n"
        "    at g (/b/e.js:2)\n"
        "    at /b/e.js.map:3\n"
        "    at [anon] (ssr_runtime.js:5)");
    ck_assert_int_eq(n, 2);
}
END_TEST

START_TEST(stack_without_mapped_frames_is_unchanged)
{
    ssr_srcmap_t *m = map_of(MAP_JSON);
    const char *text = "Error: no frames\n    at g (/b/e.js:2)";
    int n = -1;

    ck_assert_ptr_eq(ssr_srcmap_stack(pool, m, text, "/b/e.js", &n), text);
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_eq(ssr_srcmap_stack(pool, NULL, text, "/b/e.js", &n), text);
    ck_assert_ptr_eq(ssr_srcmap_stack(pool, m, text, "", &n), text);
}
END_TEST

START_TEST(stack_maps_at_most_max_frames)
{
    ssr_srcmap_t *m = map_of(MAP_JSON);
    char *text = apr_pstrdup(pool, "E");
    const char *out, *s;
    int i, n = 0, count = 0;

    for (i = 0; i < SSR_SRCMAP_MAX_FRAMES + 10; i++) {
        text = apr_pstrcat(pool, text, "\n at (/b/e.js:1)", NULL);
    }
    out = ssr_srcmap_stack(pool, m, text, "/b/e.js", &n);
    ck_assert_int_eq(n, SSR_SRCMAP_MAX_FRAMES);
    for (s = out; (s = strstr(s, "src/a.js:1:1")) != NULL; s++) {
        count++;
    }
    ck_assert_int_eq(count, SSR_SRCMAP_MAX_FRAMES);
}
END_TEST

Suite *srcmap_suite(void)
{
    Suite *s = suite_create("srcmap");
    TCase *tc = tcase_create("srcmap");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, parse_keeps_sources_mappings_and_id);
    tcase_add_test(tc, parse_decodes_escapes);
    tcase_add_test(tc, parse_rejects_what_is_not_a_map);
    tcase_add_test(tc, lookup_by_line_and_column);
    tcase_add_test(tc, lookup_decodes_large_and_negative_values);
    tcase_add_test(tc, lookup_stops_at_malformed_mappings);
    tcase_add_test(tc, stack_frames_become_sources);
    tcase_add_test(tc, stack_without_mapped_frames_is_unchanged);
    tcase_add_test(tc, stack_maps_at_most_max_frames);
    suite_add_tcase(s, tc);
    return s;
}
