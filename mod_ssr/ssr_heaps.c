/*
 * ssr_heaps.c -- which heap a request renders in (see ssr_heaps.h).
 *
 * One pool per process and app, found through a small registry keyed by
 * the app record (app records live as long as the process).  A pool is a
 * mutex, a condition variable, a list of idle heaps (the one returned last
 * first: its memory is the warmest) and a line of waiting requests.
 *
 * apr_reslist is not used: its waits are not first come first served (a
 * condition variable wakes any waiter, and a new request can take a heap
 * before one that has waited), its timeout is one per list rather than per
 * request, and a wait cannot be cut short when the client leaves.  Here a
 * returned heap is handed straight to the request at the head of the line,
 * so nobody can overtake it; each waiter wakes every SSR_WAIT_SLICE to
 * look at its client and its deadline.
 *
 * Invariant, under the pool's lock: leased + idle <= size, so a process
 * never holds more than SSRHeaps heaps of an app, whatever the load.  A
 * lease is a place in the pool; its heap is made outside the lock (that
 * takes milliseconds) once the place is taken.
 */
#include <unistd.h>

#include <httpd.h>
#include <http_log.h>
#include <ap_mpm.h>
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

#include "ssr_heaps.h"
#include "ssr_ratelimit.h"
#include "ssr_stats.h"

APLOG_USE_MODULE(ssr);

/* SSRQueueLimit auto keeps a quarter of the worker threads out of the
 * pools in processes with at least this many threads. */
#define SSR_RESERVE_MIN 8

/* How often a waiting request looks at its client and its deadline. */
#define SSR_WAIT_SLICE apr_time_from_msec(20)

typedef struct ssr_pooled {
    ssr_heap_t *heap;
    apr_uint32_t serial;        /* the app's build it was made from */
    apr_time_t last_used;
    apr_interval_time_t made_in;/* how long making it took */
    apr_uint32_t kb;            /* its memory as counted in SSR_STAT_HEAP_KB */
    int why;                    /* once doomed: the ssr_stat_e counting why
                                 * it goes, or -1 */
    struct ssr_pooled *next;    /* in the idle list */
} ssr_pooled;

typedef struct ssr_waiter {
    struct ssr_waiter *next;
    int granted;                /* a place was handed over */
    ssr_pooled *ph;             /* with this heap, or NULL: make one */
    apr_thread_cond_t *cond;    /* signalled when it is */
} ssr_waiter;

typedef struct {
    apr_thread_mutex_t *lock;
    int size;
    int leased;                 /* places taken (heap made or being made) */
    ssr_pooled *idle;           /* most recently returned first */
    ssr_waiter *head, *tail;    /* the line, oldest first */
    int waiting;
    apr_uint32_t newest;        /* newest build serial seen */
    ssr_ratelimit_t shed_log;
} ssr_heap_pool;

struct ssr_lease_t {
    ssr_pooled *ph;
    apr_interval_time_t load_time;  /* the heap was made for it: in this */
    ssr_heap_pool *pool;        /* NULL: request scope */
    int returned;
};

/* The registry: app -> pool, in a pool of its own with its own allocator
 * (worker threads allocate from it, under ssr_pools_lock). */
static apr_pool_t *ssr_pools_pool;
static apr_hash_t *ssr_pools;
static apr_thread_mutex_t *ssr_pools_lock;
static int ssr_heaps_auto = 1;

/* This process's worker threads, and how many of them are in a heap pool
 * (all apps): holding a place or waiting for one; and of those, waiting.
 * SSRQueueLimit is checked against these. */
static int ssr_threads = 1;
static volatile apr_uint32_t ssr_in_pools;
static volatile apr_uint32_t ssr_in_line;

/* --- heaps ---------------------------------------------------------------- */

/* Brings the heap memory gauge up to date with this heap's allocator. */
static void ssr_pooled_account(ssr_pooled *ph)
{
    apr_uint32_t kb = (apr_uint32_t) (ssr_heap_memory(ph->heap) / 1024);

    ssr_stats_gauge(SSR_STAT_HEAP_KB, (int) kb - (int) ph->kb);
    ph->kb = kb;
}

