/*
 * ssr_build.c -- apps, their builds (generations), and reloading them.
 *
 * Per process: a registry of apps, each with its current generation.  A
 * request asks for the current generation; at most once per
 * SSRReloadInterval one request stats the build's files and, when they
 * changed and have settled, loads the new build while every other request
 * keeps using the old one.  Only a fully loaded build (template split,
 * bundle compiled and evaluated) is swapped in, under the app's lock.  A
 * build that fails is remembered by its signature so it is logged once and
 * not retried until its files change.
 */
#include <string.h>

#include <httpd.h>
#include <http_core.h>
#include <http_log.h>
#include <apr_atomic.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "ssr_assets.h"
#include "ssr_build.h"
#include "ssr_store.h"
#include "ssr_ratelimit.h"
#include "ssr_sections.h"
#include "ssr_tcache.h"

APLOG_USE_MODULE(ssr);

struct ssr_app_t {
    const char *key;
    const char *bundle_path;
    const char *template_path;
    const char *manifest_path;     /* NULL: none */
    ssr_heap_opts_t heap_opts;
    server_rec *s;
    apr_thread_mutex_t *lock;      /* current, last_check, failed */
    apr_thread_mutex_t *load_lock; /* one loader at a time */
    ssr_gen_t *current;
    apr_time_t last_check;
    int has_failed;
    ssr_build_sig_t failed;
    ssr_build_sig_t mixed;         /* last files logged as mixed builds */
    const char *asset_root;        /* NULL: previous assets not kept */
    const char *client_dir;        /* the template's directory */
    apr_interval_time_t asset_grace;
    const char *store_path;        /* the last good build; NULL: none */
    apr_uint32_t serial;
    ssr_ratelimit_t failure_log;   /* under lock */
    char failed_why[2048];         /* why the failed build did not load */
    const char *reported;          /* the last failed build this process
                                    * claimed the report of (a file) */
};

static apr_pool_t *ssr_apps_pool;
/* Set while the parent loads the builds at startup (single-threaded). */
static int ssr_preloading;
static apr_hash_t *ssr_apps;
static apr_thread_mutex_t *ssr_apps_lock;

/* Drops the builds the registry holds when its pool goes: at a restart
 * the parent makes a new registry, and the old builds must be freed. */
static apr_status_t ssr_apps_cleanup(void *data)
{
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(NULL, ssr_apps); hi; hi = apr_hash_next(hi)) {
        ssr_app_t *app = apr_hash_this_val(hi);
        ssr_gen_t *g;

        /* a pre-cleanup: the locks are still there */
        apr_thread_mutex_lock(app->lock);
        g = app->current;
        app->current = NULL;
        apr_thread_mutex_unlock(app->lock);
        if (g) {
            ssr_gen_unref(g);
        }
    }
    ssr_apps = NULL;
    ssr_apps_lock = NULL;
    ssr_apps_pool = NULL;
    return APR_SUCCESS;
}

/* The registry lives in a pool of its own with its own allocator: the
 * parent makes it (and preloads builds into it) before forking, and then
 * every thread of a child allocates from it under ssr_apps_lock, which
 * must not race with other users of a shared allocator. */
static apr_status_t ssr_registry_create(apr_pool_t *parent)
{
    apr_allocator_t *alloc;
    apr_status_t rv;

    rv = apr_allocator_create(&alloc);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_pool_create_ex(&ssr_apps_pool, parent, NULL, alloc);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    apr_allocator_owner_set(alloc, ssr_apps_pool);
    apr_pool_tag(ssr_apps_pool, "mod_ssr apps");
    ssr_apps = apr_hash_make(ssr_apps_pool);
    rv = apr_thread_mutex_create(&ssr_apps_lock, APR_THREAD_MUTEX_DEFAULT,
                                 ssr_apps_pool);
    if (rv != APR_SUCCESS) {
        ssr_apps_lock = NULL;
        return rv;
    }
    apr_pool_pre_cleanup_register(ssr_apps_pool, NULL, ssr_apps_cleanup);
    return APR_SUCCESS;
}

apr_status_t ssr_build_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (ssr_apps_lock != NULL) {
        return APR_SUCCESS;     /* inherited from the parent */
    }
    rv = ssr_registry_create(pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(20030)
                     "cannot set up the app registry");
    }
    return rv;
}

/* --- logging from the engine ---------------------------------------------- */

static void ssr_log_server(void *baton, int level, const char *msg)
{
    server_rec *s = baton;

    ap_log_error(APLOG_MARK, level, 0, s, APLOGNO(20031) "%s", msg);
}

/* --- the registry --------------------------------------------------------- */

