/*
 * ssr_request.h -- binding an httpd request to a render: which requests are
 * rendered (SPEC 4), the render's input, and the response (SPEC 5).
 */
#ifndef SSR_REQUEST_H
#define SSR_REQUEST_H

#include <httpd.h>
#include "ssr_config.h"

/* The template a request in this scope renders into: SSRTemplate, or
 * index.html in the DocumentRoot. */
const char *ssr_template_path(request_rec *r, const ssr_dir_conf *conf);

/* The content handler. */
int ssr_handler(request_rec *r);

/* Has the client of a long-lived stream closed its connection?  Polls the
 * socket now; unlike a render's watch, a read end-of-file counts. */
int ssr_client_gone_now(request_rec *r);

#endif /* SSR_REQUEST_H */
