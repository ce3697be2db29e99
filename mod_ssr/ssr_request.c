/*
 * ssr_request.c -- binding an httpd request to a render.
 *
 * The handler decides whether a request is a navigation this scope renders
 * (SPEC 4), builds render()'s input from the request, and turns the plan
 * for the result (ssr_result.c) into the response (SPEC 5).  Errors go back
 * to httpd as statuses, so ErrorDocument applies; JavaScript error text only
 * ever goes to the error log.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <httpd.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "ssr_build.h"
#include "ssr_cache.h"
#include "ssr_config.h"
#include "ssr_conn.h"
#include "ssr_dev.h"
#include "ssr_fetch.h"
#include "ssr_heaps.h"
#include "ssr_request.h"
#include "ssr_ratelimit.h"
#include "ssr_reload.h"
#include "ssr_result.h"
#include "ssr_stats.h"
#include "ssr_stream.h"
#include "ssr_url.h"

APLOG_USE_MODULE(ssr);

#define SSR_CONTENT_TYPE "text/html; charset=utf-8"

/* --- which requests are rendered ------------------------------------------ */

/* When no module claimed the request, httpd names the handler after the
 * content type, or "default-handler", or leaves it empty (a missing file);
 * any other handler belongs to someone else. */
static int ssr_handler_unclaimed(const char *handler)
{
    return handler == NULL || *handler == '\0' ||
           strcmp(handler, "default-handler") == 0 ||
           strchr(handler, '/') != NULL;
}

static int ssr_accepts_html(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");

    return accept == NULL || ap_strcasestr(accept, "text/html") != NULL ||
           ap_strcasestr(accept, "*/*") != NULL ||
           ap_strcasestr(accept, "text/*") != NULL;
}

static int ssr_is_navigation(request_rec *r)
{
    return !ssr_url_asset_like(r->parsed_uri.path ? r->parsed_uri.path : r->uri) &&
           ssr_accepts_html(r);
}

/* A path with no file behind it: rendered when it is a navigation inside
 * the app's base. */
static int ssr_missing_page(request_rec *r, const ssr_dir_conf *conf)
{
    return ssr_url_in_base(r->uri, ssr_conf_base(conf)) &&
           ssr_is_navigation(r);
}

/* Is file the template, by name or as the same file reached through
 * another path (a symlink, "./", a second Alias)?  Only a file with the
 * template's name is stat'ed, so other static files cost nothing. */
static int ssr_is_template(request_rec *r, const char *file,
                           const apr_finfo_t *finfo, const char *template_path)
{
    const char *name = strrchr(file, '/');
    const char *tname = strrchr(template_path, '/');
    apr_finfo_t tfi;

    if (strcmp(file, template_path) == 0) {
        return 1;
    }
    if (name == NULL || tname == NULL || strcmp(name, tname) != 0 ||
        apr_stat(&tfi, template_path, APR_FINFO_IDENT, r->pool) != APR_SUCCESS) {
        return 0;
    }
    return finfo->inode == tfi.inode && finfo->device == tfi.device;
}

/* The index file of a directory, if it is the template. */
static int ssr_is_template_dir(request_rec *r, const char *template_path)
{
    const char *slash = strrchr(template_path, '/');
    const char *index;
    apr_finfo_t fi;

    if (slash == NULL || r->filename == NULL) {
        return 0;
    }
    index = ap_make_full_path(r->pool, r->filename, slash + 1);
    if (strcmp(index, template_path) == 0) {
        return 1;
    }
    return apr_stat(&fi, index, APR_FINFO_IDENT | APR_FINFO_TYPE,
                    r->pool) == APR_SUCCESS && fi.filetype == APR_REG &&
           ssr_is_template(r, index, &fi, template_path);
}

/* Does the request map to the template file (itself, or as the index of
 * its directory)? */
