/*
 * ssr_fetch.h -- fetch() for renders: HTTP transfers on libcurl's multi
 * interface, as an I/O source of the render loop (ssr_io_t, ssr_engine.h).
 *
 * One source per render.  Many transfers overlap on one curl multi handle;
 * the render loop waits on the network and its timers together, so a
 * render waiting for responses uses no CPU.  What may be fetched is a
 * policy (ssr_fetch_policy_t) the caller fills: same-origin URLs are sent
 * to the server's own local address (so the site's whole configuration
 * applies to them), other origins only when a prefix allows them.
 *
 * Nothing here depends on httpd: the module and the CLIs use it alike.
 * See docs/fetch.md.
 */
#ifndef SSR_FETCH_H
#define SSR_FETCH_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "ssr_engine.h"

#define SSR_FETCH_DEFAULT_TIMEOUT apr_time_from_sec(3)
#define SSR_FETCH_DEFAULT_MAX_SIZE ((apr_size_t) 2 * 1024 * 1024)
#define SSR_FETCH_DEFAULT_MAX 16
#define SSR_FETCH_MAX_REDIRECTS 5

typedef struct {
    /* The page's absolute URL: relative URLs resolve against it, and its
     * origin is "same origin".  NULL: only absolute allowed URLs work. */
    const char *page_url;
    /* "ip:port" that reaches this server for same-origin URLs (the
     * connection's local address); NULL: same-origin URLs go to the
     * origin's own address, as any other allowed URL. */
    const char *local_addr;
    /* Absolute URL prefixes other origins must match (normalised by
     * ssr_fetch_normalize_prefix). */
    const apr_array_header_t *allow;      /* const char * */
    int allow_private;          /* names may resolve to private addresses */
    /* Headers of the client's request sent along to same-origin URLs. */
    const apr_array_header_t *forward;    /* ssr_kv_t */
    apr_interval_time_t timeout;          /* per fetch, redirects included */
    apr_size_t max_size;                  /* response headers + body */
    int max_fetches;                      /* per render */
    ssr_log_fn log;                       /* one line per fetch (debug) */
    void *log_baton;
} ssr_fetch_policy_t;

/* Once per process, before any thread uses the rest (curl_global_init). */
apr_status_t ssr_fetch_global_init(void);

/* A source for one render, from pool p; closed by the engine at the end of
 * the render, and at the latest when p is cleared.  pol is not copied: it
 * must live as long as p. */
apr_status_t ssr_fetch_create(apr_pool_t *p, const ssr_fetch_policy_t *pol,
                              ssr_io_t **out);

/* --- pure helpers (unit-tested) ------------------------------------------ */

/* url resolved against base (NULL: url must be absolute), fragment
 * dropped, normalised (lower-case scheme and host, no default port).
 * http and https only.  NULL with *why when it cannot be. */
const char *ssr_fetch_resolve(apr_pool_t *p, const char *base,
                              const char *url, const char **why);

/* "scheme://host[:port]" of a resolved URL, or NULL. */
const char *ssr_fetch_origin(apr_pool_t *p, const char *url);

/* An SSRFetchAllow value as a normalised prefix: an origin
 * ("https://api.example.com") or an origin and a path
 * ("https://api.example.com/v1/").  NULL with *why when it is not one. */
const char *ssr_fetch_normalize_prefix(apr_pool_t *p, const char *entry,
                                       const char **why);

/* Does a resolved URL fall under a normalised prefix?  The prefix's path
 * matches whole segments: "/v1/" and "/v1" both match "/v1/x" but "/v1"
 * does not match "/v10". */
int ssr_fetch_prefix_match(const char *url, const char *prefix);

/* Is this socket address private, loopback, link-local or unspecified? */
int ssr_fetch_private_addr(const void *sockaddr);

/* How a URL may be fetched under pol. */
typedef enum {
    SSR_FETCH_REFUSED = 0,
    SSR_FETCH_SAME_ORIGIN,      /* through this server */
    SSR_FETCH_ALLOWED           /* another origin SSRFetchAllow lets in */
} ssr_fetch_route_e;

/* Resolves url (against pol->page_url) into *abs and says how it may be
 * fetched; for SSR_FETCH_REFUSED, *why says why. */
ssr_fetch_route_e ssr_fetch_route(apr_pool_t *p, const ssr_fetch_policy_t *pol,
                                  const char *url, const char **abs,
                                  const char **why);

#endif /* SSR_FETCH_H */
