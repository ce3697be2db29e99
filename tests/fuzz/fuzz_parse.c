/*
 * fuzz_parse.c -- the directive value parsers (mod_ssr/ssr_parse.c) and the
 * URL helpers (mod_ssr/ssr_url.c).
 *
 * Every parser gets the whole input as a C string, and what a parser
 * accepts is checked against the syntax and range it documents: a run of
 * digits and one of the units, nothing else.  The input is also split at
 * its first newline into an SSRBase value and a request URL for the URL
 * helpers.
 */
#include "fuzz_common.h"

#include "../../mod_ssr/ssr_parse.c"
#include "../../mod_ssr/ssr_url.c"

#include <strings.h>

/* Length of the leading run of ASCII digits. */
static size_t fuzz_digits(const char *s)
{
    size_t n = 0;

    while (s[n] >= '0' && s[n] <= '9') {
        n++;
    }
    return n;
}

static void fuzz_values(const char *s)
{
    size_t nd = fuzz_digits(s);
    const char *unit = s + nd;
    apr_interval_time_t t = -1;
    apr_size_t sz = 0;
    int count = -1;

    if (ssr_parse_duration(s, &t) == NULL) {
        FUZZ_CHECK(nd > 0);
        FUZZ_CHECK(*unit == '\0' || strcasecmp(unit, "s") == 0
                   || strcasecmp(unit, "ms") == 0);
        FUZZ_CHECK(t > 0 && t <= apr_time_from_sec(3600));
    }
    t = -1;
    if (ssr_parse_interval(s, &t) == NULL) {
        FUZZ_CHECK(nd > 0);
        FUZZ_CHECK(t >= 0 && t <= apr_time_from_sec(3600));
    }
    if (ssr_parse_size(s, &sz) == NULL) {
        FUZZ_CHECK(nd > 0);
        FUZZ_CHECK(*unit == '\0' || strcasecmp(unit, "b") == 0
                   || strcasecmp(unit, "k") == 0 || strcasecmp(unit, "kb") == 0
                   || strcasecmp(unit, "m") == 0 || strcasecmp(unit, "mb") == 0
                   || strcasecmp(unit, "g") == 0 || strcasecmp(unit, "gb") == 0);
        FUZZ_CHECK(sz >= ((apr_size_t)1 << 20));
        FUZZ_CHECK((apr_uint64_t)sz <= (APR_UINT64_C(64) << 30));
    }
    if (ssr_parse_count(s, &count) == NULL) {
        FUZZ_CHECK(nd > 0 && *unit == '\0');
        FUZZ_CHECK(count >= 0);
    }
    if (ssr_env_name_valid(s)) {
        FUZZ_CHECK(*s != '\0' && !(*s >= '0' && *s <= '9'));
        FUZZ_CHECK(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "abcdefghijklmnopqrstuvwxyz_0123456789")
                   == strlen(s));
    }
}

static void fuzz_urls(apr_pool_t *p, const char *base_arg, const char *url)
{
    const char *base = NULL;
    const char *rendered;

    if (ssr_normalize_base(p, base_arg, &base) != NULL) {
        return;
    }
    FUZZ_CHECK(base != NULL && base[0] == '/');
    FUZZ_CHECK(base[strlen(base) - 1] == '/');
    FUZZ_CHECK(strpbrk(base, "?# \t\r\n") == NULL);

    rendered = ssr_render_url(p, url, base);
    if (rendered != NULL) {
        /* The first occurrence of base removed, or nothing when there is
         * none ("/app" for base "/app/"). */
        FUZZ_CHECK(strlen(rendered) == strlen(url)
                   || strlen(rendered) == strlen(url) - strlen(base));
    }
    (void)ssr_url_asset_like(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *s = fuzz_cstr(data, size);
    char *nl;

    fuzz_values(s);
    nl = strchr(s, '\n');
    if (nl != NULL) {
        *nl = '\0';
        fuzz_urls(p, s, nl + 1);
    }
    else {
        fuzz_urls(p, s, "/");
    }
    free(s);
    return 0;
}
