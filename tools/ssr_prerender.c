/*
 * ssr-prerender -- render routes of an app to static HTML files (SSG).
 *
 * Each route is rendered by the same engine code as mod_ssr and written as
 * <out>/<route>/index.html, so Apache serves it as a plain file and
 * mod_ssr renders only what was not prerendered.  Routes come from the
 * command line, from a file (--routes), and with --crawl from the
 * same-origin links of every page rendered, starting at the base.
 *
 * A route that does not answer 200 with a page is reported and not
 * written: a redirect is skipped (a file cannot redirect), any other
 * status or a failed render is a failure.  The page at the template's own
 * path is never written over the template.
 *
 * Exit status: 0 all routes written or skipped, 1 a route failed, 2 bad
 * usage or the build could not be loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "ssr_cli.h"
#include "ssr_parse.h"
#include "ssr_reload.h"
#include "ssr_url.h"

static const apr_getopt_option_t pre_options[] = {
    SSR_CLI_OPTIONS,
    { "out", 'o', 1, "where to write pages (default: the template's directory)" },
    { "routes", 'r', 1, "a file of routes, one per line ('#' comments)" },
    { "crawl", 'c', 0, "also follow same-origin links from the base" },
    { "max-routes", 'N', 1, "stop after this many routes (default 1000)" },
    { "help", 'h', 0, "show this help" },
    { NULL, 0, 0, NULL }
};

typedef struct {
    ssr_cli_app app;
    apr_pool_t *pool;           /* lives as long as the queue */
    const char *out;
    int crawl;
    int max_routes;
    apr_array_header_t *queue;  /* const char *: routes to render, in order */
    apr_hash_t *seen;
    int written, redirects, failed, kept;
} pre_state;

static void pre_usage(FILE *out)
{
    int i;

    fprintf(out, "usage: ssr-prerender --bundle FILE --template FILE [options] "
                 "[ROUTE...]\n\nWrites each route (e.g. / /about) as "
                 "<out>/<route>/index.html.\n\n");
    for (i = 0; pre_options[i].name; i++) {
        fprintf(out, "  -%c, --%-14s %s\n", pre_options[i].optch,
                pre_options[i].name, pre_options[i].description);
    }
}

/* --- routes ----------------------------------------------------------------- */

/* Removes "." and ".." segments and repeated slashes, never going above
 * the root: a route can never name a file outside --out.  The result
 * keeps a trailing slash if the path had one. */
static char *pre_normalize(apr_pool_t *p, const char *path, apr_size_t n)
{
    apr_array_header_t *segs = apr_array_make(p, 8, sizeof(char *));
    const char *s = path, *end = path + n, *seg;
    char *out;
    int i;

    while (s < end) {
        for (seg = s; s < end && *s != '/'; s++) {
            continue;
        }
        if (s - seg == 2 && seg[0] == '.' && seg[1] == '.') {
            if (segs->nelts > 0) {
                apr_array_pop(segs);
            }
        }
        else if (s > seg && !(s - seg == 1 && seg[0] == '.')) {
            APR_ARRAY_PUSH(segs, char *) = apr_pstrmemdup(p, seg,
                                                          (apr_size_t) (s - seg));
        }
        if (s < end) {
            s++;
        }
    }
    out = "/";
    for (i = 0; i < segs->nelts; i++) {
        out = apr_pstrcat(p, out, i ? "/" : "", APR_ARRAY_IDX(segs, i, char *),
                          NULL);
    }
    if (segs->nelts > 0 && n > 0 && path[n - 1] == '/') {
        out = apr_pstrcat(p, out, "/", NULL);
    }
    return out;
}

/* Adds a route once; routes are paths (query and fragment dropped). */
static void pre_enqueue(pre_state *st, const char *route)
{
    apr_size_t n = strcspn(route, "?#");
    char *r;

    if (*route != '/') {
        /* not a path: kept as is, to be reported as such */
        r = apr_pstrmemdup(st->pool, route, n);
    }
    else {
        r = pre_normalize(st->pool, route, n);
    }

    if (*r == '\0' || apr_hash_get(st->seen, r, APR_HASH_KEY_STRING)) {
        return;
    }
    apr_hash_set(st->seen, r, APR_HASH_KEY_STRING, r);
    APR_ARRAY_PUSH(st->queue, const char *) = r;
}

static int pre_read_routes(apr_pool_t *p, pre_state *st, const char *file)
{
    char *data, *line, *last;
    apr_size_t len;

    if (ssr_file_read(p, file, &data, &len) != APR_SUCCESS) {
        return ssr_cli_fail(&st->app, file, "cannot read the routes file");
    }
    for (line = apr_strtok(data, "\r\n", &last); line;
         line = apr_strtok(NULL, "\r\n", &last)) {
        line = apr_pstrdup(p, line);
        apr_collapse_spaces(line, line);
        if (*line && *line != '#') {
            pre_enqueue(st, line);
        }
    }
    return 0;
}

