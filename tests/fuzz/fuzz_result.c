/*
 * fuzz_result.c -- the render result -> response plan
 * (ssr_plan_result, mod_ssr/ssr_result.c).
 *
 * Input: lines "key value" that fill an ssr_render_result_t, as the engine
 * would from whatever the app's JavaScript returned:
 *   status N          how the render ended (ssr_render_status_e, any int)
 *   object N          result was an object
 *   html S / head S   markup
 *   http_status D     result.status (a JavaScript number: nan, 1e308, 200.5)
 *   header NAME: VAL  one response header (repeatable)
 *   redirect S / redirect_status D
 *   error_code S / error_message S / error_target S / error_status D
 *   detail S
 * In S, NAME and VAL, \xHH stands for any byte but NUL, so seeds can hold
 * CR, LF and other control bytes; the fuzzer also puts raw bytes there.
 * The plan is checked against what ssr_result.h promises: only valid,
 * unreserved headers pass, statuses are in range, and the log lines it
 * writes are printable ASCII (a header name must not forge log lines).
 */
#include "fuzz_common.h"

#include "../../mod_ssr/ssr_result.c"

#include <math.h>

static int fuzz_hex(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* s with \xHH decoded, as a pool string; \x00 stays as it is written. */
static char *fuzz_unescape(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) + 1);
    char *o = out;

    while (*s != '\0') {
        int hi, lo;

        if (s[0] == '\\' && s[1] == 'x' && (hi = fuzz_hex(s[2])) >= 0
            && (lo = fuzz_hex(s[3])) >= 0 && (hi | lo) != 0) {
            *o++ = (char)(hi * 16 + lo);
            s += 4;
        }
        else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

static void fuzz_log(void *baton, int level, const char *msg)
{
    const unsigned char *m = (const unsigned char *)msg;

    (void)baton;
    FUZZ_CHECK(level == SSR_LOG_WARNING);
    for (; *m != '\0'; m++) {
        FUZZ_CHECK(*m >= 0x20 && *m < 0x7f);
    }
}

static void fuzz_line(apr_pool_t *p, ssr_render_result_t *res, char *line)
{
    char *sp = strchr(line, ' ');
    const char *key = line;
    char *val;

    if (sp == NULL) {
        return;
    }
    *sp = '\0';
    val = fuzz_unescape(p, sp + 1);

    if (strcmp(key, "status") == 0) {
        res->status = (ssr_render_status_e)atoi(val);
    }
    else if (strcmp(key, "object") == 0) {
        res->is_object = atoi(val);
    }
    else if (strcmp(key, "html") == 0) {
        res->html = val;
        res->html_len = strlen(val);
    }
    else if (strcmp(key, "head") == 0) {
        res->head = val;
        res->head_len = strlen(val);
    }
    else if (strcmp(key, "http_status") == 0) {
        res->has_status = 1;
        res->http_status = strtod(val, NULL);
    }
    else if (strcmp(key, "header") == 0) {
        char *colon = strchr(val, ':');
        ssr_kv_t *kv;

        if (res->headers == NULL) {
            res->headers = apr_array_make(p, 4, sizeof(ssr_kv_t));
        }
        kv = apr_array_push(res->headers);
        if (colon != NULL) {
            *colon = '\0';
            kv->value = colon[1] == ' ' ? colon + 2 : colon + 1;
        }
        else {
            kv->value = "";
        }
        kv->name = val;
    }
    else if (strcmp(key, "redirect") == 0) {
        res->redirect = val;
    }
    else if (strcmp(key, "redirect_status") == 0) {
        res->has_redirect_status = 1;
        res->redirect_status = strtod(val, NULL);
    }
    else if (strcmp(key, "error_code") == 0) {
        res->error_code = val;
    }
    else if (strcmp(key, "error_message") == 0) {
        res->error_message = val;
    }
    else if (strcmp(key, "error_target") == 0) {
        res->error_target = val;
    }
    else if (strcmp(key, "error_status") == 0) {
        res->has_error_status = 1;
        res->error_status = strtod(val, NULL);
    }
    else if (strcmp(key, "detail") == 0) {
        res->detail = val;
    }
}

static void fuzz_check_plan(const ssr_render_result_t *res,
                            const ssr_plan_t *plan)
{
    int i, cache_control = 0;

    FUZZ_CHECK(plan->headers != NULL);
    for (i = 0; i < plan->headers->nelts; i++) {
        const ssr_kv_t *kv = &APR_ARRAY_IDX(plan->headers, i, ssr_kv_t);

        FUZZ_CHECK(ssr_header_name_valid(kv->name));
        FUZZ_CHECK(ssr_header_value_valid(kv->value));
        FUZZ_CHECK(!ssr_header_reserved(kv->name));
        FUZZ_CHECK(strpbrk(kv->value, "\r\n") == NULL);
        cache_control |= strcasecmp(kv->name, "cache-control") == 0;
    }
    FUZZ_CHECK(plan->sets_cache_control == cache_control);

    switch (plan->kind) {
    case SSR_PLAN_PAGE:
        FUZZ_CHECK(res->status == SSR_RENDER_OK && res->redirect == NULL);
        FUZZ_CHECK(plan->status >= 200 && plan->status <= 599);
        FUZZ_CHECK(!res->has_status || (double)plan->status == res->http_status);
        break;
    case SSR_PLAN_REDIRECT:
        FUZZ_CHECK(ssr_redirect_status_valid(plan->status));
        FUZZ_CHECK(plan->location != NULL && *plan->location != '\0');
        FUZZ_CHECK(ssr_header_value_valid(plan->location));
        break;
    case SSR_PLAN_STATUS:
        FUZZ_CHECK(plan->status == 404 || plan->status == 503
                   || plan->status == 504);
        FUZZ_CHECK(plan->headers->nelts == 0);
        break;
    case SSR_PLAN_FAIL:
        FUZZ_CHECK(plan->status == 500 && plan->why != NULL);
        FUZZ_CHECK(plan->headers->nelts == 0);
        break;
    default:
        FUZZ_CHECK(!"unknown plan kind");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    char *text = fuzz_cstr(data, size);
    char *line, *next;
    ssr_render_result_t res;
    ssr_plan_t plan;

    memset(&res, 0, sizeof(res));
    for (line = text; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        fuzz_line(p, &res, line);
    }
    ssr_plan_result(p, &res, &plan, fuzz_log, NULL);
    fuzz_check_plan(&res, &plan);
    /* Without a log function, invalid headers are dropped silently. */
    ssr_plan_result(p, &res, &plan, NULL, NULL);
    fuzz_check_plan(&res, &plan);
    free(text);
    return 0;
}
