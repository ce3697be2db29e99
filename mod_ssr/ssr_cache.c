/*
 * ssr_cache.c -- rendered pages in Apache's mod_cache (docs/caching.md).
 *
 * mod_cache answers from its quick handler, before the request is mapped
 * to a <Location> or a file and before mod_ssr knows which build it would
 * render with; an entry stays fresh for its max-age whatever is deployed
 * meanwhile.  So the build goes into what mod_cache compares: the
 * post_read_request hook, which runs before the quick handler, checks the
 * apps of the request's server for a new build (as a render would, at most
 * once per SSRReloadInterval) and sets the request header X-SSR-Build to
 * the builds loaded; every page that may be served from a shared cache
 * says "Vary: X-SSR-Build".  Once a process has loaded a new build, its
 * requests carry the new id and no entry stored under the old one matches
 * (a client's own X-SSR-Build is always replaced).  mod_cache_socache and
 * mod_cache_disk both keep an entry per value of the headers it varies on.
 */
#include <string.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>
#include <apr_strings.h>

#include "ssr_build.h"
#include "ssr_cache.h"
#include "ssr_config.h"
#include "ssr_sections.h"
#include "ssr_url.h"

APLOG_USE_MODULE(ssr);

/* An app a server renders: its settings as preloaded (ssr_build.c merges
 * each section over the server's settings the same way, so the app record
 * found here is the one requests use). */
typedef struct {
    server_rec *s;
    const ssr_dir_conf *conf;
    const char *template_path;
} ssr__cached_app;

/* NULL when mod_cache is not loaded: nothing to do per request. */
static apr_array_header_t *ssr__apps;

static void ssr__note_app(void *baton, apr_pool_t *p, server_rec *s,
                          const char *docroot, const ssr_dir_conf *c)
{
    ssr__cached_app *a;
    int i;

    if (c->engine != 1 || c->bundle == NULL) {
        return;
    }
    for (i = 0; i < ssr__apps->nelts; i++) {
        a = &APR_ARRAY_IDX(ssr__apps, i, ssr__cached_app);
        if (a->s == s && a->conf == c) {
            return;
        }
    }
    a = apr_array_push(ssr__apps);
    a->s = s;
    a->conf = c;
    a->template_path = ssr_conf_template_path(p, c, docroot);
}

apr_status_t ssr_cache_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                   server_rec *main_server)
{
    ssr__apps = NULL;
    if (ap_find_linked_module("mod_cache.c") == NULL) {
        return APR_SUCCESS;
    }
    ssr__apps = apr_array_make(pconf, 4, sizeof(ssr__cached_app));
    ssr_sections_each(pconf, main_server, ssr__note_app, NULL);
    return APR_SUCCESS;
}

/* Could mod_cache answer this request with a page mod_ssr rendered?  Only
 * a GET (or HEAD) of a path that is not an asset's.  Skipping the others
 * is always safe: a request without the build header never matches an
 * entry stored with it (Vary), so the worst case is a cache miss. */
static int ssr__may_be_page(const request_rec *r)
{
    const char *path = r->parsed_uri.path ? r->parsed_uri.path : r->uri;

    return r->method_number == M_GET && path != NULL &&
           !ssr_url_asset_like(path);
}

/* Before mod_cache's quick handler: the builds this server's apps are on,
 * looked for anew when a check is due. */
static int ssr_cache_post_read_request(request_rec *r)
{
    const char *ids = NULL;
    ssr_app_t *seen[8];
    int i, j, nseen = 0;

    if (ssr__apps == NULL) {
        return DECLINED;
    }
    /* never the client's own value, whatever the request */
    apr_table_unset(r->headers_in, SSR_CACHE_BUILD_HEADER);
    if (!ssr__may_be_page(r)) {
        return DECLINED;
    }
    for (i = 0; i < ssr__apps->nelts; i++) {
        const ssr__cached_app *a = &APR_ARRAY_IDX(ssr__apps, i,
                                                  ssr__cached_app);
        ssr_app_state_t st;
        ssr_app_t *app;

        if (a->s != r->server) {
            continue;
        }
        app = ssr_app_for(r, a->conf, a->template_path);
        if (app == NULL) {
            continue;
        }
        for (j = 0; j < nseen && seen[j] != app; j++) {
        }
        if (j < nseen) {
            continue;
        }
        if (nseen < (int) (sizeof(seen) / sizeof(seen[0]))) {
            seen[nseen++] = app;
        }
        ssr_app_poll(app, r, a->conf, r->pool, &st);
        ids = apr_pstrcat(r->pool, ids ? ids : "", ids ? " " : "",
                          st.build_id ? st.build_id : "-", NULL);
    }
    if (ids != NULL) {
        apr_table_setn(r->headers_in, SSR_CACHE_BUILD_HEADER, ids);
    }
    return DECLINED;
}

void ssr_cache_register_hooks(apr_pool_t *p)
{
    ap_hook_post_read_request(ssr_cache_post_read_request, NULL, NULL,
                              APR_HOOK_MIDDLE);
}

