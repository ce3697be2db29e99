/*
 * mod_ssr.c -- module glue: directives and hooks.
 *
 * mod_ssr serves a Vite app's production build and renders its HTML
 * navigations on the server by running the app's SSR bundle in Duktape.
 * The work is split by concern:
 *   ssr_config.c   per-directory configuration, merging, defaults
 *   ssr_request.c  which requests are rendered, and the response
 *   ssr_build.c    builds (generations) and reloading them
 *   ssr_tcache.c   split templates in shared memory
 *   ssr_heaps.c    which heap a request renders in
 *   ssr_engine.c   Duktape heaps, bytecode, host runtime (no httpd)
 */
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_mpm.h>
#include <mpm_common.h>
#include <http_core.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include <limits.h>
#include <stdlib.h>

#include "duktape.h"
#include "ssr_assets.h"
#include "ssr_build.h"
#include "ssr_cache.h"
#include "ssr_checks.h"
#include "ssr_config.h"
#include "ssr_engine.h"
#include "ssr_fetch.h"
#include "ssr_heaps.h"
#include "ssr_parse.h"
#include "ssr_request.h"
#include "ssr_stats.h"
#include "ssr_tcache.h"
#include "ssr_url.h"
#include "ssr_version.h"

#define SSR_CONF(cmd_cfg) ((ssr_dir_conf *) (cmd_cfg))

/* "SSRTimeout banana: <why>": configtest prints this, so it names the
 * directive and the value that was refused. */
static const char *ssr_bad_value(cmd_parms *cmd, const char *arg,
                                 const char *why)
{
    return apr_psprintf(cmd->pool, "%s %s: %s", cmd->cmd->name, arg, why);
}

/* A file directive: ap_set_file_slot takes a relative path from
 * ServerRoot.  It would take "" for ServerRoot itself (a directory), and
 * its own error does not name the directive, hence this wrapper. */
static const char *ssr_set_path(cmd_parms *cmd, void *cfg, const char *arg)
{
    const char *err;

    if (*arg == '\0') {
        return ssr_bad_value(cmd, "\"\"", "needs a file path");
    }
    err = ap_set_file_slot(cmd, cfg, arg);
    return err ? apr_pstrcat(cmd->pool, cmd->cmd->name, ": ", err, NULL)
               : NULL;
}

static const char *ssr_set_base(cmd_parms *cmd, void *cfg, const char *arg)
{
    const char *why = ssr_normalize_base(cmd->pool, arg, &SSR_CONF(cfg)->base);

    return why ? ssr_bad_value(cmd, arg, why) : NULL;
}

static const char *ssr_set_live_reload_path(cmd_parms *cmd, void *cfg,
                                            const char *arg)
{
    if (arg[0] != '/' || strpbrk(arg, "?# \t") != NULL) {
        return ssr_bad_value(cmd, arg, "must be a URL path starting with '/'");
    }
    SSR_CONF(cfg)->live_reload_path = arg;
    return NULL;
}

static const char *ssr_set_timeout(cmd_parms *cmd, void *cfg, const char *arg)
{
    const char *why = ssr_parse_duration(arg, &SSR_CONF(cfg)->timeout);

    return why ? ssr_bad_value(cmd, arg, why) : NULL;
}

static const char *ssr_set_memory_limit(cmd_parms *cmd, void *cfg,
                                        const char *arg)
{
    const char *why = ssr_parse_size(arg, &SSR_CONF(cfg)->memory_limit);

    return why ? ssr_bad_value(cmd, arg, why) : NULL;
}

static const char *ssr_set_max_renders(cmd_parms *cmd, void *cfg,
                                       const char *arg)
{
    const char *why = ssr_parse_count(arg, &SSR_CONF(cfg)->max_renders);

    return why ? ssr_bad_value(cmd, arg, why) : NULL;
}

