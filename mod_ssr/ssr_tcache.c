/*
 * ssr_tcache.c -- split templates in shared memory (see ssr_tcache.h).
 *
 * The segment is a fixed array of slots.  A slot holds one template's bytes
 * and its split offsets, keyed by path and file signature.  Everything is
 * done under one global mutex: it is taken once per build per process (when
 * a build is loaded), never per request, so it is not contended.
 */
#include <string.h>

#include <httpd.h>
#include <http_log.h>
#include <util_mutex.h>
#include <apr_file_io.h>
#include <apr_global_mutex.h>
#include <apr_shm.h>
#include <apr_strings.h>

#include "ssr_tcache.h"

APLOG_USE_MODULE(ssr);

#define SSR_TCACHE_SLOTS 8
#define SSR_TCACHE_SLOT_BYTES (256 * 1024)
#define SSR_TCACHE_PATH_MAX 1024

typedef struct {
    int used;
    char path[SSR_TCACHE_PATH_MAX];
    ssr_file_sig_t sig;
    apr_time_t stored;           /* for choosing which slot to reuse */
    apr_size_t len;
    int nslots;
    ssr_tpl_slot_t slot[2];
    char bytes[SSR_TCACHE_SLOT_BYTES];
} ssr_tcache_slot;

static apr_shm_t *ssr_tcache_shm;
static ssr_tcache_slot *ssr_tcache_slots;
static apr_global_mutex_t *ssr_tcache_mutex;

apr_status_t ssr_tcache_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, SSR_TCACHE_MUTEX, NULL, APR_LOCK_DEFAULT,
                             0);
}

apr_status_t ssr_tcache_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_size_t size = sizeof(ssr_tcache_slot) * SSR_TCACHE_SLOTS;
    apr_status_t rv;

    rv = apr_shm_create(&ssr_tcache_shm, size, NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(20010)
                     "cannot create the shared memory segment for templates "
                     "(%" APR_SIZE_T_FMT " bytes)", size);
        return rv;
    }
    ssr_tcache_slots = apr_shm_baseaddr_get(ssr_tcache_shm);
    memset(ssr_tcache_slots, 0, size);
    rv = ap_global_mutex_create(&ssr_tcache_mutex, NULL, SSR_TCACHE_MUTEX,
                                NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(20011)
                     "cannot create the template cache mutex");
    }
    return rv;
}

void ssr_tcache_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (ssr_tcache_mutex == NULL) {
        return;
    }
    rv = apr_global_mutex_child_init(&ssr_tcache_mutex,
                                     apr_global_mutex_lockfile(ssr_tcache_mutex),
                                     pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(20012)
                     "cannot attach to the template cache mutex; templates "
                     "will be read by each process");
        ssr_tcache_mutex = NULL;
    }
}

/* Splits the template's bytes (copied into p). */
static apr_status_t ssr_tcache_split(apr_pool_t *p, const char *path,
                                     const char *bytes, apr_size_t len,
                                     ssr_template_t *t, const char **err)
{
    apr_status_t rv = ssr_template_split(t, apr_pmemdup(p, bytes, len + 1),
                                         len, err);

    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "template %s: %s", path, *err);
    }
    return rv;
}

static ssr_tcache_slot *ssr_tcache_find(const char *path,
                                        const ssr_file_sig_t *sig)
{
    int i;

    for (i = 0; i < SSR_TCACHE_SLOTS; i++) {
        ssr_tcache_slot *slot = &ssr_tcache_slots[i];
        if (slot->used && strcmp(slot->path, path) == 0 &&
            ssr_file_sig_equal(&slot->sig, sig)) {
            return slot;
        }
    }
    return NULL;
}

/* An empty slot, else the one stored longest ago. */
static ssr_tcache_slot *ssr_tcache_victim(void)
{
    ssr_tcache_slot *best = &ssr_tcache_slots[0];
    int i;

    for (i = 0; i < SSR_TCACHE_SLOTS; i++) {
        ssr_tcache_slot *slot = &ssr_tcache_slots[i];
        if (!slot->used) {
            return slot;
        }
        if (slot->stored < best->stored) {
            best = slot;
        }
    }
    return best;
}

static void ssr_tcache_store(ssr_tcache_slot *slot, const char *path,
                             const ssr_file_sig_t *sig,
                             const ssr_template_t *t)
{
    slot->used = 1;
    apr_cpystrn(slot->path, path, sizeof(slot->path));
    slot->sig = *sig;
    slot->stored = apr_time_now();
    slot->len = t->len;
    slot->nslots = t->nslots;
    memcpy(slot->slot, t->slot, sizeof(slot->slot));
    memcpy(slot->bytes, t->bytes, t->len);
}

static void ssr_tcache_copy_out(apr_pool_t *p, const ssr_tcache_slot *slot,
                                ssr_template_t *t)
{
    t->bytes = apr_pmemdup(p, slot->bytes, slot->len);
    t->len = slot->len;
    t->nslots = slot->nslots;
    memcpy(t->slot, slot->slot, sizeof(t->slot));
}

static int ssr_tcache_cacheable(const char *path, const ssr_template_t *t)
{
    return t->len <= SSR_TCACHE_SLOT_BYTES &&
           strlen(path) < SSR_TCACHE_PATH_MAX;
}

apr_status_t ssr_tcache_get(apr_pool_t *p, server_rec *s, const char *path,
                            const ssr_file_sig_t *sig, const char *bytes,
                            apr_size_t len, ssr_template_t *t,
                            const char **err)
{
    ssr_tcache_slot *slot;
    apr_status_t rv;

    if (ssr_tcache_slots == NULL || ssr_tcache_mutex == NULL) {
        return ssr_tcache_split(p, path, bytes, len, t, err);
    }
    rv = apr_global_mutex_lock(ssr_tcache_mutex);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, APLOGNO(20013)
                     "cannot lock the template cache; splitting %s here",
                     path);
        return ssr_tcache_split(p, path, bytes, len, t, err);
    }
    slot = ssr_tcache_find(path, sig);
    if (slot) {
        ssr_tcache_copy_out(p, slot, t);
        apr_global_mutex_unlock(ssr_tcache_mutex);
        return APR_SUCCESS;
    }
    rv = ssr_tcache_split(p, path, bytes, len, t, err);
    if (rv == APR_SUCCESS && ssr_tcache_cacheable(path, t)) {
        ssr_tcache_store(ssr_tcache_victim(), path, sig, t);
    }
    apr_global_mutex_unlock(ssr_tcache_mutex);
    if (rv == APR_SUCCESS && !ssr_tcache_cacheable(path, t)) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, APLOGNO(20014)
                     "template %s is larger than a shared slot (%d bytes); "
                     "each process keeps its own copy", path,
                     SSR_TCACHE_SLOT_BYTES);
    }
    return rv;
}
