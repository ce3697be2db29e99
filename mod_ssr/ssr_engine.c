/*
 * ssr_engine.c -- Duktape heaps holding a compiled SSR bundle: bytecode
 * cache, heap lifecycle, the host runtime's C side, and the render loop.
 *
 * Every heap has its own counting allocator.  It enforces the memory limit,
 * and because it knows every block it handed out, a heap that Duktape
 * declared dead (fatal error) can still be freed without calling into it.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "duktape.h"
#include "ssr_engine.h"
#include "ssr_runtime_js.h"

#define DUK__DEFAULT_EVAL_TIMEOUT apr_time_from_sec(10)
#define DUK__SLEEP_SLICE apr_time_from_msec(20)
#define DUK__RT_KEY "ssr_rt"
#define DUK__RENDER_KEY "ssr_render"

struct ssr_bundle_t {
    const char *filename;
    void *runtime_bc;
    apr_size_t runtime_bc_len;
    void *bundle_bc;
    apr_size_t bundle_bc_len;
};

/* Header of every block the allocator hands to Duktape; 32 bytes keeps the
 * payload 16-byte aligned. */
typedef struct duk__block {
    struct duk__block *prev;
    struct duk__block *next;
    size_t size;
    size_t pad_;
} duk__block;

struct ssr_heap_t {
    duk_context *ctx;
    const ssr_bundle_t *bundle;
    ssr_heap_opts_t opts;
    duk__block *blocks;          /* every live allocation */
    apr_size_t used;
    int refusals;                /* allocations refused (this render) */
    unsigned alloc_ticks;        /* allocations, for the deadline check */
    int over_limit;              /* over the limit even after GC */
    apr_time_t deadline;         /* 0 = none */
    int timed_out;
    int dead;                    /* fatal error: never call Duktape again */
    jmp_buf *fatal_jmp;          /* where a fatal error returns to */
    ssr_log_fn log;              /* the current log target */
    void *log_baton;
    int renders;
    int unusable;
    apr_size_t baseline;         /* bytes held right after creation */
};

/* --- allocator ----------------------------------------------------------- */

static void duk__link(ssr_heap_t *h, duk__block *b)
{
    b->prev = NULL;
    b->next = h->blocks;
    if (h->blocks) {
        h->blocks->prev = b;
    }
    h->blocks = b;
}

static void duk__unlink(ssr_heap_t *h, duk__block *b)
{
    if (b->prev) {
        b->prev->next = b->next;
    }
    else {
        h->blocks = b->next;
    }
    if (b->next) {
        b->next->prev = b->prev;
    }
}

/* Duktape answers a refused allocation with up to 10 garbage collections,
 * retrying after each, then throws a RangeError the bundle can catch -- and
 * a bundle that catches it and allocates again spends seconds in rounds of
 * collections.  So once the allocations of one render have been refused
 * about three times over (each round is 11 attempts), the heap is over its
 * limit for good and the render is stopped right there.  The heap is
 * dropped without calling into it again, the same way as after a fatal
 * error: this allocator knows every block to free. */
#define DUK__REFUSALS_MAX (3 * (1 + 10))
#define DUK__JMP_FATAL 1
#define DUK__JMP_OVER_LIMIT 2

static int duk__refuse(ssr_heap_t *h)
{
    if (++h->refusals >= DUK__REFUSALS_MAX) {
        h->over_limit = 1;
        if (h->fatal_jmp) {
            h->dead = 1;
            longjmp(*h->fatal_jmp, DUK__JMP_OVER_LIMIT);
        }
    }
    return 0;
}

/* The exec timeout check runs every 256K bytecode instructions, which is a
 * few milliseconds of plain JavaScript but can be seconds when each
 * instruction is a long native call (joining a huge array, say).  Such
 * calls allocate, so the allocator also looks at the clock (every 64
 * allocations) and stops a render that is well past its deadline, the same
 * way as one over its memory limit. */
#define DUK__DEADLINE_SLACK apr_time_from_msec(100)
#define DUK__JMP_DEADLINE 3

