/*
 * ssr_fetch.c -- fetch() transfers for renders (see ssr_fetch.h).
 *
 * Redirects are followed here, not by curl: each hop goes through the
 * policy again (a same-origin URL may redirect anywhere), and each hop of
 * the same origin is sent to this server's own address.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include <apr_strings.h>

#include "ssr_fetch.h"

/* Bytes of response headers, counted against SSRFetchMaxSize too; a
 * server cannot fill memory with headers either. */
#define SSR__HEADER_LINE_MAX 8192

/* --- pure helpers --------------------------------------------------------- */

static void ssr__lower(char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z') {
            *s = (char) (*s - 'A' + 'a');
        }
    }
}

static const char *ssr__url_get(apr_pool_t *p, CURLU *u, CURLUPart part,
                                unsigned flags)
{
    char *s = NULL;
    const char *out = NULL;

    if (curl_url_get(u, part, &s, flags) == CURLUE_OK && s != NULL) {
        out = apr_pstrdup(p, s);
    }
    curl_free(s);
    return out;
}

const char *ssr_fetch_resolve(apr_pool_t *p, const char *base,
                              const char *url, const char **why)
{
    CURLU *u = curl_url();
    const char *scheme, *out = NULL;

    *why = NULL;
    if (u == NULL) {
        *why = "out of memory";
        return NULL;
    }
    if (strpbrk(url, "\r\n") != NULL) {
        *why = "the URL has a line break";
        goto done;
    }
    if (base != NULL &&
        curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK) {
        *why = "the page URL cannot be parsed";
        goto done;
    }
    /* With a base set, a relative reference resolves against it. */
    if (curl_url_set(u, CURLUPART_URL, url,
                     CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE)
        != CURLUE_OK) {
        *why = base ? "the URL cannot be parsed"
                    : "the URL is not absolute (and there is no page URL "
                      "to resolve it against)";
        goto done;
    }
    scheme = ssr__url_get(p, u, CURLUPART_SCHEME, 0);
    if (scheme == NULL ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        *why = apr_psprintf(p, "the scheme '%s:' is not supported (http and "
                            "https only)", scheme ? scheme : "");
        goto done;
    }
    {
        /* Host names compare without case: one spelling per origin. */
        const char *host = ssr__url_get(p, u, CURLUPART_HOST, 0);
        if (host != NULL) {
            char *h = apr_pstrdup(p, host);
            ssr__lower(h);
            curl_url_set(u, CURLUPART_HOST, h, 0);
        }
    }
    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
    curl_url_set(u, CURLUPART_USER, NULL, 0);
    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
    out = ssr__url_get(p, u, CURLUPART_URL, CURLU_NO_DEFAULT_PORT);
    if (out == NULL) {
        *why = "the URL cannot be parsed";
    }
done:
    curl_url_cleanup(u);
    return out;
}

const char *ssr_fetch_origin(apr_pool_t *p, const char *url)
{
    CURLU *u = curl_url();
    const char *scheme, *host, *port, *out = NULL;

    if (u == NULL) {
        return NULL;
    }
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)
        == CURLUE_OK) {
        scheme = ssr__url_get(p, u, CURLUPART_SCHEME, 0);
        host = ssr__url_get(p, u, CURLUPART_HOST, 0);
        port = ssr__url_get(p, u, CURLUPART_PORT, CURLU_NO_DEFAULT_PORT);
        if (scheme && host) {
            char *h = apr_pstrdup(p, host);
            char *s = apr_pstrdup(p, scheme);
            ssr__lower(h);
            ssr__lower(s);
            out = apr_pstrcat(p, s, "://", h, port ? ":" : "", port ? port : "",
                              NULL);
        }
    }
    curl_url_cleanup(u);
    return out;
}

const char *ssr_fetch_normalize_prefix(apr_pool_t *p, const char *entry,
                                       const char **why)
{
    const char *url;

    if (strstr(entry, "://") == NULL) {
        *why = "must be an absolute http(s) URL: an origin such as "
               "https://api.example.com, or an origin and a path";
        return NULL;
    }
    if (strpbrk(entry, "?#") != NULL) {
        *why = "must be an origin or an origin and a path, without a query "
               "or fragment";
        return NULL;
    }
    url = ssr_fetch_resolve(p, NULL, entry, why);
    return url;
}

