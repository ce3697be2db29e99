/*
 * ssr_natives.c -- C versions of hot JavaScript helpers of server renderers
 * (see ssr_natives.h and docs/performance.md).
 */
#include <string.h>

#include "ssr_natives.h"

/* The mode bits that make each byte an escape: 0 for every byte but the
 * five characters (both apostrophe spellings select the apostrophe). */
static const unsigned char ssr__esc_class[256] = {
    ['&'] = SSR_ESC_AMP,
    ['<'] = SSR_ESC_LT,
    ['>'] = SSR_ESC_GT,
    ['"'] = SSR_ESC_QUOT,
    ['\''] = SSR_ESC_APOS | SSR_ESC_APOS_X,
};

static const char *ssr__esc_text(unsigned char c, unsigned mode)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    default:
        return (mode & SSR_ESC_APOS) ? "&#39;" : "&#x27;";
    }
}

size_t ssr_escape_html(const unsigned char *in, size_t len, unsigned mode,
                       unsigned char *out)
{
    size_t i, n = 0, start;

    mode &= 0x3f;
    /* most strings have nothing to escape: find the first one that does */
    for (i = 0; i < len; i++) {
        if (ssr__esc_class[in[i]] & mode) {
            break;
        }
    }
    if (i == len) {
        return len;
    }
    if (out != NULL) {
        memcpy(out, in, i);
    }
    n = i;
    start = i;
    for (; i < len; i++) {
        const char *e;
        size_t elen;

        if (!(ssr__esc_class[in[i]] & mode)) {
            continue;
        }
        e = ssr__esc_text(in[i], mode);
        elen = strlen(e);
        if (out != NULL) {
            memcpy(out + n, in + start, i - start);
            memcpy(out + n + (i - start), e, elen);
        }
        n += (i - start) + elen;
        start = i + 1;
    }
    if (out != NULL) {
        memcpy(out + n, in + start, len - start);
    }
    return n + (len - start);
}

/* __modSsrEscapeHtml(string, mode) -> string.  Strings only: the helpers
 * that call it coerce other values themselves, each its own way. */
static duk_ret_t ssr__escape_html(duk_context *ctx)
{
    duk_size_t len, outlen;
    const unsigned char *in;
    unsigned mode;
    void *buf;

    if (!duk_is_string(ctx, 0) || duk_is_symbol(ctx, 0)) {
        return duk_error(ctx, DUK_ERR_TYPE_ERROR,
                         SSR_NATIVE_ESCAPE_NAME ": not a string");
    }
    mode = (unsigned) duk_to_uint32(ctx, 1);
    in = (const unsigned char *) duk_get_lstring(ctx, 0, &len);
    outlen = ssr_escape_html(in, len, mode, NULL);
    if (outlen == len) {
        duk_dup(ctx, 0);
        return 1;
    }
    /* the buffer is the heap's: an error (out of memory) cannot leak it */
    buf = duk_push_fixed_buffer(ctx, outlen);
    in = (const unsigned char *) duk_get_lstring(ctx, 0, &len);
    ssr_escape_html(in, len, mode, buf);
    duk_buffer_to_string(ctx, -1);
    return 1;
}

void ssr_natives_register(duk_context *ctx)
{
    duk_push_global_object(ctx);
    duk_push_string(ctx, SSR_NATIVE_ESCAPE_NAME);
    duk_push_c_function(ctx, ssr__escape_html, 2);
    duk_push_string(ctx, "name");
    duk_push_string(ctx, SSR_NATIVE_ESCAPE_NAME);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WEC);
    duk_pop(ctx);
}