static void duk__check_deadline(ssr_heap_t *h)
{
    if (h->deadline == 0 || (++h->alloc_ticks & 63) != 0 || !h->fatal_jmp) {
        return;
    }
    if (apr_time_now() > h->deadline + DUK__DEADLINE_SLACK) {
        h->timed_out = 1;
        h->dead = 1;
        longjmp(*h->fatal_jmp, DUK__JMP_DEADLINE);
    }
}

static int duk__admit(ssr_heap_t *h, size_t more)
{
    duk__check_deadline(h);
    if (h->opts.memory_limit && h->used + more > h->opts.memory_limit) {
        return duk__refuse(h);
    }
    return 1;
}

static void *duk__alloc(void *udata, duk_size_t size)
{
    ssr_heap_t *h = udata;
    duk__block *b;

    if (!duk__admit(h, size)) {
        return NULL;
    }
    b = malloc(sizeof(*b) + size);
    if (b == NULL) {
        duk__refuse(h);
        return NULL;
    }
    b->size = size;
    duk__link(h, b);
    h->used += size;
    return b + 1;
}

static void duk__free(void *udata, void *ptr)
{
    ssr_heap_t *h = udata;
    duk__block *b;

    if (ptr == NULL) {
        return;
    }
    b = (duk__block *) ptr - 1;
    duk__unlink(h, b);
    h->used -= b->size;
    free(b);
}

static void *duk__realloc(void *udata, void *ptr, duk_size_t size)
{
    ssr_heap_t *h = udata;
    duk__block *b, *nb;

    if (ptr == NULL) {
        return duk__alloc(udata, size);
    }
    if (size == 0) {
        duk__free(udata, ptr);
        return NULL;
    }
    b = (duk__block *) ptr - 1;
    if (size > b->size && !duk__admit(h, size - b->size)) {
        return NULL;
    }
    duk__unlink(h, b);
    nb = realloc(b, sizeof(*nb) + size);
    if (nb == NULL) {
        duk__link(h, b);    /* the old block is still valid */
        duk__refuse(h);
        return NULL;
    }
    h->used = h->used - nb->size + size;
    nb->size = size;
    duk__link(h, nb);
    return nb + 1;
}

static void duk__free_all_blocks(ssr_heap_t *h)
{
    duk__block *b = h->blocks, *next;

    while (b) {
        next = b->next;
        free(b);
        b = next;
    }
    h->blocks = NULL;
    h->used = 0;
}

/* --- fatal errors and the deadline --------------------------------------- */

static void duk__fatal(void *udata, const char *msg)
{
    ssr_heap_t *h = udata;

    char text[256];

    h->dead = 1;
    if (h->log) {
        /* Nothing here may allocate from the broken heap. */
        snprintf(text, sizeof(text), "Duktape fatal error, heap dropped: %s",
                 msg ? msg : "(no message)");
        h->log(h->log_baton, SSR_LOG_ERR, text);
    }
    if (h->fatal_jmp) {
        longjmp(*h->fatal_jmp, DUK__JMP_FATAL);
    }
    /* Only reachable if Duktape is entered outside our guarded calls, which
     * this file never does. */
    abort();
}

int ssr_duk_exec_timeout_check(void *heap_udata)
{
    ssr_heap_t *h = heap_udata;

    if (h == NULL) {
        return 0;
    }
    /* Once tripped, keep tripping until the protected call has unwound:
     * a try/catch in the bundle must not be able to swallow it. */
    if (h->timed_out || h->over_limit) {
        return 1;
    }
    if (h->deadline && apr_time_now() >= h->deadline) {
        h->timed_out = 1;
        return 1;
    }
    return 0;
}

/* --- strings out of Duktape ----------------------------------------------- */

/* Duktape keeps strings in CESU-8: a character outside the BMP made by
 * JavaScript is two 3-byte surrogates.  HTTP wants UTF-8, and Node writes a
 * lone surrogate as U+FFFD, so do the same. */
