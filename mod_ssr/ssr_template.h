/*
 * ssr_template.h -- the index.html template, split once per build at its
 * placeholders.
 *
 * Splitting follows the standard Vite SSR server, which does
 *   template.replace('<!--app-head-->', head).replace('<!--app-html-->', html)
 * i.e. only the first occurrence of each placeholder is replaced, and the
 * insertion is literal.  <!--ssr-outlet--> stands for <!--app-html--> when the
 * latter is absent.  A template without an html placeholder is rejected: an
 * app with nowhere to put its markup is a broken build, not a page.
 */
#ifndef SSR_TEMPLATE_H
#define SSR_TEMPLATE_H

#include <apr.h>
#include <apr_pools.h>

#define SSR_PH_HEAD "<!--app-head-->"
#define SSR_PH_HTML "<!--app-html-->"
#define SSR_PH_OUTLET "<!--ssr-outlet-->"

typedef enum {
    SSR_SLOT_HEAD = 0,
    SSR_SLOT_HTML = 1
} ssr_slot_e;

typedef struct {
    apr_size_t start;  /* offset of the placeholder in the template */
    apr_size_t end;    /* offset just past it */
    ssr_slot_e which;
} ssr_tpl_slot_t;

/* The split form is plain offsets into the bytes, so it can be copied into
 * and out of shared memory as is. */
typedef struct {
    const char *bytes;
    apr_size_t len;
    int nslots;                /* 1 or 2, sorted by start */
    ssr_tpl_slot_t slot[2];
} ssr_template_t;

/* Splits bytes[0..len) (not copied: t->bytes points at them).  Returns
 * APR_SUCCESS, or APR_EINVAL with *err set to a message. */
apr_status_t ssr_template_split(ssr_template_t *t, const char *bytes,
                                apr_size_t len, const char **err);

/* A piece of output: the template text and the slot values in order. */
typedef apr_status_t (*ssr_write_fn)(void *baton, const char *data,
                                     apr_size_t len);

/* Writes the page: template text with head/html at their slots.  head or
 * html may be NULL (written as nothing). */
apr_status_t ssr_template_emit(const ssr_template_t *t,
                               const char *head, apr_size_t head_len,
                               const char *html, apr_size_t html_len,
                               ssr_write_fn write, void *baton);

/* The page as one pool string (for the CLIs and tests). */
char *ssr_template_fill(apr_pool_t *p, const ssr_template_t *t,
                        const char *head, apr_size_t head_len,
                        const char *html, apr_size_t html_len,
                        apr_size_t *out_len);

#endif /* SSR_TEMPLATE_H */
