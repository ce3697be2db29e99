/*
 * ssr_parse.h -- parsers for directive values, shared by the module and
 * the command line tools so that both accept exactly the same syntax.
 *
 * Every parser returns NULL on success or a static message that says what
 * was wrong with the value; callers prefix it with the directive name.
 */
#ifndef SSR_PARSE_H
#define SSR_PARSE_H

#include <apr.h>
#include <apr_time.h>

/* "250ms", "5s", or a bare number of seconds.  Must be > 0 and <= 1 hour. */
const char *ssr_parse_duration(const char *arg, apr_interval_time_t *out);

/* Like ssr_parse_duration, but 0 is allowed (SSRReloadInterval 0). */
const char *ssr_parse_interval(const char *arg, apr_interval_time_t *out);

/* "90s", "30m", "24h", "7d", or a bare number of seconds: > 0, <= 366d
 * (SSRAssetGrace). */
const char *ssr_parse_period(const char *arg, apr_interval_time_t *out);

/* "128M", "512K", "1G", or a bare number of bytes.  Must be >= 1M and
 * <= 64G (a Duktape heap cannot even start below about 1M). */
const char *ssr_parse_size(const char *arg, apr_size_t *out);

/* A whole number >= 0 that fits an int (SSRMaxRenders). */
const char *ssr_parse_count(const char *arg, int *out);

/* process.env names: [A-Za-z_][A-Za-z0-9_]* */
int ssr_env_name_valid(const char *name);

#endif /* SSR_PARSE_H */
