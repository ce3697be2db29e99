/*
 * ssr_cli.c -- the part of the command line tools that loads a build and
 * renders with it (see ssr_cli.h).  The engine, template and result code are
 * the module's own.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "ssr_cli.h"
#include "ssr_parse.h"
#include "ssr_reload.h"
#include "ssr_url.h"

void ssr_cli_init(apr_pool_t *p, ssr_cli_app *app, const char *prog)
{
    const char *slash = prog ? strrchr(prog, '/') : NULL;

    memset(app, 0, sizeof(*app));
    app->pool = p;
    /* Installed under another name (or run through a path), the help and
     * the messages still name the command the user typed. */
    app->prog = slash ? slash + 1 : prog;
    app->base = "/";
    app->timeout = apr_time_from_sec(5);
    app->timeout_arg = "5s";
    app->memory_limit = (apr_size_t) 128 * 1024 * 1024;
    app->memory_limit_arg = "128M";
    app->env = apr_array_make(p, 4, sizeof(ssr_kv_t));
}

const char *ssr_cli_version(const ssr_cli_app *app)
{
#ifdef PACKAGE_VERSION
    return apr_psprintf(app->pool, "%s (mod_ssr %s)", app->prog,
                        PACKAGE_VERSION);
#else
    return apr_psprintf(app->pool, "%s (mod_ssr)", app->prog);
#endif
}

const char *ssr_cli_option_name(const apr_getopt_option_t *opts, int ch)
{
    for (; opts->name; opts++) {
        if (opts->optch == ch) {
            return opts->name;
        }
    }
    return "?";
}

int ssr_cli_add_pair(apr_pool_t *p, apr_array_header_t *arr, const char *arg,
                     char sep, int lower)
{
    const char *at = strchr(arg, sep);
    ssr_kv_t *kv;
    char *name, *c;

    if (at == NULL || at == arg) {
        return 0;
    }
    name = apr_pstrmemdup(p, arg, (apr_size_t) (at - arg));
    for (c = name; lower && *c; c++) {
        *c = (char) apr_tolower(*c);
    }
    for (at++; sep == ':' && *at == ' '; at++) {
        continue;
    }
    kv = apr_array_push(arr);
    kv->name = name;
    kv->value = at;
    return 1;
}

int ssr_cli_option(apr_pool_t *p, ssr_cli_app *app, int ch, const char *arg,
                   const char **err)
{
    *err = NULL;
    switch (ch) {
    case 'b': app->bundle_path = arg; return 1;
    case 't': app->template_path = arg; return 1;
    case 'm': app->manifest_path = arg; return 1;
    case 'q': app->quiet = 1; return 1;
    case 'T':
        app->timeout_arg = arg;
        *err = ssr_parse_duration(arg, &app->timeout);
        return 1;
    case 'M':
        app->memory_limit_arg = arg;
        *err = ssr_parse_size(arg, &app->memory_limit);
        return 1;
    case 'B': *err = ssr_normalize_base(p, arg, &app->base); return 1;
    case 'e':
        if (!ssr_cli_add_pair(p, app->env, arg, '=', 0)) {
            *err = "--env takes NAME=VALUE";
        }
        return 1;
    default:
        return 0;
    }
}

void ssr_cli_log(void *baton, int level, const char *msg)
{
    static const char *names[] = { "emerg", "alert", "crit", "error", "warn",
                                   "notice", "info", "debug" };
    const ssr_cli_app *app = baton;

    if (app->quiet && level > SSR_LOG_WARNING) {
        return;
    }
    fprintf(stderr, "[%s] %s\n", level >= 0 && level <= 7 ? names[level]
                                                           : "log", msg);
}

int ssr_cli_fail(ssr_cli_app *app, const char *what, const char *why)
{
    app->last_error = apr_pstrcat(app->pool, what, ": ", why, NULL);
    fprintf(stderr, "%s: %s\n", app->prog, app->last_error);
    return 2;
}

int ssr_cli_read(apr_pool_t *p, ssr_cli_app *app, const char *path,
                 const char *what, char **data, apr_size_t *len)
{
    apr_status_t rv = ssr_file_read(p, path, data, len);

    if (rv != APR_SUCCESS) {
        return ssr_cli_fail(app, path, apr_psprintf(p, "cannot read the %s: "
                                                    "%pm", what, &rv));
    }
    return 0;
}

/* s with the first "from" replaced by "to", or s. */
static const char *ssr__replace(apr_pool_t *p, const char *s, const char *from,
                                const char *to)
{
    const char *at = strstr(s, from);

    if (at == NULL) {
        return s;
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, s, (apr_size_t) (at - s)), to,
                       at + strlen(from), NULL);
}

