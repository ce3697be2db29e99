/*
 * ssr_assets.c -- the assets of previous builds (see ssr_assets.h).
 *
 * The archive keeps one directory per client directory, named by a hash of
 * its path, mirroring it: <root>/<hash>/assets/index-4f2a.js, and one list
 * per build of the files it had: <root>/<hash>/.builds/<build id>.  A
 * list's mtime is when its build was last loaded or, once a process
 * replaced it with another build, when it went out of service.  A file is
 * kept while a list not older than the grace period names it.  Copies keep
 * the original's mtime, so Last-Modified and the default ETag are the
 * same as they were.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <unixd.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_portable.h>
#include <apr_strings.h>

#include "ssr_assets.h"
#include "ssr_reload.h"
#include "ssr_url.h"

APLOG_USE_MODULE(ssr);

#define SSR_ASSETS_DEFAULT_DIR "mod_ssr-assets"
#define SSR_ASSETS_MAX_DEPTH 16
#define SSR_ASSETS_MAX_FILES 20000
#define SSR_ASSETS_MAX_FILE ((apr_off_t) 64 * 1024 * 1024)
/* How long after a write a client file is taken as possibly half written
 * (when the archive has a whole copy of it). */
#define SSR_ASSETS_SETTLE apr_time_from_sec(2)
#define SSR_ASSETS_FILE_PERMS (APR_FPROT_UREAD | APR_FPROT_UWRITE | \
                               APR_FPROT_GREAD | APR_FPROT_WREAD)

const char *ssr_assets_root(apr_pool_t *p, const ssr_dir_conf *conf)
{
    if (conf->asset_archive == ssr_archive_off) {
        return NULL;
    }
    if (conf->asset_archive) {
        return conf->asset_archive;
    }
    return ap_runtime_dir_relative(p, SSR_ASSETS_DEFAULT_DIR);
}

const char *ssr_runtime_subdir(apr_pool_t *p, server_rec *s, const char *name)
{
    const char *dir = ap_runtime_dir_relative(p, name);
    apr_status_t rv;

    rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, APLOGNO(20080)
                     "cannot create %s", dir);
        return NULL;
    }
    /* The children write there as the User httpd switches to. */
    if (geteuid() == 0 && chown(dir, ap_unixd_config.user_id, -1) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, APLOGNO(20081)
                     "cannot give %s to the User httpd runs as", dir);
    }
    return dir;
}

void ssr_give_to_user(const char *path)
{
    if (geteuid() == 0) {
        /* best effort: what the children cannot replace is only stale */
        (void) !chown(path, ap_unixd_config.user_id, ap_unixd_config.group_id);
    }
}

void ssr_assets_post_config(apr_pool_t *ptemp, server_rec *s)
{
    ssr_runtime_subdir(ptemp, s, SSR_ASSETS_DEFAULT_DIR);
}

/* The archive directory of one client directory. */
static const char *ssr_assets_dir(apr_pool_t *p, const char *root,
                                  const char *client_dir)
{
    return apr_pstrcat(p, root, "/", ssr_hash_name(p, client_dir), NULL);
}

/* --- archiving ------------------------------------------------------------ */

/* Makes dir (under archive) and hands what it made over: the parent
 * archives the builds it loads at startup as root, and the children copy,
 * list and prune there later as the User. */
static apr_status_t ssr_assets_mkdir(apr_pool_t *p, const char *archive,
                                     const char *dir)
{
    apr_status_t rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p);
    apr_size_t alen = strlen(archive);
    char *d, *slash;

    if (rv != APR_SUCCESS || geteuid() != 0) {
        return rv;
    }
    for (d = apr_pstrdup(p, dir); strlen(d) >= alen;) {
        ssr_give_to_user(d);
        if ((slash = strrchr(d, '/')) == NULL) {
            break;
        }
        *slash = '\0';
    }
    return APR_SUCCESS;
}

typedef struct {
    apr_pool_t *p;
    server_rec *s;
    const char *client_dir;
    const char *archive;
    apr_array_header_t *files;   /* const char *: relative paths */
    int copied;
    apr_status_t first_error;
    const char *failed;
} ssr_assets_walk;

