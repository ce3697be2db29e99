/*
 * ssr_result.h -- what to answer for a render result (SPEC 3-5).
 *
 * Pure decisions, no I/O: the module turns a plan into an httpd response,
 * ssr-render prints it, the unit tests check the mapping.
 */
#ifndef SSR_RESULT_H
#define SSR_RESULT_H

#include "ssr_engine.h"

typedef enum {
    SSR_PLAN_PAGE,      /* send the template filled with head/html */
    SSR_PLAN_REDIRECT,  /* status + Location, no body */
    SSR_PLAN_STATUS,    /* answer status through httpd's error path */
    SSR_PLAN_FAIL       /* the render failed: apply SSRFallback */
} ssr_plan_kind_e;

typedef struct {
    ssr_plan_kind_e kind;
    int status;                   /* HTTP status for PAGE/REDIRECT/STATUS */
    const char *location;         /* REDIRECT */
    apr_array_header_t *headers;  /* ssr_kv_t, validated, for PAGE/REDIRECT */
    int sets_cache_control;       /* the render gave its own Cache-Control */
    const char *why;              /* for the log: what failed or was dropped */
} ssr_plan_t;

/* RFC 9110 token. */
int ssr_header_name_valid(const char *name);

/* No CR, LF or NUL (and no other control character but tab). */
int ssr_header_value_valid(const char *value);

/* Headers a render may not set: they belong to the server (framing,
 * connection handling) or would contradict the answer being built. */
int ssr_header_reserved(const char *name);

/* Statuses a redirect may have. */
int ssr_redirect_status_valid(int status);

/* Decides the answer for res.  Invalid response headers are dropped and
 * each is reported through log (so the caller's log gets them with the
 * request's context).  An invalid status or redirect turns the render
 * into a failure (SSR_PLAN_FAIL) with plan->why saying why. */
void ssr_plan_result(apr_pool_t *p, const ssr_render_result_t *res,
                     ssr_plan_t *plan, ssr_log_fn log, void *log_baton);

#endif /* SSR_RESULT_H */
