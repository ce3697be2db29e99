/*
 * ssr_srcmap.c -- the source map of a server bundle (see ssr_srcmap.h).
 *
 * Source map v3: "mappings" is a list of lines separated by ';', each a
 * list of segments separated by ','; a segment is 1, 4 or 5 Base64 VLQ
 * numbers: generated column (relative to the previous segment of the
 * line), then source index, source line, source column and name index,
 * each relative to the previous segment that had it, across lines.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "ssr_srcmap.h"

/* --- JSON, as far as a source map needs it --------------------------------- */

typedef struct {
    const char *s;
    const char *end;
} ssr__json;

static void ssr__ws(ssr__json *j)
{
    while (j->s < j->end && (*j->s == ' ' || *j->s == '\t' ||
                             *j->s == '\n' || *j->s == '\r')) {
        j->s++;
    }
}

static int ssr__hex4(const char *s, unsigned *v)
{
    int i;

    *v = 0;
    for (i = 0; i < 4; i++) {
        char c = s[i];

        *v <<= 4;
        if (c >= '0' && c <= '9') {
            *v |= (unsigned) (c - '0');
        }
        else if (c >= 'a' && c <= 'f') {
            *v |= (unsigned) (c - 'a' + 10);
        }
        else if (c >= 'A' && c <= 'F') {
            *v |= (unsigned) (c - 'A' + 10);
        }
        else {
            return 0;
        }
    }
    return 1;
}

static apr_size_t ssr__utf8(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char) cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char) (0xC0 | (cp >> 6));
        out[1] = (char) (0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char) (0xE0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char) (0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char) (0xF0 | (cp >> 18));
    out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char) (0x80 | (cp & 0x3F));
    return 4;
}

/* A string at j->s (at its '"'); with p, its value is decoded into *out
 * (never longer than the JSON text of it), else only skipped.  A NUL
 * (\u0000) ends the value: names and mappings never hold one. */
static int ssr__string(ssr__json *j, apr_pool_t *p, const char **out,
                       apr_size_t *out_len)
{
    const char *s = j->s + 1, *start;
    char *buf = NULL;
    apr_size_t n = 0;
    int cut = 0;

    if (j->s >= j->end || *j->s != '"') {
        return 0;
    }
    /* the raw length bounds the decoded one */
    start = s;
    while (s < j->end && *s != '"') {
        if (*s == '\\') {
            s++;
        }
        s++;
    }
    if (s >= j->end) {
        return 0;
    }
    if (p) {
        buf = apr_palloc(p, (apr_size_t) (s - start) + 1);
    }
    for (s = start; *s != '"'; ) {
        unsigned cp;
        char c = *s++;

        if ((unsigned char) c < 0x20) {
            return 0;
        }
        if (c != '\\') {
            if (buf && !cut) {
                buf[n++] = c;
            }
            continue;
        }
        c = *s++;
        switch (c) {
        case '"': case '\\': case '/': cp = (unsigned char) c; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (j->end - s < 4 || !ssr__hex4(s, &cp)) {
                return 0;
            }
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;

                if (j->end - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
                    ssr__hex4(s + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 6;
                }
                else {
                    cp = 0xFFFD;
                }
            }
            else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            break;
        default:
            return 0;
        }
        if (cp == 0) {
            cut = 1;
        }
        if (buf && !cut) {
            /* an escape is never shorter in JSON than in UTF-8: \uXXXX
             * (6) gives at most 3 bytes, a pair (12) 4 */
            n += ssr__utf8(cp, buf + n);
        }
    }
    j->s = s + 1;
    if (buf) {
        buf[n] = '\0';
        *out = buf;
        if (out_len) {
            *out_len = n;
        }
    }
    return 1;
}

static int ssr__literal_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' ||
           c == '+' || c == '.' || c == 'E';
}

/* Skips any value, nested or not; without recursion, so depth costs
 * nothing. */