/* Copies src to dst (through a temporary name: a reader sees the whole
 * file or none), keeping src's mtime. */
static apr_status_t ssr_assets_copy(apr_pool_t *p, const char *archive,
                                    const char *src, const char *dst,
                                    apr_time_t mtime)
{
    const char *tmp = apr_psprintf(p, "%s.tmp%" APR_PID_T_FMT "-%lx", dst,
                                   getpid(),
                                   (unsigned long) apr_os_thread_current());
    const char *slash = strrchr(dst, '/');
    apr_status_t rv;

    rv = ssr_assets_mkdir(p, archive,
                          apr_pstrmemdup(p, dst, (apr_size_t) (slash - dst)));
    if (rv == APR_SUCCESS) {
        rv = apr_file_copy(src, tmp, SSR_ASSETS_FILE_PERMS, p);
    }
    if (rv == APR_SUCCESS) {
        ssr_give_to_user(tmp);
        apr_file_mtime_set(tmp, mtime, p);
        rv = apr_file_rename(tmp, dst, p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
    }
    return rv;
}

/* Archives one file of the client directory, unless a copy is already
 * there (same size and mtime: hashed names do not change content). */
static void ssr_assets_file(ssr_assets_walk *w, const char *rel,
                            const apr_finfo_t *src)
{
    const char *from = apr_pstrcat(w->p, w->client_dir, "/", rel, NULL);
    const char *to = apr_pstrcat(w->p, w->archive, "/", rel, NULL);
    apr_finfo_t fi;
    apr_status_t rv;

    APR_ARRAY_PUSH(w->files, const char *) = rel;
    if (apr_stat(&fi, to, APR_FINFO_SIZE | APR_FINFO_MTIME | APR_FINFO_TYPE,
                 w->p) == APR_SUCCESS && fi.filetype == APR_REG &&
        fi.size == src->size && fi.mtime == src->mtime) {
        return;
    }
    rv = ssr_assets_copy(w->p, w->archive, from, to, src->mtime);
    if (rv == APR_SUCCESS) {
        w->copied++;
    }
    else if (w->first_error == APR_SUCCESS) {
        w->first_error = rv;
        w->failed = to;
    }
}

/* What of the client directory is archived: files with an asset-like name
 * (not pages: the template and prerendered .html are rendered or served
 * fresh), nothing hidden (.vite holds the manifest), nothing huge. */
static int ssr_assets_wanted(const apr_finfo_t *fi)
{
    return fi->filetype == APR_REG && fi->name[0] != '.' &&
           ssr_url_asset_like(fi->name) && fi->size <= SSR_ASSETS_MAX_FILE;
}

static void ssr_assets_walk_dir(ssr_assets_walk *w, const char *rel, int depth)
{
    const char *dir = rel ? apr_pstrcat(w->p, w->client_dir, "/", rel, NULL)
                          : w->client_dir;
    apr_dir_t *d;
    apr_finfo_t fi;

    if (depth > SSR_ASSETS_MAX_DEPTH ||
        apr_dir_open(&d, dir, w->p) != APR_SUCCESS) {
        return;
    }
    while (w->files->nelts < SSR_ASSETS_MAX_FILES &&
           apr_dir_read(&fi, APR_FINFO_TYPE | APR_FINFO_NAME | APR_FINFO_SIZE |
                        APR_FINFO_MTIME, d) == APR_SUCCESS) {
        const char *child;

        if (fi.name[0] == '.') {
            continue;
        }
        child = rel ? apr_pstrcat(w->p, rel, "/", fi.name, NULL) : fi.name;
        if (fi.filetype == APR_DIR) {
            ssr_assets_walk_dir(w, child, depth + 1);
        }
        else if (ssr_assets_wanted(&fi)) {
            ssr_assets_file(w, child, &fi);
        }
    }
    apr_dir_close(d);
}

/* --- build lists and pruning --------------------------------------------- */

#define SSR_ASSETS_LISTS ".builds"
/* A copy younger than this is never pruned: another process may have made
 * it for a build whose list it has not written yet. */
#define SSR_ASSETS_FRESH apr_time_from_sec(5)

static const char *ssr_assets_list_path(apr_pool_t *p, const char *archive,
                                        const char *build_id)
{
    return apr_pstrcat(p, archive, "/" SSR_ASSETS_LISTS "/", build_id, NULL);
}

/* Writes the build's list of files (whole, through a temporary name). */
static apr_status_t ssr_assets_write_list(ssr_assets_walk *w,
                                          const char *build_id)
{
    const char *dir = apr_pstrcat(w->p, w->archive, "/" SSR_ASSETS_LISTS, NULL);
    const char *path = ssr_assets_list_path(w->p, w->archive, build_id);
    const char *tmp = apr_psprintf(w->p, "%s.tmp%" APR_PID_T_FMT "-%lx", path,
                                   getpid(),
                                   (unsigned long) apr_os_thread_current());
    apr_file_t *f = NULL;
    apr_status_t rv, crv;
    int i;

    rv = ssr_assets_mkdir(w->p, w->archive, dir);
    if (rv == APR_SUCCESS) {
        rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE |
                           APR_FOPEN_TRUNCATE | APR_FOPEN_BUFFERED,
                           SSR_ASSETS_FILE_PERMS, w->p);
    }
    for (i = 0; rv == APR_SUCCESS && i < w->files->nelts; i++) {
        rv = apr_file_printf(f, "%s\n", APR_ARRAY_IDX(w->files, i, const char *))
             > 0 ? APR_SUCCESS : APR_EGENERAL;
    }
    if (f) {
        crv = apr_file_close(f);
        rv = rv == APR_SUCCESS ? crv : rv;
    }
    if (rv == APR_SUCCESS) {
        ssr_give_to_user(tmp);
        rv = apr_file_rename(tmp, path, w->p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, w->p);
    }
    return rv;
}