static int ssr_maps_to_template(request_rec *r, const char *template_path)
{
    switch (r->finfo.filetype) {
    case APR_REG:
        /* path info after a file: that file is not what was asked for */
        return (r->path_info == NULL || *r->path_info == '\0') &&
               r->filename &&
               ssr_is_template(r, r->filename, &r->finfo, template_path);
    case APR_DIR:
        return ssr_is_template_dir(r, template_path);
    default:
        return 0;
    }
}

/* SPEC 4: missing files that are navigations, the template itself, and a
 * directory whose index is the template (the raw template is never sent,
 * whatever URL reaches it); every other file is Apache's. */
static int ssr_should_render(request_rec *r, const ssr_dir_conf *conf,
                             const char *template_path)
{
    switch (r->finfo.filetype) {
    case APR_NOFILE:
        return ssr_missing_page(r, conf);
    case APR_REG:
        if (r->path_info && *r->path_info) {
            return ssr_missing_page(r, conf);
        }
        return ssr_maps_to_template(r, template_path);
    case APR_DIR:
        return ssr_maps_to_template(r, template_path);
    default:
        return 0;
    }
}

/* The request the client made: the first of a chain of internal redirects
 * (mod_rewrite, ErrorDocument), or the main request of a subrequest.  (A
 * fast redirect -- mod_dir's index, FallbackResource -- changes r->uri but
 * keeps r->unparsed_uri, so it needs no walk.) */
static request_rec *ssr_client_request(request_rec *r)
{
    for (;;) {
        if (r->prev) {
            r = r->prev;
        }
        else if (r->main) {
            r = r->main;
        }
        else {
            return r;
        }
    }
}

/* The URL as the client sent it, path and query, percent-encoding intact
 * (SPEC 3: Express's originalUrl). */
static const char *ssr_original_url(request_rec *r)
{
    request_rec *client = ssr_client_request(r);

    return ssr_url_origin_form(r->pool, client->unparsed_uri
                                        ? client->unparsed_uri : "/");
}

/* The status of a page this request renders: 200, or for an
 * ErrorDocument that maps to a rendered page, the error's status (httpd
 * keeps it as REDIRECT_STATUS). */
static int ssr_page_status(request_rec *r)
{
    if (r->prev && ap_is_HTTP_ERROR(r->prev->status)) {
        return r->prev->status;
    }
    return HTTP_OK;
}

/* --- render input --------------------------------------------------------- */

static void ssr_log_console(void *baton, int level, const char *msg)
{
    request_rec *r = baton;

    ap_log_rerror(APLOG_MARK, level, 0, r, APLOGNO(20050) "console: %s", msg);
}

/* Request headers with lower-case names; repeated headers are joined with
 * ", " as Node does. */
static apr_array_header_t *ssr_request_headers(request_rec *r)
{
    const apr_array_header_t *in = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *) in->elts;
    apr_table_t *merged = apr_table_make(r->pool, in->nelts);
    const apr_array_header_t *m;
    apr_array_header_t *out;
    int i;

    for (i = 0; i < in->nelts; i++) {
        char *name;

        if (strcasecmp(e[i].key, SSR_CACHE_BUILD_HEADER) == 0) {
            continue;   /* mod_ssr's own (ssr_cache.c), not the client's */
        }
        name = apr_pstrdup(r->pool, e[i].key);
        ap_str_tolower(name);
        apr_table_mergen(merged, name, e[i].val);
    }
    m = apr_table_elts(merged);
    e = (const apr_table_entry_t *) m->elts;
    out = apr_array_make(r->pool, m->nelts, sizeof(ssr_kv_t));
    for (i = 0; i < m->nelts; i++) {
        ssr_kv_t *kv = apr_array_push(out);
        kv->name = e[i].key;
        kv->value = e[i].val;
    }
    return out;
}

static void ssr_log_fetch(void *baton, int level, const char *msg)
{
    request_rec *r = baton;

    ap_log_rerror(APLOG_MARK, level, 0, r, APLOGNO(20151) "%s", msg);
}

