/*
 * ssr_ratelimit.c -- log rate limiting (see ssr_ratelimit.h).
 */
#include "ssr_ratelimit.h"

int ssr_ratelimit_allow(ssr_ratelimit_t *rl, apr_time_t now, int burst,
                        apr_interval_time_t window, int *held_back)
{
    if (rl->window_start == 0 || now < rl->window_start ||
        now - rl->window_start >= window) {
        rl->window_start = now;
        rl->in_window = 0;
    }
    if (rl->in_window >= burst) {
        rl->held_back++;
        return 0;
    }
    rl->in_window++;
    *held_back = rl->held_back;
    rl->held_back = 0;
    return 1;
}
