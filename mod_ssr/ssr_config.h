/*
 * ssr_config.h -- per-directory configuration of mod_ssr.
 *
 * Every directive is allowed in the server config, virtual hosts,
 * <Directory> and <Location>; they all land in this one per-directory
 * structure.  Each field has an explicit "unset" value so that merging can
 * tell "not said here" from "said, with the default value".
 */
#ifndef SSR_CONFIG_H
#define SSR_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#define SSR_UNSET -1
#define SSR_UNSET_SIZE ((apr_size_t)-1)

#define SSR_DEFAULT_TIMEOUT apr_time_from_sec(5)
#define SSR_DEFAULT_MEMORY_LIMIT ((apr_size_t)128 * 1024 * 1024)
#define SSR_DEFAULT_RELOAD_INTERVAL apr_time_from_sec(1)
#define SSR_DEFAULT_TEMPLATE "index.html"

/* SSRScope pool (the default; "thread" is kept as another name for it)
 * or request. */
typedef enum { SSR_SCOPE_POOL = 0, SSR_SCOPE_REQUEST = 1 } ssr_scope_e;
#define SSR_SCOPE_THREAD SSR_SCOPE_POOL

/* SSRQueueTimeout when unset: how long a request waits for a heap of its
 * app's pool before it is answered 503 (never more than SSRTimeout). */
#define SSR_DEFAULT_QUEUE_TIMEOUT apr_time_from_sec(2)
typedef enum { SSR_RELOAD_STAT = 0, SSR_RELOAD_NEVER = 1 } ssr_reload_mode_e;
typedef enum { SSR_FALLBACK_ERROR = 0, SSR_FALLBACK_CSR = 1 } ssr_fallback_e;

typedef struct {
    int engine;                          /* SSREngine: 0/1 */
    const char *bundle;                  /* SSRBundle: absolute path */
    const char *template_path;           /* SSRTemplate: absolute path */
    const char *manifest;                /* SSRManifest: absolute path */
    const char *base;                    /* SSRBase: "/" or "/x/" */
    apr_interval_time_t timeout;         /* SSRTimeout */
    apr_size_t memory_limit;             /* SSRMemoryLimit */
    int max_renders;                     /* SSRMaxRenders: 0 = no limit */
    int scope;                           /* SSRScope */
    int reload;                          /* SSRReload */
    apr_interval_time_t reload_interval; /* SSRReloadInterval */
    int fallback;                        /* SSRFallback */
    apr_array_header_t *env;             /* SSRSetEnv: ssr_kv_t, in order */
    int live_reload;                     /* SSRLiveReload */
    const char *live_reload_path;        /* SSRLiveReloadPath */
    const char *asset_archive;           /* SSRAssetArchive: a path, or
                                          * ssr_archive_off */
    apr_interval_time_t asset_grace;     /* SSRAssetGrace */
    const char *cache_control;           /* SSRCacheControl */
    int cache_vary_cookie;               /* SSRCacheVaryCookie */
    int heaps;                           /* SSRHeaps: 0 = auto */
    apr_interval_time_t queue_timeout;   /* SSRQueueTimeout */
    int queue_limit;                     /* SSRQueueLimit: 0 = auto */
} ssr_dir_conf;

/* SSRAssetArchive off */
extern const char ssr_archive_off[];
#define SSR_DEFAULT_ASSET_GRACE apr_time_from_sec(24 * 3600)

/* The module's create_dir_config and merge_dir_config.  A new structure
 * has every field unset and an empty env; in a merge a field set in add
 * wins, and env is base's entries then add's, an entry of add replacing
 * base's entry of the same name in place. */
void *ssr_conf_create(apr_pool_t *p, char *dir);
void *ssr_conf_merge(apr_pool_t *p, void *base, void *add);

/* Effective values, with the defaults applied to unset fields. */
apr_interval_time_t ssr_conf_timeout(const ssr_dir_conf *c);
apr_size_t ssr_conf_memory_limit(const ssr_dir_conf *c);
int ssr_conf_max_renders(const ssr_dir_conf *c);
int ssr_conf_scope(const ssr_dir_conf *c);
int ssr_conf_reload(const ssr_dir_conf *c);
apr_interval_time_t ssr_conf_reload_interval(const ssr_dir_conf *c);
int ssr_conf_fallback(const ssr_dir_conf *c);
const char *ssr_conf_base(const ssr_dir_conf *c);
int ssr_conf_live_reload(const ssr_dir_conf *c);
apr_interval_time_t ssr_conf_asset_grace(const ssr_dir_conf *c);
/* SSRCacheControl, else "no-cache"; SSRCacheVaryCookie, else on. */
#define SSR_DEFAULT_CACHE_CONTROL "no-cache"
const char *ssr_conf_cache_control(const ssr_dir_conf *c);
int ssr_conf_cache_vary_cookie(const ssr_dir_conf *c);
/* SSRHeaps: the size of an app's heap pool per process; 0 = auto (the
 * caller derives it from the CPUs and threads). */
int ssr_conf_heaps(const ssr_dir_conf *c);
/* SSRQueueTimeout, at most SSRTimeout: waiting longer for a heap than a
 * render may take would only hold the client for a page that comes late. */
apr_interval_time_t ssr_conf_queue_timeout(const ssr_dir_conf *c);
/* SSRQueueLimit: how many requests of a process may wait for heaps at
 * once; 0 = auto (the caller keeps a quarter of the threads free). */
int ssr_conf_queue_limit(const ssr_dir_conf *c);

/* The template a scope renders into: SSRTemplate, or index.html in the
 * DocumentRoot given (the request's, or a server's at startup). */
const char *ssr_conf_template_path(apr_pool_t *p, const ssr_dir_conf *c,
                                   const char *docroot);

/* The dev-mode event stream's URL path: SSRLiveReloadPath, or the base
 * followed by SSR_LIVE_RELOAD_NAME. */
#define SSR_LIVE_RELOAD_NAME "__mod_ssr/live-reload"
const char *ssr_conf_live_reload_path(apr_pool_t *p, const ssr_dir_conf *c);

/* Everything in the module is compiled with -fvisibility=hidden, and
 * AP_MODULE_DECLARE_DATA is empty outside Windows: the module structure, the
 * one symbol httpd looks up (LoadModule ssr_module ...), is made visible
 * here.  The attribute carries over to its definition in mod_ssr.c. */
#if defined(__GNUC__) && !defined(WIN32)
#define SSR_MODULE_EXPORT __attribute__((visibility("default")))
#else
#define SSR_MODULE_EXPORT
#endif
extern SSR_MODULE_EXPORT module AP_MODULE_DECLARE_DATA ssr_module;

#endif /* SSR_CONFIG_H */
