/*
 * ssr-render -- render one URL with an SSR bundle, the way mod_ssr does,
 * without httpd: for debugging a bundle, for benchmarks (--repeat), and for
 * build tools that want to know a bundle runs in this engine.
 *
 * Exit status: 0 page rendered (whatever its HTTP status), 1 the render
 * failed, 2 bad usage or the build could not be loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "ssr_cli.h"
#include "ssr_parse.h"
#include "ssr_reload.h"
#include "ssr_srcmap.h"
#include "ssr_url.h"

static const apr_getopt_option_t render_options[] = {
    SSR_CLI_OPTIONS,
    { "header", 'H', 1, "'Name: value' request header (repeatable)" },
    { "method", 'X', 1, "request method for context.method (default GET)" },
    { "repeat", 'n', 1, "render N times in one heap and print timings" },
    { "help", 'h', 0, "show this help" },
    { NULL, 0, 0, NULL }
};

typedef struct {
    ssr_cli_app app;
    apr_array_header_t *headers;  /* ssr_kv_t */
    const char *method;
    int repeat;
    const char *url;
    const ssr_srcmap_t *srcmap;   /* the bundle's source map, or NULL */
    apr_pool_t *pool;
} render_opts;

static void render_usage(FILE *out)
{
    int i;

    fprintf(out, "usage: ssr-render --bundle FILE [options] URL\n\n"
                 "Renders URL (path and query, e.g. /about?x=1) to stdout.\n\n");
    for (i = 0; render_options[i].name; i++) {
        fprintf(out, "  -%c, --%-14s %s\n", render_options[i].optch,
                render_options[i].name, render_options[i].description);
    }
}

static int render_parse(apr_pool_t *p, int argc, const char *const *argv,
                        render_opts *o)
{
    apr_getopt_t *g;
    const char *arg, *err = NULL;
    int ch;
    apr_status_t rv;

    ssr_cli_init(p, &o->app, "ssr-render");
    o->headers = apr_array_make(p, 4, sizeof(ssr_kv_t));
    o->method = "GET";
    o->repeat = 0;
    apr_getopt_init(&g, p, argc, argv);
    while ((rv = apr_getopt_long(g, render_options, &ch, &arg)) == APR_SUCCESS) {
        if (!ssr_cli_option(p, &o->app, ch, arg, &err)) {
            switch (ch) {
            case 'X': o->method = arg; break;
            case 'n': err = ssr_parse_count(arg, &o->repeat); break;
            case 'H':
                if (!ssr_cli_add_pair(p, o->headers, arg, ':', 1)) {
                    err = "--header takes 'Name: value'";
                }
                break;
            case 'h': render_usage(stdout); exit(0);
            }
        }
        if (err) {
            fprintf(stderr, "ssr-render: -%c %s: %s\n", ch, arg, err);
            return 0;
        }
    }
    if (rv != APR_EOF || g->ind != argc - 1 || o->app.bundle_path == NULL) {
        render_usage(stderr);
        return 0;
    }
    o->url = argv[g->ind];
    return 1;
}

static int render_cmp_time(const void *a, const void *b)
{
    apr_interval_time_t x = *(const apr_interval_time_t *) a;
    apr_interval_time_t y = *(const apr_interval_time_t *) b;

    return x < y ? -1 : x > y;
}

static double render_ms(apr_interval_time_t t)
{
    return (double) t / 1000.0;
}

static void render_print_timings(apr_interval_time_t *t, int n,
                                 const ssr_cli_app *app)
{
    qsort(t, (size_t) n, sizeof(*t), render_cmp_time);
    fprintf(stderr,
            "renders=%d median_ms=%.3f p90_ms=%.3f min_ms=%.3f max_ms=%.3f "
            "heap_create_ms=%.3f heaps=%d bytecode_bytes=%lu heap_bytes=%lu\n",
            n, render_ms(t[n / 2]), render_ms(t[(n * 9) / 10]),
            render_ms(t[0]), render_ms(t[n - 1]),
            render_ms(app->heaps ? app->heap_time / app->heaps : 0),
            app->heaps, (unsigned long) ssr_bundle_bytecode_size(app->bundle),
            (unsigned long) (app->heap ? ssr_heap_memory(app->heap) : 0));
}

