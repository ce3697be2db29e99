/*
 * check_engine.c -- tests of the Duktape engine (ssr_engine.c): compiling
 * bundles, the host runtime, the render loop and its limits.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "check_suites.h"
#include "ssr_engine.h"

static apr_pool_t *pool;

/* Upper bounds on wall time are for optimised code on a quiet machine: a
 * sanitized build (make check-asan) runs several times slower and sets
 * SSR_TEST_TIME_SCALE to stretch them. */
static apr_interval_time_t slack(apr_interval_time_t t)
{
    const char *s = getenv("SSR_TEST_TIME_SCALE");
    int k = s ? atoi(s) : 1;

    return k > 1 ? t * k : t;
}
static char logged[4096];
static int cancel_now;
static apr_time_t cancel_at;     /* cancelled from then on; 0 = never */

static void capture_log(void *baton, int level, const char *msg)
{
    apr_size_t used = strlen(logged);

    apr_snprintf(logged + used, sizeof(logged) - used, "%d:%s\n", level, msg);
}

static int is_cancelled(void *baton)
{
    return cancel_now || (cancel_at && apr_time_now() >= cancel_at);
}

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
    logged[0] = '\0';
    cancel_now = 0;
    cancel_at = 0;
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

static ssr_heap_opts_t opts_with(apr_size_t memory_limit)
{
    ssr_heap_opts_t o;
    apr_array_header_t *env = apr_array_make(pool, 1, sizeof(ssr_kv_t));
    ssr_kv_t *kv = apr_array_push(env);

    kv->name = "GREETING";
    kv->value = "hello";
    memset(&o, 0, sizeof(o));
    o.memory_limit = memory_limit;
    o.env = env;
    o.log = capture_log;
    return o;
}

static apr_status_t compile(const char *src, ssr_bundle_t **b,
                            const char **err)
{
    ssr_heap_opts_t o = opts_with(0);

    return ssr_bundle_compile(pool, src, strlen(src), "/app/entry-server.js",
                              &o, b, err);
}

static ssr_heap_t *heap_for(const char *src, apr_size_t memory_limit)
{
    ssr_bundle_t *b;
    ssr_heap_t *h;
    const char *err = NULL;
    ssr_heap_opts_t o = opts_with(memory_limit);

    ck_assert_msg(compile(src, &b, &err) == APR_SUCCESS, "compile: %s", err);
    ck_assert_msg(ssr_heap_create(b, &o, pool, &h, &err) == APR_SUCCESS,
                  "create: %s", err);
    return h;
}

static void request(ssr_render_req_t *req, const char *url,
                    apr_interval_time_t timeout)
{
    memset(req, 0, sizeof(*req));
    req->url = url;
    req->method = "GET";
    req->path = "/x";
    req->query = "a=1";
    req->remote_addr = "127.0.0.1";
    req->deadline = apr_time_now() + timeout;
    req->cancelled = is_cancelled;
    req->log = capture_log;
}

static ssr_render_status_e render(ssr_heap_t *h, const char *url,
                                  apr_interval_time_t timeout,
                                  ssr_render_result_t *res)
{
    ssr_render_req_t req;

    request(&req, url, timeout);
    ssr_heap_render(h, pool, &req, res);
    return res->status;
}

#define ONE_SEC apr_time_from_sec(1)

/* One render of src's render() in a new heap gives expected. */
static void assert_renders(const char *src, const char *expected)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(src, 0);

    ck_assert_int_eq(render(h, "", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_str_eq(res.html, expected);
    ssr_heap_destroy(h);
}

START_TEST(compile_syntax_error_is_reported)
{
    ssr_bundle_t *b = NULL;
    const char *err = NULL;

    ck_assert_int_ne(compile("module.exports.render = function ( {", &b, &err),
                     APR_SUCCESS);
    ck_assert_ptr_null(b);
    ck_assert_ptr_nonnull(strstr(err, "SyntaxError"));
}
END_TEST

START_TEST(compile_requires_render_export)
{
    ssr_bundle_t *b = NULL;
    const char *err = NULL;

    ck_assert_int_ne(compile("module.exports.other = 1;", &b, &err),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err, "render"));
}
END_TEST

START_TEST(compile_reports_top_level_throw)
{
    ssr_bundle_t *b = NULL;
    const char *err = NULL;

    ck_assert_int_ne(compile("throw new Error('top-level failure');", &b, &err),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err, "top-level failure"));
}
END_TEST

START_TEST(require_throws_a_clear_error)
{
    ssr_bundle_t *b = NULL;
    const char *err = NULL;

    ck_assert_int_ne(compile("var react = require('react');"
                             "exports.render = function () { return ''; };",
                             &b, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err, "require('react') is not available"));
}
END_TEST

