/*
 * check_config.c -- per-directory configuration: create, merge, effective
 * values (ssr_config.c).
 */
#include <string.h>

#include <apr_pools.h>
#include <apr_tables.h>

#include "check_suites.h"
#include "ssr_config.h"
#include "ssr_engine.h"

static apr_pool_t *pool;

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

static ssr_dir_conf *create(void)
{
    return ssr_conf_create(pool, NULL);
}

static ssr_dir_conf *merge(ssr_dir_conf *base, ssr_dir_conf *add)
{
    return ssr_conf_merge(pool, base, add);
}

static void env_add(ssr_dir_conf *c, const char *name, const char *value)
{
    ssr_kv_t *kv = apr_array_push(c->env);

    kv->name = name;
    kv->value = value;
}

static void env_expect(const apr_array_header_t *env, int i,
                       const char *name, const char *value)
{
    const ssr_kv_t *kv = &APR_ARRAY_IDX(env, i, ssr_kv_t);

    ck_assert_str_eq(kv->name, name);
    ck_assert_str_eq(kv->value, value);
}

START_TEST(create_all_unset)
{
    ssr_dir_conf *c = ssr_conf_create(pool, "/srv/app");

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->engine, SSR_UNSET);
    ck_assert_ptr_null(c->bundle);
    ck_assert_ptr_null(c->template_path);
    ck_assert_ptr_null(c->manifest);
    ck_assert_ptr_null(c->base);
    ck_assert_int_eq(c->timeout, SSR_UNSET);
    ck_assert_uint_eq(c->memory_limit, SSR_UNSET_SIZE);
    ck_assert_int_eq(c->max_renders, SSR_UNSET);
    ck_assert_int_eq(c->scope, SSR_UNSET);
    ck_assert_int_eq(c->reload, SSR_UNSET);
    ck_assert_int_eq(c->reload_interval, SSR_UNSET);
    ck_assert_int_eq(c->fallback, SSR_UNSET);
    ck_assert_int_eq(c->live_reload, SSR_UNSET);
    ck_assert_int_eq(c->heaps, SSR_UNSET);
    ck_assert_int_eq(c->queue_timeout, SSR_UNSET);
    ck_assert_ptr_nonnull(c->env);
    ck_assert_int_eq(c->env->nelts, 0);
    ck_assert_int_eq(c->env->elt_size, sizeof(ssr_kv_t));
}
END_TEST

START_TEST(create_distinct)
{
    ssr_dir_conf *a = create();
    ssr_dir_conf *b = create();

    ck_assert_ptr_ne(a, b);
    ck_assert_ptr_ne(a->env, b->env);
}
END_TEST

START_TEST(defaults)
{
    ssr_dir_conf *c = create();

    ck_assert_int_eq(ssr_conf_timeout(c), apr_time_from_sec(5));
    ck_assert_uint_eq(ssr_conf_memory_limit(c), (apr_size_t)128 << 20);
    ck_assert_int_eq(ssr_conf_max_renders(c), 0);
    ck_assert_int_eq(ssr_conf_scope(c), SSR_SCOPE_THREAD);
    ck_assert_int_eq(ssr_conf_reload(c), SSR_RELOAD_STAT);
    ck_assert_int_eq(ssr_conf_reload_interval(c), apr_time_from_sec(1));
    ck_assert_int_eq(ssr_conf_fallback(c), SSR_FALLBACK_ERROR);
    ck_assert_str_eq(ssr_conf_base(c), "/");
}
END_TEST