static const char *ssr_set_reload_interval(cmd_parms *cmd, void *cfg,
                                           const char *arg)
{
    const char *why = ssr_parse_interval(arg, &SSR_CONF(cfg)->reload_interval);

    return why ? ssr_bad_value(cmd, arg, why) : NULL;
}

/* One of a fixed set of words, stored as its index. */
static const char *ssr_set_choice(cmd_parms *cmd, int *field, const char *arg,
                                  const char *const *words, const char *help)
{
    int i;

    for (i = 0; words[i]; i++) {
        if (strcasecmp(arg, words[i]) == 0) {
            *field = i;
            return NULL;
        }
    }
    return ssr_bad_value(cmd, arg, help);
}

static const char *ssr_set_scope(cmd_parms *cmd, void *cfg, const char *arg)
{
    /* "thread" names the pool too: it was a heap per worker thread, and a
     * configuration that says so keeps working (and gets fewer heaps). */
    static const char *const words[] = { "pool", "request", "thread", NULL };
    const char *err = ssr_set_choice(cmd, &SSR_CONF(cfg)->scope, arg, words,
                                     "must be 'pool', 'request' or 'thread'");

    if (err == NULL && SSR_CONF(cfg)->scope == 2) {
        SSR_CONF(cfg)->scope = SSR_SCOPE_POOL;
    }
    return err;
}

/* "auto" (stored as 0) or a whole number from 1 to max. */
static const char *ssr_set_auto_count(cmd_parms *cmd, const char *arg,
                                      int *out, int max, const char *why_bad)
{
    int n;
    const char *why;

    if (strcasecmp(arg, "auto") == 0) {
        *out = 0;
        return NULL;
    }
    why = ssr_parse_count(arg, &n);
    if (why == NULL && (n < 1 || n > max)) {
        why = why_bad;
    }
    if (why) {
        return ssr_bad_value(cmd, arg, why);
    }
    *out = n;
    return NULL;
}

static const char *ssr_set_heaps(cmd_parms *cmd, void *cfg, const char *arg)
{
    return ssr_set_auto_count(cmd, arg, &SSR_CONF(cfg)->heaps, SSR_MAX_HEAPS,
                              "must be 'auto' or a number of heaps from 1 to "
                              APR_STRINGIFY(SSR_MAX_HEAPS));
}

static const char *ssr_set_queue_timeout(cmd_parms *cmd, void *cfg,
                                         const char *arg)
{
    const char *why = ssr_parse_interval(arg, &SSR_CONF(cfg)->queue_timeout);

    return why ? ssr_bad_value(cmd, arg, why) : NULL;
}

static const char *ssr_set_queue_limit(cmd_parms *cmd, void *cfg,
                                       const char *arg)
{
    return ssr_set_auto_count(cmd, arg, &SSR_CONF(cfg)->queue_limit,
                              SSR_MAX_QUEUE,
                              "must be 'auto' or a number of requests from 1 "
                              "to " APR_STRINGIFY(SSR_MAX_QUEUE));
}

static const char *ssr_set_reload(cmd_parms *cmd, void *cfg, const char *arg)
{
    static const char *const words[] = { "stat", "never", NULL };

    return ssr_set_choice(cmd, &SSR_CONF(cfg)->reload, arg, words,
                          "must be 'stat' or 'never'");
}

static const char *ssr_set_fallback(cmd_parms *cmd, void *cfg, const char *arg)
{
    static const char *const words[] = { "error", "csr", NULL };

    return ssr_set_choice(cmd, &SSR_CONF(cfg)->fallback, arg, words,
                          "must be 'error' or 'csr'");
}

static const char *ssr_set_asset_archive(cmd_parms *cmd, void *cfg,
                                         const char *arg)
{
    const char *path;

    if (strcasecmp(arg, "off") == 0) {
        SSR_CONF(cfg)->asset_archive = ssr_archive_off;
        return NULL;
    }
    if (*arg == '\0' || (path = ap_server_root_relative(cmd->pool, arg)) == NULL) {
        return ssr_bad_value(cmd, *arg ? arg : "\"\"",
                             "must be 'off' or a directory path");
    }
    SSR_CONF(cfg)->asset_archive = path;
    return NULL;
}

