/*
 * ssr_config.c -- creating and merging the per-directory configuration,
 * and its effective values.
 *
 * No ap_* calls in here: the unit tests link this file without httpd.
 */
#include <string.h>

#include <apr_tables.h>

#include <apr_strings.h>

#include "ssr_config.h"
#include "ssr_engine.h"

const char ssr_archive_off[] = "off";

void *ssr_conf_create(apr_pool_t *p, char *dir)
{
    ssr_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->engine = SSR_UNSET;
    c->bundle = NULL;
    c->template_path = NULL;
    c->manifest = NULL;
    c->base = NULL;
    c->timeout = SSR_UNSET;
    c->memory_limit = SSR_UNSET_SIZE;
    c->max_renders = SSR_UNSET;
    c->scope = SSR_UNSET;
    c->reload = SSR_UNSET;
    c->reload_interval = SSR_UNSET;
    c->fallback = SSR_UNSET;
    c->env = apr_array_make(p, 2, sizeof(ssr_kv_t));
    c->live_reload = SSR_UNSET;
    c->live_reload_path = NULL;
    c->asset_archive = NULL;
    c->asset_grace = SSR_UNSET;
    c->cache_control = NULL;
    c->cache_vary_cookie = SSR_UNSET;
    c->heaps = SSR_UNSET;
    c->queue_timeout = SSR_UNSET;
    c->queue_limit = SSR_UNSET;
    return c;
}

