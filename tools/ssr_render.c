/*
 * ssr-render -- render one URL with an SSR bundle, the way mod_ssr does,
 * without httpd: for debugging a bundle, for benchmarks (--repeat), and for
 * build tools and CI that want to know a bundle runs in this engine
 * (--json, and an exit status per kind of failure).
 *
 * Exit status (docs/ssr-render.md): 0 the answer is not an error, 1 the
 * render failed, 2 bad usage or the build could not be loaded, 3 the render
 * timed out, 4 it ran out of memory, 5 it answered a 5xx status, 6 it
 * answered a 4xx status and --fail-on-4xx was given.
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

/* Exit statuses, documented in docs/ssr-render.md. */
#define RENDER_EXIT_OK        0
#define RENDER_EXIT_FAILED    1
#define RENDER_EXIT_USAGE     2
#define RENDER_EXIT_TIMEOUT   3
#define RENDER_EXIT_MEMORY    4
#define RENDER_EXIT_5XX       5
#define RENDER_EXIT_4XX       6

/* Long-only options: values above any getopt letter. */
#define RENDER_OPT_JSON       256
#define RENDER_OPT_FAIL_4XX   257
#define RENDER_OPT_VERSION    258

static const apr_getopt_option_t render_options[] = {
    SSR_CLI_OPTIONS,
    { "quiet", 'q', 0, "no page, and no app info/debug logs" },
    { "header", 'H', 1, "'Name: value' request header (repeatable)" },
    { "method", 'X', 1, "request method for context.method (default GET)" },
    { "repeat", 'n', 1, "render N times in one heap and print timings" },
    { "json", RENDER_OPT_JSON, 0, "print one JSON object (answer, page, "
                                  "timings, error) instead of the page" },
    { "fail-on-4xx", RENDER_OPT_FAIL_4XX, 0, "exit 6 when the answer is a "
                                             "4xx status" },
    { "version", RENDER_OPT_VERSION, 0, "print the version and exit" },
    { "help", 'h', 0, "show this help" },
    { NULL, 0, 0, NULL }
};

typedef struct {
    ssr_cli_app app;
    apr_array_header_t *headers;  /* ssr_kv_t */
    const char *method;
    int repeat;
    int json;
    int fail_on_4xx;
    const char *url;
    const ssr_srcmap_t *srcmap;   /* the bundle's source map, or NULL */
} render_opts;

static void render_usage(FILE *out, const char *prog)
{
    int i;

    fprintf(out, "usage: %s --bundle FILE [options] URL\n\n"
                 "Renders URL (path and query, e.g. /about?x=1) to stdout.\n"
                 "Exit status: 0 ok, 1 render failed, 2 usage or build not "
                 "loaded,\n3 timed out, 4 out of memory, 5 answered 5xx, "
                 "6 answered 4xx (--fail-on-4xx).\n\n", prog);
    for (i = 0; render_options[i].name; i++) {
        if (render_options[i].optch < 256) {
            fprintf(out, "  -%c, --%-14s %s\n", render_options[i].optch,
                    render_options[i].name, render_options[i].description);
        }
        else {
            fprintf(out, "      --%-14s %s\n", render_options[i].name,
                    render_options[i].description);
        }
    }
}