static const char *ssr_app_key_for(apr_pool_t *p, const ssr_dir_conf *conf,
                                   const char *template_path)
{
    const char *key = apr_psprintf(p, "%s\n%s\n%s\n%" APR_SIZE_T_FMT,
                                   conf->bundle, template_path,
                                   conf->manifest ? conf->manifest : "",
                                   ssr_conf_memory_limit(conf));
    int i;

    for (i = 0; i < conf->env->nelts; i++) {
        const ssr_kv_t *kv = &APR_ARRAY_IDX(conf->env, i, ssr_kv_t);
        key = apr_pstrcat(p, key, "\n", kv->name, "=", kv->value, NULL);
    }
    return key;
}

/* Where the last good builds are kept (ssr_store.h), in DefaultRuntimeDir. */
#define SSR_STORE_DIR "mod_ssr-builds"

/* Called with ssr_apps_lock held: ssr_apps_pool is only used under it.
 * NULL (logged) when the app's locks cannot be made; the app is then not
 * registered, and the next request tries again. */
static ssr_app_t *ssr_app_new(const char *key, const ssr_dir_conf *conf,
                              const char *template_path, server_rec *s)
{
    apr_pool_t *p = ssr_apps_pool;
    ssr_app_t *app = apr_pcalloc(p, sizeof(*app));
    apr_array_header_t *env;
    apr_status_t rv;
    int i;

    rv = apr_thread_mutex_create(&app->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv == APR_SUCCESS) {
        rv = apr_thread_mutex_create(&app->load_lock, APR_THREAD_MUTEX_DEFAULT,
                                     p);
        if (rv != APR_SUCCESS) {
            apr_thread_mutex_destroy(app->lock);
        }
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, APLOGNO(20034)
                     "cannot create the locks of the app of %s",
                     conf->bundle);
        return NULL;
    }
    env = apr_array_copy(p, conf->env);

    for (i = 0; i < env->nelts; i++) {
        ssr_kv_t *kv = &APR_ARRAY_IDX(env, i, ssr_kv_t);
        kv->name = apr_pstrdup(p, kv->name);
        kv->value = apr_pstrdup(p, kv->value);
    }
    app->key = apr_pstrdup(p, key);
    app->bundle_path = apr_pstrdup(p, conf->bundle);
    app->template_path = apr_pstrdup(p, template_path);
    app->manifest_path = conf->manifest ? apr_pstrdup(p, conf->manifest) : NULL;
    app->s = s;
    app->heap_opts.memory_limit = ssr_conf_memory_limit(conf);
    app->heap_opts.env = env;
    app->heap_opts.log = ssr_log_server;
    app->heap_opts.log_baton = s;
    /* Dev mode makes a build per save: nothing to keep for open tabs. */
    app->asset_root = ssr_conf_live_reload(conf) ? NULL
                      : apr_pstrdup(p, ssr_assets_root(p, conf));
    app->client_dir = apr_pstrmemdup(p, template_path,
                                     (apr_size_t) (strrchr(template_path, '/')
                                                   - template_path));
    app->asset_grace = ssr_conf_asset_grace(conf);
    app->store_path = apr_psprintf(p, "%s/%s.build",
                                   ap_runtime_dir_relative(p, SSR_STORE_DIR),
                                   ssr_hash_name(p, key));
    apr_hash_set(ssr_apps, app->key, APR_HASH_KEY_STRING, app);
    return app;
}

ssr_app_t *ssr_app_for(request_rec *r, const ssr_dir_conf *conf,
                       const char *template_path)
{
    const char *key = ssr_app_key_for(r->pool, conf, template_path);
    ssr_app_t *app;

    if (ssr_apps_lock == NULL) {
        return NULL;    /* no registry in this process (AH20030) */
    }
    apr_thread_mutex_lock(ssr_apps_lock);
    app = apr_hash_get(ssr_apps, key, APR_HASH_KEY_STRING);
    if (app == NULL) {
        app = ssr_app_new(key, conf, template_path, r->server);
    }
    apr_thread_mutex_unlock(ssr_apps_lock);
    return app;
}

/* --- loading at startup ---------------------------------------------------- */

static int ssr_app_check(ssr_app_t *app, apr_pool_t *p);

static void ssr_preload_app(void *baton, apr_pool_t *ptemp, server_rec *s,
                            const char *docroot, const ssr_dir_conf *c)
{
    const char *tpl, *key;
    ssr_app_t *app;

    if (c->engine != 1 || c->bundle == NULL) {
        return;
    }
    tpl = ssr_conf_template_path(ptemp, c, docroot);
    key = ssr_app_key_for(ptemp, c, tpl);
    if (apr_hash_get(ssr_apps, key, APR_HASH_KEY_STRING) != NULL) {
        return;
    }
    app = ssr_app_new(key, c, tpl, s);
    if (app != NULL) {
        app->last_check = apr_time_now();
        ssr_app_check(app, ptemp);
    }
}