/* fetch() for this render (docs/fetch.md): relative and same-origin URLs
 * go to this connection's own local address with the page's Host, so the
 * whole configuration of the site applies to them; other origins only
 * under an SSRFetchAllow prefix. */
static const ssr_io_t *ssr_fetch_source(request_rec *r,
                                        const ssr_dir_conf *conf,
                                        const char *original_url)
{
    request_rec *client = ssr_client_request(r);
    ssr_fetch_policy_t *pol = apr_pcalloc(r->pool, sizeof(*pol));
    const apr_array_header_t *names = ssr_conf_fetch_forward(r->pool, conf);
    apr_array_header_t *fwd = apr_array_make(r->pool, names->nelts + 1,
                                             sizeof(ssr_kv_t));
    conn_rec *c = r->connection;
    ssr_io_t *io = NULL;
    int i;

    pol->page_url = ap_construct_url(r->pool, original_url, r);
    if (c->local_addr && c->local_ip) {
        pol->local_addr = apr_psprintf(r->pool,
                                       strchr(c->local_ip, ':') ? "[%s]:%u"
                                                                : "%s:%u",
                                       c->local_ip,
                                       (unsigned) c->local_addr->port);
    }
    pol->allow = ssr_conf_fetch_allow(conf);
    pol->allow_private = ssr_conf_fetch_allow_private(conf);
    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        const char *value = apr_table_get(client->headers_in, name);
        if (value != NULL) {
            ssr_kv_t *kv = apr_array_push(fwd);
            kv->name = name;
            kv->value = value;
        }
    }
    pol->forward = fwd;
    pol->timeout = ssr_conf_fetch_timeout(conf);
    pol->max_size = ssr_conf_fetch_max_size(conf);
    pol->max_fetches = ssr_conf_fetch_max(conf);
    pol->log = ssr_log_fetch;
    pol->log_baton = r;
    if (ssr_fetch_create(r->pool, pol, &io) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(20152)
                      "fetch() unavailable for this render: its state "
                      "could not be set up");
        return NULL;
    }
    return io;
}

static void ssr_render_input(request_rec *r, const ssr_dir_conf *conf,
                             const ssr_gen_t *gen, const char *original_url,
                             ssr_conn_watch *watch, ssr_render_req_t *req)
{
    const char *q = strchr(original_url, '?');

    memset(req, 0, sizeof(*req));
    req->url = ssr_render_url(r->pool, original_url, ssr_conf_base(conf));
    req->original_url = original_url;
    req->manifest = gen->manifest;
    req->manifest_len = gen->manifest_len;
    req->method = r->method;
    req->path = ssr_url_decoded_path(r->pool, original_url);
    req->query = q ? q + 1 : "";
    req->remote_addr = r->useragent_ip;
    req->headers = ssr_request_headers(r);
    req->deadline = apr_time_now() + ssr_conf_timeout(conf);
    req->cancelled = ssr_conn_gone;
    req->cancel_baton = watch;
    req->log = ssr_log_console;
    req->log_baton = r;
    req->io = ssr_fetch_source(r, conf, original_url);
}

/* --- the response --------------------------------------------------------- */

typedef struct {
    apr_bucket_brigade *bb;
    apr_uint64_t hash;          /* FNV-1a of the body, for the ETag */
    apr_size_t len;
} ssr_body;

static apr_status_t ssr_body_write(void *baton, const char *data,
                                   apr_size_t len)
{
    ssr_body *b = baton;

    b->hash = ssr_fnv1a(b->hash, data, len);
    b->len += len;
    return apr_brigade_write(b->bb, NULL, NULL, data, len);
}

static void ssr_body_init(request_rec *r, ssr_body *b)
{
    b->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    b->hash = SSR_FNV_OFFSET;
    b->len = 0;
}

static int ssr_send(request_rec *r, ssr_body *b)
{
    apr_status_t rv;

    APR_BRIGADE_INSERT_TAIL(b->bb, apr_bucket_eos_create(r->connection->bucket_alloc));
    rv = ap_pass_brigade(r->output_filters, b->bb);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, APLOGNO(20051)
                      "sending the rendered page failed");
        return AP_FILTER_ERROR;
    }
    return OK;
}

