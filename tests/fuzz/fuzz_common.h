/*
 * fuzz_common.h -- shared by the libFuzzer targets in tests/fuzz/.
 *
 * Each target #includes the .c files it tests, so that the Makefile needs
 * nothing but the target's name (see FUZZ_TARGETS in Makefile.am) and the
 * code under test is compiled with the fuzzer's coverage and sanitizers.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

/* A failed property: libFuzzer records the input as a crash. */
#define FUZZ_CHECK(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
                    __LINE__, #cond); \
            abort(); \
        } \
    } while (0)

/* One pool for the process, cleared after each input, so that a run of a
 * million inputs does not grow without bound. */
static apr_pool_t *fuzz_pool(void)
{
    static apr_pool_t *pool;

    if (pool == NULL) {
        if (apr_initialize() != APR_SUCCESS
            || apr_pool_create(&pool, NULL) != APR_SUCCESS) {
            abort();
        }
    }
    apr_pool_clear(pool);
    return pool;
}

/* data[0..size) as a NUL-terminated string in its own heap block (stops at
 * an embedded NUL, as a C string would): reads past the end are caught. */
static char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL) {
        abort();
    }
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif /* FUZZ_COMMON_H */
