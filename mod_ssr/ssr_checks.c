/*
 * ssr_checks.c -- startup checks of the configuration and the deployed
 * files (see ssr_checks.h).
 *
 * Whether a file can be read is decided by the kernel as the User the
 * children run as: when httpd starts as root (the usual case), the
 * process takes that user's effective ids (and groups) for the checks and
 * then its own back; otherwise the server runs as the current user, who
 * tries them as is.  Permission bits alone would miss ACLs, supplementary
 * groups and read-only mounts.  (A short child process would do as well,
 * but tools that watch httpd's children, and the MPM's own count, would
 * see it come and go.)
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <unixd.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "ssr_checks.h"
#include "ssr_config.h"
#include "ssr_engine.h"
#include "ssr_reload.h"
#include "ssr_sections.h"

APLOG_USE_MODULE(ssr);

/* Paths reported by the last run (in the process pool: the preload that
 * follows reads it). */
static apr_hash_t *ssr_reported;
static apr_pool_t *ssr_reported_pool;

/* --- can this user read that file? ---------------------------------------- */

typedef enum {
    SSR_ACCESS_OK = 0,
    SSR_ACCESS_MISSING,       /* the file does not exist */
    SSR_ACCESS_NO_DIR,        /* a directory on the way does not exist */
    SSR_ACCESS_NOT_DIR,       /* something on the way is not a directory */
    SSR_ACCESS_NO_SEARCH,     /* a directory on the way cannot be searched */
    SSR_ACCESS_NO_READ,       /* the file cannot be read */
    SSR_ACCESS_NOT_FILE,      /* it is a directory or a device */
    SSR_ACCESS_OTHER          /* another errno */
} ssr_access_e;

typedef struct {
    int what;                 /* ssr_access_e */
    int err;                  /* errno */
    char where[PATH_MAX];     /* the directory on the way, if it is one */
} ssr_access_t;

/* The first directory on the way to path that cannot be searched
 * (mode X_OK) or does not exist or is not a directory (F_OK), in
 * out->where with its errno; 0 when there is none. */
static int ssr_first_bad_dir(const char *path, int mode, ssr_access_t *out)
{
    char buf[PATH_MAX];
    size_t i, n = strlen(path);

    if (n >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, path, n + 1);
    for (i = 1; i < n; i++) {
        struct stat st;

        if (buf[i] != '/') {
            continue;
        }
        buf[i] = '\0';
        if (mode == X_OK ? faccessat(AT_FDCWD, buf, X_OK, AT_EACCESS) != 0
                         : stat(buf, &st) != 0) {
            out->err = errno;
            apr_cpystrn(out->where, buf, sizeof(out->where));
            return 1;
        }
        if (mode != X_OK && !S_ISDIR(st.st_mode)) {
            out->err = ENOTDIR;
            apr_cpystrn(out->where, buf, sizeof(out->where));
            return 1;
        }
        buf[i] = '/';
    }
    return 0;
}

/* As the calling process's user. */
static void ssr_access_check(const char *path, ssr_access_t *out)
{
    struct stat st;
    int fd;

    memset(out, 0, sizeof(*out));
    if (stat(path, &st) != 0) {
        int err = errno;

        out->err = err;
        if (err == EACCES && ssr_first_bad_dir(path, X_OK, out)) {
            out->what = SSR_ACCESS_NO_SEARCH;
        }
        else if ((err == ENOENT || err == ENOTDIR) &&
                 ssr_first_bad_dir(path, F_OK, out)) {
            out->what = out->err == ENOTDIR ? SSR_ACCESS_NOT_DIR
                                            : SSR_ACCESS_NO_DIR;
        }
        else {
            out->what = out->err == ENOENT ? SSR_ACCESS_MISSING
                                           : SSR_ACCESS_OTHER;
        }
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        out->what = SSR_ACCESS_NOT_FILE;
        return;
    }
    fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        out->err = errno;
        out->what = errno == EACCES ? SSR_ACCESS_NO_READ : SSR_ACCESS_OTHER;
        return;
    }
    close(fd);
}