/* A new heap for gen in *out: APR_ETIMEDOUT when evaluating the bundle
 * ran past the render's deadline, another error otherwise (logged). */
static apr_status_t ssr_pooled_make(request_rec *r, ssr_app_t *app,
                                    ssr_gen_t *gen, const ssr_dir_conf *conf,
                                    ssr_pooled **out)
{
    ssr_heap_t *heap;
    ssr_pooled *ph;
    const char *err;
    apr_status_t rv;
    apr_time_t start = apr_time_now();

    *out = NULL;
    rv = ssr_heap_create_until(gen->bundle, ssr_app_heap_opts(app),
                               apr_time_now() + ssr_conf_timeout(conf),
                               r->pool, &heap, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(20040)
                      "cannot create a heap for build %s: %s", gen->build_id,
                      err);
        return rv == APR_TIMEUP ? APR_ETIMEDOUT : APR_EGENERAL;
    }
    ph = calloc(1, sizeof(*ph));
    if (ph == NULL) {
        ssr_heap_destroy(heap);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, APR_ENOMEM, r, APLOGNO(20040)
                      "cannot create a heap for build %s", gen->build_id);
        return APR_ENOMEM;
    }
    ph->heap = heap;
    ph->serial = gen->serial;
    ph->made_in = apr_time_now() - start;
    ph->why = -1;
    ssr_stats_gauge(SSR_STAT_HEAPS, 1);
    ssr_stats_add(SSR_STAT_HEAP_LOADS);
    ssr_pooled_account(ph);
    *out = ph;
    return APR_SUCCESS;
}

/* Destroys a heap; ph->why (if not -1) counts why it went. */
static void ssr_pooled_destroy(ssr_pooled *ph)
{
    if (ph == NULL) {
        return;
    }
    if (ph->why >= 0) {
        ssr_stats_add((ssr_stat_e) ph->why);
    }
    ssr_stats_gauge(SSR_STAT_HEAP_KB, -(int) ph->kb);
    ssr_heap_destroy(ph->heap);
    free(ph);
    ssr_stats_gauge(SSR_STAT_HEAPS, -1);
}

/* Destroys a list of heaps, linked by next; called without any lock held
 * (finalizers may run JavaScript for up to a second). */
static void ssr_destroy_list(ssr_pooled *doomed)
{
    while (doomed) {
        ssr_pooled *next = doomed->next;
        ssr_pooled_destroy(doomed);
        doomed = next;
    }
}

/* --- the registry ---------------------------------------------------------- */

int ssr_heaps_default(void)
{
    return ssr_heaps_auto;
}

static apr_status_t ssr_pools_cleanup(void *data)
{
    apr_hash_index_t *hi;

    (void) data;
    for (hi = apr_hash_first(NULL, ssr_pools); hi; hi = apr_hash_next(hi)) {
        ssr_heap_pool *pool = apr_hash_this_val(hi);

        /* The worker threads are gone by now; heaps still leased belong to
         * requests that never ended, and die with the process. */
        ssr_destroy_list(pool->idle);
        pool->idle = NULL;
        ssr_stats_gauge(SSR_STAT_HEAP_SLOTS, -pool->size);
    }
    ssr_pools = NULL;
    ssr_pools_lock = NULL;
    ssr_pools_pool = NULL;
    return APR_SUCCESS;
}

