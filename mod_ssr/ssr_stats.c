/*
 * ssr_stats.c -- render statistics in shared memory (see ssr_stats.h).
 *
 * Layout of the segment: the server-wide counters and gauges, the
 * server-wide histogram, then SSR_STATS_APPS app records.  Every number is
 * a 32-bit word updated with apr_atomic; the few strings of an app record
 * (its build id, its last load error) are written under a sequence lock
 * so that a reader never shows half of one and half of another.
 *
 * The histograms count render times into fixed buckets, per time slice:
 * a slice is reset by the first render that finds it holding an older
 * slice's counts, so the percentiles follow the last minute of renders
 * without any timer.  Two processes starting the same slice at once can
 * lose a few samples; that is the price of taking no lock.
 */
#include <httpd.h>
#include <http_log.h>
#include <http_protocol.h>
#include <mod_status.h>
#include <apr_atomic.h>
#include <apr_optional_hooks.h>
#include <apr_shm.h>
#include <apr_strings.h>

#include "ssr_reload.h"
#include "ssr_stats.h"

APLOG_USE_MODULE(ssr);

/* Upper bounds of the buckets, in ms; the last one takes the rest. */
#define SSR_HIST_BUCKETS 28
static const double ssr_hist_bounds[SSR_HIST_BUCKETS] = {
    0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300,
    500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000, 60000,
    0 /* no bound */
};

typedef struct {
    volatile apr_uint32_t slice;     /* apr_time_sec(now) / SSR_HIST_SLICE */
    volatile apr_uint32_t counts[SSR_HIST_BUCKETS];
    volatile apr_uint32_t max_us;
} ssr_hist_slice;

typedef struct {
    ssr_hist_slice slices[SSR_HIST_WINDOWS];
} ssr_hist;

#define SSR_FREE 0
#define SSR_CLAIMED 1
#define SSR_IN_USE 2

typedef struct {
    volatile apr_uint32_t state;
    apr_uint64_t key_hash;
    char bundle[256];
    char tpl[256];
    char server[128];
    /* written under seq (odd while a writer is at it) */
    volatile apr_uint32_t seq;
    char build_id[72];
    apr_time_t loaded_at;
    apr_uint32_t load_us;
    apr_uint32_t loads;
    char error[768];
    apr_time_t error_at;
    apr_uint32_t load_failures;
    /* */
    volatile apr_uint32_t counters[SSR_STAT_FIRST_GAUGE];
    ssr_hist hist;
} ssr_app_rec;

typedef struct {
    volatile apr_uint32_t counters[SSR_STAT_COUNT];
    ssr_hist hist;
    ssr_app_rec apps[SSR_STATS_APPS];
} ssr_stats_shm;

static ssr_stats_shm *ssr_shm;
/* the app record this thread's counters also go to (ssr_stats_bind) */
static __thread int ssr_bound = -1;

/* Names as shown by server-status?auto (and, without "SSR", in the HTML
 * page). */
static const char *const ssr_stat_names[SSR_STAT_COUNT] = {
    "SSRRenders", "SSRFailures", "SSRTimeouts", "SSRMemoryLimited",
    "SSRAborted", "SSRNotStarted", "SSRFallbacks", "SSRShed",
    "SSRStreamed", "SSRStreamErrors",
    "SSRThrew", "SSRBadResults", "SSRNoBuild", "SSRHeapLoads",
    "SSRHeapsRecycledBuild", "SSRHeapsRecycledMaxRenders",
    "SSRHeapsRecycledFailed", "SSRHeapsRecycledIdle",
    "SSRHeapSlots", "SSRHeaps", "SSRHeapsBusy", "SSRHeapWaits",
    "SSRHeapKB"
};

apr_status_t ssr_stats_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_shm_t *shm;
    apr_size_t size = sizeof(ssr_stats_shm);
    apr_status_t rv = apr_shm_create(&shm, size, NULL, pconf);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, APLOGNO(20060)
                     "cannot create shared memory for render statistics; "
                     "they will not be counted");
        ssr_shm = NULL;
        return APR_SUCCESS;
    }
    ssr_shm = apr_shm_baseaddr_get(shm);
    memset(ssr_shm, 0, size);
    return APR_SUCCESS;
}

/* --- app records ---------------------------------------------------------- */