/* href as a same-origin path, resolved against the page's route, or NULL. */
static const char *pre_resolve(apr_pool_t *p, const char *route,
                               const char *href)
{
    const char *slash;

    if (*href == '\0' || *href == '#' || *href == '?' ||
        strncmp(href, "//", 2) == 0 || strchr(href, ':') != NULL) {
        return NULL;
    }
    if (*href == '/') {
        return href;
    }
    slash = strrchr(route, '/');
    return apr_pstrcat(p, apr_pstrmemdup(p, route, (apr_size_t) (slash - route) + 1),
                       href, NULL);
}

/* The value of an href="..." (or '...') attribute starting at s. */
static const char *pre_href_value(apr_pool_t *p, const char *s)
{
    char quote = *s;
    const char *end;
    char *v, *amp;

    if (quote != '"' && quote != '\'') {
        return NULL;
    }
    end = strchr(s + 1, quote);
    if (end == NULL) {
        return NULL;
    }
    v = apr_pstrmemdup(p, s + 1, (apr_size_t) (end - s - 1));
    while ((amp = strstr(v, "&amp;")) != NULL) {
        memmove(amp + 1, amp + 5, strlen(amp + 5) + 1);
    }
    return v;
}

static const char *pre_strcasestr(const char *s, const char *what)
{
    apr_size_t n = strlen(what);

    for (; *s; s++) {
        if (strncasecmp(s, what, n) == 0) {
            return s;
        }
    }
    return NULL;
}

/* Queues the same-origin page links of a rendered page. */
static void pre_collect_links(apr_pool_t *p, pre_state *st, const char *route,
                              const char *page)
{
    const char *s = page, *tag_end, *href, *value, *path;

    while ((s = pre_strcasestr(s, "<a")) != NULL) {
        s += 2;
        if (!apr_isspace(*s)) {
            continue;
        }
        tag_end = strchr(s, '>');
        href = pre_strcasestr(s, "href=");
        if (href == NULL || (tag_end && href > tag_end)) {
            continue;
        }
        value = pre_href_value(p, href + 5);
        path = value ? pre_resolve(p, route, value) : NULL;
        if (path && ssr_url_in_base(path, st->app.base) &&
            !ssr_url_asset_like(path)) {
            pre_enqueue(st, path);
        }
    }
}

/* --- writing ---------------------------------------------------------------- */

/* <out>/<route without base>/index.html */
static const char *pre_target(apr_pool_t *p, const pre_state *st,
                              const char *route)
{
    const char *rel = route + strlen(st->app.base) - 1;
    const char *dir;

    if (strncmp(route, st->app.base, strlen(st->app.base)) != 0) {
        rel = "/";     /* "/app" for base "/app/": the app's root */
    }
    dir = apr_pstrcat(p, st->out, rel, NULL);
    return apr_pstrcat(p, dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
                       "index.html", NULL);
}

static int pre_same_file(apr_pool_t *p, const char *a, const char *b)
{
    char *ca = NULL, *cb = NULL;

    if (b == NULL) {
        return 0;
    }
    apr_filepath_merge(&ca, NULL, a, APR_FILEPATH_TRUENAME, p);
    apr_filepath_merge(&cb, NULL, b, APR_FILEPATH_TRUENAME, p);
    return ca && cb && strcmp(ca, cb) == 0;
}

/* Written under a temporary name and renamed, so Apache never serves a
 * half-written page. */
static apr_status_t pre_write(apr_pool_t *p, const char *path,
                              const char *data, apr_size_t len)
{
    char *dir = apr_pstrdup(p, path), *tmp;
    apr_file_t *f;
    apr_status_t rv;

    *strrchr(dir, '/') = '\0';
    rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    tmp = apr_pstrcat(p, path, ".XXXXXX", NULL);
    rv = apr_file_mktemp(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE |
                         APR_FOPEN_EXCL | APR_FOPEN_BINARY, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, data, len, NULL);
    if (rv == APR_SUCCESS) {
        rv = apr_file_perms_set(tmp, APR_FPROT_UREAD | APR_FPROT_UWRITE |
                                APR_FPROT_GREAD | APR_FPROT_WREAD);
        rv = rv == APR_ENOTIMPL ? APR_SUCCESS : rv;
    }
    apr_file_close(f);
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, path, p);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
    }
    return rv;
}

/* --- one route -------------------------------------------------------------- */

static void pre_page(apr_pool_t *p, pre_state *st, int n, const char *route,
                     const ssr_render_result_t *res)
{
    apr_size_t len;
    char *page = ssr_cli_page(p, &st->app, res, &len);
    const char *target = pre_target(p, st, route);
    apr_status_t rv;

    if (st->crawl) {
        pre_collect_links(p, st, route, page);
    }
    if (pre_same_file(p, target, st->app.template_path)) {
        st->kept++;
        printf("[%d] %s: not written, %s is the template (this route stays "
               "rendered by mod_ssr)\n", n, route, target);
        return;
    }
    rv = pre_write(p, target, page, len);
    if (rv != APR_SUCCESS) {
        st->failed++;
        printf("[%d] %s: FAILED to write %s: %pm\n", n, route, target, &rv);
        return;
    }
    st->written++;
    printf("[%d] %s -> %s (%.1f ms)\n", n, route, target,
           (double) res->elapsed / 1000.0);
}

