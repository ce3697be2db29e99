/*
 * ssr_reload.c -- when to look for a new build and when to load it.
 */
#include <string.h>

#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_pools.h>
#include <apr_strings.h>

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

apr_uint64_t ssr_fnv1a(apr_uint64_t h, const void *data, apr_size_t len)
{
    const unsigned char *c = data;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        h ^= c[i];
        h *= FNV_PRIME;
    }
    return h;
}

const char *ssr_hash_name(apr_pool_t *p, const char *s)
{
    return apr_psprintf(p, "%016" APR_UINT64_T_HEX_FMT,
                        ssr_fnv1a(SSR_FNV_OFFSET, s, strlen(s)));
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

/* --- build stamps ---------------------------------------------------------- */

static int ssr_stamp_char(char c)
{
    /* no '-': the template's stamp ends with "-->" */
    return apr_isalnum(c) || c == '_' || c == '.';
}

/* The id at s[0..len) ending at the delimiter end (a string, matched
 * exactly), or NULL. */
static const char *ssr_stamp_at(apr_pool_t *p, const char *s, apr_size_t len,
                                const char *end)
{
    apr_size_t n = 0, elen = strlen(end);

    while (n < len && n <= SSR_STAMP_MAX && ssr_stamp_char(s[n])) {
        n++;
    }
    if (n == 0 || n > SSR_STAMP_MAX || len - n < elen ||
        memcmp(s + n, end, elen) != 0) {
        return NULL;
    }
    return apr_pstrmemdup(p, s, n);
}

/* memmem(), which is not everywhere. */
static const char *ssr_find(const char *hay, apr_size_t len, const char *needle)
{
    apr_size_t n = strlen(needle), i;

    for (i = 0; n <= len && i <= len - n; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

#define SSR_BUNDLE_STAMP "/*! mod_ssr-build: "
#define SSR_TEMPLATE_STAMP "<!--mod_ssr-build:"
#define SSR_MANIFEST_STAMP "\"mod_ssr-build\""

const char *ssr_stamp_of_bundle(apr_pool_t *p, const char *src,
                                apr_size_t len)
{
    apr_size_t n = strlen(SSR_BUNDLE_STAMP);

    /* only as the very first thing in the file: a bundle that merely
     * contains the text elsewhere (in a string, say) is not stamped */
    if (len < n || memcmp(src, SSR_BUNDLE_STAMP, n) != 0) {
        return NULL;
    }
    return ssr_stamp_at(p, src + n, len - n, " */");
}

const char *ssr_stamp_of_template(apr_pool_t *p, const char *html,
                                  apr_size_t len)
{
    const char *at = ssr_find(html, len, SSR_TEMPLATE_STAMP);
    apr_size_t off;

    if (at == NULL) {
        return NULL;
    }
    off = (apr_size_t) (at - html) + strlen(SSR_TEMPLATE_STAMP);
    return ssr_stamp_at(p, html + off, len - off, "-->");
}

static apr_size_t ssr_skip_space(const char *s, apr_size_t i, apr_size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
                       s[i] == '\r')) {
        i++;
    }
    return i;
}

const char *ssr_stamp_of_manifest(apr_pool_t *p, const char *json,
                                  apr_size_t len)
{
    const char *at = ssr_find(json, len, SSR_MANIFEST_STAMP);
    apr_size_t i;

    if (at == NULL) {
        return NULL;
    }
    i = ssr_skip_space(json, (apr_size_t) (at - json) +
                             strlen(SSR_MANIFEST_STAMP), len);
    if (i >= len || json[i] != ':') {
        return NULL;
    }
    i = ssr_skip_space(json, i + 1, len);
    if (i >= len || json[i] != '[') {
        return NULL;
    }
    i = ssr_skip_space(json, i + 1, len);
    if (i >= len || json[i] != '"') {
        return NULL;
    }
    return ssr_stamp_at(p, json + i + 1, len - i - 1, "\"");
}

/* --- snapshots ------------------------------------------------------------- */

void ssr_file_sig_stat(apr_pool_t *p, const char *path, ssr_file_sig_t *sig)
{
    apr_finfo_t fi;

    memset(sig, 0, sizeof(*sig));
    if (path && apr_stat(&fi, path, APR_FINFO_MTIME | APR_FINFO_SIZE |
                         APR_FINFO_INODE | APR_FINFO_TYPE, p) == APR_SUCCESS &&
        fi.filetype == APR_REG) {
        sig->present = 1;
        sig->mtime = fi.mtime;
        sig->size = fi.size;
        sig->inode = fi.inode;
    }
}

static void ssr_snapshot_stat(apr_pool_t *p, const char *bundle_path,
                              const char *tpl_path, const char *manifest_path,
                              ssr_build_sig_t *sig)
{
    ssr_file_sig_stat(p, bundle_path, &sig->bundle);
    ssr_file_sig_stat(p, tpl_path, &sig->tpl);
    ssr_file_sig_stat(p, manifest_path, &sig->manifest);
}

static int ssr_snapshot_read_one(apr_pool_t *p, const char *path,
                                 char **data, apr_size_t *len,
                                 ssr_snapshot_t *snap)
{
    apr_status_t rv = ssr_file_read(p, path, data, len);

    if (rv != APR_SUCCESS) {
        snap->why = apr_psprintf(p, "cannot read %s: %pm", path, &rv);
        return 0;
    }
    return 1;
}

/* The stamps agree, or none is there.  A manifest without a stamp is
 * accepted beside a stamped bundle (an SSRManifest not written by the
 * plugin); a template without one is not (it is the previous build's). */
static ssr_snap_e ssr_snapshot_ids(apr_pool_t *p, ssr_snapshot_t *snap)
{
    const char *b = ssr_stamp_of_bundle(p, snap->bundle, snap->bundle_len);
    const char *t = ssr_stamp_of_template(p, snap->tpl, snap->tpl_len);
    const char *m = snap->manifest
                    ? ssr_stamp_of_manifest(p, snap->manifest,
                                            snap->manifest_len)
                    : NULL;

    if (b == NULL && t == NULL && m == NULL) {
        return SSR_SNAP_OK;
    }
    if (b == NULL || t == NULL || strcmp(b, t) != 0 ||
        (m != NULL && strcmp(b, m) != 0)) {
        snap->why = apr_psprintf(p, "the files are of different builds "
                                 "(bundle %s, template %s, manifest %s)",
                                 b ? b : "not stamped", t ? t : "not stamped",
                                 m ? m : "not stamped");
        return SSR_SNAP_MIXED;
    }
    snap->id = b;
    return SSR_SNAP_OK;
}

ssr_snap_e ssr_snapshot_read(apr_pool_t *p, const char *bundle_path,
                             const char *tpl_path, const char *manifest_path,
                             ssr_snapshot_t *snap)
{
    ssr_build_sig_t after;

    memset(snap, 0, sizeof(*snap));
    ssr_snapshot_stat(p, bundle_path, tpl_path, manifest_path, &snap->sig);
    if (!snap->sig.bundle.present || !snap->sig.tpl.present) {
        snap->why = apr_psprintf(p, "%s does not exist",
                                 snap->sig.bundle.present ? tpl_path
                                                          : bundle_path);
        return SSR_SNAP_MISSING;
    }
    if (!ssr_snapshot_read_one(p, bundle_path, &snap->bundle,
                               &snap->bundle_len, snap) ||
        !ssr_snapshot_read_one(p, tpl_path, &snap->tpl, &snap->tpl_len,
                               snap) ||
        (snap->sig.manifest.present &&
         !ssr_snapshot_read_one(p, manifest_path, &snap->manifest,
                                &snap->manifest_len, snap))) {
        return SSR_SNAP_UNREADABLE;
    }
    ssr_snapshot_stat(p, bundle_path, tpl_path, manifest_path, &after);
    if (!ssr_sig_equal(&snap->sig, &after) ||
        (apr_off_t) snap->bundle_len != snap->sig.bundle.size ||
        (apr_off_t) snap->tpl_len != snap->sig.tpl.size) {
        snap->why = "the files changed while they were read";
        return SSR_SNAP_CHANGING;
    }
    return ssr_snapshot_ids(p, snap);
}