int ssr_stats_app(const char *key, const char *bundle, const char *tpl,
                  server_rec *s)
{
    apr_uint64_t h = ssr_fnv1a(SSR_FNV_OFFSET, key, strlen(key));
    int i;

    if (ssr_shm == NULL) {
        return -1;
    }
    for (i = 0; i < SSR_STATS_APPS; i++) {
        ssr_app_rec *a = &ssr_shm->apps[i];
        apr_uint32_t st = apr_atomic_read32(&a->state);

        if (st == SSR_IN_USE && a->key_hash == h) {
            return i;
        }
        if (st == SSR_FREE &&
            apr_atomic_cas32(&a->state, SSR_CLAIMED, SSR_FREE) == SSR_FREE) {
            a->key_hash = h;
            apr_cpystrn(a->bundle, bundle, sizeof(a->bundle));
            apr_cpystrn(a->tpl, tpl, sizeof(a->tpl));
            apr_snprintf(a->server, sizeof(a->server), s->port ? "%s:%u"
                         : "%s", s->server_hostname ? s->server_hostname
                                                    : "-", (unsigned) s->port);
            apr_atomic_set32(&a->state, SSR_IN_USE);
            return i;
        }
        /* SSR_CLAIMED: another process is filling it in; if it is the
         * same app, it gets a second record (rare, and harmless) */
    }
    return -1;
}

void ssr_stats_bind(int app)
{
    ssr_bound = app;
}

static ssr_app_rec *ssr_rec(int app)
{
    return ssr_shm && app >= 0 && app < SSR_STATS_APPS
           ? &ssr_shm->apps[app] : NULL;
}

static void ssr_rec_lock(ssr_app_rec *a, apr_uint32_t *seq)
{
    for (;;) {
        apr_uint32_t s = apr_atomic_read32(&a->seq);

        if ((s & 1) == 0 && apr_atomic_cas32(&a->seq, s + 1, s) == s) {
            *seq = s;
            return;
        }
    }
}

static void ssr_rec_unlock(ssr_app_rec *a, apr_uint32_t seq)
{
    apr_atomic_set32(&a->seq, seq + 2);
}

void ssr_stats_loaded(int app, const char *build_id,
                      apr_interval_time_t load_time)
{
    ssr_app_rec *a = ssr_rec(app);
    apr_uint32_t seq;

    if (a == NULL) {
        return;
    }
    ssr_rec_lock(a, &seq);
    apr_cpystrn(a->build_id, build_id, sizeof(a->build_id));
    a->loaded_at = apr_time_now();
    a->load_us = (apr_uint32_t) load_time;
    a->loads++;
    ssr_rec_unlock(a, seq);
}

void ssr_stats_load_failed(int app, const char *why)
{
    ssr_app_rec *a = ssr_rec(app);
    apr_uint32_t seq;

    if (a == NULL) {
        return;
    }
    ssr_rec_lock(a, &seq);
    apr_cpystrn(a->error, why, sizeof(a->error));
    a->error_at = apr_time_now();
    a->load_failures++;
    ssr_rec_unlock(a, seq);
}

/* A consistent copy of an app record's strings and times. */
static void ssr_rec_copy(ssr_app_rec *a, ssr_app_rec *out)
{
    int tries;

    for (tries = 0; tries < 1000; tries++) {
        apr_uint32_t s1 = apr_atomic_read32(&a->seq);

        if (s1 & 1) {
            continue;
        }
        memcpy(out, a, sizeof(*out));
        if (apr_atomic_read32(&a->seq) == s1) {
            return;
        }
    }
    /* a writer that died mid-way: show what is there */
    memcpy(out, a, sizeof(*out));
}

/* --- counters ------------------------------------------------------------- */

void ssr_stats_add(ssr_stat_e which)
{
    ssr_app_rec *a;

    if (ssr_shm == NULL) {
        return;
    }
    apr_atomic_inc32(&ssr_shm->counters[which]);
    a = ssr_rec(ssr_bound);
    if (a && which < SSR_STAT_FIRST_GAUGE) {
        apr_atomic_inc32(&a->counters[which]);
    }
}

void ssr_stats_gauge(ssr_stat_e which, int delta)
{
    if (ssr_shm && delta != 0) {
        /* unsigned wrap-around makes a negative delta a subtraction */
        apr_atomic_add32(&ssr_shm->counters[which], (apr_uint32_t) delta);
    }
}

/* --- histograms ----------------------------------------------------------- */

