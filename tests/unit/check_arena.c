/*
 * check_arena.c -- the block store behind a heap's allocator (ssr_arena.c).
 */
#include <stdint.h>
#include <string.h>

#include "check_suites.h"
#include "ssr_arena.h"

/* Every size class, the edges between them, and big blocks. */
static const size_t ssr__sizes[] = {
    0, 1, 15, 16, 17, 31, 32, 100, 128, 129, 160, 161, 256, 257, 1000,
    2047, 2048, 2049, 4096, 8191, 8192, 8193, 65536, 1000000
};
#define NSIZES (sizeof(ssr__sizes) / sizeof(ssr__sizes[0]))

START_TEST(blocks_are_aligned_sized_and_apart)
{
    ssr_arena_t a;
    unsigned char *p[NSIZES];
    size_t i, j;

    ssr_arena_init(&a);
    for (i = 0; i < NSIZES; i++) {
        p[i] = ssr_arena_alloc(&a, ssr__sizes[i]);
        ck_assert_ptr_nonnull(p[i]);
        ck_assert_uint_eq((uintptr_t) p[i] % 16, 0);
        ck_assert_uint_eq(ssr_arena_size(p[i]), ssr__sizes[i]);
        memset(p[i], (int) i + 1, ssr__sizes[i]);
    }
    /* no block was written over by another */
    for (i = 0; i < NSIZES; i++) {
        for (j = 0; j < ssr__sizes[i]; j++) {
            ck_assert_uint_eq(p[i][j], i + 1);
        }
    }
    for (i = 0; i < NSIZES; i++) {
        ssr_arena_free(&a, p[i]);
    }
    ssr_arena_clear(&a);
}
END_TEST

/* Growing and shrinking across classes and between small and big keeps
 * the contents up to the smaller size. */
START_TEST(realloc_keeps_contents)
{
    static const size_t steps[] = { 10, 16, 20, 120, 300, 5000, 9000,
                                    200000, 7000, 40, 8 };
    ssr_arena_t a;
    unsigned char *p;
    size_t i, j, keep;

    ssr_arena_init(&a);
    p = ssr_arena_alloc(&a, 1);
    ck_assert_ptr_nonnull(p);
    p[0] = 0;
    keep = 1;
    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        p = ssr_arena_realloc(&a, p, steps[i]);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(ssr_arena_size(p), steps[i]);
        keep = keep < steps[i] ? keep : steps[i];
        for (j = 0; j < keep; j++) {
            ck_assert_uint_eq(p[j], (unsigned char) j);
        }
        for (j = 0; j < steps[i]; j++) {
            p[j] = (unsigned char) j;
        }
        keep = steps[i];
    }
    ssr_arena_free(&a, p);
    ssr_arena_clear(&a);
}
END_TEST

/* A heap that grew for one render gives its slabs back as they empty,
 * all but one per class. */
START_TEST(emptied_slabs_are_given_back)
{
    enum { N = 20000 };
    static void *p[N];
    ssr_arena_t a;
    size_t grown;
    int i;

    ssr_arena_init(&a);
    for (i = 0; i < N; i++) {
        p[i] = ssr_arena_alloc(&a, 48);
        ck_assert_ptr_nonnull(p[i]);
    }
    grown = a.slab_bytes;
    ck_assert_uint_ge(grown, SSR_ARENA_SLABS ? (size_t) N * 48 : 0);
    for (i = 0; i < N; i++) {
        ssr_arena_free(&a, p[i]);
    }
    ck_assert_uint_le(a.slab_bytes, (size_t) 64 * 1024);
    /* what is left is used again */
    for (i = 0; i < 100; i++) {
        p[i] = ssr_arena_alloc(&a, 40);
    }
    ck_assert_uint_le(a.slab_bytes, (size_t) 64 * 1024);
    ssr_arena_clear(&a);
    ck_assert_uint_eq(a.slab_bytes, 0);
    ck_assert_ptr_null(a.slabs);
    ck_assert_ptr_null(a.bigs);
}
END_TEST

/* Clearing frees what was never freed (LeakSanitizer checks it under
 * check-asan), and the arena can be used again. */
START_TEST(clear_frees_every_block)
{
    ssr_arena_t a;
    size_t i;

    ssr_arena_init(&a);
    for (i = 0; i < NSIZES; i++) {
        ck_assert_ptr_nonnull(ssr_arena_alloc(&a, ssr__sizes[i]));
    }
    ssr_arena_clear(&a);
    ck_assert_ptr_nonnull(ssr_arena_alloc(&a, 64));
    ssr_arena_clear(&a);
}
END_TEST

START_TEST(huge_sizes_are_refused)
{
    ssr_arena_t a;
    void *p;

    ssr_arena_init(&a);
    ck_assert_ptr_null(ssr_arena_alloc(&a, SIZE_MAX - 8));
    p = ssr_arena_alloc(&a, 10);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_null(ssr_arena_realloc(&a, p, SIZE_MAX - 8));
    ck_assert_uint_eq(ssr_arena_size(p), 10);   /* untouched */
    ssr_arena_clear(&a);
}
END_TEST

Suite *arena_suite(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("blocks");

    tcase_add_test(tc, blocks_are_aligned_sized_and_apart);
    tcase_add_test(tc, realloc_keeps_contents);
    tcase_add_test(tc, emptied_slabs_are_given_back);
    tcase_add_test(tc, clear_frees_every_block);
    tcase_add_test(tc, huge_sizes_are_refused);
    suite_add_tcase(s, tc);
    return s;
}
