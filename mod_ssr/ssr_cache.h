/*
 * ssr_cache.h -- rendered pages in Apache's mod_cache (docs/caching.md).
 *
 * Two halves.  Before mod_cache looks a request up, every request gets the
 * request header X-SSR-Build: the builds its server's apps have loaded in
 * this process (checking for a new build first, when a check is due); a
 * page mod_cache may store varies on it, so a new build never gets an entry
 * of the old one.  And when a page is answered, its headers are made safe
 * to share: who may store it, on what it varies.
 */
#ifndef SSR_CACHE_H
#define SSR_CACHE_H

#include <httpd.h>
#include "ssr_config.h"

#define SSR_CACHE_BUILD_HEADER "X-SSR-Build"

/* post_config (second pass), after the builds were preloaded: notes every
 * app each server renders, if mod_cache is loaded (else does nothing). */
apr_status_t ssr_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                   server_rec *s);

void ssr_cache_register_hooks(apr_pool_t *p);

/* The Cache-Control of a response whose render set none. */
const char *ssr_cache_default_control(const ssr_dir_conf *conf, int status);

/* Called once a page's or a redirect's headers are in r->headers_out.
 * When a shared cache may serve the response without asking again (its
 * Cache-Control gives a lifetime and does not say private, no-cache or
 * no-store), makes it safe to share: private when the request carried
 * credentials or the response sets a cookie; else Vary on Authorization,
 * on Cookie (SSRCacheVaryCookie), on Accept when the Accept header chose
 * to render, and on the build.  build_id: the build that rendered it; when
 * the request's X-SSR-Build does not name it, mod_cache is told not to
 * store the response.  1 when the response stays shared. */
int ssr_cache_shared(request_rec *r, const ssr_dir_conf *conf,
                     const char *build_id);

/* Is mod_cache about to store this response (its CACHE_SAVE filter is in
 * the chain)?  Then a page goes out whole even when the request's
 * conditions would allow a 304: when mod_cache revalidates a stale entry
 * it asks with the entry's ETag, and mod_cache_socache, updating the entry
 * from a 304, stores it without its body; every later hit was then a 200
 * with an empty body.  A whole page replaces the entry instead, with any
 * provider (mod_cache still answers clients' own conditional requests from
 * the entry). */
int ssr_cache_storing(request_rec *r);

#endif /* SSR_CACHE_H */