static int duk__surrogate_at(const unsigned char *s, apr_size_t i,
                             apr_size_t len, unsigned *cp)
{
    if (i + 2 < len && s[i] == 0xED && s[i + 1] >= 0xA0 && s[i + 1] <= 0xBF) {
        *cp = 0xD000 | ((unsigned) (s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        return 1;
    }
    return 0;
}

static char *duk__to_utf8(apr_pool_t *p, const char *in, apr_size_t len,
                          apr_size_t *out_len)
{
    const unsigned char *s = (const unsigned char *) in;
    unsigned char *out, *o;
    apr_size_t i;
    unsigned hi, lo, cp;

    if (memchr(in, 0xED, len) == NULL) {
        *out_len = len;
        return apr_pstrmemdup(p, in, len);
    }
    o = out = apr_palloc(p, len + 1);
    for (i = 0; i < len;) {
        if (!duk__surrogate_at(s, i, len, &hi)) {
            *o++ = s[i++];
            continue;
        }
        if (hi <= 0xDBFF && duk__surrogate_at(s, i + 3, len, &lo) &&
            lo >= 0xDC00) {
            cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            *o++ = (unsigned char) (0xF0 | (cp >> 18));
            *o++ = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
            *o++ = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
            *o++ = (unsigned char) (0x80 | (cp & 0x3F));
            i += 6;
        }
        else {
            *o++ = 0xEF;
            *o++ = 0xBF;
            *o++ = 0xBD;
            i += 3;
        }
    }
    *o = '\0';
    *out_len = (apr_size_t) (o - out);
    return (char *) out;
}

/* obj[key] as a pool string, or NULL when it is not a string. */
static const char *duk__get_str(duk_context *ctx, duk_idx_t obj,
                                const char *key, apr_pool_t *p,
                                apr_size_t *len)
{
    const char *s, *out = NULL;
    duk_size_t n;
    apr_size_t dummy;

    duk_get_prop_string(ctx, obj, key);
    if (duk_is_string(ctx, -1)) {
        s = duk_get_lstring(ctx, -1, &n);
        out = duk__to_utf8(p, s, n, len ? len : &dummy);
    }
    duk_pop(ctx);
    return out;
}

static int duk__get_num(duk_context *ctx, duk_idx_t obj, const char *key,
                        double *out)
{
    int found;

    duk_get_prop_string(ctx, obj, key);
    found = duk_is_number(ctx, -1);
    if (found) {
        *out = duk_get_number(ctx, -1);
    }
    duk_pop(ctx);
    return found;
}

/* The error at the stack top as text (with its stack trace when it has
 * one), never throwing. */
static const char *duk__error_text(duk_context *ctx, apr_pool_t *p)
{
    const char *s = duk_safe_to_stacktrace(ctx, -1);

    return apr_pstrdup(p, s ? s : "unknown error");
}

/* --- host functions ------------------------------------------------------- */

static ssr_heap_t *duk__heap_of(duk_context *ctx)
{
    duk_memory_functions funcs;

    duk_get_memory_functions(ctx, &funcs);
    return funcs.udata;
}

static duk_ret_t duk__host_log(duk_context *ctx)
{
    ssr_heap_t *h = duk__heap_of(ctx);
    int level = duk_to_int(ctx, 0);
    const char *msg = duk_safe_to_string(ctx, 1);

    if (h->log) {
        h->log(h->log_baton, level, msg);
    }
    return 0;
}

/* --- creating heaps ------------------------------------------------------- */

static void duk__push_bytecode(duk_context *ctx, const void *bc,
                               apr_size_t len)
{
    duk_push_external_buffer(ctx);
    duk_config_buffer(ctx, -1, (void *) bc, (duk_size_t) len);
}

static void duk__push_env(duk_context *ctx, const apr_array_header_t *env)
{
    int i;

    duk_push_object(ctx);
    if (env == NULL) {
        return;
    }
    for (i = 0; i < env->nelts; i++) {
        const ssr_kv_t *kv = &APR_ARRAY_IDX(env, i, ssr_kv_t);
        duk_push_string(ctx, kv->value);
        duk_put_prop_string(ctx, -2, kv->name);
    }
}

/* [ ] -> [ ]: runs the runtime, then the bundle; keeps both handles in the
 * heap stash. */
static duk_ret_t duk__init_heap(duk_context *ctx, void *udata)
{
    ssr_heap_t *h = udata;
    const ssr_bundle_t *b = h->bundle;

    duk_push_heap_stash(ctx);

    duk__push_bytecode(ctx, b->runtime_bc, b->runtime_bc_len);
    duk_load_function(ctx);
    duk_push_object(ctx);
    duk_push_c_function(ctx, duk__host_log, 2);
    duk_put_prop_string(ctx, -2, "log");
    duk__push_env(ctx, h->opts.env);
    duk_call(ctx, 2);
    duk_put_prop_string(ctx, -2, DUK__RT_KEY);

    duk_get_prop_string(ctx, -1, DUK__RT_KEY);
    duk_push_string(ctx, "loadModule");
    duk__push_bytecode(ctx, b->bundle_bc, b->bundle_bc_len);
    duk_load_function(ctx);
    duk_push_string(ctx, b->filename);
    duk_call_prop(ctx, -4, 2);
    duk_put_prop_string(ctx, -3, DUK__RENDER_KEY);
    duk_pop_2(ctx);
    return 0;
}

static ssr_heap_t *duk__heap_new(const ssr_bundle_t *b,
                                 const ssr_heap_opts_t *opts)
{
    ssr_heap_t *h = calloc(1, sizeof(*h));

    if (h == NULL) {
        return NULL;
    }
    h->bundle = b;
    h->opts = *opts;
    h->log = opts->log;
    h->log_baton = opts->log_baton;
    h->ctx = duk_create_heap(duk__alloc, duk__realloc, duk__free, h,
                             duk__fatal);
    if (h->ctx == NULL) {
        duk__free_all_blocks(h);
        free(h);
        return NULL;
    }
    return h;
}

apr_status_t ssr_heap_create(const ssr_bundle_t *b, const ssr_heap_opts_t *opts,
                             apr_pool_t *p, ssr_heap_t **out, const char **err)
{
    ssr_heap_t *volatile h;
    jmp_buf jb;
    apr_interval_time_t limit;
    duk_int_t rc;

    *out = NULL;
    h = duk__heap_new(b, opts);
    if (h == NULL) {
        *err = "cannot create a JavaScript heap (out of memory, or "
               "SSRMemoryLimit too small)";
        return APR_ENOMEM;
    }
    limit = opts->eval_timeout > 0 ? opts->eval_timeout
                                   : DUK__DEFAULT_EVAL_TIMEOUT;
    if (setjmp(jb)) {
        *err = h->timed_out ? "evaluating the bundle took too long"
             : h->over_limit ? "evaluating the bundle reached the memory "
                               "limit (SSRMemoryLimit)"
             : "Duktape fatal error while evaluating the bundle";
        ssr_heap_destroy(h);
        return APR_EGENERAL;
    }
    h->fatal_jmp = &jb;
    h->deadline = apr_time_now() + limit;
    rc = duk_safe_call(h->ctx, duk__init_heap, h, 0, 1);
    if (rc != DUK_EXEC_SUCCESS) {
        if (h->timed_out) {
            *err = apr_psprintf(p, "evaluating the bundle took longer than "
                                "%" APR_TIME_T_FMT " ms",
                                apr_time_as_msec(limit));
        }
        else if (h->over_limit) {
            *err = "evaluating the bundle reached the memory limit";
        }
        else {
            *err = duk__error_text(h->ctx, p);
        }
        h->fatal_jmp = NULL;
        ssr_heap_destroy(h);
        return APR_EGENERAL;
    }
    duk_pop(h->ctx);
    h->fatal_jmp = NULL;
    h->deadline = 0;
    h->baseline = h->used;
    *out = h;
    return APR_SUCCESS;
}

void ssr_heap_destroy(ssr_heap_t *h)
{
    jmp_buf jb;

    if (h == NULL) {
        return;
    }
    if (!h->dead && h->ctx) {
        /* Finalizers may run JavaScript: bound them too. */
        if (!h->timed_out) {
            h->deadline = apr_time_now() + apr_time_from_sec(1);
        }
        if (setjmp(jb) == 0) {
            h->fatal_jmp = &jb;
            duk_destroy_heap(h->ctx);
        }
    }
    duk__free_all_blocks(h);
    free(h);
}

int ssr_heap_renders(const ssr_heap_t *h)
{
    return h->renders;
}

int ssr_heap_reusable(const ssr_heap_t *h)
{
    return !h->unusable && !h->dead && !h->timed_out && !h->over_limit;
}

apr_size_t ssr_heap_memory(const ssr_heap_t *h)
{
    return h->used;
}

/* --- compiling bundles ---------------------------------------------------- */

/* [ source filename ] -> [ bytecode ] */
static duk_ret_t duk__compile(duk_context *ctx, void *udata)
{
    (void) udata;
    duk_compile(ctx, DUK_COMPILE_FUNCTION);
    duk_dump_function(ctx);
    return 1;
}

static apr_status_t duk__compile_to(apr_pool_t *p, duk_context *ctx,
                                    const char *src, apr_size_t len,
                                    const char *filename, void **bc,
                                    apr_size_t *bc_len, const char **err)
{
    duk_size_t n;
    void *data;

    duk_push_lstring(ctx, src, len);
    duk_push_string(ctx, filename);
    if (duk_safe_call(ctx, duk__compile, NULL, 2, 1) != DUK_EXEC_SUCCESS) {
        *err = duk__error_text(ctx, p);
        duk_pop(ctx);
        return APR_EGENERAL;
    }
    data = duk_get_buffer_data(ctx, -1, &n);
    *bc = apr_pmemdup(p, data, n);
    *bc_len = n;
    duk_pop(ctx);
    return APR_SUCCESS;
}

/* The bundle is wrapped the way Node wraps a CommonJS module; the wrapper
 * shares the first line so error line numbers match the file. */
static const char duk__cjs_head[] =
    "function (exports, require, module, __filename, __dirname) {";
static const char duk__cjs_tail[] = "\n}";

apr_status_t ssr_bundle_compile(apr_pool_t *p, const char *source,
                                apr_size_t len, const char *filename,
                                const ssr_heap_opts_t *opts,
                                ssr_bundle_t **out, const char **err)
{
    ssr_bundle_t *b = apr_pcalloc(p, sizeof(*b));
    ssr_heap_opts_t scratch_opts = *opts;
    ssr_heap_t *scratch;
    apr_size_t wlen;
    char *wrapped;
    apr_status_t rv;

    *out = NULL;
    b->filename = apr_pstrdup(p, filename);

    /* Compiling needs no limits of its own: a heap without a memory cap. */
    scratch_opts.memory_limit = 0;
    scratch = duk__heap_new(b, &scratch_opts);
    if (scratch == NULL) {
        *err = "cannot create a JavaScript heap";
        return APR_ENOMEM;
    }
    rv = duk__compile_to(p, scratch->ctx, ssr_runtime_js,
                         sizeof(ssr_runtime_js) - 1, "ssr_runtime.js",
                         &b->runtime_bc, &b->runtime_bc_len, err);
    if (rv == APR_SUCCESS) {
        wlen = sizeof(duk__cjs_head) - 1 + len + sizeof(duk__cjs_tail) - 1;
        wrapped = apr_palloc(p, wlen);
        memcpy(wrapped, duk__cjs_head, sizeof(duk__cjs_head) - 1);
        memcpy(wrapped + sizeof(duk__cjs_head) - 1, source, len);
        memcpy(wrapped + wlen - (sizeof(duk__cjs_tail) - 1), duk__cjs_tail,
               sizeof(duk__cjs_tail) - 1);
        rv = duk__compile_to(p, scratch->ctx, wrapped, wlen, filename,
                             &b->bundle_bc, &b->bundle_bc_len, err);
    }
    ssr_heap_destroy(scratch);
    if (rv != APR_SUCCESS) {
        return rv;
    }

    /* A build is only good if it evaluates: check with the real limits. */
    rv = ssr_heap_create(b, opts, p, &scratch, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    ssr_heap_destroy(scratch);
    *out = b;
    return APR_SUCCESS;
}

apr_size_t ssr_bundle_bytecode_size(const ssr_bundle_t *b)
{
    return b->runtime_bc_len + b->bundle_bc_len;
}

/* --- rendering ------------------------------------------------------------ */

static void duk__push_rt(duk_context *ctx)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, DUK__RT_KEY);
    duk_remove(ctx, -2);
}

static void duk__push_info(duk_context *ctx, const ssr_render_req_t *req)
{
    int i;

    duk_push_object(ctx);
    duk_push_string(ctx, req->method ? req->method : "GET");
    duk_put_prop_string(ctx, -2, "method");
    duk_push_string(ctx, req->url ? req->url : "");
    duk_put_prop_string(ctx, -2, "url");
    duk_push_string(ctx, req->path ? req->path : "/");
    duk_put_prop_string(ctx, -2, "path");
    duk_push_string(ctx, req->query ? req->query : "");
    duk_put_prop_string(ctx, -2, "query");
    duk_push_string(ctx, req->remote_addr ? req->remote_addr : "");
    duk_put_prop_string(ctx, -2, "remoteAddr");
    duk_push_object(ctx);
    for (i = 0; req->headers && i < req->headers->nelts; i++) {
        const ssr_kv_t *kv = &APR_ARRAY_IDX(req->headers, i, ssr_kv_t);
        duk_push_string(ctx, kv->value);
        duk_put_prop_string(ctx, -2, kv->name);
    }
    duk_put_prop_string(ctx, -2, "headers");
}

static duk_ret_t duk__begin(duk_context *ctx, void *udata)
{
    const ssr_render_req_t *req = udata;

    duk__push_rt(ctx);
    duk_push_string(ctx, "begin");
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, DUK__RENDER_KEY);
    duk_remove(ctx, -2);
    duk_push_string(ctx, req->url ? req->url : "");
    if (req->manifest) {
        duk_push_lstring(ctx, req->manifest, req->manifest_len);
    }
    else {
        duk_push_undefined(ctx);
    }
    duk__push_info(ctx, req);
    duk_call_prop(ctx, -6, 4);
    duk_pop_2(ctx);
    return 0;
}