apr_status_t ssr_build_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                   server_rec *main_server)
{
    apr_status_t rv;

    ssr_runtime_subdir(ptemp, main_server, SSR_STORE_DIR);
    rv = ssr_registry_create(pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, main_server, APLOGNO(20030)
                     "cannot set up the app registry");
        return rv;
    }
    ssr_preloading = 1;
    ssr_sections_each(ptemp, main_server, ssr_preload_app, NULL);
    ssr_preloading = 0;
    return APR_SUCCESS;
}

const ssr_heap_opts_t *ssr_app_heap_opts(const ssr_app_t *app)
{
    return &app->heap_opts;
}

const char *ssr_app_key(const ssr_app_t *app)
{
    return app->key;
}

const char *ssr_app_bundle_path(const ssr_app_t *app)
{
    return app ? app->bundle_path : NULL;
}

int ssr_app_may_log_failure(ssr_app_t *app, int *held_back)
{
    int ok;

    apr_thread_mutex_lock(app->lock);
    ok = ssr_ratelimit_allow(&app->failure_log, apr_time_now(), SSR_LOG_BURST,
                             SSR_LOG_WINDOW, held_back);
    apr_thread_mutex_unlock(app->lock);
    return ok;
}

/* --- error text ------------------------------------------------------------ */

/* A byte sequence httpd's error log would escape (it escapes all that is
 * not printable ASCII), of the few code frames and stack printers use,
 * and what reads the same in ASCII. */
static const struct {
    const char *utf8;
    char ascii;
} ssr_log_ascii[] = {
    { "\xE2\x94\x82", '|' },     /* box drawings light vertical */
    { "\xE2\x94\x83", '|' },     /* heavy vertical */
    { "\xE2\x94\x80", '-' },     /* light horizontal */
    { "\xE2\x94\x81", '-' },     /* heavy horizontal */
    { "\xE2\x94\xAC", '+' },     /* down and horizontal */
    { "\xE2\x94\xB4", '+' },     /* up and horizontal */
    { "\xE2\x94\xBC", '+' },     /* vertical and horizontal */
    { "\xE2\x94\x9C", '|' },     /* vertical and right */
    { "\xE2\x94\xA4", '|' },     /* vertical and left */
    { "\xE2\x95\xAD", '+' },     /* arc down and right */
    { "\xE2\x95\xAE", '+' },     /* arc down and left */
    { "\xE2\x95\xAF", '+' },     /* arc up and left */
    { "\xE2\x95\xB0", '+' },     /* arc up and right */
    { "\xE2\x80\xBA", '>' },     /* single right-pointing angle quote */
    { "\xE2\x9D\xAF", '>' },     /* heavy right-pointing angle */
    { "\xE2\x86\x92", '>' },     /* rightwards arrow */
    { "\xC2\xB7", '.' },          /* middle dot */
};

/* One line of text made fit for a log entry: control characters and
 * colours dropped (tabs become spaces), code-frame characters in ASCII,
 * cut at the end of buf.  Returns its length. */