const char *ssr_cache_default_control(const ssr_dir_conf *conf, int status)
{
    /* An error page is stored only when the app asks for it. */
    return ap_is_HTTP_ERROR(status) ? SSR_DEFAULT_CACHE_CONTROL
                                    : ssr_conf_cache_control(conf);
}

/* --- the response --------------------------------------------------------- */

/* Does the comma-separated list have the token (case-insensitive, an
 * "=value" after it allowed)? */
static int ssr__has_token(const char *list, const char *token)
{
    apr_size_t n = strlen(token);
    const char *p = list;

    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        if (strncasecmp(p, token, n) == 0 &&
            (p[n] == '\0' || p[n] == ',' || p[n] == '=' || p[n] == ' ' ||
             p[n] == '\t')) {
            return 1;
        }
        p = strchr(p, ',');
    }
    return 0;
}

/* Adds name to the response's Vary unless it is there (or "*" is). */
static void ssr__vary(request_rec *r, const char *name)
{
    const char *vary = apr_table_get(r->headers_out, "Vary");

    if (vary == NULL) {
        apr_table_setn(r->headers_out, "Vary", name);
    }
    else if (!ssr__has_token(vary, name) && !ssr__has_token(vary, "*")) {
        apr_table_setn(r->headers_out, "Vary",
                       apr_pstrcat(r->pool, vary, ", ", name, NULL));
    }
}

/* The Cache-Control for one user only: "private", then the directives
 * that still apply (a shared cache's own are dropped). */
static const char *ssr__private(apr_pool_t *p, const char *cc)
{
    char *copy = apr_pstrdup(p, cc), *last = NULL, *tok;
    const char *out = "private";

    for (tok = apr_strtok(copy, ",", &last); tok;
         tok = apr_strtok(NULL, ",", &last)) {
        while (*tok == ' ' || *tok == '\t') {
            tok++;
        }
        if (*tok == '\0' || ssr__has_token(tok, "public") ||
            ssr__has_token(tok, "s-maxage") ||
            ssr__has_token(tok, "proxy-revalidate")) {
            continue;
        }
        out = apr_pstrcat(p, out, ", ", tok, NULL);
    }
    return out;
}

/* Did the Accept header decide that this request is rendered?  A missing
 * file is rendered for a navigation only (ssr_request.c); the template and
 * its directory always are. */
static int ssr__accept_chose(const request_rec *r)
{
    return r->finfo.filetype == APR_NOFILE ||
           (r->finfo.filetype == APR_REG && r->path_info &&
            *r->path_info != '\0');
}

/* Does the request's X-SSR-Build name the build? */
static int ssr__build_in_request(request_rec *r, const char *build_id)
{
    const char *ids = apr_table_get(r->headers_in, SSR_CACHE_BUILD_HEADER);
    apr_size_t n = strlen(build_id);
    const char *p;

    for (p = ids; p && (p = strstr(p, build_id)) != NULL; p += n) {
        if ((p == ids || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ')) {
            return 1;
        }
    }
    return 0;
}

int ssr_cache_shared(request_rec *r, const ssr_dir_conf *conf,
                     const char *build_id)
{
    const char *cc = apr_table_getm(r->pool, r->headers_out, "Cache-Control");

    if (cc == NULL || ssr__has_token(cc, "private") ||
        ssr__has_token(cc, "no-store") || ssr__has_token(cc, "no-cache") ||
        !(ssr__has_token(cc, "public") || ssr__has_token(cc, "max-age") ||
          ssr__has_token(cc, "s-maxage"))) {
        return 0;
    }
    /* A page rendered for credentials, or one that hands out a cookie,
     * is that user's: never one for everyone. */
    if (apr_table_get(r->headers_in, "Authorization") != NULL ||
        apr_table_get(r->headers_out, "Set-Cookie") != NULL ||
        apr_table_get(r->err_headers_out, "Set-Cookie") != NULL) {
        apr_table_setn(r->headers_out, "Cache-Control",
                       ssr__private(r->pool, cc));
        return 0;
    }
    /* A shared page was rendered without credentials: a request with
     * them is rendered (and answered privately) rather than given it. */
    ssr__vary(r, "Authorization");
    if (ssr_conf_cache_vary_cookie(conf)) {
        ssr__vary(r, "Cookie");
    }
    if (ssr__accept_chose(r)) {
        ssr__vary(r, "Accept");
    }
    if (ssr__apps != NULL) {
        ssr__vary(r, SSR_CACHE_BUILD_HEADER);
        if (!ssr__build_in_request(r, build_id)) {
            /* Stored under this request's X-SSR-Build, the page would be
             * another build's answer: the app is not one found at startup
             * (SSREngine and SSRBundle from different sections), or a new
             * build was loaded since the request began. */
            r->no_cache = 1;
        }
    }
    return 1;
}

int ssr_cache_storing(request_rec *r)
{
    ap_filter_t *f;

    for (f = r->output_filters; f != NULL; f = f->next) {
        if (f->frec && f->frec->name &&
            (strcasecmp(f->frec->name, "CACHE_SAVE") == 0 ||
             strcasecmp(f->frec->name, "CACHE_SAVE_SUBREQ") == 0)) {
            return 1;
        }
    }
    return 0;
}