static int ssr_hist_bucket(double ms)
{
    int i;

    for (i = 0; i < SSR_HIST_BUCKETS - 1; i++) {
        if (ms <= ssr_hist_bounds[i]) {
            return i;
        }
    }
    return SSR_HIST_BUCKETS - 1;
}

static void ssr_hist_add(ssr_hist *h, apr_uint32_t now_slice, int bucket,
                         apr_uint32_t us)
{
    ssr_hist_slice *sl = &h->slices[now_slice % SSR_HIST_WINDOWS];
    apr_uint32_t seen = apr_atomic_read32(&sl->slice);
    apr_uint32_t max;

    if (seen != now_slice &&
        apr_atomic_cas32(&sl->slice, now_slice, seen) == seen) {
        int i;

        /* this slice last counted a minute ago: start it afresh */
        for (i = 0; i < SSR_HIST_BUCKETS; i++) {
            apr_atomic_set32(&sl->counts[i], 0);
        }
        apr_atomic_set32(&sl->max_us, 0);
    }
    apr_atomic_inc32(&sl->counts[bucket]);
    while ((max = apr_atomic_read32(&sl->max_us)) < us &&
           apr_atomic_cas32(&sl->max_us, us, max) != max) {
        /* another render raised it meanwhile: look again */
    }
}

void ssr_stats_render_time(apr_interval_time_t t)
{
    apr_uint32_t now_slice = (apr_uint32_t) (apr_time_sec(apr_time_now()) /
                                             SSR_HIST_SLICE);
    apr_uint32_t us = t < 0 ? 0 : t > (apr_interval_time_t) APR_UINT32_MAX
                                  ? APR_UINT32_MAX : (apr_uint32_t) t;
    int bucket = ssr_hist_bucket((double) us / 1000.0);
    ssr_app_rec *a;

    if (ssr_shm == NULL) {
        return;
    }
    ssr_hist_add(&ssr_shm->hist, now_slice, bucket, us);
    if ((a = ssr_rec(ssr_bound)) != NULL) {
        ssr_hist_add(&a->hist, now_slice, bucket, us);
    }
}

double ssr_stats_percentile(const apr_uint32_t *counts, double q,
                            double max_ms)
{
    apr_uint64_t total = 0, below = 0;
    double rank;
    int i;

    for (i = 0; i < SSR_HIST_BUCKETS; i++) {
        total += counts[i];
    }
    if (total == 0) {
        return 0;
    }
    rank = q * (double) total;
    for (i = 0; i < SSR_HIST_BUCKETS; i++) {
        if (counts[i] > 0 && (double) (below + counts[i]) >= rank) {
            double lo = i == 0 ? 0 : ssr_hist_bounds[i - 1];
            double hi = i == SSR_HIST_BUCKETS - 1 ? max_ms : ssr_hist_bounds[i];
            double v = lo + (hi - lo) * (rank - (double) below) /
                            (double) counts[i];

            return v > max_ms ? max_ms : v;
        }
        below += counts[i];
    }
    return max_ms;
}

/* A histogram's recent window summed up. */
typedef struct {
    apr_uint32_t counts[SSR_HIST_BUCKETS];
    apr_uint32_t n;
    double max_ms, p50, p90, p99;
} ssr_window;

static void ssr_window_of(const ssr_hist *h, ssr_window *w)
{
    apr_uint32_t now_slice = (apr_uint32_t) (apr_time_sec(apr_time_now()) /
                                             SSR_HIST_SLICE);
    apr_uint32_t max_us = 0;
    int i, j;

    memset(w, 0, sizeof(*w));
    for (i = 0; i < SSR_HIST_WINDOWS; i++) {
        const ssr_hist_slice *sl = &h->slices[i];
        apr_uint32_t slice = apr_atomic_read32((volatile apr_uint32_t *) &sl->slice);

        if (slice == 0 || slice > now_slice ||
            now_slice - slice >= SSR_HIST_WINDOWS) {
            continue;
        }
        for (j = 0; j < SSR_HIST_BUCKETS; j++) {
            apr_uint32_t c = apr_atomic_read32((volatile apr_uint32_t *) &sl->counts[j]);
            w->counts[j] += c;
            w->n += c;
        }
        if (sl->max_us > max_us) {
            max_us = sl->max_us;
        }
    }
    w->max_ms = (double) max_us / 1000.0;
    w->p50 = ssr_stats_percentile(w->counts, 0.50, w->max_ms);
    w->p90 = ssr_stats_percentile(w->counts, 0.90, w->max_ms);
    w->p99 = ssr_stats_percentile(w->counts, 0.99, w->max_ms);
}

