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

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_lib.h>
#include <apr_getopt.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "ssr_engine.h"
#include "ssr_parse.h"
#include "ssr_reload.h"
#include "ssr_url.h"
#include "ssr_result.h"
#include "ssr_template.h"

typedef struct {
    const char *bundle;
    const char *template_path;
    const char *manifest_path;
    const char *base;
    const char *method;
    apr_interval_time_t timeout;
    apr_size_t memory_limit;
    int repeat;
    int quiet;
    apr_array_header_t *env;      /* ssr_kv_t */
    apr_array_header_t *headers;  /* ssr_kv_t */
    const char *url;
} cli_opts;

static const apr_getopt_option_t cli_options[] = {
    { "bundle", 'b', 1, "the SSR bundle (dist/server/entry-server.js)" },
    { "template", 't', 1, "the HTML template (dist/client/index.html)" },
    { "manifest", 'm', 1, "the SSR manifest, passed to render as text" },
    { "base", 'B', 1, "the app's base path (default /)" },
    { "env", 'e', 1, "NAME=VALUE for process.env (repeatable)" },
    { "header", 'H', 1, "'Name: value' request header (repeatable)" },
    { "method", 'X', 1, "request method for context.method (default GET)" },
    { "timeout", 'T', 1, "deadline per render (default 5s)" },
    { "memory-limit", 'M', 1, "heap memory limit (default 128M)" },
    { "repeat", 'n', 1, "render N times in one heap and print timings" },
    { "quiet", 'q', 0, "do not print the page" },
    { "help", 'h', 0, "show this help" },
    { NULL, 0, 0, NULL }
};

static void cli_usage(FILE *out)
{
    int i;

    fprintf(out, "usage: ssr-render --bundle FILE [options] URL\n\n"
                 "Renders URL (path and query, e.g. /about?x=1) to stdout.\n\n");
    for (i = 0; cli_options[i].name; i++) {
        fprintf(out, "  -%c, --%-14s %s\n", cli_options[i].optch,
                cli_options[i].name, cli_options[i].description);
    }
}

static void cli_log(void *baton, int level, const char *msg)
{
    static const char *names[] = { "emerg", "alert", "crit", "error", "warn",
                                   "notice", "info", "debug" };
    const cli_opts *o = baton;

    if (o->quiet && level > SSR_LOG_WARNING) {
        return;
    }
    fprintf(stderr, "[%s] %s\n", level >= 0 && level <= 7 ? names[level]
                                                           : "log", msg);
}

static int cli_fail(const char *what, const char *why)
{
    fprintf(stderr, "ssr-render: %s: %s\n", what, why);
    return 2;
}

static int cli_add_pair(apr_pool_t *p, apr_array_header_t *arr,
                        const char *arg, char sep, int lower)
{
    const char *at = strchr(arg, sep);
    ssr_kv_t *kv;
    char *name;

    if (at == NULL || at == arg) {
        return 0;
    }
    name = apr_pstrmemdup(p, arg, (apr_size_t) (at - arg));
    if (lower) {
        char *c;
        for (c = name; *c; c++) {
            *c = (char) apr_tolower(*c);
        }
    }
    kv = apr_array_push(arr);
    kv->name = name;
    at++;
    while (sep == ':' && *at == ' ') {
        at++;
    }
    kv->value = at;
    return 1;
}