void ssr_heaps_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_allocator_t *alloc;
    apr_status_t rv;
    int threads = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    /* Renders are CPU-bound: more heaps than CPUs only adds heaps that
     * wait for a CPU, each with its own memory; more than threads can
     * never be in use at once. */
    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS ||
        threads < 1) {
        threads = 1;
    }
    ssr_heaps_auto = cpus < 1 ? 1 : (int) (cpus < threads ? cpus : threads);
    ssr_threads = threads;

    rv = apr_allocator_create(&alloc);
    if (rv == APR_SUCCESS) {
        rv = apr_pool_create_ex(&ssr_pools_pool, pchild, NULL, alloc);
        if (rv != APR_SUCCESS) {
            apr_allocator_destroy(alloc);
        }
    }
    if (rv == APR_SUCCESS) {
        apr_allocator_owner_set(alloc, ssr_pools_pool);
        apr_pool_tag(ssr_pools_pool, "mod_ssr heap pools");
        rv = apr_thread_mutex_create(&ssr_pools_lock, APR_THREAD_MUTEX_DEFAULT,
                                     ssr_pools_pool);
    }
    if (rv != APR_SUCCESS) {
        ssr_pools_lock = NULL;
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(20045)
                     "cannot set up the heap pools: every request of this "
                     "process renders in a heap of its own");
        return;
    }
    ssr_pools = apr_hash_make(ssr_pools_pool);
    apr_pool_pre_cleanup_register(ssr_pools_pool, NULL, ssr_pools_cleanup);
}

/* The app's pool in this process, made on first use with the size in
 * force for that request.  NULL: no pools here (logged at child_init). */
static ssr_heap_pool *ssr_pool_for(request_rec *r, ssr_app_t *app,
                                   const ssr_dir_conf *conf)
{
    ssr_heap_pool *pool;
    apr_status_t rv;

    if (ssr_pools_lock == NULL) {
        return NULL;
    }
    apr_thread_mutex_lock(ssr_pools_lock);
    pool = apr_hash_get(ssr_pools, &app, sizeof(app));
    if (pool == NULL) {
        pool = apr_pcalloc(ssr_pools_pool, sizeof(*pool));
        rv = apr_thread_mutex_create(&pool->lock, APR_THREAD_MUTEX_DEFAULT,
                                     ssr_pools_pool);
        if (rv != APR_SUCCESS) {
            apr_thread_mutex_unlock(ssr_pools_lock);
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, APLOGNO(20045)
                          "cannot create the heap pool of %s: this request "
                          "renders in a heap of its own",
                          ssr_app_bundle_path(app));
            return NULL;
        }
        pool->size = ssr_conf_heaps(conf) > 0 ? ssr_conf_heaps(conf)
                                              : ssr_heaps_auto;
        apr_hash_set(ssr_pools, apr_pmemdup(ssr_pools_pool, &app, sizeof(app)),
                     sizeof(app), pool);
        ssr_stats_gauge(SSR_STAT_HEAP_SLOTS, pool->size);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(20044)
                      "heap pool of %s: %d heaps", ssr_app_bundle_path(app),
                      pool->size);
    }
    apr_thread_mutex_unlock(ssr_pools_lock);
    return pool;
}

/* --- the pool, under its lock ---------------------------------------------- */

/* Moves idle heaps that must go onto *doomed: those of a build older than
 * the newest seen, and those unused for SSR_HEAP_IDLE (but never the
 * warmest). */
static void ssr_pool_sweep(ssr_heap_pool *pool, apr_time_t now,
                           ssr_pooled **doomed)
{
    ssr_pooled **pp = &pool->idle;
    int kept = 0;

    while (*pp) {
        ssr_pooled *ph = *pp;
        int stale = ph->serial < pool->newest;
        int cold = kept > 0 && now - ph->last_used > SSR_HEAP_IDLE;

        if (stale || cold) {
            ph->why = stale ? SSR_STAT_RECYCLED_BUILD : SSR_STAT_RECYCLED_IDLE;
            *pp = ph->next;
            ph->next = *doomed;
            *doomed = ph;
        }
        else {
            kept++;
            pp = &ph->next;
        }
    }
}

/* Takes an idle heap for build serial off the list (the warmest that
 * matches); when none matches, the warmest goes to *doomed so that the
 * heap about to be made keeps the pool within its size. */
static ssr_pooled *ssr_pool_take_idle(ssr_heap_pool *pool, apr_uint32_t serial,
                                      ssr_pooled **doomed)
{
    ssr_pooled **pp;
    ssr_pooled *ph;

    for (pp = &pool->idle; *pp; pp = &(*pp)->next) {
        if ((*pp)->serial == serial) {
            ph = *pp;
            *pp = ph->next;
            ph->next = NULL;
            return ph;
        }
    }
    if (pool->idle) {
        ph = pool->idle;
        ph->why = SSR_STAT_RECYCLED_BUILD;
        pool->idle = ph->next;
        ph->next = *doomed;
        *doomed = ph;
    }
    return NULL;
}