/* Adds the files a list names to keep. */
static void ssr_assets_read_list(apr_pool_t *p, const char *path,
                                 apr_hash_t *keep)
{
    char *data, *line, *last;
    apr_size_t len;

    if (ssr_file_read(p, path, &data, &len) != APR_SUCCESS) {
        return;
    }
    for (line = apr_strtok(data, "\n", &last); line;
         line = apr_strtok(NULL, "\n", &last)) {
        apr_hash_set(keep, line, APR_HASH_KEY_STRING, "");
    }
}

/* The files some build still in its grace period has; lists past it are
 * removed. */
static apr_hash_t *ssr_assets_kept(apr_pool_t *p, const char *archive,
                                   apr_time_t cutoff)
{
    const char *dir = apr_pstrcat(p, archive, "/" SSR_ASSETS_LISTS, NULL);
    apr_hash_t *keep = apr_hash_make(p);
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return keep;
    }
    while (apr_dir_read(&fi, APR_FINFO_TYPE | APR_FINFO_NAME | APR_FINFO_MTIME,
                        d) == APR_SUCCESS) {
        const char *path = apr_pstrcat(p, dir, "/", fi.name, NULL);

        if (fi.filetype != APR_REG || strstr(fi.name, ".tmp")) {
            continue;
        }
        if (fi.mtime < cutoff) {
            apr_file_remove(path, p);
        }
        else {
            ssr_assets_read_list(p, path, keep);
        }
    }
    apr_dir_close(d);
    return keep;
}

static void ssr_assets_prune_dir(apr_pool_t *p, const char *archive,
                                 const char *rel, apr_hash_t *keep,
                                 int depth, int *removed)
{
    const char *dir = rel ? apr_pstrcat(p, archive, "/", rel, NULL) : archive;
    apr_time_t fresh = apr_time_now() - SSR_ASSETS_FRESH;
    apr_dir_t *d;
    apr_finfo_t fi;

    if (depth > SSR_ASSETS_MAX_DEPTH || apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return;
    }
    while (apr_dir_read(&fi, APR_FINFO_TYPE | APR_FINFO_NAME | APR_FINFO_CTIME,
                        d) == APR_SUCCESS) {
        const char *child, *path;

        if (fi.name[0] == '.') {
            continue;   /* ., .., and the lists */
        }
        child = rel ? apr_pstrcat(p, rel, "/", fi.name, NULL) : fi.name;
        path = apr_pstrcat(p, archive, "/", child, NULL);
        if (fi.filetype == APR_DIR) {
            ssr_assets_prune_dir(p, archive, child, keep, depth + 1, removed);
            apr_dir_remove(path, p);    /* only succeeds when empty */
        }
        else if (fi.ctime < fresh &&
                 apr_hash_get(keep, child, APR_HASH_KEY_STRING) == NULL &&
                 apr_file_remove(path, p) == APR_SUCCESS) {
            (*removed)++;
        }
    }
    apr_dir_close(d);
}

