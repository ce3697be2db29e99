/*
 * ssr_reload.c -- when to look for a new build and when to load it.
 */
#include <apr_file_io.h>
#include <apr_pools.h>

#include "ssr_reload.h"

int ssr_reload_due(apr_time_t now, apr_time_t last_check,
                   apr_interval_time_t interval)
{
    if (last_check == 0 || interval <= 0) {
        return 1;
    }
    /* A clock that went backwards would otherwise postpone the next check
     * by however far it jumped. */
    if (now < last_check) {
        return 1;
    }
    return now - last_check >= interval;
}

/* Two missing files are the same file, whatever stale stat fields the
 * caller left in them. */
int ssr_file_sig_equal(const ssr_file_sig_t *a, const ssr_file_sig_t *b)
{
    if (!a->present || !b->present) {
        return a->present == b->present;
    }
    return a->mtime == b->mtime && a->size == b->size
           && a->inode == b->inode;
}

int ssr_sig_equal(const ssr_build_sig_t *a, const ssr_build_sig_t *b)
{
    return ssr_file_sig_equal(&a->bundle, &b->bundle)
           && ssr_file_sig_equal(&a->tpl, &b->tpl)
           && ssr_file_sig_equal(&a->manifest, &b->manifest);
}

static apr_time_t newest_mtime(const ssr_build_sig_t *s)
{
    const ssr_file_sig_t *files[3];
    apr_time_t newest = 0;
    int i;

    files[0] = &s->bundle;
    files[1] = &s->tpl;
    files[2] = &s->manifest;
    for (i = 0; i < 3; i++) {
        if (files[i]->present && files[i]->mtime > newest) {
            newest = files[i]->mtime;
        }
    }
    return newest;
}

/* Is a file of this age possibly still being written?  An mtime further in
 * the future than the settle time is clock skew (a build copied from
 * another machine, a network file system), not a write in progress; waiting
 * for it to settle would keep the old build in service until the clock
 * caught up, so such a build is loaded.  If it was in fact incomplete, it
 * fails to load, and its files change again when the write finishes. */
static int settling(apr_time_t newest, apr_time_t now)
{
    return newest > now - SSR_SETTLE_TIME && newest <= now + SSR_SETTLE_TIME;
}

ssr_reload_e ssr_reload_decide(const ssr_build_sig_t *current,
                               const ssr_build_sig_t *failed,
                               const ssr_build_sig_t *seen, apr_time_t now)
{
    /* The manifest is optional; the bundle and the template are not. */
    if (!seen->bundle.present || !seen->tpl.present) {
        return SSR_RELOAD_WAIT;
    }
    if (current != NULL && ssr_sig_equal(seen, current)) {
        return SSR_RELOAD_KEEP;
    }
    if (failed != NULL && ssr_sig_equal(seen, failed)) {
        return SSR_RELOAD_SKIP;
    }
    /* With nothing in service, every request fails until a build loads:
     * try at once rather than wait for the files to settle. */
    if (current != NULL && settling(newest_mtime(seen), now)) {
        return SSR_RELOAD_WAIT;
    }
    return SSR_RELOAD_LOAD;
}

/* 64-bit FNV-1a, fed fixed-width little-endian integers so that the id
 * does not depend on struct padding or on the host's byte order. */
#define FNV_OFFSET APR_UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME APR_UINT64_C(0x100000001b3)

static apr_uint64_t fnv_u64(apr_uint64_t h, apr_uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= FNV_PRIME;
    }
    return h;
}

/* A missing file hashes as its absence only, matching ssr_file_sig_equal. */
static apr_uint64_t fnv_file(apr_uint64_t h, const ssr_file_sig_t *f)
{
    h = fnv_u64(h, f->present ? 1 : 0);
    if (f->present) {
        h = fnv_u64(h, (apr_uint64_t)f->mtime);
        h = fnv_u64(h, (apr_uint64_t)f->size);
        h = fnv_u64(h, (apr_uint64_t)f->inode);
    }
    return h;
}

const char *ssr_build_id(apr_pool_t *p, const ssr_build_sig_t *sig)
{
    static const char hex[] = "0123456789abcdef";
    apr_uint64_t h = FNV_OFFSET;
    char *id = apr_palloc(p, 18);
    int i;

    h = fnv_file(h, &sig->bundle);
    h = fnv_file(h, &sig->tpl);
    h = fnv_file(h, &sig->manifest);
    id[0] = 'b';
    for (i = 0; i < 16; i++) {
        id[1 + i] = hex[(h >> (60 - 4 * i)) & 0xf];
    }
    id[17] = '\0';
    return id;
}

apr_status_t ssr_file_read(apr_pool_t *p, const char *path, char **data,
                           apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS) {
        *len = (apr_size_t) fi.size;
        *data = apr_palloc(p, *len + 1);
        rv = apr_file_read_full(f, *data, *len, NULL);
        (*data)[*len] = '\0';
    }
    apr_file_close(f);
    return rv;
}
