/*
 * ssr_tcache.h -- split templates in shared memory.
 *
 * One shared segment (made in post_config, inherited by every child) holds a
 * few slots, each the bytes and split offsets of one build's template,
 * keyed by path and file signature.  The first process to load a build
 * splits the template it read under a global mutex; every other process
 * copies it from the segment, so a build's template is split once per
 * server.  The bytes and the signature always come from one snapshot of the
 * build (ssr_snapshot_read), so a slot never holds another read's file.
 */
#ifndef SSR_TCACHE_H
#define SSR_TCACHE_H

#include <httpd.h>
#include "ssr_template.h"
#include "ssr_reload.h"

#define SSR_TCACHE_MUTEX "ssr-template"

apr_status_t ssr_tcache_pre_config(apr_pool_t *pconf);
apr_status_t ssr_tcache_post_config(apr_pool_t *pconf, server_rec *s);
void ssr_tcache_child_init(apr_pool_t *pchild, server_rec *s);

/* The template of path as of sig, copied into p and split into *t: from
 * the shared segment when a process already split it, else split from
 * bytes (the file as the loader read it, under that same sig) and stored.
 * On error *err says why. */
apr_status_t ssr_tcache_get(apr_pool_t *p, server_rec *s, const char *path,
                            const ssr_file_sig_t *sig, const char *bytes,
                            apr_size_t len, ssr_template_t *t,
                            const char **err);

#endif /* SSR_TCACHE_H */