static apr_size_t ssr_log_clean(const char *line, apr_size_t len, char *buf,
                                apr_size_t size)
{
    apr_size_t i = 0, o = 0, k;

    while (i < len && o + 4 < size) {
        unsigned char c = (unsigned char) line[i];

        if (c >= 0x80) {
            for (k = 0; k < sizeof(ssr_log_ascii) / sizeof(ssr_log_ascii[0]);
                 k++) {
                apr_size_t n = strlen(ssr_log_ascii[k].utf8);

                if (len - i >= n && memcmp(line + i, ssr_log_ascii[k].utf8,
                                           n) == 0) {
                    break;
                }
            }
            if (k < sizeof(ssr_log_ascii) / sizeof(ssr_log_ascii[0])) {
                buf[o++] = ssr_log_ascii[k].ascii;
                i += strlen(ssr_log_ascii[k].utf8);
                continue;
            }
            buf[o++] = (char) c;
        }
        else if (c == '\t') {
            buf[o++] = ' ';
        }
        else if (c == 0x1B && i + 1 < len && line[i + 1] == '[') {
            /* a colour (ANSI CSI sequence) of a bundler's message */
            i += 2;
            while (i < len && !((unsigned char) line[i] >= 0x40 &&
                                (unsigned char) line[i] <= 0x7E)) {
                i++;
            }
        }
        else if (c >= 0x20 && c != 0x7F) {
            buf[o++] = (char) c;
        }
        i++;
    }
    if (i < len) {
        /* cut: not in the middle of a character */
        while (o > 0 && ((unsigned char) buf[o - 1] & 0xC0) == 0x80) {
            o--;
        }
        if (o > 0 && (unsigned char) buf[o - 1] >= 0xC0) {
            o--;
        }
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    while (o > 0 && buf[o - 1] == ' ') {
        o--;
    }
    buf[o] = '\0';
    return o;
}

void ssr_log_lines(const server_rec *s, const request_rec *r, int level,
                   const char *tag, const char *marker, const char *head,
                   const char *text)
{
    char buf[2048];
    const char *line = text ? text : "";
    int n = 0, more = 0;

    for (;;) {
        apr_size_t len = strcspn(line, "\n");

        if (ssr_log_clean(line, len, buf, sizeof(buf)) > 0 || n == 0) {
            if (n == SSR_LOG_LINES) {
                more++;
            }
            else if (n == 0 && r) {
                ap_log_rerror(APLOG_MARK, level, 0, r, "%s%s [%s]: %s", tag,
                              head, marker, buf);
            }
            else if (n == 0) {
                ap_log_error(APLOG_MARK, level, 0, s, "%s%s [%s]: %s", tag,
                             head, marker, buf);
            }
            else if (r) {
                ap_log_rerror(APLOG_MARK, level, 0, r, "%s[%s] %s", tag,
                              marker, buf);
            }
            else {
                ap_log_error(APLOG_MARK, level, 0, s, "%s[%s] %s", tag,
                             marker, buf);
            }
            if (n < SSR_LOG_LINES) {
                n++;
            }
        }
        if (line[len] == '\0') {
            break;
        }
        line += len + 1;
    }
    if (more > 0 && r) {
        ap_log_rerror(APLOG_MARK, level, 0, r, "%s[%s] (%d more lines)", tag,
                      marker, more);
    }
    else if (more > 0) {
        ap_log_error(APLOG_MARK, level, 0, s, "%s[%s] (%d more lines)", tag,
                     marker, more);
    }
}

const char *ssr_gen_source_text(apr_pool_t *p, const ssr_gen_t *g,
                                const char *bundle_path, const char *text)
{
    if (g == NULL || g->srcmap == NULL || text == NULL) {
        return text;
    }
    return ssr_srcmap_stack(p, g->srcmap, text, bundle_path, NULL);
}

/* A map larger than this is not read (see also SSR_SRCMAP_MAX_MAPPINGS). */
#define SSR_SRCMAP_MAX_FILE (96 * 1024 * 1024)

/* The source map beside the bundle (bundle.map), read into p when it
 * belongs to the build: a map stamped by the plugin must carry the
 * bundle's build id; an unstamped one is taken with an unstamped bundle
 * (a stamped map beside an unstamped bundle is a previous build's).  NULL
 * (logged at debug or info) when there is none to use. */
static ssr_srcmap_t *ssr_app_srcmap(ssr_app_t *app, apr_pool_t *p,
                                    const char *build_id)
{
    const char *path = apr_pstrcat(p, app->bundle_path, ".map", NULL);
    const char *err = NULL;
    ssr_file_sig_t sig;
    ssr_srcmap_t *m;
    char *json;
    apr_size_t len;
    apr_status_t rv;

    ssr_file_sig_stat(p, path, &sig);
    if (!sig.present) {
        return NULL;
    }
    if (sig.size > SSR_SRCMAP_MAX_FILE) {
        err = "too large";
    }
    else if ((rv = ssr_file_read(p, path, &json, &len)) != APR_SUCCESS) {
        err = apr_psprintf(p, "cannot read it: %pm", &rv);
    }
    else if (ssr_srcmap_parse(p, json, len, &m, &err) == APR_SUCCESS) {
        if ((build_id == NULL && m->build_id == NULL) ||
            (build_id && m->build_id && strcmp(m->build_id, build_id) == 0)) {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, app->s, APLOGNO(20110)
                         "source map %s: %d sources, %" APR_SIZE_T_FMT
                         " bytes of mappings", path, m->nsources,
                         m->mappings_len);
            return m;
        }
        err = apr_psprintf(p, "it is of build %s, the bundle of %s",
                           m->build_id ? m->build_id : "(not stamped)",
                           build_id ? build_id : "(not stamped)");
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, app->s, APLOGNO(20111)
                 "not using the source map %s: %s (errors show positions "
                 "in the bundle)", path, err);
    return NULL;
}

