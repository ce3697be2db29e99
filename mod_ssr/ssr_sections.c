/*
 * ssr_sections.c -- every place mod_ssr is configured, at startup.
 */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>

#include "ssr_sections.h"

static void ssr__sections_of(apr_pool_t *p, server_rec *s,
                             const char *docroot,
                             const ssr_dir_conf *server_conf,
                             apr_array_header_t *sections,
                             ssr_section_fn fn, void *baton)
{
    int i;

    for (i = 0; sections != NULL && i < sections->nelts; i++) {
        ap_conf_vector_t *v = APR_ARRAY_IDX(sections, i, ap_conf_vector_t *);
        const ssr_dir_conf *c = ap_get_module_config(v, &ssr_module);

        /* A section with no mod_ssr directive shares the server's
         * structure: nothing new to see there. */
        if (c != NULL && c != server_conf) {
            fn(baton, p, s, docroot,
               ssr_conf_merge(p, (void *) server_conf, (void *) c));
        }
    }
}

void ssr_sections_each(apr_pool_t *p, server_rec *main_server,
                       ssr_section_fn fn, void *baton)
{
    server_rec *s;

    for (s = main_server; s != NULL; s = s->next) {
        core_server_config *core = ap_get_core_module_config(s->module_config);
        const ssr_dir_conf *sc = ap_get_module_config(s->lookup_defaults,
                                                      &ssr_module);
        const char *docroot = core != NULL && core->ap_document_root != NULL
                              ? core->ap_document_root : "";

        if (sc == NULL) {
            continue;
        }
        fn(baton, p, s, docroot, sc);
        if (core != NULL) {
            ssr__sections_of(p, s, docroot, sc, core->sec_dir, fn, baton);
            ssr__sections_of(p, s, docroot, sc, core->sec_url, fn, baton);
        }
    }
}