static const char *ssr_access_text(apr_pool_t *p, const ssr_access_t *a,
                                   const char *user)
{
    char buf[256];
    const char *as = user ? apr_psprintf(p, " by user %s", user) : "";
    const char *err = apr_pstrdup(p, apr_strerror(a->err, buf, sizeof(buf)));

    switch (a->what) {
    case SSR_ACCESS_OK:
        return NULL;
    case SSR_ACCESS_MISSING:
        return "does not exist";
    case SSR_ACCESS_NO_DIR:
        return apr_psprintf(p, "does not exist: there is no directory %s",
                            a->where);
    case SSR_ACCESS_NOT_DIR:
        return apr_psprintf(p, "cannot be reached: %s is not a directory",
                            a->where);
    case SSR_ACCESS_NO_SEARCH:
        return apr_psprintf(p, "cannot be read%s: directory %s cannot be "
                            "searched (%s)", as, a->where, err);
    case SSR_ACCESS_NO_READ:
        return apr_psprintf(p, "cannot be read%s (%s)", as, err);
    case SSR_ACCESS_NOT_FILE:
        return "is not a regular file";
    default:
        return apr_psprintf(p, "cannot be read%s (%s)", as, err);
    }
}

const char *ssr_checks_why_unreadable(apr_pool_t *p, const char *path)
{
    ssr_access_t a;

    ssr_access_check(path, &a);
    return ssr_access_text(p, &a, NULL);
}

/* Checks n paths as the User the children will run as: with that user's
 * effective ids when we are root (the checks run before any thread or
 * child exists), as we are otherwise.  *user: the user checked as, or
 * NULL when that is us. */
static void ssr_access_as_user(apr_pool_t *p, const char *const *paths, int n,
                               ssr_access_t *out, const char **user)
{
    gid_t saved_groups[NGROUPS_MAX + 1];
    gid_t egid = getegid();
    int ngroups = 0, i, switched = 0;

    *user = NULL;
    if (geteuid() == 0 && ap_unixd_config.user_id != 0 &&
        ap_unixd_config.user_name != NULL &&
        (ngroups = getgroups(NGROUPS_MAX + 1, saved_groups)) >= 0) {
        if (initgroups(ap_unixd_config.user_name,
                       ap_unixd_config.group_id) == 0 &&
            setegid(ap_unixd_config.group_id) == 0 &&
            seteuid(ap_unixd_config.user_id) == 0) {
            switched = 1;
            *user = ap_unixd_config.user_name;
        }
        else {
            /* back to what we were; the checks run as root */
            if (setegid(egid) != 0 ||
                setgroups((size_t) ngroups, saved_groups) != 0) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, errno, NULL,
                             APLOGNO(20093) "cannot restore the groups "
                             "after the file checks");
            }
        }
    }
    for (i = 0; i < n; i++) {
        ssr_access_check(paths[i], &out[i]);
    }
    if (switched &&
        (seteuid(0) != 0 || setegid(egid) != 0 ||
         setgroups((size_t) ngroups, saved_groups) != 0)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, errno, NULL, APLOGNO(20093)
                     "cannot take back root's ids after checking files as "
                     "user %s", ap_unixd_config.user_name);
    }
}

/* --- ES modules ----------------------------------------------------------- */

/* Does a line (after its indentation) start an import or export
 * statement?  The character after the keyword tells a statement from an
 * identifier that merely starts with the word ("imports", "exported"),
 * and "import(" / "import." (dynamic import, import.meta) are
 * expressions that a script may hold. */