/* m, copied into the generation's pool. */
static const ssr_srcmap_t *ssr_srcmap_copy(apr_pool_t *p,
                                           const ssr_srcmap_t *m)
{
    ssr_srcmap_t *c = apr_pmemdup(p, m, sizeof(*m));
    int i;

    c->mappings = apr_pstrmemdup(p, m->mappings, m->mappings_len);
    c->sources = apr_palloc(p, sizeof(*c->sources) *
                               (apr_size_t) (m->nsources ? m->nsources : 1));
    for (i = 0; i < m->nsources; i++) {
        c->sources[i] = m->sources[i] ? apr_pstrdup(p, m->sources[i]) : NULL;
    }
    c->build_id = m->build_id ? apr_pstrdup(p, m->build_id) : NULL;
    return c;
}

/* Once per failed build in all processes: the first process to see it
 * claims its report with a file made exclusively beside the stored build
 * (a child that inherited the failure from the parent's preload does not
 * look again).  1 when this process is to log it.  Without a store the
 * report cannot be shared: every process logs. */
static int ssr_app_claim_report(ssr_app_t *app, apr_pool_t *p,
                                const char *id)
{
    const char *path;
    apr_file_t *f;
    apr_status_t rv;

    if (app->store_path == NULL) {
        return 1;
    }
    path = apr_psprintf(p, "%s.%s.reported", app->store_path, id);
    rv = apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE |
                       APR_FOPEN_EXCL, APR_FPROT_OS_DEFAULT, p);
    if (APR_STATUS_IS_EEXIST(rv)) {
        return 0;
    }
    if (rv != APR_SUCCESS) {
        return 1;
    }
    apr_file_close(f);
    ssr_give_to_user(path);
    /* only the newest claim matters: builds do not come back */
    if (app->reported && strcmp(app->reported, path) != 0) {
        apr_file_remove(app->reported, p);
    }
    app->reported = apr_pstrdup(ssr_apps_pool, path);
    return 1;
}

/* --- generations ---------------------------------------------------------- */

void ssr_gen_ref(ssr_gen_t *g)
{
    apr_atomic_inc32(&g->refs);
}

void ssr_gen_unref(ssr_gen_t *g)
{
    if (apr_atomic_dec32(&g->refs) == 0) {
        apr_pool_destroy(g->pool);
    }
}

static apr_status_t ssr_gen_cleanup(void *data)
{
    ssr_gen_unref(data);
    return APR_SUCCESS;
}

static void ssr_stat_build(apr_pool_t *p, const ssr_app_t *app,
                           ssr_build_sig_t *sig)
{
    ssr_file_sig_stat(p, app->bundle_path, &sig->bundle);
    ssr_file_sig_stat(p, app->template_path, &sig->tpl);
    ssr_file_sig_stat(p, app->manifest_path, &sig->manifest);
}

/* Makes a generation of the build a snapshot holds (compiled bundle,
 * split template, manifest text), or says why it cannot be loaded. */
static ssr_gen_t *ssr_gen_load(ssr_app_t *app, const ssr_snapshot_t *snap,
                               apr_pool_t *scratch, const char **err)
{
    apr_pool_t *p;
    ssr_gen_t *g;
    apr_time_t start = apr_time_now();

    /* Unmanaged: its life is the generation's references, not a request's
     * or a thread's. */
    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS) {
        *err = "out of memory";
        return NULL;
    }
    apr_pool_tag(p, "mod_ssr build");
    g = apr_pcalloc(p, sizeof(*g));
    g->pool = p;
    g->sig = snap->sig;
    g->build_id = snap->id ? apr_pstrdup(p, snap->id)
                           : ssr_build_id(p, &snap->sig);
    if (ssr_bundle_compile(p, snap->bundle, snap->bundle_len,
                           app->bundle_path, &app->heap_opts, &g->bundle,
                           err) != APR_SUCCESS ||
        ssr_tcache_get(p, app->s, app->template_path, &snap->sig.tpl,
                       snap->tpl, snap->tpl_len, &g->tpl,
                       err) != APR_SUCCESS) {
        *err = apr_pstrdup(scratch, *err);
        apr_pool_destroy(p);
        return NULL;
    }
    if (snap->manifest) {
        g->manifest = apr_pmemdup(p, snap->manifest, snap->manifest_len + 1);
        g->manifest_len = snap->manifest_len;
    }
    g->refs = 1;    /* the app's "current" reference */
    g->load_time = apr_time_now() - start;
    return g;
}

