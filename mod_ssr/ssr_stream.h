/*
 * ssr_stream.h -- a streamed render result sent as the render produces it.
 *
 * When render() gives a stream (SPEC 3), the page goes out in three parts:
 * the template up to the app outlet (with the head known by then) together
 * with the first chunk, each later batch of chunks as it comes (a FLUSH
 * bucket after each, so httpd's filters send it at once, chunked), and the
 * rest of the template once the stream ends.  No Content-Length, no ETag.
 *
 * The request code decides the status and headers (stream_head); this file
 * owns the body: the sink the engine writes to (ssr_render_req_t's
 * stream_begin/stream_chunk) and the end of the response.
 */
#ifndef SSR_STREAM_H
#define SSR_STREAM_H

#include <httpd.h>

#include "ssr_engine.h"
#include "ssr_template.h"

/* Sets status and headers for a stream result and gives the head to put
 * in the template; APR_SUCCESS to stream, APR_ENOTIMPL when the result
 * must be answered whole (a redirect, an error status, a HEAD ...). */
typedef apr_status_t (*ssr_stream_head_fn)(void *baton,
                                           const ssr_render_result_t *res,
                                           const char **head,
                                           apr_size_t *head_len);

typedef struct ssr_stream_t ssr_stream_t;

/* A sink for r's render with the template tpl; sets req's stream_*
 * fields. */
ssr_stream_t *ssr_stream_make(request_rec *r, const ssr_template_t *tpl,
                              ssr_stream_head_fn head, void *head_baton,
                              ssr_render_req_t *req);

/* Has the response begun (headers and the template's start sent)? */
int ssr_stream_begun(const ssr_stream_t *s);

/* Ends a response that has begun, however the render ended: the rest of
 * the template when the stream ended or failed by itself (the status can
 * no longer change: the failure is logged and counted), or an aborted
 * response (no last chunk, connection closed) when a limit stopped it or
 * the client left.  Returns the handler's result. */
int ssr_stream_finish(ssr_stream_t *s, const ssr_render_result_t *res,
                      const char *url);

#endif /* SSR_STREAM_H */