static int ssr_esm_statement(const char *s, const char *end)
{
    static const char *const words[] = { "import", "export" };
    int i;

    for (i = 0; i < 2; i++) {
        apr_size_t n = strlen(words[i]);
        char c;

        if ((apr_size_t) (end - s) <= n || memcmp(s, words[i], n) != 0) {
            continue;
        }
        c = s[n];
        if (c == '{' || c == '*' || c == '"' || c == '\'') {
            return 1;
        }
        if (c == ' ' || c == '\t') {
            const char *t = s + n;

            while (t < end && (*t == ' ' || *t == '\t')) {
                t++;
            }
            if (t < end && (apr_isalpha(*t) || *t == '_' || *t == '$' ||
                            *t == '{' || *t == '*' || *t == '"' ||
                            *t == '\'')) {
                return 1;
            }
        }
    }
    return 0;
}

const char *ssr_checks_esm_line(apr_pool_t *p, const char *src,
                                apr_size_t len)
{
    const char *s = src, *end = src + len;
    int line = 1;

    while (s < end) {
        const char *eol = memchr(s, '\n', (apr_size_t) (end - s));
        const char *t = s;

        if (eol == NULL) {
            eol = end;
        }
        while (t < eol && (*t == ' ' || *t == '\t')) {
            t++;
        }
        if (ssr_esm_statement(t, eol)) {
            apr_size_t n = (apr_size_t) (eol - t);

            if (n > 0 && t[n - 1] == '\r') {
                n--;
            }
            return apr_psprintf(p, "line %d: %.*s%s", line,
                                (int) (n > 60 ? 60 : n), t,
                                n > 60 ? "..." : "");
        }
        s = eol + 1;
        line++;
    }
    return NULL;
}

const char *ssr_checks_esm_message(apr_pool_t *p, const char *bundle,
                                   const char *line)
{
    return apr_psprintf(p, "SSRBundle %s is an ES module (%s), not a "
                        "script: mod_ssr runs a self-contained CommonJS "
                        "bundle, which `vite build --ssr` alone does not "
                        "make; add vite-plugin-mod-ssr to the Vite config, "
                        "which builds the server bundle in that format",
                        bundle, line);
}

/* --- the walk over the configuration --------------------------------------- */

typedef struct {
    const char *directive;
    const char *path;
    int optional;             /* SSRManifest */
    server_rec *s;
    apr_size_t memory_limit;
} ssr_item;

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *items;   /* ssr_item */
    apr_hash_t *seen;            /* directive + path */
    apr_hash_t *bundles;         /* server + bundle, for the DocumentRoot */
    int console;
} ssr_walk;

static void ssr_walk_add(ssr_walk *w, server_rec *s, const char *directive,
                         const char *path, int optional, apr_size_t limit)
{
    const char *key = apr_pstrcat(w->p, directive, " ", path, NULL);
    ssr_item *it;

    if (path == NULL || apr_hash_get(w->seen, key, APR_HASH_KEY_STRING)) {
        return;
    }
    apr_hash_set(w->seen, key, APR_HASH_KEY_STRING, key);
    it = apr_array_push(w->items);
    it->directive = directive;
    it->path = path;
    it->optional = optional;
    it->s = s;
    it->memory_limit = limit;
}

static void ssr_walk_conf(ssr_walk *w, server_rec *s, const char *docroot,
                          const ssr_dir_conf *c)
{
    if (c == NULL || c->engine != 1 || c->bundle == NULL) {
        return;
    }
    ssr_walk_add(w, s, "SSRBundle", c->bundle, 0, ssr_conf_memory_limit(c));
    ssr_walk_add(w, s, c->template_path ? "SSRTemplate"
                 : "SSRTemplate (default: index.html in the DocumentRoot)",
                 ssr_conf_template_path(w->p, c, docroot), 0, 0);
    ssr_walk_add(w, s, "SSRManifest", c->manifest, 1, 0);
}

/* Is path inside dir (or dir itself)?  Compared as written first, then
 * with symbolic links resolved when both exist. */
