/*
 * ssr_url.c -- the URL render() receives (see ssr_url.h).
 */
#include <string.h>
#include <strings.h>

#include <apr_strings.h>

#include "ssr_url.h"

int ssr_url_in_base(const char *path, const char *base)
{
    apr_size_t blen = strlen(base);

    if (strncmp(path, base, blen) == 0) {
        return 1;
    }
    /* "/app" for base "/app/": the app's root without its slash. */
    return blen > 1 && base[blen - 1] == '/' &&
           strlen(path) == blen - 1 && strncmp(path, base, blen - 1) == 0;
}

const char *ssr_render_url(apr_pool_t *p, const char *original_url,
                           const char *base)
{
    /* String.prototype.replace with a string pattern: the first match,
     * wherever it is (even in the query), or the URL unchanged. */
    const char *at = strstr(original_url, base);

    if (at == NULL) {
        return original_url;
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, original_url,
                                         (apr_size_t) (at - original_url)),
                       at + strlen(base), NULL);
}

const char *ssr_url_origin_form(apr_pool_t *p, const char *target)
{
    const char *colon = strchr(target, ':');
    const char *slash;

    /* absolute-form "scheme://authority/path?query": keep "/path?query" */
    if (*target != '/' && colon && colon[1] == '/' && colon[2] == '/' &&
        strcspn(target, "/?#") > (apr_size_t) (colon - target)) {
        slash = strpbrk(colon + 3, "/?#");
        if (slash == NULL || *slash == '#') {
            return "/";
        }
        target = *slash == '?' ? apr_pstrcat(p, "/", slash, NULL) : slash;
    }
    /* a fragment is never sent by a browser, but is not part of the URL */
    if (strchr(target, '#')) {
        return apr_pstrmemdup(p, target, strcspn(target, "#"));
    }
    return target;
}

static int ssr_url_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

const char *ssr_url_decoded_path(apr_pool_t *p, const char *url)
{
    apr_size_t len = strcspn(url, "?");
    char *out = apr_palloc(p, len + 1);
    apr_size_t i, o = 0;
    int hi, lo;

    for (i = 0; i < len; i++) {
        if (url[i] != '%') {
            out[o++] = url[i];
            continue;
        }
        hi = i + 2 < len ? ssr_url_hex(url[i + 1]) : -1;
        lo = hi >= 0 ? ssr_url_hex(url[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            /* a bad escape or an encoded NUL: the path as it came */
            return apr_pstrmemdup(p, url, len);
        }
        if (hi == 2 && lo == 0xF) {
            /* %2F stays encoded (AllowEncodedSlashes NoDecode) */
            out[o++] = url[i];
            continue;
        }
        out[o++] = (char) (hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    return out;
}

int ssr_url_asset_like(const char *path)
{
    const char *last = strrchr(path, '/');
    const char *dot = strrchr(last ? last : path, '.');

    if (dot == NULL || dot[1] == '\0') {
        return 0;
    }
    return strcasecmp(dot, ".html") != 0 && strcasecmp(dot, ".htm") != 0;
}

const char *ssr_normalize_base(apr_pool_t *p, const char *arg,
                               const char **out)
{
    apr_size_t len = strlen(arg);

    if (len == 0 || arg[0] != '/') {
        return "must be a URL path starting with '/', like Vite's base "
               "(e.g. / or /app/)";
    }
    if (strpbrk(arg, "?# \t\r\n") != NULL) {
        return "must be a plain URL path, without query, fragment or spaces";
    }
    *out = arg[len - 1] == '/' ? apr_pstrdup(p, arg)
                               : apr_pstrcat(p, arg, "/", NULL);
    return NULL;
}