START_TEST(string_result_is_html)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for("exports.render = function (url, m, ctx) {"
                             "  return '<p>' + url + '|' + ctx.query + '|' +"
                             "    ctx.method + '|' + (m === undefined) + '</p>';"
                             "};", 0);

    ck_assert_int_eq(render(h, "about", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_int_eq(res.is_object, 0);
    ck_assert_str_eq(res.html, "<p>about|a=1|GET|true</p>");
    ck_assert_ptr_null(res.head);
    ck_assert(ssr_heap_reusable(h));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(object_result_fields)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "module.exports.render = function () {"
        "  return { html: 'H', head: '<title>t</title>', status: 404,"
        "    headers: { 'X-One': '1', 'Set-Cookie': ['a=1', 'b=2'] },"
        "    redirect: { url: '/next', status: 301 } };"
        "};", 0);

    ck_assert_int_eq(render(h, "", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_int_eq(res.is_object, 1);
    ck_assert_str_eq(res.html, "H");
    ck_assert_str_eq(res.head, "<title>t</title>");
    ck_assert(res.has_status && res.http_status == 404);
    ck_assert_str_eq(res.redirect, "/next");
    ck_assert(res.has_redirect_status && res.redirect_status == 301);
    ck_assert_int_eq(res.headers->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(res.headers, 1, ssr_kv_t).name, "Set-Cookie");
    ck_assert_str_eq(APR_ARRAY_IDX(res.headers, 2, ssr_kv_t).value, "b=2");
    ssr_heap_destroy(h);
}
END_TEST

/* A stream result, over two turns of the event loop. */
static const char stream_bundle[] =
    "module.exports.render = function (url) {"
    "  var enc = new TextEncoder();"
    "  var s = new ReadableStream({ start: function (c) {"
    "    c.enqueue('<p>shell</p>');"
    "    c.enqueue(enc.encode('caf\\u00e9'));"
    "    setTimeout(function () { c.enqueue('<p>rest</p>'); c.close(); }, 5);"
    "  } });"
    "  return url === 'obj' ? { html: s, head: '<title>t</title>', status: 201 } : s;"
    "};";

typedef struct {
    int begun;
    int batches;
    int begin_status;
    const char *begin_head;
    char out[256];
} sink_t;

static apr_status_t sink_begin(void *baton, const ssr_render_result_t *res)
{
    sink_t *k = baton;

    k->begun++;
    k->begin_status = res->has_status ? (int) res->http_status : 0;
    k->begin_head = res->head ? apr_pstrdup(pool, res->head) : NULL;
    return APR_SUCCESS;
}

static apr_status_t sink_chunk(void *baton, const char *data, apr_size_t len)
{
    sink_t *k = baton;

    if (data == NULL) {
        k->batches++;
    }
    else {
        strncat(k->out, data, len);
    }
    return APR_SUCCESS;
}

START_TEST(stream_result_is_collected_without_a_sink)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(stream_bundle, 0);

    ck_assert_int_eq(render(h, "", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_int_eq(res.is_stream, 1);
    ck_assert_int_eq(res.streamed, 0);
    ck_assert_str_eq(res.html, "<p>shell</p>caf\xc3\xa9<p>rest</p>");
    /* no head given: the placeholder stays, as the streaming servers do */
    ck_assert_str_eq(res.head, "<!--app-head-->");
    ck_assert(ssr_heap_reusable(h));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(stream_result_goes_to_the_sink_as_it_comes)
{
    ssr_render_result_t res;
    ssr_render_req_t req;
    sink_t k;
    ssr_heap_t *h = heap_for(stream_bundle, 0);

    memset(&k, 0, sizeof(k));
    request(&req, "obj", ONE_SEC);
    req.stream_begin = sink_begin;
    req.stream_chunk = sink_chunk;
    req.stream_baton = &k;
    ssr_heap_render(h, pool, &req, &res);
    ck_assert_int_eq(res.status, SSR_RENDER_OK);
    ck_assert_int_eq(res.streamed, 1);
    ck_assert_int_eq(k.begun, 1);
    ck_assert_int_eq(k.begin_status, 201);
    ck_assert_str_eq(k.begin_head, "<title>t</title>");
    ck_assert_str_eq(k.out, "<p>shell</p>caf\xc3\xa9<p>rest</p>");
    ck_assert_int_eq(k.batches, 2);     /* the shell, then the rest */
    ck_assert(res.html == NULL);
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(promise_and_timers_are_driven)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  var order = [];"
        "  queueMicrotask(function () { order.push('micro'); });"
        "  return new Promise(function (resolve) {"
        "    setTimeout(function () { order.push('t30'); resolve(order.join(',')); }, 30);"
        "    setTimeout(function () { order.push('t5');"
        "      Promise.resolve().then(function () { order.push('then'); }); }, 5);"
        "  });"
        "};", 0);
    apr_time_t t0 = apr_time_now();

    ck_assert_int_eq(render(h, "", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_str_eq(res.html, "micro,t5,then,t30");
    /* Timers run in real time (Date.now() has 1 ms steps: allow for it). */
    ck_assert_int_ge(apr_time_now() - t0, apr_time_from_msec(28));
    ck_assert(ssr_heap_reusable(h));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(thrown_error_properties)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  var e = new Error('gone'); e.code = 'LOADER_REDIRECT';"
        "  e.target = '/login'; e.status = 307;"
        "  return Promise.reject(e);"
        "};", 0);

    ck_assert_int_eq(render(h, "", ONE_SEC, &res), SSR_RENDER_THREW);
    ck_assert_str_eq(res.error_code, "LOADER_REDIRECT");
    ck_assert_str_eq(res.error_target, "/login");
    ck_assert(res.has_error_status && res.error_status == 307);
    ck_assert_ptr_nonnull(strstr(res.error_message, "gone"));
    /* A failed render never leaves its heap in service. */
    ck_assert(!ssr_heap_reusable(h));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(infinite_loop_stops_at_deadline)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  for (;;) { try { while (true) {} } catch (e) { /* swallow */ } }"
        "};", 0);
    apr_time_t t0 = apr_time_now();

    ck_assert_int_eq(render(h, "", apr_time_from_msec(200), &res),
                     SSR_RENDER_TIMEOUT);
    ck_assert_int_lt(apr_time_now() - t0, slack(apr_time_from_msec(1500)));
    ck_assert(!ssr_heap_reusable(h));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(timer_spin_stops_at_deadline)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  return new Promise(function () {"
        "    (function again() { setTimeout(again, 0); })();"
        "  });"
        "};", 0);

    ck_assert_int_eq(render(h, "", apr_time_from_msec(200), &res),
                     SSR_RENDER_TIMEOUT);
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(long_native_calls_stop_near_the_deadline)
{
    ssr_render_result_t res;
    /* Each join is one bytecode instruction that runs for milliseconds:
     * the instruction-count check alone would let this run for seconds. */
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  for (;;) { new Array(100000).join('x'); }"
        "};", 0);
    apr_time_t t0 = apr_time_now();

    ck_assert_int_eq(render(h, "", apr_time_from_msec(200), &res),
                     SSR_RENDER_TIMEOUT);
    ck_assert_int_lt(apr_time_now() - t0, slack(apr_time_from_msec(1000)));
    ck_assert(!ssr_heap_reusable(h));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(memory_limit_fails_the_render)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  var keep = [];"
        "  for (;;) { try { keep.push(new Array(4096).join('x') + keep.length); }"
        "             catch (e) { /* try to carry on */ } }"
        "};", 8 * 1024 * 1024);

    apr_time_t t0 = apr_time_now();

    ck_assert_int_eq(render(h, "", apr_time_from_sec(20), &res), SSR_RENDER_NOMEM);
    /* Stopped once Duktape's collections cannot help (about 30 collections
     * of the full heap), not after rounds of caught RangeErrors (~19 s). */
    ck_assert_int_lt(apr_time_now() - t0, slack(apr_time_from_sec(5)));
    ck_assert(!ssr_heap_reusable(h));
    ck_assert_uint_le(ssr_heap_memory(h), 8 * 1024 * 1024);
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(never_settling_promise_fails)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () { return new Promise(function () {}); };",
        0);
    apr_time_t t0 = apr_time_now();

    ck_assert_int_eq(render(h, "", apr_time_from_sec(5), &res),
                     SSR_RENDER_UNSETTLED);
    /* Nothing can settle it, so there is no point waiting for the deadline. */
    ck_assert_int_lt(apr_time_now() - t0, slack(apr_time_from_sec(1)));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(pending_timers_retire_the_heap)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () { setTimeout(function () {}, 10000);"
        "  return 'ok'; };", 0);

    ck_assert_int_eq(render(h, "", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_str_eq(res.html, "ok");
    ck_assert(!ssr_heap_reusable(h));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(module_state_persists_in_one_heap)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "var n = 0; exports.render = function () { return 'n=' + (++n); };", 0);

    render(h, "", ONE_SEC, &res);
    render(h, "", ONE_SEC, &res);
    ck_assert_str_eq(res.html, "n=2");
    ck_assert_int_eq(ssr_heap_renders(h), 2);
    ssr_heap_destroy(h);
}
END_TEST

/* Object literals as ES2015 defines them: the engine fills them without
 * duk_def_prop (duk-patches/mputobj-fast.patch).  Duplicate keys keep the
 * first one's place and the last value, a data property replaces a getter
 * and the other way round, inherited setters are not called, symbols,
 * computed and integer-like keys, more keys than an object looks up
 * without a hash. */
START_TEST(object_literals_define_own_properties)
{
    assert_renders(
        "exports.render = function () {"
        "  var out = [], calls = 0;"
        "  Object.defineProperty(Object.prototype, 'trap',"
        "    { set: function (v) { calls++; }, configurable: true });"
        "  var a = { x: 1, y: 2, x: 3 };"
        "  out.push(Object.keys(a).join() + '=' + a.x);"
        "  var b = { get g() { return 1; }, g: 2 };"
        "  var db = Object.getOwnPropertyDescriptor(b, 'g');"
        "  out.push(('value' in db) + ':' + db.value + ':' + db.writable +"
        "    db.enumerable + db.configurable);"
        "  var c = { g: 2, get g() { return 5; } };"
        "  out.push(c.g + ':' + ('get' in Object.getOwnPropertyDescriptor(c, 'g')));"
        "  var s = Symbol('k'), d = { [s]: 'sym', plain: 1 };"
        "  out.push(d[s] + ':' + Object.keys(d).join() + ':' +"
        "    Object.getOwnPropertySymbols(d).length);"
        "  var e = { trap: 7 };"
        "  out.push(e.trap + ':' + calls + ':' +"
        "    Object.prototype.hasOwnProperty.call(e, 'trap'));"
        "  var big = { k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7,"
        "    k8: 8, k9: 9, k10: 10, k11: 11, k3: 33, k11: 111 };"
        "  out.push(Object.keys(big).join() + '=' + big.k3 + ',' + big.k11);"
        "  out.push(Object.keys({ b: 1, 2: 'two', 1: 'one', '01': 'z' }).join());"
        "  var k = 'dyn', g = { [k + 1]: 1, [k + 1]: 2, set w(v) {}, w: 5 };"
        "  out.push(JSON.stringify(g) + ':' + Object.keys(g).join());"
        "  delete Object.prototype.trap;"
        "  return out.join('|');"
        "};",
        "x,y=3|true:2:truetruetrue|5:true|"
                     "sym:plain:1|7:0:true|"
                     "k0,k1,k2,k3,k4,k5,k6,k7,k8,k9,k10,k11=33,111|"
                     "1,2,b,01|{\"dyn1\":2,\"w\":5}:dyn1,w");
}
END_TEST

/* Named property reads (duk-patches/named-props.patch): inherited data and
 * accessors with the receiver as this, objects without prototype, the
 * virtual 'length' of arrays, string objects and typed arrays, proxies as
 * receiver and in the chain, arguments, functions' own properties, symbols,
 * primitives' prototypes. */
START_TEST(named_property_reads_follow_the_prototype_chain)
{
    assert_renders(
        "exports.render = function () {\n"
        "  var out = [];\n"
        "  var proto = { inh: 1, get acc() { return \"acc:\" + this.own; } };\n"
        "  var o = Object.create(proto); o.own = \"O\";\n"
        "  out.push(o.inh, o.acc, o.own, o.missing, typeof o.toString, o.hasOwnProperty(\"own\"));\n"
        "  var nul = Object.create(null); nul.x = 2; out.push(nul.x, nul.toString);\n"
        "  var arr = [1, 2, 3]; arr.extra = \"e\";\n"
        "  out.push(arr.length, arr.extra, typeof arr.push, arr[\"1\"], arr[1]);\n"
        "  var so = new String(\"abc\"); so.named = \"n\"; out.push(so.length, so.named, so[\"1\"], typeof so.charAt);\n"
        "  var ta = new Uint8Array(4); out.push(ta.length, ta.byteLength, typeof ta.subarray);\n"
        "  var px = new Proxy({ t: 1 }, { get: function (t, k) { return \"trap:\" + String(k); } });\n"
        "  out.push(px.t, px.zz);\n"
        "  var child = Object.create(px); out.push(child.t, child.zz);\n"
        "  function f(a, b) { return arguments.length + \":\" + arguments[0] + \":\" + typeof arguments.callee; }\n"
        "  out.push(f(7, 8));\n"
        "  out.push(typeof f.caller, f.name, f.length);\n"
        "  var shadow = Object.create(proto); Object.defineProperty(shadow, \"inh\", { value: \"sh\", enumerable: false });\n"
        "  out.push(shadow.inh);\n"
        "  var s = Symbol(\"s\"); var withSym = {}; withSym[s] = \"sy\"; out.push(withSym[s]);\n"
        "  var g = Object.create({ get onlyset() { return undefined; }, set onlyset(v) {} }); out.push(g.onlyset);\n"
        "  var ws = Object.create(Object.create(Object.create({ deep: \"d\" }))); out.push(ws.deep);\n"
        "  out.push(JSON.stringify({ a: [1, { b: 2 }] }), Math.max.name, Array.prototype.slice.length);\n"
        "  var fn = function () {}; fn.prototype.z = 3; out.push(new fn().z, (function () { return typeof this; }).call(5));\n"
        "  out.push((5).toFixed(1), \"str\".length, \"str\".toUpperCase(), true.toString());\n"
        "  return out.join(\"|\");\n"
        "};\n",
        "1|acc:O|O||function|true|2||3|e|function|2|2|3|n|b|function|"
                     "4|4|function|trap:t|trap:zz|||2:7:function|undefined|f|2|sh|"
                     "sy||d|{\"a\":[1,{\"b\":2}]}|max|2|3|object|5.0|3|STR|true");
}
END_TEST

/* Named property writes (duk-patches/named-props.patch): update in place,
 * new keys, read-only own and inherited properties in strict and sloppy
 * code, inherited setters called with the receiver, getters without
 * setter, non-extensible and frozen objects, array length, proxies as
 * receiver and in the chain, shadowing, functions' name and caller,
 * string objects' length, symbols, hashed objects. */
START_TEST(named_property_writes_keep_their_checks)
{
    assert_renders(
        "exports.render = function () {\n"
        "  \"use strict\";\n"
        "  var out = [];\n"
        "  function tryit(f) { try { return f(); } catch (e) { return e.name; } }\n"
        "  var o = { a: 1 }; o.a = 2; o.b = 3; out.push(JSON.stringify(o));\n"
        "  var ro = Object.defineProperty({}, \"r\", { value: 1, writable: false, configurable: true });\n"
        "  out.push(tryit(function () { ro.r = 2; return \"ok\"; }), ro.r);\n"
        "  var child = Object.create(ro); out.push(tryit(function () { child.r = 5; return \"ok\"; }), child.r, Object.keys(child).length);\n"
        "  var log = [];\n"
        "  var sp = { set s(v) { log.push(\"set:\" + v + \":\" + (this === c2)); } };\n"
        "  var c2 = Object.create(sp); c2.s = 9; out.push(log.join(), Object.prototype.hasOwnProperty.call(c2, \"s\"));\n"
        "  var go = { get g() { return 1; } }; out.push(tryit(function () { go.g = 2; return \"ok\"; }));\n"
        "  var ne = Object.preventExtensions({ x: 1 }); ne.x = 5; out.push(ne.x, tryit(function () { ne.y = 1; return \"ok\"; }));\n"
        "  var fz = Object.freeze({ f: 1 }); out.push(tryit(function () { fz.f = 2; return \"ok\"; }));\n"
        "  var arr = [1, 2]; arr.named = \"n\"; arr.length = 1; out.push(arr.length, arr.named, JSON.stringify(arr));\n"
        "  var px = new Proxy({}, { set: function (t, k, v) { t[k] = \"trapped:\" + v; return true; } });\n"
        "  px.q = 1; out.push(px.q);\n"
        "  var pc = Object.create(px); pc.w = 2; out.push(pc.w, Object.prototype.hasOwnProperty.call(pc, \"w\"));\n"
        "  var proto = { inh: 1 }; var c3 = Object.create(proto); c3.inh = 7; out.push(proto.inh, c3.inh);\n"
        "  var nul = Object.create(null); nul.z = 1; out.push(nul.z);\n"
        "  var fn = function () {}; fn.custom = 3; out.push(fn.custom, tryit(function () { fn.name = \"x\"; return \"ok\"; }), fn.name);\n"
        "  out.push(tryit(function () { fn.caller = 1; return \"ok\"; }));\n"
        "  var so = new String(\"ab\"); so.extra = 1; out.push(so.extra, tryit(function () { so.length = 5; return \"ok\"; }));\n"
        "  var d = new Date(0); d.tag = \"t\"; out.push(d.tag);\n"
        "  var big = {}; for (var i = 0; i < 20; i++) big[\"k\" + i] = i; big.k5 = 55; out.push(Object.keys(big).length, big.k5);\n"
        "  var s = Symbol(\"s\"); var ws = {}; ws[s] = 1; ws[s] = 2; out.push(ws[s]);\n"
        "  Object.defineProperty(Object.prototype, \"hiddenRO\", { value: 1, writable: false, configurable: true });\n"
        "  out.push(tryit(function () { var q = {}; q.hiddenRO = 2; return \"ok\"; }));\n"
        "  delete Object.prototype.hiddenRO;\n"
        "  var sloppy = (new Function(\"var o = Object.freeze({a:1}); o.a = 2; o.b = 3; return o.a + ':' + o.b;\"))(); out.push(sloppy);\n"
        "  return out.join(\"|\");\n"
        "};\n",
        "{\"a\":2,\"b\":3}|TypeError|1|TypeError|1|0|set:9:true|false"
                     "|TypeError|5|TypeError|TypeError|1|n|[1]|trapped:1|2|true|1|"
                     "7|1|3|TypeError||TypeError|1|TypeError|t|20|55|2|TypeError|1"
                     ":undefined");
}
END_TEST

/* for-in and equality (duk-patches/equals-fast.patch, forin-enum.patch):
 * key order (integer keys first, own before inherited, shadowed and
 * non-enumerable ones skipped), keys deleted or added during the loop,
 * arrays, string objects, proxies, null and undefined, Object.keys; ===,
 * !==, == and != over a table of values (NaN, signed zeros, strings and
 * numbers, booleans, distinct objects, symbols). */
START_TEST(for_in_and_equality_keep_their_semantics)
{
    assert_renders(
        "exports.render = function () {\n"
        "  var out = [];\n"
        "  var proto = { inh: 1, shadow: 2 };\n"
        "  Object.defineProperty(proto, \"hiddenInh\", { value: 3, enumerable: false });\n"
        "  var o = Object.create(proto); o.b = 1; o.a = 2; o[2] = \"two\"; o[1] = \"one\"; o.shadow = 9;\n"
        "  var keys = []; for (var k in o) keys.push(k); out.push(keys.join());\n"
        "  var d = { x: 1, y: 2, z: 3 }, seen = []; for (var k2 in d) { seen.push(k2); if (k2 === \"x\") delete d.y; d.added = 1; } out.push(seen.join());\n"
        "  var arr = [5, 6, 7]; arr.extra = \"e\"; var ak = []; for (var i in arr) ak.push(i); out.push(ak.join());\n"
        "  var sk = []; for (var j in new String(\"ab\")) sk.push(j); out.push(sk.join());\n"
        "  var px = new Proxy({ p: 1, q: 2 }, { ownKeys: function (t) { return [\"q\", \"p\"]; } }); var pk = []; for (var m in px) pk.push(m); out.push(pk.join());\n"
        "  var nk = []; for (var n in null) nk.push(n); for (var u in undefined) nk.push(u); out.push(nk.length);\n"
        "  var big = {}; for (var q = 0; q < 30; q++) big[\"k\" + q] = q; var cnt = 0; for (var bk in big) { cnt++; if (bk === \"k3\") delete big.k20; } out.push(cnt);\n"
        "  var ok = Object.keys({ c: 1, a: 2, 10: 3, 9: 4 }); out.push(ok.join());\n"
        "  var shadowDel = Object.create({ s: 1 }); shadowDel.s = 2; var sd = []; for (var sk2 in shadowDel) { sd.push(sk2); } delete shadowDel.s; for (var sk3 in shadowDel) sd.push(\"after:\" + sk3); out.push(sd.join());\n"
        "  var eq = [];\n"
        "  var objA = {}, objB = {};\n"
        "  var vals = [undefined, null, 0, -0, NaN, 1, \"1\", \"\", \"a\", true, false, objA, objB, [], Symbol.iterator];\n"
        "  for (var x = 0; x < vals.length; x++) { var row = \"\"; for (var y = 0; y < vals.length; y++) { var a = vals[x], b = vals[y]; row += (a === b ? \"S\" : \"s\") + (a !== b ? \"n\" : \"N\"); try { row += (a == b ? \"E\" : \"e\") + (a != b ? \"q\" : \"Q\"); } catch (e) { row += \"T\"; } } eq.push(row); }\n"
        "  out.push(eq.join(\"/\"));\n"
        "  return out.join(\"|\");\n"
        "};\n",
        "1,2,b,a,shadow,inh|x,z|0,1,2,extra|0,1|q,p|0|29|9,10,c,a|s,a"
                     "fter:s|SNEQsnEQsneqsneqsneqsneqsneqsneqsneqsneqsneqsneqsneqs"
                     "neqsneq/snEQSNEQsneqsneqsneqsneqsneqsneqsneqsneqsneqsneqsneq"
                     "sneqsneq/sneqsneqSNEQSNEQsneqsneqsneqsnEQsneqsneqsnEQsneqsne"
                     "qsnEQsneq/sneqsneqSNEQSNEQsneqsneqsneqsnEQsneqsneqsnEQsneqsn"
                     "eqsnEQsneq/sneqsneqsneqsneqsneqsneqsneqsneqsneqsneqsneqsneqs"
                     "neqsneqsneq/sneqsneqsneqsneqsneqSNEQsnEQsneqsneqsnEQsneqsneq"
                     "sneqsneqsneq/sneqsneqsneqsneqsneqsnEQSNEQsneqsneqsnEQsneqsne"
                     "qsneqsneqsneq/sneqsneqsnEQsnEQsneqsneqsneqSNEQsneqsneqsnEQsn"
                     "eqsneqsnEQsneq/sneqsneqsneqsneqsneqsneqsneqsneqSNEQsneqsneqs"
                     "neqsneqsneqsneq/sneqsneqsneqsneqsneqsnEQsnEQsneqsneqSNEQsneq"
                     "sneqsneqsneqsneq/sneqsneqsnEQsnEQsneqsneqsneqsnEQsneqsneqSNE"
                     "QsneqsneqsnEQsneq/sneqsneqsneqsneqsneqsneqsneqsneqsneqsneqsn"
                     "eqSNEQsneqsneqsneq/sneqsneqsneqsneqsneqsneqsneqsneqsneqsneqs"
                     "neqsneqSNEQsneqsneq/sneqsneqsnEQsnEQsneqsneqsneqsnEQsneqsneq"
                     "snEQsneqsneqSNEQsneq/sneqsneqsneqsneqsneqsneqsneqsneqsneqsne"
                     "qsneqsneqsneqsneqSNEQ");
}
END_TEST

/* Reading variables (duk-patches/getvar-decl.patch): enclosing functions'
 * variables, running and returned, shadowing, module variables assigned
 * later, globals (also ones added at run time), undeclared names
 * (ReferenceError, typeof), with, eval declaring a variable in an
 * enclosing function, catch bindings, named function expressions. */
START_TEST(variable_reads_resolve_through_every_scope)
{
    assert_renders(
        "var top1 = \"module\";\n"
        "exports.render = function () {\n"
        "  var out = [];\n"
        "  function tryit(f) { try { return f(); } catch (e) { return e.name; } }\n"
        "  var a = 1;\n"
        "  function outer() { var a = 2; function inner() { return a + \":\" + top1; } return inner(); }\n"
        "  out.push(outer());\n"
        "  var mk = function (n) { return function () { return n + a; }; };\n"
        "  out.push(mk(10)(), mk(20)());\n"
        "  function running() { var v = \"open\"; var f = function () { return v; }; var r1 = f(); v = \"changed\"; return r1 + \":\" + f(); }\n"
        "  out.push(running());\n"
        "  out.push(tryit(function () { return undeclaredName; }), typeof undeclaredName);\n"
        "  out.push(typeof Math, Math.max(1, 2), JSON.stringify([1]));\n"
        "  globalThis.dynGlobal = \"g1\"; out.push(tryit(function () { return dynGlobal; })); globalThis.dynGlobal = \"g2\"; out.push(tryit(function () { return dynGlobal; }));\n"
        "  var withObj = { a: \"with-a\", wf: function () { return this === withObj; } };\n"
        "  out.push((new Function(\"o\", \"var a = 'fn-a'; with (o) { return a + ':' + wf(); }\"))(withObj));\n"
        "  out.push((new Function(\"var x = 'outer'; function g() { return x; } eval('var x = \\\"evald\\\"'); return g();\"))());\n"
        "  out.push((new Function(\"var r = []; function h() { eval('var late = 5'); return function () { return late; }; } return h()();\"))());\n"
        "  try { throw \"caught\"; } catch (a) { out.push(a, (function () { return a; })()); }\n"
        "  out.push(a);\n"
        "  var nfe = function self(n) { return n > 0 ? self(n - 1) + 1 : 0; }; out.push(nfe(3));\n"
        "  function args() { return (function () { return arguments.length; })(1, 2, 3); } out.push(args());\n"
        "  var counter = (function () { var c = 0; return { inc: function () { return ++c; } }; })(); counter.inc(); out.push(counter.inc());\n"
        "  var loopFns = []; for (var i = 0; i < 3; i++) loopFns.push(function () { return i; }); out.push(loopFns[0]());\n"
        "  function shadowTop() { var top1 = \"local\"; return (function () { return top1; })(); }\n"
        "  out.push(shadowTop());\n"
        "  top1 = \"changed-module\"; out.push((function () { return top1; })());\n"
        "  return out.join(\"|\");\n"
        "};\n",
        "2:module|11|21|open:changed|ReferenceError|undefined|object|"
                     "2|[1]|g1|g2|with-a:true|evald|5|caught|caught|1|3|3|2|3|loca"
                     "l|changed-module");
}
END_TEST

/* Array.prototype.slice (duk-patches/array-slice.patch): ranges and
 * negative indices, holes (with and without an inherited element), an
 * index getter, sparse arrays, array-likes, arguments, strings, a long
 * array of mixed values, shared elements, a shortened and a frozen array. */
START_TEST(array_slice_copies_what_the_generic_loop_does)
{
    assert_renders(
        "exports.render = function () {\n"
        "  var out = [];\n"
        "  function show(a) { return JSON.stringify(a) + \"#\" + a.length + \"#\" + Array.isArray(a) + \"#\" + Object.keys(a).join(\".\"); }\n"
        "  var a = [1, \"two\", { t: 3 }, null, undefined, 6];\n"
        "  out.push(show(a.slice()), show(a.slice(1, 4)), show(a.slice(-2)), show(a.slice(4, 2)), show(a.slice(2, 100)), show(a.slice(-100, -3)));\n"
        "  var holes = [1, , 3]; out.push(show(holes.slice()), show(holes.slice(0, 1)));\n"
        "  Array.prototype[1] = \"inherited\"; out.push(show(holes.slice()), holes.slice()[1], Object.prototype.hasOwnProperty.call(holes.slice(), 1)); delete Array.prototype[1];\n"
        "  var g = [1, 2, 3]; Object.defineProperty(g, 1, { get: function () { return \"getter\"; }, enumerable: true, configurable: true }); out.push(show(g.slice()));\n"
        "  var sparse = []; sparse[5] = \"five\"; sparse[100] = \"hundred\"; out.push(show(sparse.slice(4, 7)), sparse.slice().length);\n"
        "  out.push(show(Array.prototype.slice.call({ length: 3, 0: \"a\", 2: \"c\" })));\n"
        "  out.push(show((function () { return Array.prototype.slice.call(arguments, 1); })(7, 8, 9)));\n"
        "  out.push(show(Array.prototype.slice.call(\"xyz\")));\n"
        "  var big = []; for (var i = 0; i < 3000; i++) big.push(i % 7 ? \"s\" + i : { i: i }); var bs = big.slice(10, 2990); out.push(bs.length, bs[0], bs[4].i, bs[2979]);\n"
        "  var nested = [[1], [2]]; var ns = nested.slice(); ns[0].push(\"shared\"); out.push(JSON.stringify(nested));\n"
        "  var shrunk = [1, 2, 3, 4]; shrunk.length = 2; out.push(show(shrunk.slice(0, 4)));\n"
        "  var frozen = Object.freeze([1, 2]); var fs = frozen.slice(); fs.push(3); out.push(show(fs), Object.isFrozen(fs));\n"
        "  return out.join(\"|\");\n"
        "};\n",
        "[1,\"two\",{\"t\":3},null,null,6]#6#true#0.1.2.3.4.5|[\"two\""
                     ",{\"t\":3},null]#3#true#0.1.2|[null,6]#2#true#0.1|[]#0#true#"
                     "|[{\"t\":3},null,null,6]#4#true#0.1.2.3|[1,\"two\",{\"t\":3}"
                     "]#3#true#0.1.2|[1,null,3]#3#true#0.2|[1]#1#true#0|[1,\"inher"
                     "ited\",3]#3#true#0.1.2|inherited|true|[1,\"getter\",3]#3#tru"
                     "e#0.1.2|[null,\"five\"]#2#true#1|101|[\"a\",null,\"c\"]#3#tr"
                     "ue#0.2|[8,9]#2#true#0.1|[\"x\",\"y\",\"z\"]#3#true#0.1.2|298"
                     "0|s10|14|[object Object]|[[1,\"shared\"],[2]]|[1,2]#2#true#0"
                     ".1|[1,2,3]#3#true#0.1.2|false");
}
END_TEST

/* White space as V8 has it (duk-patches/whitespace-180e.patch): U+180E
 * is neither trimmed, nor skipped by ToNumber, nor matched by \s; every
 * other white space and line terminator is.  The last value is core-js's
 * check before it keeps a native String.prototype.trim. */
START_TEST(white_space_is_what_v8_trims)
{
    assert_renders(
        "exports.render = function () {\n"
        "  var out = [];\n"
        "  var ws = \"\\u0009\\u000A\\u000B\\u000C\\u000D\\u0020\\u00A0\\u1680\\u2000\\u2001\\u2002\\u2003\\u2004\\u2005\\u2006\\u2007\\u2008\\u2009\\u200A\\u202F\\u205F\\u3000\\u2028\\u2029\\uFEFF\";\n"
        "  var non = \"\\u200B\\u0085\\u180E\";\n"
        "  out.push(ws.trim().length, (\"\\u180Ex\\u180E\").trim().length, non.trim().length);\n"
        "  out.push(Number(\"\\u180E\"), Number(\" 12 \"), parseFloat(\"\\u180E3\"));\n"
        "  out.push(/\\s/.test(\"\\u180E\"), /\\s/.test(\"\\u1680\"), /^\\s+$/.test(ws));\n"
        "  out.push(!!ws.trim() || non.trim() !== non || String.prototype.trim.name !== \"trim\");\n"
        "  return out.join(\"|\");\n"
        "};\n",
        "0|3|3|NaN|12|NaN|false|true|true|false");
}
END_TEST

/* Environment records (duk-patches/env-prealloc.patch): a function's
 * variables, more than an object keeps without a hash, read and written by
 * its closures after it returned, two records of the same function apart,
 * one declared late and one added by eval. */
START_TEST(closed_environments_keep_every_variable)
{
    assert_renders(
        "exports.render = function () {\n"
        "  var out = [];\n"
        "  function many(seed) {\n"
        "    var v0 = seed, v1 = seed + 1, v2 = seed + 2, v3 = seed + 3, v4 = seed + 4, v5 = seed + 5;\n"
        "    var v6 = seed + 6, v7 = seed + 7, v8 = seed + 8, v9 = seed + 9, v10 = seed + 10, v11 = seed + 11;\n"
        "    var late;\n"
        "    function read() { return [v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, late].join(\",\"); }\n"
        "    function bump() { v5 += 100; late = \"set\"; }\n"
        "    return { read: read, bump: bump, args: arguments.length };\n"
        "  }\n"
        "  var a = many(0), b = many(50);\n"
        "  a.bump();\n"
        "  out.push(a.read(), b.read(), a.args);\n"
        "  var withEval = (new Function(\"var x = 1; var f = function () { return typeof y + ':' + x; }; eval('var y = 2'); x = 3; return f;\"))();\n"
        "  out.push(withEval());\n"
        "  return out.join(\"|\");\n"
        "};\n",
        "0,1,2,3,4,105,6,7,8,9,10,11,set|"
                     "50,51,52,53,54,55,56,57,58,59,60,61,|1|number:3");
}
END_TEST

START_TEST(env_console_and_headers_reach_the_bundle)
{
    ssr_render_result_t res;
    ssr_render_req_t req;
    apr_array_header_t *hdrs = apr_array_make(pool, 1, sizeof(ssr_kv_t));
    ssr_kv_t *kv = apr_array_push(hdrs);
    ssr_heap_t *h = heap_for(
        "exports.render = function (u, m, ctx) {"
        "  console.warn('seen', ctx.headers['user-agent']);"
        "  return process.env.GREETING + '/' + ctx.env.GREETING;"
        "};", 0);

    kv->name = "user-agent";
    kv->value = "unit-test";
    request(&req, "", ONE_SEC);
    req.headers = hdrs;
    ssr_heap_render(h, pool, &req, &res);
    ck_assert_int_eq(res.status, SSR_RENDER_OK);
    ck_assert_str_eq(res.html, "hello/hello");
    ck_assert_ptr_nonnull(strstr(logged, "4:seen unit-test\n"));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(non_bmp_text_comes_out_as_utf8)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  return String.fromCharCode(0xD83D, 0xDE00) + '|' +"
        "    String.fromCharCode(0xD800) + '|\\u00e9';"
        "};", 0);

    ck_assert_int_eq(render(h, "", ONE_SEC, &res), SSR_RENDER_OK);
    /* U+1F600 as 4-byte UTF-8, a lone surrogate as U+FFFD (as Node). */
    ck_assert_str_eq(res.html, "\xF0\x9F\x98\x80|\xEF\xBF\xBD|\xC3\xA9");
    ck_assert_uint_eq(res.html_len, 4 + 1 + 3 + 1 + 2);
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(cancellation_aborts_the_signal)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function (u, m, ctx) {"
        "  return new Promise(function (resolve, reject) {"
        "    var t = setTimeout(function () { resolve('late'); }, 5000);"
        "    ctx.signal.addEventListener('abort', function () {"
        "      clearTimeout(t); reject(ctx.signal.reason); });"
        "  });"
        "};", 0);
    apr_time_t t0 = apr_time_now();

    cancel_now = 1;
    ck_assert_int_eq(render(h, "", apr_time_from_sec(10), &res),
                     SSR_RENDER_ABORTED);
    ck_assert_int_lt(apr_time_now() - t0, slack(apr_time_from_sec(1)));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(request_bytes_arrive_as_text)
{
    ssr_render_result_t res;
    ssr_render_req_t req;
    apr_array_header_t *hdrs = apr_array_make(pool, 2, sizeof(ssr_kv_t));
    ssr_kv_t *kv;
    ssr_heap_t *h = heap_for(
        "exports.render = function (u, m, ctx) {"
        "  var hs = ctx.headers;"
        "  return [typeof u, u, typeof m, m, typeof ctx.path, ctx.path,"
        "    typeof hs['x-bin'], hs['x-bin'],"
        "    Object.prototype.hasOwnProperty.call(hs, '__proto__'),"
        "    hs['__proto__'], Object.getPrototypeOf(hs) === Object.prototype,"
        "    u.length].join('|');"
        "};", 0);

    kv = apr_array_push(hdrs);
    kv->name = "x-bin";
    kv->value = "\xFF";
    kv = apr_array_push(hdrs);
    kv->name = "__proto__";
    kv->value = "yes";
    request(&req, "\x80" "abc\xF0\x9F\x98\x80", ONE_SEC);
    req.path = "\xFF" "p";
    req.manifest = "{\"a\":\"\xC3\"}";
    req.manifest_len = strlen(req.manifest);
    req.headers = hdrs;
    ssr_heap_render(h, pool, &req, &res);
    ck_assert_int_eq(res.status, SSR_RENDER_OK);
    /* A Symbol would have typeof "symbol"; the emoji is 2 code units. */
    ck_assert_str_eq(res.html,
                     "string|\xEF\xBF\xBD" "abc\xF0\x9F\x98\x80|"
                     "string|{\"a\":\"\xEF\xBF\xBD\"}|"
                     "string|\xEF\xBF\xBD" "p|string|\xEF\xBF\xBD|true|yes|true|6");
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(env_names_are_own_properties)
{
    ssr_bundle_t *b;
    ssr_heap_t *h;
    ssr_render_result_t res;
    const char *err = NULL;
    ssr_heap_opts_t o = opts_with(0);
    ssr_kv_t *kv = apr_array_push((apr_array_header_t *) o.env);

    kv->name = "__proto__";
    kv->value = "polluted\xC3";
    ck_assert(compile("exports.render = function () {"
                      "  var e = process.env;"
                      "  return [Object.prototype.hasOwnProperty.call(e, '__proto__'),"
                      "    e['__proto__'], Object.getPrototypeOf(e) === Object.prototype,"
                      "    e.GREETING].join('|');"
                      "};", &b, &err) == APR_SUCCESS);
    ck_assert_msg(ssr_heap_create(b, &o, pool, &h, &err) == APR_SUCCESS,
                  "create: %s", err);
    ck_assert_int_eq(render(h, "", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_str_eq(res.html, "true|polluted\xEF\xBF\xBD|true|hello");
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(client_gone_stops_a_synchronous_loop)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  for (;;) { try { for (;;) {} } catch (e) {} }"
        "};", 0);
    apr_time_t t0 = apr_time_now();

    cancel_at = t0 + apr_time_from_msec(50);
    ck_assert_int_eq(render(h, "", apr_time_from_sec(10), &res),
                     SSR_RENDER_ABORTED);
    /* stopped by the disconnect, not by the 10 s deadline */
    ck_assert_int_lt(apr_time_now() - t0, slack(apr_time_from_msec(500)));
    ck_assert(!ssr_heap_reusable(h));
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(promise_combinators)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  return Promise.all([1, Promise.resolve(2),"
        "      new Promise(function (r) { setTimeout(function () { r(3); }, 1); })])"
        "    .then(function (a) {"
        "      return Promise.allSettled([Promise.reject(new Error('x')), 4])"
        "        .then(function (s) { return a.join('') + s[0].status + s[1].value; });"
        "    })"
        "    .then(function (v) { return Promise.race([v, new Promise(function () {})]); })"
        "    .finally(function () {});"
        "};", 0);

    ck_assert_int_eq(render(h, "", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_str_eq(res.html, "123rejected4");
    ssr_heap_destroy(h);
}
END_TEST

/* --- bounds: heap creation, native loops, stack, console, result copies --- */

/* A bundle whose top level spins for process.env.SLOW ms (none when
 * compiled: SLOW is only in the heap's env). */
static const char slow_eval_src[] =
    "var t0 = Date.now(), ms = Number(process.env.SLOW || 0);"
    "while (Date.now() - t0 < ms) {}"
    "exports.render = function (url) {"
    "  var t = Date.now(); while (Date.now() - t < Number(url)) {}"
    "  return 'ok';"
    "};";

static ssr_heap_opts_t slow_opts(const char *ms)
{
    ssr_heap_opts_t o = opts_with(0);
    ssr_kv_t *kv = apr_array_push((apr_array_header_t *) o.env);

    kv->name = "SLOW";
    kv->value = ms;
    return o;
}

START_TEST(heap_creation_stops_at_the_request_deadline)
{
    ssr_bundle_t *b;
    ssr_heap_t *h = NULL;
    const char *err = NULL;
    ssr_heap_opts_t o = slow_opts("3000");
    apr_time_t t0;

    ck_assert_msg(compile(slow_eval_src, &b, &err) == APR_SUCCESS, "%s", err);
    t0 = apr_time_now();
    ck_assert_int_ne(ssr_heap_create_until(b, &o, t0 + apr_time_from_msec(300),
                                           pool, &h, &err), APR_SUCCESS);
    ck_assert_ptr_null(h);
    ck_assert_ptr_nonnull(strstr(err, "deadline"));
    ck_assert_int_lt(apr_time_now() - t0, slack(apr_time_from_msec(1000)));
}
END_TEST

START_TEST(first_render_shares_the_creation_deadline)
{
    ssr_bundle_t *b;
    ssr_heap_t *h;
    ssr_render_result_t res;
    const char *err = NULL;
    ssr_heap_opts_t o = slow_opts("400");
    apr_time_t t0;

    ck_assert_msg(compile(slow_eval_src, &b, &err) == APR_SUCCESS, "%s", err);
    t0 = apr_time_now();
    ck_assert_msg(ssr_heap_create_until(b, &o, t0 + apr_time_from_msec(700),
                                        pool, &h, &err) == APR_SUCCESS,
                  "create: %s", err);
    /* 400 ms of evaluation + 400 ms of render > the 700 ms of the request,
     * though the render alone is well within its own second. */
    ck_assert_int_eq(render(h, "400", ONE_SEC, &res), SSR_RENDER_TIMEOUT);
    ck_assert_int_lt(apr_time_now() - t0, slack(apr_time_from_msec(1000)));
    ssr_heap_destroy(h);

    /* Only the first render: later ones have their own deadline. */
    ck_assert(ssr_heap_create_until(b, &o, apr_time_now() + ONE_SEC, pool,
                                    &h, &err) == APR_SUCCESS);
    ck_assert_int_eq(render(h, "0", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_int_eq(render(h, "400", ONE_SEC, &res), SSR_RENDER_OK);
    ssr_heap_destroy(h);
}
END_TEST

/* Native calls that run long without allocating or running bytecode. */
static void stops_near_deadline(const char *body)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(apr_pstrcat(pool,
        "exports.render = function () {", body, "};", NULL), 0);
    apr_time_t t0 = apr_time_now();

    ck_assert_int_eq(render(h, "", apr_time_from_msec(200), &res),
                     SSR_RENDER_TIMEOUT);
    ck_assert_int_lt(apr_time_now() - t0, slack(apr_time_from_msec(1000)));
    ssr_heap_destroy(h);
}

START_TEST(long_substring_search_stops_near_the_deadline)
{
    stops_near_deadline("var s = 'a'.repeat(1600000);"
                        "return String(s.indexOf('a'.repeat(800000) + 'b'));");
}
END_TEST

START_TEST(regexp_backtracking_stops_near_the_deadline)
{
    /* no captures: nothing is allocated while it backtracks */
    stops_near_deadline("return String(/^(?:a+)+$/.test('a'.repeat(40) + 'b'));");
}
END_TEST

/* Runs a render on a thread with a small stack, as under ThreadStackSize. */
typedef struct {
    const char *src;
    ssr_render_status_e status;
    const char *message;
} stack_job;

static void *stack_thread(void *arg)
{
    stack_job *job = arg;
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(job->src, 0);

    job->status = render(h, "", apr_time_from_sec(10), &res);
    job->message = res.error_message ? apr_pstrdup(pool, res.error_message)
                                     : "";
    ssr_heap_destroy(h);
    return NULL;
}

static void run_on_small_stack(stack_job *job, size_t stack)
{
    pthread_attr_t attr;
    pthread_t t;

    ck_assert_int_eq(pthread_attr_init(&attr), 0);
    ck_assert_int_eq(pthread_attr_setstacksize(&attr, stack), 0);
    ck_assert_int_eq(pthread_create(&t, &attr, stack_thread, job), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
}

START_TEST(nested_regexp_groups_throw_on_a_small_stack)
{
    stack_job job = { 0 };

    job.src = "exports.render = function () {"
              "  var re = new RegExp(new Array(5001).join('(') + 'a' +"
              "                      new Array(5001).join(')'));"
              "  return String(re.test('a'));"
              "};";
    run_on_small_stack(&job, 1024 * 1024);
    ck_assert_int_eq(job.status, SSR_RENDER_THREW);
    ck_assert_ptr_nonnull(strstr(job.message, "RangeError"));
}
END_TEST

START_TEST(deep_native_recursion_throws_on_a_small_stack)
{
    stack_job job = { 0 };

    job.src = "exports.render = function () {"
              "  function f(n) { return [n].map(function () { return f(n + 1); }); }"
              "  return String(f(0));"
              "};";
    run_on_small_stack(&job, 256 * 1024);
    ck_assert_int_eq(job.status, SSR_RENDER_THREW);
    ck_assert_ptr_nonnull(strstr(job.message, "RangeError"));
}
END_TEST

static apr_size_t console_total;
static int console_lines;
static char console_last[512];

static void count_log(void *baton, int level, const char *msg)
{
    console_total += strlen(msg);
    console_lines++;
    apr_cpystrn(console_last, msg, sizeof(console_last));
}

START_TEST(console_output_is_capped_per_render)
{
    ssr_render_result_t res;
    ssr_render_req_t req;
    ssr_heap_t *h = heap_for(
        "exports.render = function () {"
        "  console.log('x'.repeat(20000));"
        "  for (var i = 0; i < 100000; i++) { console.error('line ' + i); }"
        "  return 'ok';"
        "};", 0);

    request(&req, "", apr_time_from_sec(10));
    req.log = count_log;
    console_total = 0;
    console_lines = 0;
    ssr_heap_render(h, pool, &req, &res);
    ck_assert_int_eq(res.status, SSR_RENDER_OK);
    /* 64 KB of output, the cut marker of the long line, the last line */
    ck_assert_uint_le(console_total, 64 * 1024 + 512);
    ck_assert_ptr_nonnull(strstr(console_last, "not logged"));
    /* the next render has its own allowance */
    console_total = 0;
    ssr_heap_render(h, pool, &req, &res);
    ck_assert_int_eq(res.status, SSR_RENDER_OK);
    ck_assert_uint_ge(console_total, 60 * 1024);
    ssr_heap_destroy(h);
}
END_TEST

START_TEST(result_copies_count_against_the_memory_limit)
{
    ssr_render_result_t res;
    ssr_heap_t *h = heap_for(
        "exports.render = function (url) {"
        "  return 'z'.repeat(Number(url));"
        "};", 16 * 1024 * 1024);

    /* A small page is fine ... */
    ck_assert_int_eq(render(h, "100000", ONE_SEC, &res), SSR_RENDER_OK);
    ck_assert_uint_eq(res.html_len, 100000);
    /* ... 6 MB of html fits in the heap, but not with its copy. */
    ck_assert_int_eq(render(h, "6000000", ONE_SEC, &res), SSR_RENDER_NOMEM);
    ck_assert_ptr_null(res.html);
    ck_assert(!ssr_heap_reusable(h));
    ssr_heap_destroy(h);
}
END_TEST

Suite *engine_suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("engine");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, compile_syntax_error_is_reported);
    tcase_add_test(tc, compile_requires_render_export);
    tcase_add_test(tc, compile_reports_top_level_throw);
    tcase_add_test(tc, require_throws_a_clear_error);
    tcase_add_test(tc, string_result_is_html);
    tcase_add_test(tc, object_result_fields);
    tcase_add_test(tc, promise_and_timers_are_driven);
    tcase_add_test(tc, thrown_error_properties);
    tcase_add_test(tc, infinite_loop_stops_at_deadline);
    tcase_add_test(tc, timer_spin_stops_at_deadline);
    tcase_add_test(tc, long_native_calls_stop_near_the_deadline);
    tcase_add_test(tc, memory_limit_fails_the_render);
    tcase_add_test(tc, never_settling_promise_fails);
    tcase_add_test(tc, pending_timers_retire_the_heap);
    tcase_add_test(tc, module_state_persists_in_one_heap);
    tcase_add_test(tc, object_literals_define_own_properties);
    tcase_add_test(tc, named_property_reads_follow_the_prototype_chain);
    tcase_add_test(tc, named_property_writes_keep_their_checks);
    tcase_add_test(tc, for_in_and_equality_keep_their_semantics);
    tcase_add_test(tc, variable_reads_resolve_through_every_scope);
    tcase_add_test(tc, array_slice_copies_what_the_generic_loop_does);
    tcase_add_test(tc, white_space_is_what_v8_trims);
    tcase_add_test(tc, closed_environments_keep_every_variable);
    tcase_add_test(tc, env_console_and_headers_reach_the_bundle);
    tcase_add_test(tc, non_bmp_text_comes_out_as_utf8);
    tcase_add_test(tc, cancellation_aborts_the_signal);
    tcase_add_test(tc, promise_combinators);
    tcase_add_test(tc, request_bytes_arrive_as_text);
    tcase_add_test(tc, env_names_are_own_properties);
    tcase_add_test(tc, client_gone_stops_a_synchronous_loop);
    tcase_add_test(tc, heap_creation_stops_at_the_request_deadline);
    tcase_add_test(tc, first_render_shares_the_creation_deadline);
    tcase_add_test(tc, long_substring_search_stops_near_the_deadline);
    tcase_add_test(tc, regexp_backtracking_stops_near_the_deadline);
    tcase_add_test(tc, nested_regexp_groups_throw_on_a_small_stack);
    tcase_add_test(tc, deep_native_recursion_throws_on_a_small_stack);
    tcase_add_test(tc, console_output_is_capped_per_render);
    tcase_add_test(tc, result_copies_count_against_the_memory_limit);
    tcase_add_test(tc, stream_result_is_collected_without_a_sink);
    tcase_add_test(tc, stream_result_goes_to_the_sink_as_it_comes);
    suite_add_tcase(s, tc);
    return s;
}