static int render_parse(apr_pool_t *p, int argc, const char *const *argv,
                        render_opts *o)
{
    apr_getopt_t *g;
    const char *arg, *err = NULL;
    int ch;
    apr_status_t rv;

    ssr_cli_init(p, &o->app, argv[0]);
    o->headers = apr_array_make(p, 4, sizeof(ssr_kv_t));
    o->method = "GET";
    o->repeat = 0;
    o->json = 0;
    o->fail_on_4xx = 0;
    apr_getopt_init(&g, p, argc, argv);
    /* apr_getopt prints its own errors with argv[0]; say them once here */
    g->errfn = NULL;
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
            case RENDER_OPT_JSON: o->json = 1; break;
            case RENDER_OPT_FAIL_4XX: o->fail_on_4xx = 1; break;
            case RENDER_OPT_VERSION:
                printf("%s\n", ssr_cli_version(&o->app));
                exit(0);
            case 'h': render_usage(stdout, o->app.prog); exit(0);
            }
        }
        if (err) {
            fprintf(stderr, "%s: --%s %s: %s\n", o->app.prog,
                    ssr_cli_option_name(render_options, ch), arg, err);
            return 0;
        }
    }
    if (rv != APR_EOF) {
        fprintf(stderr, "%s: %s: %s\n\n", o->app.prog, argv[g->ind - 1],
                rv == APR_BADARG ? "needs a value" : "unknown option");
        render_usage(stderr, o->app.prog);
        return 0;
    }
    if (g->ind >= argc || o->app.bundle_path == NULL) {
        fprintf(stderr, "%s: missing %s\n\n", o->app.prog,
                o->app.bundle_path == NULL ? "--bundle FILE" : "URL");
        render_usage(stderr, o->app.prog);
        return 0;
    }
    if (g->ind < argc - 1) {
        fprintf(stderr, "%s: one URL at a time (%s, then %s)\n\n",
                o->app.prog, argv[g->ind], argv[g->ind + 1]);
        render_usage(stderr, o->app.prog);
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
        fprintf(stderr, "%s: not using %s: %s\n", app->prog, path,
                err ? err : "cannot read it");
    }
    return m;
}

/* --- the outcome ------------------------------------------------------------ */

/* Duktape's first refused allocation throws an error the bundle may catch;
 * uncaught, it ends the render as a throw rather than at the engine's
 * memory limit, but the cause is the same limit. */
static int render_out_of_memory(const ssr_render_result_t *res)
{
    const char *m = res->error_message;
    apr_size_t n = m ? strlen(m) : 0;

    if (res->status == SSR_RENDER_NOMEM) {
        return 1;
    }
    return res->status == SSR_RENDER_THREW && res->error_code == NULL &&
           n >= 12 && strcmp(m + n - 12, "alloc failed") == 0;
}

/* What kind of failure a render was, for --json and the exit status;
 * NULL when the answer is not a failure of the render. */
static const char *render_error_kind(const ssr_render_result_t *res,
                                     const ssr_plan_t *plan)
{
    if (render_out_of_memory(res)) {
        return "memory";
    }
    switch (res->status) {
    case SSR_RENDER_OK:
        return plan->kind == SSR_PLAN_FAIL ? "invalid-result" : NULL;
    case SSR_RENDER_THREW:
        return plan->kind == SSR_PLAN_FAIL ? "exception" : NULL;
    case SSR_RENDER_TIMEOUT: return "timeout";
    case SSR_RENDER_NOMEM: return "memory";
    case SSR_RENDER_UNSETTLED: return "unsettled";
    case SSR_RENDER_BAD_VALUE: return "invalid-result";
    case SSR_RENDER_ABORTED: return "aborted";
    default: return "fatal";
    }
}

static int render_exit_status(const render_opts *o,
                              const ssr_render_result_t *res,
                              const ssr_plan_t *plan)
{
    if (res->status == SSR_RENDER_TIMEOUT) {
        return RENDER_EXIT_TIMEOUT;
    }
    if (render_out_of_memory(res)) {
        return RENDER_EXIT_MEMORY;
    }
    if (plan->kind == SSR_PLAN_FAIL) {
        return RENDER_EXIT_FAILED;
    }
    if (plan->status >= 500) {
        return RENDER_EXIT_5XX;
    }
    if (plan->status >= 400 && o->fail_on_4xx) {
        return RENDER_EXIT_4XX;
    }
    return RENDER_EXIT_OK;
}

