/*
 * ssr_url.h -- the URL render() receives.
 *
 * The standard Vite SSR server computes it as originalUrl.replace(base, ''):
 * the first occurrence of base is removed, so with base "/" the request
 * "/about?x=1" renders "about?x=1" and "/" renders "".  Doing exactly the
 * same is what makes a page byte-identical to the Node server's.
 */
#ifndef SSR_URL_H
#define SSR_URL_H

#include <apr_pools.h>

/* Is path inside the app's base?  "/app" counts as inside "/app/". */
int ssr_url_in_base(const char *path, const char *base);

/* originalUrl.replace(base, ''); NULL when the path is outside base. */
const char *ssr_render_url(apr_pool_t *p, const char *original_url,
                           const char *base);

/* Does the path's last segment have a file extension other than .html or
 * .htm?  Such a path names an asset, not a page: a missing one is a 404,
 * and a crawl does not follow it. */
int ssr_url_asset_like(const char *path);

/* Normalises an SSRBase value: must start with '/', gets a trailing '/'.
 * Returns NULL on success or a message. */
const char *ssr_normalize_base(apr_pool_t *p, const char *arg,
                               const char **out);

#endif /* SSR_URL_H */