static duk_ret_t duk__call_rt(duk_context *ctx, void *udata)
{
    const char *method = udata;

    duk__push_rt(ctx);
    duk_push_string(ctx, method);
    duk_call_prop(ctx, -2, 0);
    duk_remove(ctx, -2);
    return 1;
}

typedef struct {
    const char *name;
    const char *message;
} duk__abort_reason;

static const duk__abort_reason duk__client_gone = {
    "AbortError", "the client disconnected"
};
static const duk__abort_reason duk__deadline = {
    "TimeoutError", "the render passed its deadline (SSRTimeout)"
};

static duk_ret_t duk__abort(duk_context *ctx, void *udata)
{
    const duk__abort_reason *why = udata;

    duk__push_rt(ctx);
    duk_push_string(ctx, "abort");
    duk_push_string(ctx, why->name);
    duk_push_string(ctx, why->message);
    duk_call_prop(ctx, -4, 2);
    duk_pop_2(ctx);
    return 0;
}

/* At the deadline, code waiting on context.signal gets a short grace to
 * see the abort (and release what it holds) before the render is failed;
 * the exec timeout check bounds the grace like any other JavaScript. */
#define DUK__ABORT_GRACE apr_time_from_msec(50)

static void duk__abort_at_deadline(ssr_heap_t *h)
{
    h->deadline = apr_time_now() + DUK__ABORT_GRACE;
    if (duk_safe_call(h->ctx, duk__abort, (void *) &duk__deadline, 0, 1)
        == DUK_EXEC_SUCCESS) {
        duk_pop(h->ctx);
        duk_safe_call(h->ctx, duk__call_rt, "step", 0, 1);
    }
    duk_pop(h->ctx);
    h->timed_out = 1;
}

