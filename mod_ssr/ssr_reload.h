/*
 * ssr_reload.h -- when to look for a new build and when to load it.
 *
 * A build is identified by the mtime, size and inode of its bundle, its
 * template and its manifest.  The decisions are pure functions of those
 * signatures and the clock, so they are unit tested without files.
 */
#ifndef SSR_RELOAD_H
#define SSR_RELOAD_H

#include <apr.h>
#include <apr_time.h>
#include <apr_file_info.h>
#include <apr_pools.h>

typedef struct {
    int present;
    apr_time_t mtime;
    apr_off_t size;
    apr_ino_t inode;
} ssr_file_sig_t;

typedef struct {
    ssr_file_sig_t bundle;
    ssr_file_sig_t tpl;
    ssr_file_sig_t manifest;
} ssr_build_sig_t;

/* A build whose newest file is younger than this may still be being
 * written (a bundler writes files one by one); it is looked at again
 * later rather than loaded half-written. */
#define SSR_SETTLE_TIME apr_time_from_msec(300)

/* Is a stat check due?  interval 0 = on every request. */
int ssr_reload_due(apr_time_t now, apr_time_t last_check,
                   apr_interval_time_t interval);

int ssr_file_sig_equal(const ssr_file_sig_t *a, const ssr_file_sig_t *b);
int ssr_sig_equal(const ssr_build_sig_t *a, const ssr_build_sig_t *b);

typedef enum {
    SSR_RELOAD_KEEP,    /* nothing new: keep the current build */
    SSR_RELOAD_WAIT,    /* something new, but still settling or incomplete */
    SSR_RELOAD_SKIP,    /* new, but the same files already failed to load */
    SSR_RELOAD_LOAD     /* load it beside the current build */
} ssr_reload_e;

/* current: the build in service (NULL if none); failed: the last build that
 * failed to load (NULL if none); seen: what the files look like now. */
ssr_reload_e ssr_reload_decide(const ssr_build_sig_t *current,
                               const ssr_build_sig_t *failed,
                               const ssr_build_sig_t *seen, apr_time_t now);

/* Reads a whole build file into p (NUL-terminated, *len without it). */
apr_status_t ssr_file_read(apr_pool_t *p, const char *path, char **data,
                           apr_size_t *len);

/* The build id vite-plugin-mod-ssr stamps into each file it writes for a
 * build, so that the module loads a bundle, template and manifest together
 * only when they come from one build:
 *   bundle     starts with   / *! mod_ssr-build: ID * /   (no spaces in / *)
 *   template   contains      <!--mod_ssr-build:ID-->
 *   manifest   has the key   "mod_ssr-build": ["ID"]
 * An id is 1-64 of [A-Za-z0-9_.].  Each returns the id, or NULL when the
 * file carries none (a file not written by the plugin). */
#define SSR_STAMP_MAX 64

const char *ssr_stamp_of_bundle(apr_pool_t *p, const char *src,
                                apr_size_t len);
const char *ssr_stamp_of_template(apr_pool_t *p, const char *html,
                                  apr_size_t len);
const char *ssr_stamp_of_manifest(apr_pool_t *p, const char *json,
                                  apr_size_t len);

/* Stats path into sig (present only for a regular file). */
void ssr_file_sig_stat(apr_pool_t *p, const char *path, ssr_file_sig_t *sig);

/* A build read as one snapshot: every file stat'ed, read whole, and
 * stat'ed again, so nothing changed underneath; and when the plugin
 * stamped the files, their ids agree. */
typedef enum {
    SSR_SNAP_OK,          /* one build, read whole */
    SSR_SNAP_MISSING,     /* the bundle or the template does not exist */
    SSR_SNAP_UNREADABLE,  /* a file exists but cannot be read */
    SSR_SNAP_CHANGING,    /* files changed while they were read */
    SSR_SNAP_MIXED        /* stamped files of different builds */
} ssr_snap_e;

typedef struct {
    ssr_build_sig_t sig;         /* the files as read */
    char *bundle;
    apr_size_t bundle_len;
    char *tpl;
    apr_size_t tpl_len;
    char *manifest;              /* NULL: no manifest path, or missing */
    apr_size_t manifest_len;
    const char *id;              /* the id all stamps agree on; NULL: the
                                  * files are not stamped */
    const char *why;             /* for anything but SSR_SNAP_OK */
} ssr_snapshot_t;

/* manifest_path may be NULL; a missing manifest is not an error here
 * (snap->manifest stays NULL and snap->sig.manifest not present). */
ssr_snap_e ssr_snapshot_read(apr_pool_t *p, const char *bundle_path,
                             const char *tpl_path, const char *manifest_path,
                             ssr_snapshot_t *snap);

/* FNV-1a, 64 bits: ssr_fnv1a(SSR_FNV_OFFSET, ...) hashes a buffer, and a
 * hash can be carried on over several (the ETag of a page written in
 * pieces).  ssr_hash_name() gives a file name for a string (16 hex). */
#define SSR_FNV_OFFSET APR_UINT64_C(0xcbf29ce484222325)
apr_uint64_t ssr_fnv1a(apr_uint64_t h, const void *data, apr_size_t len);
const char *ssr_hash_name(apr_pool_t *p, const char *s);

/* A short printable id for a build ("b" + hex), stable for equal sigs. */
const char *ssr_build_id(apr_pool_t *p, const ssr_build_sig_t *sig);

#endif /* SSR_RELOAD_H */