static void ssr_log_loaded(const ssr_app_t *app, const ssr_gen_t *g)
{
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, app->s, APLOGNO(20032)
                 "loaded build %s of %s (template %s, %" APR_SIZE_T_FMT
                 " bytes of bytecode) in %" APR_TIME_T_FMT " ms",
                 g->build_id, app->bundle_path, app->template_path,
                 ssr_bundle_bytecode_size(g->bundle),
                 apr_time_as_msec(g->load_time));
}

/* A build tool can mark a build complete by touching SSR_BUILD_MARKER next
 * to the bundle once it has written everything (vite-plugin-mod-ssr does).
 * While the marker is older than the files, the build is still being
 * written.  A marker far older than the files is a leftover of an earlier
 * tool and is ignored (the settle time still applies).  Only builds without
 * the plugin's build-id stamps need this: stamped files say themselves
 * whether they belong together. */
#define SSR_BUILD_MARKER ".mod_ssr-build-complete"
#define SSR_MARKER_STALE apr_time_from_sec(30)

static int ssr_marker_pending(apr_pool_t *p, const ssr_app_t *app,
                              const ssr_build_sig_t *seen)
{
    const char *slash = strrchr(app->bundle_path, '/');
    ssr_file_sig_t marker;
    apr_time_t newest = seen->bundle.mtime > seen->tpl.mtime
                        ? seen->bundle.mtime : seen->tpl.mtime;

    if (slash == NULL) {
        return 0;
    }
    ssr_file_sig_stat(p, apr_pstrcat(p, apr_pstrmemdup(p, app->bundle_path,
                                                   (apr_size_t) (slash - app->bundle_path)),
                                 "/" SSR_BUILD_MARKER, NULL), &marker);
    return marker.present && marker.mtime < newest &&
           newest - marker.mtime < SSR_MARKER_STALE;
}

/* Reads the build the files hold as one snapshot, and says whether it is
 * ready to load: 1 with *snap filled, 0 to look again at the next check.
 * A build stamped by the plugin is ready as soon as its files agree; one
 * without stamps only once its files have settled and the build-complete
 * marker (if any) is not older than them.  Files that fail to read are
 * ready too: loading them records the failure. */
static int ssr_snapshot_ready(ssr_app_t *app, apr_pool_t *p,
                              ssr_reload_e what, int loaded,
                              const ssr_build_sig_t *seen,
                              ssr_snapshot_t *snap)
{
    switch (ssr_snapshot_read(p, app->bundle_path, app->template_path,
                              app->manifest_path, snap)) {
    case SSR_SNAP_CHANGING:
        return 0;
    case SSR_SNAP_MIXED:
        /* a deploy or a build in progress: not a failure, but say so once
         * for each set of files, in case it never completes */
        if (!ssr_sig_equal(&app->mixed, seen)) {
            app->mixed = *seen;
            ap_log_error(APLOG_MARK, loaded ? APLOG_INFO : APLOG_WARNING, 0,
                         app->s, APLOGNO(20035) "not loading the files of %s "
                          "yet: %s%s", app->bundle_path, snap->why,
                          loaded ? " (still serving the previous build)" : "");
        }
        return 0;
    case SSR_SNAP_OK:
        if (snap->id == NULL && loaded &&
            (what == SSR_RELOAD_WAIT ||
             ssr_marker_pending(p, app, &snap->sig))) {
            return 0;
        }
        return 1;
    default:
        return 1;   /* missing or unreadable: recorded as a failure */
    }
}

/* Records a build that failed to load (under app->lock). */
static void ssr_app_failed(ssr_app_t *app, const ssr_build_sig_t *sig,
                           const char *why)
{
    app->has_failed = 1;
    app->failed = *sig;
    apr_cpystrn(app->failed_why, why, sizeof(app->failed_why));
}

/* Puts g in service (under app->lock); the generation it replaces is
 * released once the lock is dropped. */
static void ssr_app_install(ssr_app_t *app, ssr_gen_t *g, int files_good)
{
    ssr_gen_t *old;

    apr_thread_mutex_lock(app->lock);
    g->serial = ++app->serial;
    old = app->current;
    app->current = g;
    if (files_good) {
        app->has_failed = 0;
    }
    apr_thread_mutex_unlock(app->lock);
    if (old) {
        ssr_gen_unref(old);
    }
}

/* Keeps the snapshot of a good build for the processes that will not be
 * able to load the files (see ssr_store.h); once per build. */
static void ssr_app_store(ssr_app_t *app, apr_pool_t *p,
                          const ssr_snapshot_t *snap, const ssr_gen_t *g)
{
    const char *stored = NULL;
    apr_status_t rv;

    if (app->store_path == NULL ||
        (ssr_store_id(p, app->store_path, &stored) == APR_SUCCESS &&
         strcmp(stored, g->build_id) == 0)) {
        return;
    }
    rv = ssr_store_put(p, app->store_path, snap, g->build_id);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, app->s, APLOGNO(20037)
                     "cannot keep build %s of %s in %s: a process started "
                     "while the files are broken will have no build to serve",
                     g->build_id, app->bundle_path, app->store_path);
        return;
    }
    ssr_give_to_user(app->store_path);
}

