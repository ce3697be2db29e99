/*
 * ssr_text.c -- text crossing the engine boundary (see ssr_text.h).
 */
#include <string.h>

#include <apr_strings.h>

#include "ssr_text.h"

#define SSR_TEXT_REPLACEMENT 0xFFFDu
#define SSR_TEXT_INVALID 0xFFFFFFFFu

/* One character of UTF-8 at s[0..len), by the WHATWG decoder's rules: an
 * invalid sequence yields SSR_TEXT_INVALID and consumes its maximal valid
 * prefix (at least one byte), so the byte that broke it is read again.  With
 * surrogates set, ED A0..BF (the halves of a CESU-8 pair) are accepted as
 * characters too.  Returns the number of bytes consumed. */
static apr_size_t ssr__decode(const unsigned char *s, apr_size_t len,
                              int surrogates, unsigned *cp)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    apr_size_t need, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        c &= 0x1F;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) {
            lo = 0xA0;
        }
        else if (c == 0xED && !surrogates) {
            hi = 0x9F;
        }
        c &= 0x0F;
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) {
            lo = 0x90;
        }
        else if (c == 0xF4) {
            hi = 0x8F;
        }
        c &= 0x07;
    }
    else {
        *cp = SSR_TEXT_INVALID;
        return 1;
    }
    for (i = 1; i <= need; i++) {
        if (i >= len || s[i] < lo || s[i] > hi) {
            *cp = SSR_TEXT_INVALID;
            return i;
        }
        c = (c << 6) | (s[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = c;
    return need + 1;
}

static int ssr__is_surrogate(unsigned cp)
{
    return cp >= 0xD800 && cp <= 0xDFFF;
}

static unsigned char *ssr__put(unsigned char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (unsigned char) cp;
    }
    else if (cp < 0x800) {
        *o++ = (unsigned char) (0xC0 | (cp >> 6));
        *o++ = (unsigned char) (0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000) {
        *o++ = (unsigned char) (0xE0 | (cp >> 12));
        *o++ = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char) (0x80 | (cp & 0x3F));
    }
    else {
        *o++ = (unsigned char) (0xF0 | (cp >> 18));
        *o++ = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
        *o++ = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char) (0x80 | (cp & 0x3F));
    }
    return o;
}

/* Worst-case output buffer: 3 bytes (U+FFFD) per input byte, plus NUL. */
static unsigned char *ssr__out_buffer(apr_pool_t *p, apr_size_t len)
{
    if (len > (APR_SIZE_MAX - 1) / 3) {
        return NULL;
    }
    return apr_palloc(p, len * 3 + 1);
}

/* Valid UTF-8 without 4-byte sequences reads the same in Duktape. */
static int ssr__engine_ready(const unsigned char *s, apr_size_t len)
{
    apr_size_t i = 0, n;
    unsigned cp;

    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        n = ssr__decode(s + i, len - i, 0, &cp);
        if (cp == SSR_TEXT_INVALID || n == 4) {
            return 0;
        }
        i += n;
    }
    return 1;
}

const char *ssr_text_to_engine(apr_pool_t *p, const char *in, apr_size_t len,
                               apr_size_t *out_len)
{
    const unsigned char *s = (const unsigned char *) in;
    unsigned char *out, *o;
    apr_size_t i = 0;
    unsigned cp;

    if (ssr__engine_ready(s, len)) {
        *out_len = len;
        return in;
    }
    o = out = ssr__out_buffer(p, len);
    if (out == NULL) {
        return NULL;
    }
    while (i < len) {
        i += ssr__decode(s + i, len - i, 0, &cp);
        if (cp == SSR_TEXT_INVALID) {
            o = ssr__put(o, SSR_TEXT_REPLACEMENT);
        }
        else if (cp >= 0x10000) {
            /* Non-BMP: a surrogate pair, as JavaScript sees it. */
            cp -= 0x10000;
            o = ssr__put(o, 0xD800 | (cp >> 10));
            o = ssr__put(o, 0xDC00 | (cp & 0x3FF));
        }
        else {
            o = ssr__put(o, cp);
        }
    }
    *o = '\0';
    *out_len = (apr_size_t) (o - out);
    return (const char *) out;
}

const char *ssr_text_to_utf8(apr_pool_t *p, const char *in, apr_size_t len,
                             apr_size_t *out_len)
{
    const unsigned char *s = (const unsigned char *) in;
    unsigned char *out, *o;
    apr_size_t i = 0, n, m;
    unsigned cp, lo;

    o = out = ssr__out_buffer(p, len);
    if (out == NULL) {
        return NULL;
    }
    while (i < len) {
        if (s[i] < 0x80) {
            /* A run of ASCII (most of a page) reads the same in both. */
            apr_size_t j = i + 1;

            while (j < len && s[j] < 0x80) {
                j++;
            }
            memcpy(o, s + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        n = ssr__decode(s + i, len - i, 1, &cp);
        if (cp >= 0xD800 && cp <= 0xDBFF && i + n < len) {
            m = ssr__decode(s + i + n, len - i - n, 1, &lo);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                n += m;
            }
        }
        if (cp == SSR_TEXT_INVALID || ssr__is_surrogate(cp)) {
            cp = SSR_TEXT_REPLACEMENT;
        }
        o = ssr__put(o, cp);
        i += n;
    }
    *o = '\0';
    *out_len = (apr_size_t) (o - out);
    return (const char *) out;
}