int ssr_fetch_prefix_match(const char *url, const char *prefix)
{
    apr_size_t n = strlen(prefix);

    if (strncmp(url, prefix, n) != 0) {
        return 0;
    }
    /* The prefix ends a path segment, or the URL's path goes on with a
     * new segment (or a query) right after it. */
    return n > 0 && (prefix[n - 1] == '/' || url[n] == '\0' || url[n] == '/'
                     || url[n] == '?');
}

int ssr_fetch_private_addr(const void *sockaddr)
{
    const struct sockaddr *sa = sockaddr;

    if (sa->sa_family == AF_INET) {
        const unsigned char *b = (const unsigned char *)
            &((const struct sockaddr_in *) sa)->sin_addr;
        return b[0] == 0 || b[0] == 10 || b[0] == 127 ||
               (b[0] == 169 && b[1] == 254) ||
               (b[0] == 172 && (b[1] & 0xF0) == 16) ||
               (b[0] == 192 && b[1] == 168) ||
               (b[0] == 100 && (b[1] & 0xC0) == 64) || b[0] >= 224;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *) sa)->sin6_addr;
        const unsigned char *b = a->s6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            struct sockaddr_in v4;
            memset(&v4, 0, sizeof(v4));
            v4.sin_family = AF_INET;
            memcpy(&v4.sin_addr, b + 12, 4);
            return ssr_fetch_private_addr(&v4);
        }
        return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) ||
               IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MULTICAST(a) ||
               (b[0] & 0xFE) == 0xFC;
    }
    return 1;   /* anything else is no Internet address */
}

ssr_fetch_route_e ssr_fetch_route(apr_pool_t *p, const ssr_fetch_policy_t *pol,
                                  const char *url, const char **abs,
                                  const char **why)
{
    const char *origin, *page_origin;
    int i;

    *abs = ssr_fetch_resolve(p, pol->page_url, url, why);
    if (*abs == NULL) {
        return SSR_FETCH_REFUSED;
    }
    origin = ssr_fetch_origin(p, *abs);
    page_origin = pol->page_url ? ssr_fetch_origin(p, pol->page_url) : NULL;
    if (origin && page_origin && strcmp(origin, page_origin) == 0) {
        return SSR_FETCH_SAME_ORIGIN;
    }
    for (i = 0; pol->allow && i < pol->allow->nelts; i++) {
        if (ssr_fetch_prefix_match(*abs, APR_ARRAY_IDX(pol->allow, i,
                                                       const char *))) {
            return SSR_FETCH_ALLOWED;
        }
    }
    *why = apr_psprintf(p, "%s is not same-origin and no SSRFetchAllow "
                        "prefix allows it", origin ? origin : *abs);
    return SSR_FETCH_REFUSED;
}

/* --- transfers ------------------------------------------------------------ */

typedef struct ssr__xfer ssr__xfer;
typedef struct ssr__fetch ssr__fetch;

struct ssr__xfer {
    ssr__xfer *next;
    ssr__fetch *f;
    int id;
    CURL *easy;
    struct curl_slist *hdrs;
    struct curl_slist *connect_to;
    /* the request, as JavaScript made it (malloc'd: freed with the xfer) */
    char *method;
    char *body;
    size_t body_len;
    char **js_headers;          /* "Name: value" lines */
    int njs_headers;
    int redirect_mode;
    /* the hop in progress */
    char *url;                  /* absolute */
    char *first_origin;
    int redirects;
    int same_origin;            /* this hop goes through this server */
    int private_ok;             /* this hop may reach a private address */
    apr_time_t started;
    /* the response */
    char *buf;
    size_t len, cap;
    size_t header_bytes;
    int status;
    char *status_text;
    char **resp_headers;        /* name, value, name, value, ... */
    int nresp, resp_cap;
    int too_big;
    char refused_addr[64];
    char errbuf[CURL_ERROR_SIZE];
    /* the outcome, once done */
    int done;
    char *error;                /* failed: why */
};

