/*
 * ssr_engine.c -- Duktape heaps holding a compiled SSR bundle: bytecode
 * cache, heap lifecycle, the host runtime's C side, and the render loop.
 *
 * Every heap has its own counting allocator over its own block store
 * (ssr_arena.c).  It enforces the memory limit, and because the store knows
 * every block it handed out, a heap that Duktape declared dead (fatal
 * error) can still be freed without calling into it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* pthread_getattr_np */
#endif
#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <apr_strings.h>
#include <apr_time.h>

#include "duktape.h"
#include "ssr_arena.h"
#include "ssr_collections.h"
#include "ssr_engine.h"
#include "ssr_natives.h"
#include "ssr_runtime_js.h"
#include "ssr_text.h"

#define SSR__DEFAULT_EVAL_TIMEOUT apr_time_from_sec(10)
#define SSR__SLEEP_SLICE apr_time_from_msec(20)
#define SSR__RT_KEY "ssr_rt"
#define SSR__RENDER_KEY "ssr_render"

struct ssr_bundle_t {
    const char *filename;
    void *runtime_bc;
    apr_size_t runtime_bc_len;
    void *bundle_bc;
    apr_size_t bundle_bc_len;
};

struct ssr_heap_t {
    duk_context *ctx;
    const ssr_bundle_t *bundle;
    ssr_heap_opts_t opts;
    ssr_arena_t arena;           /* every live allocation */
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
    apr_size_t baseline;         /* bytes held after creation or the
                                  * last collection: the live size */
    const apr_array_header_t *init_env; /* ssr__pair, while being created */
    int (*cancelled)(void *);    /* the render's client watch, or NULL */
    void *cancel_baton;
    int client_gone;             /* seen by the watch: stop the render */
    apr_size_t peak;             /* most bytes ever held */
    apr_time_t first_deadline;   /* made for a request: bounds its render */
    apr_size_t console_bytes;    /* console output logged (this render) */
    apr_size_t console_dropped;  /* ... and not logged, over the caps */
    int console_cut;             /* calls cut short or dropped */
    apr_size_t copied;           /* result bytes copied out (this render) */
    int copy_gc;                 /* collected once to make room for them */
    const ssr_io_t *io;          /* the render's I/O source (fetch), or NULL */
    apr_pool_t *render_pool;     /* the render's pool, while it runs */
    apr_array_header_t *collected; /* a stream result's text, when it is
                                  * not streamed (this render) */
};

/* A string made safe for the engine by ssr_text_to_engine(). */
typedef struct {
    const char *s;
    apr_size_t len;
} ssr__text;

static ssr__text ssr__clean(apr_pool_t *p, const char *s)
{
    ssr__text t;

    if (s == NULL) {
        s = "";
    }
    t.s = ssr_text_to_engine(p, s, strlen(s), &t.len);
    if (t.s == NULL) {
        t.s = "";
        t.len = 0;
    }
    return t;
}

static ssr__text ssr__clean_n(apr_pool_t *p, const char *s, apr_size_t len)
{
    ssr__text t;

    t.s = ssr_text_to_engine(p, s, len, &t.len);
    if (t.s == NULL) {
        t.s = "";
        t.len = 0;
    }
    return t;
}

/* Name/value pairs made safe for the engine. */
typedef struct {
    ssr__text name;
    ssr__text value;
} ssr__pair;

static apr_array_header_t *ssr__clean_pairs(apr_pool_t *p,
                                            const apr_array_header_t *kvs)
{
    apr_array_header_t *out;
    int i;

    out = apr_array_make(p, kvs ? kvs->nelts : 0, sizeof(ssr__pair));
    for (i = 0; kvs && i < kvs->nelts; i++) {
        const ssr_kv_t *kv = &APR_ARRAY_IDX(kvs, i, ssr_kv_t);
        ssr__pair *pair = apr_array_push(out);
        pair->name = ssr__clean(p, kv->name);
        pair->value = ssr__clean(p, kv->value);
    }
    return out;
}

/* --- allocator ----------------------------------------------------------- */

/* Duktape answers a refused allocation with up to 10 garbage collections,
 * retrying after each, then throws a RangeError the bundle can catch -- and
 * a bundle that catches it and allocates again spends seconds in rounds of
 * collections.  So once the allocations of one render have been refused
 * about three times over (each round is 11 attempts), the heap is over its
 * limit for good and the render is stopped right there.  The heap is
 * dropped without calling into it again, the same way as after a fatal
 * error: this allocator knows every block to free. */
#define SSR__REFUSALS_MAX (3 * (1 + 10))
#define SSR__JMP_FATAL 1
#define SSR__JMP_OVER_LIMIT 2