/* The index of name in env, or -1. */
static int env_find(const apr_array_header_t *env, const char *name)
{
    int i;

    for (i = 0; i < env->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(env, i, ssr_kv_t).name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* base's entries, then add's; an add entry overrides a base entry of the
 * same name where it stands, so the order of first definition is kept and
 * every name appears once (later wins, as in process.env). */
static apr_array_header_t *env_merge(apr_pool_t *p,
                                     const apr_array_header_t *base,
                                     const apr_array_header_t *add)
{
    apr_array_header_t *env = base ? apr_array_copy(p, base)
                                   : apr_array_make(p, 2, sizeof(ssr_kv_t));
    int i;

    for (i = 0; add != NULL && i < add->nelts; i++) {
        const ssr_kv_t *kv = &APR_ARRAY_IDX(add, i, ssr_kv_t);
        int at = env_find(env, kv->name);

        if (at >= 0) {
            APR_ARRAY_IDX(env, at, ssr_kv_t) = *kv;
        }
        else {
            APR_ARRAY_PUSH(env, ssr_kv_t) = *kv;
        }
    }
    return env;
}

#define MERGE_INT(f) (add->f != SSR_UNSET ? add->f : base->f)
#define MERGE_PTR(f) (add->f != NULL ? add->f : base->f)

void *ssr_conf_merge(apr_pool_t *p, void *base_, void *add_)
{
    const ssr_dir_conf *base = base_;
    const ssr_dir_conf *add = add_;
    ssr_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->engine = MERGE_INT(engine);
    c->bundle = MERGE_PTR(bundle);
    c->template_path = MERGE_PTR(template_path);
    c->manifest = MERGE_PTR(manifest);
    c->base = MERGE_PTR(base);
    c->timeout = MERGE_INT(timeout);
    c->memory_limit = add->memory_limit != SSR_UNSET_SIZE
                      ? add->memory_limit : base->memory_limit;
    c->max_renders = MERGE_INT(max_renders);
    c->scope = MERGE_INT(scope);
    c->reload = MERGE_INT(reload);
    c->reload_interval = MERGE_INT(reload_interval);
    c->fallback = MERGE_INT(fallback);
    c->env = env_merge(p, base->env, add->env);
    c->live_reload = MERGE_INT(live_reload);
    c->live_reload_path = MERGE_PTR(live_reload_path);
    c->asset_archive = MERGE_PTR(asset_archive);
    c->asset_grace = MERGE_INT(asset_grace);
    c->cache_control = MERGE_PTR(cache_control);
    c->cache_vary_cookie = MERGE_INT(cache_vary_cookie);
    c->heaps = MERGE_INT(heaps);
    c->queue_timeout = MERGE_INT(queue_timeout);
    c->queue_limit = MERGE_INT(queue_limit);
    return c;
}

apr_interval_time_t ssr_conf_timeout(const ssr_dir_conf *c)
{
    return c->timeout != SSR_UNSET ? c->timeout : SSR_DEFAULT_TIMEOUT;
}

apr_size_t ssr_conf_memory_limit(const ssr_dir_conf *c)
{
    return c->memory_limit != SSR_UNSET_SIZE ? c->memory_limit
                                             : SSR_DEFAULT_MEMORY_LIMIT;
}

int ssr_conf_max_renders(const ssr_dir_conf *c)
{
    return c->max_renders != SSR_UNSET ? c->max_renders : 0;
}

int ssr_conf_scope(const ssr_dir_conf *c)
{
    return c->scope != SSR_UNSET ? c->scope : SSR_SCOPE_POOL;
}

int ssr_conf_reload(const ssr_dir_conf *c)
{
    return c->reload != SSR_UNSET ? c->reload : SSR_RELOAD_STAT;
}

apr_interval_time_t ssr_conf_reload_interval(const ssr_dir_conf *c)
{
    return c->reload_interval != SSR_UNSET ? c->reload_interval
                                           : SSR_DEFAULT_RELOAD_INTERVAL;
}

int ssr_conf_fallback(const ssr_dir_conf *c)
{
    return c->fallback != SSR_UNSET ? c->fallback : SSR_FALLBACK_ERROR;
}

const char *ssr_conf_base(const ssr_dir_conf *c)
{
    return c->base != NULL ? c->base : "/";
}

apr_interval_time_t ssr_conf_asset_grace(const ssr_dir_conf *c)
{
    return c->asset_grace != SSR_UNSET ? c->asset_grace
                                       : SSR_DEFAULT_ASSET_GRACE;
}

const char *ssr_conf_cache_control(const ssr_dir_conf *c)
{
    return c->cache_control != NULL ? c->cache_control
                                    : SSR_DEFAULT_CACHE_CONTROL;
}

int ssr_conf_cache_vary_cookie(const ssr_dir_conf *c)
{
    return c->cache_vary_cookie != 0;
}

int ssr_conf_heaps(const ssr_dir_conf *c)
{
    return c->heaps != SSR_UNSET ? c->heaps : 0;
}

apr_interval_time_t ssr_conf_queue_timeout(const ssr_dir_conf *c)
{
    apr_interval_time_t q = c->queue_timeout != SSR_UNSET
                            ? c->queue_timeout : SSR_DEFAULT_QUEUE_TIMEOUT;
    apr_interval_time_t t = ssr_conf_timeout(c);

    return q < t ? q : t;
}

int ssr_conf_queue_limit(const ssr_dir_conf *c)
{
    return c->queue_limit != SSR_UNSET ? c->queue_limit : 0;
}

int ssr_conf_live_reload(const ssr_dir_conf *c)
{
    return c->live_reload == 1;
}

const char *ssr_conf_template_path(apr_pool_t *p, const ssr_dir_conf *c,
                                   const char *docroot)
{
    apr_size_t n;

    if (c->template_path != NULL) {
        return c->template_path;
    }
    n = strlen(docroot);
    return apr_pstrcat(p, docroot, n > 0 && docroot[n - 1] == '/' ? "" : "/",
                       SSR_DEFAULT_TEMPLATE, NULL);
}

const char *ssr_conf_live_reload_path(apr_pool_t *p, const ssr_dir_conf *c)
{
    if (c->live_reload_path != NULL) {
        return c->live_reload_path;
    }
    return apr_pstrcat(p, ssr_conf_base(c), SSR_LIVE_RELOAD_NAME, NULL);
}