START_TEST(getters_use_set_values)
{
    ssr_dir_conf *c = create();

    c->timeout = apr_time_from_msec(250);
    c->memory_limit = (apr_size_t)1 << 30;
    c->max_renders = 100;
    c->scope = SSR_SCOPE_REQUEST;
    c->reload = SSR_RELOAD_NEVER;
    c->reload_interval = apr_time_from_sec(30);
    c->fallback = SSR_FALLBACK_CSR;
    c->base = "/app/";
    ck_assert_int_eq(ssr_conf_timeout(c), 250000);
    ck_assert_uint_eq(ssr_conf_memory_limit(c), (apr_size_t)1 << 30);
    ck_assert_int_eq(ssr_conf_max_renders(c), 100);
    ck_assert_int_eq(ssr_conf_scope(c), SSR_SCOPE_REQUEST);
    ck_assert_int_eq(ssr_conf_reload(c), SSR_RELOAD_NEVER);
    ck_assert_int_eq(ssr_conf_reload_interval(c), apr_time_from_sec(30));
    ck_assert_int_eq(ssr_conf_fallback(c), SSR_FALLBACK_CSR);
    ck_assert_str_eq(ssr_conf_base(c), "/app/");
}
END_TEST

/* SSRHeaps: 0 (auto) until set; SSRQueueTimeout: 2 s, or SSRTimeout when
 * that is shorter, and never longer than SSRTimeout; both merge like the
 * other directives. */
START_TEST(heap_pool_settings)
{
    ssr_dir_conf *base = create(), *add = create(), *m;

    ck_assert_int_eq(ssr_conf_scope(base), SSR_SCOPE_POOL);
    ck_assert_int_eq(ssr_conf_heaps(base), 0);
    ck_assert_int_eq(ssr_conf_queue_timeout(base), apr_time_from_sec(2));
    base->timeout = apr_time_from_msec(800);
    ck_assert_int_eq(ssr_conf_queue_timeout(base), apr_time_from_msec(800));
    base->queue_timeout = apr_time_from_sec(30);
    ck_assert_int_eq(ssr_conf_queue_timeout(base), apr_time_from_msec(800));
    base->queue_timeout = 0;
    ck_assert_int_eq(ssr_conf_queue_timeout(base), 0);
    base->heaps = 3;
    m = ssr_conf_merge(pool, base, add);
    ck_assert_int_eq(ssr_conf_heaps(m), 3);
    ck_assert_int_eq(ssr_conf_queue_timeout(m), 0);
    add->heaps = 1;
    add->queue_timeout = apr_time_from_msec(300);
    m = ssr_conf_merge(pool, base, add);
    ck_assert_int_eq(ssr_conf_heaps(m), 1);
    ck_assert_int_eq(ssr_conf_queue_timeout(m), apr_time_from_msec(300));
    /* SSRQueueLimit: 0 (auto) until set, and merged */
    ck_assert_int_eq(ssr_conf_queue_limit(base), 0);
    base->queue_limit = 8;
    m = ssr_conf_merge(pool, base, add);
    ck_assert_int_eq(ssr_conf_queue_limit(m), 8);
    add->queue_limit = 0;
    m = ssr_conf_merge(pool, base, add);
    ck_assert_int_eq(ssr_conf_queue_limit(m), 0);
}
END_TEST

/* Zero is a value, not "unset": SSRReloadInterval 0 checks every request. */
START_TEST(getters_zero_is_a_value)
{
    ssr_dir_conf *c = create();

    c->reload_interval = 0;
    c->max_renders = 0;
    ck_assert_int_eq(ssr_conf_reload_interval(c), 0);
    ck_assert_int_eq(ssr_conf_max_renders(c), 0);
}
END_TEST

