/*
 * ssr_cli.h -- what ssr-render and ssr-prerender share: loading an app's
 * build the way the module does, and rendering URLs in one reused heap.
 */
#ifndef SSR_CLI_H
#define SSR_CLI_H

#include <apr_getopt.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "ssr_engine.h"
#include "ssr_result.h"
#include "ssr_template.h"

/* Options both tools take (getopt letters b t m B e T M); each adds its
 * own -q, whose meaning differs. */
#define SSR_CLI_OPTIONS \
    { "bundle", 'b', 1, "the SSR bundle (dist/server/entry-server.js)" }, \
    { "template", 't', 1, "the HTML template (dist/client/index.html)" }, \
    { "manifest", 'm', 1, "the SSR manifest, passed to render as text" }, \
    { "base", 'B', 1, "the app's base path (default /)" }, \
    { "env", 'e', 1, "NAME=VALUE for process.env (repeatable)" }, \
    { "timeout", 'T', 1, "deadline per render (default 5s)" }, \
    { "memory-limit", 'M', 1, "heap memory limit (default 128M)" }

typedef struct {
    apr_pool_t *pool;
    const char *prog;               /* the name it was run as, for messages */
    const char *bundle_path;
    const char *template_path;
    const char *manifest_path;
    const char *base;
    apr_interval_time_t timeout;
    apr_size_t memory_limit;
    const char *timeout_arg;        /* as given, for messages */
    const char *memory_limit_arg;
    apr_array_header_t *env;        /* ssr_kv_t */
    int quiet;
    /* Loaded by ssr_cli_load: */
    ssr_bundle_t *bundle;
    int has_template;
    ssr_template_t tpl;
    char *manifest;
    apr_size_t manifest_len;
    ssr_heap_opts_t heap_opts;
    ssr_heap_t *heap;               /* reused while it can be */
    int heaps;                      /* heaps made so far */
    apr_interval_time_t heap_time;  /* spent making them */
    apr_interval_time_t load_time;  /* reading and compiling the build */
    const char *last_error;         /* what ssr_cli_fail said last */
} ssr_cli_app;

/* prog is argv[0]: messages and help name the tool by its basename. */
void ssr_cli_init(apr_pool_t *p, ssr_cli_app *app, const char *prog);

/* "ssr-render (mod_ssr 0.1.0)" for --version. */
const char *ssr_cli_version(const ssr_cli_app *app);

/* Reads a file the tool needs; on failure says what and why (the system's
 * reason) and returns 2. */
int ssr_cli_read(apr_pool_t *p, ssr_cli_app *app, const char *path,
                 const char *what, char **data, apr_size_t *len);

/* An engine message in the tool's terms: the directive a limit names
 * becomes the option, with the value in effect. */
const char *ssr_cli_explain(apr_pool_t *p, const ssr_cli_app *app,
                            const char *msg);

/* Handles a shared option; returns 1 if it was one (with *err set when its
 * value is wrong), 0 if the option is the tool's own. */
int ssr_cli_option(apr_pool_t *p, ssr_cli_app *app, int ch, const char *arg,
                   const char **err);

/* The long name of the option ch in opts, for messages. */
const char *ssr_cli_option_name(const apr_getopt_option_t *opts, int ch);

/* "NAME=VALUE" or "Name: value" into arr; 0 if malformed. */
int ssr_cli_add_pair(apr_pool_t *p, apr_array_header_t *arr, const char *arg,
                     char sep, int lower);

/* Reads and compiles the build.  Returns 0, or 2 after saying why. */
int ssr_cli_load(apr_pool_t *p, ssr_cli_app *app);

/* Renders url (path and query, base included) as a GET; res and the plan
 * come from rp.  Returns 0, or 2 if no heap could be made. */
int ssr_cli_render(apr_pool_t *rp, ssr_cli_app *app, const char *url,
                   const apr_array_header_t *headers, const char *method,
                   ssr_render_result_t *res, ssr_plan_t *plan);

/* Writes the page of a PAGE plan to a stdio stream. */
apr_status_t ssr_cli_write_page(const ssr_cli_app *app,
                                const ssr_render_result_t *res, void *stream);

/* The page of a PAGE plan as one string. */
char *ssr_cli_page(apr_pool_t *p, const ssr_cli_app *app,
                   const ssr_render_result_t *res, apr_size_t *len);

void ssr_cli_log(void *baton, int level, const char *msg);
int ssr_cli_fail(ssr_cli_app *app, const char *what, const char *why);
void ssr_cli_done(ssr_cli_app *app);

#endif /* SSR_CLI_H */