/* The source map beside the bundle (bundle.map) when it is of the same
 * build, as the module takes it: stamped with the bundle's id, or neither
 * stamped.  NULL otherwise (said, unless --quiet). */
static const ssr_srcmap_t *render_srcmap(apr_pool_t *p, const ssr_cli_app *app)
{
    const char *path = apr_pstrcat(p, app->bundle_path, ".map", NULL);
    const char *err = NULL, *id;
    char *src, *json;
    apr_size_t src_len, len;
    ssr_srcmap_t *m;

    if (ssr_file_read(p, path, &json, &len) != APR_SUCCESS) {
        return NULL;    /* none */
    }
    if (ssr_file_read(p, app->bundle_path, &src, &src_len) != APR_SUCCESS ||
        ssr_srcmap_parse(p, json, len, &m, &err) != APR_SUCCESS) {
        m = NULL;
    }
    else {
        id = ssr_stamp_of_bundle(p, src, src_len);
        if ((id == NULL) != (m->build_id == NULL) ||
            (id && strcmp(id, m->build_id) != 0)) {
            err = "it is of another build";
            m = NULL;
        }
    }
    if (m == NULL && !app->quiet) {
        fprintf(stderr, "ssr-render: not using %s: %s\n", path,
                err ? err : "cannot read it");
    }
    return m;
}

/* Prints the answer mod_ssr would give; returns the exit status. */
static int render_answer(const render_opts *o, const ssr_render_result_t *res,
                         const ssr_plan_t *plan)
{
    int i;

    switch (plan->kind) {
    case SSR_PLAN_PAGE:
        fprintf(stderr, "status: %d\n", plan->status);
        for (i = 0; i < plan->headers->nelts; i++) {
            const ssr_kv_t *kv = &APR_ARRAY_IDX(plan->headers, i, ssr_kv_t);
            fprintf(stderr, "header: %s: %s\n", kv->name, kv->value);
        }
        if (!o->app.quiet) {
            ssr_cli_write_page(&o->app, res, stdout);
        }
        return 0;
    case SSR_PLAN_REDIRECT:
        fprintf(stderr, "status: %d\nlocation: %s\n", plan->status,
                plan->location);
        return 0;
    case SSR_PLAN_STATUS:
        fprintf(stderr, "status: %d%s%s\n", plan->status,
                plan->why ? " -- " : "", plan->why ? plan->why : "");
        return 0;
    default:
        /* a thrown error with its stack, at the app's sources when the
         * bundle has a map */
        fprintf(stderr, "render failed: %s\n",
                ssr_srcmap_stack(o->pool, o->srcmap,
                                 res->status == SSR_RENDER_THREW &&
                                 res->error_stack ? res->error_stack
                                 : plan->why ? plan->why : "?",
                                 o->app.bundle_path, NULL));
        return 1;
    }
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p, *rp;
    render_opts o;
    ssr_render_result_t res;
    ssr_plan_t plan;
    apr_interval_time_t *times;
    int i, n, rc = 0;

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if (!render_parse(p, argc, argv, &o)) {
        return 2;
    }
    if (!ssr_url_in_base(apr_pstrmemdup(p, o.url, strcspn(o.url, "?")),
                         o.app.base)) {
        return ssr_cli_fail(&o.app, o.url, "not inside the base path");
    }
    if ((rc = ssr_cli_load(p, &o.app)) != 0) {
        return rc;
    }
    o.pool = p;
    o.srcmap = render_srcmap(p, &o.app);
    n = o.repeat > 0 ? o.repeat : 1;
    times = apr_pcalloc(p, sizeof(*times) * (apr_size_t) n);
    for (i = 0; i < n; i++) {
        apr_pool_create(&rp, p);
        if ((rc = ssr_cli_render(rp, &o.app, o.url, o.headers, o.method, &res,
                                 &plan)) != 0) {
            return rc;
        }
        times[i] = res.elapsed;
        if (i == n - 1) {
            rc = render_answer(&o, &res, &plan);
        }
        apr_pool_destroy(rp);
    }
    if (o.repeat > 0) {
        render_print_timings(times, n, &o.app);
    }
    ssr_cli_done(&o.app);
    apr_pool_destroy(p);
    return rc;
}