/* Marks a build as out of service from now on: its grace starts. */
static void ssr_assets_retire(apr_pool_t *p, const char *archive,
                              const char *build_id)
{
    apr_file_mtime_set(ssr_assets_list_path(p, archive, build_id),
                       apr_time_now(), p);
}

int ssr_assets_keep(apr_pool_t *p, server_rec *s, const char *root,
                    const char *client_dir, const char *build_id,
                    const char *retired_id, apr_interval_time_t grace,
                    const char *tpl_path, const ssr_file_sig_t *tpl_sig)
{
    ssr_assets_walk w;
    ssr_file_sig_t tpl_now;
    int removed = 0;
    apr_time_t start = apr_time_now();
    apr_status_t rv;

    memset(&w, 0, sizeof(w));
    w.p = p;
    w.s = s;
    w.client_dir = client_dir;
    w.archive = ssr_assets_dir(p, root, client_dir);
    w.files = apr_array_make(p, 64, sizeof(const char *));
    ssr_assets_walk_dir(&w, NULL, 0);
    /* The walk saw the build's files only if its template is still the
     * one the build was read from: else the directory may be another
     * build's already (a symlink flipped, files copied over), and naming
     * those files as this build's would let its own be pruned. */
    ssr_file_sig_stat(p, tpl_path, &tpl_now);
    if (!ssr_file_sig_equal(&tpl_now, tpl_sig)) {
        return 0;
    }
    rv = ssr_assets_write_list(&w, build_id);
    if (w.first_error == APR_SUCCESS && rv != APR_SUCCESS) {
        w.first_error = rv;
        w.failed = ssr_assets_list_path(p, w.archive, build_id);
    }
    if (w.first_error != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, w.first_error, s,
                     APLOGNO(20082) "cannot archive the assets of %s in %s "
                     "(first failure: %s): after the next deploy, pages of "
                     "this build may miss them", client_dir, w.archive,
                     w.failed);
    }
    if (retired_id && strcmp(retired_id, build_id) != 0) {
        ssr_assets_retire(p, w.archive, retired_id);
    }
    ssr_assets_prune_dir(p, w.archive, NULL,
                         ssr_assets_kept(p, w.archive, apr_time_now() - grace),
                         0, &removed);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, APLOGNO(20083)
                 "assets of build %s of %s: %d kept in %s (%d copied), %d "
                 "pruned, in %" APR_TIME_T_FMT " ms", build_id, client_dir,
                 w.files->nelts, w.archive, w.copied, removed,
                 apr_time_as_msec(apr_time_now() - start));
    return 1;
}

/* --- serving -------------------------------------------------------------- */

/* The path of r's file relative to the app's client directory (the
 * template's directory), or NULL when r is no asset of an app. */
static const char *ssr_assets_rel(request_rec *r, const char *file,
                                  const ssr_dir_conf **confp,
                                  const char **client_dir)
{
    const ssr_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                    &ssr_module);
    const char *tpl, *slash, *rel;
    apr_size_t dlen;

    if (conf == NULL || conf->engine != 1 || r->method_number != M_GET ||
        file == NULL || !ssr_url_asset_like(file)) {
        return NULL;
    }
    tpl = ssr_conf_template_path(r->pool, conf, ap_document_root(r));
    slash = strrchr(tpl, '/');
    dlen = slash ? (apr_size_t) (slash - tpl) : 0;
    if (dlen == 0 || strncmp(file, tpl, dlen) != 0 || file[dlen] != '/') {
        return NULL;
    }
    rel = file + dlen + 1;
    if (strstr(rel, "/../") || strncmp(rel, "../", 3) == 0) {
        return NULL;
    }
    *confp = conf;
    *client_dir = apr_pstrmemdup(r->pool, tpl, dlen);
    return rel;
}

