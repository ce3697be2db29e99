/*
 * ssr-prerender -- render routes of an app to static HTML files (SSG).
 *
 * Each route is rendered by the same engine code as mod_ssr and written as
 * <out>/<route>/index.html, so Apache serves it as a plain file and
 * mod_ssr renders only what was not prerendered.  Routes come from the
 * command line, from a file (--routes), and with --crawl from the
 * same-origin links of every page rendered, starting at the base; a
 * relative link is resolved against each URL its page is served at.
 *
 * A route that does not answer 200 with a page is reported and not
 * written: a redirect is skipped (a file cannot redirect), a 404 is counted
 * apart with --allow-404 (and the app's not-found page is written as
 * 404.html), any other status or a failed render is a failure.  Written in
 * place, the page at the template's own path is never written over the
 * template; written elsewhere (--out), the output is a complete static copy
 * of the client build, with the root page rendered and the template kept
 * aside for mod_ssr (.mod_ssr/template.html).
 *
 * Exit status: 0 all routes written, skipped or allowed (a crawl stopped by
 * --max-routes included), 1 a route failed, 2 bad usage or the build could
 * not be loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <unistd.h>

#include "ssr_cli.h"
#include "ssr_parse.h"
#include "ssr_reload.h"
#include "ssr_url.h"

/* Long-only options: values above any getopt letter. */
#define PRE_OPT_ALLOW_404     256
#define PRE_OPT_NOT_FOUND     257
#define PRE_OPT_DIR_SLASH     258
#define PRE_OPT_VERSION       259

static const apr_getopt_option_t pre_options[] = {
    SSR_CLI_OPTIONS,
    { "quiet", 'q', 0, "no app info/debug logs" },
    { "out", 'o', 1, "where to write pages (default: the template's "
                     "directory); another directory gets a complete static "
                     "copy" },
    { "routes", 'r', 1, "a file of routes, one per line ('#' comments)" },
    { "crawl", 'c', 0, "also follow same-origin links from the base" },
    { "max-routes", 'N', 1, "render at most this many routes (default 1000)" },
    { "allow-404", PRE_OPT_ALLOW_404, 0, "a route answering 404 is reported, "
                                         "not a failure; writes 404.html" },
    { "not-found", PRE_OPT_NOT_FOUND, 1, "the URL whose page is 404.html "
                                         "(default: one no app has)" },
    { "directory-slash", PRE_OPT_DIR_SLASH, 0, "pages are served at "
                                               "<route>/ (mod_dir's default), "
                                               "not <route>" },
    { "version", PRE_OPT_VERSION, 0, "print the version and exit" },
    { "help", 'h', 0, "show this help" },
    { NULL, 0, 0, NULL }
};

/* Where mod_ssr's template goes in a static copy, relative to --out. */
#define PRE_TEMPLATE_COPY ".mod_ssr/template.html"

/* A URL that no app routes: its render is the app's not-found page. */
#define PRE_NOT_FOUND_URL "__mod_ssr_not_found__"

/* One output file and the URLs it is served at. */
typedef struct {
    apr_array_header_t *forms;  /* const char *: routes naming this file */
    apr_array_header_t *rel;    /* const char *: its page's relative links */
    int rendered;
} pre_file;

typedef struct {
    ssr_cli_app app;
    apr_pool_t *pool;           /* lives as long as the queue */
    const char *out;
    int in_place;               /* out is the template's directory */
    int crawl;
    int max_routes;
    int allow_404;
    int dir_slash;
    const char *not_found;      /* URL of the 404.html page, or NULL */
    apr_array_header_t *queue;  /* const char *: routes to render, in order */
    apr_hash_t *seen;           /* route -> route */
    apr_hash_t *files;          /* route without its trailing slash -> pre_file */
    int written, redirects, failed, kept, not_found_routes, copied;
} pre_state;

