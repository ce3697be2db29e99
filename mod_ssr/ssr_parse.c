/*
 * ssr_parse.c -- parsers for directive values.
 *
 * The syntax is deliberately narrow: a run of decimal digits and an
 * optional unit, nothing else.  strtol() and friends would also accept
 * leading blanks, a sign, "0x" prefixes and trailing junk, and every one of
 * those is a way for a typo to turn into a surprising limit in production.
 */
#include <limits.h>

#include <apr_lib.h>
#include <apr_cstr.h>

#include "ssr_parse.h"

#define SSR_UINT64_MAX (~APR_UINT64_C(0))
#define SSR_MAX_DURATION apr_time_from_sec(3600)
#define SSR_MIN_SIZE (APR_UINT64_C(1) << 20)
#define SSR_MAX_SIZE (APR_UINT64_C(64) << 30)
#define SSR_MAX_PERIOD_SEC (APR_UINT64_C(366) * 86400)

/* Reads the leading digits of s into *num and points *rest after them.
 * Returns NULL or an error message. */
static const char *parse_digits(const char *s, apr_uint64_t *num,
                                const char **rest)
{
    apr_uint64_t v = 0;
    const char *p = s;

    if (s == NULL || *s == '\0') {
        return "requires a value";
    }
    if (*s == '-') {
        return "must not be negative";
    }
    if (!apr_isdigit(*p)) {
        return "must start with a whole number";
    }
    for (; apr_isdigit(*p); p++) {
        apr_uint64_t d = (apr_uint64_t)(*p - '0');

        if (v > (SSR_UINT64_MAX - d) / 10) {
            return "is too large";
        }
        v = v * 10 + d;
    }
    if (*p == '.' || *p == ',') {
        /* "1.5s" would otherwise be reported as an unknown unit ".5s". */
        return "must be a whole number, without a fraction";
    }
    *num = v;
    *rest = p;
    return NULL;
}

/* Shared by ssr_parse_duration and ssr_parse_interval; they differ only in
 * whether 0 is a meaningful value. */
static const char *parse_time(const char *arg, int allow_zero,
                              apr_interval_time_t *out)
{
    apr_uint64_t num;
    const char *unit;
    const char *err = parse_digits(arg, &num, &unit);
    apr_uint64_t mult;

    if (err != NULL) {
        return err;
    }
    if (*unit == '\0' || apr_cstr_casecmp(unit, "s") == 0) {
        mult = APR_USEC_PER_SEC;
    }
    else if (apr_cstr_casecmp(unit, "ms") == 0) {
        mult = 1000;
    }
    else {
        return "has an unknown unit (use a whole number of seconds, "
               "or a suffix ms or s, as in 250ms or 5s)";
    }
    if (num == 0 && !allow_zero) {
        return "must be greater than 0";
    }
    /* Compared before multiplying, so that no value can wrap around. */
    if (num > (apr_uint64_t)SSR_MAX_DURATION / mult) {
        return "is too large (at most 1 hour)";
    }
    *out = (apr_interval_time_t)(num * mult);
    return NULL;
}

const char *ssr_parse_duration(const char *arg, apr_interval_time_t *out)
{
    return parse_time(arg, 0, out);
}

const char *ssr_parse_interval(const char *arg, apr_interval_time_t *out)
{
    return parse_time(arg, 1, out);
}

/* The multiplier for a size suffix: K, M or G (binary units, as the memory
 * limits of every other server are written), each optionally followed by
 * B; a lone B means bytes.  0 for anything else. */
static apr_uint64_t size_unit(const char *unit)
{
    apr_uint64_t mult;

    switch (apr_toupper(*unit)) {
    case '\0':
        return 1;
    case 'B':
        return unit[1] == '\0' ? 1 : 0;
    case 'K':
        mult = APR_UINT64_C(1) << 10;
        break;
    case 'M':
        mult = APR_UINT64_C(1) << 20;
        break;
    case 'G':
        mult = APR_UINT64_C(1) << 30;
        break;
    default:
        return 0;
    }
    unit++;
    if (*unit == 'b' || *unit == 'B') {
        unit++;
    }
    return *unit == '\0' ? mult : 0;
}

const char *ssr_parse_size(const char *arg, apr_size_t *out)
{
    apr_uint64_t num;
    apr_uint64_t mult;
    apr_uint64_t bytes;
    const char *unit;
    const char *err = parse_digits(arg, &num, &unit);

    if (err != NULL) {
        return err;
    }
    mult = size_unit(unit);
    if (mult == 0) {
        return "has an unknown unit (use a number of bytes, or a suffix "
               "K, M or G, as in 128M)";
    }
    /* Compared before multiplying, so that no value can wrap around.  The
     * second test matters on 32-bit systems only. */
    if (num > SSR_MAX_SIZE / mult
        || num * mult > (apr_uint64_t)(apr_size_t)-1) {
        return "is too large (at most 64G)";
    }
    bytes = num * mult;
    if (bytes < SSR_MIN_SIZE) {
        return "is too small (at least 1M)";
    }
    *out = (apr_size_t)bytes;
    return NULL;
}

const char *ssr_parse_count(const char *arg, int *out)
{
    apr_uint64_t num;
    const char *rest;
    const char *err = parse_digits(arg, &num, &rest);

    if (err != NULL) {
        return err;
    }
    if (*rest != '\0') {
        return "must be a whole number";
    }
    if (num > (apr_uint64_t)INT_MAX) {
        return "is too large";
    }
    *out = (int)num;
    return NULL;
}

/* ASCII only, whatever the locale: a name must mean the same thing to
 * Duktape as it does here. */
static int env_name_char(char c, int first)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_') {
        return 1;
    }
    return !first && c >= '0' && c <= '9';
}

int ssr_env_name_valid(const char *name)
{
    const char *p;

    if (name == NULL || !env_name_char(*name, 1)) {
        return 0;
    }
    for (p = name + 1; *p != '\0'; p++) {
        if (!env_name_char(*p, 0)) {
            return 0;
        }
    }
    return 1;
}

/* A retention period: "90s", "30m", "24h", "7d", or a bare number of
 * seconds; > 0 and at most a year. */
const char *ssr_parse_period(const char *arg, apr_interval_time_t *out)
{
    apr_uint64_t num, mult;
    const char *unit;
    const char *err = parse_digits(arg, &num, &unit);

    if (err != NULL) {
        return err;
    }
    if (*unit == '\0' || apr_cstr_casecmp(unit, "s") == 0) {
        mult = 1;
    }
    else if (apr_cstr_casecmp(unit, "m") == 0) {
        mult = 60;
    }
    else if (apr_cstr_casecmp(unit, "h") == 0) {
        mult = 3600;
    }
    else if (apr_cstr_casecmp(unit, "d") == 0) {
        mult = 86400;
    }
    else {
        return "has an unknown unit (use a suffix s, m, h or d, as in 24h "
               "or 7d)";
    }
    if (num == 0) {
        return "must be greater than 0";
    }
    if (num > SSR_MAX_PERIOD_SEC / mult) {
        return "must be at most a year (366d)";
    }
    *out = apr_time_from_sec((apr_time_t) (num * mult));
    return NULL;
}
