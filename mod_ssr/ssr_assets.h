/*
 * ssr_assets.h -- the assets of previous builds, still served after a
 * deploy.
 *
 * A page rendered by build K references K's hashed assets (JS chunks, CSS).
 * A deploy of build K+1 usually deletes them (vite build empties its
 * outDir; rsync --delete; a new release directory), and then every page
 * still open in a browser fails to load its lazy chunks.  So when a process
 * loads a build, it copies the build's client files into an archive the
 * module owns (SSRAssetArchive), and a request for an asset-like file that
 * is missing from the client directory is served from the archive by
 * Apache's own file handler (ETag, Range, sendfile).  A build's files stay
 * for SSRAssetGrace after it went out of service, then are pruned.
 */
#ifndef SSR_ASSETS_H
#define SSR_ASSETS_H

#include <httpd.h>
#include "ssr_config.h"
#include "ssr_reload.h"

/* The archive directory of a configuration: SSRAssetArchive, or by default
 * "mod_ssr-assets" in httpd's DefaultRuntimeDir; NULL when it is off. */
const char *ssr_assets_root(apr_pool_t *p, const ssr_dir_conf *conf);

/* Creates name in httpd's DefaultRuntimeDir (if missing) and gives it to
 * the User the children run as (when httpd starts as root); its path, or
 * NULL (logged) when it cannot be made. */
const char *ssr_runtime_subdir(apr_pool_t *p, server_rec *s, const char *name);

/* Gives a file the parent (root) wrote to the children's User. */
void ssr_give_to_user(const char *path);

/* Creates the default archive directory, owned by the User the children
 * run as (when httpd starts as root).  post_config, in the parent. */
void ssr_assets_post_config(apr_pool_t *ptemp, server_rec *s);

/* Archives the files of the client directory (the template's directory)
 * of the build just loaded, starts the grace period of the build it
 * replaced in this process (retired_id; NULL: none), and prunes what no
 * build in service or in its grace period has.  0 when the template at
 * tpl_path no longer has the signature the build was read with (the
 * directory may hold another build: nothing is listed or pruned). */
int ssr_assets_keep(apr_pool_t *p, server_rec *s, const char *root,
                    const char *client_dir, const char *build_id,
                    const char *retired_id, apr_interval_time_t grace,
                    const char *tpl_path, const ssr_file_sig_t *tpl_sig);

/* fixups hook: maps a missing asset to its archived copy. */
int ssr_assets_fixup(request_rec *r);

/* fixups hook, last, just before the file handler opens the file: an
 * asset that exists is served from the archive's copy of it (same size
 * and mtime), which no deploy replaces or deletes; else pinned to its real
 * path (symlinks resolved), so that a `current` symlink flipped before the
 * open still opens the file that was mapped; a file gone since it was
 * mapped is served from the archive. */
int ssr_assets_pin(request_rec *r);

#endif /* SSR_ASSETS_H */