struct ssr__fetch {
    apr_pool_t *pool;
    apr_pool_t *scratch;        /* what next() hands out */
    const ssr_fetch_policy_t *pol;
    CURLM *multi;
    ssr__xfer *running;         /* started, not done */
    ssr__xfer *ready;           /* done, not delivered */
    ssr__xfer *ready_tail;
    ssr__xfer *delivered;       /* handed out by next(), freed by the next */
    int next_id;
    int started;                /* fetches this render */
    int closed;
    ssr_io_t io;
};

static void ssr__log(ssr__fetch *f, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ssr__log(ssr__fetch *f, int level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    if (f->pol->log == NULL) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    f->pol->log(f->pol->log_baton, level, line);
}

static void ssr__reset_response(ssr__xfer *x)
{
    int i;

    x->len = 0;
    x->header_bytes = 0;
    x->status = 0;
    free(x->status_text);
    x->status_text = NULL;
    for (i = 0; i < x->nresp; i++) {
        free(x->resp_headers[i]);
    }
    x->nresp = 0;
}

static void ssr__release_easy(ssr__xfer *x)
{
    if (x->easy) {
        curl_multi_remove_handle(x->f->multi, x->easy);
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    curl_slist_free_all(x->connect_to);
    x->connect_to = NULL;
}

static void ssr__xfer_free(ssr__xfer *x)
{
    int i;

    ssr__release_easy(x);
    ssr__reset_response(x);
    free(x->resp_headers);
    free(x->buf);
    free(x->method);
    free(x->body);
    for (i = 0; i < x->njs_headers; i++) {
        free(x->js_headers[i]);
    }
    free(x->js_headers);
    free(x->url);
    free(x->first_origin);
    free(x->error);
    free(x);
}

static size_t ssr__on_body(char *data, size_t size, size_t n, void *baton)
{
    ssr__xfer *x = baton;
    size_t add = size * n;
    apr_size_t max = x->f->pol->max_size;

    if (max && (x->len + add + x->header_bytes > max)) {
        x->too_big = 1;
        return 0;   /* curl stops the transfer (CURLE_WRITE_ERROR) */
    }
    if (x->len + add + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 4096;
        char *nb;
        while (cap < x->len + add + 1) {
            cap *= 2;
        }
        nb = realloc(x->buf, cap);
        if (nb == NULL) {
            return 0;
        }
        x->buf = nb;
        x->cap = cap;
    }
    memcpy(x->buf + x->len, data, add);
    x->len += add;
    x->buf[x->len] = '\0';
    return add;
}

static int ssr__push_header(ssr__xfer *x, const char *name, size_t nlen,
                            const char *value, size_t vlen)
{
    char *k, *v;
    size_t i;

    if (x->nresp + 2 > x->resp_cap) {
        int cap = x->resp_cap ? x->resp_cap * 2 : 32;
        char **nh = realloc(x->resp_headers, cap * sizeof(char *));
        if (nh == NULL) {
            return 0;
        }
        x->resp_headers = nh;
        x->resp_cap = cap;
    }
    k = strndup(name, nlen);
    v = strndup(value, vlen);
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return 0;
    }
    for (i = 0; i < nlen; i++) {
        if (k[i] >= 'A' && k[i] <= 'Z') {
            k[i] = (char) (k[i] - 'A' + 'a');
        }
    }
    x->resp_headers[x->nresp++] = k;
    x->resp_headers[x->nresp++] = v;
    return 1;
}

static size_t ssr__on_header(char *data, size_t size, size_t n, void *baton)
{
    ssr__xfer *x = baton;
    size_t len = size * n, vlen;
    apr_size_t max = x->f->pol->max_size;
    const char *colon, *v;

    x->header_bytes += len;
    if (len > SSR__HEADER_LINE_MAX ||
        (max && x->header_bytes + x->len > max)) {
        x->too_big = 1;
        return 0;
    }
    while (len > 0 && (data[len - 1] == '\r' || data[len - 1] == '\n')) {
        len--;
    }
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A status line: a new response (after 100 Continue, say). */
        const char *sp = memchr(data, ' ', len), *text;
        size_t hb = x->header_bytes;
        ssr__reset_response(x);
        x->header_bytes = hb;
        if (sp != NULL) {
            x->status = atoi(sp + 1);
            text = memchr(sp + 1, ' ', len - (size_t) (sp + 1 - data));
            x->status_text = text ? strndup(text + 1,
                                            len - (size_t) (text + 1 - data))
                                  : strdup("");
        }
        return size * n;
    }
    if (len == 0 || data[0] == ' ' || data[0] == '\t') {
        return size * n;    /* the end of the head, or obsolete folding */
    }
    colon = memchr(data, ':', len);
    if (colon == NULL) {
        return size * n;
    }
    v = colon + 1;
    vlen = len - (size_t) (v - data);
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    return ssr__push_header(x, data, (size_t) (colon - data), v, vlen)
           ? size * n : 0;
}