static int ssr_path_under(const char *path, const char *dir)
{
    apr_size_t n = strlen(dir);
    char real_path[PATH_MAX], real_dir[PATH_MAX];

    while (n > 1 && dir[n - 1] == '/') {
        n--;
    }
    if (strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0')) {
        return 1;
    }
    if (realpath(path, real_path) == NULL || realpath(dir, real_dir) == NULL) {
        return 0;
    }
    n = strlen(real_dir);
    return strncmp(real_path, real_dir, n) == 0 &&
           (real_path[n] == '/' || real_path[n] == '\0' ||
            (n == 1 && real_dir[0] == '/'));
}

static int ssr_is_dir(apr_pool_t *p, const char *dir, const char *name)
{
    struct stat st;

    return stat(apr_pstrcat(p, dir, "/", name, NULL), &st) == 0 &&
           S_ISDIR(st.st_mode);
}

static int ssr_is_file(apr_pool_t *p, const char *dir, const char *name)
{
    struct stat st;

    return stat(apr_pstrcat(p, dir, "/", name, NULL), &st) == 0 &&
           S_ISREG(st.st_mode);
}

static void ssr_note_reported(const char *path)
{
    if (ssr_reported) {
        apr_hash_set(ssr_reported, apr_pstrdup(ssr_reported_pool, path),
                     APR_HASH_KEY_STRING, "");
    }
}

int ssr_checks_reported(const char *path)
{
    return ssr_reported && path &&
           apr_hash_get(ssr_reported, path, APR_HASH_KEY_STRING) != NULL;
}

/* A server bundle is for the engine only, but inside the DocumentRoot the
 * core serves it to anyone who asks for its path.  So does a DocumentRoot
 * set to the build's output directory (dist/, holding server/ and
 * client/) instead of its client/ directory: server/ and the plugin's
 * mod_ssr.conf are then public.  One warning per server and bundle, which
 * says both when both are true. */
static void ssr_check_docroot(apr_pool_t *p, server_rec *s,
                              const char *docroot, apr_hash_t *seen,
                              const ssr_dir_conf *c, int console)
{
    int under, is_dist;
    const char *what, *conf_file, *key;

    if (c == NULL || c->bundle == NULL) {
        return;
    }
    /* a virtual host's sections include the main server's */
    key = apr_psprintf(p, "%pp %s", (void *) s, c->bundle);
    if (apr_hash_get(seen, key, APR_HASH_KEY_STRING) != NULL) {
        return;
    }
    apr_hash_set(seen, key, APR_HASH_KEY_STRING, key);
    under = ssr_path_under(c->bundle, docroot);
    is_dist = ssr_is_dir(p, docroot, "server") &&
              ssr_is_dir(p, docroot, "client");
    if (!under && !is_dist) {
        return;
    }
    conf_file = ssr_is_file(p, docroot, "mod_ssr.conf")
                ? apr_pstrcat(p, " and ", docroot, "/mod_ssr.conf", NULL) : "";
    if (is_dist) {
        what = apr_psprintf(p, "%s: DocumentRoot %s is the build's output "
                            "directory (it holds server/ and client/), so "
                            "server/%s can be downloaded as static files; "
                            "set DocumentRoot to %s/client",
                            under ? "lies under this server's DocumentRoot"
                                  : "is beside a public server/ directory",
                            docroot, conf_file, docroot);
    }
    else {
        what = apr_psprintf(p, "lies under this server's DocumentRoot %s: "
                            "the server bundle (and what it holds: secrets, "
                            "API routes) can be downloaded as a static file; "
                            "keep it outside the DocumentRoot (dist/server "
                            "beside dist/client)", docroot);
    }
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, console ? NULL : s,
                 APLOGNO(20002) "SSRBundle %s %s", c->bundle, what);
}

/* The bundle's text, if it has import/export statements and does not
 * parse: the ES module message.  Compiled only then, so that a normal
 * bundle costs one read and a scan. */