/* Serves r from the archived copy of its file, if the archive has one. */
/* The archived copy of the client directory's file rel, in *fi; NULL when
 * the archive is off or has none. */
static const char *ssr_assets_archived(request_rec *r, const ssr_dir_conf *conf,
                                       const char *client_dir, const char *rel,
                                       apr_finfo_t *fi)
{
    const char *root = ssr_assets_root(r->pool, conf), *archived;

    if (root == NULL) {
        return NULL;
    }
    archived = apr_pstrcat(r->pool, ssr_assets_dir(r->pool, root, client_dir),
                           "/", rel, NULL);
    if (apr_stat(fi, archived, APR_FINFO_MIN, r->pool) != APR_SUCCESS ||
        fi->filetype != APR_REG) {
        return NULL;
    }
    return archived;
}

static void ssr_assets_serve(request_rec *r, const char *path,
                             const apr_finfo_t *fi)
{
    r->filename = apr_pstrdup(r->pool, path);
    r->canonical_filename = r->filename;
    r->finfo = *fi;
}

/* Serves r from the archived copy of its file, if the archive has one. */
static int ssr_assets_from_archive(request_rec *r, const ssr_dir_conf *conf,
                                   const char *client_dir, const char *rel)
{
    apr_finfo_t fi;
    const char *archived = ssr_assets_archived(r, conf, client_dir, rel, &fi);

    if (archived == NULL) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(20084)
                  "%s is gone from the build in service; serving the copy "
                  "kept from an earlier build, %s", r->filename, archived);
    ssr_assets_serve(r, archived, &fi);
    return OK;
}

int ssr_assets_fixup(request_rec *r)
{
    const ssr_dir_conf *conf;
    const char *client_dir, *rel, *file;
    int rc;

    if (r->finfo.filetype != APR_NOFILE || r->filename == NULL) {
        return DECLINED;
    }
    /* A directory that is gone too (`vite build` empties assets/ with the
     * rest) ends the map step there, the rest of the path left in
     * path_info. */
    file = r->path_info && *r->path_info
         ? apr_pstrcat(r->pool, r->filename, r->path_info, NULL)
         : r->filename;
    if ((rel = ssr_assets_rel(r, file, &conf, &client_dir)) == NULL) {
        return DECLINED;
    }
    rc = ssr_assets_from_archive(r, conf, client_dir, rel);
    if (rc == OK) {
        r->path_info = "";
    }
    return rc;
}

int ssr_assets_pin(request_rec *r)
{
    const ssr_dir_conf *conf;
    const char *client_dir, *rel, *archived;
    char *real;
    apr_finfo_t fi;
    apr_status_t rv;

    if (r->finfo.filetype != APR_REG || r->handler != NULL ||
        (rel = ssr_assets_rel(r, r->filename, &conf, &client_dir)) == NULL) {
        return DECLINED;
    }
    /* The archive's copy of the same file (copies keep size and mtime)
     * stays put however the client directory is replaced, flipped or
     * emptied before the handler opens it.  A file written in the last
     * moments may still be being written (a build in place rewrites its
     * public files): the copy of the build in service is whole. */
    archived = ssr_assets_archived(r, conf, client_dir, rel, &fi);
    if (archived &&
        ((fi.size == r->finfo.size && fi.mtime == r->finfo.mtime) ||
         apr_time_now() - r->finfo.mtime < SSR_ASSETS_SETTLE)) {
        ssr_assets_serve(r, archived, &fi);
        return DECLINED;
    }
    real = realpath(r->filename, NULL);
    if (real == NULL) {
        /* Gone since it was mapped: a release flipped away and deleted,
         * or a build written in place. */
        return ssr_assets_from_archive(r, conf, client_dir, rel);
    }
    if (strcmp(real, r->filename) != 0) {
        rv = apr_stat(&fi, real, APR_FINFO_MIN, r->pool);
        if (rv == APR_SUCCESS && fi.filetype == APR_REG) {
            ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r,
                          "%s pinned to %s", r->filename, real);
            ssr_assets_serve(r, real, &fi);
        }
    }
    free(real);
    return DECLINED;
}