/* Reason phrases for statuses httpd has none for (it would send those as
 * "500 Internal Server Error"); the names Node uses. */
static const char *ssr_reason_phrase(int status)
{
    switch (status) {
    case 103: return "Early Hints";
    case 418: return "I'm a Teapot";
    case 421: return "Misdirected Request";
    case 425: return "Too Early";
    case 451: return "Unavailable For Legal Reasons";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default: return "Unknown";
    }
}

/* SPEC 3: any status 100-599 goes out with its own status line.  A 1xx
 * status can only be interim in HTTP/1.1: sent as the answer, it goes
 * without a body and the connection is closed, so that a client waiting
 * for a final response sees the end instead of a page it would take for
 * the next response. */
static void ssr_set_status(request_rec *r, int status)
{
    const char *line = ap_get_status_line(status);

    r->status = status;
    if (line == NULL || atoi(line) != status) {
        r->status_line = apr_psprintf(r->pool, "%d %s", status,
                                      ssr_reason_phrase(status));
    }
    if (status < 200) {
        r->header_only = 1;
        r->connection->keepalive = AP_CONN_CLOSE;
    }
}

static void ssr_common_headers(request_rec *r, const ssr_dir_conf *conf,
                               const ssr_gen_t *gen, const ssr_plan_t *plan,
                               apr_interval_time_t elapsed)
{
    int i;

    for (i = 0; plan->headers && i < plan->headers->nelts; i++) {
        const ssr_kv_t *kv = &APR_ARRAY_IDX(plan->headers, i, ssr_kv_t);
        apr_table_add(r->headers_out, kv->name, kv->value);
    }
    if (!plan->sets_cache_control) {
        apr_table_setn(r->headers_out, "Cache-Control",
                       ssr_cache_default_control(conf, plan->status));
    }
    if (ssr_cache_shared(r, conf, gen->build_id)) {
        return;     /* a stored copy would replay this render's timing */
    }
    apr_table_add(r->headers_out, "Server-Timing",
                  apr_psprintf(r->pool, "ssr;dur=%.1f",
                               (double) elapsed / 1000.0));
}

static int ssr_send_page(request_rec *r, const ssr_dir_conf *conf,
                         const ssr_gen_t *gen, const ssr_plan_t *plan,
                         const ssr_render_result_t *res)
{
    ssr_body body;
    int rc;

    const char *head = res->head;
    apr_size_t head_len = res->head_len;

    if (ssr_conf_live_reload(conf)) {
        head = apr_pstrcat(r->pool, head ? head : "",
                           ssr_dev_script(r, conf, gen->build_id, NULL), NULL);
        head_len = strlen(head);
    }
    ssr_body_init(r, &body);
    ssr_template_emit(&gen->tpl, head, head_len, res->html, res->html_len,
                      ssr_body_write, &body);
    ssr_set_status(r, plan->status);
    ap_set_content_type(r, SSR_CONTENT_TYPE);
    ssr_common_headers(r, conf, gen, plan, res->elapsed);
    if (plan->status == HTTP_OK) {
        apr_table_setn(r->headers_out, "ETag",
                       apr_psprintf(r->pool, "\"ssr-%016" APR_UINT64_T_HEX_FMT "\"",
                                    body.hash));
        rc = ap_meets_conditions(r);
        if (rc == HTTP_NOT_MODIFIED && ssr_cache_storing(r)) {
            rc = OK;    /* mod_cache gets the whole page (ssr_cache.h) */
        }
        if (rc == HTTP_NOT_MODIFIED) {
            apr_brigade_cleanup(body.bb);
            r->status = HTTP_NOT_MODIFIED;
            return ssr_send(r, &body);
        }
        if (rc != OK) {
            return rc;
        }
    }
    if (plan->status < 200) {
        apr_brigade_cleanup(body.bb);   /* no content in a 1xx */
        return ssr_send(r, &body);
    }
    ap_set_content_length(r, (apr_off_t) body.len);
    return ssr_send(r, &body);
}

