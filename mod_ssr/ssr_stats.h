/*
 * ssr_stats.h -- render statistics, shown by mod_status.
 *
 * Everything lives in one shared memory segment made at post_config, so
 * that every child process adds to the same numbers; updates are atomic
 * adds, no lock.  Counters count since the server (re)started; gauges say
 * how things are now.  Beside the server-wide numbers there is a record
 * per app (SSRBundle/SSRTemplate/... combination, see ssr_build.h) with
 * its build in service, its last load error and its own counters, and a
 * render time histogram (server-wide and per app) over a recent window.
 */
#ifndef SSR_STATS_H
#define SSR_STATS_H

#include <httpd.h>

typedef enum {
    /* Counters: server-wide, and also in the app's record when the
     * thread is bound to one (ssr_stats_bind). */
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
    SSR_STAT_THREW,           /* failed: render threw or rejected */
    SSR_STAT_BAD_RESULT,      /* failed: not a result, never settled, or
                               * the engine gave up on the heap */
    SSR_STAT_NO_BUILD,        /* answered 503: no build loaded */
    SSR_STAT_HEAP_LOADS,      /* heaps made (bundle bytecode loaded) */
    /* Heaps destroyed, by why (server-wide only): */
    SSR_STAT_RECYCLED_BUILD,  /* a newer build is in service */
    SSR_STAT_RECYCLED_MAX,    /* SSRMaxRenders reached */
    SSR_STAT_RECYCLED_FAILED, /* a render left it unusable */
    SSR_STAT_RECYCLED_IDLE,   /* unused for a while (SSR_HEAP_IDLE) */
    /* Gauges (now, not since start), summed over processes and apps: */
    SSR_STAT_HEAP_SLOTS,      /* heaps the pools may hold (SSRHeaps) */
    SSR_STAT_HEAPS,           /* heaps that exist (pools and requests) */
    SSR_STAT_HEAPS_BUSY,      /* ... of them rendering or being made */
    SSR_STAT_HEAP_WAITS,      /* requests waiting for a heap */
    SSR_STAT_HEAP_KB,         /* memory the heaps hold, KiB (as of their
                               * last render) */
    SSR_STAT_COUNT
} ssr_stat_e;

/* The first gauge: below it, counters. */
#define SSR_STAT_FIRST_GAUGE SSR_STAT_HEAP_SLOTS

/* The render time window: SSR_HIST_WINDOWS slices of SSR_HIST_SLICE
 * seconds each; percentiles cover the slices of the last minute. */
#define SSR_HIST_SLICE 10
#define SSR_HIST_WINDOWS 6

/* How many apps get a record of their own (later ones are counted in the
 * server-wide numbers only). */
#define SSR_STATS_APPS 64

apr_status_t ssr_stats_post_config(apr_pool_t *pconf, server_rec *s);
void ssr_stats_register_hooks(apr_pool_t *p);

/* The app record for an app key (made on first use, also by a child for
 * an app the parent did not know); -1 when there is none (no shared
 * memory, or the table is full). */
int ssr_stats_app(const char *key, const char *bundle, const char *tpl,
                  server_rec *s);

/* Binds the calling thread to an app record (-1: none): the counters it
 * adds until the next bind are also the app's.  A request is handled by
 * one thread from start to end, and the counters are bumped deep in call
 * chains that carry no app, hence per thread. */
void ssr_stats_bind(int app);

void ssr_stats_add(ssr_stat_e which);
/* Moves a gauge up or down.  A child that dies without cleaning up leaves
 * its share in the gauges of the segment it had. */
void ssr_stats_gauge(ssr_stat_e which, int delta);

/* One render took this long: into the histograms (server-wide, and the
 * bound app's). */
void ssr_stats_render_time(apr_interval_time_t t);

/* Build events of an app record: a build put in service (by this
 * process), and a build that failed to load. */
void ssr_stats_loaded(int app, const char *build_id,
                      apr_interval_time_t load_time);
void ssr_stats_load_failed(int app, const char *why);

/* Percentiles from a histogram's bucket counts (exposed for the unit
 * tests): the value under which a fraction q of the samples fall, in
 * milliseconds, interpolated inside its bucket and never above max_ms;
 * 0 when there are no samples. */
double ssr_stats_percentile(const apr_uint32_t *counts, double q,
                            double max_ms);

#endif /* SSR_STATS_H */