START_TEST(merge_child_wins)
{
    ssr_dir_conf *base = create();
    ssr_dir_conf *add = create();
    ssr_dir_conf *m;

    base->engine = 0;
    base->bundle = "/base/entry-server.js";
    base->template_path = "/base/index.html";
    base->manifest = "/base/ssr-manifest.json";
    base->base = "/";
    base->timeout = apr_time_from_sec(5);
    base->memory_limit = (apr_size_t)128 << 20;
    base->max_renders = 10;
    base->scope = SSR_SCOPE_THREAD;
    base->reload = SSR_RELOAD_STAT;
    base->reload_interval = apr_time_from_sec(1);
    base->fallback = SSR_FALLBACK_ERROR;
    base->live_reload = 0;

    add->engine = 1;
    add->bundle = "/add/entry-server.js";
    add->template_path = "/add/index.html";
    add->manifest = "/add/ssr-manifest.json";
    add->base = "/add/";
    add->timeout = apr_time_from_msec(100);
    add->memory_limit = (apr_size_t)256 << 20;
    add->max_renders = 0;
    add->scope = SSR_SCOPE_REQUEST;
    add->reload = SSR_RELOAD_NEVER;
    add->reload_interval = 0;
    add->fallback = SSR_FALLBACK_CSR;
    add->live_reload = 1;

    m = merge(base, add);
    ck_assert_ptr_ne(m, base);
    ck_assert_ptr_ne(m, add);
    ck_assert_int_eq(m->engine, 1);
    ck_assert_str_eq(m->bundle, "/add/entry-server.js");
    ck_assert_str_eq(m->template_path, "/add/index.html");
    ck_assert_str_eq(m->manifest, "/add/ssr-manifest.json");
    ck_assert_str_eq(m->base, "/add/");
    ck_assert_int_eq(m->timeout, apr_time_from_msec(100));
    ck_assert_uint_eq(m->memory_limit, (apr_size_t)256 << 20);
    ck_assert_int_eq(m->max_renders, 0);
    ck_assert_int_eq(m->scope, SSR_SCOPE_REQUEST);
    ck_assert_int_eq(m->reload, SSR_RELOAD_NEVER);
    ck_assert_int_eq(m->reload_interval, 0);
    ck_assert_int_eq(m->fallback, SSR_FALLBACK_CSR);
    ck_assert_int_eq(m->live_reload, 1);
}
END_TEST

START_TEST(merge_parent_when_unset)
{
    ssr_dir_conf *base = create();
    ssr_dir_conf *m;

    base->engine = 1;
    base->bundle = "/b.js";
    base->template_path = "/t.html";
    base->manifest = "/m.json";
    base->base = "/x/";
    base->timeout = apr_time_from_sec(2);
    base->memory_limit = (apr_size_t)64 << 20;
    base->max_renders = 7;
    base->scope = SSR_SCOPE_REQUEST;
    base->reload = SSR_RELOAD_NEVER;
    base->reload_interval = apr_time_from_sec(9);
    base->fallback = SSR_FALLBACK_CSR;
    base->live_reload = 1;

    m = merge(base, create());
    ck_assert_int_eq(m->engine, 1);
    ck_assert_str_eq(m->bundle, "/b.js");
    ck_assert_str_eq(m->template_path, "/t.html");
    ck_assert_str_eq(m->manifest, "/m.json");
    ck_assert_str_eq(m->base, "/x/");
    ck_assert_int_eq(m->timeout, apr_time_from_sec(2));
    ck_assert_uint_eq(m->memory_limit, (apr_size_t)64 << 20);
    ck_assert_int_eq(m->max_renders, 7);
    ck_assert_int_eq(m->scope, SSR_SCOPE_REQUEST);
    ck_assert_int_eq(m->reload, SSR_RELOAD_NEVER);
    ck_assert_int_eq(m->reload_interval, apr_time_from_sec(9));
    ck_assert_int_eq(m->fallback, SSR_FALLBACK_CSR);
    ck_assert_int_eq(m->live_reload, 1);
}
END_TEST

/* A child that says the default value explicitly still overrides. */
START_TEST(merge_explicit_default_overrides)
{
    ssr_dir_conf *base = create();
    ssr_dir_conf *add = create();
    ssr_dir_conf *m;

    base->engine = 1;
    base->scope = SSR_SCOPE_REQUEST;
    base->fallback = SSR_FALLBACK_CSR;
    base->live_reload = 1;
    add->engine = 0;
    add->scope = SSR_SCOPE_THREAD;
    add->fallback = SSR_FALLBACK_ERROR;
    add->live_reload = 0;

    m = merge(base, add);
    ck_assert_int_eq(m->engine, 0);
    ck_assert_int_eq(m->scope, SSR_SCOPE_THREAD);
    ck_assert_int_eq(m->fallback, SSR_FALLBACK_ERROR);
    ck_assert_int_eq(m->live_reload, 0);
}
END_TEST

