/*
 * ssr_template.c -- splitting the template at its placeholders, and
 * writing a page from the split form.
 */
#include <string.h>

#include "ssr_template.h"

/* Offset of the first needle in hay[0..len), or len when it is absent.
 * The template is not a C string (it may hold NUL bytes, and is not
 * NUL-terminated when it comes from shared memory), so strstr() won't do. */
static apr_size_t find(const char *hay, apr_size_t len, const char *needle)
{
    apr_size_t nlen = strlen(needle);
    apr_size_t i;

    if (hay == NULL || len < nlen) {
        return len;
    }
    for (i = 0; i + nlen <= len; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0) {
            return i;
        }
    }
    return len;
}

static void set_slot(ssr_tpl_slot_t *slot, apr_size_t start,
                     const char *ph, ssr_slot_e which)
{
    slot->start = start;
    slot->end = start + strlen(ph);
    slot->which = which;
}

apr_status_t ssr_template_split(ssr_template_t *t, const char *bytes,
                                apr_size_t len, const char **err)
{
    const char *html_ph = SSR_PH_HTML;
    apr_size_t html_at = find(bytes, len, html_ph);
    apr_size_t head_at = find(bytes, len, SSR_PH_HEAD);
    ssr_tpl_slot_t html_slot;

    memset(t, 0, sizeof(*t));
    t->bytes = bytes;
    t->len = len;

    /* The outlet is only a synonym: when both are present, <!--app-html-->
     * is the one the standard server fills and the outlet stays as text. */
    if (html_at == len) {
        html_ph = SSR_PH_OUTLET;
        html_at = find(bytes, len, html_ph);
    }
    if (html_at == len) {
        *err = "the template has no " SSR_PH_HTML " (or " SSR_PH_OUTLET
               ") placeholder for the app's HTML";
        return APR_EINVAL;
    }
    set_slot(&html_slot, html_at, html_ph, SSR_SLOT_HTML);

    /* The two placeholders cannot overlap (neither ends with a prefix of
     * the other), so ordering them by start is enough. */
    if (head_at == len) {
        t->slot[0] = html_slot;
        t->nslots = 1;
    }
    else if (head_at < html_at) {
        set_slot(&t->slot[0], head_at, SSR_PH_HEAD, SSR_SLOT_HEAD);
        t->slot[1] = html_slot;
        t->nslots = 2;
    }
    else {
        t->slot[0] = html_slot;
        set_slot(&t->slot[1], head_at, SSR_PH_HEAD, SSR_SLOT_HEAD);
        t->nslots = 2;
    }
    return APR_SUCCESS;
}

/* Empty pieces are not passed on: a writer that makes a bucket per call
 * should not get empty ones. */
static apr_status_t put(ssr_write_fn write, void *baton, const char *data,
                        apr_size_t len)
{
    if (len == 0 || data == NULL) {
        return APR_SUCCESS;
    }
    return write(baton, data, len);
}

apr_status_t ssr_template_emit(const ssr_template_t *t,
                               const char *head, apr_size_t head_len,
                               const char *html, apr_size_t html_len,
                               ssr_write_fn write, void *baton)
{
    apr_size_t pos = 0;
    apr_status_t rv;
    int i;

    for (i = 0; i < t->nslots; i++) {
        const ssr_tpl_slot_t *slot = &t->slot[i];
        int is_head = slot->which == SSR_SLOT_HEAD;

        rv = put(write, baton, t->bytes + pos, slot->start - pos);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        rv = put(write, baton, is_head ? head : html,
                 is_head ? head_len : html_len);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        pos = slot->end;
    }
    return put(write, baton, t->bytes + pos, t->len - pos);
}

typedef struct {
    char *buf;
    apr_size_t used;
} fill_ctx;

static apr_status_t fill_write(void *baton, const char *data, apr_size_t len)
{
    fill_ctx *ctx = baton;

    memcpy(ctx->buf + ctx->used, data, len);
    ctx->used += len;
    return APR_SUCCESS;
}

char *ssr_template_fill(apr_pool_t *p, const ssr_template_t *t,
                        const char *head, apr_size_t head_len,
                        const char *html, apr_size_t html_len,
                        apr_size_t *out_len)
{
    apr_size_t total = t->len;
    fill_ctx ctx;
    int i;

    if (head == NULL) {
        head_len = 0;
    }
    if (html == NULL) {
        html_len = 0;
    }
    /* Size the buffer exactly: the placeholders go, the values come in. */
    for (i = 0; i < t->nslots; i++) {
        const ssr_tpl_slot_t *slot = &t->slot[i];

        total -= slot->end - slot->start;
        total += slot->which == SSR_SLOT_HEAD ? head_len : html_len;
    }
    ctx.buf = apr_palloc(p, total + 1);
    ctx.used = 0;
    ssr_template_emit(t, head, head_len, html, html_len, fill_write, &ctx);
    ctx.buf[ctx.used] = '\0';
    if (out_len != NULL) {
        *out_len = ctx.used;
    }
    return ctx.buf;
}