static void pre_usage(FILE *out, const char *prog)
{
    int i;

    fprintf(out, "usage: %s --bundle FILE --template FILE [options] "
                 "[ROUTE...]\n\nWrites each route (e.g. / /about) as "
                 "<out>/<route>/index.html.\nExit status: 0 ok, 1 a route "
                 "failed, 2 usage or build not loaded.\n\n", prog);
    for (i = 0; pre_options[i].name; i++) {
        if (pre_options[i].optch < 256) {
            fprintf(out, "  -%c, --%-16s %s\n", pre_options[i].optch,
                    pre_options[i].name, pre_options[i].description);
        }
        else {
            fprintf(out, "      --%-16s %s\n", pre_options[i].name,
                    pre_options[i].description);
        }
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

static const char *pre_resolve(apr_pool_t *p, const char *route,
                               const char *href);
static void pre_enqueue(pre_state *st, const char *route);

/* The URL a page reached by route is served at, which relative links are
 * resolved against: route itself (DirectorySlash Off and the rewrite of
 * docs/prerender.md), or with --directory-slash, route/ (mod_dir answers
 * route with a redirect there). */
static const char *pre_served_at(const pre_state *st, const char *route)
{
    apr_size_t n = strlen(route);

    if (st->dir_slash && n > 0 && route[n - 1] != '/') {
        return apr_pstrcat(st->pool, route, "/", NULL);
    }
    return route;
}

/* Queues the page's relative links, resolved against the URL form. */
static void pre_enqueue_relative(pre_state *st, const pre_file *f,
                                 const char *form)
{
    const char *at = pre_served_at(st, form);
    int i;

    for (i = 0; i < f->rel->nelts; i++) {
        const char *path = pre_resolve(st->pool, at,
                                       APR_ARRAY_IDX(f->rel, i, const char *));
        if (path && ssr_url_in_base(path, st->app.base) &&
            !ssr_url_asset_like(path)) {
            pre_enqueue(st, path);
        }
    }
}

/* Adds a route once; routes are paths (query and fragment dropped).  The
 * routes /x and /x/ are one file, rendered once; a relative link of its
 * page is followed from each. */
static void pre_enqueue(pre_state *st, const char *route)
{
    apr_size_t n = strcspn(route, "?#");
    char *r, *key;
    pre_file *f;

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
    key = apr_pstrdup(st->pool, r);
    n = strlen(key);
    if (n > 1 && key[n - 1] == '/') {
        key[n - 1] = '\0';
    }
    f = apr_hash_get(st->files, key, APR_HASH_KEY_STRING);
    if (f != NULL) {
        APR_ARRAY_PUSH(f->forms, const char *) = r;
        if (f->rendered) {
            pre_enqueue_relative(st, f, r);
        }
        return;
    }
    f = apr_pcalloc(st->pool, sizeof(*f));
    f->forms = apr_array_make(st->pool, 2, sizeof(const char *));
    f->rel = apr_array_make(st->pool, 0, sizeof(const char *));
    APR_ARRAY_PUSH(f->forms, const char *) = r;
    apr_hash_set(st->files, key, APR_HASH_KEY_STRING, f);
    APR_ARRAY_PUSH(st->queue, const char *) = r;
}

static pre_file *pre_file_of(pre_state *st, const char *route)
{
    apr_size_t n = strlen(route);

    if (n > 1 && route[n - 1] == '/') {
        n--;
    }
    return apr_hash_get(st->files, route, (apr_ssize_t) n);
}

static int pre_read_routes(apr_pool_t *p, pre_state *st, const char *file)
{
    char *data, *line, *last;
    apr_size_t len;

    if (ssr_cli_read(p, &st->app, file, "routes file", &data, &len)) {
        return 2;
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

/* Queues the same-origin page links of a rendered page: absolute ones
 * once, relative ones from every URL the page is served at. */
static void pre_collect_links(apr_pool_t *p, pre_state *st, const char *route,
                              const char *page)
{
    const char *s = page, *tag_end, *href, *value, *path;
    pre_file *f = pre_file_of(st, route);
    int i;

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
        if (path == NULL) {
            continue;
        }
        if (*value != '/' && f != NULL) {
            APR_ARRAY_PUSH(f->rel, const char *) = apr_pstrdup(st->pool, value);
        }
        else if (ssr_url_in_base(path, st->app.base) &&
                 !ssr_url_asset_like(path)) {
            pre_enqueue(st, path);
        }
    }
    if (f != NULL) {
        f->rendered = 1;
        /* forms may be added while the links are queued */
        for (i = 0; i < f->forms->nelts; i++) {
            pre_enqueue_relative(st, f, APR_ARRAY_IDX(f->forms, i,
                                                      const char *));
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

/* Copies one file under a temporary name and renames it, like pages; in
 * its own pool, streamed, so a large build costs no memory. */
static apr_status_t pre_copy_file(apr_pool_t *p, const char *from,
                                  const char *to)
{
    apr_pool_t *cp;
    char *dir, *tmp;
    apr_status_t rv;

    apr_pool_create(&cp, p);
    dir = apr_pstrdup(cp, to);
    *strrchr(dir, '/') = '\0';
    rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, cp);
    tmp = apr_psprintf(cp, "%s.tmp-%lu", to, (unsigned long) getpid());
    if (rv == APR_SUCCESS) {
        rv = apr_file_copy(from, tmp, APR_FPROT_FILE_SOURCE_PERMS, cp);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, to, cp);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, cp);
    }
    apr_pool_destroy(cp);
    return rv;
}

/* Copies the client build (the template's directory) into --out: the
 * assets, and anything else Apache would serve from it, so that --out is
 * a whole site.  Not copied: the template (the root page is rendered
 * instead), Vite's .vite/ manifests (never served), --out itself when it
 * lies inside the build, and links to directories (which may loop). */
static void pre_copy_tree(apr_pool_t *p, pre_state *st, const char *from,
                          const char *to, const char *out_real, int top)
{
    apr_pool_t *dp;
    apr_dir_t *dir;
    apr_finfo_t fi;
    apr_status_t rv;
    const char *src, *dst;
    char *real;

    apr_pool_create(&dp, p);
    rv = apr_dir_open(&dir, from, dp);
    if (rv != APR_SUCCESS) {
        printf("%s: FAILED to read %s: %pm\n", st->app.prog, from, &rv);
        st->failed++;
        apr_pool_destroy(dp);
        return;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, dir) ==
           APR_SUCCESS) {
        rv = APR_SUCCESS;
        if (strcmp(fi.name, ".") == 0 || strcmp(fi.name, "..") == 0 ||
            (top && (strcmp(fi.name, ".vite") == 0 ||
                     strcmp(fi.name, ".mod_ssr") == 0))) {
            continue;
        }
        src = apr_pstrcat(dp, from, "/", fi.name, NULL);
        dst = apr_pstrcat(dp, to, "/", fi.name, NULL);
        if (fi.filetype == APR_LNK) {
            if (apr_stat(&fi, src, APR_FINFO_TYPE, dp) != APR_SUCCESS) {
                continue;       /* a dangling link */
            }
            if (fi.filetype == APR_DIR) {
                printf("%s: warning: %s not copied (a link to a "
                       "directory)\n", st->app.prog, src);
                continue;
            }
        }
        if (fi.filetype == APR_DIR) {
            real = NULL;
            apr_filepath_merge(&real, NULL, src, APR_FILEPATH_TRUENAME, dp);
            if (real == NULL || strcmp(real, out_real) != 0) {
                pre_copy_tree(dp, st, src, dst, out_real, 0);
            }
        }
        else if (fi.filetype == APR_REG &&
                 !pre_same_file(dp, src, st->app.template_path)) {
            rv = pre_copy_file(dp, src, dst);
            st->copied += rv == APR_SUCCESS;
        }
        if (rv != APR_SUCCESS) {
            printf("%s: FAILED to copy %s to %s: %pm\n", st->app.prog, src,
                   dst, &rv);
            st->failed++;
        }
    }
    apr_dir_close(dir);
    apr_pool_destroy(dp);
}

/* A static copy elsewhere: the client files, and the template kept where
 * mod_ssr can still be pointed at it (SSRTemplate), since index.html
 * becomes the rendered root page. */
static void pre_copy_client(apr_pool_t *p, pre_state *st)
{
    char *tdir = apr_pstrdup(p, st->app.template_path), *slash, *out_real;
    const char *copy = apr_pstrcat(p, st->out, "/", PRE_TEMPLATE_COPY, NULL);
    apr_status_t rv;

    slash = strrchr(tdir, '/');
    if (slash) {
        *slash = '\0';
    }
    tdir = slash ? (*tdir ? tdir : "/") : ".";
    out_real = NULL;
    apr_dir_make_recursive(st->out, APR_FPROT_OS_DEFAULT, p);
    apr_filepath_merge(&out_real, NULL, st->out, APR_FILEPATH_TRUENAME, p);
    pre_copy_tree(p, st, tdir, st->out, out_real ? out_real : "", 1);
    rv = pre_copy_file(p, st->app.template_path, copy);
    if (rv != APR_SUCCESS) {
        printf("%s: FAILED to keep the template as %s: %pm\n", st->app.prog,
               copy, &rv);
        st->failed++;
        return;
    }
    printf("%s: copied %d files of %s to %s; the template is %s "
           "(for SSRTemplate)\n", st->app.prog, st->copied, tdir, st->out,
           copy);
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
               "rendered by mod_ssr; for a site without mod_ssr, write a "
               "static copy with --out DIR)\n", n, route, target);
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
    else if (st->allow_404 && plan.status == 404 &&
             plan.kind != SSR_PLAN_FAIL) {
        /* a broken link: the site still builds, the link is listed */
        st->not_found_routes++;
        printf("[%d] %s: not found (404), not written\n", n, route);
    }
    else {
        st->failed++;
        printf("[%d] %s: FAILED: %s%s%s\n", n, route,
               plan.kind == SSR_PLAN_FAIL ? "render failed"
                                          : apr_itoa(p, plan.status),
               plan.why ? ": " : "",
               plan.why ? ssr_cli_explain(p, &st->app, plan.why) : "");
    }
}

/* The app's own not-found page as <out>/404.html, for ErrorDocument 404
 * when Apache serves the files without mod_ssr. */
static void pre_not_found_page(apr_pool_t *p, pre_state *st)
{
    ssr_render_result_t res;
    ssr_plan_t plan;
    const char *target = apr_pstrcat(p, st->out, "/404.html", NULL);
    char *page;
    apr_size_t len;
    apr_status_t rv;

    if (ssr_cli_render(p, &st->app, st->not_found, NULL, "GET", &res,
                       &plan) != 0) {
        st->failed++;
        return;
    }
    if (plan.kind == SSR_PLAN_FAIL) {
        st->failed++;
        printf("[404] %s: FAILED: render failed: %s\n", st->not_found,
               ssr_cli_explain(p, &st->app, plan.why ? plan.why : "?"));
        return;
    }
    if (plan.kind != SSR_PLAN_PAGE) {
        /* LOADER_NOT_FOUND or a redirect: the app has no page to show */
        printf("[404] %s: warning: answers %d without a page%s%s; no "
               "404.html\n", st->not_found, plan.status,
               plan.why ? ": " : "", plan.why ? plan.why : "");
        return;
    }
    page = ssr_cli_page(p, &st->app, &res, &len);
    rv = pre_write(p, target, page, len);
    if (rv != APR_SUCCESS) {
        st->failed++;
        printf("[404] %s: FAILED to write %s: %pm\n", st->not_found, target,
               &rv);
        return;
    }
    printf("[404] %s (status %d) -> %s\n", st->not_found, plan.status,
           target);
    if (plan.status != 404) {
        printf("[404] %s: warning: the app answered %d, not 404, for a URL "
               "it does not have\n", st->not_found, plan.status);
    }
}

/* --- main ------------------------------------------------------------------- */

static int pre_parse(apr_pool_t *p, int argc, const char *const *argv,
                     pre_state *st)
{
    apr_getopt_t *g;
    const char *arg, *err = NULL, *routes_file = NULL;
    char *dir, *slash, *a, *b;
    int ch, i;
    apr_status_t rv;

    memset(st, 0, sizeof(*st));
    st->pool = p;
    ssr_cli_init(p, &st->app, argv[0]);
    st->max_routes = 1000;
    st->queue = apr_array_make(p, 16, sizeof(const char *));
    st->seen = apr_hash_make(p);
    st->files = apr_hash_make(p);
    apr_getopt_init(&g, p, argc, argv);
    /* apr_getopt would name the tool by its full path; said once below */
    g->errfn = NULL;
    while ((rv = apr_getopt_long(g, pre_options, &ch, &arg)) == APR_SUCCESS) {
        if (!ssr_cli_option(p, &st->app, ch, arg, &err)) {
            switch (ch) {
            case 'o': st->out = arg; break;
            case 'r': routes_file = arg; break;
            case 'c': st->crawl = 1; break;
            case 'N': err = ssr_parse_count(arg, &st->max_routes); break;
            case PRE_OPT_ALLOW_404: st->allow_404 = 1; break;
            case PRE_OPT_NOT_FOUND:
                if (*arg != '/') {
                    err = "takes a URL path (e.g. /no-such-page)";
                }
                st->not_found = arg;
                break;
            case PRE_OPT_DIR_SLASH: st->dir_slash = 1; break;
            case PRE_OPT_VERSION:
                printf("%s\n", ssr_cli_version(&st->app));
                exit(0);
            case 'h': pre_usage(stdout, st->app.prog); exit(0);
            }
        }
        if (err) {
            fprintf(stderr, "%s: --%s %s: %s\n", st->app.prog,
                    ssr_cli_option_name(pre_options, ch), arg, err);
            return 2;
        }
    }
    if (rv != APR_EOF) {
        fprintf(stderr, "%s: %s: %s\n\n", st->app.prog, argv[g->ind - 1],
                rv == APR_BADARG ? "needs a value" : "unknown option");
        pre_usage(stderr, st->app.prog);
        return 2;
    }
    if (st->app.bundle_path == NULL || st->app.template_path == NULL) {
        fprintf(stderr, "%s: missing %s\n\n", st->app.prog,
                st->app.bundle_path == NULL ? "--bundle FILE"
                                            : "--template FILE");
        pre_usage(stderr, st->app.prog);
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
        fprintf(stderr, "%s: no routes (give ROUTE..., --routes or "
                        "--crawl)\n", st->app.prog);
        return 2;
    }
    if (st->allow_404 && st->not_found == NULL) {
        st->not_found = apr_pstrcat(p, st->app.base, PRE_NOT_FOUND_URL, NULL);
    }
    if (st->not_found && !ssr_url_in_base(st->not_found, st->app.base)) {
        fprintf(stderr, "%s: --not-found %s: not inside the base %s\n",
                st->app.prog, st->not_found, st->app.base);
        return 2;
    }
    dir = apr_pstrdup(p, st->app.template_path);
    slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
    }
    dir = slash ? (*dir ? dir : "/") : ".";
    if (st->out == NULL) {
        st->out = dir;
    }
    /* In place when --out names the template's directory, however spelt */
    a = b = NULL;
    apr_filepath_merge(&a, NULL, dir, APR_FILEPATH_TRUENAME, p);
    apr_filepath_merge(&b, NULL, st->out, APR_FILEPATH_TRUENAME, p);
    st->in_place = st->out == dir || (a && b && strcmp(a, b) == 0);
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
    if (!st.in_place) {
        pre_copy_client(p, &st);
        fflush(stdout);
    }
    for (i = 0; i < st.queue->nelts && i < st.max_routes; i++) {
        apr_pool_create(&rp, p);
        pre_route(rp, &st, i + 1, APR_ARRAY_IDX(st.queue, i, const char *));
        fflush(stdout);
        apr_pool_destroy(rp);
    }
    if (i < st.queue->nelts) {
        /* a bound the user set, not an error: what was rendered is good */
        fflush(stdout);
        fprintf(stderr, "%s: warning: --max-routes %d reached, %d more routes "
                "found and not rendered\n", st.app.prog, st.max_routes,
                st.queue->nelts - i);
    }
    if (st.not_found) {
        apr_pool_create(&rp, p);
        pre_not_found_page(rp, &st);
        apr_pool_destroy(rp);
    }
    printf("%s: %d written, %d redirects skipped, %d kept as the template, "
           "%d not found, %d failed%s, in %.0f ms\n", st.app.prog, st.written,
           st.redirects, st.kept, st.not_found_routes, st.failed,
           i < st.queue->nelts ? " (stopped at --max-routes)" : "",
           (double) (apr_time_now() - t0) / 1000.0);
    ssr_cli_done(&st.app);
    apr_pool_destroy(p);
    return st.failed ? 1 : 0;
}
