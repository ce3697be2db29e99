/*
 * ssr_request.h -- binding an httpd request to a render: which requests are
 * rendered (SPEC 4), the render's input, and the response (SPEC 5).
 */
#ifndef SSR_REQUEST_H
#define SSR_REQUEST_H

#include <httpd.h>

/* The content handler. */
int ssr_handler(request_rec *r);

#endif /* SSR_REQUEST_H */
