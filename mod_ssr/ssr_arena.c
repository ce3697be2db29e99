/* ssr_arena.c -- the block store behind one Duktape heap's allocator.
 *
 * Small blocks (up to 8 KB) live in 64 KB slabs of one size class each:
 * 16-byte steps up to 128 bytes, then four classes per doubling.  A slab
 * hands out blocks from its free list, else from its never-used end; a
 * class keeps a list of its slabs that have room.  A slab whose last block
 * is freed goes back to malloc unless it is the class's only slab with
 * room, so a heap that grew for one render shrinks again, and a block made
 * and dropped over and over does not make and drop a slab each time.
 * Bigger blocks are malloc'd, on a list of their own.
 *
 * Each block has a 16-byte header before it (32 for a big one): its size
 * as asked, its class, and for a small block its slab. */
#include "ssr_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SSR__SLAB_SIZE ((size_t) 64 * 1024)
#define SSR__BIG_CLASS UINT32_MAX

#if SSR_ARENA_SLABS
#define SSR__SMALL_MAX ((size_t) 8192)
#else
#define SSR__SMALL_MAX ((size_t) 0)
#endif

struct ssr__arena_slab {
    ssr__arena_slab *prev, *next;       /* every slab of the arena */
    ssr__arena_slab *prev_room, *next_room; /* the class's slabs with room */
    void *free;                          /* freed blocks (headers) */
    char *fresh, *end;                   /* the never-used blocks */
    size_t block;                        /* header + payload bytes */
    unsigned live;                       /* blocks handed out */
    unsigned cls;
    int has_room;                        /* on the class's list */
};

/* The header of a small block: the slab, the size asked, the class. */
typedef struct ssr__small {
    ssr__arena_slab *slab;
    uint32_t size;
    uint32_t cls;
} ssr__small;

/* The header of a big block; cls (SSR__BIG_CLASS) ends both headers, so
 * it is at the same place before every block. */
struct ssr__arena_big {
    ssr__arena_big *prev, *next;
    size_t size;
    uint32_t pad_;
    uint32_t cls;
};

/* Where the first block of a slab starts: after the slab's header, with
 * each payload 16-byte aligned (the headers are 16 bytes). */
#define SSR__SLAB_HEAD ((sizeof(ssr__arena_slab) + 15) & ~(size_t) 15)

static const uint32_t ssr__class_size[SSR_ARENA_CLASSES] = {
    16, 32, 48, 64, 80, 96, 112, 128,
    160, 192, 224, 256,
    320, 384, 448, 512,
    640, 768, 896, 1024,
    1280, 1536, 1792, 2048,
    2560, 3072, 3584, 4096,
    5120, 6144, 7168, 8192
};

/* The smallest class that holds size bytes (1 <= size <= SSR__SMALL_MAX). */
static unsigned ssr__class_of(size_t size)
{
    unsigned k;

    if (size <= 128) {
        return size <= 16 ? 0 : (unsigned) ((size - 1) >> 4);
    }
    /* size - 1 is in [2^k, 2^(k+1)), k >= 7: four classes of 2^(k-2) */
    k = (unsigned) (63 - __builtin_clzll((unsigned long long) (size - 1)));
    return 8 + 4 * (k - 7) +
           (unsigned) (((size - 1) - ((size_t) 1 << k)) >> (k - 2));
}

static uint32_t ssr__cls_at(const void *p)
{
    uint32_t cls;

    memcpy(&cls, (const char *) p - sizeof(uint32_t), sizeof(cls));
    return cls;
}

void ssr_arena_init(ssr_arena_t *a)
{
    memset(a, 0, sizeof(*a));
}

/* --- slabs ----------------------------------------------------------------- */

static void ssr__room_add(ssr_arena_t *a, ssr__arena_slab *s)
{
    s->prev_room = NULL;
    s->next_room = a->partial[s->cls];
    if (s->next_room) {
        s->next_room->prev_room = s;
    }
    a->partial[s->cls] = s;
    s->has_room = 1;
}

static void ssr__room_remove(ssr_arena_t *a, ssr__arena_slab *s)
{
    if (s->prev_room) {
        s->prev_room->next_room = s->next_room;
    }
    else {
        a->partial[s->cls] = s->next_room;
    }
    if (s->next_room) {
        s->next_room->prev_room = s->prev_room;
    }
    s->has_room = 0;
}

static ssr__arena_slab *ssr__slab_new(ssr_arena_t *a, unsigned cls)
{
    ssr__arena_slab *s = malloc(SSR__SLAB_SIZE);

    if (s == NULL) {
        return NULL;
    }
    s->free = NULL;
    s->block = sizeof(ssr__small) + ssr__class_size[cls];
    s->fresh = (char *) s + SSR__SLAB_HEAD;
    s->end = (char *) s + SSR__SLAB_SIZE;
    s->live = 0;
    s->cls = cls;
    s->prev = NULL;
    s->next = a->slabs;
    if (a->slabs) {
        a->slabs->prev = s;
    }
    a->slabs = s;
    a->slab_bytes += SSR__SLAB_SIZE;
    ssr__room_add(a, s);
    return s;
}

