/*
 * ssr_conn.h -- is the client still there?  For renders (a reset, a socket
 * error or an aborted connection; not a half-close) and for long-lived
 * event streams (where end-of-file counts too).
 */
#ifndef SSR_CONN_H
#define SSR_CONN_H

#include <httpd.h>
#include <apr_poll.h>

typedef struct {
    request_rec *r;
    apr_pollfd_t pfd;        /* desc.s NULL: cannot be watched (HTTP/2) */
    apr_time_t next_poll;
} ssr_conn_watch;

void ssr_conn_watch_init(request_rec *r, ssr_conn_watch *w);

/* Has the render's client gone?  Looks at the socket at most every 10 ms;
 * the signature of ssr_render_req_t.cancelled. */
int ssr_conn_gone(void *watch);

/* Has the client of a long-lived stream closed its connection?  Polls
 * now; unlike a render's watch, a read end-of-file counts. */
int ssr_conn_stream_gone(request_rec *r);

#endif /* SSR_CONN_H */