/* Fills res when the render was stopped by a limit; 0 if it was not. */
static int duk__stopped_by_limit(const ssr_heap_t *h, ssr_render_result_t *res)
{
    if (h->timed_out) {
        res->status = SSR_RENDER_TIMEOUT;
        res->detail = "the render passed its deadline (SSRTimeout)";
        return 1;
    }
    if (h->over_limit) {
        res->status = SSR_RENDER_NOMEM;
        res->detail = "the render reached the heap's memory limit "
                      "(SSRMemoryLimit)";
        return 1;
    }
    return 0;
}

/* Maps a failed protected call to why it failed. */
static void duk__fail(ssr_heap_t *h, apr_pool_t *p, ssr_render_result_t *res)
{
    if (!duk__stopped_by_limit(h, res)) {
        res->status = SSR_RENDER_THREW;
        res->error_message = duk__error_text(h->ctx, p);
        res->detail = res->error_message;
    }
}

static void duk__read_headers(duk_context *ctx, duk_idx_t obj, apr_pool_t *p,
                              ssr_render_result_t *res)
{
    duk_size_t i, n;

    res->headers = apr_array_make(p, 4, sizeof(ssr_kv_t));
    duk_get_prop_string(ctx, obj, "headers");
    if (duk_is_array(ctx, -1)) {
        n = duk_get_length(ctx, -1);
        for (i = 0; i + 1 < n; i += 2) {
            ssr_kv_t *kv = apr_array_push(res->headers);
            duk_get_prop_index(ctx, -1, (duk_uarridx_t) i);
            kv->name = apr_pstrdup(p, duk_safe_to_string(ctx, -1));
            duk_pop(ctx);
            duk_get_prop_index(ctx, -1, (duk_uarridx_t) (i + 1));
            kv->value = apr_pstrdup(p, duk_safe_to_string(ctx, -1));
            duk_pop(ctx);
        }
    }
    duk_pop(ctx);
}

