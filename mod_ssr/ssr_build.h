/*
 * ssr_build.h -- builds (generations) of an app and switching between them.
 *
 * An app is what one SSRBundle/SSRTemplate/SSRManifest/SSRSetEnv/
 * SSRMemoryLimit combination renders; each process keeps one record per app.
 * A generation is one loaded build of it: the compiled bundle, the split
 * template and the manifest text, all from the same files.  A request takes a
 * reference to the current generation and uses only it, so it never mixes two
 * builds; a new build is loaded beside the old one and swapped in atomically.
 */
#ifndef SSR_BUILD_H
#define SSR_BUILD_H

#include <httpd.h>
#include <apr_thread_mutex.h>
#include "ssr_config.h"
#include "ssr_engine.h"
#include "ssr_template.h"
#include "ssr_reload.h"
#include "ssr_srcmap.h"

typedef struct ssr_gen_t {
    apr_pool_t *pool;            /* everything below lives here */
    volatile apr_uint32_t refs;  /* requests using it, +1 while current */
    apr_uint32_t serial;         /* process-unique, increasing */
    const char *build_id;        /* the plugin's stamp, else made from
                                  * the file signatures */
    ssr_build_sig_t sig;
    ssr_bundle_t *bundle;
    ssr_template_t tpl;
    const ssr_srcmap_t *srcmap;  /* the bundle's source map, NULL when none
                                  * (or of another build) */
    const char *manifest;        /* NULL when there is none */
    apr_size_t manifest_len;
    apr_interval_time_t load_time;
} ssr_gen_t;

typedef struct ssr_app_t ssr_app_t;

/* post_config, in the parent: makes the app registry and loads the build
 * of every app the configuration names, so that children start with it. */
apr_status_t ssr_build_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                   server_rec *s);

/* Called once per child: makes the registry if the parent could not. */
apr_status_t ssr_build_child_init(apr_pool_t *pchild, server_rec *s);

/* The app record for this request's configuration (created on first use).
 * NULL (logged) when the process could not set it up: ssr_app_acquire,
 * ssr_app_poll and ssr_app_bundle_path take that NULL and answer "no build"
 * (the error says why). */
ssr_app_t *ssr_app_for(request_rec *r, const ssr_dir_conf *conf,
                       const char *template_path);

/* Heap options the app's heaps are made with. */
const ssr_heap_opts_t *ssr_app_heap_opts(const ssr_app_t *app);
const char *ssr_app_key(const ssr_app_t *app);
const char *ssr_app_bundle_path(const ssr_app_t *app);

/* The generation to render this request with, checking for a new build
 * first if one is due.  The reference is released by a cleanup on r->pool.
 * Returns NULL (and logs why) when no build could ever be loaded. */
ssr_gen_t *ssr_app_acquire(ssr_app_t *app, request_rec *r,
                           const ssr_dir_conf *conf);

/* May one more render failure of this app be logged now?  *held_back:
 * how many were not logged since the last one (see ssr_ratelimit.h). */
int ssr_app_may_log_failure(ssr_app_t *app, int *held_back);

/* What dev mode tells open pages: the build in service and, when the
 * newest build failed to load, why. */
typedef struct {
    const char *build_id;        /* NULL: no build loaded */
    const char *error;           /* NULL: the newest build loaded fine */
} ssr_app_state_t;

/* Like ssr_app_acquire (a new build is looked for if a check is due), but
 * takes no reference: the state is copied into p. */
void ssr_app_poll(ssr_app_t *app, request_rec *r, const ssr_dir_conf *conf,
                  apr_pool_t *p, ssr_app_state_t *st);

/* An error's text (a stack, a compile error) with the bundle positions
 * the build's source map covers given as the app's sources; text itself
 * when there is no map (g may be NULL). */
const char *ssr_gen_source_text(apr_pool_t *p, const ssr_gen_t *g,
                                const char *bundle_path, const char *text);

/* Logs text (many lines: a stack) as one entry per line, at most
 * SSR_LOG_LINES: the first "<head>: <line 1>", the others "[<marker>]
 * <line>", all with the same APLOGNO tag (tag: "AH20053: " and the like)
 * and marker, so that they read and grep as one report.  Control
 * characters are dropped, so that httpd does not escape them. */
#define SSR_LOG_LINES 24
void ssr_log_lines(const server_rec *s, const request_rec *r, int level,
                   const char *tag, const char *marker, const char *head,
                   const char *text);

/* Takes/drops a reference; the last drop of a retired generation frees it. */
void ssr_gen_ref(ssr_gen_t *g);
void ssr_gen_unref(ssr_gen_t *g);

#endif /* SSR_BUILD_H */