static const char *ssr_set_asset_grace(cmd_parms *cmd, void *cfg,
                                       const char *arg)
{
    const char *why = ssr_parse_period(arg, &SSR_CONF(cfg)->asset_grace);

    return why ? ssr_bad_value(cmd, arg, why) : NULL;
}

static const char *ssr_set_cache_control(cmd_parms *cmd, void *cfg,
                                         const char *arg)
{
    if (*arg == '\0' || strpbrk(arg, "\r\n") != NULL) {
        return ssr_bad_value(cmd, *arg ? arg : "\"\"",
                             "must be a Cache-Control value, e.g. "
                             "\"public, max-age=60\"");
    }
    SSR_CONF(cfg)->cache_control = arg;
    return NULL;
}

static const char *ssr_set_env(cmd_parms *cmd, void *cfg, const char *name,
                               const char *value)
{
    ssr_kv_t *kv;

    if (!ssr_env_name_valid(name)) {
        return ssr_bad_value(cmd, name, "is not a valid environment variable "
                             "name (letters, digits and '_', not starting "
                             "with a digit)");
    }
    kv = apr_array_push(SSR_CONF(cfg)->env);
    kv->name = name;
    kv->value = value;
    return NULL;
}

/* SSRFetchAllow prefix ... | none: the lines of one scope add up. */
static const char *ssr_set_fetch_allow(cmd_parms *cmd, void *cfg,
                                      const char *arg)
{
    ssr_dir_conf *c = cfg;
    const char *why = NULL, *prefix;

    if (c->fetch_allow == NULL) {
        c->fetch_allow = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    if (strcasecmp(arg, "none") == 0) {
        return NULL;
    }
    prefix = ssr_fetch_normalize_prefix(cmd->pool, arg, &why);
    if (prefix == NULL) {
        return ssr_bad_value(cmd, arg, why);
    }
    APR_ARRAY_PUSH(c->fetch_allow, const char *) = prefix;
    return NULL;
}

/* SSRFetchForwardHeaders name ... | none */
static const char *ssr_set_fetch_forward(cmd_parms *cmd, void *cfg,
                                         const char *arg)
{
    static const char *const hop[] = { "host", "connection", "content-length",
                                       "transfer-encoding", "upgrade",
                                       "te", "expect", NULL };
    ssr_dir_conf *c = cfg;
    int i;

    if (c->fetch_forward == NULL) {
        c->fetch_forward = apr_array_make(cmd->pool, 4, sizeof(const char *));
    }
    if (strcasecmp(arg, "none") == 0) {
        return NULL;
    }
    if (*arg == '\0' || arg[strspn(arg, "!#$%&'*+-.^_`|~0123456789"
                                    "abcdefghijklmnopqrstuvwxyz"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ")] != '\0') {
        return ssr_bad_value(cmd, *arg ? arg : "\"\"",
                             "is not a header name");
    }
    for (i = 0; hop[i]; i++) {
        if (strcasecmp(arg, hop[i]) == 0) {
            return ssr_bad_value(cmd, arg, "is set by the transfer itself "
                                 "and cannot be forwarded");
        }
    }
    APR_ARRAY_PUSH(c->fetch_forward, const char *) = arg;
    return NULL;
}

static const char *ssr_set_fetch_timeout(cmd_parms *cmd, void *cfg,
                                         const char *arg)
{
    const char *why = ssr_parse_duration(arg, &SSR_CONF(cfg)->fetch_timeout);

    return why ? ssr_bad_value(cmd, arg, why) : NULL;
}

static const char *ssr_set_fetch_max_size(cmd_parms *cmd, void *cfg,
                                          const char *arg)
{
    /* Not ssr_parse_size: a response cap may well be under its 1M floor
     * for heaps (same K/M/G suffixes). */
    char *end = NULL;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);
    apr_int64_t unit = 1;

    if (end != NULL && end != arg && end[0] != '\0' && end[1] == '\0') {
        switch (end[0]) {
        case 'k': case 'K': unit = 1024; end++; break;
        case 'm': case 'M': unit = 1024 * 1024; end++; break;
        case 'g': case 'G': unit = 1024 * 1024 * 1024; end++; break;
        default: break;
        }
    }
    if (end == NULL || end == arg || *end != '\0' || n < 1 ||
        n > (APR_INT64_C(1) << 30) / unit || !apr_isdigit(arg[0])) {
        return ssr_bad_value(cmd, arg, "must be a size from 1 byte to 1G "
                             "(K, M, G suffixes)");
    }
    SSR_CONF(cfg)->fetch_max_size = (apr_size_t) (n * unit);
    return NULL;
}

static const char *ssr_set_fetch_max(cmd_parms *cmd, void *cfg,
                                     const char *arg)
{
    const char *why = ssr_parse_count(arg, &SSR_CONF(cfg)->fetch_max);

    return why ? ssr_bad_value(cmd, arg, why) : NULL;
}

#define SSR_FIELD(f) ((void *) APR_OFFSETOF(ssr_dir_conf, f))
#define SSR_WHERE (RSRC_CONF | ACCESS_CONF)

/* ap_set_flag_slot writes 0 or 1 into an int; the fields' unset value,
 * SSR_UNSET (-1), is neither, so a merge still tells "Off" from "not
 * said here". */
_Static_assert(sizeof(((ssr_dir_conf *) 0)->engine) == sizeof(int) &&
               sizeof(((ssr_dir_conf *) 0)->live_reload) == sizeof(int) &&
               sizeof(((ssr_dir_conf *) 0)->cache_vary_cookie) == sizeof(int) &&
               sizeof(((ssr_dir_conf *) 0)->fetch_allow_private) == sizeof(int) &&
               SSR_UNSET != 0 && SSR_UNSET != 1,
               "flag fields must be ints whose unset value is not 0 or 1");

static const command_rec ssr_cmds[] = {
    AP_INIT_FLAG("SSREngine", ap_set_flag_slot, SSR_FIELD(engine), SSR_WHERE,
                 "On to render HTML navigations in this scope"),
    AP_INIT_TAKE1("SSRBundle", ssr_set_path, SSR_FIELD(bundle), SSR_WHERE,
                  "the SSR bundle (dist/server/entry-server.js)"),
    AP_INIT_TAKE1("SSRTemplate", ssr_set_path, SSR_FIELD(template_path),
                  SSR_WHERE, "the HTML template (default: index.html in "
                  "DocumentRoot)"),
    AP_INIT_TAKE1("SSRManifest", ssr_set_path, SSR_FIELD(manifest), SSR_WHERE,
                  "a file passed to render() as ssrManifest text"),
    AP_INIT_TAKE1("SSRBase", ssr_set_base, NULL, SSR_WHERE,
                  "the app's Vite base URL path (default /)"),
    AP_INIT_TAKE1("SSRTimeout", ssr_set_timeout, NULL, SSR_WHERE,
                  "wall-clock deadline per render, e.g. 5s or 800ms"),
    AP_INIT_TAKE1("SSRMemoryLimit", ssr_set_memory_limit, NULL, SSR_WHERE,
                  "memory cap per JavaScript heap, e.g. 128M"),
    AP_INIT_TAKE1("SSRMaxRenders", ssr_set_max_renders, NULL, SSR_WHERE,
                  "renders before a heap is recycled (0 = no limit)"),
    AP_INIT_TAKE1("SSRScope", ssr_set_scope, NULL, SSR_WHERE,
                  "'pool' (heaps shared by the threads of a process; "
                  "'thread' is the same) or 'request' (a heap per request)"),
    AP_INIT_TAKE1("SSRHeaps", ssr_set_heaps, NULL, SSR_WHERE,
                  "heaps per process and app (default auto: online CPUs, "
                  "at most ThreadsPerChild)"),
    AP_INIT_TAKE1("SSRQueueTimeout", ssr_set_queue_timeout, NULL, SSR_WHERE,
                  "how long a request waits for a free heap before a 503, "
                  "e.g. 2s or 500ms (at most SSRTimeout)"),
    AP_INIT_TAKE1("SSRQueueLimit", ssr_set_queue_limit, NULL, SSR_WHERE,
                  "requests of a process that may wait for a heap at once "
                  "(default auto: a quarter of ThreadsPerChild stays free)"),
    AP_INIT_TAKE1("SSRReload", ssr_set_reload, NULL, SSR_WHERE,
                  "'stat' to notice new builds, or 'never'"),
    AP_INIT_TAKE1("SSRReloadInterval", ssr_set_reload_interval, NULL,
                  SSR_WHERE, "at most one check for a new build per interval "
                  "(0 = every request)"),
    AP_INIT_TAKE1("SSRFallback", ssr_set_fallback, NULL, SSR_WHERE,
                  "on a failed render: 'error' (500) or 'csr' (empty shell)"),
    AP_INIT_TAKE2("SSRSetEnv", ssr_set_env, NULL, SSR_WHERE,
                  "NAME value: visible as process.env.NAME"),
    AP_INIT_FLAG("SSRLiveReload", ap_set_flag_slot, SSR_FIELD(live_reload),
                 SSR_WHERE, "On for dev mode: reload open pages on a new "
                 "build"),
    AP_INIT_TAKE1("SSRAssetArchive", ssr_set_asset_archive, NULL, SSR_WHERE,
                  "where the assets of previous builds are kept, or 'off' "
                  "(default: mod_ssr-assets in DefaultRuntimeDir)"),
    AP_INIT_TAKE1("SSRAssetGrace", ssr_set_asset_grace, NULL, SSR_WHERE,
                  "how long an asset gone from the build in service is still "
                  "served, e.g. 24h or 7d"),
    AP_INIT_TAKE1("SSRLiveReloadPath", ssr_set_live_reload_path, NULL,
                  SSR_WHERE, "URL path of the dev-mode event stream (default: "
                  "the base + " SSR_LIVE_RELOAD_NAME ")"),
    AP_INIT_TAKE1("SSRCacheControl", ssr_set_cache_control, NULL, SSR_WHERE,
                  "Cache-Control of pages whose render sets none (default "
                  "no-cache)"),
    AP_INIT_FLAG("SSRCacheVaryCookie", ap_set_flag_slot,
                 SSR_FIELD(cache_vary_cookie), SSR_WHERE,
                 "Off when no page reads cookies: shared-cache pages then "
                 "do not vary on Cookie"),
    AP_INIT_ITERATE("SSRFetchAllow", ssr_set_fetch_allow, NULL, SSR_WHERE,
                    "URL prefixes of other origins fetch() may reach "
                    "(https://api.example.com/...), or none"),
    AP_INIT_FLAG("SSRFetchAllowPrivate", ap_set_flag_slot,
                 SSR_FIELD(fetch_allow_private), SSR_WHERE,
                 "On: allowed host names may resolve to private or loopback "
                 "addresses (default Off)"),
    AP_INIT_ITERATE("SSRFetchForwardHeaders", ssr_set_fetch_forward, NULL,
                    SSR_WHERE, "client request headers sent along with "
                    "same-origin fetches (default Accept-Language), or none"),
    AP_INIT_TAKE1("SSRFetchTimeout", ssr_set_fetch_timeout, NULL, SSR_WHERE,
                  "time limit of one fetch, redirects included (default 3s)"),
    AP_INIT_TAKE1("SSRFetchMaxSize", ssr_set_fetch_max_size, NULL, SSR_WHERE,
                  "largest response a fetch may receive (default 2M)"),
    AP_INIT_TAKE1("SSRFetchMax", ssr_set_fetch_max, NULL, SSR_WHERE,
                  "fetches one render may start (default 16; 0: fetch off)"),
    { NULL }
};

static int ssr_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp)
{
    return ssr_tcache_pre_config(pconf) == APR_SUCCESS ? OK : !OK;
}

/* Below this, deep but ordinary JavaScript (a framework's render of a deep
 * component tree, a large regular expression) fails where it would work
 * with the default stack: Duktape's native stack check keeps 128 KB of the
 * thread stack in reserve and stops recursion there. */
#define SSR_MIN_THREAD_STACK ((apr_size_t) 512 * 1024)

static void ssr_check_thread_stack(server_rec *s)
{
    int threaded = 0;

    if (ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded) == APR_SUCCESS &&
        threaded != AP_MPMQ_NOT_SUPPORTED && ap_thread_stacksize != 0 &&
        ap_thread_stacksize < SSR_MIN_THREAD_STACK) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, APLOGNO(20003)
                     "ThreadStackSize %" APR_SIZE_T_FMT " is small for "
                     "rendering: JavaScript recursion is stopped with a "
                     "RangeError %d KB before the end of each worker "
                     "thread's stack; use at least %" APR_SIZE_T_FMT,
                     ap_thread_stacksize, 128, SSR_MIN_THREAD_STACK);
    }
}

