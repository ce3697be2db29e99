/*
 * ssr_dev.c -- dev mode: the live-reload event stream, the script pages
 * get, and error pages with an overlay (see ssr_dev.h).
 *
 * An open stream holds a worker thread while it is open (httpd 2.4 gives
 * handlers no way to park a connection), so streams are capped per process
 * (SSR_DEV_MAX_STREAMS) and each lasts at most SSR_DEV_STREAM_TIME; the
 * browser's EventSource reconnects by itself.  Dev mode is for a
 * developer's machine, not for production traffic.
 */
#include <string.h>

#include <httpd.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>
#include <ap_mpm.h>
#include <apr_atomic.h>
#include <apr_strings.h>

#include "ssr_dev.h"
#include "ssr_conn.h"

APLOG_USE_MODULE(ssr);

#define SSR_DEV_MAX_STREAMS 16
#define SSR_DEV_STREAM_TIME apr_time_from_sec(60)
#define SSR_DEV_TICK apr_time_from_msec(200)
#define SSR_DEV_KEEPALIVE apr_time_from_sec(15)

static volatile apr_uint32_t ssr_dev_streams;

/* --- JSON --------------------------------------------------------------- */

/* s as a JSON string that is also safe inside <script>: <, >, & and the
 * JavaScript line separators are escaped too. */
