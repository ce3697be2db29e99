/*
 * ssr_engine.h -- Duktape heaps that hold a compiled SSR bundle.
 *
 * A bundle is compiled once (ssr_bundle_compile) to Duktape bytecode; every
 * heap is then made by loading that bytecode (ssr_heap_create), which is much
 * cheaper than compiling the source again.  A heap is used by one thread at a
 * time and destroyed exactly once (ssr_heap_destroy).
 *
 * Nothing here depends on httpd: the module, ssr-render and the unit tests
 * all use this same code.  Memory for results comes from the caller's pool.
 */
#ifndef SSR_ENGINE_H
#define SSR_ENGINE_H

#include <apr.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

/* Log levels, numerically the same as httpd's APLOG_* levels. */
#define SSR_LOG_ERR 3
#define SSR_LOG_WARNING 4
#define SSR_LOG_NOTICE 5
#define SSR_LOG_INFO 6
#define SSR_LOG_DEBUG 7

typedef void (*ssr_log_fn)(void *baton, int level, const char *msg);

/* A name/value pair: environment entries, request and response headers. */
typedef struct {
    const char *name;
    const char *value;
} ssr_kv_t;

typedef struct ssr_bundle_t ssr_bundle_t;
typedef struct ssr_heap_t ssr_heap_t;

/* What a heap is made with. */
typedef struct {
    apr_size_t memory_limit;         /* bytes; 0 = no limit */
    const apr_array_header_t *env;   /* ssr_kv_t: process.env, context.env */
    apr_interval_time_t eval_timeout;/* bounds evaluating the bundle; 0 = 10s */
    ssr_log_fn log;                  /* console output and engine messages */
    void *log_baton;                 /* while no render is running */
} ssr_heap_opts_t;

/* Compiles the bundle source (a CommonJS module) to bytecode, and checks it
 * the way a new build must be checked: it evaluates in a scratch heap made
 * with opts, and module.exports.render is a function.  On failure returns
 * an error status and a message in *err (allocated from p). */
apr_status_t ssr_bundle_compile(apr_pool_t *p, const char *source,
                                apr_size_t len, const char *filename,
                                const ssr_heap_opts_t *opts,
                                ssr_bundle_t **out, const char **err);

apr_size_t ssr_bundle_bytecode_size(const ssr_bundle_t *b);

/* Makes a heap holding the bundle: host runtime installed, bundle module
 * evaluated, render function found.  opts is copied. */
apr_status_t ssr_heap_create(const ssr_bundle_t *b, const ssr_heap_opts_t *opts,
                             apr_pool_t *p, ssr_heap_t **out,
                             const char **err);

/* The same, for a heap made for one render: evaluating the bundle must be
 * done by deadline (absolute; 0 = opts->eval_timeout from now), and the
 * heap's first render ends by the earlier of this deadline and its own,
 * so that making the heap and rendering share one budget.  APR_TIMEUP when
 * evaluating the bundle ran out of time. */
apr_status_t ssr_heap_create_until(const ssr_bundle_t *b,
                                   const ssr_heap_opts_t *opts,
                                   apr_time_t deadline, apr_pool_t *p,
                                   ssr_heap_t **out, const char **err);

/* Destroys the heap; after one that had grown large, free memory is handed
 * back to the system (at most a few times a second per process). */
void ssr_heap_destroy(ssr_heap_t *h);

/* Renders done by this heap so far. */
int ssr_heap_renders(const ssr_heap_t *h);

/* False once the heap must not be used again: a render failed, timed out,
 * ran out of memory, or left timers or jobs pending. */
int ssr_heap_reusable(const ssr_heap_t *h);

/* Bytes the heap's allocator currently holds. */
apr_size_t ssr_heap_memory(const ssr_heap_t *h);

/* An I/O source a render can use (fetch(): see ssr_fetch.h).  The engine
 * knows only these calls: JavaScript starts and cancels operations, the
 * render loop waits on the source together with its timers, and hands
 * finished operations back to JavaScript.  All calls come from the thread
 * running the render. */
typedef struct {
    const char *url;            /* as JavaScript gave it (resolved by start) */
    const char *method;
    const ssr_kv_t *headers;    /* JavaScript's own request headers */
    int nheaders;
    const char *body;           /* NULL: none */
    apr_size_t body_len;
    int redirect;               /* SSR_IO_REDIRECT_* */
} ssr_io_request_t;

#define SSR_IO_REDIRECT_FOLLOW 0
#define SSR_IO_REDIRECT_MANUAL 1
#define SSR_IO_REDIRECT_ERROR 2

typedef struct {
    int id;
    int failed;                 /* no response: error says why */
    const char *error;
    int status;
    const char *status_text;
    const char *url;            /* the final URL */
    int redirected;
    const apr_array_header_t *headers;  /* ssr_kv_t, lower-case names */
    const char *body;
    apr_size_t body_len;
} ssr_io_result_t;

