/*
 * ssr_store.c -- the last good build of an app (see ssr_store.h).
 *
 * The file: a header line "mod_ssr-store 1 <id> <bundle len> <template
 * len> <manifest len or -> " followed by the three signatures as a line
 * of numbers, then the bytes of the bundle, the template and the manifest,
 * one after the other.  One file replaced by rename: a reader sees a whole
 * build or the one before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_strings.h>

#include "ssr_store.h"

#define SSR_STORE_MAGIC "mod_ssr-store 1 "
#define SSR_STORE_HEAD_MAX 512

static const char *ssr_store_sig_text(apr_pool_t *p, const ssr_file_sig_t *f)
{
    return apr_psprintf(p, "%d %" APR_TIME_T_FMT " %" APR_OFF_T_FMT " %lu",
                        f->present, f->mtime, f->size,
                        (unsigned long) f->inode);
}

apr_status_t ssr_store_put(apr_pool_t *p, const char *path,
                           const ssr_snapshot_t *snap, const char *id)
{
    char *tmpl = apr_pstrcat(p, path, ".tmp-XXXXXX", NULL);
    const char *head;
    apr_file_t *f;
    apr_status_t rv;
    apr_size_t n;

    head = apr_psprintf(p, SSR_STORE_MAGIC "%s %" APR_SIZE_T_FMT " %"
                        APR_SIZE_T_FMT " %s\n%s %s %s\n",
                        snap->id ? snap->id : id, snap->bundle_len,
                        snap->tpl_len,
                        snap->manifest ? apr_psprintf(p, "%" APR_SIZE_T_FMT,
                                                      snap->manifest_len)
                                       : "-",
                        ssr_store_sig_text(p, &snap->sig.bundle),
                        ssr_store_sig_text(p, &snap->sig.tpl),
                        ssr_store_sig_text(p, &snap->sig.manifest));
    rv = apr_file_mktemp(&f, tmpl, APR_FOPEN_CREATE | APR_FOPEN_WRITE |
                         APR_FOPEN_EXCL | APR_FOPEN_BINARY, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, head, strlen(head), &n);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, snap->bundle, snap->bundle_len, &n);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, snap->tpl, snap->tpl_len, &n);
    }
    if (rv == APR_SUCCESS && snap->manifest) {
        rv = apr_file_write_full(f, snap->manifest, snap->manifest_len, &n);
    }
    apr_file_close(f);
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmpl, path, p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmpl, p);
    }
    return rv;
}

typedef struct {
    char id[SSR_STAMP_MAX + 80];
    apr_size_t bundle_len;
    apr_size_t tpl_len;
    int has_manifest;
    apr_size_t manifest_len;
    ssr_build_sig_t sig;
    apr_size_t head_len;
} ssr_store_head;

static int ssr_store_parse_sig(const char **s, ssr_file_sig_t *f)
{
    char *end;
    long long v[4];
    int i;

    for (i = 0; i < 4; i++) {
        v[i] = strtoll(*s, &end, 10);
        if (end == *s) {
            return 0;
        }
        *s = end;
    }
    f->present = (int) v[0];
    f->mtime = (apr_time_t) v[1];
    f->size = (apr_off_t) v[2];
    f->inode = (apr_ino_t) v[3];
    return 1;
}

/* Parses the two header lines at the start of buf (len bytes). */
static int ssr_store_parse(const char *buf, apr_size_t len, ssr_store_head *h)
{
    const char *nl1 = memchr(buf, '\n', len), *nl2, *s;
    char mlen[32];
    unsigned long long b, t;

    memset(h, 0, sizeof(*h));
    if (nl1 == NULL || strncmp(buf, SSR_STORE_MAGIC, strlen(SSR_STORE_MAGIC)) != 0) {
        return 0;
    }
    nl2 = memchr(nl1 + 1, '\n', len - (apr_size_t) (nl1 + 1 - buf));
    if (nl2 == NULL || sscanf(buf + strlen(SSR_STORE_MAGIC), "%143s %llu %llu %31s",
                              h->id, &b, &t, mlen) != 4) {
        return 0;
    }
    h->bundle_len = (apr_size_t) b;
    h->tpl_len = (apr_size_t) t;
    h->has_manifest = strcmp(mlen, "-") != 0;
    h->manifest_len = h->has_manifest ? (apr_size_t) strtoull(mlen, NULL, 10) : 0;
    s = nl1 + 1;
    if (!ssr_store_parse_sig(&s, &h->sig.bundle) ||
        !ssr_store_parse_sig(&s, &h->sig.tpl) ||
        !ssr_store_parse_sig(&s, &h->sig.manifest)) {
        return 0;
    }
    h->head_len = (apr_size_t) (nl2 + 1 - buf);
    return 1;
}

apr_status_t ssr_store_id(apr_pool_t *p, const char *path, const char **id)
{
    apr_file_t *f;
    char buf[SSR_STORE_HEAD_MAX];
    apr_size_t n = sizeof(buf);
    ssr_store_head h;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_read(f, buf, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return rv;
    }
    if (!ssr_store_parse(buf, n, &h)) {
        return APR_EGENERAL;
    }
    *id = apr_pstrdup(p, h.id);
    return APR_SUCCESS;
}

apr_status_t ssr_store_get(apr_pool_t *p, const char *path,
                           ssr_snapshot_t *snap)
{
    char *data;
    apr_size_t len, off;
    ssr_store_head h;
    apr_status_t rv = ssr_file_read(p, path, &data, &len);

    memset(snap, 0, sizeof(*snap));
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!ssr_store_parse(data, len < SSR_STORE_HEAD_MAX ? len : SSR_STORE_HEAD_MAX,
                         &h) ||
        h.bundle_len > len || h.tpl_len > len || h.manifest_len > len ||
        h.head_len + h.bundle_len + h.tpl_len + h.manifest_len != len) {
        return APR_EGENERAL;
    }
    off = h.head_len;
    snap->bundle = apr_pstrmemdup(p, data + off, h.bundle_len);
    snap->bundle_len = h.bundle_len;
    off += h.bundle_len;
    snap->tpl = apr_pstrmemdup(p, data + off, h.tpl_len);
    snap->tpl_len = h.tpl_len;
    off += h.tpl_len;
    if (h.has_manifest) {
        snap->manifest = apr_pstrmemdup(p, data + off, h.manifest_len);
        snap->manifest_len = h.manifest_len;
    }
    snap->sig = h.sig;
    snap->id = apr_pstrdup(p, h.id);
    return APR_SUCCESS;
}