static void pre_route(apr_pool_t *p, pre_state *st, int n, const char *route)
{
    ssr_render_result_t res;
    ssr_plan_t plan;

    if (*route != '/' || !ssr_url_in_base(route, st->app.base)) {
        st->failed++;
        printf("[%d] %s: FAILED: not a path inside the base %s\n", n, route,
               st->app.base);
        return;
    }
    if (ssr_cli_render(p, &st->app, route, NULL, "GET", &res, &plan) != 0) {
        st->failed++;
        return;
    }
    if (plan.kind == SSR_PLAN_PAGE && plan.status == 200) {
        pre_page(p, st, n, route, &res);
    }
    else if (plan.kind == SSR_PLAN_REDIRECT) {
        st->redirects++;
        printf("[%d] %s: redirect (%d) to %s, not written\n", n, route,
               plan.status, plan.location);
    }
    else {
        st->failed++;
        printf("[%d] %s: FAILED: %s%s%s\n", n, route,
               plan.kind == SSR_PLAN_FAIL ? "render failed"
                                          : apr_itoa(p, plan.status),
               plan.why ? ": " : "", plan.why ? plan.why : "");
    }
}

/* --- main ------------------------------------------------------------------- */

static int pre_parse(apr_pool_t *p, int argc, const char *const *argv,
                     pre_state *st)
{
    apr_getopt_t *g;
    const char *arg, *err = NULL, *routes_file = NULL;
    int ch, i;
    apr_status_t rv;

    memset(st, 0, sizeof(*st));
    st->pool = p;
    ssr_cli_init(p, &st->app, "ssr-prerender");
    st->max_routes = 1000;
    st->queue = apr_array_make(p, 16, sizeof(const char *));
    st->seen = apr_hash_make(p);
    apr_getopt_init(&g, p, argc, argv);
    while ((rv = apr_getopt_long(g, pre_options, &ch, &arg)) == APR_SUCCESS) {
        if (!ssr_cli_option(p, &st->app, ch, arg, &err)) {
            switch (ch) {
            case 'o': st->out = arg; break;
            case 'r': routes_file = arg; break;
            case 'c': st->crawl = 1; break;
            case 'N': err = ssr_parse_count(arg, &st->max_routes); break;
            case 'h': pre_usage(stdout); exit(0);
            }
        }
        if (err) {
            fprintf(stderr, "ssr-prerender: -%c %s: %s\n", ch, arg, err);
            return 2;
        }
    }
    if (rv != APR_EOF || st->app.bundle_path == NULL ||
        st->app.template_path == NULL) {
        pre_usage(stderr);
        return 2;
    }
    for (i = g->ind; i < argc; i++) {
        pre_enqueue(st, argv[i]);
    }
    if (routes_file && pre_read_routes(p, st, routes_file) != 0) {
        return 2;
    }
    if (st->crawl) {
        pre_enqueue(st, st->app.base);
    }
    if (st->queue->nelts == 0) {
        fprintf(stderr, "ssr-prerender: no routes (give ROUTE..., --routes "
                        "or --crawl)\n");
        return 2;
    }
    if (st->out == NULL) {
        char *dir = apr_pstrdup(p, st->app.template_path);
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = '\0';
        }
        st->out = slash ? (*dir ? dir : "/") : ".";
    }
    return 0;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p, *rp;
    pre_state st;
    apr_time_t t0;
    int rc, i;

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if ((rc = pre_parse(p, argc, argv, &st)) != 0 ||
        (rc = ssr_cli_load(p, &st.app)) != 0) {
        return rc;
    }
    t0 = apr_time_now();
    for (i = 0; i < st.queue->nelts && i < st.max_routes; i++) {
        apr_pool_create(&rp, p);
        pre_route(rp, &st, i + 1, APR_ARRAY_IDX(st.queue, i, const char *));
        fflush(stdout);
        apr_pool_destroy(rp);
    }
    if (i < st.queue->nelts) {
        st.failed++;
        printf("ssr-prerender: stopped at --max-routes %d with %d routes "
               "left\n", st.max_routes, st.queue->nelts - i);
    }
    printf("ssr-prerender: %d written, %d redirects skipped, %d kept as the "
           "template, %d failed, in %.0f ms\n", st.written, st.redirects,
           st.kept, st.failed, (double) (apr_time_now() - t0) / 1000.0);
    ssr_cli_done(&st.app);
    apr_pool_destroy(p);
    return st.failed ? 1 : 0;
}