static int ssr_send_redirect(request_rec *r, const ssr_dir_conf *conf,
                             const ssr_gen_t *gen, const ssr_plan_t *plan,
                             apr_interval_time_t elapsed)
{
    ssr_body body;

    ssr_body_init(r, &body);
    ssr_set_status(r, plan->status);
    ssr_common_headers(r, conf, gen, plan, elapsed);
    apr_table_setn(r->headers_out, "Location", plan->location);
    ap_set_content_length(r, 0);
    return ssr_send(r, &body);
}

/* SSRFallback csr: the shell with empty outlets; the client renders. */
static int ssr_send_fallback(request_rec *r, const ssr_gen_t *gen)
{
    ssr_body body;

    ssr_body_init(r, &body);
    ssr_template_emit(&gen->tpl, NULL, 0, NULL, 0, ssr_body_write, &body);
    ssr_set_status(r, ssr_page_status(r));
    ap_set_content_type(r, SSR_CONTENT_TYPE);
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    apr_table_setn(r->headers_out, "X-SSR-Fallback", "1");
    ap_set_content_length(r, (apr_off_t) body.len);
    return ssr_send(r, &body);
}

static void ssr_log_plan_drop(void *baton, int level, const char *msg)
{
    request_rec *r = baton;

    ap_log_rerror(APLOG_MARK, level, 0, r, APLOGNO(20052) "%s", msg);
}

/* The render's own account of a failure, stack included, for the log. */
static const char *ssr_failure_text(const ssr_render_result_t *res,
                                    const ssr_plan_t *plan)
{
    if (res->status == SSR_RENDER_THREW && res->error_stack) {
        return res->error_stack;
    }
    if (plan && plan->why) {
        return plan->why;
    }
    return res->detail ? res->detail : "unknown error";
}

/* A short mark for the lines of one request's report: the request's log
 * id when httpd made one (an ErrorLogFormat with %L), else a hash of the
 * request. */
static const char *ssr_log_marker(request_rec *r)
{
    struct {
        apr_time_t t;
        long conn;
        const void *req;
        pid_t pid;
    } k;

    if (r->log_id) {
        return r->log_id;
    }
    memset(&k, 0, sizeof(k));
    k.t = r->request_time;
    k.conn = r->connection->id;
    k.req = r;
    k.pid = getpid();
    return apr_psprintf(r->pool, "r%08x",
                        (unsigned) (ssr_fnv1a(SSR_FNV_OFFSET, &k, sizeof(k))
                                    & 0xFFFFFFFFu));
}

/* why (a stack, mostly): its bundle positions given in the app's sources
 * when the build has a source map, one log entry per line. */
static void ssr_log_failure(request_rec *r, ssr_app_t *app,
                            const ssr_gen_t *gen, const char *why)
{
    int held_back = 0;

    if (!ssr_app_may_log_failure(app, &held_back)) {
        return;
    }
    ssr_log_lines(r->server, r, APLOG_ERR, APLOGNO(20053), ssr_log_marker(r),
                  apr_psprintf(r->pool, "render of %s failed",
                               ssr_original_url(r)),
                  ssr_gen_source_text(r->pool, gen, ssr_app_bundle_path(app),
                                      why));
    if (held_back > 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(20057)
                      "%d more render failures of this app were not logged "
                      "(at most %d are logged per %d s)", held_back,
                      SSR_LOG_BURST, (int) apr_time_sec(SSR_LOG_WINDOW));
    }
}

/* "bundle.js:12" from a Duktape stack line "at f (bundle.js:12)". */
static const char *ssr_failure_file(apr_pool_t *p, const char *stack,
                                    const char *bundle)
{
    const char *at = stack ? strstr(stack, bundle) : NULL;

    if (at == NULL) {
        return bundle;
    }
    return apr_pstrmemdup(p, at, strcspn(at, ")\n"));
}

