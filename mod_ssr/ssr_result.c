/*
 * ssr_result.c -- what to answer for a render result (SPEC 3-5).
 *
 * Everything a render returns comes from application JavaScript and is
 * treated as untrusted: a status, a redirect or a header that could not be
 * sent as given makes the render a failure or is dropped, never passed on
 * to httpd half-checked.
 */
#include <string.h>

#include <apr_cstr.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "ssr_result.h"

/* Longer names are not headers anyone means to send. */
#define SSR_HEADER_NAME_MAX 256

/* How much of a dropped header's name the log shows. */
#define SSR_LOG_NAME_MAX 64

/* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" /
 * "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static int tchar(unsigned char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')) {
        return 1;
    }
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int ssr_header_name_valid(const char *name)
{
    apr_size_t n;

    if (name == NULL || *name == '\0') {
        return 0;
    }
    for (n = 0; name[n] != '\0'; n++) {
        if (n >= SSR_HEADER_NAME_MAX || !tchar((unsigned char)name[n])) {
            return 0;
        }
    }
    return 1;
}

/* Bytes >= 0x80 (obs-text, in practice UTF-8) pass: httpd sends them as
 * they are, and rejecting them would drop legitimate non-ASCII values. */
int ssr_header_value_valid(const char *value)
{
    const unsigned char *p;

    if (value == NULL) {
        return 0;
    }
    for (p = (const unsigned char *)value; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* Headers a render may not set, and why:
 * - Content-Length, Transfer-Encoding, Connection, Keep-Alive, Upgrade, TE,
 *   Trailer, Proxy-Connection: message framing and connection handling
 *   belong to httpd; a wrong value desynchronises the connection.
 * - Content-Type: a rendered page is always text/html; charset=utf-8
 *   (SPEC 5), which is what the bytes are.
 * - Content-Encoding: the body is sent as rendered; compression, if any,
 *   is mod_deflate's, which sets this itself.
 * - Location: a redirect is made with result.redirect, which also makes
 *   the status right and drops the body.
 * - Status: CGI's way of setting the status; result.status does that.
 * Everything else (Cache-Control, Set-Cookie, ETag, Vary, Link, ...) is
 * the app's to set. */
static const char *const reserved_headers[] = {
    "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
    "Upgrade", "TE", "Trailer", "Proxy-Connection", "Content-Type",
    "Content-Encoding", "Location", "Status", NULL
};

int ssr_header_reserved(const char *name)
{
    int i;

    if (name == NULL) {
        return 0;
    }
    for (i = 0; reserved_headers[i] != NULL; i++) {
        if (apr_cstr_casecmp(name, reserved_headers[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

int ssr_redirect_status_valid(int status)
{
    return status == 301 || status == 302 || status == 303
           || status == 307 || status == 308;
}

/* A JavaScript number as an HTTP status in [lo, hi]: a whole number, not
 * NaN or a fraction.  Returns the status, or 0. */
static int whole_status(double d, int lo, int hi)
{
    int s;

    if (!(d >= lo && d <= hi)) {
        return 0;   /* also NaN */
    }
    s = (int)d;
    return (double)s == d ? s : 0;
}

static int redirect_status(double d)
{
    int s = whole_status(d, 300, 399);

    return ssr_redirect_status_valid(s) ? s : 0;
}

static int location_valid(const char *loc)
{
    return loc != NULL && *loc != '\0' && ssr_header_value_valid(loc);
}

/* The name as the log shows it: printable ASCII, quotes and backslashes
 * escaped, at most SSR_LOG_NAME_MAX characters; it came from the app and
 * must not be able to forge log lines. */
static const char *log_name(apr_pool_t *p, const char *name)
{
    char *out = apr_palloc(p, SSR_LOG_NAME_MAX + 4);
    apr_size_t n = 0;
    const unsigned char *s = (const unsigned char *)(name ? name : "");

    for (; *s != '\0'; s++) {
        char piece[5];
        apr_size_t plen;

        if (*s == '"' || *s == '\\') {
            piece[0] = '\\';
            piece[1] = (char)*s;
            plen = 2;
        }
        else if (*s >= 0x20 && *s < 0x7f) {
            piece[0] = (char)*s;
            plen = 1;
        }
        else {
            apr_snprintf(piece, sizeof(piece), "\\x%02x", *s);
            plen = 4;
        }
        if (n + plen > SSR_LOG_NAME_MAX) {
            memcpy(out + n, "...", 3);
            n += 3;
            break;
        }
        memcpy(out + n, piece, plen);
        n += plen;
    }
    out[n] = '\0';
    return out;
}

/* Why a header cannot be sent, or NULL when it can. */
static const char *header_problem(const ssr_kv_t *kv)
{
    if (!ssr_header_name_valid(kv->name)) {
        return "the name is not a valid header name (token)";
    }
    if (!ssr_header_value_valid(kv->value)) {
        return "the value contains CR, LF, NUL or another control character";
    }
    if (ssr_header_reserved(kv->name)) {
        return "the header is reserved for the server";
    }
    return NULL;
}

static void copy_headers(apr_pool_t *p, const ssr_render_result_t *res,
                         ssr_plan_t *plan, ssr_log_fn log, void *log_baton)
{
    int i;

    if (res->headers == NULL) {
        return;
    }
    for (i = 0; i < res->headers->nelts; i++) {
        const ssr_kv_t *kv = &APR_ARRAY_IDX(res->headers, i, ssr_kv_t);
        const char *problem = header_problem(kv);

        if (problem != NULL) {
            if (log != NULL) {
                log(log_baton, SSR_LOG_WARNING,
                    apr_psprintf(p, "dropped response header \"%s\" from "
                                 "render: %s", log_name(p, kv->name),
                                 problem));
            }
            continue;
        }
        APR_ARRAY_PUSH(plan->headers, ssr_kv_t) = *kv;
        if (apr_cstr_casecmp(kv->name, "Cache-Control") == 0) {
            plan->sets_cache_control = 1;
        }
    }
}

static void plan_fail(ssr_plan_t *plan, const char *why)
{
    plan->kind = SSR_PLAN_FAIL;
    plan->status = 500;
    plan->why = why;
}

static void plan_status(ssr_plan_t *plan, int status, const char *why)
{
    plan->kind = SSR_PLAN_STATUS;
    plan->status = status;
    plan->why = why;
}

static void plan_redirect(ssr_plan_t *plan, int status, const char *location)
{
    plan->kind = SSR_PLAN_REDIRECT;
    plan->status = status;
    plan->location = location;
}

/* SSR_RENDER_OK: a page or a redirect, as the result asks. */
static void plan_ok(apr_pool_t *p, const ssr_render_result_t *res,
                    ssr_plan_t *plan, ssr_log_fn log, void *log_baton)
{
    int status = 200;

    if (res->redirect != NULL) {
        if (!location_valid(res->redirect)) {
            plan_fail(plan, "the render's redirect is not a valid URL "
                            "(empty, or contains control characters)");
            return;
        }
        status = 302;
        if (res->has_redirect_status) {
            status = redirect_status(res->redirect_status);
            if (status == 0) {
                plan_fail(plan, "the render's redirect status is not one "
                                "of 301, 302, 303, 307, 308");
                return;
            }
        }
        plan_redirect(plan, status, res->redirect);
    }
    else {
        if (res->has_status) {
            status = whole_status(res->http_status, 100, 599);
            if (status == 0) {
                plan_fail(plan, "the render's status is not a whole number "
                                "from 100 to 599");
                return;
            }
        }
        plan->kind = SSR_PLAN_PAGE;
        plan->status = status;
    }
    copy_headers(p, res, plan, log, log_baton);
}

/* SSR_RENDER_THREW: the loader error codes of SPEC 3, else a failure. */
static void plan_threw(const ssr_render_result_t *res, ssr_plan_t *plan)
{
    const char *code = res->error_code ? res->error_code : "";
    int status = 302;

    if (strcmp(code, "LOADER_NOT_FOUND") == 0) {
        plan_status(plan, 404, "render threw LOADER_NOT_FOUND");
    }
    else if (strcmp(code, "LOADER_TIMEOUT") == 0) {
        plan_status(plan, 504, "render threw LOADER_TIMEOUT");
    }
    else if (strcmp(code, "LOADER_REDIRECT") != 0) {
        plan_fail(plan, res->error_message ? res->error_message
                        : res->detail ? res->detail : "render threw");
    }
    else if (!location_valid(res->error_target)) {
        plan_fail(plan, "LOADER_REDIRECT without a valid target");
    }
    else if (res->has_error_status
             && (status = redirect_status(res->error_status)) == 0) {
        plan_fail(plan, "LOADER_REDIRECT with a status that is not one "
                        "of 301, 302, 303, 307, 308");
    }
    else {
        plan_redirect(plan, status, res->error_target);
    }
}

void ssr_plan_result(apr_pool_t *p, const ssr_render_result_t *res,
                     ssr_plan_t *plan, ssr_log_fn log, void *log_baton)
{
    memset(plan, 0, sizeof(*plan));
    /* Always an array, so callers never have to test for NULL. */
    plan->headers = apr_array_make(p, 4, sizeof(ssr_kv_t));

    switch (res->status) {
    case SSR_RENDER_OK:
        plan_ok(p, res, plan, log, log_baton);
        break;
    case SSR_RENDER_THREW:
        plan_threw(res, plan);
        break;
    case SSR_RENDER_TIMEOUT:
        plan_status(plan, 504, "deadline passed");
        break;
    case SSR_RENDER_ABORTED:
        /* Nobody reads this answer; 503 keeps the access log honest. */
        plan_status(plan, 503, "client went away");
        break;
    default:
        /* NOMEM, UNSETTLED, BAD_VALUE: the render produced nothing. */
        plan_fail(plan, res->detail ? res->detail : "the render failed");
        break;
    }
}