/* Why the render failed, in the tool's terms. */
static const char *render_why(apr_pool_t *p, const render_opts *o,
                              const ssr_render_result_t *res,
                              const ssr_plan_t *plan)
{
    const char *why = res->status == SSR_RENDER_OK ||
                      res->status == SSR_RENDER_THREW ? plan->why : res->detail;

    if (res->status == SSR_RENDER_THREW && render_out_of_memory(res)) {
        return apr_psprintf(p, "the render ran out of memory (%s) at the "
                            "heap's memory limit (--memory-limit %s)",
                            res->error_message, o->app.memory_limit_arg);
    }
    return ssr_cli_explain(p, &o->app, why ? why : plan->why);
}

/* Prints the answer mod_ssr would give. */
static void render_answer(apr_pool_t *p, const render_opts *o,
                          const ssr_render_result_t *res,
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
        break;
    case SSR_PLAN_REDIRECT:
        fprintf(stderr, "status: %d\nlocation: %s\n", plan->status,
                plan->location);
        break;
    case SSR_PLAN_STATUS:
        fprintf(stderr, "status: %d -- %s\n", plan->status,
                render_why(p, o, res, plan));
        break;
    default:
        /* a thrown error with its stack, at the app's sources when the
         * bundle has a map */
        fprintf(stderr, "render failed: %s\n",
                res->status == SSR_RENDER_THREW && res->error_stack &&
                !render_out_of_memory(res)
                ? ssr_srcmap_stack(p, o->srcmap, res->error_stack,
                                   o->app.bundle_path, NULL)
                : render_why(p, o, res, plan));
        break;
    }
}

/* --- --json ----------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static apr_size_t render_utf8_len(const unsigned char *s, apr_size_t n)
{
    apr_size_t len, i;
    unsigned long c;

    if (s[0] < 0x80) {
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        c = s[0] & 0x1f;
    }
    else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        c = s[0] & 0x0f;
    }
    else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        c = s[0] & 0x07;
    }
    else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
        (len == 4 && (c < 0x10000 || c > 0x10ffff))) {
        return 0;
    }
    return len;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD, so the output
 * always parses. */
static void render_json_str(FILE *out, const char *s, apr_size_t n)
{
    const unsigned char *u = (const unsigned char *) s;
    apr_size_t i = 0, len;

    if (s == NULL) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    while (i < n) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            fprintf(out, "\\%c", c);
            i++;
        }
        else if (c == '\n') {
            fputs("\\n", out);
            i++;
        }
        else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
            i++;
        }
        else if ((len = render_utf8_len(u + i, n - i)) == 0) {
            fputs("\\ufffd", out);
            i++;
        }
        else if (len == 3 && u[i] == 0xe2 && u[i + 1] == 0x80 &&
                 (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
            /* U+2028/2029: valid JSON, but not in older JavaScript */
            fprintf(out, "\\u%04x", u[i + 2] == 0xa8 ? 0x2028 : 0x2029);
            i += 3;
        }
        else {
            fwrite(u + i, 1, len, out);
            i += len;
        }
    }
    fputc('"', out);
}

static void render_json_cstr(FILE *out, const char *s)
{
    render_json_str(out, s, s ? strlen(s) : 0);
}

/* One JSON object: what mod_ssr would answer, the page, the timings, and
 * why the render failed. */