static int ssr__skip(ssr__json *j)
{
    long depth = 0;

    for (;;) {
        ssr__ws(j);
        if (j->s >= j->end) {
            return 0;
        }
        switch (*j->s) {
        case '"':
            if (!ssr__string(j, NULL, NULL, NULL)) {
                return 0;
            }
            break;
        case '{': case '[':
            depth++;
            j->s++;
            continue;
        case '}': case ']':
            if (depth == 0) {
                return 0;
            }
            depth--;
            j->s++;
            break;
        case ',': case ':':
            if (depth == 0) {
                return 0;
            }
            j->s++;
            continue;
        default:
            /* number, true, false, null: loosely */
            if (!ssr__literal_char(*j->s)) {
                return 0;
            }
            while (j->s < j->end && ssr__literal_char(*j->s)) {
                j->s++;
            }
            break;
        }
        if (depth == 0) {
            return 1;
        }
    }
}

static int ssr__expect(ssr__json *j, char c)
{
    ssr__ws(j);
    if (j->s < j->end && *j->s == c) {
        j->s++;
        return 1;
    }
    return 0;
}

static int ssr__sources(ssr__json *j, apr_pool_t *p, ssr_srcmap_t *m,
                        const char **err)
{
    apr_size_t cap = 16;
    const char **v;

    if (!ssr__expect(j, '[')) {
        return 0;
    }
    v = apr_palloc(p, cap * sizeof(*v));
    m->nsources = 0;
    ssr__ws(j);
    if (ssr__expect(j, ']')) {
        m->sources = v;
        return 1;
    }
    for (;;) {
        const char *name = NULL;

        ssr__ws(j);
        if (j->end - j->s >= 4 && memcmp(j->s, "null", 4) == 0) {
            j->s += 4;
        }
        else if (!ssr__string(j, p, &name, NULL)) {
            return 0;
        }
        if (m->nsources >= SSR_SRCMAP_MAX_SOURCES) {
            *err = "too many sources";
            return 0;
        }
        if ((apr_size_t) m->nsources == cap) {
            const char **w = apr_palloc(p, 2 * cap * sizeof(*w));

            memcpy(w, v, cap * sizeof(*v));
            v = w;
            cap *= 2;
        }
        v[m->nsources++] = name;
        if (ssr__expect(j, ']')) {
            break;
        }
        if (!ssr__expect(j, ',')) {
            return 0;
        }
    }
    m->sources = v;
    return 1;
}

apr_status_t ssr_srcmap_parse(apr_pool_t *p, const char *json,
                              apr_size_t len, ssr_srcmap_t **out,
                              const char **err)
{
    ssr__json j;
    ssr_srcmap_t *m = apr_pcalloc(p, sizeof(*m));
    int version = 0, have_sources = 0;

    *out = NULL;
    *err = "not a source map (JSON object)";
    j.s = json;
    j.end = json + len;
    if (!ssr__expect(&j, '{')) {
        return APR_EINVAL;
    }
    if (!ssr__expect(&j, '}')) {
        for (;;) {
            const char *key;

            ssr__ws(&j);
            if (!ssr__string(&j, p, &key, NULL) || !ssr__expect(&j, ':')) {
                return APR_EINVAL;
            }
            ssr__ws(&j);
            if (strcmp(key, "version") == 0) {
                if (j.s < j.end && *j.s == '3') {
                    version = 3;
                }
                if (!ssr__skip(&j)) {
                    return APR_EINVAL;
                }
            }
            else if (strcmp(key, "sources") == 0) {
                if (!ssr__sources(&j, p, m, err)) {
                    return APR_EINVAL;
                }
                have_sources = 1;
            }
            else if (strcmp(key, "mappings") == 0) {
                /* the length is checked before the copy is made */
                ssr__json peek = j;

                if (!ssr__string(&peek, NULL, NULL, NULL)) {
                    return APR_EINVAL;
                }
                if ((apr_size_t) (peek.s - j.s) > SSR_SRCMAP_MAX_MAPPINGS) {
                    *err = "mappings too large";
                    return APR_EINVAL;
                }
                if (!ssr__string(&j, p, &m->mappings, &m->mappings_len)) {
                    return APR_EINVAL;
                }
            }
            else if (strcmp(key, "x_mod_ssr_build") == 0 && j.s < j.end &&
                     *j.s == '"') {
                if (!ssr__string(&j, p, &m->build_id, NULL)) {
                    return APR_EINVAL;
                }
            }
            else if (strcmp(key, "sections") == 0) {
                *err = "an index map (sections) is not supported";
                return APR_EINVAL;
            }
            else if (!ssr__skip(&j)) {
                return APR_EINVAL;
            }
            if (ssr__expect(&j, '}')) {
                break;
            }
            if (!ssr__expect(&j, ',')) {
                return APR_EINVAL;
            }
        }
    }
    if (version != 3 || !have_sources || m->mappings == NULL) {
        *err = "not a version 3 source map with sources and mappings";
        return APR_EINVAL;
    }
    *err = NULL;
    *out = m;
    return APR_SUCCESS;
}