static void ssr_pool_unqueue(ssr_heap_pool *pool, ssr_waiter *w)
{
    ssr_waiter **pp;

    for (pp = &pool->head; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    pool->tail = NULL;
    for (w = pool->head; w; w = w->next) {
        pool->tail = w;
    }
    pool->waiting--;
    apr_atomic_dec32(&ssr_in_line);
    ssr_stats_gauge(SSR_STAT_HEAP_WAITS, -1);
}

/* A place comes free: the request at the head of the line gets it (with
 * the heap, if there is one to keep), else it goes back to the pool. */
static void ssr_pool_release(ssr_heap_pool *pool, ssr_pooled *ph,
                             apr_time_t now)
{
    ssr_waiter *w = pool->head;

    if (w) {
        pool->head = w->next;
        if (pool->head == NULL) {
            pool->tail = NULL;
        }
        pool->waiting--;
        apr_atomic_dec32(&ssr_in_line);
        ssr_stats_gauge(SSR_STAT_HEAP_WAITS, -1);
        w->granted = 1;
        w->ph = ph;
        /* Only the request handed the place wakes: a broadcast woke the
         * whole line at every render's end (at 8 clients on 2 heaps, six
         * threads woke to find it was not their turn). */
        apr_thread_cond_signal(w->cond);
        return;
    }
    pool->leased--;
    ssr_stats_gauge(SSR_STAT_HEAPS_BUSY, -1);
    if (ph) {
        ph->last_used = now;
        ph->next = pool->idle;
        pool->idle = ph;
    }
}

/* --- leases ---------------------------------------------------------------- */

static apr_status_t ssr_lease_cleanup(void *data)
{
    ssr_lease_t *l = data;

    if (!l->returned) {
        ssr_heap_return(NULL, l);
    }
    return APR_SUCCESS;
}

static void ssr_log_shed(request_rec *r, ssr_heap_pool *pool,
                         apr_interval_time_t waited, int in_use, int waiting,
                         int line_full)
{
    int held_back = 0;
    int allow;

    apr_thread_mutex_lock(pool->lock);
    allow = ssr_ratelimit_allow(&pool->shed_log, apr_time_now(),
                                SSR_LOG_BURST, SSR_LOG_WINDOW, &held_back);
    apr_thread_mutex_unlock(pool->lock);
    if (!allow) {
        return;
    }
    if (line_full) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(20046)
                      "no heap free for %s and the line is full (%d of %d "
                      "heaps rendering, %d requests of this process waiting, "
                      "%d threads): answered 503 at once (SSRHeaps, "
                      "SSRQueueLimit)%s", r->uri, in_use, pool->size,
                      (int) apr_atomic_read32(&ssr_in_line), ssr_threads,
                      held_back > 0 ? apr_psprintf(r->pool,
                                                   "; %d more not logged",
                                                   held_back) : "");
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(20042)
                  "no heap free for %s after waiting %" APR_TIME_T_FMT
                  " ms (%d of %d heaps rendering, %d requests waiting): "
                  "answered 503 (SSRHeaps, SSRQueueTimeout)%s",
                  r->uri, apr_time_as_msec(waited), in_use, pool->size,
                  waiting, held_back > 0
                  ? apr_psprintf(r->pool, "; %d more not logged", held_back)
                  : "");
}

/* May one more request wait in line?  SSRQueueLimit N: while fewer than N
 * of this process's requests wait (all apps).  auto: while requests in the
 * pools, rendering or waiting, hold fewer than three quarters of the
 * worker threads (with 8 threads or more).  The last quarter then always has threads for static
 * files, server-status and the 503s themselves; were every thread to wait
 * for a heap, the MPM would stop reading the connections it holds (the
 * event MPM even closes idle keep-alive ones), and requests behind them
 * would wait for seconds where a queued one waits for a few renders. */