START_TEST(merge_both_unset_stays_unset)
{
    ssr_dir_conf *m = merge(create(), create());

    ck_assert_int_eq(m->engine, SSR_UNSET);
    ck_assert_ptr_null(m->bundle);
    ck_assert_ptr_null(m->base);
    ck_assert_int_eq(m->timeout, SSR_UNSET);
    ck_assert_uint_eq(m->memory_limit, SSR_UNSET_SIZE);
    ck_assert_int_eq(m->reload_interval, SSR_UNSET);
    ck_assert_ptr_nonnull(m->env);
    ck_assert_int_eq(m->env->nelts, 0);
    /* ... so the defaults still apply after any number of merges. */
    ck_assert_int_eq(ssr_conf_timeout(m), apr_time_from_sec(5));
    ck_assert_str_eq(ssr_conf_base(m), "/");
}
END_TEST

START_TEST(merge_env_override)
{
    ssr_dir_conf *base = create();
    ssr_dir_conf *add = create();
    ssr_dir_conf *m;

    env_add(base, "A", "1");
    env_add(base, "B", "2");
    env_add(add, "B", "3");
    env_add(add, "C", "4");

    m = merge(base, add);
    ck_assert_int_eq(m->env->nelts, 3);
    env_expect(m->env, 0, "A", "1");
    env_expect(m->env, 1, "B", "3");
    env_expect(m->env, 2, "C", "4");

    /* The inputs are shared by every request; merging must not touch them. */
    ck_assert_int_eq(base->env->nelts, 2);
    env_expect(base->env, 1, "B", "2");
    ck_assert_int_eq(add->env->nelts, 2);
    ck_assert_ptr_ne(m->env, base->env);
    ck_assert_ptr_ne(m->env, add->env);
}
END_TEST

START_TEST(merge_env_names_case_sensitive)
{
    ssr_dir_conf *base = create();
    ssr_dir_conf *add = create();
    ssr_dir_conf *m;

    env_add(base, "api", "1");
    env_add(add, "API", "2");
    m = merge(base, add);
    ck_assert_int_eq(m->env->nelts, 2);
    env_expect(m->env, 0, "api", "1");
    env_expect(m->env, 1, "API", "2");
}
END_TEST

START_TEST(merge_env_one_side_empty)
{
    ssr_dir_conf *base = create();
    ssr_dir_conf *add = create();
    ssr_dir_conf *m;

    env_add(base, "A", "1");
    m = merge(base, create());
    ck_assert_int_eq(m->env->nelts, 1);
    env_expect(m->env, 0, "A", "1");

    env_add(add, "Z", "9");
    m = merge(create(), add);
    ck_assert_int_eq(m->env->nelts, 1);
    env_expect(m->env, 0, "Z", "9");
}
END_TEST

/* SSRSetEnv X twice in one scope, then merged: the later value wins and X
 * appears once. */
START_TEST(merge_env_later_wins)
{
    ssr_dir_conf *base = create();
    ssr_dir_conf *add = create();
    ssr_dir_conf *m;

    env_add(base, "X", "base");
    env_add(add, "X", "first");
    env_add(add, "X", "second");
    m = merge(base, add);
    ck_assert_int_eq(m->env->nelts, 1);
    env_expect(m->env, 0, "X", "second");
}
END_TEST