static const char *ssr_check_esm(apr_pool_t *p, const ssr_item *it)
{
    char *src;
    apr_size_t len;
    const char *line, *err = NULL;
    ssr_bundle_t *b;
    ssr_heap_opts_t opts;

    if (ssr_file_read(p, it->path, &src, &len) != APR_SUCCESS ||
        (line = ssr_checks_esm_line(p, src, len)) == NULL) {
        return NULL;
    }
    memset(&opts, 0, sizeof(opts));
    opts.memory_limit = it->memory_limit;
    opts.env = apr_array_make(p, 0, sizeof(ssr_kv_t));
    if (ssr_bundle_compile(p, src, len, it->path, &opts, &b, &err) ==
            APR_SUCCESS ||
        err == NULL || strncmp(err, "SyntaxError", 11) != 0) {
        return NULL;
    }
    return ssr_checks_esm_message(p, it->path, line);
}

static void ssr_check_items(apr_pool_t *p, ssr_walk *w, int console)
{
    int n = w->items->nelts, i;
    const char **paths = apr_pcalloc(p, sizeof(*paths) * (n + 1));
    ssr_access_t *res = apr_pcalloc(p, sizeof(*res) * (n + 1));
    const char *user = NULL;

    if (n == 0) {
        return;
    }
    for (i = 0; i < n; i++) {
        paths[i] = APR_ARRAY_IDX(w->items, i, ssr_item).path;
    }
    ssr_access_as_user(p, paths, n, res, &user);
    for (i = 0; i < n; i++) {
        const ssr_item *it = &APR_ARRAY_IDX(w->items, i, ssr_item);
        server_rec *s = console ? NULL : it->s;
        const char *why = ssr_access_text(p, &res[i], user);

        if (why && it->optional) {
            ssr_note_reported(it->path);
            /* the tag of the same warning when a build loads without
             * the manifest (ssr_build.c) */
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, APLOGNO(20039)
                         "%s %s %s: pages render without it (render() gets "
                         "undefined as ssrManifest)", it->directive,
                         it->path, why);
        }
        else if (why) {
            ssr_access_t self;

            /* Started as root, the parent reads what the children cannot:
             * the build it loads now is served, and no later one. */
            if (user != NULL) {
                ssr_access_check(it->path, &self);
            }
            ssr_note_reported(it->path);
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(20091)
                         "%s %s %s: %s", it->directive, it->path, why,
                         user != NULL && self.what == SSR_ACCESS_OK
                         ? "the build read at startup (as root) is served, "
                           "but no new build will be picked up"
                         : "the app answers 503 until it can be read");
        }
        else if (strcmp(it->directive, "SSRBundle") == 0 &&
                 (why = ssr_check_esm(p, it)) != NULL) {
            ssr_note_reported(it->path);
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(20092)
                         "%s", why);
        }
    }
}

/* One place mod_ssr is configured (ssr_sections_each). */
static void ssr_check_section(void *baton, apr_pool_t *p, server_rec *s,
                              const char *docroot, const ssr_dir_conf *c)
{
    ssr_walk *w = baton;

    if (*docroot) {
        ssr_check_docroot(p, s, docroot, w->bundles, c, w->console);
    }
    ssr_walk_conf(w, s, docroot, c);
}

void ssr_checks_run(apr_pool_t *ptemp, server_rec *main_server, int console)
{
    ssr_walk w;

    if (ssr_reported_pool == NULL &&
        apr_pool_create(&ssr_reported_pool,
                        main_server->process->pool) != APR_SUCCESS) {
        ssr_reported_pool = NULL;
    }
    if (ssr_reported_pool) {
        apr_pool_clear(ssr_reported_pool);
        ssr_reported = apr_hash_make(ssr_reported_pool);
    }
    w.p = ptemp;
    w.items = apr_array_make(ptemp, 8, sizeof(ssr_item));
    w.seen = apr_hash_make(ptemp);
    w.bundles = apr_hash_make(ptemp);
    w.console = console;
    ssr_sections_each(ptemp, main_server, ssr_check_section, &w);
    ssr_check_items(ptemp, &w, console);
}