static void ssr__slab_drop(ssr_arena_t *a, ssr__arena_slab *s)
{
    if (s->has_room) {
        ssr__room_remove(a, s);
    }
    if (s->prev) {
        s->prev->next = s->next;
    }
    else {
        a->slabs = s->next;
    }
    if (s->next) {
        s->next->prev = s->prev;
    }
    a->slab_bytes -= SSR__SLAB_SIZE;
    free(s);
}

static int ssr__slab_full(const ssr__arena_slab *s)
{
    return s->free == NULL && (size_t) (s->end - s->fresh) < s->block;
}

/* --- small blocks ------------------------------------------------------------ */

static void *ssr__small_alloc(ssr_arena_t *a, size_t size)
{
    unsigned cls = ssr__class_of(size ? size : 1);
    ssr__arena_slab *s = a->partial[cls];
    ssr__small *b;

    if (s == NULL && (s = ssr__slab_new(a, cls)) == NULL) {
        return NULL;
    }
    if (s->free) {
        b = s->free;
        memcpy(&s->free, b + 1, sizeof(void *));
    }
    else {
        b = (ssr__small *) s->fresh;
        s->fresh += s->block;
    }
    s->live++;
    if (ssr__slab_full(s)) {
        ssr__room_remove(a, s);
    }
    b->slab = s;
    b->size = (uint32_t) size;
    b->cls = cls;
    return b + 1;
}

static void ssr__small_free(ssr_arena_t *a, ssr__small *b)
{
    ssr__arena_slab *s = b->slab;

    memcpy(b + 1, &s->free, sizeof(void *));
    s->free = b;
    s->live--;
    if (!s->has_room) {
        ssr__room_add(a, s);
    }
    if (s->live == 0 && (s->prev_room || s->next_room)) {
        ssr__slab_drop(a, s);
    }
}

/* --- big blocks ---------------------------------------------------------------- */

static void ssr__big_link(ssr_arena_t *a, ssr__arena_big *b)
{
    b->prev = NULL;
    b->next = a->bigs;
    if (a->bigs) {
        a->bigs->prev = b;
    }
    a->bigs = b;
}

static void ssr__big_unlink(ssr_arena_t *a, ssr__arena_big *b)
{
    if (b->prev) {
        b->prev->next = b->next;
    }
    else {
        a->bigs = b->next;
    }
    if (b->next) {
        b->next->prev = b->prev;
    }
}

static void *ssr__big_alloc(ssr_arena_t *a, size_t size)
{
    ssr__arena_big *b;

    if (size > SIZE_MAX - sizeof(*b)) {
        return NULL;
    }
    b = malloc(sizeof(*b) + size);
    if (b == NULL) {
        return NULL;
    }
    b->size = size;
    b->cls = SSR__BIG_CLASS;
    ssr__big_link(a, b);
    return b + 1;
}

static void *ssr__big_realloc(ssr_arena_t *a, ssr__arena_big *b, size_t size)
{
    ssr__arena_big *nb;

    if (size > SIZE_MAX - sizeof(*b)) {
        return NULL;
    }
    ssr__big_unlink(a, b);
    nb = realloc(b, sizeof(*nb) + size);
    if (nb == NULL) {
        ssr__big_link(a, b);    /* the old block is still valid */
        return NULL;
    }
    nb->size = size;
    ssr__big_link(a, nb);
    return nb + 1;
}

/* --- the interface ------------------------------------------------------------- */

void *ssr_arena_alloc(ssr_arena_t *a, size_t size)
{
    if (SSR_ARENA_SLABS && size <= SSR__SMALL_MAX) {
        return ssr__small_alloc(a, size);
    }
    return ssr__big_alloc(a, size);
}

void ssr_arena_free(ssr_arena_t *a, void *p)
{
    if (p == NULL) {
        return;
    }
    if (ssr__cls_at(p) == SSR__BIG_CLASS) {
        ssr__arena_big *b = (ssr__arena_big *) p - 1;

        ssr__big_unlink(a, b);
        free(b);
    }
    else {
        ssr__small_free(a, (ssr__small *) p - 1);
    }
}

void *ssr_arena_realloc(ssr_arena_t *a, void *p, size_t size)
{
    size_t old = ssr_arena_size(p);
    uint32_t cls = ssr__cls_at(p);
    void *np;

    if (cls == SSR__BIG_CLASS && size > SSR__SMALL_MAX) {
        return ssr__big_realloc(a, (ssr__arena_big *) p - 1, size);
    }
    if (cls != SSR__BIG_CLASS && size <= SSR__SMALL_MAX &&
        ssr__class_of(size) == cls) {
        ((ssr__small *) p - 1)->size = (uint32_t) size;
        return p;
    }
    np = ssr_arena_alloc(a, size);
    if (np == NULL) {
        return NULL;
    }
    memcpy(np, p, old < size ? old : size);
    ssr_arena_free(a, p);
    return np;
}

size_t ssr_arena_size(const void *p)
{
    if (ssr__cls_at(p) == SSR__BIG_CLASS) {
        return ((const ssr__arena_big *) p - 1)->size;
    }
    return ((const ssr__small *) p - 1)->size;
}

void ssr_arena_clear(ssr_arena_t *a)
{
    ssr__arena_slab *s = a->slabs, *ns;
    ssr__arena_big *b = a->bigs, *nb;

    while (s) {
        ns = s->next;
        free(s);
        s = ns;
    }
    while (b) {
        nb = b->next;
        free(b);
        b = nb;
    }
    ssr_arena_init(a);
}