/* The files do not give a good build: serve the last good one any process
 * loaded, if this process has none or an older one.  1 when it did. */
static int ssr_app_fallback(ssr_app_t *app, apr_pool_t *p)
{
    const char *stored, *err = NULL, *current;
    ssr_snapshot_t snap;
    ssr_gen_t *g;

    if (app->store_path == NULL ||
        ssr_store_id(p, app->store_path, &stored) != APR_SUCCESS) {
        return 0;
    }
    apr_thread_mutex_lock(app->lock);
    current = app->current ? apr_pstrdup(p, app->current->build_id) : NULL;
    apr_thread_mutex_unlock(app->lock);
    if (current && strcmp(current, stored) == 0) {
        return 0;
    }
    if (ssr_store_get(p, app->store_path, &snap) != APR_SUCCESS ||
        (g = ssr_gen_load(app, &snap, p, &err)) == NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, app->s, APLOGNO(20038)
                     "cannot load the last good build of %s kept in %s%s%s",
                     app->bundle_path, app->store_path, err ? ": " : "",
                     err ? err : "");
        return 0;
    }
    ssr_app_install(app, g, 0);
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, app->s, APLOGNO(20036)
                 "serving build %s of %s, the last good build (kept in %s), "
                 "while its files do not load", g->build_id, app->bundle_path,
                 app->store_path);
    return 1;
}

/* Stats the files and loads a new build when one is ready; 1 when it put
 * a build in service.  Runs in one request at a time per app (load_lock,
 * the only place app->current is written); others keep serving, and read
 * app->current under app->lock. */
static int ssr_app_check(ssr_app_t *app, apr_pool_t *p)
{
    ssr_build_sig_t seen;
    ssr_snapshot_t snap;
    ssr_gen_t *g = NULL;
    const char *err = NULL, *retired = NULL;
    ssr_reload_e what;
    int loaded;

    ssr_stat_build(p, app, &seen);
    apr_thread_mutex_lock(app->lock);
    loaded = app->current != NULL;
    retired = loaded ? apr_pstrdup(p, app->current->build_id) : NULL;
    what = ssr_reload_decide(loaded ? &app->current->sig : NULL,
                             app->has_failed ? &app->failed : NULL, &seen,
                             apr_time_now());
    apr_thread_mutex_unlock(app->lock);
    if (what == SSR_RELOAD_KEEP || what == SSR_RELOAD_SKIP) {
        return loaded ? 0 : ssr_app_fallback(app, p);
    }
    if (!ssr_snapshot_ready(app, p, what, loaded, &seen, &snap)) {
        return loaded ? 0 : ssr_app_fallback(app, p);
    }
    if (snap.bundle && snap.tpl) {
        g = ssr_gen_load(app, &snap, p, &err);
    }
    else {
        err = snap.why;
    }
    if (g != NULL && app->asset_root) {
        /* The build's assets are archived now, before its first page, from
         * the client directory that holds its template: later (at the
         * first request of a child that inherited the build, say) the
         * directory may hold the next build's files, a symlink flipped or
         * the files copied over, and this build's would be gone.  If the
         * template changed meanwhile, the directory may be another build's
         * already: this snapshot is dropped and the next check loads what
         * is there. */
        if (!ssr_assets_keep(p, app->s, app->asset_root, app->client_dir,
                             g->build_id, retired, app->asset_grace,
                             app->template_path, &snap.sig.tpl)) {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, app->s, APLOGNO(20085)
                         "not loading build %s of %s yet: its template "
                         "changed while its assets were archived",
                         g->build_id, app->bundle_path);
            ssr_gen_unref(g);
            return 0;
        }
    }
    if (g == NULL) {
        const char *id = snap.id ? snap.id : ssr_build_id(p, &snap.sig);
        ssr_srcmap_t *m = snap.bundle ? ssr_app_srcmap(app, p, snap.id)
                                      : NULL;

        if (m) {
            err = ssr_srcmap_stack(p, m, err, app->bundle_path, NULL);
        }
        apr_thread_mutex_lock(app->lock);
        ssr_app_failed(app, &snap.sig, err);
        apr_thread_mutex_unlock(app->lock);
        /* The parent reports at every start; a child only what no other
         * process reported (each would otherwise log the same error). */
        if (ssr_app_claim_report(app, p, id) || ssr_preloading) {
            ssr_log_lines(app->s, NULL, APLOG_ERR, APLOGNO(20033), id,
                          apr_psprintf(p, "cannot load build of %s%s",
                                       app->bundle_path, loaded
                                       ? " (still serving the previous build)"
                                       : ""), err);
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, app->s, APLOGNO(20112)
                         "build %s of %s does not load here either "
                         "(reported by another process)", id,
                         app->bundle_path);
        }
        return ssr_app_fallback(app, p);
    }
    if (snap.bundle) {
        ssr_srcmap_t *m = ssr_app_srcmap(app, p, snap.id);

        g->srcmap = m ? ssr_srcmap_copy(g->pool, m) : NULL;
    }
    if (app->reported) {
        /* a good build ends the broken one's report */
        apr_file_remove(app->reported, p);
        app->reported = NULL;
    }
    ssr_app_install(app, g, 1);
    ssr_log_loaded(app, g);
    if (app->manifest_path && !snap.sig.manifest.present) {
        /* the manifest is optional to the app: a wrong path must not take
         * the site down */
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, app->s, APLOGNO(20039)
                     "SSRManifest %s does not exist: build %s renders without "
                     "it (render() gets undefined as ssrManifest)",
                     app->manifest_path, g->build_id);
    }
    ssr_app_store(app, p, &snap, g);
    return 1;
}

