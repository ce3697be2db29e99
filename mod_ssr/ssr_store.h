/*
 * ssr_store.h -- the last good build of an app, kept in a file every
 * process can reach.
 *
 * A process that starts after a broken build was written (a new child, the
 * parent at a graceful restart) has no good build in memory to keep
 * serving.  So whenever a process loads a good build, the snapshot it
 * loaded (bundle, template and manifest bytes, their signatures and the
 * build id) is written to one file, replaced atomically; a process whose
 * files do not load takes the build from there instead of answering 503.
 */
#ifndef SSR_STORE_H
#define SSR_STORE_H

#include <apr.h>
#include <apr_pools.h>

#include "ssr_reload.h"

/* Writes snap (with its id, or id when snap->id is NULL) to path, through
 * a temporary file renamed over it. */
apr_status_t ssr_store_put(apr_pool_t *p, const char *path,
                           const ssr_snapshot_t *snap, const char *id);

/* The id of the build stored at path, reading only the file's header;
 * APR_ENOENT when there is none. */
apr_status_t ssr_store_id(apr_pool_t *p, const char *path, const char **id);

/* Reads the stored build back as a snapshot: the bytes, the signatures the
 * files had when it was loaded, its id (snap->id, never NULL). */
apr_status_t ssr_store_get(apr_pool_t *p, const char *path,
                           ssr_snapshot_t *snap);

#endif /* SSR_STORE_H */
