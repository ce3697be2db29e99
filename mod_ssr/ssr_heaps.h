/*
 * ssr_heaps.h -- which heap a request renders in.
 *
 * SSRScope thread: each worker thread keeps one heap per app, stored in the
 * thread's own pool, so no two threads ever touch one heap; it is replaced
 * when the app's build changes, after SSRMaxRenders renders, or when a render
 * left it unusable, and destroyed by the thread pool's cleanup.
 * SSRScope request: a fresh heap, destroyed by a cleanup on r->pool.
 */
#ifndef SSR_HEAPS_H
#define SSR_HEAPS_H

#include <httpd.h>
#include "ssr_build.h"

typedef struct ssr_lease_t ssr_lease_t;

/* A heap for this request, loaded with gen's bundle.  NULL on failure
 * (logged). */
ssr_lease_t *ssr_heap_lease(request_rec *r, ssr_app_t *app, ssr_gen_t *gen,
                            const ssr_dir_conf *conf);

ssr_heap_t *ssr_lease_heap(ssr_lease_t *l);

/* Gives the heap back after the render: kept for the next request if it
 * can be reused, destroyed otherwise. */
void ssr_heap_return(request_rec *r, ssr_lease_t *l);

#endif /* SSR_HEAPS_H */