static int ssr_line_open(const ssr_dir_conf *conf)
{
    int limit = ssr_conf_queue_limit(conf);

    if (limit > 0) {
        return apr_atomic_read32(&ssr_in_line) < (apr_uint32_t) limit;
    }
    /* this request is counted in ssr_in_pools already; a process with
     * fewer than SSR_RESERVE_MIN threads needs each of them for pages */
    return ssr_threads < SSR_RESERVE_MIN ||
           apr_atomic_read32(&ssr_in_pools) <=
           (apr_uint32_t) (ssr_threads - ssr_threads / 4);
}

/* Waits in line for a place.  Called and returns with the lock held. */
static apr_status_t ssr_pool_wait(request_rec *r, ssr_heap_pool *pool,
                                  ssr_waiter *w, apr_time_t until,
                                  ssr_conn_watch *watch)
{
    apr_status_t rv = apr_thread_cond_create(&w->cond, r->pool);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    w->next = NULL;
    if (pool->tail) {
        pool->tail->next = w;
    }
    else {
        pool->head = w;
    }
    pool->tail = w;
    pool->waiting++;
    apr_atomic_inc32(&ssr_in_line);
    ssr_stats_gauge(SSR_STAT_HEAP_WAITS, 1);
    for (;;) {
        apr_time_t now = apr_time_now();
        apr_interval_time_t slice = until - now;

        if (w->granted) {
            return APR_SUCCESS;
        }
        if (slice <= 0) {
            ssr_pool_unqueue(pool, w);
            return APR_TIMEUP;
        }
        if (watch && ssr_conn_gone(watch)) {
            ssr_pool_unqueue(pool, w);
            return APR_ECONNABORTED;
        }
        apr_thread_cond_timedwait(w->cond, pool->lock,
                                  slice < SSR_WAIT_SLICE ? slice
                                                         : SSR_WAIT_SLICE);
    }
}

static int ssr_pooled_fits(const ssr_pooled *ph, const ssr_gen_t *gen,
                           int max_renders)
{
    return ph->serial == gen->serial && ssr_heap_reusable(ph->heap) &&
           (max_renders == 0 || ssr_heap_renders(ph->heap) < max_renders);
}

static apr_status_t ssr_lease_for_request(request_rec *r, ssr_app_t *app,
                                          ssr_gen_t *gen,
                                          const ssr_dir_conf *conf,
                                          ssr_lease_t **out)
{
    ssr_lease_t *l = apr_pcalloc(r->pool, sizeof(*l));
    apr_status_t rv = ssr_pooled_make(r, app, gen, conf, &l->ph);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    l->load_time = l->ph->made_in;
    ssr_stats_gauge(SSR_STAT_HEAPS_BUSY, 1);
    apr_pool_cleanup_register(r->pool, l, ssr_lease_cleanup,
                              apr_pool_cleanup_null);
    *out = l;
    return APR_SUCCESS;
}