/* server -> <Directory> -> <Location>: each level applies on top. */
START_TEST(merge_three_levels)
{
    ssr_dir_conf *server = create();
    ssr_dir_conf *dir = create();
    ssr_dir_conf *loc = create();
    ssr_dir_conf *m;

    server->timeout = apr_time_from_sec(3);
    server->base = "/";
    env_add(server, "A", "s");
    env_add(server, "B", "s");
    dir->base = "/app/";
    env_add(dir, "B", "d");
    loc->timeout = apr_time_from_sec(1);
    env_add(loc, "A", "l");
    env_add(loc, "C", "l");

    m = merge(merge(server, dir), loc);
    ck_assert_int_eq(ssr_conf_timeout(m), apr_time_from_sec(1));
    ck_assert_str_eq(ssr_conf_base(m), "/app/");
    ck_assert_int_eq(m->env->nelts, 3);
    env_expect(m->env, 0, "A", "l");
    env_expect(m->env, 1, "B", "d");
    env_expect(m->env, 2, "C", "l");
}
END_TEST

START_TEST(live_reload_path_follows_the_base)
{
    ssr_dir_conf *parent = ssr_conf_create(pool, NULL);
    ssr_dir_conf *child = ssr_conf_create(pool, NULL);
    ssr_dir_conf *m;

    ck_assert_int_eq(ssr_conf_live_reload(parent), 0);
    ck_assert_str_eq(ssr_conf_live_reload_path(pool, parent),
                     "/__mod_ssr/live-reload");
    child->base = "/app/";
    child->live_reload = 1;
    m = ssr_conf_merge(pool, parent, child);
    ck_assert_int_eq(ssr_conf_live_reload(m), 1);
    ck_assert_str_eq(ssr_conf_live_reload_path(pool, m),
                     "/app/__mod_ssr/live-reload");
    parent->live_reload_path = "/dev/events";
    m = ssr_conf_merge(pool, parent, child);
    ck_assert_str_eq(ssr_conf_live_reload_path(pool, m), "/dev/events");
}
END_TEST

/* SSRCacheControl and SSRCacheVaryCookie: defaults, and an inner scope's
 * Off or value wins over the outer one's. */
START_TEST(cache_settings_merge)
{
    ssr_dir_conf *parent = ssr_conf_create(pool, NULL);
    ssr_dir_conf *child = ssr_conf_create(pool, NULL);
    ssr_dir_conf *m;

    ck_assert_str_eq(ssr_conf_cache_control(parent), "no-cache");
    ck_assert_int_eq(ssr_conf_cache_vary_cookie(parent), 1);
    parent->cache_control = "public, max-age=60";
    m = ssr_conf_merge(pool, parent, child);
    ck_assert_str_eq(ssr_conf_cache_control(m), "public, max-age=60");
    ck_assert_int_eq(ssr_conf_cache_vary_cookie(m), 1);
    child->cache_control = "no-store";
    child->cache_vary_cookie = 0;
    m = ssr_conf_merge(pool, parent, child);
    ck_assert_str_eq(ssr_conf_cache_control(m), "no-store");
    ck_assert_int_eq(ssr_conf_cache_vary_cookie(m), 0);
    parent->cache_vary_cookie = 0;
    child->cache_vary_cookie = 1;
    m = ssr_conf_merge(pool, parent, child);
    ck_assert_int_eq(ssr_conf_cache_vary_cookie(m), 1);
}
END_TEST

Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, create_all_unset);
    tcase_add_test(tc, cache_settings_merge);
    tcase_add_test(tc, create_distinct);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, getters_use_set_values);
    tcase_add_test(tc, heap_pool_settings);
    tcase_add_test(tc, getters_zero_is_a_value);
    tcase_add_test(tc, merge_child_wins);
    tcase_add_test(tc, merge_parent_when_unset);
    tcase_add_test(tc, merge_explicit_default_overrides);
    tcase_add_test(tc, merge_both_unset_stays_unset);
    tcase_add_test(tc, merge_env_override);
    tcase_add_test(tc, merge_env_names_case_sensitive);
    tcase_add_test(tc, merge_env_one_side_empty);
    tcase_add_test(tc, merge_env_later_wins);
    tcase_add_test(tc, merge_three_levels);
    tcase_add_test(tc, live_reload_path_follows_the_base);
    suite_add_tcase(s, tc);
    return s;
}
