/*
 * ssr_ratelimit.h -- at most a burst of log lines per window, so that a
 * route failing on every request cannot flood the error log.  What is held
 * back is counted and reported with the next line that gets through.
 */
#ifndef SSR_RATELIMIT_H
#define SSR_RATELIMIT_H

#include <apr.h>
#include <apr_time.h>

#define SSR_LOG_BURST 10
#define SSR_LOG_WINDOW apr_time_from_sec(10)

typedef struct {
    apr_time_t window_start;
    int in_window;       /* lines let through in this window */
    int held_back;       /* lines held back since the last one through */
} ssr_ratelimit_t;

/* Non-zero if one more line may be logged at now; then *held_back is how
 * many were held back before it (and the count restarts). */
int ssr_ratelimit_allow(ssr_ratelimit_t *rl, apr_time_t now, int burst,
                        apr_interval_time_t window, int *held_back);

#endif /* SSR_RATELIMIT_H */
