/*
 * ssr_heaps.h -- which heap a request renders in, and admission control.
 *
 * SSRScope pool (the default; "thread" is another name for it): each
 * process keeps a pool of at most SSRHeaps heaps per app, shared by all its
 * worker threads.  A request takes a free heap (the one used last, whose
 * memory is warm), or makes one while the pool is not full; when every heap
 * is rendering it waits in line, first come first served, for at most
 * SSRQueueTimeout, and is then answered 503 with Retry-After: more work
 * than the heaps can do is shed, never queued without bound.  A waiting
 * request whose client has gone stops waiting.
 *
 * A heap is only ever used for the build it was made from: once a newer
 * build has been seen, heaps of older ones are destroyed when they are
 * returned (and idle ones at once); a heap is also replaced after
 * SSRMaxRenders renders or a render that left it unusable.  A heap nobody
 * took for SSR_HEAP_IDLE is destroyed, down to one warm heap per app (this
 * is checked when the pool is used: a pool with no traffic at all keeps
 * what it had).
 *
 * SSRScope request: a fresh heap per request, destroyed after the render;
 * not bounded by the pool.
 */
#ifndef SSR_HEAPS_H
#define SSR_HEAPS_H

#include <httpd.h>
#include "ssr_build.h"
#include "ssr_conn.h"

/* Largest SSRHeaps value accepted (a plain number: it is spelled out in
 * the directive's error). */
#define SSR_MAX_HEAPS 1024
/* Largest SSRQueueLimit value accepted. */
#define SSR_MAX_QUEUE 100000

/* How long a pooled heap may sit unused before it is destroyed (keeping
 * one per app). */
#define SSR_HEAP_IDLE apr_time_from_sec(30)

typedef struct ssr_lease_t ssr_lease_t;

/* child_init: sets up this process's pools and works out the default
 * size (SSRHeaps auto). */
void ssr_heaps_child_init(apr_pool_t *pchild, server_rec *s);

/* SSRHeaps auto in this process: the online CPUs, at most the MPM's
 * threads per child, at least 1. */
int ssr_heaps_default(void);

/* A heap for this request, loaded with gen's bundle, in *out.
 *   APR_SUCCESS      leased; give it back with ssr_heap_return
 *   APR_TIMEUP       no heap came free within SSRQueueTimeout (logged)
 *   APR_ECONNABORTED the client went away while the request waited
 *   APR_ETIMEDOUT    making the heap (evaluating the bundle) ran past the
 *                    render's deadline (logged)
 *   other            no heap could be made (logged) */
apr_status_t ssr_heap_lease(request_rec *r, ssr_app_t *app, ssr_gen_t *gen,
                            const ssr_dir_conf *conf, ssr_conn_watch *watch,
                            ssr_lease_t **out);

ssr_heap_t *ssr_lease_heap(ssr_lease_t *l);

/* How long making the lease's heap took (loading the bundle's bytecode
 * and evaluating it), when it was made for this request; 0 for a heap
 * that had rendered before. */
apr_interval_time_t ssr_lease_load_time(const ssr_lease_t *l);

/* Gives the heap back after the render: kept for the next request if it
 * can be reused, destroyed otherwise. */
void ssr_heap_return(request_rec *r, ssr_lease_t *l);

#endif /* SSR_HEAPS_H */