/* Fills res from the object rt.describe() returned (at the stack top). */
static void duk__read_description(duk_context *ctx, apr_pool_t *p,
                                  ssr_render_result_t *res)
{
    const char *kind = duk__get_str(ctx, -1, "kind", p, NULL);

    if (kind == NULL || strcmp(kind, "bad") == 0) {
        res->status = SSR_RENDER_BAD_VALUE;
        res->detail = duk__get_str(ctx, -1, "detail", p, NULL);
        return;
    }
    if (strcmp(kind, "error") == 0) {
        res->status = SSR_RENDER_THREW;
        res->error_code = duk__get_str(ctx, -1, "code", p, NULL);
        res->error_message = duk__get_str(ctx, -1, "message", p, NULL);
        res->error_stack = duk__get_str(ctx, -1, "stack", p, NULL);
        res->error_target = duk__get_str(ctx, -1, "target", p, NULL);
        res->has_error_status = duk__get_num(ctx, -1, "status",
                                             &res->error_status);
        res->detail = res->error_stack ? res->error_stack : res->error_message;
        return;
    }
    res->status = SSR_RENDER_OK;
    res->is_object = strcmp(kind, "object") == 0;
    res->html = duk__get_str(ctx, -1, "html", p, &res->html_len);
    res->head = duk__get_str(ctx, -1, "head", p, &res->head_len);
    res->has_status = duk__get_num(ctx, -1, "status", &res->http_status);
    res->redirect = duk__get_str(ctx, -1, "redirect", p, NULL);
    res->has_redirect_status = duk__get_num(ctx, -1, "redirectStatus",
                                            &res->redirect_status);
    duk__read_headers(ctx, -1, p, res);
}

