/*
 * fuzz_template.c -- the template splitter (mod_ssr/ssr_template.c).
 *
 * Input: two bytes giving the lengths of head and html (each modulo what is
 * left), then head, then html, then the template.  The template is an exact
 * heap block, not NUL-terminated, as it is in shared memory.  A template
 * that splits is emitted and filled, and the page is checked against what
 * the split promises: the template with its first placeholder of each kind
 * replaced.
 */
#include "fuzz_common.h"

#include "../../mod_ssr/ssr_template.c"

typedef struct {
    char *buf;
    apr_size_t len;
    apr_size_t cap;
} fuzz_out_t;

static apr_status_t fuzz_write(void *baton, const char *data, apr_size_t len)
{
    fuzz_out_t *out = baton;

    FUZZ_CHECK(len > 0);                 /* empty pieces are not passed on */
    FUZZ_CHECK(out->len + len <= out->cap);
    memcpy(out->buf + out->len, data, len);
    out->len += len;
    return APR_SUCCESS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    apr_size_t head_len, html_len, tpl_len, want, filled_len, i;
    const char *head, *html, *err = NULL;
    char *tpl, *filled;
    ssr_template_t t;
    fuzz_out_t out;

    if (size < 2) {
        return 0;
    }
    head_len = data[0] % (size - 1);
    html_len = data[1] % (size - 1 - head_len);
    head = (const char *)data + 2;
    html = head + head_len;
    tpl_len = size - 2 - head_len - html_len;
    tpl = malloc(tpl_len ? tpl_len : 1);
    FUZZ_CHECK(tpl != NULL);
    memcpy(tpl, html + html_len, tpl_len);

    if (ssr_template_split(&t, tpl, tpl_len, &err) != APR_SUCCESS) {
        FUZZ_CHECK(err != NULL);
        free(tpl);
        return 0;
    }
    FUZZ_CHECK(t.nslots == 1 || t.nslots == 2);
    want = tpl_len;
    for (i = 0; i < (apr_size_t)t.nslots; i++) {
        const ssr_tpl_slot_t *s = &t.slot[i];

        FUZZ_CHECK(s->start < s->end && s->end <= tpl_len);
        FUZZ_CHECK(i == 0 || t.slot[i - 1].end <= s->start);
        want -= s->end - s->start;
        want += s->which == SSR_SLOT_HEAD ? head_len : html_len;
    }

    out.cap = want;
    out.len = 0;
    out.buf = malloc(want ? want : 1);
    FUZZ_CHECK(out.buf != NULL);
    FUZZ_CHECK(ssr_template_emit(&t, head, head_len, html, html_len,
                                 fuzz_write, &out) == APR_SUCCESS);
    FUZZ_CHECK(out.len == want);

    filled = ssr_template_fill(p, &t, head, head_len, html, html_len,
                               &filled_len);
    FUZZ_CHECK(filled != NULL && filled_len == want);
    FUZZ_CHECK(memcmp(filled, out.buf, want) == 0);

    /* Absent values are written as nothing. */
    filled = ssr_template_fill(p, &t, NULL, 0, NULL, 0, &filled_len);
    FUZZ_CHECK(filled != NULL);
    FUZZ_CHECK(filled_len == want - (t.nslots == 2 ? head_len : 0) - html_len);

    free(out.buf);
    free(tpl);
    return 0;
}
