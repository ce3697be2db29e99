/*
 * ssr_tcache.h -- split templates in shared memory.
 *
 * One shared segment (made in post_config, inherited by every child) holds a
 * few slots, each the bytes and split offsets of one build's template,
 * keyed by path and file signature.  The first process to load a build reads
 * and splits the file under a global mutex; every other process copies it
 * from the segment, so a build's template is read and split once per server,
 * and no request reads the file.
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

/* The template of path as of sig, copied into p and split into *t.  Reads
 * the file only when no process has cached it yet.  On error *err says why. */
apr_status_t ssr_tcache_get(apr_pool_t *p, server_rec *s, const char *path,
                            const ssr_file_sig_t *sig, ssr_template_t *t,
                            const char **err);

#endif /* SSR_TCACHE_H */