static int cli_parse(apr_pool_t *p, int argc, const char *const *argv,
                     cli_opts *o)
{
    apr_getopt_t *g;
    const char *arg, *err = NULL;
    int ch;
    apr_status_t rv;

    memset(o, 0, sizeof(*o));
    o->base = "/";
    o->method = "GET";
    o->timeout = apr_time_from_sec(5);
    o->memory_limit = (apr_size_t) 128 * 1024 * 1024;
    o->repeat = 0;
    o->env = apr_array_make(p, 4, sizeof(ssr_kv_t));
    o->headers = apr_array_make(p, 4, sizeof(ssr_kv_t));
    apr_getopt_init(&g, p, argc, argv);
    while ((rv = apr_getopt_long(g, cli_options, &ch, &arg)) == APR_SUCCESS) {
        switch (ch) {
        case 'b': o->bundle = arg; break;
        case 't': o->template_path = arg; break;
        case 'm': o->manifest_path = arg; break;
        case 'B': o->base = arg; break;
        case 'X': o->method = arg; break;
        case 'q': o->quiet = 1; break;
        case 'T': err = ssr_parse_duration(arg, &o->timeout); break;
        case 'M': err = ssr_parse_size(arg, &o->memory_limit); break;
        case 'n': err = ssr_parse_count(arg, &o->repeat); break;
        case 'e':
            if (!cli_add_pair(p, o->env, arg, '=', 0)) {
                err = "--env takes NAME=VALUE";
            }
            break;
        case 'H':
            if (!cli_add_pair(p, o->headers, arg, ':', 1)) {
                err = "--header takes 'Name: value'";
            }
            break;
        case 'h': cli_usage(stdout); exit(0);
        }
        if (err) {
            fprintf(stderr, "ssr-render: -%c %s: %s\n", ch, arg, err);
            return 0;
        }
    }
    if (rv != APR_EOF || g->ind != argc - 1 || o->bundle == NULL) {
        cli_usage(stderr);
        return 0;
    }
    o->url = argv[g->ind];
    return 1;
}

/* Splits "/path?query" into context.path and context.query. */
static void cli_request(apr_pool_t *p, const cli_opts *o, const char *manifest,
                        apr_size_t manifest_len, ssr_render_req_t *req)
{
    const char *q = strchr(o->url, '?');

    memset(req, 0, sizeof(*req));
    req->url = ssr_render_url(p, o->url, o->base);
    req->manifest = manifest;
    req->manifest_len = manifest_len;
    req->method = o->method;
    req->path = q ? apr_pstrmemdup(p, o->url, (apr_size_t) (q - o->url)) : o->url;
    req->query = q ? q + 1 : "";
    req->remote_addr = "127.0.0.1";
    req->headers = o->headers;
    req->log = cli_log;
    req->log_baton = (void *) o;
}

static int cli_cmp_time(const void *a, const void *b)
{
    apr_interval_time_t x = *(const apr_interval_time_t *) a;
    apr_interval_time_t y = *(const apr_interval_time_t *) b;

    return x < y ? -1 : x > y;
}

static double cli_ms(apr_interval_time_t t)
{
    return (double) t / 1000.0;
}

static void cli_print_timings(apr_interval_time_t *t, int n,
                              apr_interval_time_t create, int heaps,
                              const ssr_bundle_t *b, const ssr_heap_t *h)
{
    qsort(t, (size_t) n, sizeof(*t), cli_cmp_time);
    fprintf(stderr,
            "renders=%d median_ms=%.3f p90_ms=%.3f min_ms=%.3f max_ms=%.3f "
            "heap_create_ms=%.3f heaps=%d bytecode_bytes=%lu heap_bytes=%lu\n",
            n, cli_ms(t[n / 2]), cli_ms(t[(n * 9) / 10]), cli_ms(t[0]),
            cli_ms(t[n - 1]), cli_ms(create), heaps,
            (unsigned long) ssr_bundle_bytecode_size(b),
            (unsigned long) (h ? ssr_heap_memory(h) : 0));
}

static apr_status_t cli_write(void *baton, const char *data, apr_size_t len)
{
    return fwrite(data, 1, len, baton) == len ? APR_SUCCESS : APR_EGENERAL;
}