/* Sleeps until the next timer, the deadline, or the client leaving,
 * whichever is first.  Returns 1 when the deadline has come. */
static int duk__wait(ssr_heap_t *h, const ssr_render_req_t *req,
                     double ms, int *aborted)
{
    apr_time_t now = apr_time_now();
    apr_time_t until = now + (apr_interval_time_t) (ms * 1000.0);

    while (now < until) {
        apr_interval_time_t slice = until - now;
        if (h->deadline && now >= h->deadline) {
            return 1;
        }
        if (h->deadline && now + slice > h->deadline) {
            slice = h->deadline - now;
        }
        if (slice > DUK__SLEEP_SLICE) {
            slice = DUK__SLEEP_SLICE;
        }
        apr_sleep(slice);
        if (!*aborted && req->cancelled && req->cancelled(req->cancel_baton)) {
            return 0;   /* the loop notices and aborts the signal */
        }
        now = apr_time_now();
    }
    return h->deadline && now >= h->deadline;
}

/* Runs the event loop until the render settles, fails or runs out of
 * time.  Returns non-zero when res was filled with a failure. */
static int duk__drive(ssr_heap_t *h, apr_pool_t *p,
                      const ssr_render_req_t *req, ssr_render_result_t *res,
                      int *aborted)
{
    duk_context *ctx = h->ctx;
    double next;

    for (;;) {
        if (duk_safe_call(ctx, duk__call_rt, "step", 0, 1) != DUK_EXEC_SUCCESS) {
            duk__fail(h, p, res);
            duk_pop(ctx);
            return 1;
        }
        next = duk_get_number(ctx, -1);
        duk_pop(ctx);
        if (next == -2 || next == -3) {
            return 0;   /* settled, or an uncaught error: describe() says */
        }
        if (!*aborted && req->cancelled && req->cancelled(req->cancel_baton)) {
            *aborted = 1;
            duk_safe_call(ctx, duk__abort, (void *) &duk__client_gone, 0, 1);
            duk_pop(ctx);
            continue;
        }
        if (next < 0) {
            res->status = SSR_RENDER_UNSETTLED;
            res->detail = "the render's promise never settled: no timers or "
                          "jobs were left to settle it";
            return 1;
        }
        if (duk__wait(h, req, next, aborted)) {
            duk__abort_at_deadline(h);
            duk__fail(h, p, res);
            return 1;
        }
    }
}