typedef struct {
    void *baton;
    /* Starts an operation: its id (> 0), or 0 with *err saying why it was
     * refused (the message of a TypeError). */
    int (*start)(void *baton, const ssr_io_request_t *rq, const char **err);
    /* Stops an operation; its result is never delivered. */
    void (*cancel)(void *baton, int id);
    /* Waits at most timeout for progress; non-zero when results are ready. */
    int (*wait)(void *baton, apr_interval_time_t timeout);
    /* The next finished operation into *out (valid until the next call),
     * or 0 when there is none. */
    int (*next)(void *baton, ssr_io_result_t *out);
    /* Operations started and not yet delivered or cancelled. */
    int (*active)(void *baton);
    /* Stops every operation (the render is over). */
    void (*close)(void *baton);
} ssr_io_t;
typedef struct ssr_render_result_t ssr_render_result_t;

/* One render's input. */
typedef struct {
    const char *url;            /* render()'s first argument */
    const char *original_url;   /* context.url: as sent, base included;
                                 * NULL = the same as url */
    const char *manifest;       /* ssrManifest text; NULL = undefined */
    apr_size_t manifest_len;
    const char *method;         /* context.method */
    const char *path;           /* context.path (no query) */
    const char *query;          /* context.query, without '?'; "" if none */
    const char *remote_addr;    /* context.remoteAddr */
    const apr_array_header_t *headers;  /* ssr_kv_t, lower-case names */
    apr_time_t deadline;        /* absolute; 0 = none */
    /* Polled while the render runs; non-zero means the client is gone. */
    int (*cancelled)(void *baton);
    void *cancel_baton;
    ssr_log_fn log;             /* console output during this render */
    void *log_baton;
    const ssr_io_t *io;         /* what fetch() uses; NULL: fetch() rejects */
    /* Streamed results (SPEC 3: render gave a stream).  Unset: the stream
     * is read to its end and returned whole as html.  Set: once the first
     * chunk is there, stream_begin gets a result filled as for an object
     * result without html (head, status, headers); APR_SUCCESS starts the
     * response (res->streamed), APR_ENOTIMPL declines (the stream is then
     * collected into html as if unset).  stream_chunk then gets the app
     * HTML as the render produces it, data NULL ending each batch of
     * chunks (time to flush).  Any other failure from either ends the
     * render as if the client had gone. */
    apr_status_t (*stream_begin)(void *baton, const ssr_render_result_t *res);
    apr_status_t (*stream_chunk)(void *baton, const char *data,
                                 apr_size_t len);
    void *stream_baton;
} ssr_render_req_t;

/* How a render ended. */
typedef enum {
    SSR_RENDER_OK = 0,      /* render returned or resolved a value */
    SSR_RENDER_THREW,       /* render threw or its promise rejected */
    SSR_RENDER_TIMEOUT,     /* the deadline passed */
    SSR_RENDER_NOMEM,       /* the memory limit was reached */
    SSR_RENDER_UNSETTLED,   /* the promise can never settle: no work left */
    SSR_RENDER_ABORTED,     /* the client went away */
    SSR_RENDER_BAD_VALUE,   /* resolved to something that is not a result */
    SSR_RENDER_FATAL        /* Duktape hit a fatal error; the heap is dead */
} ssr_render_status_e;

/* One render's output, as JavaScript gave it: nothing is validated here
 * (see ssr_result.h).  Strings are NUL-terminated pool copies. */
struct ssr_render_result_t {
    ssr_render_status_e status;
    int is_object;              /* object result (else a string, html only) */
    const char *html;           /* NULL when absent */
    apr_size_t html_len;
    const char *head;
    apr_size_t head_len;
    int has_status;
    double http_status;         /* result.status as JS gave it */
    apr_array_header_t *headers;/* ssr_kv_t, result.headers (arrays expanded) */
    const char *redirect;       /* result.redirect (string or .url) */
    int has_redirect_status;
    double redirect_status;
    /* For SSR_RENDER_THREW: the error's properties. */
    const char *error_code;     /* error.code if a string */
    const char *error_message;  /* String(error) */
    const char *error_stack;    /* error.stack if a string */
    const char *error_target;   /* error.target (LOADER_REDIRECT) */
    int has_error_status;
    double error_status;
    const char *detail;         /* why, for the log, whatever the status */
    apr_interval_time_t elapsed;/* wall time of the render */
    int is_stream;              /* the value was a stream (html: its text,
                                 * unless it was streamed) */
    int streamed;               /* stream_begin accepted: the response has
                                 * begun, whatever status follows */
};

/* Renders one URL.  Always fills *res; returns APR_SUCCESS when the render
 * produced a value (res->status == SSR_RENDER_OK), otherwise an error status
 * with res->status and res->detail saying why. */
apr_status_t ssr_heap_render(ssr_heap_t *h, apr_pool_t *p,
                             const ssr_render_req_t *req,
                             ssr_render_result_t *res);

/* Called by Duktape's executor (DUK_USE_EXEC_TIMEOUT_CHECK in our generated
 * duk_config.h); non-zero makes the running code throw until it unwinds. */
int ssr_duk_exec_timeout_check(void *heap_udata);

#endif /* SSR_ENGINE_H */