static int ssr__refuse(ssr_heap_t *h)
{
    if (++h->refusals >= SSR__REFUSALS_MAX) {
        h->over_limit = 1;
        if (h->fatal_jmp) {
            h->dead = 1;
            longjmp(*h->fatal_jmp, SSR__JMP_OVER_LIMIT);
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
#define SSR__DEADLINE_SLACK apr_time_from_msec(100)
#define SSR__JMP_DEADLINE 3

static void ssr__check_deadline(ssr_heap_t *h)
{
    if (h->deadline == 0 || (++h->alloc_ticks & 63) != 0 || !h->fatal_jmp) {
        return;
    }
    if (apr_time_now() > h->deadline + SSR__DEADLINE_SLACK) {
        h->timed_out = 1;
        h->dead = 1;
        longjmp(*h->fatal_jmp, SSR__JMP_DEADLINE);
    }
}

/* Whether the heap may grow by more bytes: a block of that size must not
 * overflow with its header (the store refuses those too), nor the total
 * pass the limit (compared without adding, so a huge request cannot wrap
 * around). */
static int ssr__admit(ssr_heap_t *h, size_t more)
{
    ssr__check_deadline(h);
    if (more > SIZE_MAX / 2) {
        return ssr__refuse(h);
    }
    if (h->opts.memory_limit &&
        (h->used > h->opts.memory_limit ||
         more > h->opts.memory_limit - h->used)) {
        return ssr__refuse(h);
    }
    return 1;
}

static void ssr__count(ssr_heap_t *h, apr_size_t was, apr_size_t now)
{
    h->used = h->used - was + now;
    if (h->used > h->peak) {
        h->peak = h->used;
    }
}

static void *ssr__alloc(void *udata, duk_size_t size)
{
    ssr_heap_t *h = udata;
    void *p;

    if (!ssr__admit(h, size)) {
        return NULL;
    }
    p = ssr_arena_alloc(&h->arena, size);
    if (p == NULL) {
        ssr__refuse(h);
        return NULL;
    }
    ssr__count(h, 0, size);
    return p;
}

static void ssr__free(void *udata, void *ptr)
{
    ssr_heap_t *h = udata;

    if (ptr == NULL) {
        return;
    }
    h->used -= ssr_arena_size(ptr);
    ssr_arena_free(&h->arena, ptr);
}

static void *ssr__realloc(void *udata, void *ptr, duk_size_t size)
{
    ssr_heap_t *h = udata;
    apr_size_t was;
    void *np;

    if (ptr == NULL) {
        return ssr__alloc(udata, size);
    }
    if (size == 0) {
        ssr__free(udata, ptr);
        return NULL;
    }
    was = ssr_arena_size(ptr);
    if (size > was && !ssr__admit(h, size - was)) {
        return NULL;
    }
    np = ssr_arena_realloc(&h->arena, ptr, size);
    if (np == NULL) {
        ssr__refuse(h);
        return NULL;
    }
    ssr__count(h, was, size);
    return np;
}

static void ssr__free_all_blocks(ssr_heap_t *h)
{
    ssr_arena_clear(&h->arena);
    h->used = 0;
}

static ssr_heap_t *ssr__heap_of(duk_context *ctx);

/* --- fatal errors and the deadline --------------------------------------- */

static void ssr__fatal(void *udata, const char *msg)
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
        longjmp(*h->fatal_jmp, SSR__JMP_FATAL);
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
    if (h->timed_out || h->over_limit || h->client_gone) {
        return 1;
    }
    if (h->deadline && apr_time_now() >= h->deadline) {
        h->timed_out = 1;
        return 1;
    }
    /* A client that left stops even a synchronous loop; the watch itself
     * limits how often it looks at the socket. */
    if (h->cancelled && h->cancelled(h->cancel_baton)) {
        h->client_gone = 1;
        return 1;
    }
    return 0;
}

/* --- native loops and the native stack ------------------------------------ */

/* Work done by Duktape's native loops that neither allocate nor execute
 * bytecode (substring search, the regexp matcher, the Array built-ins'
 * index loops): DUK_SSR_TICK in the generated duk_config.h adds to it and
 * calls ssr_duk_exec_timeout_check() every 4M units, throwing a RangeError
 * when it trips.  Per thread, like the heap that runs on it. */
__thread unsigned long ssr_duk_work;

/* The lowest stack address Duktape's recursive C paths may reach
 * (DUK_USE_NATIVE_STACK_CHECK in the generated duk_config.h): below it they
 * throw a RangeError.  NULL = no check. */
__thread char *ssr_duk_stack_floor;

/* Room left below the floor: for the frames between two checks, for
 * throwing the RangeError (error objects, tracebacks, Duktape.errCreate),
 * and for the log calls a failure makes. */
#define SSR__STACK_MARGIN ((size_t) 128 * 1024)

static __thread int ssr__stack_known;

/* Sets this thread's floor from its real stack, once per thread: a worker
 * thread's stack is ThreadStackSize, which can be far smaller than what
 * Duktape's recursion limits assume (8 MB).  Called on every way into
 * Duktape, since a heap may be used by different threads over its life. */
static void ssr__stack_guard(void)
{
#if defined(__GLIBC__)
    pthread_attr_t attr;
    void *addr;
    size_t size, margin;

    if (ssr__stack_known) {
        return;
    }
    ssr__stack_known = 1;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) {
        return;
    }
    if (pthread_attr_getstack(&attr, &addr, &size) == 0 && size > 0) {
        /* A stack too small for the margin keeps half of itself for
         * Duktape: not safe, but better than no check at all. */
        margin = size / 2 < SSR__STACK_MARGIN ? size / 2 : SSR__STACK_MARGIN;
        ssr_duk_stack_floor = (char *) addr + margin;
    }
    pthread_attr_destroy(&attr);
#endif
}

/* --- giving memory back ---------------------------------------------------- */

/* glibc keeps what a thread freed in that thread's malloc arena, for reuse
 * by the same arena: after a heap grew to SSRMemoryLimit and was freed,
 * the pages stay in the process (fragmented among what is still in use,
 * so the arena cannot shrink from its top).  Over many threads, each with
 * its own arena, a child grows to many times the limit and stays there.
 * malloc_trim(0) hands the free pages of every arena back to the system.
 * It walks every arena, so it runs only after a heap that had grown past
 * SSR__TRIM_AFTER was destroyed, and at most every SSR__TRIM_EVERY_MS per
 * process; one that is due but too early is done by the next destroy. */
#define SSR__TRIM_AFTER ((apr_size_t) 16 * 1024 * 1024)
#define SSR__TRIM_EVERY_MS 250

#if defined(__GLIBC__)
static unsigned ssr__trim_last_ms;
static int ssr__trim_pending;
#endif

static void ssr__give_back(apr_size_t peak)
{
#if defined(__GLIBC__)
    unsigned now = (unsigned) apr_time_as_msec(apr_time_now());
    unsigned last;

    if (peak >= SSR__TRIM_AFTER) {
        __atomic_store_n(&ssr__trim_pending, 1, __ATOMIC_RELAXED);
    }
    if (!__atomic_load_n(&ssr__trim_pending, __ATOMIC_RELAXED)) {
        return;
    }
    last = __atomic_load_n(&ssr__trim_last_ms, __ATOMIC_RELAXED);
    if (now - last < SSR__TRIM_EVERY_MS ||
        !__atomic_compare_exchange_n(&ssr__trim_last_ms, &last, now, 0,
                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        return;     /* too early, or another thread is trimming */
    }
    __atomic_store_n(&ssr__trim_pending, 0, __ATOMIC_RELAXED);
    malloc_trim(0);
#else
    (void) peak;
#endif
}

/* --- strings in and out of Duktape --------------------------------------- */

/* Copies of the result count against SSRMemoryLimit together with the heap
 * that made them: while they are made, both are in memory.  A copy is
 * what ssr_text_to_utf8() allocates, 3 bytes per byte of Duktape text.
 * When the copies do not fit, the heap's garbage is collected once (the
 * result itself is still referenced) and they are measured again; if they
 * still do not fit, the render is over its memory limit. */
static int ssr__copy_fits(ssr_heap_t *h, duk_size_t n)
{
    apr_size_t cost, limit = h->opts.memory_limit;

    if (limit == 0) {
        return 1;
    }
    if (h->over_limit || n > (limit - 1) / 3) {
        h->over_limit = 1;
        return 0;
    }
    cost = 3 * (apr_size_t) n + 1;
    if (h->used + h->copied > limit || cost > limit - h->used - h->copied) {
        if (!h->copy_gc && h->ctx) {
            h->copy_gc = 1;
            duk_gc(h->ctx, 0);
        }
        if (h->used + h->copied > limit ||
            cost > limit - h->used - h->copied) {
            h->over_limit = 1;
            return 0;
        }
    }
    h->copied += cost;
    return 1;
}

/* obj[key] as a pool string, or NULL when it is not a string. */
static const char *ssr__get_str(duk_context *ctx, duk_idx_t obj,
                                const char *key, apr_pool_t *p,
                                apr_size_t *len)
{
    const char *s, *out = NULL;
    duk_size_t n;
    apr_size_t dummy;

    duk_get_prop_string(ctx, obj, key);
    if (duk_is_string(ctx, -1)) {
        s = duk_get_lstring(ctx, -1, &n);
        if (ssr__copy_fits(ssr__heap_of(ctx), n)) {
            out = ssr_text_to_utf8(p, s, n, len ? len : &dummy);
        }
    }
    duk_pop(ctx);
    return out;
}

static int ssr__get_num(duk_context *ctx, duk_idx_t obj, const char *key,
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

/* A Duktape string value at idx as UTF-8 in the pool (never NULL). */
static const char *ssr__utf8_at(duk_context *ctx, duk_idx_t idx, apr_pool_t *p)
{
    duk_size_t n;
    apr_size_t len;
    const char *s = duk_safe_to_lstring(ctx, idx, &n);
    const char *out = NULL;

    if (ssr__copy_fits(ssr__heap_of(ctx), n)) {
        out = ssr_text_to_utf8(p, s, n, &len);
    }
    return out ? out : "";
}

/* Text that went through ssr_text_to_engine() (ssr__clean): pushed with
 * its length, so an embedded NUL stays part of the string. */
static void ssr__push_clean(duk_context *ctx, const ssr__text *t)
{
    duk_push_lstring(ctx, t->s, t->len);
}

/* obj[name] = value as an own, enumerable data property, whatever name is:
 * a plain assignment of "__proto__" would set the prototype instead. */
static void ssr__define(duk_context *ctx, duk_idx_t obj, const ssr__text *name,
                        const ssr__text *value)
{
    obj = duk_normalize_index(ctx, obj);
    ssr__push_clean(ctx, name);
    ssr__push_clean(ctx, value);
    duk_def_prop(ctx, obj, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WEC);
}

/* The error at the stack top as text (with its stack trace when it has
 * one), never throwing. */
#define SSR__ERROR_TEXT_MAX (64 * 1024)

static const char *ssr__error_text(duk_context *ctx, apr_pool_t *p)
{
    duk_size_t n;
    const char *s = duk_safe_to_stacktrace(ctx, -1);

    if (s == NULL) {
        return "unknown error";
    }
    /* An error's text is the bundle's to choose: a huge one is cut, at a
     * character boundary (it is logged, and a log line is smaller). */
    n = strlen(s);
    if (n > SSR__ERROR_TEXT_MAX) {
        n = SSR__ERROR_TEXT_MAX;
        while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80) {
            n--;
        }
        return apr_pstrcat(p, apr_pstrmemdup(p, s, n), " [...]", NULL);
    }
    return apr_pstrmemdup(p, s, n);
}

/* --- host functions ------------------------------------------------------- */

static ssr_heap_t *ssr__heap_of(duk_context *ctx)
{
    duk_memory_functions funcs;

    duk_get_memory_functions(ctx, &funcs);
    return funcs.udata;
}

/* console output is capped per render (and per heap creation): a bundle
 * logging in a loop must not fill the disk.  Lines are cut at
 * SSR__CONSOLE_LINE_MAX bytes, well under httpd's own 8 KB per error log
 * line (prefix included), so that the cut marker shows; once
 * SSR__CONSOLE_MAX bytes were logged,
 * further output is counted but not logged, and one line at the end says
 * how much was dropped (ssr__console_report). */
#define SSR__CONSOLE_MAX ((apr_size_t) 64 * 1024)
#define SSR__CONSOLE_LINE_MAX ((apr_size_t) 4 * 1024)

static duk_ret_t ssr__host_log(duk_context *ctx)
{
    ssr_heap_t *h = ssr__heap_of(ctx);
    int level = duk_to_int(ctx, 0);
    duk_size_t n;
    const char *msg = duk_safe_to_lstring(ctx, 1, &n);
    apr_size_t keep, room;
    char *cut;

    if (h->log == NULL) {
        return 0;
    }
    room = h->console_bytes < SSR__CONSOLE_MAX
         ? SSR__CONSOLE_MAX - h->console_bytes : 0;
    keep = n;
    if (keep > SSR__CONSOLE_LINE_MAX) {
        keep = SSR__CONSOLE_LINE_MAX;
    }
    if (keep > room) {
        keep = room;
    }
    if (keep == n) {
        h->console_bytes += n;
        h->log(h->log_baton, level, msg);
        return 0;
    }
    h->console_cut++;
    h->console_dropped += n - keep;
    if (keep == 0) {
        return 0;
    }
    /* Cut at a character boundary, and say so on the line itself. */
    while (keep > 0 && ((unsigned char) msg[keep] & 0xC0) == 0x80) {
        keep--;
    }
    cut = malloc(keep + 64);
    if (cut == NULL) {
        return 0;
    }
    memcpy(cut, msg, keep);
    snprintf(cut + keep, 64, " [... %lu bytes cut]",
             (unsigned long) (n - keep));
    h->console_bytes += keep;
    h->log(h->log_baton, level, cut);
    free(cut);
    return 0;
}

/* host.ioStart({ url, method, headers: [name, value, ...], body,
 * redirect }): the id of a started operation; throws a TypeError saying
 * why when there is no I/O source or it refused. */
static duk_ret_t ssr__host_io_start(duk_context *ctx)
{
    ssr_heap_t *h = ssr__heap_of(ctx);
    apr_pool_t *p = h->render_pool;
    apr_array_header_t *headers;
    ssr_io_request_t rq;
    const char *err = NULL, *redirect;
    duk_size_t i, n;
    int id;

    if (h->io == NULL || p == NULL) {
        return duk_type_error(ctx, "fetch is not available here: this "
                              "renderer has no network access");
    }
    memset(&rq, 0, sizeof(rq));
    duk_get_prop_string(ctx, 0, "url");
    rq.url = ssr__utf8_at(ctx, -1, p);
    duk_get_prop_string(ctx, 0, "method");
    rq.method = ssr__utf8_at(ctx, -1, p);
    duk_get_prop_string(ctx, 0, "redirect");
    redirect = ssr__utf8_at(ctx, -1, p);
    rq.redirect = strcmp(redirect, "manual") == 0 ? SSR_IO_REDIRECT_MANUAL
                : strcmp(redirect, "error") == 0 ? SSR_IO_REDIRECT_ERROR
                : SSR_IO_REDIRECT_FOLLOW;
    duk_get_prop_string(ctx, 0, "body");
    if (duk_is_string(ctx, -1)) {
        duk_size_t blen;
        const char *b = duk_get_lstring(ctx, -1, &blen);
        apr_size_t len = 0;

        rq.body = ssr__copy_fits(h, blen)
                  ? ssr_text_to_utf8(p, b, blen, &len) : NULL;
        rq.body_len = len;
        if (rq.body == NULL) {
            return duk_range_error(ctx, "fetch: the request body does not "
                                   "fit in the memory limit");
        }
    }
    duk_get_prop_string(ctx, 0, "headers");
    n = duk_is_array(ctx, -1) ? duk_get_length(ctx, -1) : 0;
    headers = apr_array_make(p, (int) (n / 2) + 1, sizeof(ssr_kv_t));
    for (i = 0; i + 1 < n; i += 2) {
        ssr_kv_t *kv = apr_array_push(headers);
        duk_get_prop_index(ctx, -1, (duk_uarridx_t) i);
        kv->name = ssr__utf8_at(ctx, -1, p);
        duk_get_prop_index(ctx, -2, (duk_uarridx_t) (i + 1));
        kv->value = ssr__utf8_at(ctx, -1, p);
        duk_pop_2(ctx);
    }
    rq.headers = (const ssr_kv_t *) headers->elts;
    rq.nheaders = headers->nelts;
    id = h->io->start(h->io->baton, &rq, &err);
    if (id <= 0) {
        return duk_type_error(ctx, "%s", err ? err : "fetch refused");
    }
    duk_push_int(ctx, id);
    return 1;
}

/* host.ioCancel(id): the transfer is stopped (its connection closed). */
static duk_ret_t ssr__host_io_cancel(duk_context *ctx)
{
    ssr_heap_t *h = ssr__heap_of(ctx);

    if (h->io != NULL) {
        h->io->cancel(h->io->baton, duk_to_int(ctx, 0));
    }
    return 0;
}

static void ssr__console_reset(ssr_heap_t *h)
{
    h->console_bytes = 0;
    h->console_dropped = 0;
    h->console_cut = 0;
}

/* One line for what the caps kept out of the log, if anything. */
static void ssr__console_report(ssr_heap_t *h, const char *during)
{
    char text[256];

    if (h->console_cut == 0 || h->log == NULL) {
        return;
    }
    snprintf(text, sizeof(text),
             "console output %s over the caps (%lu KB per render, %lu KB "
             "per line): %lu bytes of %d calls not logged", during,
             (unsigned long) (SSR__CONSOLE_MAX / 1024),
             (unsigned long) (SSR__CONSOLE_LINE_MAX / 1024),
             (unsigned long) h->console_dropped, h->console_cut);
    h->log(h->log_baton, SSR_LOG_WARNING, text);
    ssr__console_reset(h);
}

/* --- creating heaps ------------------------------------------------------- */

static void ssr__push_bytecode(duk_context *ctx, const void *bc,
                               apr_size_t len)
{
    duk_push_external_buffer(ctx);
    duk_config_buffer(ctx, -1, (void *) bc, (duk_size_t) len);
}

/* [ ] -> [ env ]: process.env and context.env. */
static void ssr__push_env(duk_context *ctx, const apr_array_header_t *env)
{
    int i;

    duk_push_object(ctx);
    for (i = 0; env && i < env->nelts; i++) {
        const ssr__pair *kv = &APR_ARRAY_IDX(env, i, ssr__pair);
        ssr__define(ctx, -1, &kv->name, &kv->value);
    }
}

/* [ ] -> [ ]: runs the runtime, then the bundle; keeps both handles in the
 * heap stash. */
static duk_ret_t ssr__init_heap(duk_context *ctx, void *udata)
{
    ssr_heap_t *h = udata;
    const ssr_bundle_t *b = h->bundle;

    ssr_collections_install(ctx);
    ssr_natives_register(ctx);
    duk_push_heap_stash(ctx);

    ssr__push_bytecode(ctx, b->runtime_bc, b->runtime_bc_len);
    duk_load_function(ctx);
    duk_push_object(ctx);
    duk_push_c_function(ctx, ssr__host_log, 2);
    duk_put_prop_string(ctx, -2, "log");
    duk_push_c_function(ctx, ssr__host_io_start, 1);
    duk_put_prop_string(ctx, -2, "ioStart");
    duk_push_c_function(ctx, ssr__host_io_cancel, 1);
    duk_put_prop_string(ctx, -2, "ioCancel");
    ssr__push_env(ctx, h->init_env);
    duk_call(ctx, 2);
    duk_put_prop_string(ctx, -2, SSR__RT_KEY);

    duk_get_prop_string(ctx, -1, SSR__RT_KEY);
    duk_push_string(ctx, "loadModule");
    ssr__push_bytecode(ctx, b->bundle_bc, b->bundle_bc_len);
    duk_load_function(ctx);
    duk_push_string(ctx, b->filename);
    duk_call_prop(ctx, -4, 2);
    duk_put_prop_string(ctx, -3, SSR__RENDER_KEY);
    duk_pop_2(ctx);
    return 0;
}

static ssr_heap_t *ssr__heap_new(const ssr_bundle_t *b,
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
    h->ctx = duk_create_heap(ssr__alloc, ssr__realloc, ssr__free, h,
                             ssr__fatal);
    if (h->ctx == NULL) {
        ssr__free_all_blocks(h);
        free(h);
        return NULL;
    }
    return h;
}

apr_status_t ssr_heap_create(const ssr_bundle_t *b, const ssr_heap_opts_t *opts,
                             apr_pool_t *p, ssr_heap_t **out, const char **err)
{
    return ssr_heap_create_until(b, opts, 0, p, out, err);
}

apr_status_t ssr_heap_create_until(const ssr_bundle_t *b,
                                   const ssr_heap_opts_t *opts,
                                   apr_time_t deadline, apr_pool_t *p,
                                   ssr_heap_t **out, const char **err)
{
    ssr_heap_t *volatile h;
    jmp_buf jb;
    apr_interval_time_t limit;
    duk_int_t rc;
    int timed_out;

    *out = NULL;
    ssr__stack_guard();
    h = ssr__heap_new(b, opts);
    if (h == NULL) {
        *err = "cannot create a JavaScript heap (out of memory, or "
               "SSRMemoryLimit too small)";
        return APR_ENOMEM;
    }
    limit = opts->eval_timeout > 0 ? opts->eval_timeout
                                   : SSR__DEFAULT_EVAL_TIMEOUT;
    if (setjmp(jb)) {
        *err = h->timed_out && deadline ? "evaluating the bundle did not "
                                          "finish by the render's deadline "
                                          "(SSRTimeout)"
             : h->timed_out ? "evaluating the bundle took too long"
             : h->over_limit ? "evaluating the bundle reached the memory "
                               "limit (SSRMemoryLimit)"
             : "Duktape fatal error while evaluating the bundle";
        timed_out = h->timed_out;
        ssr_heap_destroy(h);
        return timed_out ? APR_TIMEUP : APR_EGENERAL;
    }
    h->fatal_jmp = &jb;
    h->deadline = deadline ? deadline : apr_time_now() + limit;
    h->init_env = ssr__clean_pairs(p, opts->env);
    rc = duk_safe_call(h->ctx, ssr__init_heap, h, 0, 1);
    h->init_env = NULL;
    ssr__console_report(h, "while evaluating the bundle");
    if (rc != DUK_EXEC_SUCCESS) {
        if (h->timed_out && deadline) {
            *err = "evaluating the bundle did not finish by the render's "
                   "deadline (SSRTimeout)";
        }
        else if (h->timed_out) {
            *err = apr_psprintf(p, "evaluating the bundle took longer than "
                                "%" APR_TIME_T_FMT " ms",
                                apr_time_as_msec(limit));
        }
        else if (h->over_limit) {
            *err = "evaluating the bundle reached the memory limit";
        }
        else {
            *err = ssr__error_text(h->ctx, p);
        }
        timed_out = h->timed_out;
        h->fatal_jmp = NULL;
        ssr_heap_destroy(h);
        return timed_out ? APR_TIMEUP : APR_EGENERAL;
    }
    duk_pop(h->ctx);
    h->fatal_jmp = NULL;
    h->deadline = 0;
    h->first_deadline = deadline;
    h->baseline = h->used;
    *out = h;
    return APR_SUCCESS;
}

void ssr_heap_destroy(ssr_heap_t *h)
{
    jmp_buf jb;
    apr_size_t peak;

    if (h == NULL) {
        return;
    }
    ssr__stack_guard();
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
    peak = h->peak;
    ssr__free_all_blocks(h);
    free(h);
    ssr__give_back(peak);
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
static duk_ret_t ssr__compile(duk_context *ctx, void *udata)
{
    (void) udata;
    duk_compile(ctx, DUK_COMPILE_FUNCTION);
    duk_dump_function(ctx);
    return 1;
}

static apr_status_t ssr__compile_to(apr_pool_t *p, duk_context *ctx,
                                    const char *src, apr_size_t len,
                                    const char *filename, void **bc,
                                    apr_size_t *bc_len, const char **err)
{
    duk_size_t n;
    void *data;

    duk_push_lstring(ctx, src, len);
    duk_push_string(ctx, filename);
    if (duk_safe_call(ctx, ssr__compile, NULL, 2, 1) != DUK_EXEC_SUCCESS) {
        *err = ssr__error_text(ctx, p);
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
static const char ssr__cjs_head[] =
    "function (exports, require, module, __filename, __dirname) {";
static const char ssr__cjs_tail[] = "\n}";

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
    ssr__stack_guard();

    /* Compiling needs no limits of its own: a heap without a memory cap. */
    scratch_opts.memory_limit = 0;
    scratch = ssr__heap_new(b, &scratch_opts);
    if (scratch == NULL) {
        *err = "cannot create a JavaScript heap";
        return APR_ENOMEM;
    }
    rv = ssr__compile_to(p, scratch->ctx, ssr_runtime_js,
                         sizeof(ssr_runtime_js) - 1, "ssr_runtime.js",
                         &b->runtime_bc, &b->runtime_bc_len, err);
    if (rv == APR_SUCCESS) {
        wlen = sizeof(ssr__cjs_head) - 1 + len + sizeof(ssr__cjs_tail) - 1;
        wrapped = apr_palloc(p, wlen);
        memcpy(wrapped, ssr__cjs_head, sizeof(ssr__cjs_head) - 1);
        memcpy(wrapped + sizeof(ssr__cjs_head) - 1, source, len);
        memcpy(wrapped + wlen - (sizeof(ssr__cjs_tail) - 1), ssr__cjs_tail,
               sizeof(ssr__cjs_tail) - 1);
        rv = ssr__compile_to(p, scratch->ctx, wrapped, wlen, filename,
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

static void ssr__push_rt(duk_context *ctx)
{
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, SSR__RT_KEY);
    duk_remove(ctx, -2);
}

/* render()'s input, every string made safe for the engine. */
typedef struct {
    ssr__text url;
    ssr__text original_url;
    int has_manifest;
    ssr__text manifest;
    ssr__text method;
    ssr__text path;
    ssr__text query;
    ssr__text remote_addr;
    apr_array_header_t *headers;    /* ssr__pair */
} ssr__input;

static void ssr__input_make(apr_pool_t *p, const ssr_render_req_t *req,
                            ssr__input *in)
{
    in->url = ssr__clean(p, req->url);
    in->original_url = req->original_url ? ssr__clean(p, req->original_url)
                                         : in->url;
    in->has_manifest = req->manifest != NULL;
    if (in->has_manifest) {
        in->manifest = ssr__clean_n(p, req->manifest, req->manifest_len);
    }
    in->method = ssr__clean(p, req->method ? req->method : "GET");
    in->path = ssr__clean(p, req->path ? req->path : "/");
    in->query = ssr__clean(p, req->query);
    in->remote_addr = ssr__clean(p, req->remote_addr);
    in->headers = ssr__clean_pairs(p, req->headers);
}

static void ssr__put_text(duk_context *ctx, const char *key,
                          const ssr__text *t)
{
    ssr__push_clean(ctx, t);
    duk_put_prop_string(ctx, -2, key);
}

/* [ ] -> [ info ]: what the runtime makes context from. */
static void ssr__push_info(duk_context *ctx, const ssr__input *in)
{
    int i;

    duk_push_object(ctx);
    ssr__put_text(ctx, "method", &in->method);
    ssr__put_text(ctx, "url", &in->original_url);
    ssr__put_text(ctx, "path", &in->path);
    ssr__put_text(ctx, "query", &in->query);
    ssr__put_text(ctx, "remoteAddr", &in->remote_addr);
    duk_push_object(ctx);
    for (i = 0; i < in->headers->nelts; i++) {
        const ssr__pair *kv = &APR_ARRAY_IDX(in->headers, i, ssr__pair);
        ssr__define(ctx, -1, &kv->name, &kv->value);
    }
    duk_put_prop_string(ctx, -2, "headers");
}

static duk_ret_t ssr__begin(duk_context *ctx, void *udata)
{
    const ssr__input *in = udata;

    ssr__push_rt(ctx);
    duk_push_string(ctx, "begin");
    duk_push_heap_stash(ctx);
    duk_get_prop_string(ctx, -1, SSR__RENDER_KEY);
    duk_remove(ctx, -2);
    ssr__push_clean(ctx, &in->url);
    if (in->has_manifest) {
        ssr__push_clean(ctx, &in->manifest);
    }
    else {
        duk_push_undefined(ctx);
    }
    ssr__push_info(ctx, in);
    duk_call_prop(ctx, -6, 4);
    duk_pop_2(ctx);
    return 0;
}

static duk_ret_t ssr__call_rt(duk_context *ctx, void *udata)
{
    const char *method = udata;

    ssr__push_rt(ctx);
    duk_push_string(ctx, method);
    duk_call_prop(ctx, -2, 0);
    duk_remove(ctx, -2);
    return 1;
}

typedef struct {
    const char *name;
    const char *message;
} ssr__abort_reason;

static const ssr__abort_reason ssr__client_gone = {
    "AbortError", "the client disconnected"
};
static const ssr__abort_reason ssr__deadline = {
    "TimeoutError", "the render passed its deadline (SSRTimeout)"
};

static duk_ret_t ssr__abort(duk_context *ctx, void *udata)
{
    const ssr__abort_reason *why = udata;

    ssr__push_rt(ctx);
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
#define SSR__ABORT_GRACE apr_time_from_msec(50)

static void ssr__abort_at_deadline(ssr_heap_t *h)
{
    h->deadline = apr_time_now() + SSR__ABORT_GRACE;
    if (duk_safe_call(h->ctx, ssr__abort, (void *) &ssr__deadline, 0, 1)
        == DUK_EXEC_SUCCESS) {
        duk_pop(h->ctx);
        duk_safe_call(h->ctx, ssr__call_rt, "step", 0, 1);
    }
    duk_pop(h->ctx);
    h->timed_out = 1;
}

/* The client left while the render waited: code waiting on
 * context.signal gets the same short grace as at the deadline, and the
 * watch is off meanwhile so the interrupt check does not cut it short. */
static void ssr__abort_for_client(ssr_heap_t *h)
{
    apr_time_t grace_end = apr_time_now() + SSR__ABORT_GRACE;

    h->cancelled = NULL;
    if (h->deadline == 0 || h->deadline > grace_end) {
        h->deadline = grace_end;
    }
    duk_safe_call(h->ctx, ssr__abort, (void *) &ssr__client_gone, 0, 1);
    duk_pop(h->ctx);
}

/* Fills res when the render was stopped by a limit; 0 if it was not. */
static int ssr__stopped_by_limit(const ssr_heap_t *h, ssr_render_result_t *res)
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
    if (h->client_gone) {
        res->status = SSR_RENDER_ABORTED;
        res->detail = "the client went away during the render";
        return 1;
    }
    return 0;
}

/* Maps a failed protected call to why it failed. */
static void ssr__fail(ssr_heap_t *h, apr_pool_t *p, ssr_render_result_t *res)
{
    if (!ssr__stopped_by_limit(h, res)) {
        res->status = SSR_RENDER_THREW;
        res->error_message = ssr__error_text(h->ctx, p);
        res->detail = res->error_message;
    }
}

/* result.headers as the runtime flattened it: [name, value, ...]. */
static void ssr__read_headers(duk_context *ctx, duk_idx_t obj, apr_pool_t *p,
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
            kv->name = ssr__utf8_at(ctx, -1, p);
            duk_pop(ctx);
            duk_get_prop_index(ctx, -1, (duk_uarridx_t) (i + 1));
            kv->value = ssr__utf8_at(ctx, -1, p);
            duk_pop(ctx);
        }
    }
    duk_pop(ctx);
}

/* Fills res from the object rt.describe() returned (at the stack top). */
static void ssr__read_description(duk_context *ctx, apr_pool_t *p,
                                  ssr_render_result_t *res)
{
    const char *kind = ssr__get_str(ctx, -1, "kind", p, NULL);

    if (kind == NULL || strcmp(kind, "bad") == 0) {
        res->status = SSR_RENDER_BAD_VALUE;
        res->detail = ssr__get_str(ctx, -1, "detail", p, NULL);
        return;
    }
    if (strcmp(kind, "error") == 0) {
        res->status = SSR_RENDER_THREW;
        res->error_code = ssr__get_str(ctx, -1, "code", p, NULL);
        res->error_message = ssr__get_str(ctx, -1, "message", p, NULL);
        res->error_stack = ssr__get_str(ctx, -1, "stack", p, NULL);
        res->error_target = ssr__get_str(ctx, -1, "target", p, NULL);
        res->has_error_status = ssr__get_num(ctx, -1, "status",
                                             &res->error_status);
        res->detail = res->error_stack ? res->error_stack : res->error_message;
        return;
    }
    res->status = SSR_RENDER_OK;
    res->is_object = strcmp(kind, "object") == 0;
    duk_get_prop_string(ctx, -1, "stream");
    res->is_stream = duk_to_boolean(ctx, -1);
    duk_pop(ctx);
    res->html = ssr__get_str(ctx, -1, "html", p, &res->html_len);
    res->head = ssr__get_str(ctx, -1, "head", p, &res->head_len);
    res->has_status = ssr__get_num(ctx, -1, "status", &res->http_status);
    res->redirect = ssr__get_str(ctx, -1, "redirect", p, NULL);
    res->has_redirect_status = ssr__get_num(ctx, -1, "redirectStatus",
                                            &res->redirect_status);
    ssr__read_headers(ctx, -1, p, res);
}

/* Sleeps until the next timer, the deadline, or the client leaving,
 * whichever is first.  Returns 1 when the deadline has come. */
static int ssr__wait(ssr_heap_t *h, const ssr_render_req_t *req,
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
        if (slice > SSR__SLEEP_SLICE) {
            slice = SSR__SLEEP_SLICE;
        }
        if (h->io && h->io->active(h->io->baton) > 0) {
            /* The network and the timers together: back to the loop as
             * soon as a transfer finished. */
            if (h->io->wait(h->io->baton, slice)) {
                return h->deadline && apr_time_now() >= h->deadline;
            }
        }
        else {
            apr_sleep(slice);
        }
        if (!*aborted && req->cancelled && req->cancelled(req->cancel_baton)) {
            return 0;   /* the loop notices and aborts the signal */
        }
        now = apr_time_now();
    }
    return h->deadline && now >= h->deadline;
}

/* [ ] -> [ ]: rt.ioDone(id, result) for one finished operation. */
static duk_ret_t ssr__io_done(duk_context *ctx, void *udata)
{
    const ssr_io_result_t *r = udata;
    ssr_heap_t *h = ssr__heap_of(ctx);
    apr_pool_t *p = h->render_pool;
    ssr__text t;
    int i;

    ssr__push_rt(ctx);
    duk_push_string(ctx, "ioDone");
    duk_push_int(ctx, r->id);
    duk_push_object(ctx);
    if (r->failed) {
        t = ssr__clean(p, r->error);
        ssr__put_text(ctx, "error", &t);
    }
    else {
        duk_push_int(ctx, r->status);
        duk_put_prop_string(ctx, -2, "status");
        t = ssr__clean(p, r->status_text);
        ssr__put_text(ctx, "statusText", &t);
        t = ssr__clean(p, r->url);
        ssr__put_text(ctx, "url", &t);
        duk_push_boolean(ctx, r->redirected);
        duk_put_prop_string(ctx, -2, "redirected");
        duk_push_array(ctx);
        for (i = 0; r->headers && i < r->headers->nelts; i++) {
            const ssr_kv_t *kv = &APR_ARRAY_IDX(r->headers, i, ssr_kv_t);
            t = ssr__clean(p, kv->name);
            ssr__push_clean(ctx, &t);
            duk_put_prop_index(ctx, -2, (duk_uarridx_t) (2 * i));
            t = ssr__clean(p, kv->value);
            ssr__push_clean(ctx, &t);
            duk_put_prop_index(ctx, -2, (duk_uarridx_t) (2 * i + 1));
        }
        duk_put_prop_string(ctx, -2, "headers");
        t = ssr__clean_n(p, r->body ? r->body : "", r->body_len);
        ssr__put_text(ctx, "body", &t);
    }
    duk_call_prop(ctx, -4, 2);
    duk_pop_2(ctx);
    return 0;
}

/* Hands every finished operation to JavaScript; its promise callbacks
 * run in the next step.  Non-zero when that failed (res filled). */
static int ssr__deliver(ssr_heap_t *h, apr_pool_t *p, ssr_render_result_t *res)
{
    ssr_io_result_t r;

    if (h->io == NULL) {
        return 0;
    }
    memset(&r, 0, sizeof(r));
    while (h->io->next(h->io->baton, &r)) {
        if (duk_safe_call(h->ctx, ssr__io_done, &r, 0, 1)
            != DUK_EXEC_SUCCESS) {
            ssr__fail(h, p, res);
            duk_pop(h->ctx);
            return 1;
        }
        duk_pop(h->ctx);
        memset(&r, 0, sizeof(r));
    }
    return 0;
}

/* --- stream results -------------------------------------------------------- */

static duk_ret_t ssr__take(duk_context *ctx, void *udata)
{
    (void) udata;
    ssr__push_rt(ctx);
    duk_push_string(ctx, "take");
    duk_call_prop(ctx, -2, 0);
    duk_remove(ctx, -2);
    return 1;
}

static void ssr__append(apr_array_header_t *a, const char *data,
                        apr_size_t len)
{
    if ((apr_size_t) (a->nalloc - a->nelts) < len + 1) {
        apr_size_t want = (apr_size_t) a->nalloc * 2 + len + 1;
        char *grown = apr_palloc(a->pool, want);

        memcpy(grown, a->elts, (apr_size_t) a->nelts);
        a->elts = grown;
        a->nalloc = (int) want;
    }
    memcpy(a->elts + a->nelts, data, len);
    a->nelts += (int) len;
}

/* The first chunk is there: the response may begin (stream_begin).
 * Returns non-zero when res was filled with a failure. */
static int ssr__stream_begin(ssr_heap_t *h, apr_pool_t *p,
                             const ssr_render_req_t *req,
                             ssr_render_result_t *res)
{
    ssr_render_result_t meta;
    apr_status_t rv;

    memset(&meta, 0, sizeof(meta));
    if (duk_safe_call(h->ctx, ssr__call_rt, "describe", 0, 1)
        != DUK_EXEC_SUCCESS) {
        ssr__fail(h, p, res);
        duk_pop(h->ctx);
        return 1;
    }
    ssr__read_description(h->ctx, p, &meta);
    duk_pop(h->ctx);
    rv = req->stream_begin(req->stream_baton, &meta);
    if (rv == APR_SUCCESS) {
        res->streamed = 1;
        return 0;
    }
    if (rv == APR_ENOTIMPL) {
        h->collected = apr_array_make(p, 4096, 1);
        return 0;
    }
    res->status = SSR_RENDER_ABORTED;
    res->detail = "the client went away during the render";
    return 1;
}

/* Hands the chunks a stream result has queued to the sink, or keeps them
 * for html.  Text is converted in a scratch pool per batch: the sink
 * copies what it keeps, so a long stream costs no more than its largest
 * batch.  Returns non-zero when res was filled with a failure. */
static int ssr__stream_out(ssr_heap_t *h, apr_pool_t *p,
                           const ssr_render_req_t *req,
                           ssr_render_result_t *res)
{
    duk_context *ctx = h->ctx;
    apr_pool_t *scratch;
    int failed = 0;

    if (req->stream_chunk && !res->streamed && h->collected == NULL &&
        ssr__stream_begin(h, p, req, res)) {
        return 1;
    }
    if (h->collected == NULL && !res->streamed) {
        h->collected = apr_array_make(p, 4096, 1);  /* no sink: collect */
    }
    apr_pool_create(&scratch, p);
    while (!failed) {
        const char *data = NULL;
        duk_size_t n = 0;
        apr_size_t len = 0;

        if (duk_safe_call(ctx, ssr__take, NULL, 0, 1) != DUK_EXEC_SUCCESS) {
            ssr__fail(h, p, res);
            duk_pop(ctx);
            failed = 1;
            break;
        }
        if (duk_is_undefined(ctx, -1)) {
            duk_pop(ctx);
            break;
        }
        if (duk_is_buffer_data(ctx, -1)) {
            data = duk_get_buffer_data(ctx, -1, &n);
            len = n;
        }
        else {
            const char *s = duk_safe_to_lstring(ctx, -1, &n);
            /* kept for html: a copy the memory limit must allow */
            if (res->streamed || ssr__copy_fits(h, n)) {
                data = ssr_text_to_utf8(scratch, s, n, &len);
            }
            else {
                ssr__stopped_by_limit(h, res);
                failed = 1;
            }
        }
        if (!failed && len > 0) {
            if (!res->streamed) {
                ssr__append(h->collected, data, len);
            }
            else if (req->stream_chunk(req->stream_baton, data, len)
                     != APR_SUCCESS) {
                res->status = SSR_RENDER_ABORTED;
                res->detail = "the client went away during the render";
                failed = 1;
            }
        }
        duk_pop(ctx);
    }
    apr_pool_destroy(scratch);
    if (!failed && res->streamed &&
        req->stream_chunk(req->stream_baton, NULL, 0) != APR_SUCCESS) {
        res->status = SSR_RENDER_ABORTED;
        res->detail = "the client went away during the render";
        failed = 1;
    }
    return failed;
}

/* Runs the event loop until the render settles, fails or runs out of
 * time.  Returns non-zero when res was filled with a failure. */
static int ssr__drive(ssr_heap_t *h, apr_pool_t *p,
                      const ssr_render_req_t *req, ssr_render_result_t *res,
                      int *aborted)
{
    duk_context *ctx = h->ctx;
    double next;

    for (;;) {
        /* Before running JavaScript again: a client that left while the
         * render waited gets its signal aborted, not the render cut off. */
        if (!*aborted && req->cancelled && req->cancelled(req->cancel_baton)) {
            ssr__abort_for_client(h);
            *aborted = 1;
        }
        if (ssr__deliver(h, p, res)) {
            return 1;
        }
        if (duk_safe_call(ctx, ssr__call_rt, "step", 0, 1) != DUK_EXEC_SUCCESS) {
            ssr__fail(h, p, res);
            duk_pop(ctx);
            return 1;
        }
        next = duk_get_number(ctx, -1);
        duk_pop(ctx);
        if (next == -4) {
            if (ssr__stream_out(h, p, req, res)) {
                return 1;
            }
            continue;   /* a stream result's chunks: handed on, go on */
        }
        if (next == -2 || next == -3) {
            return 0;   /* settled, or an uncaught error: describe() says */
        }
        if (next < 0 && h->io && h->io->active(h->io->baton) > 0) {
            next = 1e9;     /* no timer, but the network may settle it */
        }
        if (next < 0) {
            res->status = SSR_RENDER_UNSETTLED;
            res->detail = "the render's promise never settled: no timers or "
                          "jobs were left to settle it";
            return 1;
        }
        if (ssr__wait(h, req, next, aborted)) {
            ssr__abort_at_deadline(h);
            ssr__fail(h, p, res);
            return 1;
        }
    }
}

/* The render is over: whatever it left running is stopped (the servers
 * see their connections closed).  Non-zero when something was. */
static int ssr__io_end(ssr_heap_t *h)
{
    int left = 0;

    if (h->io != NULL) {
        left = h->io->active(h->io->baton);
        h->io->close(h->io->baton);
    }
    h->io = NULL;
    h->render_pool = NULL;
    return left > 0;
}

static void ssr__check_pending(ssr_heap_t *h)
{
    if (duk_safe_call(h->ctx, ssr__call_rt, "pending", 0, 1) != DUK_EXEC_SUCCESS ||
        duk_get_number(h->ctx, -1) > 0) {
        /* Work left over would run during the next request's render. */
        h->unusable = 1;
    }
    duk_pop(h->ctx);
}

/* Renders leave cyclic garbage that only Duktape's mark-and-sweep frees,
 * and it runs by allocation count, not heap size: a reused heap can grow to
 * many times its live size, and then one collection pauses a render for
 * hundreds of milliseconds.  Collecting once the heap has grown 4 MB past
 * its live size (what it held after creation or the last collection) keeps
 * both the heap and the pauses small: on the React example, against
 * "twice the size after creation + 16 MB", peak memory fell by half and
 * the slowest render by a third, at no cost in CPU. */
#define SSR__GC_SLACK ((apr_size_t) 4 * 1024 * 1024)

static void ssr__collect_if_grown(ssr_heap_t *h)
{
    if (h->used > h->baseline + SSR__GC_SLACK) {
        duk_gc(h->ctx, 0);
        h->baseline = h->used;
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
    ssr__stack_guard();
    /* A heap made for this request: making it and rendering share the
     * request's deadline. */
    if (h->renders == 0 && h->first_deadline &&
        (req->deadline == 0 || h->first_deadline < req->deadline)) {
        h->deadline = h->first_deadline;
    }
    else {
        h->deadline = req->deadline;
    }
    h->first_deadline = 0;
    h->renders++;
    h->refusals = 0;
    h->copied = 0;
    h->copy_gc = 0;
    ssr__console_reset(h);
    h->log = req->log ? req->log : h->opts.log;
    h->log_baton = req->log ? req->log_baton : h->opts.log_baton;
    h->cancelled = req->cancelled;
    h->cancel_baton = req->cancel_baton;
    h->io = req->io;
    h->render_pool = p;
    h->collected = NULL;

    if (setjmp(jb)) {
        if (!ssr__stopped_by_limit(h, res)) {
            res->status = SSR_RENDER_FATAL;
            res->detail = "Duktape fatal error during the render";
        }
        ssr__console_report(h, "of this render");
        h->log = h->opts.log;
        h->log_baton = h->opts.log_baton;
        res->elapsed = apr_time_now() - start;
        h->fatal_jmp = NULL;
        h->cancelled = NULL;
        ssr__io_end(h);
        return APR_EGENERAL;
    }
    h->fatal_jmp = &jb;

    {
        ssr__input in;

        ssr__input_make(p, req, &in);
        if (duk_safe_call(h->ctx, ssr__begin, &in, 0, 1)
            != DUK_EXEC_SUCCESS) {
            ssr__fail(h, p, res);
            failed = 1;
        }
        duk_pop(h->ctx);
    }
    if (!failed) {
        failed = ssr__drive(h, p, req, res, &aborted);
    }
    if (!failed) {
        if (duk_safe_call(h->ctx, ssr__call_rt, "describe", 0, 1) != DUK_EXEC_SUCCESS) {
            ssr__fail(h, p, res);
        }
        else {
            ssr__read_description(h->ctx, p, res);
            if (res->status == SSR_RENDER_OK && h->collected) {
                /* a stream read to its end: its text is the html */
                res->html_len = (apr_size_t) h->collected->nelts;
                *(char *) apr_array_push(h->collected) = '\0';
                res->html = h->collected->elts;
            }
            if (h->over_limit) {
                /* The copies of the result did not fit (ssr__copy_fits). */
                res->status = SSR_RENDER_NOMEM;
                res->detail = "the render's result does not fit in the "
                              "memory limit (SSRMemoryLimit) next to its heap";
            }
        }
        duk_pop(h->ctx);
    }
    if (aborted) {
        /* Whatever ended it after that, nobody is waiting for the page. */
        res->status = SSR_RENDER_ABORTED;
        res->detail = "the client went away during the render";
    }
    if (res->status == SSR_RENDER_OK) {
        ssr__check_pending(h);
        ssr__collect_if_grown(h);
    }
    else {
        h->unusable = 1;
    }
    if (ssr__io_end(h)) {
        h->unusable = 1;    /* fetches left would settle in a later render */
    }
    ssr__console_report(h, "of this render");
    h->fatal_jmp = NULL;
    h->deadline = 0;
    h->cancelled = NULL;
    h->log = h->opts.log;
    h->log_baton = h->opts.log_baton;
    res->elapsed = apr_time_now() - start;
    return res->status == SSR_RENDER_OK ? APR_SUCCESS : APR_EGENERAL;
}