/* Refuses private addresses unless this hop may reach them: the check is
 * on the address curl is about to connect to, after resolution, so a name
 * that resolves to an internal address is caught too. */
static curl_socket_t ssr__open_socket(void *baton, curlsocktype purpose,
                                      struct curl_sockaddr *addr)
{
    ssr__xfer *x = baton;

    if (!x->private_ok && ssr_fetch_private_addr(&addr->addr)) {
        char ip[INET6_ADDRSTRLEN] = "?";
        if (addr->family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *) &addr->addr)->sin_addr,
                      ip, sizeof(ip));
        }
        else if (addr->family == AF_INET6) {
            inet_ntop(AF_INET6,
                      &((struct sockaddr_in6 *) &addr->addr)->sin6_addr,
                      ip, sizeof(ip));
        }
        snprintf(x->refused_addr, sizeof(x->refused_addr), "%s", ip);
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

static int ssr__has_header(ssr__xfer *x, const char *name)
{
    size_t n = strlen(name);
    int i;

    for (i = 0; i < x->njs_headers; i++) {
        if (strncasecmp(x->js_headers[i], name, n) == 0 &&
            x->js_headers[i][n] == ':') {
            return 1;
        }
    }
    return 0;
}

/* Sets up and starts the hop to x->url.  0, or an error message. */
static const char *ssr__start_hop(apr_pool_t *p, ssr__xfer *x)
{
    ssr__fetch *f = x->f;
    const ssr_fetch_policy_t *pol = f->pol;
    apr_interval_time_t left;
    const char *origin = ssr_fetch_origin(p, x->url);
    int cross = x->first_origin && origin && strcmp(origin, x->first_origin);
    int i;

    left = pol->timeout - (apr_time_now() - x->started);
    if (pol->timeout > 0 && left <= 0) {
        return apr_psprintf(p, "no response within SSRFetchTimeout (%ld ms)",
                            (long) apr_time_as_msec(pol->timeout));
    }
    x->easy = curl_easy_init();
    if (x->easy == NULL) {
        return "out of memory";
    }
    ssr__reset_response(x);
    x->too_big = 0;
    x->refused_addr[0] = '\0';
    x->errbuf[0] = '\0';
    for (i = 0; i < x->njs_headers; i++) {
        /* Credentials do not follow a redirect to another origin. */
        if (cross && (strncasecmp(x->js_headers[i], "authorization:", 14) == 0
                      || strncasecmp(x->js_headers[i], "cookie:", 7) == 0)) {
            continue;
        }
        x->hdrs = curl_slist_append(x->hdrs, x->js_headers[i]);
    }
    if (x->same_origin) {
        for (i = 0; pol->forward && i < pol->forward->nelts; i++) {
            const ssr_kv_t *kv = &APR_ARRAY_IDX(pol->forward, i, ssr_kv_t);
            if (!ssr__has_header(x, kv->name)) {
                x->hdrs = curl_slist_append(x->hdrs, apr_pstrcat(
                    p, kv->name, ": ", kv->value, NULL));
            }
        }
    }
    if (!ssr__has_header(x, "accept")) {
        x->hdrs = curl_slist_append(x->hdrs, "Accept: */*");
    }
    if (!ssr__has_header(x, "user-agent")) {
        x->hdrs = curl_slist_append(x->hdrs, "User-Agent: mod_ssr-fetch");
    }
    x->hdrs = curl_slist_append(x->hdrs, "Expect:");
    if (x->same_origin && pol->local_addr) {
        /* The origin's URL (so Host and TLS names are the page's), but the
         * connection goes to this server's own local address. */
        x->connect_to = curl_slist_append(NULL, apr_pstrcat(
            p, "::", pol->local_addr, NULL));
        curl_easy_setopt(x->easy, CURLOPT_CONNECT_TO, x->connect_to);
        curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
    curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
    /* Not through a proxy named by the server's environment (http_proxy
     * and the like): the policy is about where requests really go. */
    curl_easy_setopt(x->easy, CURLOPT_PROXY, "");
    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(x->easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, ssr__on_body);
    curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, ssr__on_header);
    curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_OPENSOCKETFUNCTION, ssr__open_socket);
    curl_easy_setopt(x->easy, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
    if (pol->timeout > 0) {
        curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS,
                         (long) (apr_time_as_msec(left) > 0
                                 ? apr_time_as_msec(left) : 1));
    }
    if (pol->max_size > 0) {
        curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t) pol->max_size);
    }
    if (strcmp(x->method, "HEAD") == 0) {
        curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
    }
    else if (strcmp(x->method, "GET") != 0 || x->body != NULL) {
        curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, x->method);
        if (x->body != NULL) {
            curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t) x->body_len);
            curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, x->body);
        }
    }
    if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
        return "the transfer could not be started";
    }
    return NULL;
}

