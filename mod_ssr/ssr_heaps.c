/*
 * ssr_heaps.c -- which heap a request renders in (see ssr_heaps.h).
 *
 * Thread scope keeps a small table per worker thread, in the thread's own
 * pool: app -> heap.  Only the owning thread ever reads or writes it, so it
 * needs no lock, and the pool's cleanup destroys every heap exactly once
 * when the thread (or, under prefork, the child) ends.
 */
#include <httpd.h>
#include <http_log.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "ssr_heaps.h"

APLOG_USE_MODULE(ssr);

#define SSR_THREAD_KEY "mod_ssr:heaps"

typedef struct {
    ssr_heap_t *heap;
    apr_uint32_t gen_serial;    /* the app's build it was made from */
} ssr_thread_heap;

struct ssr_lease_t {
    ssr_heap_t *heap;
    ssr_thread_heap *slot;      /* NULL: request scope */
};

static apr_status_t ssr_thread_heaps_cleanup(void *data)
{
    apr_hash_t *heaps = data;
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, heaps); hi; hi = apr_hash_next(hi)) {
        ssr_thread_heap *slot = apr_hash_this_val(hi);
        ssr_heap_destroy(slot->heap);
        slot->heap = NULL;
    }
    return APR_SUCCESS;
}

/* This thread's app -> heap table, made on first use.  NULL when the MPM
 * did not give the connection a thread (then heaps are per request). */
static apr_hash_t *ssr_thread_heaps(request_rec *r)
{
    apr_thread_t *thd = r->connection->current_thread;
    apr_pool_t *tp;
    void *data = NULL;
    apr_hash_t *heaps;

    if (thd == NULL || (tp = apr_thread_pool_get(thd)) == NULL) {
        return NULL;
    }
    apr_pool_userdata_get(&data, SSR_THREAD_KEY, tp);
    if (data) {
        return data;
    }
    heaps = apr_hash_make(tp);
    apr_pool_userdata_set(heaps, SSR_THREAD_KEY, ssr_thread_heaps_cleanup, tp);
    return heaps;
}

static ssr_heap_t *ssr_heap_make(request_rec *r, ssr_app_t *app,
                                 ssr_gen_t *gen)
{
    ssr_heap_t *heap;
    const char *err;

    if (ssr_heap_create_until(gen->bundle, ssr_app_heap_opts(app),
            apr_time_now() + ssr_conf_timeout(ap_get_module_config(
                r->per_dir_config, &ssr_module)), r->pool, &heap,
            &err) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(20040)
                      "cannot create a heap for build %s: %s", gen->build_id,
                      err);
        return NULL;
    }
    return heap;
}

static apr_status_t ssr_request_heap_cleanup(void *data)
{
    ssr_lease_t *l = data;

    ssr_heap_destroy(l->heap);
    l->heap = NULL;
    return APR_SUCCESS;
}

static ssr_lease_t *ssr_lease_for_request(request_rec *r, ssr_app_t *app,
                                          ssr_gen_t *gen)
{
    ssr_lease_t *l = apr_pcalloc(r->pool, sizeof(*l));

    l->heap = ssr_heap_make(r, app, gen);
    if (l->heap == NULL) {
        return NULL;
    }
    apr_pool_cleanup_register(r->pool, l, ssr_request_heap_cleanup,
                              apr_pool_cleanup_null);
    return l;
}

/* Is the thread's heap still right for this render? */
static int ssr_slot_current(const ssr_thread_heap *slot, const ssr_gen_t *gen,
                            int max_renders)
{
    return slot->heap && slot->gen_serial == gen->serial &&
           ssr_heap_reusable(slot->heap) &&
           (max_renders == 0 || ssr_heap_renders(slot->heap) < max_renders);
}

ssr_lease_t *ssr_heap_lease(request_rec *r, ssr_app_t *app, ssr_gen_t *gen,
                            const ssr_dir_conf *conf)
{
    apr_hash_t *heaps = NULL;
    ssr_thread_heap *slot;
    ssr_lease_t *l;
    const char *key = ssr_app_key(app);

    if (ssr_conf_scope(conf) == SSR_SCOPE_THREAD) {
        heaps = ssr_thread_heaps(r);
    }
    if (heaps == NULL) {
        return ssr_lease_for_request(r, app, gen);
    }
    slot = apr_hash_get(heaps, key, APR_HASH_KEY_STRING);
    if (slot == NULL) {
        apr_pool_t *tp = apr_hash_pool_get(heaps);
        slot = apr_pcalloc(tp, sizeof(*slot));
        apr_hash_set(heaps, apr_pstrdup(tp, key), APR_HASH_KEY_STRING, slot);
    }
    if (!ssr_slot_current(slot, gen, ssr_conf_max_renders(conf))) {
        ssr_heap_destroy(slot->heap);
        slot->heap = ssr_heap_make(r, app, gen);
        slot->gen_serial = gen->serial;
        if (slot->heap == NULL) {
            return NULL;
        }
    }
    l = apr_pcalloc(r->pool, sizeof(*l));
    l->heap = slot->heap;
    l->slot = slot;
    /* Taken out of the table while rendering: a nested render on this
     * thread (an ErrorDocument, say) gets a heap of its own. */
    slot->heap = NULL;
    return l;
}

ssr_heap_t *ssr_lease_heap(ssr_lease_t *l)
{
    return l->heap;
}

void ssr_heap_return(request_rec *r, ssr_lease_t *l)
{
    if (l->slot == NULL) {
        /* Request scope: free it now rather than with the request. */
        ssr_heap_destroy(l->heap);
        l->heap = NULL;
        return;
    }
    if (!ssr_heap_reusable(l->heap) || l->slot->heap != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(20041)
                      "discarding a heap after %d renders",
                      ssr_heap_renders(l->heap));
        ssr_heap_destroy(l->heap);
    }
    else {
        l->slot->heap = l->heap;
    }
    l->heap = NULL;
}
