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

/* originalUrl.replace(base, ''): the first occurrence of base removed;
 * the URL unchanged when base is not in it.  Whether a request belongs to
 * the app at all is ssr_url_in_base()'s question, asked of its path. */
const char *ssr_render_url(apr_pool_t *p, const char *original_url,
                           const char *base);

/* The request target as the client sent it (Express's originalUrl), in
 * origin form: an absolute-form target "http://host/a?b" gives "/a?b";
 * percent-encoding and everything else are left exactly as they are. */
const char *ssr_url_origin_form(apr_pool_t *p, const char *target);

/* context.path: the path of a URL (up to '?'), percent-decoded, with %2F
 * left encoded (as httpd's AllowEncodedSlashes NoDecode); the raw path
 * when it has a bad escape or an encoded NUL.  The result may be any
 * bytes: the engine boundary makes it valid text. */
const char *ssr_url_decoded_path(apr_pool_t *p, const char *url);

/* Does the path's last segment have a file extension other than .html or
 * .htm?  Such a path names an asset, not a page: a missing one is a 404,
 * and a crawl does not follow it. */
int ssr_url_asset_like(const char *path);

/* Normalises an SSRBase value: must start with '/', gets a trailing '/'.
 * Returns NULL on success or a message. */
const char *ssr_normalize_base(apr_pool_t *p, const char *arg,
                               const char **out);

#endif /* SSR_URL_H */