/* x->url is the next hop: routes it through the policy. */
static const char *ssr__route_hop(apr_pool_t *p, ssr__xfer *x,
                                  const char *url)
{
    const char *abs, *why = NULL;
    ssr_fetch_route_e route = ssr_fetch_route(p, x->f->pol, url, &abs, &why);
    const char *origin;

    if (route == SSR_FETCH_REFUSED) {
        return why;
    }
    free(x->url);
    x->url = strdup(abs);
    x->same_origin = route == SSR_FETCH_SAME_ORIGIN;
    /* Private addresses: this server itself, an allowed origin that is an
     * address literal (the configuration named it), or when allowed. */
    origin = ssr_fetch_origin(p, abs);
    x->private_ok = x->same_origin || x->f->pol->allow_private;
    if (!x->private_ok && origin) {
        const char *host = strstr(origin, "://") + 3;
        char buf[64];
        struct in_addr a4;
        struct in6_addr a6;
        apr_size_t n = strcspn(host, host[0] == '[' ? "]" : ":");
        if (host[0] == '[' && n > 1 && n < sizeof(buf)) {
            memcpy(buf, host + 1, n - 1);
            buf[n - 1] = '\0';
            x->private_ok = inet_pton(AF_INET6, buf, &a6) == 1;
        }
        else if (n < sizeof(buf)) {
            memcpy(buf, host, n);
            buf[n] = '\0';
            x->private_ok = inet_pton(AF_INET, buf, &a4) == 1;
        }
    }
    if (x->first_origin == NULL && origin) {
        x->first_origin = strdup(origin);
    }
    return NULL;
}