/* --- mappings ---------------------------------------------------------------- */

static int ssr__b64(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

/* One VLQ number at *s; 0 on a bad digit, a number cut off, or one that
 * does not fit in 32 bits. */
static int ssr__vlq(const char **s, const char *end, long *v)
{
    unsigned long acc = 0;
    unsigned shift = 0;
    int d;

    do {
        if (*s >= end || (d = ssr__b64(**s)) < 0 || shift > 30) {
            return 0;
        }
        (*s)++;
        acc |= (unsigned long) (d & 0x1F) << shift;
        shift += 5;
    } while (d & 0x20);
    if (acc > 0xFFFFFFFFul) {
        return 0;
    }
    *v = (acc & 1) ? -(long) (acc >> 1) : (long) (acc >> 1);
    return 1;
}

static int ssr__pos_cmp(const void *a, const void *b)
{
    const ssr_srcmap_pos_t *x = *(ssr_srcmap_pos_t *const *) a;
    const ssr_srcmap_pos_t *y = *(ssr_srcmap_pos_t *const *) b;

    return (x->line > y->line) - (x->line < y->line);
}

/* The segment (gcol, source...) is a candidate for q, on q's line: the
 * last one at or before the column, else the line's first one. */
static void ssr__consider(const ssr_srcmap_t *m, ssr_srcmap_pos_t *q,
                          long *best, long gcol, long src, long sline,
                          long scol)
{
    if (src < 0 || src >= m->nsources || m->sources[src] == NULL ||
        sline < 0 || scol < 0) {
        return;
    }
    if (q->source != NULL) {
        /* have one: a later segment is better only if it is still at or
         * before the column and after the one we have, or if the one we
         * have lies past the column */
        if (q->col < 0 || gcol > q->col ||
            (*best <= q->col && gcol <= *best)) {
            return;
        }
    }
    *best = gcol;
    q->source = m->sources[src];
    q->src_line = sline + 1;
    q->src_col = scol + 1;
}

void ssr_srcmap_lookup(const ssr_srcmap_t *m, ssr_srcmap_pos_t *pos, int n)
{
    ssr_srcmap_pos_t *order_buf[SSR_SRCMAP_MAX_FRAMES];
    long best_buf[SSR_SRCMAP_MAX_FRAMES];
    const char *s, *end;
    long line = 1, gcol = 0, src = 0, sline = 0, scol = 0, name = 0;
    int i, qi = 0;

    if (n > SSR_SRCMAP_MAX_FRAMES) {
        n = SSR_SRCMAP_MAX_FRAMES;
    }
    for (i = 0; i < n; i++) {
        pos[i].source = NULL;
        pos[i].src_line = pos[i].src_col = 0;
        order_buf[i] = &pos[i];
        best_buf[i] = -1;
    }
    if (m == NULL || m->mappings == NULL || n <= 0) {
        return;
    }
    qsort(order_buf, (size_t) n, sizeof(order_buf[0]), ssr__pos_cmp);
    s = m->mappings;
    end = m->mappings + m->mappings_len;
    while (qi < n && order_buf[qi]->line < 1) {
        qi++;
    }
    while (qi < n && s <= end) {
        long f[5];
        int k = 0;

        /* skip to the first query's line */
        if (line < order_buf[qi]->line) {
            /* the source fields carry over lines: a line skipped still
             * has to be decoded, but only its segments with sources */
            while (s < end && *s != ';') {
                if (*s == ',') {
                    s++;
                    continue;
                }
                for (k = 0; k < 5 && s < end && *s != ',' && *s != ';'; k++) {
                    if (!ssr__vlq(&s, end, &f[k])) {
                        return;
                    }
                }
                if (s < end && *s != ',' && *s != ';') {
                    return;     /* more than five fields */
                }
                if (k >= 4) {
                    src += f[1];
                    sline += f[2];
                    scol += f[3];
                    if (k == 5) {
                        name += f[4];
                    }
                }
            }
            if (s >= end) {
                return;
            }
            s++;                /* the ';' */
            line++;
            gcol = 0;
            continue;
        }
        /* on the line of order_buf[qi] (and maybe of the next ones) */
        while (s < end && *s != ';') {
            int q;

            if (*s == ',') {
                s++;
                continue;
            }
            for (k = 0; k < 5 && s < end && *s != ',' && *s != ';'; k++) {
                if (!ssr__vlq(&s, end, &f[k])) {
                    return;
                }
            }
            if (s < end && *s != ',' && *s != ';') {
                return;
            }
            if (k == 0) {
                continue;
            }
            gcol += f[0];
            if (k < 4) {
                continue;       /* a segment with no source */
            }
            src += f[1];
            sline += f[2];
            scol += f[3];
            if (k == 5) {
                name += f[4];
            }
            for (q = qi; q < n && order_buf[q]->line == line; q++) {
                ssr__consider(m, order_buf[q], &best_buf[order_buf[q] - pos],
                              gcol, src, sline, scol);
            }
        }
        while (qi < n && order_buf[qi]->line == line) {
            qi++;
        }
        if (s >= end) {
            return;
        }
        s++;
        line++;
        gcol = 0;
    }
}

/* --- stacks ------------------------------------------------------------------ */

/* Digits at s: the number (bounded), and the end in *after; 0 if none. */
static int ssr__number(const char *s, long *v, const char **after)
{
    long n = 0;
    const char *d = s;

    while (*d >= '0' && *d <= '9') {
        if (n < 100000000L) {
            n = n * 10 + (*d - '0');
        }
        d++;
    }
    if (d == s) {
        return 0;
    }
    *v = n;
    *after = d;
    return 1;
}

typedef struct {
    const char *at;             /* where "bundle:" starts */
    const char *after;          /* just past the line (and column) */
} ssr__hit;

const char *ssr_srcmap_stack(apr_pool_t *p, const ssr_srcmap_t *m,
                             const char *text, const char *bundle,
                             int *mapped)
{
    ssr__hit hits[SSR_SRCMAP_MAX_FRAMES];
    ssr_srcmap_pos_t pos[SSR_SRCMAP_MAX_FRAMES];
    apr_size_t blen = bundle ? strlen(bundle) : 0;
    const char *s = text;
    char *out, *o;
    apr_size_t size;
    int n = 0, i, done = 0;

    if (mapped) {
        *mapped = 0;
    }
    if (m == NULL || text == NULL || blen == 0) {
        return text;
    }
    while (n < SSR_SRCMAP_MAX_FRAMES && (s = strstr(s, bundle)) != NULL) {
        const char *d = s + blen, *after;
        long line, col = -1;

        if (*d != ':' || !ssr__number(d + 1, &line, &after)) {
            s += blen;
            continue;
        }
        if (*after == ':' && ssr__number(after + 1, &col, &after)) {
            /* V8 prints 1-based columns; the map's are 0-based */
            col = col > 0 ? col - 1 : 0;
        }
        hits[n].at = s;
        hits[n].after = after;
        pos[n].line = line;
        pos[n].col = col;
        n++;
        s = after;
    }
    if (n == 0) {
        return text;
    }
    ssr_srcmap_lookup(m, pos, n);
    size = strlen(text) + 1;
    for (i = 0; i < n; i++) {
        if (pos[i].source) {
            size += strlen(pos[i].source) + 2 * 12;
            done++;
        }
    }
    if (done == 0) {
        return text;
    }
    o = out = apr_palloc(p, size);
    s = text;
    for (i = 0; i < n; i++) {
        if (pos[i].source == NULL) {
            continue;
        }
        memcpy(o, s, (apr_size_t) (hits[i].at - s));
        o += hits[i].at - s;
        o += apr_snprintf(o, size - (apr_size_t) (o - out), "%s:%ld:%ld",
                          pos[i].source, pos[i].src_line, pos[i].src_col);
        s = hits[i].after;
    }
    strcpy(o, s);
    if (mapped) {
        *mapped = done;
    }
    return out;
}
