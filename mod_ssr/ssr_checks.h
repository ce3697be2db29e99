/*
 * ssr_checks.h -- mistakes in the configuration or the deployed files,
 * caught at startup.
 *
 * Run at check_config on the first pass (so `apachectl configtest` and the
 * starting command print them on the console) and at post_config on the
 * later ones (so the error log has them, once per start or restart).
 * Nothing here stops the server: an app whose files are wrong answers 503
 * until they are fixed, and the other apps are served.
 *
 * Each message names the directive, the path and the real reason: a file
 * that does not exist, or one the User httpd's children run as cannot
 * read (a directory on the way it cannot search); a bundle that is an ES
 * module instead of the format the Vite plugin builds; a DocumentRoot
 * that publishes the server bundle.
 */
#ifndef SSR_CHECKS_H
#define SSR_CHECKS_H

#include <httpd.h>

/* All checks over every server and section.  s NULL: log to the console
 * (stderr) -- the error logs are not open yet. */
void ssr_checks_run(apr_pool_t *ptemp, server_rec *main_server, int console);

/* Did the last ssr_checks_run report a problem with this file?  (The
 * build preload that follows at post_config then says less about it.) */
int ssr_checks_reported(const char *path);

/* Why path cannot be opened for reading by this process, or NULL when it
 * can: "does not exist", "directory /x cannot be searched (Permission
 * denied)", "is a directory"... */
const char *ssr_checks_why_unreadable(apr_pool_t *p, const char *path);

/* A bundle that did not parse: if its text has top-level import/export
 * statements, the line of the first one ("line 3: import x from 'y'"),
 * else NULL.  Cheap: only looks at the starts of lines. */
const char *ssr_checks_esm_line(apr_pool_t *p, const char *src,
                                apr_size_t len);

/* The message for a bundle that is an ES module. */
const char *ssr_checks_esm_message(apr_pool_t *p, const char *bundle,
                                   const char *line);

#endif /* SSR_CHECKS_H */