static int ssr_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    /* The first pass only checks the configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    if (ssr_tcache_post_config(pconf, s) != APR_SUCCESS ||
        ssr_stats_post_config(pconf, s) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ssr_checks_run(ptemp, s, 0);
    ssr_check_thread_stack(s);
    ssr_assets_post_config(ptemp, s);
    ssr_build_post_config(pconf, ptemp, s);
    ssr_cache_post_config(pconf, ptemp, s);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, APLOGNO(20001)
                 "mod_ssr %s ready (Duktape %ld.%ld.%ld)", SSR_VERSION,
                 (long) (DUK_VERSION / 10000), (long) (DUK_VERSION / 100 % 100),
                 (long) (DUK_VERSION % 100));
    return OK;
}

/* The first pass (configtest, the command that starts or signals the
 * server) has no error log open yet: the checks print on its console.
 * Later passes run them at post_config, into the error log. */
static int ssr_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        ssr_checks_run(ptemp, s, 1);
    }
    return OK;
}

static void ssr_child_init(apr_pool_t *pchild, server_rec *s)
{
    /* Before any worker thread renders: curl's global state. */
    if (ssr_fetch_global_init() != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(20150)
                     "libcurl could not be initialised: fetch() in renders "
                     "will fail");
    }
    ssr_tcache_child_init(pchild, s);
    ssr_build_child_init(pchild, s);
    ssr_heaps_child_init(pchild, s);
}

static const char *const ssr_before_rewrite[] = { "mod_rewrite.c", NULL };

static void ssr_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_config(ssr_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(ssr_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(ssr_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(ssr_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    /* Before mod_rewrite's fixups: a single-page-app rule that rewrites
     * every missing file to the template must not catch an asset the
     * archive still has. */
    ap_hook_fixups(ssr_assets_fixup, NULL, ssr_before_rewrite, APR_HOOK_FIRST);
    /* After every other fixup (mod_rewrite's included), just before the
     * file handler opens the file. */
    ap_hook_fixups(ssr_assets_pin, NULL, NULL, APR_HOOK_REALLY_LAST);
    ap_hook_handler(ssr_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ssr_stats_register_hooks(p);
    ssr_cache_register_hooks(p);
}

AP_DECLARE_MODULE(ssr) = {
    STANDARD20_MODULE_STUFF,
    ssr_conf_create,        /* per-directory config */
    ssr_conf_merge,         /* merge per-directory config */
    NULL,                   /* per-server config */
    NULL,                   /* merge per-server config */
    ssr_cmds,
    ssr_register_hooks
};