static void duk__check_pending(ssr_heap_t *h)
{
    if (duk_safe_call(h->ctx, duk__call_rt, "pending", 0, 1) != DUK_EXEC_SUCCESS ||
        duk_get_number(h->ctx, -1) > 0) {
        /* Work left over would run during the next request's render. */
        h->unusable = 1;
    }
    duk_pop(h->ctx);
}

/* Renders leave cyclic garbage that only Duktape's mark-and-sweep frees,
 * and it runs by allocation count, not heap size: a reused heap can grow to
 * many times its live size, and then one collection pauses a render for
 * hundreds of milliseconds.  Collecting once the heap has grown well past
 * its size after creation keeps both the heap and the pauses small. */
#define DUK__GC_SLACK ((apr_size_t) 16 * 1024 * 1024)

static void duk__collect_if_grown(ssr_heap_t *h)
{
    if (h->used > 2 * h->baseline + DUK__GC_SLACK) {
        duk_gc(h->ctx, 0);
    }
}

apr_status_t ssr_heap_render(ssr_heap_t *h, apr_pool_t *p,
                             const ssr_render_req_t *req,
                             ssr_render_result_t *res)
{
    jmp_buf jb;
    apr_time_t start = apr_time_now();
    int aborted = 0;
    volatile int failed = 0;

    memset(res, 0, sizeof(*res));
    if (!ssr_heap_reusable(h)) {
        res->status = SSR_RENDER_FATAL;
        res->detail = "the heap cannot be used again";
        return APR_EGENERAL;
    }
    h->renders++;
    h->refusals = 0;
    h->log = req->log ? req->log : h->opts.log;
    h->log_baton = req->log ? req->log_baton : h->opts.log_baton;
    h->deadline = req->deadline;

    if (setjmp(jb)) {
        if (!duk__stopped_by_limit(h, res)) {
            res->status = SSR_RENDER_FATAL;
            res->detail = "Duktape fatal error during the render";
        }
        res->elapsed = apr_time_now() - start;
        h->fatal_jmp = NULL;
        return APR_EGENERAL;
    }
    h->fatal_jmp = &jb;

    {
        if (duk_safe_call(h->ctx, duk__begin, (void *) req, 0, 1)
            != DUK_EXEC_SUCCESS) {
            duk__fail(h, p, res);
            failed = 1;
        }
        duk_pop(h->ctx);
    }
    if (!failed) {
        failed = duk__drive(h, p, req, res, &aborted);
    }
    if (!failed) {
        if (duk_safe_call(h->ctx, duk__call_rt, "describe", 0, 1) != DUK_EXEC_SUCCESS) {
            duk__fail(h, p, res);
        }
        else {
            duk__read_description(h->ctx, p, res);
        }
        duk_pop(h->ctx);
    }
    if (aborted && res->status != SSR_RENDER_TIMEOUT) {
        res->status = SSR_RENDER_ABORTED;
        res->detail = "the client went away during the render";
    }
    if (res->status == SSR_RENDER_OK) {
        duk__check_pending(h);
        duk__collect_if_grown(h);
    }
    else {
        h->unusable = 1;
    }
    h->fatal_jmp = NULL;
    h->deadline = 0;
    h->log = h->opts.log;
    h->log_baton = h->opts.log_baton;
    res->elapsed = apr_time_now() - start;
    return res->status == SSR_RENDER_OK ? APR_SUCCESS : APR_EGENERAL;
}