apr_status_t ssr_heap_lease(request_rec *r, ssr_app_t *app, ssr_gen_t *gen,
                            const ssr_dir_conf *conf, ssr_conn_watch *watch,
                            ssr_lease_t **out)
{
    ssr_heap_pool *pool = NULL;
    ssr_pooled *ph = NULL, *doomed = NULL;
    ssr_waiter w = { NULL, 0, NULL, NULL };
    apr_time_t start = apr_time_now();
    apr_status_t rv = APR_SUCCESS;
    int in_use = 0, waiting = 0, line_full = 0, made;
    ssr_lease_t *l;

    *out = NULL;
    if (ssr_conf_scope(conf) == SSR_SCOPE_POOL) {
        pool = ssr_pool_for(r, app, conf);
    }
    if (pool == NULL) {
        return ssr_lease_for_request(r, app, gen, conf, out);
    }

    apr_atomic_inc32(&ssr_in_pools);
    apr_thread_mutex_lock(pool->lock);
    if (gen->serial > pool->newest) {
        pool->newest = gen->serial;
    }
    ssr_pool_sweep(pool, start, &doomed);
    if (pool->head == NULL && pool->leased < pool->size) {
        pool->leased++;
        ssr_stats_gauge(SSR_STAT_HEAPS_BUSY, 1);
        ph = ssr_pool_take_idle(pool, gen->serial, &doomed);
    }
    else if (!ssr_line_open(conf)) {
        rv = APR_TIMEUP;
        line_full = 1;
        in_use = pool->leased;
        waiting = pool->waiting;
    }
    else {
        rv = ssr_pool_wait(r, pool, &w, start + ssr_conf_queue_timeout(conf),
                           watch);
        ph = w.ph;
        in_use = pool->leased;
        waiting = pool->waiting;
    }
    apr_thread_mutex_unlock(pool->lock);
    ssr_destroy_list(doomed);

    if (rv != APR_SUCCESS) {
        apr_atomic_dec32(&ssr_in_pools);
    }
    if (rv == APR_TIMEUP) {
        ssr_log_shed(r, pool, apr_time_now() - start, in_use, waiting,
                     line_full);
        return rv;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* A place is ours: a heap handed over may be of another build (this
     * request holds an older one, or it was returned before a newer one
     * was seen) or past SSRMaxRenders. */
    if (ph && !ssr_pooled_fits(ph, gen, ssr_conf_max_renders(conf))) {
        ph->why = ph->serial != gen->serial ? SSR_STAT_RECYCLED_BUILD
                  : !ssr_heap_reusable(ph->heap) ? SSR_STAT_RECYCLED_FAILED
                  : SSR_STAT_RECYCLED_MAX;
        ssr_pooled_destroy(ph);
        ph = NULL;
    }
    made = ph == NULL;
    if (ph == NULL) {
        rv = ssr_pooled_make(r, app, gen, conf, &ph);
        if (rv != APR_SUCCESS) {
            apr_thread_mutex_lock(pool->lock);
            ssr_pool_release(pool, NULL, apr_time_now());
            apr_thread_mutex_unlock(pool->lock);
            apr_atomic_dec32(&ssr_in_pools);
            return rv;
        }
    }
    l = apr_pcalloc(r->pool, sizeof(*l));
    l->ph = ph;
    l->pool = pool;
    l->load_time = made ? ph->made_in : 0;
    /* Should the request end without giving it back, the place is not
     * lost. */
    apr_pool_cleanup_register(r->pool, l, ssr_lease_cleanup,
                              apr_pool_cleanup_null);
    *out = l;
    return APR_SUCCESS;
}

ssr_heap_t *ssr_lease_heap(ssr_lease_t *l)
{
    return l->ph->heap;
}

apr_interval_time_t ssr_lease_load_time(const ssr_lease_t *l)
{
    return l->load_time;
}

void ssr_heap_return(request_rec *r, ssr_lease_t *l)
{
    ssr_pooled *ph = l->ph, *doomed = NULL;
    ssr_heap_pool *pool = l->pool;
    apr_time_t now = apr_time_now();

    if (l->returned) {
        return;
    }
    l->returned = 1;
    l->ph = NULL;
    if (pool == NULL) {
        /* Request scope: free it now rather than with the request. */
        ssr_stats_gauge(SSR_STAT_HEAPS_BUSY, -1);
        ssr_pooled_destroy(ph);
        return;
    }
    ssr_pooled_account(ph);
    apr_thread_mutex_lock(pool->lock);
    if (!ssr_heap_reusable(ph->heap) || ph->serial < pool->newest) {
        ph->why = !ssr_heap_reusable(ph->heap) ? SSR_STAT_RECYCLED_FAILED
                                               : SSR_STAT_RECYCLED_BUILD;
        /* Unusable, or of a build that is no longer the newest: such a
         * heap is never handed out again. */
        if (r) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(20041)
                          "discarding a heap after %d renders%s",
                          ssr_heap_renders(ph->heap),
                          ph->serial < pool->newest
                          ? ": a newer build is in service" : "");
        }
        ph->next = doomed;
        doomed = ph;
        ph = NULL;
    }
    ssr_pool_release(pool, ph, now);
    ssr_pool_sweep(pool, now, &doomed);
    apr_thread_mutex_unlock(pool->lock);
    apr_atomic_dec32(&ssr_in_pools);
    ssr_destroy_list(doomed);
}