static void ssr__finish(ssr__xfer *x, const char *error)
{
    ssr__fetch *f = x->f;
    ssr__xfer **pp;

    for (pp = &f->running; *pp; pp = &(*pp)->next) {
        if (*pp == x) {
            *pp = x->next;
            break;
        }
    }
    ssr__release_easy(x);
    x->next = NULL;
    x->done = 1;
    if (error) {
        x->error = strdup(error);
        ssr__log(f, SSR_LOG_DEBUG, "fetch #%d %s %s failed: %s", x->id,
                 x->method, x->url, error);
    }
    else {
        ssr__log(f, SSR_LOG_DEBUG, "fetch #%d %s %s: %d, %lu bytes", x->id,
                 x->method, x->url, x->status, (unsigned long) x->len);
    }
    if (f->ready_tail) {
        f->ready_tail->next = x;
    }
    else {
        f->ready = x;
    }
    f->ready_tail = x;
}

static const char *ssr__header(ssr__xfer *x, const char *name)
{
    int i;

    for (i = 0; i + 1 < x->nresp; i += 2) {
        if (strcmp(x->resp_headers[i], name) == 0) {
            return x->resp_headers[i + 1];
        }
    }
    return NULL;
}

/* A hop is over: the response, a redirect to follow, or a failure. */
static void ssr__hop_done(ssr__xfer *x, CURLcode rc)
{
    ssr__fetch *f = x->f;
    apr_pool_t *p;
    const char *err = NULL, *loc;

    apr_pool_create(&p, f->pool);
    if (rc != CURLE_OK) {
        if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
            err = apr_psprintf(p, "the response is larger than "
                               "SSRFetchMaxSize (%lu bytes)",
                               (unsigned long) f->pol->max_size);
        }
        else if (x->refused_addr[0]) {
            err = apr_psprintf(p, "%s resolves to %s, a private or loopback "
                               "address (not allowed: SSRFetchAllowPrivate)",
                               x->url, x->refused_addr);
        }
        else if (rc == CURLE_OPERATION_TIMEDOUT) {
            err = apr_psprintf(p, "no response from %s within "
                               "SSRFetchTimeout (%ld ms)", x->url,
                               (long) apr_time_as_msec(f->pol->timeout));
        }
        else {
            err = apr_psprintf(p, "%s: %s", x->url,
                               x->errbuf[0] ? x->errbuf
                                            : curl_easy_strerror(rc));
        }
        ssr__finish(x, err);
        apr_pool_destroy(p);
        return;
    }
    loc = ssr__header(x, "location");
    if ((x->status == 301 || x->status == 302 || x->status == 303 ||
         x->status == 307 || x->status == 308) && loc != NULL &&
        x->redirect_mode != SSR_IO_REDIRECT_MANUAL) {
        const char *next;
        if (x->redirect_mode == SSR_IO_REDIRECT_ERROR) {
            err = apr_psprintf(p, "unexpected redirect from %s (redirect "
                               "mode is 'error')", x->url);
        }
        else if (++x->redirects > SSR_FETCH_MAX_REDIRECTS) {
            err = apr_psprintf(p, "more than %d redirects from %s",
                               SSR_FETCH_MAX_REDIRECTS, x->url);
        }
        else if ((next = ssr_fetch_resolve(p, x->url, loc, &err)) == NULL) {
            err = apr_psprintf(p, "bad redirect from %s: %s", x->url, err);
        }
        else if ((err = ssr__route_hop(p, x, next)) != NULL) {
            err = apr_psprintf(p, "redirect refused: %s", err);
        }
        else {
            /* 303, and 301/302 after a POST, go on as a GET without the
             * body, as browsers do. */
            if (x->status == 303 ||
                ((x->status == 301 || x->status == 302) &&
                 strcmp(x->method, "POST") == 0)) {
                if (strcmp(x->method, "HEAD") != 0) {
                    free(x->method);
                    x->method = strdup("GET");
                }
                free(x->body);
                x->body = NULL;
                x->body_len = 0;
            }
            ssr__release_easy(x);
            err = ssr__start_hop(p, x);
            if (err == NULL) {
                apr_pool_destroy(p);
                return;
            }
        }
        ssr__finish(x, err);
        apr_pool_destroy(p);
        return;
    }
    ssr__finish(x, NULL);
    apr_pool_destroy(p);
}

static void ssr__collect(ssr__fetch *f)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
        ssr__xfer *x = NULL;
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &x);
        if (x != NULL) {
            ssr__hop_done(x, msg->data.result);
        }
    }
}