/* --- the status page ------------------------------------------------------ */

static apr_uint32_t ssr_get(const volatile apr_uint32_t *c, int which)
{
    return apr_atomic_read32((volatile apr_uint32_t *) &c[which]);
}

/* One line of text: control characters (a stack's newlines) as spaces. */
static char *ssr_one_line(apr_pool_t *p, const char *s)
{
    char *out = apr_pstrdup(p, s), *c;

    for (c = out; *c; c++) {
        if ((unsigned char) *c < 0x20 || *c == 0x7f) {
            *c = ' ';
        }
    }
    return out;
}

static const char *ssr_age(apr_pool_t *p, apr_time_t when, apr_time_t now)
{
    apr_time_t secs = apr_time_sec(now - when);

    if (secs < 120) {
        return apr_psprintf(p, "%" APR_TIME_T_FMT " s ago", secs);
    }
    if (secs < 7200) {
        return apr_psprintf(p, "%" APR_TIME_T_FMT " min ago", secs / 60);
    }
    if (secs < 2 * 86400) {
        return apr_psprintf(p, "%" APR_TIME_T_FMT " h ago", secs / 3600);
    }
    return apr_psprintf(p, "%" APR_TIME_T_FMT " days ago", secs / 86400);
}

static void ssr_auto_window(request_rec *r, const char *prefix,
                            const ssr_window *w)
{
    ap_rprintf(r, "%sRenderWindowCount: %u\n", prefix, w->n);
    ap_rprintf(r, "%sRenderP50Ms: %.1f\n", prefix, w->p50);
    ap_rprintf(r, "%sRenderP90Ms: %.1f\n", prefix, w->p90);
    ap_rprintf(r, "%sRenderP99Ms: %.1f\n", prefix, w->p99);
    ap_rprintf(r, "%sRenderMaxMs: %.1f\n", prefix, w->max_ms);
}

static void ssr_status_auto(request_rec *r)
{
    ssr_window w;
    int i, k;

    for (i = 0; i < SSR_STAT_COUNT; i++) {
        ap_rprintf(r, "%s: %u\n", ssr_stat_names[i],
                   ssr_get(ssr_shm->counters, i));
    }
    ap_rprintf(r, "SSRRenderWindowSeconds: %d\n",
               SSR_HIST_SLICE * SSR_HIST_WINDOWS);
    ssr_window_of(&ssr_shm->hist, &w);
    ssr_auto_window(r, "SSR", &w);
    for (i = 0, k = 0; i < SSR_STATS_APPS; i++) {
        ssr_app_rec a;
        const char *pre;
        int c;

        if (apr_atomic_read32(&ssr_shm->apps[i].state) != SSR_IN_USE) {
            continue;
        }
        ssr_rec_copy(&ssr_shm->apps[i], &a);
        pre = apr_psprintf(r->pool, "SSRApp%d", ++k);
        ap_rprintf(r, "%sBundle: %s\n", pre, a.bundle);
        ap_rprintf(r, "%sTemplate: %s\n", pre, a.tpl);
        ap_rprintf(r, "%sServer: %s\n", pre, a.server);
        ap_rprintf(r, "%sBuild: %s\n", pre, a.build_id[0] ? a.build_id : "-");
        ap_rprintf(r, "%sBuildLoadedAt: %" APR_TIME_T_FMT "\n", pre,
                   apr_time_sec(a.loaded_at));
        ap_rprintf(r, "%sLoadMs: %.1f\n", pre, (double) a.load_us / 1000.0);
        ap_rprintf(r, "%sLoads: %u\n", pre, a.loads);
        ap_rprintf(r, "%sLoadFailures: %u\n", pre, a.load_failures);
        ap_rprintf(r, "%sLoadErrorAt: %" APR_TIME_T_FMT "\n", pre,
                   apr_time_sec(a.error_at));
        ap_rprintf(r, "%sLoadError: %s\n", pre,
                   a.error[0] ? ssr_one_line(r->pool, a.error) : "-");
        /* the counters up to the heap lines: those are server-wide */
        for (c = 0; c < SSR_STAT_HEAP_LOADS; c++) {
            ap_rprintf(r, "%s%s: %u\n", pre, ssr_stat_names[c] + 3,
                       ssr_get(ssr_shm->apps[i].counters, c));
        }
        ssr_window_of(&ssr_shm->apps[i].hist, &w);
        ssr_auto_window(r, pre, &w);
    }
}