/* Dev mode shows a failure in the page instead of an error status. */
static int ssr_dev_failure(request_rec *r, ssr_app_t *app,
                           const ssr_dir_conf *conf, const ssr_gen_t *gen,
                           int status, const char *why)
{
    const char *bundle = ssr_app_bundle_path(app);
    const char *file = ssr_failure_file(r->pool, why, bundle);
    const char *nl;
    const char *message;

    /* the overlay shows the app's sources, as the error log does */
    why = ssr_gen_source_text(r->pool, gen, bundle, why);
    file = ssr_gen_source_text(r->pool, gen, bundle, file);
    nl = strchr(why, '\n');
    message = nl ? apr_pstrmemdup(r->pool, why, (apr_size_t) (nl - why)) : why;
    return ssr_dev_error_page(r, conf, gen, status, "The render failed",
                              message, nl ? nl + 1 : "", file);
}

static int ssr_render_failed(request_rec *r, ssr_app_t *app,
                             const ssr_dir_conf *conf, const ssr_gen_t *gen,
                             const char *why)
{
    ssr_stats_add(SSR_STAT_FAILURES);
    ssr_log_failure(r, app, gen, why);
    if (ssr_conf_live_reload(conf)) {
        return ssr_dev_failure(r, app, conf, gen, HTTP_INTERNAL_SERVER_ERROR,
                               why);
    }
    if (gen && ssr_conf_fallback(conf) == SSR_FALLBACK_CSR) {
        ssr_stats_add(SSR_STAT_FALLBACKS);
        return ssr_send_fallback(r, gen);
    }
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* A stream result (ssr_stream.h): status and headers are set once the
 * first chunk is there, from what the render gave with its stream. */
typedef struct {
    request_rec *r;
    const ssr_dir_conf *conf;
    const ssr_gen_t *gen;
    apr_time_t start;
} ssr_stream_ctx;

static apr_status_t ssr_stream_head(void *baton,
                                    const ssr_render_result_t *res,
                                    const char **head, apr_size_t *head_len)
{
    ssr_stream_ctx *sc = baton;
    request_rec *r = sc->r;
    ssr_plan_t plan;

    ssr_plan_result(r->pool, res, &plan, ssr_log_plan_drop, r);
    if (plan.kind != SSR_PLAN_PAGE) {
        return APR_ENOTIMPL;    /* a redirect or a failure: answered whole */
    }
    if (plan.status == HTTP_OK) {
        plan.status = ssr_page_status(r);
    }
    if (plan.status < 200 || plan.status == HTTP_NO_CONTENT ||
        plan.status == HTTP_NOT_MODIFIED) {
        return APR_ENOTIMPL;    /* no body to stream */
    }
    ssr_set_status(r, plan.status);
    ap_set_content_type(r, SSR_CONTENT_TYPE);
    /* Server-Timing: the time to the shell, all that is known now */
    ssr_common_headers(r, sc->conf, sc->gen, &plan,
                       apr_time_now() - sc->start);
    *head = res->head;
    *head_len = res->head_len;
    if (ssr_conf_live_reload(sc->conf)) {
        *head = apr_pstrcat(r->pool, *head ? *head : "",
                            ssr_dev_script(r, sc->conf, sc->gen->build_id,
                                           NULL), NULL);
        *head_len = strlen(*head);
    }
    return APR_SUCCESS;
}

static int ssr_respond(request_rec *r, ssr_app_t *app,
                       const ssr_dir_conf *conf, const ssr_gen_t *gen,
                       const ssr_render_result_t *res)
{
    ssr_plan_t plan;

    if (res->status == SSR_RENDER_ABORTED) {
        ssr_stats_add(SSR_STAT_ABORTED);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(20056)
                      "render of %s aborted: the client went away after "
                      "%" APR_TIME_T_FMT " ms", ssr_original_url(r),
                      apr_time_as_msec(res->elapsed));
        return DONE;
    }
    if (res->status == SSR_RENDER_NOMEM) {
        ssr_stats_add(SSR_STAT_MEMORY);
    }
    ssr_plan_result(r->pool, res, &plan, ssr_log_plan_drop, r);
    if (plan.kind == SSR_PLAN_PAGE && plan.status == HTTP_OK) {
        /* An ErrorDocument page keeps the error's status, unless the app
         * chose one itself. */
        plan.status = ssr_page_status(r);
    }
    switch (plan.kind) {
    case SSR_PLAN_PAGE:
        return ssr_send_page(r, conf, gen, &plan, res);
    case SSR_PLAN_REDIRECT:
        return ssr_send_redirect(r, conf, gen, &plan, res->elapsed);
    case SSR_PLAN_STATUS:
        if (res->status == SSR_RENDER_TIMEOUT) {
            ssr_stats_add(SSR_STAT_TIMEOUTS);
            ssr_stats_add(SSR_STAT_FAILURES);
            ssr_log_failure(r, app, gen, ssr_failure_text(res, &plan));
            if (ssr_conf_live_reload(conf)) {
                return ssr_dev_failure(r, app, conf, gen, plan.status,
                                       ssr_failure_text(res, &plan));
            }
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(20054)
                          "render of %s answered %d%s%s", ssr_original_url(r),
                          plan.status, plan.why ? ": " : "",
                          plan.why ? plan.why : "");
        }
        return plan.status;
    default:
        return ssr_render_failed(r, app, conf, gen,
                                 ssr_failure_text(res, &plan));
    }
}

