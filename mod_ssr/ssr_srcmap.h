/*
 * ssr_srcmap.h -- the source map of a server bundle, for error messages.
 *
 * vite-plugin-mod-ssr writes entry-server.js.map beside the bundle, mapping
 * the ES5 bundle back to the app's sources.  A build keeps the two parts of
 * the map an error needs (the source names and the "mappings" text); the
 * mappings are only decoded when an error is reported, in one pass over the
 * text for all the positions of the error, with no table kept: a build
 * costs the text's size, a lookup nothing but a few bytes per position.
 *
 * Pure (APR only): unit tested and fuzzed without httpd or Duktape.
 */
#ifndef SSR_SRCMAP_H
#define SSR_SRCMAP_H

#include <apr.h>
#include <apr_pools.h>

/* Bounds on what a build keeps of a map: a larger map is not used (the
 * bundle's own positions are reported). */
#define SSR_SRCMAP_MAX_MAPPINGS (32 * 1024 * 1024)
#define SSR_SRCMAP_MAX_SOURCES  65536
/* At most this many positions of one text are mapped. */
#define SSR_SRCMAP_MAX_FRAMES   64

typedef struct {
    const char *mappings;       /* the VLQ text, NUL-terminated */
    apr_size_t mappings_len;
    const char **sources;       /* as the map names them; an entry may be
                                 * NULL (a null in the map) */
    int nsources;
    const char *build_id;       /* "x_mod_ssr_build", NULL when absent */
} ssr_srcmap_t;

/* Reads a source map (JSON, version 3, not an index map) into p: only the
 * sources and mappings are kept, everything else (sourcesContent, names)
 * is skipped.  APR_EINVAL and *err when it is not such a map or exceeds
 * the bounds above. */
apr_status_t ssr_srcmap_parse(apr_pool_t *p, const char *json,
                              apr_size_t len, ssr_srcmap_t **out,
                              const char **err);

/* A position to map.  In: line (1-based) and column (0-based, or -1 when
 * the stack gives none: the line's first mapped segment is taken).  Out:
 * source (NULL when the position is not in the map), src_line and src_col
 * (both 1-based, as stack traces print them). */
typedef struct {
    long line;
    long col;
    const char *source;
    long src_line;
    long src_col;
} ssr_srcmap_pos_t;

/* Maps n positions, in any order, in one pass over the mappings.  Malformed
 * mappings end the pass: positions not reached stay unmapped. */
void ssr_srcmap_lookup(const ssr_srcmap_t *m, ssr_srcmap_pos_t *pos, int n);

/* text (an error's stack) with every "bundle:LINE" and "bundle:LINE:COL"
 * (Duktape's "at f (bundle:12)", V8's "at f (bundle:12:7)") that the map
 * covers replaced by "source:LINE:COL"; positions the map does not cover
 * are left as they are.  *mapped (may be NULL): how many were replaced.
 * Returns text itself when nothing was replaced. */
const char *ssr_srcmap_stack(apr_pool_t *p, const ssr_srcmap_t *m,
                             const char *text, const char *bundle,
                             int *mapped);

#endif /* SSR_SRCMAP_H */
