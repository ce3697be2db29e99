/*
 * ssr_stream.c -- a streamed render result sent as the render produces it
 * (see ssr_stream.h).
 */
#include <string.h>

#include <httpd.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>
#include <apr_buckets.h>

#include "ssr_stats.h"
#include "ssr_stream.h"

APLOG_USE_MODULE(ssr);

struct ssr_stream_t {
    request_rec *r;
    const ssr_template_t *tpl;
    ssr_stream_head_fn head_fn;
    void *head_baton;
    apr_bucket_brigade *bb;
    const char *head;
    apr_size_t head_len;
    int begun;                  /* status line and headers are gone */
    int html_slot;              /* index of the html slot in tpl */
    apr_off_t bytes;            /* app HTML sent */
    apr_time_t start;
};

static apr_status_t ssr_stream_write(ssr_stream_t *s, const char *data,
                                     apr_size_t len)
{
    if (len == 0) {
        return APR_SUCCESS;
    }
    /* no flush function: the data is copied into heap buckets */
    return apr_brigade_write(s->bb, NULL, NULL, data, len);
}

/* Template text [from, to) with the head at a head slot on the way. */
static apr_status_t ssr_stream_template(ssr_stream_t *s, int first_slot,
                                        int last_slot, apr_size_t from,
                                        apr_size_t to)
{
    int i;

    for (i = first_slot; i < last_slot; i++) {
        const ssr_tpl_slot_t *slot = &s->tpl->slot[i];

        if (slot->which != SSR_SLOT_HEAD) {
            continue;
        }
        ssr_stream_write(s, s->tpl->bytes + from, slot->start - from);
        ssr_stream_write(s, s->head, s->head_len);
        from = slot->end;
    }
    return ssr_stream_write(s, s->tpl->bytes + from, to - from);
}

static apr_status_t ssr_stream_begin(void *baton,
                                     const ssr_render_result_t *res)
{
    ssr_stream_t *s = baton;
    apr_status_t rv;
    int i;

    rv = s->head_fn(s->head_baton, res, &s->head, &s->head_len);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < s->tpl->nslots; i++) {
        if (s->tpl->slot[i].which == SSR_SLOT_HTML) {
            s->html_slot = i;
        }
    }
    s->begun = 1;
    ssr_stats_add(SSR_STAT_STREAMED);
    /* goes out with the first batch of chunks */
    return ssr_stream_template(s, 0, s->html_slot, 0,
                               s->tpl->slot[s->html_slot].start);
}

static apr_status_t ssr_stream_chunk(void *baton, const char *data,
                                     apr_size_t len)
{
    ssr_stream_t *s = baton;
    request_rec *r = s->r;
    apr_status_t rv;

    if (data != NULL) {
        s->bytes += (apr_off_t) len;
        return ssr_stream_write(s, data, len);
    }
    /* the end of a batch: out now, through every filter */
    APR_BRIGADE_INSERT_TAIL(s->bb,
                            apr_bucket_flush_create(r->connection->bucket_alloc));
    rv = ap_pass_brigade(r->output_filters, s->bb);
    apr_brigade_cleanup(s->bb);
    if (rv != APR_SUCCESS || r->connection->aborted) {
        return APR_ECONNABORTED;
    }
    return APR_SUCCESS;
}

ssr_stream_t *ssr_stream_make(request_rec *r, const ssr_template_t *tpl,
                              ssr_stream_head_fn head, void *head_baton,
                              ssr_render_req_t *req)
{
    ssr_stream_t *s = apr_pcalloc(r->pool, sizeof(*s));

    s->r = r;
    s->tpl = tpl;
    s->head_fn = head;
    s->head_baton = head_baton;
    s->bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    s->start = apr_time_now();
    req->stream_begin = ssr_stream_begin;
    req->stream_chunk = ssr_stream_chunk;
    req->stream_baton = s;
    return s;
}

int ssr_stream_begun(const ssr_stream_t *s)
{
    return s != NULL && s->begun;
}