const char *ssr_cli_explain(apr_pool_t *p, const ssr_cli_app *app,
                            const char *msg)
{
    if (msg == NULL) {
        return NULL;
    }
    /* The engine speaks of the directives; here the same limits are
     * options, and the value in effect says how far off the render was. */
    msg = ssr__replace(p, msg, "(SSRMemoryLimit)",
                       apr_psprintf(p, "(--memory-limit %s)",
                                    app->memory_limit_arg));
    msg = ssr__replace(p, msg, "SSRMemoryLimit too small",
                       apr_psprintf(p, "--memory-limit %s too small",
                                    app->memory_limit_arg));
    return ssr__replace(p, msg, "(SSRTimeout)",
                        apr_psprintf(p, "(--timeout %s)", app->timeout_arg));
}

int ssr_cli_load(apr_pool_t *p, ssr_cli_app *app)
{
    char *src, *tpl;
    apr_size_t src_len, tpl_len;
    const char *err;
    apr_time_t t0 = apr_time_now();

    if (ssr_cli_read(p, app, app->bundle_path, "bundle", &src, &src_len)) {
        return 2;
    }
    if (app->template_path) {
        if (ssr_cli_read(p, app, app->template_path, "template", &tpl,
                         &tpl_len)) {
            return 2;
        }
        if (ssr_template_split(&app->tpl, tpl, tpl_len, &err) != APR_SUCCESS) {
            return ssr_cli_fail(app, app->template_path, err);
        }
        app->has_template = 1;
    }
    if (app->manifest_path &&
        ssr_cli_read(p, app, app->manifest_path, "manifest", &app->manifest,
                     &app->manifest_len)) {
        return 2;
    }
    app->heap_opts.memory_limit = app->memory_limit;
    app->heap_opts.env = app->env;
    app->heap_opts.log = ssr_cli_log;
    app->heap_opts.log_baton = app;
    if (ssr_bundle_compile(p, src, src_len, app->bundle_path, &app->heap_opts,
                           &app->bundle, &err) != APR_SUCCESS) {
        return ssr_cli_fail(app, app->bundle_path,
                            ssr_cli_explain(p, app, err));
    }
    app->load_time = apr_time_now() - t0;
    return 0;
}

static void ssr_cli_request(apr_pool_t *p, ssr_cli_app *app, const char *url,
                            const apr_array_header_t *headers,
                            const char *method, ssr_render_req_t *req)
{
    const char *q = strchr(url, '?');

    memset(req, 0, sizeof(*req));
    req->url = ssr_render_url(p, url, app->base);
    req->original_url = url;
    req->manifest = app->manifest;
    req->manifest_len = app->manifest_len;
    req->method = method ? method : "GET";
    req->path = ssr_url_decoded_path(p, url);
    req->query = q ? q + 1 : "";
    req->remote_addr = "127.0.0.1";
    req->headers = headers;
    req->deadline = apr_time_now() + app->timeout;
    req->log = ssr_cli_log;
    req->log_baton = app;
}

int ssr_cli_render(apr_pool_t *rp, ssr_cli_app *app, const char *url,
                   const apr_array_header_t *headers, const char *method,
                   ssr_render_result_t *res, ssr_plan_t *plan)
{
    ssr_render_req_t req;
    const char *err;
    apr_time_t t0;

    if (app->heap == NULL) {
        t0 = apr_time_now();
        /* As in the module: making the heap and the render share the
         * render's deadline. */
        if (ssr_heap_create_until(app->bundle, &app->heap_opts,
                                  t0 + app->timeout, rp, &app->heap,
                                  &err) != APR_SUCCESS) {
            return ssr_cli_fail(app, app->bundle_path,
                                ssr_cli_explain(rp, app, err));
        }
        app->heap_time += apr_time_now() - t0;
        app->heaps++;
    }
    ssr_cli_request(rp, app, url, headers, method, &req);
    ssr_heap_render(app->heap, rp, &req, res);
    if (!ssr_heap_reusable(app->heap)) {
        ssr_heap_destroy(app->heap);
        app->heap = NULL;
    }
    ssr_plan_result(rp, res, plan, ssr_cli_log, app);
    return 0;
}

static apr_status_t ssr_cli_fwrite(void *baton, const char *data,
                                   apr_size_t len)
{
    return fwrite(data, 1, len, baton) == len ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t ssr_cli_write_page(const ssr_cli_app *app,
                                const ssr_render_result_t *res, void *stream)
{
    if (app->has_template) {
        return ssr_template_emit(&app->tpl, res->head, res->head_len,
                                 res->html, res->html_len, ssr_cli_fwrite,
                                 stream);
    }
    return res->html ? ssr_cli_fwrite(stream, res->html, res->html_len)
                     : APR_SUCCESS;
}

char *ssr_cli_page(apr_pool_t *p, const ssr_cli_app *app,
                   const ssr_render_result_t *res, apr_size_t *len)
{
    if (app->has_template) {
        return ssr_template_fill(p, &app->tpl, res->head, res->head_len,
                                 res->html, res->html_len, len);
    }
    *len = res->html ? res->html_len : 0;
    return apr_pstrmemdup(p, res->html ? res->html : "", *len);
}

void ssr_cli_done(ssr_cli_app *app)
{
    ssr_heap_destroy(app->heap);
    app->heap = NULL;
}