static const char *ssr_json(apr_pool_t *p, const char *s)
{
    apr_size_t n = s ? strlen(s) : 0, i;
    char *out, *o;
    const unsigned char *u = (const unsigned char *) s;

    if (s == NULL) {
        return "null";
    }
    o = out = apr_palloc(p, n * 6 + 3);
    *o++ = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char) c;
        }
        else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            o += apr_snprintf(o, 7, "\\u%04x", c);
        }
        else if (c == 0xE2 && i + 2 < n && u[i + 1] == 0x80 &&
                 (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
            o += apr_snprintf(o, 7, "\\u%04x", 0x2000 + (u[i + 2] - 0x80));
            i += 2;
        }
        else {
            *o++ = (char) c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* The first line of text, and the rest (for message and stack). */
static void ssr_split_first_line(apr_pool_t *p, const char *text,
                                 const char **first, const char **rest)
{
    const char *nl = text ? strchr(text, '\n') : NULL;

    *first = nl ? apr_pstrmemdup(p, text, (apr_size_t) (nl - text)) : text;
    *rest = nl ? nl + 1 : "";
}

static const char *ssr_error_json(apr_pool_t *p, const char *title,
                                  const char *message, const char *stack,
                                  const char *file)
{
    return apr_pstrcat(p, "{\"type\":\"error\",\"title\":", ssr_json(p, title),
                       ",\"message\":", ssr_json(p, message),
                       ",\"file\":", ssr_json(p, file),
                       ",\"stack\":", ssr_json(p, stack), "}", NULL);
}

/* --- the client --------------------------------------------------------- */

/* A page with Vite's client (mod-ssr-dev) leaves reloads to Vite, which
 * sends one per server build; an error page reloads itself too, since a
 * fix Vite applies as a hot update sends none.  It waits half a second for
 * Vite's reload first: both at once made two requests for one reload, the
 * second cancelling the first. */
static const char ssr_dev_client_js[] =
    "(function () {\n"
    "  var build = %s, url = %s, err = %s;\n"
    "  function show(e) {\n"
    "    var o = document.getElementById('__mod_ssr_overlay');\n"
    "    if (!o) {\n"
    "      o = document.createElement('div');\n"
    "      o.id = '__mod_ssr_overlay';\n"
    "      o.setAttribute('style', 'position:fixed;top:0;left:0;right:0;"
    "bottom:0;z-index:2147483647;background:rgba(20,20,20,.92);color:#eee;"
    "font:14px/1.5 ui-monospace,monospace;padding:32px;overflow:auto');\n"
    "      (document.body || document.documentElement).appendChild(o);\n"
    "    }\n"
    "    o.textContent = '';\n"
    "    [['h2', e.title || 'mod_ssr error', 'color:#ff6b6b'],\n"
    "     ['div', e.message || '', 'font-weight:bold'],\n"
    "     ['div', e.file ? 'in ' + e.file : '', 'color:#aaa'],\n"
    "     ['pre', e.stack || '', 'white-space:pre-wrap']].forEach(function (x) {\n"
    "      var n = document.createElement(x[0]);\n"
    "      n.textContent = x[1];\n"
    "      n.setAttribute('style', x[2]);\n"
    "      o.appendChild(n);\n"
    "    });\n"
    "  }\n"
    "  function hide() {\n"
    "    var o = document.getElementById('__mod_ssr_overlay');\n"
    "    if (o) { o.parentNode.removeChild(o); }\n"
    "  }\n"
    "  if (err) {\n"
    "    if (document.readyState === 'loading') {\n"
    "      document.addEventListener('DOMContentLoaded', function () { show(err); });\n"
    "    } else { show(err); }\n"
    "  }\n"
    "  function hmr() {\n"
    "    return !!document.querySelector('script[src*=\"/@vite/client\"]');\n"
    "  }\n"
    "  if (typeof EventSource === 'undefined') { return; }\n"
    "  var leaving = false;\n"
    "  addEventListener('beforeunload', function () { leaving = true; });\n"
    "  var es = new EventSource(url + '?build=' + encodeURIComponent(build || ''));\n"
    "  es.onmessage = function (m) {\n"
    "    var e;\n"
    "    try { e = JSON.parse(m.data); } catch (x) { return; }\n"
    "    if (e.type === 'full-reload' && e.build !== build && (err || !hmr())) {\n"
    "      es.close();\n"
    "      if (hmr()) {\n"
    "        setTimeout(function () { if (!leaving) { location.reload(); } }, 500);\n"
    "      } else {\n"
    "        location.reload();\n"
    "      }\n"
    "    } else if (e.type === 'error') {\n"
    "      show(e);\n"
    "    } else if (e.type === 'ok' && !err) {\n"
    "      hide();\n"
    "    }\n"
    "  };\n"
    "})();\n";

const char *ssr_dev_script(request_rec *r, const ssr_dir_conf *conf,
                           const char *build_id, const char *error_json)
{
    return apr_pstrcat(r->pool, "<script data-mod-ssr-live-reload>",
                       apr_psprintf(r->pool, ssr_dev_client_js,
                                    ssr_json(r->pool, build_id),
                                    ssr_json(r->pool,
                                             ssr_conf_live_reload_path(r->pool, conf)),
                                    error_json ? error_json : "null"),
                       "</script>", NULL);
}

/* --- error pages -------------------------------------------------------- */

static apr_status_t ssr_dev_write(void *baton, const char *data,
                                  apr_size_t len)
{
    return apr_brigade_write(baton, NULL, NULL, data, len);
}

int ssr_dev_error_page(request_rec *r, const ssr_dir_conf *conf,
                       const ssr_gen_t *gen, int status, const char *title,
                       const char *message, const char *stack,
                       const char *file)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    const char *script = ssr_dev_script(r, conf, gen ? gen->build_id : NULL,
                                        ssr_error_json(r->pool, title, message,
                                                       stack, file));

    if (gen) {
        ssr_template_emit(&gen->tpl, script, strlen(script), NULL, 0,
                          ssr_dev_write, bb);
    }
    else {
        apr_brigade_puts(bb, NULL, NULL, "<!DOCTYPE html>\n<html><head>"
                         "<meta charset=\"utf-8\"><title>mod_ssr error</title>");
        apr_brigade_puts(bb, NULL, NULL, script);
        apr_brigade_puts(bb, NULL, NULL, "</head><body></body></html>\n");
    }
    r->status = status;
    ap_set_content_type(r, "text/html; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
}

/* --- the event stream ---------------------------------------------------- */

static apr_status_t ssr_dev_send(request_rec *r, apr_bucket_brigade *bb,
                                 const char *text)
{
    apr_brigade_puts(bb, NULL, NULL, text);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_flush_create(r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb);
}

static const char *ssr_dev_event(apr_pool_t *p, const char *json)
{
    return apr_pstrcat(p, "data: ", json, "\n\n", NULL);
}

/* The build id the page was rendered with (?build=...). */
static const char *ssr_dev_known_build(request_rec *r)
{
    const char *q = r->args, *at;

    if (q == NULL || (at = strstr(q, "build=")) == NULL ||
        (at != q && at[-1] != '&')) {
        return "";
    }
    at += 6;
    return apr_pstrmemdup(r->pool, at, strcspn(at, "&"));
}

/* What the page has been told.  The strings are copied into pool (the
 * request's), not left in the tick pool they were polled into: that pool is
 * cleared every tick, and a later poll reuses its memory, so a pointer into
 * it would compare equal to whatever the next poll put there.  A copy is
 * made only when something changed, at most once per build. */
typedef struct {
    apr_pool_t *pool;
    const char *build;    /* last build id the client knows of */
    const char *error;    /* last error sent, NULL if none */
} ssr_dev_sent;

/* The bundle is not there at all: the build has not run (yet). */
static int ssr_dev_bundle_missing(apr_pool_t *p, const char *bundle)
{
    apr_finfo_t fi;

    return bundle != NULL &&
           APR_STATUS_IS_ENOENT(apr_stat(&fi, bundle, APR_FINFO_TYPE, p));
}

/* The overlay's title and message for a build that does not load: a page
 * must not speak of a "new" build when none ever loaded, and a bundle that
 * does not exist yet is a build still to come, not a broken one. */
static void ssr_dev_load_error(apr_pool_t *p, const ssr_app_state_t *st,
                               const char *bundle, const char **title,
                               const char **message, const char **stack)
{
    const char *why = st->error ? st->error : "no build has been loaded yet";

    if (st->build_id == NULL && ssr_dev_bundle_missing(p, bundle)) {
        *title = "No build yet";
        *message = apr_pstrcat(p, "waiting for the first build: ", bundle,
                               " does not exist yet", NULL);
        *stack = "Start the build (npx mod-ssr-dev, or npx vite build "
                 "--watch); the page loads by itself once it is there.";
        return;
    }
    *title = st->build_id ? "The new build failed to load"
                          : "The build failed to load";
    ssr_split_first_line(p, why, message, stack);
}

int ssr_dev_no_build(request_rec *r, const ssr_dir_conf *conf,
                     ssr_app_t *app)
{
    ssr_app_state_t st;
    const char *title, *message, *stack;

    ssr_app_poll(app, r, conf, r->pool, &st);
    ssr_dev_load_error(r->pool, &st, ssr_app_bundle_path(app), &title,
                       &message, &stack);
    return ssr_dev_error_page(r, conf, NULL, HTTP_SERVICE_UNAVAILABLE, title,
                              message, stack, ssr_app_bundle_path(app));
}

/* What changed since the last tick, as events in p. */
static const char *ssr_dev_changes(apr_pool_t *p, const ssr_app_state_t *st,
                                   ssr_dev_sent *sent, const char *bundle)
{
    const char *out = "", *title, *first, *rest;

    if (st->build_id && strcmp(st->build_id, sent->build) != 0) {
        sent->build = apr_pstrdup(sent->pool, st->build_id);
        out = ssr_dev_event(p, apr_pstrcat(p, "{\"type\":\"full-reload\","
                                           "\"build\":", ssr_json(p, st->build_id),
                                           "}", NULL));
    }
    if (st->error && (sent->error == NULL || strcmp(st->error, sent->error))) {
        sent->error = apr_pstrdup(sent->pool, st->error);
        ssr_dev_load_error(p, st, bundle, &title, &first, &rest);
        out = apr_pstrcat(p, out, ssr_dev_event(p, ssr_error_json(
                              p, title, first, rest, bundle)), NULL);
    }
    else if (st->error == NULL && sent->error != NULL) {
        sent->error = NULL;
        out = apr_pstrcat(p, out, ssr_dev_event(p, "{\"type\":\"ok\"}"), NULL);
    }
    return out;
}

/* A stream must not hold up a graceful stop or restart of httpd. */
static int ssr_dev_server_stopping(void)
{
    int state = AP_MPMQ_RUNNING;

    return ap_mpm_query(AP_MPMQ_MPM_STATE, &state) == APR_SUCCESS &&
           state == AP_MPMQ_STOPPING;
}

static int ssr_dev_stream(request_rec *r, const ssr_dir_conf *conf,
                          ssr_app_t *app)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    apr_time_t start = apr_time_now(), last_write = start;
    ssr_dev_sent sent = { r->pool, ssr_dev_known_build(r), NULL };
    ssr_app_state_t st;
    apr_pool_t *tick;
    const char *events;
    apr_status_t rv;

    /* Each tick's poll and events go here, so that a stream open for a
     * minute does not grow the request pool every 200 ms. */
    rv = apr_pool_create(&tick, r->pool);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, APLOGNO(20071)
                      "cannot create a pool for the live-reload stream");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_pool_tag(tick, "mod_ssr live-reload tick");
    if (ssr_dev_send(r, bb, "retry: 1000\n\n") != APR_SUCCESS) {
        return OK;
    }
    while (apr_time_now() - start < SSR_DEV_STREAM_TIME &&
           !ssr_conn_stream_gone(r) && !ssr_dev_server_stopping()) {
        apr_pool_clear(tick);
        ssr_app_poll(app, r, conf, tick, &st);
        events = ssr_dev_changes(tick, &st, &sent, ssr_app_bundle_path(app));
        if (*events == '\0' && apr_time_now() - last_write >= SSR_DEV_KEEPALIVE) {
            events = ": keep-alive\n\n";
        }
        if (*events) {
            if (ssr_dev_send(r, bb, events) != APR_SUCCESS) {
                break;
            }
            last_write = apr_time_now();
        }
        apr_sleep(SSR_DEV_TICK);
    }
    return OK;
}

int ssr_dev_events(request_rec *r, const ssr_dir_conf *conf, ssr_app_t *app)
{
    int rc;

    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    ap_set_content_type(r, "text/event-stream; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    apr_table_setn(r->headers_out, "X-Accel-Buffering", "no");
    /* Nothing for mod_deflate & co. to buffer up. */
    apr_table_setn(r->subprocess_env, "no-gzip", "1");
    if (apr_atomic_inc32(&ssr_dev_streams) >= SSR_DEV_MAX_STREAMS) {
        /* An EventSource gives up for good on an error status, but
         * reconnects after a stream that ends: end this one at once and
         * have the page come back in a few seconds. */
        apr_atomic_dec32(&ssr_dev_streams);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(20070)
                      "too many live-reload streams open (%d per process); "
                      "the page will reconnect in 5 s", SSR_DEV_MAX_STREAMS);
        ap_rputs("retry: 5000\n\n", r);
        return OK;
    }
    rc = r->header_only ? OK : ssr_dev_stream(r, conf, app);
    apr_atomic_dec32(&ssr_dev_streams);
    return rc;
}
