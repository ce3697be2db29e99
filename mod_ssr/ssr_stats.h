/*
 * ssr_stats.h -- server-wide render counters, shown by mod_status.
 *
 * The counters live in a small shared memory segment so that every child
 * process adds to the same numbers; they are updated with atomic adds, no
 * lock.  They count since the server started (a graceful restart keeps
 * them only in children that were already running).  The gauges of the
 * heap pools (ssr_heaps.h) live beside them.
 */
#ifndef SSR_STATS_H
#define SSR_STATS_H

#include <httpd.h>

typedef enum {
    SSR_STAT_RENDERS = 0,     /* renders started */
    SSR_STAT_FAILURES,        /* renders that failed (any reason) */
    SSR_STAT_TIMEOUTS,        /* ... because the deadline passed */
    SSR_STAT_MEMORY,          /* ... because of the memory limit */
    SSR_STAT_ABORTED,         /* ... because the client went away */
    SSR_STAT_NOT_STARTED,     /* client gone before the render started */
    SSR_STAT_FALLBACKS,       /* SSRFallback csr pages sent */
    SSR_STAT_SHED,            /* answered 503: no heap free in time */
    SSR_STAT_STREAMED,        /* pages sent as a stream (ssr_stream.h) */
    SSR_STAT_STREAM_ERRORS,   /* ... that failed after the first byte */
    /* Gauges (now, not since start), summed over processes and apps: */
    SSR_STAT_HEAP_SLOTS,      /* heaps the pools may hold (SSRHeaps) */
    SSR_STAT_HEAPS,           /* heaps that exist (pools and requests) */
    SSR_STAT_HEAPS_BUSY,      /* ... of them rendering or being made */
    SSR_STAT_HEAP_WAITS,      /* requests waiting for a heap */
    SSR_STAT_COUNT
} ssr_stat_e;

apr_status_t ssr_stats_post_config(apr_pool_t *pconf, server_rec *s);
void ssr_stats_register_hooks(apr_pool_t *p);
void ssr_stats_add(ssr_stat_e which);
/* Moves a gauge up or down.  A child that dies without cleaning up leaves
 * its share in the gauges of the segment it had. */
void ssr_stats_gauge(ssr_stat_e which, int delta);

#endif /* SSR_STATS_H */