/* --- the handler ---------------------------------------------------------- */

/* No build of the app could be loaded: 503, or in dev mode a page that
 * says why and reloads itself once a good build is there. */
static int ssr_no_build(request_rec *r, ssr_app_t *app,
                        const ssr_dir_conf *conf)
{
    ssr_app_state_t st;
    const char *why, *nl;

    if (!ssr_conf_live_reload(conf)) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ssr_app_poll(app, r, conf, r->pool, &st);
    why = st.error ? st.error : "no build has been loaded yet";
    nl = strchr(why, '\n');
    return ssr_dev_error_page(r, conf, NULL, HTTP_SERVICE_UNAVAILABLE,
                              "The build failed to load",
                              nl ? apr_pstrmemdup(r->pool, why, (apr_size_t) (nl - why)) : why,
                              nl ? nl + 1 : "", ssr_app_bundle_path(app));
}

/* Every heap of the app was busy for SSRQueueTimeout (logged by
 * ssr_heaps.c): the request is shed with a 503 the client may retry.
 * Retry-After is in err_headers_out so that it goes out with the error
 * page, ErrorDocument or not. */
static int ssr_shed(request_rec *r, const ssr_dir_conf *conf)
{
    apr_time_t wait = ssr_conf_queue_timeout(conf);
    long secs = (long) apr_time_sec(wait + apr_time_from_sec(1) - 1);

    ssr_stats_add(SSR_STAT_SHED);
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_ltoa(r->pool, secs < 1 ? 1 : secs));
    return HTTP_SERVICE_UNAVAILABLE;
}

