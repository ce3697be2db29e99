/*
 * ssr_sections.h -- every place mod_ssr is configured, at startup.
 *
 * Directives may be given in the server config, a virtual host, and any
 * <Directory> or <Location> section.  What runs at post-config (checking
 * bundles, preloading builds, noting the apps mod_cache may answer for)
 * needs each of those settings as a request there would see them.
 */
#ifndef SSR_SECTIONS_H
#define SSR_SECTIONS_H

#include <httpd.h>

#include "ssr_config.h"

/* Called with a server, its DocumentRoot ("" when it has none) and one
 * effective configuration: the server's own, or a section's merged over
 * it. */
typedef void (*ssr_section_fn)(void *baton, apr_pool_t *p, server_rec *s,
                               const char *docroot, const ssr_dir_conf *c);

/* Calls fn for every server from main_server on (virtual hosts included):
 * once with the server's own settings, then once for each <Directory> and
 * <Location> section holding mod_ssr settings of its own, merged over the
 * server's.  A virtual host's sections include the main server's, so the
 * same settings can come more than once: callers that act once per bundle
 * or app keep their own "seen" set.  Merged copies come from p. */
void ssr_sections_each(apr_pool_t *p, server_rec *main_server,
                       ssr_section_fn fn, void *baton);

#endif /* SSR_SECTIONS_H */
