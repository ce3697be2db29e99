/*
 * ssr_dev.h -- dev mode (SSRLiveReload On): open pages reload themselves
 * when a new build is loaded, and errors show in the page.
 *
 * Rendered pages get a small script that listens to a Server-Sent Events
 * stream at the live-reload path.  The stream sends typed events:
 *   { "type": "full-reload", "build": "<id>" }  a new build is in service
 *   { "type": "error", "title", "message", "file", "stack" }
 *                                               the newest build failed
 *   { "type": "ok" }                            the error is gone
 * A page reloads only for a build other than the one it was rendered
 * with, so a new build means one reload per open page.  A page that has
 * Vite's HMR client (mod-ssr-dev's dev template) leaves reloading to it,
 * unless it is an error page.
 */
#ifndef SSR_DEV_H
#define SSR_DEV_H

#include <httpd.h>
#include "ssr_build.h"

/* The event stream (the handler for the live-reload path). */
int ssr_dev_events(request_rec *r, const ssr_dir_conf *conf, ssr_app_t *app);

/* The <script> that pages rendered with build_id get in their head. */
const char *ssr_dev_script(request_rec *r, const ssr_dir_conf *conf,
                           const char *build_id, const char *error_json);

/* A dev-mode error page: the template if there is one (else a bare page),
 * with the error in an overlay and the live-reload script, so the page
 * recovers by itself once a good build is loaded. */
int ssr_dev_error_page(request_rec *r, const ssr_dir_conf *conf,
                       const ssr_gen_t *gen, int status, const char *title,
                       const char *message, const char *stack,
                       const char *file);

/* No build of the app could be loaded: 503 with a page that says why
 * ("No build yet" while the bundle does not exist) and reloads itself once
 * a build loads. */
int ssr_dev_no_build(request_rec *r, const ssr_dir_conf *conf,
                     ssr_app_t *app);

#endif /* SSR_DEV_H */