static void ssr_html_window(request_rec *r, const ssr_window *w)
{
    ap_rprintf(r, "<td class=\"n\">%u</td><td class=\"n\">%.1f</td>"
               "<td class=\"n\">%.1f</td><td class=\"n\">%.1f</td>"
               "<td class=\"n\">%.1f</td>", w->n, w->p50, w->p90, w->p99,
               w->max_ms);
}

static void ssr_html_kv(request_rec *r, const char *name, apr_uint32_t v)
{
    ap_rprintf(r, "<tr><th align=\"left\">%s</th><td class=\"n\">%u"
               "</td></tr>\n", name, v);
}

static void ssr_status_html(request_rec *r)
{
    const volatile apr_uint32_t *c = ssr_shm->counters;
    apr_time_t now = apr_time_now();
    ssr_window w;
    int i;

    /* id: /server-status#mod_ssr opens the page at this section */
    ap_rputs("<hr />\n<h2 id=\"mod_ssr\">mod_ssr</h2>\n<style>"
             "table.ssr{border-collapse:collapse;margin-bottom:1em}"
             "table.ssr th,table.ssr td{border:1px solid #aaa;"
             "padding:2px 6px;vertical-align:top}"
             "table.ssr td.n{text-align:right}"
             "table.ssr pre{white-space:pre-wrap;max-width:40em;margin:0}"
             "</style>\n", r);

    ap_rprintf(r, "<h3>Render times, last %d s</h3>\n"
               "<table class=\"ssr\">\n"
               "<tr><th>app</th><th>renders</th><th>p50 ms</th>"
               "<th>p90 ms</th><th>p99 ms</th><th>max ms</th></tr>\n",
               SSR_HIST_SLICE * SSR_HIST_WINDOWS);
    ssr_window_of(&ssr_shm->hist, &w);
    ap_rputs("<tr><td><b>all</b></td>", r);
    ssr_html_window(r, &w);
    ap_rputs("</tr>\n", r);
    for (i = 0; i < SSR_STATS_APPS; i++) {
        if (apr_atomic_read32(&ssr_shm->apps[i].state) != SSR_IN_USE) {
            continue;
        }
        ssr_window_of(&ssr_shm->apps[i].hist, &w);
        ap_rprintf(r, "<tr><td>%s</td>",
                   ap_escape_html2(r->pool, ssr_shm->apps[i].bundle, 0));
        ssr_html_window(r, &w);
        ap_rputs("</tr>\n", r);
    }
    ap_rputs("</table>\n", r);

    for (i = 0; i < SSR_STATS_APPS; i++) {
        const volatile apr_uint32_t *ac = ssr_shm->apps[i].counters;
        ssr_app_rec a;

        if (apr_atomic_read32(&ssr_shm->apps[i].state) != SSR_IN_USE) {
            continue;
        }
        ssr_rec_copy(&ssr_shm->apps[i], &a);
        ssr_window_of(&ssr_shm->apps[i].hist, &w);
        ap_rprintf(r, "<h3>App %s</h3>\n<table class=\"ssr\">\n"
                   "<tr><th align=\"left\">server</th><td>%s</td></tr>\n"
                   "<tr><th align=\"left\">template</th><td>%s</td></tr>\n",
                   ap_escape_html2(r->pool, a.bundle, 0),
                   ap_escape_html2(r->pool, a.server, 0),
                   ap_escape_html2(r->pool, a.tpl, 0));
        if (a.build_id[0]) {
            ap_rprintf(r, "<tr><th align=\"left\">build in service</th>"
                       "<td><b>%s</b>, loaded %s in %.1f ms (%u loads)"
                       "</td></tr>\n",
                       ap_escape_html2(r->pool, a.build_id, 0),
                       ssr_age(r->pool, a.loaded_at, now),
                       (double) a.load_us / 1000.0, a.loads);
        }
        else {
            ap_rputs("<tr><th align=\"left\">build in service</th>"
                     "<td><b>none</b>: requests answer 503</td></tr>\n", r);
        }
        if (a.error[0]) {
            ap_rprintf(r, "<tr><th align=\"left\">last load error</th>"
                       "<td>%s%s (%u failed loads)<pre>%s</pre></td></tr>\n",
                       ssr_age(r->pool, a.error_at, now),
                       a.build_id[0] && a.error_at > a.loaded_at
                       ? ", still serving the build above" : "",
                       a.load_failures, ap_escape_html2(r->pool, a.error, 0));
        }
        ap_rprintf(r, "<tr><th align=\"left\">renders</th><td>%u since "
                   "start; last %d s: %u, p50 %.1f ms, p90 %.1f ms, p99 %.1f "
                   "ms, max %.1f ms</td></tr>\n",
                   ssr_get(ac, SSR_STAT_RENDERS),
                   SSR_HIST_SLICE * SSR_HIST_WINDOWS, w.n, w.p50, w.p90,
                   w.p99, w.max_ms);
        ap_rprintf(r, "<tr><th align=\"left\">failed</th><td>%u: threw %u, "
                   "timed out %u, memory limit %u, bad result %u</td></tr>\n"
                   "<tr><th align=\"left\">not sent</th><td>client gone "
                   "%u during the render, %u before it</td></tr>\n"
                   "<tr><th align=\"left\">fallback pages</th><td>%u</td>"
                   "</tr>\n"
                   "<tr><th align=\"left\">503</th><td>no build %u, no heap "
                   "free (shed) %u</td></tr>\n</table>\n",
                   ssr_get(ac, SSR_STAT_FAILURES),
                   ssr_get(ac, SSR_STAT_THREW), ssr_get(ac, SSR_STAT_TIMEOUTS),
                   ssr_get(ac, SSR_STAT_MEMORY),
                   ssr_get(ac, SSR_STAT_BAD_RESULT),
                   ssr_get(ac, SSR_STAT_ABORTED),
                   ssr_get(ac, SSR_STAT_NOT_STARTED),
                   ssr_get(ac, SSR_STAT_FALLBACKS),
                   ssr_get(ac, SSR_STAT_NO_BUILD), ssr_get(ac, SSR_STAT_SHED));
    }
    ap_rputs("<h3>Heaps</h3>\n<table class=\"ssr\">\n", r);
    ssr_html_kv(r, "heaps (all processes)", ssr_get(c, SSR_STAT_HEAPS));
    ssr_html_kv(r, "... rendering or being made",
                ssr_get(c, SSR_STAT_HEAPS_BUSY));
    ssr_html_kv(r, "pool places (SSRHeaps)", ssr_get(c, SSR_STAT_HEAP_SLOTS));
    ssr_html_kv(r, "requests waiting for a heap",
                ssr_get(c, SSR_STAT_HEAP_WAITS));
    ssr_html_kv(r, "heap memory, KiB", ssr_get(c, SSR_STAT_HEAP_KB));
    ssr_html_kv(r, "heaps made", ssr_get(c, SSR_STAT_HEAP_LOADS));
    ssr_html_kv(r, "recycled: newer build",
                ssr_get(c, SSR_STAT_RECYCLED_BUILD));
    ssr_html_kv(r, "recycled: SSRMaxRenders",
                ssr_get(c, SSR_STAT_RECYCLED_MAX));
    ssr_html_kv(r, "recycled: failed render",
                ssr_get(c, SSR_STAT_RECYCLED_FAILED));
    ssr_html_kv(r, "recycled: idle", ssr_get(c, SSR_STAT_RECYCLED_IDLE));
    ap_rputs("</table>\n", r);

    ap_rputs("<h3>Since start, all apps</h3>\n"
             "<table class=\"ssr\">\n", r);
    for (i = 0; i < SSR_STAT_HEAP_LOADS; i++) {
        ssr_html_kv(r, ssr_stat_names[i] + 3, ssr_get(c, i));
    }
    ap_rputs("</table>\n", r);
}

static int ssr_stats_status(request_rec *r, int flags)
{
    if (ssr_shm == NULL) {
        return OK;
    }
    if (flags & AP_STATUS_SHORT) {
        ssr_status_auto(r);
    }
    else {
        ssr_status_html(r);
    }
    return OK;
}

void ssr_stats_register_hooks(apr_pool_t *p)
{
    APR_OPTIONAL_HOOK(ap, status_hook, ssr_stats_status, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