/* The rest of the template and the end of the body. */
static int ssr_stream_complete(ssr_stream_t *s)
{
    request_rec *r = s->r;
    const ssr_tpl_slot_t *html = &s->tpl->slot[s->html_slot];
    apr_status_t rv;

    ssr_stream_template(s, s->html_slot + 1, s->tpl->nslots, html->end,
                        s->tpl->len);
    APR_BRIGADE_INSERT_TAIL(s->bb,
                            apr_bucket_eos_create(r->connection->bucket_alloc));
    rv = ap_pass_brigade(r->output_filters, s->bb);
    apr_brigade_cleanup(s->bb);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, APLOGNO(20141)
                      "sending the end of a streamed page failed");
        return AP_FILTER_ERROR;
    }
    return OK;
}

/* The page cannot be finished: as mod_proxy does for a backend that broke
 * mid-body, an HTTP_BAD_GATEWAY error bucket (the one status httpd's chunk
 * filter looks for) tells it not to write the last chunk, and the
 * connection is closed, so the client sees a cut response, never one that
 * looks complete. */
static int ssr_stream_abort(ssr_stream_t *s)
{
    request_rec *r = s->r;
    conn_rec *c = r->connection;

    apr_brigade_cleanup(s->bb);
    c->keepalive = AP_CONN_CLOSE;
    r->no_cache = 1;
    if (!c->aborted) {
        APR_BRIGADE_INSERT_TAIL(s->bb, ap_bucket_error_create(HTTP_BAD_GATEWAY, NULL,
                                                              r->pool,
                                                              c->bucket_alloc));
        APR_BRIGADE_INSERT_TAIL(s->bb, apr_bucket_eos_create(c->bucket_alloc));
        ap_pass_brigade(r->output_filters, s->bb);
        apr_brigade_cleanup(s->bb);
    }
    return OK;
}

int ssr_stream_finish(ssr_stream_t *s, const ssr_render_result_t *res,
                      const char *url)
{
    request_rec *r = s->r;
    apr_time_t ms = apr_time_as_msec(apr_time_now() - s->start);

    switch (res->status) {
    case SSR_RENDER_OK:
        return ssr_stream_complete(s);
    case SSR_RENDER_THREW:
        /* The stream failed by itself after the first byte: the status
         * has gone, the page is ended with the template's rest so that the
         * client's scripts load and can take over (as with SSRFallback
         * csr). */
        ssr_stats_add(SSR_STAT_FAILURES);
        ssr_stats_add(SSR_STAT_STREAM_ERRORS);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(20142)
                      "stream of %s failed after %" APR_OFF_T_FMT " bytes "
                      "of the app were sent (status %d kept; page ended "
                      "with the template): %s", url, s->bytes, r->status,
                      res->detail ? res->detail : "unknown error");
        return ssr_stream_complete(s);
    case SSR_RENDER_ABORTED:
        ssr_stats_add(SSR_STAT_ABORTED);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(20143)
                      "stream of %s aborted: the client went away after "
                      "%" APR_OFF_T_FMT " bytes of the app, %" APR_TIME_T_FMT
                      " ms", url, s->bytes, ms);
        return ssr_stream_abort(s);
    case SSR_RENDER_TIMEOUT:
        ssr_stats_add(SSR_STAT_TIMEOUTS);
        ssr_stats_add(SSR_STAT_FAILURES);
        ssr_stats_add(SSR_STAT_STREAM_ERRORS);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(20144)
                      "stream of %s cut off: the render passed its deadline "
                      "(SSRTimeout) after %" APR_OFF_T_FMT " bytes of the "
                      "app; response aborted", url, s->bytes);
        return ssr_stream_abort(s);
    default:
        if (res->status == SSR_RENDER_NOMEM) {
            ssr_stats_add(SSR_STAT_MEMORY);
        }
        ssr_stats_add(SSR_STAT_FAILURES);
        ssr_stats_add(SSR_STAT_STREAM_ERRORS);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(20145)
                      "stream of %s cut off after %" APR_OFF_T_FMT " bytes "
                      "of the app: %s; response aborted", url, s->bytes,
                      res->detail ? res->detail : "unknown error");
        return ssr_stream_abort(s);
    }
}