/* --- the ssr_io_t calls ----------------------------------------------------- */

static int ssr__io_start(void *baton, const ssr_io_request_t *rq,
                         const char **err)
{
    ssr__fetch *f = baton;
    const ssr_fetch_policy_t *pol = f->pol;
    ssr__xfer *x;
    const char *why;
    apr_pool_t *p;
    int i;

    if (f->closed) {
        *err = "fetch: the render is over";
        return 0;
    }
    if (pol->max_fetches <= 0) {
        *err = apr_psprintf(f->pool, "fetch %s: fetch() is off here "
                            "(SSRFetchMax 0)", rq->url);
        return 0;
    }
    if (f->started >= pol->max_fetches) {
        *err = apr_psprintf(f->pool, "fetch %s: more than %d fetches in one "
                            "render (SSRFetchMax)", rq->url, pol->max_fetches);
        return 0;
    }
    /* Made by the first fetch: a render that fetches nothing pays
     * nothing for it (a multi handle has a socket pair of its own). */
    if (f->multi == NULL && (f->multi = curl_multi_init()) == NULL) {
        *err = "fetch: out of memory";
        return 0;
    }
    x = calloc(1, sizeof(*x));
    if (x == NULL) {
        *err = "fetch: out of memory";
        return 0;
    }
    x->f = f;
    x->method = strdup(rq->method && *rq->method ? rq->method : "GET");
    x->redirect_mode = rq->redirect;
    x->started = apr_time_now();
    if (rq->body) {
        x->body = malloc(rq->body_len + 1);
        if (x->body) {
            memcpy(x->body, rq->body, rq->body_len);
            x->body[rq->body_len] = '\0';
            x->body_len = rq->body_len;
        }
    }
    x->js_headers = calloc((size_t) rq->nheaders + 1, sizeof(char *));
    for (i = 0; x->js_headers && i < rq->nheaders; i++) {
        size_t n = strlen(rq->headers[i].name) + strlen(rq->headers[i].value)
                   + 3;
        char *line = malloc(n);
        if (line == NULL) {
            break;
        }
        snprintf(line, n, "%s: %s", rq->headers[i].name, rq->headers[i].value);
        x->js_headers[x->njs_headers++] = line;
    }
    apr_pool_create(&p, f->pool);
    why = ssr__route_hop(p, x, rq->url);
    if (why != NULL) {
        *err = apr_psprintf(f->pool, "fetch %s: %s", rq->url, why);
        ssr__log(f, SSR_LOG_INFO, "fetch refused: %s", why);
        apr_pool_destroy(p);
        ssr__xfer_free(x);
        return 0;
    }
    f->started++;
    x->id = ++f->next_id;
    x->next = f->running;
    f->running = x;
    why = ssr__start_hop(p, x);
    if (why != NULL) {
        ssr__finish(x, why);    /* delivered as a failed fetch */
    }
    apr_pool_destroy(p);
    return x->id;
}

static void ssr__io_cancel(void *baton, int id)
{
    ssr__fetch *f = baton;
    ssr__xfer **pp;

    for (pp = &f->running; *pp; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            ssr__xfer *x = *pp;
            *pp = x->next;
            ssr__log(f, SSR_LOG_DEBUG, "fetch #%d %s %s aborted", x->id,
                     x->method, x->url);
            ssr__xfer_free(x);
            return;
        }
    }
    for (pp = &f->ready; *pp; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            ssr__xfer *x = *pp, *prev = NULL, *y;
            *pp = x->next;
            for (y = f->ready; y; y = y->next) {
                prev = y;
            }
            f->ready_tail = prev;
            ssr__xfer_free(x);
            return;
        }
    }
}

