/*
 * ssr_stats.c -- server-wide render counters (see ssr_stats.h).
 */
#include <httpd.h>
#include <http_log.h>
#include <http_protocol.h>
#include <mod_status.h>
#include <apr_atomic.h>
#include <apr_optional_hooks.h>
#include <apr_shm.h>
#include <apr_strings.h>

#include "ssr_stats.h"

APLOG_USE_MODULE(ssr);

static volatile apr_uint32_t *ssr_counters;

/* Names as shown by server-status?auto (and, spaced, in the HTML page). */
static const char *const ssr_stat_names[SSR_STAT_COUNT] = {
    "SSRRenders", "SSRFailures", "SSRTimeouts", "SSRMemoryLimited",
    "SSRAborted", "SSRNotStarted", "SSRFallbacks", "SSRShed",
    "SSRStreamed", "SSRStreamErrors",
    "SSRHeapSlots", "SSRHeaps", "SSRHeapsBusy", "SSRHeapWaits"
};

apr_status_t ssr_stats_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_shm_t *shm;
    apr_size_t size = sizeof(apr_uint32_t) * SSR_STAT_COUNT;
    apr_status_t rv = apr_shm_create(&shm, size, NULL, pconf);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, APLOGNO(20060)
                     "cannot create shared memory for render statistics; "
                     "they will not be counted");
        ssr_counters = NULL;
        return APR_SUCCESS;
    }
    ssr_counters = apr_shm_baseaddr_get(shm);
    memset((void *) ssr_counters, 0, size);
    return APR_SUCCESS;
}

void ssr_stats_add(ssr_stat_e which)
{
    if (ssr_counters) {
        apr_atomic_inc32(&ssr_counters[which]);
    }
}

void ssr_stats_gauge(ssr_stat_e which, int delta)
{
    if (ssr_counters && delta != 0) {
        /* unsigned wrap-around makes a negative delta a subtraction */
        apr_atomic_add32(&ssr_counters[which], (apr_uint32_t) delta);
    }
}

static int ssr_stats_status(request_rec *r, int flags)
{
    int i;

    if (ssr_counters == NULL) {
        return OK;
    }
    if (flags & AP_STATUS_SHORT) {
        for (i = 0; i < SSR_STAT_COUNT; i++) {
            ap_rprintf(r, "%s: %u\n", ssr_stat_names[i],
                       apr_atomic_read32(&ssr_counters[i]));
        }
        return OK;
    }
    ap_rputs("<hr />\n<h2>mod_ssr</h2>\n<dl>\n", r);
    for (i = 0; i < SSR_STAT_COUNT; i++) {
        ap_rprintf(r, "<dt>%s</dt><dd>%u</dd>\n", ssr_stat_names[i] + 3,
                   apr_atomic_read32(&ssr_counters[i]));
    }
    ap_rputs("</dl>\n", r);
    return OK;
}

void ssr_stats_register_hooks(apr_pool_t *p)
{
    APR_OPTIONAL_HOOK(ap, status_hook, ssr_stats_status, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