static int ssr_render(request_rec *r, const ssr_dir_conf *conf,
                      const char *template_path, const char *url)
{
    ssr_app_t *app;
    ssr_gen_t *gen;
    ssr_lease_t *lease;
    ssr_conn_watch watch;
    ssr_render_req_t req;
    ssr_render_result_t res;
    ssr_stream_ctx sc;
    ssr_stream_t *stream;
    apr_status_t rv;

    ssr_conn_watch_init(r, &watch);
    if (ssr_conn_gone(&watch)) {
        /* Nobody is waiting for this page: run no JavaScript for it. */
        ssr_stats_add(SSR_STAT_NOT_STARTED);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(20058)
                      "client went away before the render of %s; not "
                      "rendered", ssr_original_url(r));
        return DONE;
    }
    app = ssr_app_for(r, conf, template_path);
    if (app == NULL) {
        return HTTP_SERVICE_UNAVAILABLE;    /* logged where it failed */
    }
    gen = ssr_app_acquire(app, r, conf);
    if (gen == NULL) {
        return ssr_no_build(r, app, conf);
    }
    rv = ssr_heap_lease(r, app, gen, conf, &watch, &lease);
    if (rv == APR_TIMEUP) {
        return ssr_shed(r, conf);
    }
    if (rv == APR_ECONNABORTED) {
        ssr_stats_add(SSR_STAT_NOT_STARTED);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(20043)
                      "client went away while %s waited for a heap; not "
                      "rendered", ssr_original_url(r));
        return DONE;
    }
    if (rv == APR_ETIMEDOUT) {
        /* the render's deadline ran out before it could start: a timeout,
         * as if the render had taken the time */
        ssr_stats_add(SSR_STAT_TIMEOUTS);
        ssr_stats_add(SSR_STAT_FAILURES);
        ssr_log_failure(r, app, gen, "evaluating the bundle for a new heap ran "
                        "past the deadline (SSRTimeout)");
        if (ssr_conf_live_reload(conf)) {
            return ssr_dev_failure(r, app, conf, gen, HTTP_GATEWAY_TIME_OUT,
                                   "evaluating the bundle ran past the "
                                   "deadline (SSRTimeout)");
        }
        return HTTP_GATEWAY_TIME_OUT;
    }
    if (rv != APR_SUCCESS) {
        return ssr_render_failed(r, app, conf, gen,
                                 "no heap could be created");
    }
    ssr_stats_add(SSR_STAT_RENDERS);
    ssr_render_input(r, conf, gen, url, &watch, &req);
    sc.r = r;
    sc.conf = conf;
    sc.gen = gen;
    sc.start = apr_time_now();
    stream = ssr_stream_make(r, &gen->tpl, ssr_stream_head, &sc, &req);
    ssr_heap_render(ssr_lease_heap(lease), r->pool, &req, &res);
    ssr_heap_return(r, lease);
    if (ssr_stream_begun(stream)) {
        /* the status went out with the first chunk */
        return ssr_stream_finish(stream, &res, ssr_original_url(r));
    }
    return ssr_respond(r, app, conf, gen, &res);
}

int ssr_handler(request_rec *r)
{
    const ssr_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                    &ssr_module);
    const char *template_path;

    if (conf == NULL || conf->engine != 1 ||
        !ssr_handler_unclaimed(r->handler)) {
        return DECLINED;
    }
    template_path = ssr_conf_template_path(r->pool, conf, ap_document_root(r));
    if (r->method_number != M_GET) {
        /* Only GET and HEAD are rendered; no other method may get the raw
         * template with its placeholders from Apache's file handler. */
        if (ssr_maps_to_template(r, template_path)) {
            ap_allow_methods(r, REPLACE_ALLOW, "GET", "HEAD", "OPTIONS",
                             NULL);
            return r->method_number == M_OPTIONS ? DECLINED
                                                 : HTTP_METHOD_NOT_ALLOWED;
        }
        return DECLINED;
    }
    if (ssr_conf_live_reload(conf) && conf->bundle &&
        strcmp(r->parsed_uri.path ? r->parsed_uri.path : r->uri,
               ssr_conf_live_reload_path(r->pool, conf)) == 0) {
        ssr_app_t *app = ssr_app_for(r, conf, template_path);

        return app ? ssr_dev_events(r, conf, app) : HTTP_SERVICE_UNAVAILABLE;
    }
    if (!ssr_should_render(r, conf, template_path)) {
        return DECLINED;
    }
    if (conf->bundle == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(20055)
                      "SSREngine is On for %s but no SSRBundle is set",
                      r->uri);
        return HTTP_SERVICE_UNAVAILABLE;
    }
    return ssr_render(r, conf, template_path, ssr_original_url(r));
}
