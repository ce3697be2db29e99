/*
 * ssr_conn.c -- is the client still there? (see ssr_conn.h)
 */
#include <string.h>

#include <httpd.h>
#include <http_core.h>
#include <apr_poll.h>

#include "ssr_conn.h"

/* httpd itself only notices a client that left on the next write; a
 * render can take seconds, so the socket is polled (at most every
 * SSR_CLIENT_POLL, also from inside long synchronous JavaScript).  Only a
 * real disconnect counts: a reset or a socket error, or httpd having marked
 * the connection aborted.  A read end-of-file alone does not: a client may
 * half-close its side once the request is sent and still read the answer,
 * as it can for a static file. */
#define SSR_CLIENT_POLL apr_time_from_msec(10)

void ssr_conn_watch_init(request_rec *r, ssr_conn_watch *w)
{
    memset(w, 0, sizeof(*w));
    w->r = r;
    w->pfd.p = r->pool;
    w->pfd.desc_type = APR_POLL_SOCKET;
    w->pfd.reqevents = APR_POLLIN;
    w->pfd.desc.s = r->connection->master ? NULL
                                          : ap_get_conn_socket(r->connection);
}

static int ssr_conn_poll(ssr_conn_watch *w)
{
    apr_int32_t n = 0;

    if (w->r->connection->aborted) {
        return 1;
    }
    if (w->pfd.desc.s == NULL) {
        return 0;
    }
    w->pfd.rtnevents = 0;
    if (apr_poll(&w->pfd, 1, &n, 0) == APR_SUCCESS && n > 0 &&
        (w->pfd.rtnevents & (APR_POLLERR | APR_POLLHUP | APR_POLLNVAL))) {
        w->r->connection->aborted = 1;
        return 1;
    }
    return 0;
}

int ssr_conn_gone(void *watch)
{
    ssr_conn_watch *w = watch;
    apr_time_t now = apr_time_now();

    if (!w->r->connection->aborted && now < w->next_poll) {
        return 0;
    }
    w->next_poll = now + SSR_CLIENT_POLL;
    return ssr_conn_poll(w);
}

int ssr_conn_stream_gone(request_rec *r)
{
    ssr_conn_watch w;
    int eof = 0;

    ssr_conn_watch_init(r, &w);
    if (ssr_conn_poll(&w)) {
        return 1;
    }
    /* An event stream's client never half-closes: end-of-file is a
     * browser that left. */
    if (w.pfd.desc.s && apr_socket_atreadeof(w.pfd.desc.s, &eof) == APR_SUCCESS
        && eof) {
        r->connection->aborted = 1;
        return 1;
    }
    return 0;
}
