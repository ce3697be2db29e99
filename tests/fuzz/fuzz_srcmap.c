/*
 * fuzz_srcmap.c -- source maps of server bundles (mod_ssr/ssr_srcmap.c).
 *
 * Input: any bytes, read twice: as the JSON of a map (ssr_srcmap_parse must
 * accept or refuse it without reading past the input), and as the
 * "mappings" of a map with three sources, looked up at a spread of lines
 * and columns and used to rewrite a stack.  Every mapped position must
 * name one of the map's sources with a line and column of at least 1, and
 * a rewritten stack must keep the text around the frames.
 */
#include "fuzz_common.h"

#include "../../mod_ssr/ssr_srcmap.c"

static void fuzz_lookups(apr_pool_t *p, const ssr_srcmap_t *m)
{
    ssr_srcmap_pos_t pos[8];
    const char *out;
    int i, j, n = 0;

    for (i = 0; i < 8; i++) {
        pos[i].line = (long) (i * 3) - 1;
        pos[i].col = (i % 3 == 0) ? -1 : (long) (i * 7);
    }
    ssr_srcmap_lookup(m, pos, 8);
    for (i = 0; i < 8; i++) {
        int known = 0;

        if (pos[i].source == NULL) {
            continue;
        }
        for (j = 0; j < m->nsources; j++) {
            known |= pos[i].source == m->sources[j];
        }
        FUZZ_CHECK(known);
        FUZZ_CHECK(pos[i].src_line >= 1 && pos[i].src_col >= 1);
    }
    out = ssr_srcmap_stack(p, m, "E: x\n    at f (/b.js:2) strict\n"
                           "    at g (/b.js:5:3)\n    at h (/b.js:99999999999)",
                           "/b.js", &n);
    FUZZ_CHECK(out != NULL && n >= 0 && n <= 3);
    FUZZ_CHECK(strncmp(out, "E: x\n    at f (", 15) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    static const char *const sources[] = { "a.js", "src/App.jsx", NULL };
    ssr_srcmap_t *m = NULL, fixed;
    const char *err = NULL;
    char *exact = malloc(size ? size : 1);
    char *copy;

    /* the parser gets a block of exactly size bytes, no NUL after them:
     * a read past the end is caught */
    memcpy(exact, data, size);
    if (ssr_srcmap_parse(p, exact, size, &m, &err) == APR_SUCCESS) {
        FUZZ_CHECK(m != NULL && err == NULL && m->mappings != NULL);
        FUZZ_CHECK(m->nsources >= 0 && m->nsources <= SSR_SRCMAP_MAX_SOURCES);
        fuzz_lookups(p, m);
    }
    else {
        FUZZ_CHECK(m == NULL && err != NULL);
    }
    free(exact);
    copy = fuzz_cstr(data, size);
    fixed.mappings = copy;
    fixed.mappings_len = size;
    fixed.sources = (const char **) sources;
    fixed.nsources = 3;
    fixed.build_id = NULL;
    fuzz_lookups(p, &fixed);
    free(copy);
    return 0;
}