static void render_json(apr_pool_t *p, const render_opts *o,
                        const ssr_render_result_t *res, const ssr_plan_t *plan,
                        const char *failed, int code)
{
    static const char *answers[] = { "page", "redirect", "status", "failed" };
    const char *kind = res ? render_error_kind(res, plan) : failed;
    FILE *out = stdout;
    char *page;
    apr_size_t len;
    int i;

    fputs("{\"url\":", out);
    render_json_cstr(out, o->url);
    fprintf(out, ",\"exit\":%d", code);
    if (res == NULL) {
        /* the build did not load, or no heap could be made */
        fputs(",\"answer\":\"failed\",\"status\":null,\"error\":"
              "{\"kind\":", out);
        render_json_cstr(out, kind);
        fputs(",\"message\":", out);
        render_json_cstr(out, o->app.last_error);
        fprintf(out, ",\"stack\":null},\"timings\":{\"load\":%.3f}}\n",
                render_ms(o->app.load_time));
        return;
    }
    fprintf(out, ",\"answer\":\"%s\",\"status\":%d",
            answers[plan->kind <= SSR_PLAN_FAIL ? plan->kind : SSR_PLAN_FAIL],
            plan->status);
    if (plan->kind == SSR_PLAN_REDIRECT) {
        fputs(",\"location\":", out);
        render_json_cstr(out, plan->location);
    }
    if (plan->kind == SSR_PLAN_STATUS) {
        fputs(",\"reason\":", out);
        render_json_cstr(out, render_why(p, o, res, plan));
    }
    fputs(",\"headers\":[", out);
    for (i = 0; i < plan->headers->nelts; i++) {
        const ssr_kv_t *kv = &APR_ARRAY_IDX(plan->headers, i, ssr_kv_t);
        fputs(i ? ",[" : "[", out);
        render_json_cstr(out, kv->name);
        fputc(',', out);
        render_json_cstr(out, kv->value);
        fputc(']', out);
    }
    fputs("],\"head\":", out);
    render_json_str(out, plan->kind == SSR_PLAN_PAGE ? res->head : NULL,
                    res->head_len);
    fputs(",\"html\":", out);
    render_json_str(out, plan->kind == SSR_PLAN_PAGE ? res->html : NULL,
                    res->html_len);
    fputs(",\"page\":", out);
    if (plan->kind == SSR_PLAN_PAGE && o->app.has_template) {
        page = ssr_cli_page(p, &o->app, res, &len);
        render_json_str(out, page, len);
    }
    else {
        fputs("null", out);
    }
    fprintf(out, ",\"timings\":{\"load\":%.3f,\"heap\":%.3f,\"render\":%.3f}",
            render_ms(o->app.load_time),
            render_ms(o->app.heaps ? o->app.heap_time / o->app.heaps : 0),
            render_ms(res->elapsed));
    if (kind) {
        fputs(",\"error\":{\"kind\":", out);
        render_json_cstr(out, kind);
        fputs(",\"message\":", out);
        render_json_cstr(out, render_why(p, o, res, plan));
        fputs(",\"stack\":", out);
        render_json_cstr(out, ssr_srcmap_stack(p, o->srcmap, res->error_stack,
                                               o->app.bundle_path, NULL));
        fputc('}', out);
    }
    fputs("}\n", out);
}

/* --- main ------------------------------------------------------------------- */

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
        return RENDER_EXIT_USAGE;
    }
    if (!ssr_url_in_base(apr_pstrmemdup(p, o.url, strcspn(o.url, "?")),
                         o.app.base)) {
        rc = ssr_cli_fail(&o.app, o.url, apr_pstrcat(p, "not inside the "
                                                    "base path ", o.app.base,
                                                    NULL));
        if (o.json) {
            render_json(p, &o, NULL, NULL, "usage", rc);
        }
        return rc;
    }
    if ((rc = ssr_cli_load(p, &o.app)) != 0) {
        if (o.json) {
            render_json(p, &o, NULL, NULL, "load", rc);
        }
        return rc;
    }
    o.srcmap = render_srcmap(p, &o.app);
    n = o.repeat > 0 ? o.repeat : 1;
    times = apr_pcalloc(p, sizeof(*times) * (apr_size_t) n);
    for (i = 0; i < n; i++) {
        apr_pool_create(&rp, p);
        if ((rc = ssr_cli_render(rp, &o.app, o.url, o.headers, o.method, &res,
                                 &plan)) != 0) {
            if (o.json) {
                render_json(rp, &o, NULL, NULL, "load", rc);
            }
            return rc;
        }
        times[i] = res.elapsed;
        if (i == n - 1) {
            rc = render_exit_status(&o, &res, &plan);
            if (o.json) {
                render_json(rp, &o, &res, &plan, NULL, rc);
            }
            else {
                render_answer(rp, &o, &res, &plan);
            }
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
