/* ssr_arena.h -- the block store behind one Duktape heap's allocator.
 *
 * A render makes and drops hundreds of thousands of small blocks (strings,
 * objects, property tables): with malloc each one is a trip through the
 * thread's arena, and heaps move between threads, so a block is often freed
 * into another thread's arena than the one it came from.  An arena keeps a
 * heap's small blocks in its own slabs, one free list per size class, and
 * hands bigger ones to malloc.  It knows every block it gave out, so a heap
 * Duktape gave up on is freed without calling into Duktape.
 *
 * Not thread-safe: a heap is used by one thread at a time, and so is its
 * arena.  Knows nothing of httpd or Duktape. */
#ifndef SSR_ARENA_H
#define SSR_ARENA_H

#include <stddef.h>

typedef struct ssr__arena_slab ssr__arena_slab;
typedef struct ssr__arena_big ssr__arena_big;

/* Number of size classes for small blocks (see ssr_arena.c). */
#define SSR_ARENA_CLASSES 32

/* Under AddressSanitizer every block is malloc'd on its own, so that the
 * sanitizer sees each block's bounds and each use after free. */
#if defined(__SANITIZE_ADDRESS__)
#define SSR_ARENA_SLABS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SSR_ARENA_SLABS 0
#endif
#endif
#if !defined(SSR_ARENA_SLABS)
#define SSR_ARENA_SLABS 1
#endif

typedef struct ssr_arena_t {
    ssr__arena_slab *partial[SSR_ARENA_CLASSES]; /* slabs with room */
    ssr__arena_slab *slabs;                      /* every slab */
    ssr__arena_big *bigs;                        /* every big block */
    size_t slab_bytes;                           /* held in slabs */
} ssr_arena_t;

/* An empty arena (all zero is one too). */
void ssr_arena_init(ssr_arena_t *a);

/* A block of at least size bytes, 16-byte aligned; NULL when out of
 * memory or size is too large to count. */
void *ssr_arena_alloc(ssr_arena_t *a, size_t size);

/* Gives a block back (NULL is ignored). */
void ssr_arena_free(ssr_arena_t *a, void *p);

/* The block p grown or shrunk to size bytes, its contents kept up to the
 * smaller size; NULL (and p untouched) when out of memory.  p may not be
 * NULL and size may not be 0: the caller does those as alloc and free. */
void *ssr_arena_realloc(ssr_arena_t *a, void *p, size_t size);

/* The size a block was asked for (the last alloc or realloc). */
size_t ssr_arena_size(const void *p);

/* Frees every block and slab; the arena is empty again. */
void ssr_arena_clear(ssr_arena_t *a);

#endif /* SSR_ARENA_H */
