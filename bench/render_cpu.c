/*
 * render-cpu -- CPU time per render of one URL, in one reused heap, the way
 * ssr-render renders it.  Each render is timed with the thread's own CPU
 * clock, so time the machine gives to other processes is not counted (a
 * shared machine's wall-clock timings are not).  Heap creation and the
 * first WARMUP renders are left out; the garbage collections that fall in
 * the counted renders are in, which is why the mean is printed with the
 * median.
 *
 * usage: render-cpu BUNDLE TEMPLATE URL [N [WARMUP]]
 * prints: cpu_ms_median=... cpu_ms_mean=... cpu_ms_p90=... renders=N bytes=...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <apr_general.h>

#include "ssr_cli.h"

static double ssr__cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int ssr__cmp(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p, *rp;
    ssr_cli_app app;
    ssr_render_result_t res;
    ssr_plan_t plan;
    apr_array_header_t *headers;
    apr_size_t len = 0;
    double *t, t0, sum = 0;
    int i, n = 200, warmup = 20, rc;

    if (argc < 4) {
        fprintf(stderr, "usage: render-cpu BUNDLE TEMPLATE URL [N [WARMUP]]\n");
        return 2;
    }
    if (argc > 4) {
        n = atoi(argv[4]);
    }
    if (argc > 5) {
        warmup = atoi(argv[5]);
    }
    if (n < 1 || warmup < 0) {
        fprintf(stderr, "render-cpu: N >= 1, WARMUP >= 0\n");
        return 2;
    }
    apr_app_initialize(&argc, &argv, NULL);
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    ssr_cli_init(p, &app, "render-cpu");
    app.bundle_path = argv[1];
    app.template_path = argv[2];
    app.quiet = 1;
    /* a benchmark, not a server: room for a slow machine or valgrind */
    app.timeout = apr_time_from_sec(120);
    headers = apr_array_make(p, 1, sizeof(ssr_kv_t));
    if ((rc = ssr_cli_load(p, &app)) != 0) {
        return rc;
    }
    t = calloc((size_t) n, sizeof(*t));
    for (i = -warmup; i < n; i++) {
        apr_pool_create(&rp, p);
        t0 = ssr__cpu_ms();
        if ((rc = ssr_cli_render(rp, &app, argv[3], headers, "GET", &res,
                                 &plan)) != 0) {
            return rc;
        }
        if (i >= 0) {
            t[i] = ssr__cpu_ms() - t0;
            sum += t[i];
        }
        if (plan.kind != SSR_PLAN_PAGE) {
            fprintf(stderr, "render-cpu: %s: no page (%s)\n", argv[3],
                    plan.why ? plan.why : "?");
            return 1;
        }
        if (i == n - 1) {
            ssr_cli_page(rp, &app, &res, &len);
        }
        apr_pool_destroy(rp);
    }
    qsort(t, (size_t) n, sizeof(*t), ssr__cmp);
    printf("cpu_ms_median=%.3f cpu_ms_mean=%.3f cpu_ms_p90=%.3f renders=%d "
           "heaps=%d bytes=%lu\n", t[n / 2], sum / n, t[(n * 9) / 10], n,
           app.heaps, (unsigned long) len);
    free(t);
    ssr_cli_done(&app);
    apr_pool_destroy(p);
    return 0;
}