/* Has a build been loaded? */
static int ssr_app_loaded(ssr_app_t *app)
{
    int loaded;

    apr_thread_mutex_lock(app->lock);
    loaded = app->current != NULL;
    apr_thread_mutex_unlock(app->lock);
    return loaded;
}

/* Claims the next check if one is due: only one request per interval
 * pays for the stat calls.  *loaded: whether a build is in service. */
static int ssr_app_claim_check(ssr_app_t *app, const ssr_dir_conf *conf,
                               int *loaded)
{
    apr_time_t now = apr_time_now();
    int due;

    apr_thread_mutex_lock(app->lock);
    *loaded = app->current != NULL;
    if (!*loaded) {
        due = !app->has_failed ||
              ssr_reload_due(now, app->last_check,
                             ssr_conf_reload_interval(conf));
    }
    else {
        due = ssr_conf_reload(conf) == SSR_RELOAD_STAT &&
              ssr_reload_due(now, app->last_check,
                             ssr_conf_reload_interval(conf));
    }
    if (due) {
        app->last_check = now;
    }
    apr_thread_mutex_unlock(app->lock);
    return due;
}

/* Looks for a new build if a check is due (see ssr_app_claim_check). */
static void ssr_app_refresh(ssr_app_t *app, request_rec *r,
                            const ssr_dir_conf *conf)
{
    int loaded;

    if (!ssr_app_claim_check(app, conf, &loaded)) {
        return;
    }
    if (!loaded) {
        /* The first load: wait for whoever is loading, then load only if
         * they did not. */
        apr_thread_mutex_lock(app->load_lock);
        if (!ssr_app_loaded(app)) {
            ssr_app_check(app, r->pool);
        }
        apr_thread_mutex_unlock(app->load_lock);
    }
    else if (apr_thread_mutex_trylock(app->load_lock) == APR_SUCCESS) {
        ssr_app_check(app, r->pool);
        apr_thread_mutex_unlock(app->load_lock);
    }
}

ssr_gen_t *ssr_app_acquire(ssr_app_t *app, request_rec *r,
                           const ssr_dir_conf *conf)
{
    ssr_gen_t *g;

    if (app == NULL) {
        return NULL;    /* the app could not be set up (logged) */
    }
    ssr_app_refresh(app, r, conf);
    apr_thread_mutex_lock(app->lock);
    g = app->current;
    if (g) {
        ssr_gen_ref(g);
    }
    apr_thread_mutex_unlock(app->lock);
    if (g) {
        apr_pool_cleanup_register(r->pool, g, ssr_gen_cleanup,
                                  apr_pool_cleanup_null);
    }
    return g;
}

void ssr_app_poll(ssr_app_t *app, request_rec *r, const ssr_dir_conf *conf,
                  apr_pool_t *p, ssr_app_state_t *st)
{
    if (app == NULL) {
        st->build_id = NULL;
        st->error = "mod_ssr could not set up this app: see the error log";
        return;
    }
    ssr_app_refresh(app, r, conf);
    apr_thread_mutex_lock(app->lock);
    st->build_id = app->current ? apr_pstrdup(p, app->current->build_id)
                                : NULL;
    st->error = app->has_failed ? apr_pstrdup(p, app->failed_why) : NULL;
    apr_thread_mutex_unlock(app->lock);
}