/* Prints the answer mod_ssr would give; returns the exit status. */
static int cli_answer(apr_pool_t *p, const cli_opts *o,
                      const ssr_template_t *tpl, const ssr_render_result_t *res)
{
    ssr_plan_t plan;
    int i;

    ssr_plan_result(p, res, &plan, cli_log, (void *) o);
    switch (plan.kind) {
    case SSR_PLAN_PAGE:
        fprintf(stderr, "status: %d\n", plan.status);
        for (i = 0; i < plan.headers->nelts; i++) {
            const ssr_kv_t *kv = &APR_ARRAY_IDX(plan.headers, i, ssr_kv_t);
            fprintf(stderr, "header: %s: %s\n", kv->name, kv->value);
        }
        if (!o->quiet) {
            if (tpl) {
                ssr_template_emit(tpl, res->head, res->head_len, res->html,
                                  res->html_len, cli_write, stdout);
            }
            else if (res->html) {
                fwrite(res->html, 1, res->html_len, stdout);
            }
        }
        return 0;
    case SSR_PLAN_REDIRECT:
        fprintf(stderr, "status: %d\nlocation: %s\n", plan.status,
                plan.location);
        return 0;
    case SSR_PLAN_STATUS:
        fprintf(stderr, "status: %d%s%s\n", plan.status,
                plan.why ? " -- " : "", plan.why ? plan.why : "");
        return 0;
    default:
        fprintf(stderr, "render failed: %s\n", plan.why ? plan.why : "?");
        return 1;
    }
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p, *rp;
    cli_opts o;
    char *src, *tpl_bytes = NULL, *manifest = NULL;
    apr_size_t src_len, tpl_len = 0, manifest_len = 0;
    const char *err;
    ssr_template_t tpl;
    ssr_heap_opts_t ho;
    ssr_bundle_t *bundle;
    ssr_heap_t *heap = NULL;
    ssr_render_req_t req;
    ssr_render_result_t res;
    apr_interval_time_t *times, create = 0;
    apr_time_t t0;
    int i, n, heaps = 0, rc = 0;

    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if (!cli_parse(p, argc, argv, &o)) {
        return 2;
    }
    if (ssr_file_read(p, o.bundle, &src, &src_len) != APR_SUCCESS) {
        return cli_fail(o.bundle, "cannot read the bundle");
    }
    if (o.template_path) {
        if (ssr_file_read(p, o.template_path, &tpl_bytes, &tpl_len) != APR_SUCCESS) {
            return cli_fail(o.template_path, "cannot read the template");
        }
        if (ssr_template_split(&tpl, tpl_bytes, tpl_len, &err) != APR_SUCCESS) {
            return cli_fail(o.template_path, err);
        }
    }
    if (o.manifest_path &&
        ssr_file_read(p, o.manifest_path, &manifest, &manifest_len) != APR_SUCCESS) {
        return cli_fail(o.manifest_path, "cannot read the manifest");
    }
    if (ssr_render_url(p, o.url, o.base) == NULL) {
        return cli_fail(o.url, "not inside the base path");
    }

    memset(&ho, 0, sizeof(ho));
    ho.memory_limit = o.memory_limit;
    ho.env = o.env;
    ho.log = cli_log;
    ho.log_baton = &o;
    if (ssr_bundle_compile(p, src, src_len, o.bundle, &ho, &bundle, &err)
        != APR_SUCCESS) {
        return cli_fail(o.bundle, err);
    }

    n = o.repeat > 0 ? o.repeat : 1;
    times = apr_pcalloc(p, sizeof(*times) * (apr_size_t) n);
    for (i = 0; i < n; i++) {
        apr_pool_create(&rp, p);
        if (heap == NULL) {
            t0 = apr_time_now();
            if (ssr_heap_create(bundle, &ho, rp, &heap, &err) != APR_SUCCESS) {
                return cli_fail(o.bundle, err);
            }
            create += apr_time_now() - t0;
            heaps++;
        }
        cli_request(rp, &o, manifest, manifest_len, &req);
        req.deadline = apr_time_now() + o.timeout;
        ssr_heap_render(heap, rp, &req, &res);
        times[i] = res.elapsed;
        if (i == n - 1) {
            rc = cli_answer(rp, &o, o.template_path ? &tpl : NULL, &res);
        }
        if (!ssr_heap_reusable(heap)) {
            ssr_heap_destroy(heap);
            heap = NULL;
        }
        apr_pool_destroy(rp);
    }
    if (o.repeat > 0) {
        cli_print_timings(times, n, heaps ? create / heaps : 0, heaps, bundle,
                          heap);
    }
    ssr_heap_destroy(heap);
    apr_pool_destroy(p);
    return rc;
}