static int ssr__io_wait(void *baton, apr_interval_time_t timeout)
{
    ssr__fetch *f = baton;
    int running = 0, ms = (int) ((timeout + 999) / 1000);

    if (f->ready) {
        return 1;
    }
    if (f->running == NULL) {
        return 0;
    }
    /* First let curl do what it can without waiting (a new transfer's
     * connect), then sleep on its sockets until one is ready or the
     * slice ends. */
    curl_multi_perform(f->multi, &running);
    ssr__collect(f);
    if (f->ready == NULL && f->running != NULL) {
        curl_multi_poll(f->multi, NULL, 0, ms, NULL);
        curl_multi_perform(f->multi, &running);
        ssr__collect(f);
    }
    return f->ready != NULL;
}

static int ssr__io_next(void *baton, ssr_io_result_t *out)
{
    ssr__fetch *f = baton;
    ssr__xfer *x = f->ready;
    apr_array_header_t *h;
    int i;

    apr_pool_clear(f->scratch);
    if (f->delivered) {
        ssr__xfer_free(f->delivered);
        f->delivered = NULL;
    }
    if (x == NULL) {
        return 0;
    }
    f->ready = x->next;
    if (f->ready == NULL) {
        f->ready_tail = NULL;
    }
    memset(out, 0, sizeof(*out));
    out->id = x->id;
    if (x->error) {
        out->failed = 1;
        out->error = apr_pstrdup(f->scratch, x->error);
    }
    else {
        out->status = x->status;
        out->status_text = apr_pstrdup(f->scratch,
                                       x->status_text ? x->status_text : "");
        out->url = apr_pstrdup(f->scratch, x->url);
        out->redirected = x->redirects > 0;
        h = apr_array_make(f->scratch, x->nresp / 2 + 1, sizeof(ssr_kv_t));
        for (i = 0; i + 1 < x->nresp; i += 2) {
            ssr_kv_t *kv = apr_array_push(h);
            kv->name = apr_pstrdup(f->scratch, x->resp_headers[i]);
            kv->value = apr_pstrdup(f->scratch, x->resp_headers[i + 1]);
        }
        out->headers = h;
        out->body = x->len ? x->buf : "";
        out->body_len = x->len;
    }
    f->delivered = x;   /* its body is out->body until the next call */
    return 1;
}

static int ssr__io_active(void *baton)
{
    ssr__fetch *f = baton;
    ssr__xfer *x;
    int n = 0;

    for (x = f->running; x; x = x->next) {
        n++;
    }
    for (x = f->ready; x; x = x->next) {
        n++;
    }
    return n;
}

static void ssr__io_close(void *baton)
{
    ssr__fetch *f = baton;
    ssr__xfer *x;

    while ((x = f->running) != NULL) {
        f->running = x->next;
        ssr__log(f, SSR_LOG_DEBUG, "fetch #%d %s %s stopped: the render is "
                 "over", x->id, x->method, x->url);
        ssr__xfer_free(x);
    }
    while ((x = f->ready) != NULL) {
        f->ready = x->next;
        ssr__xfer_free(x);
    }
    f->ready_tail = NULL;
    if (f->delivered) {
        ssr__xfer_free(f->delivered);
        f->delivered = NULL;
    }
    if (f->multi) {
        curl_multi_cleanup(f->multi);   /* closes kept-alive connections */
        f->multi = NULL;
    }
    f->closed = 1;
}

static apr_status_t ssr__fetch_cleanup(void *baton)
{
    ssr__io_close(baton);
    return APR_SUCCESS;
}

apr_status_t ssr_fetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK
           ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t ssr_fetch_create(apr_pool_t *p, const ssr_fetch_policy_t *pol,
                              ssr_io_t **out)
{
    ssr__fetch *f = apr_pcalloc(p, sizeof(*f));

    f->pool = p;
    f->pol = pol;
    if (apr_pool_create(&f->scratch, p) != APR_SUCCESS) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, f, ssr__fetch_cleanup,
                              apr_pool_cleanup_null);
    f->io.baton = f;
    f->io.start = ssr__io_start;
    f->io.cancel = ssr__io_cancel;
    f->io.wait = ssr__io_wait;
    f->io.next = ssr__io_next;
    f->io.active = ssr__io_active;
    f->io.close = ssr__io_close;
    *out = &f->io;
    return APR_SUCCESS;
}
