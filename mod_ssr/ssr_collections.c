/*
 * ssr_collections.c -- native Map, Set, WeakMap and WeakSet for Duktape.
 *
 * Map and Set
 * -----------
 * A collection's state is a "table": a Duktape array that keeps the keys
 * and values reachable for the garbage collector (key i at 2i, value at
 * 2i+1), and, as a hidden property of that array, a dynamic buffer with a
 * hash index in C:
 *
 *     ssr__hdr | int32 buckets[nbuckets] | ssr__rec recs[cap]
 *
 * Records are appended in insertion order; a deleted record stays as a
 * tombstone (kt == SSR__T_NONE) so that positions do not move under a
 * running forEach or iterator.  A record holds the key's identity and the
 * value: numbers as doubles, strings, objects and buffers as their heap
 * pointers.  Duktape never moves a heap object and interns every string,
 * so the pointer identifies an object key, and equal strings have the same
 * pointer: with numbers normalised (-0 is +0, every NaN the same NaN) that
 * is exactly SameValueZero.  The array is what keeps those pointers alive.
 *
 * When a table is full and has many tombstones it is compacted into a new
 * table; clear() also starts a new one.  The old table is then "obsolete":
 * it points to its successor (hidden property) and its buffer keeps only
 * the positions that were dropped, so an iterator or a forEach that still
 * holds the old table moves to the same place in the new one (V8's
 * OrderedHashTable does the same).  Entries deleted before being reached
 * are skipped, entries added during the iteration are visited, as the
 * specification wants.
 *
 * WeakMap and WeakSet
 * -------------------
 * map.set(key, value) defines two hidden properties on the key object: the
 * value, and the map's generation (a number no other collection of the
 * heap has).  The value lives exactly as long as the key and the map holds
 * nothing, which is the weak semantics with no table that grows.  The
 * hidden keys belong to a "slot" the map took when it was made; its
 * finalizer gives the slot back, and the next collection reuses it, so
 * long-lived keys carry a few slots' properties however many collections
 * come and go (the generation tells a live entry from a dead map's).  No
 * enumeration, JSON, Object.keys/getOwnPropertyNames/getOwnPropertySymbols
 * or Proxy trap sees them.  They are defined with DUK_DEFPROP_FORCE and as
 * non-writable and non-configurable, so that they also work on frozen or
 * non-extensible keys and do not change what Object.isFrozen or
 * Object.isSealed say; deleting overwrites them (generation 0, value
 * undefined) instead of removing them.  Lookups check that the properties
 * are the key's own and not inherited from a prototype that is itself a
 * key.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ssr_collections.h"

#define SSR__K_MAP DUK_HIDDEN_SYMBOL("ssrMap")
#define SSR__K_SET DUK_HIDDEN_SYMBOL("ssrSet")
#define SSR__K_BUF DUK_HIDDEN_SYMBOL("ssrBuf")
#define SSR__K_NEXT DUK_HIDDEN_SYMBOL("ssrNext")
#define SSR__K_IT_TAB DUK_HIDDEN_SYMBOL("ssrItTab")
#define SSR__K_IT_POS DUK_HIDDEN_SYMBOL("ssrItPos")
#define SSR__K_IT_KIND DUK_HIDDEN_SYMBOL("ssrItKind")
#define SSR__K_IT_PROTO DUK_HIDDEN_SYMBOL("ssrItProto")
#define SSR__K_IT_LINKED DUK_HIDDEN_SYMBOL("ssrItLinked")
#define SSR__K_WEAK DUK_HIDDEN_SYMBOL("ssrWeak")
#define SSR__K_WEAK_N DUK_HIDDEN_SYMBOL("ssrWeakN")
#define SSR__K_GEN DUK_HIDDEN_SYMBOL("ssrWeakGen")
#define SSR__K_FIN DUK_HIDDEN_SYMBOL("ssrWeakFin")
#define SSR__K_FREE DUK_HIDDEN_SYMBOL("ssrWeakFree")

#define SSR__ITERATOR_SYMBOL DUK_WELLKNOWN_SYMBOL("Symbol.iterator")
#define SSR__TAG_SYMBOL DUK_WELLKNOWN_SYMBOL("Symbol.toStringTag")

#define SSR__MIN_CAP 8u

/* Record slot types.  SSR__T_NONE marks a deleted record; SSR__T_ARRAY a
 * value kept only in the table's array (a type with no heap pointer or
 * number, which scripts cannot make: lightfuncs, raw pointers). */
enum {
    SSR__T_NONE = 0,
    SSR__T_UNDEF,
    SSR__T_NULL,
    SSR__T_TRUE,
    SSR__T_FALSE,
    SSR__T_NUM,
    SSR__T_HEAP,
    SSR__T_ARRAY
};

/* What an obsolete table's successor starts from. */
enum {
    SSR__LIVE = 0,
    SSR__COMPACTED,             /* positions moved down past the removed */
    SSR__CLEARED                /* everything removed: start at 0 */
};

enum { SSR__IT_KEYS = 0, SSR__IT_VALUES, SSR__IT_ENTRIES };

typedef struct {
    uint32_t nrec;              /* records used, tombstones included */
    uint32_t nlive;
    uint32_t cap;               /* == nbuckets, a power of two */
    uint32_t state;             /* SSR__LIVE, or how it became obsolete */
    uint32_t nremoved;          /* obsolete: positions dropped (sorted) */
    uint32_t pad_;
} ssr__hdr;

typedef struct {
    uint64_t kb;                /* key: double bits or heap pointer */
    uint64_t vb;                /* value, the same way */
    int32_t next;               /* hash chain, -1 ends it */
    uint8_t kt;
    uint8_t vt;
} ssr__rec;

/* --- the table buffer ----------------------------------------------------- */

static int32_t *ssr__buckets(ssr__hdr *h)
{
    return (int32_t *) (void *) (h + 1);
}

static ssr__rec *ssr__recs(ssr__hdr *h)
{
    return (ssr__rec *) (void *) (ssr__buckets(h) + h->cap);
}

static duk_size_t ssr__table_bytes(uint32_t cap)
{
    return sizeof(ssr__hdr) + cap * sizeof(int32_t) + cap * sizeof(ssr__rec);
}

/* The buffer of the table at tab_idx; its pointer is valid until the next
 * call into Duktape that can resize it or run code. */
static ssr__hdr *ssr__table_hdr(duk_context *ctx, duk_idx_t tab_idx)
{
    ssr__hdr *h;

    duk_get_prop_literal(ctx, tab_idx, SSR__K_BUF);
    h = duk_get_buffer_data(ctx, -1, NULL);
    duk_pop(ctx);
    return h;
}

static uint32_t ssr__hash(uint8_t t, uint64_t b)
{
    uint64_t x = b ^ ((uint64_t) t << 56);

    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return (uint32_t) x;
}

/* The identity of the value at idx, as a key (SameValueZero) or a value.
 * Returns 0 for a type that has none (see SSR__T_ARRAY). */
static int ssr__ident(duk_context *ctx, duk_idx_t idx, int key, uint8_t *t,
                      uint64_t *b)
{
    double d;

    *b = 0;
    switch (duk_get_type(ctx, idx)) {
    case DUK_TYPE_UNDEFINED:
        *t = SSR__T_UNDEF;
        return 1;
    case DUK_TYPE_NULL:
        *t = SSR__T_NULL;
        return 1;
    case DUK_TYPE_BOOLEAN:
        *t = duk_get_boolean(ctx, idx) ? SSR__T_TRUE : SSR__T_FALSE;
        return 1;
    case DUK_TYPE_NUMBER:
        d = duk_get_number(ctx, idx);
        if (key && d == 0) {
            d = 0;              /* -0 is +0 */
        }
        else if (key && isnan(d)) {
            d = NAN;            /* one NaN */
        }
        memcpy(b, &d, sizeof(d));
        *t = SSR__T_NUM;
        return 1;
    case DUK_TYPE_STRING:
    case DUK_TYPE_OBJECT:
    case DUK_TYPE_BUFFER:
        *b = (uint64_t) (uintptr_t) duk_get_heapptr(ctx, idx);
        *t = SSR__T_HEAP;
        return 1;
    default:
        *t = SSR__T_ARRAY;
        return 0;
    }
}

static void ssr__push_slot(duk_context *ctx, uint8_t t, uint64_t b)
{
    double d;

    switch (t) {
    case SSR__T_NULL:
        duk_push_null(ctx);
        break;
    case SSR__T_TRUE:
        duk_push_true(ctx);
        break;
    case SSR__T_FALSE:
        duk_push_false(ctx);
        break;
    case SSR__T_NUM:
        memcpy(&d, &b, sizeof(d));
        duk_push_number(ctx, d);
        break;
    case SSR__T_HEAP:
        duk_push_heapptr(ctx, (void *) (uintptr_t) b);
        break;
    default:
        duk_push_undefined(ctx);
        break;
    }
}

/* Pushes record i's key (which == 0) or value (1). */
static void ssr__push_rec(duk_context *ctx, duk_idx_t tab_idx, ssr__rec *r,
                          uint32_t i, int which)
{
    if (which == 0) {
        ssr__push_slot(ctx, r->kt, r->kb);
    }
    else if (r->vt == SSR__T_ARRAY) {
        duk_get_prop_index(ctx, tab_idx, (duk_uarridx_t) (2 * i + 1));
    }
    else {
        ssr__push_slot(ctx, r->vt, r->vb);
    }
}

/* [ ] -> [ table ] */
static void ssr__push_table(duk_context *ctx, uint32_t cap)
{
    ssr__hdr *h;

    duk_push_array(ctx);
    h = duk_push_dynamic_buffer(ctx, ssr__table_bytes(cap));
    memset(h, 0, sizeof(*h));
    h->cap = cap;
    memset(ssr__buckets(h), 0xFF, cap * sizeof(int32_t));
    duk_put_prop_literal(ctx, -2, SSR__K_BUF);
}

static int32_t ssr__find(ssr__hdr *h, uint8_t t, uint64_t b, int32_t *prev)
{
    ssr__rec *recs = ssr__recs(h);
    int32_t i = ssr__buckets(h)[ssr__hash(t, b) & (h->cap - 1)];

    *prev = -1;
    while (i >= 0 && (recs[i].kt != t || recs[i].kb != b)) {
        *prev = i;
        i = recs[i].next;
    }
    return i;
}

static int ssr__is_map(const char *brand)
{
    return strcmp(brand, SSR__K_MAP) == 0;
}

/* Gets or puts the table under the brand's hidden key: literals, so that
 * Duktape's literal cache saves interning the key on every call. */
static duk_bool_t ssr__get_brand(duk_context *ctx, duk_idx_t idx,
                                 const char *brand)
{
    return ssr__is_map(brand) ? duk_get_prop_literal(ctx, idx, SSR__K_MAP)
                              : duk_get_prop_literal(ctx, idx, SSR__K_SET);
}

static void ssr__put_brand(duk_context *ctx, duk_idx_t idx, const char *brand)
{
    if (ssr__is_map(brand)) {
        duk_put_prop_literal(ctx, idx, SSR__K_MAP);
    }
    else {
        duk_put_prop_literal(ctx, idx, SSR__K_SET);
    }
}

/* The table of the collection `this` (brand SSR__K_MAP or SSR__K_SET) is
 * pushed; returns its buffer. */
static ssr__hdr *ssr__this_table(duk_context *ctx, const char *brand,
                                 const char *method)
{
    duk_push_this(ctx);
    if (!duk_is_object(ctx, -1) || !ssr__get_brand(ctx, -1, brand)
        || !duk_is_array(ctx, -1)) {
        (void) duk_type_error(ctx, "%s.prototype.%s called on an incompatible "
                              "receiver", ssr__is_map(brand) ? "Map" : "Set",
                              method);
    }
    duk_remove(ctx, -2);
    return ssr__table_hdr(ctx, -1);
}

/* Grows the table at tab_idx in place to twice its capacity (positions do
 * not change, so nothing that iterates it notices). */
static ssr__hdr *ssr__grow(duk_context *ctx, duk_idx_t tab_idx)
{
    ssr__hdr *h;
    ssr__rec *recs;
    int32_t *buckets;
    uint32_t cap, i, slot;

    tab_idx = duk_normalize_index(ctx, tab_idx);
    h = ssr__table_hdr(ctx, tab_idx);
    cap = h->cap * 2;
    duk_get_prop_literal(ctx, tab_idx, SSR__K_BUF);
    h = duk_resize_buffer(ctx, -1, ssr__table_bytes(cap));
    duk_pop(ctx);
    /* The records move up by the size of the old bucket array. */
    memmove((char *) ssr__recs(h) + h->cap * sizeof(int32_t), ssr__recs(h),
            h->nrec * sizeof(ssr__rec));
    h->cap = cap;
    buckets = ssr__buckets(h);
    recs = ssr__recs(h);
    memset(buckets, 0xFF, cap * sizeof(int32_t));
    for (i = 0; i < h->nrec; i++) {
        if (recs[i].kt != SSR__T_NONE) {
            slot = ssr__hash(recs[i].kt, recs[i].kb) & (cap - 1);
            recs[i].next = buckets[slot];
            buckets[slot] = (int32_t) i;
        }
    }
    return h;
}

/* Makes the table at tab_idx obsolete: it points to the table on the top
 * of the stack, drops its keys and values, and keeps in its buffer what an
 * iterator needs to find its place in the successor. */
static void ssr__retire(duk_context *ctx, duk_idx_t tab_idx, uint32_t state)
{
    ssr__hdr *h;

    tab_idx = duk_normalize_index(ctx, tab_idx);
    duk_dup(ctx, -1);
    duk_put_prop_literal(ctx, tab_idx, SSR__K_NEXT);
    duk_set_length(ctx, tab_idx, 0);
    h = ssr__table_hdr(ctx, tab_idx);
    h->state = state;
    if (state == SSR__CLEARED) {
        h->nremoved = 0;
    }
    duk_get_prop_literal(ctx, tab_idx, SSR__K_BUF);
    duk_resize_buffer(ctx, -1, sizeof(ssr__hdr) + h->nremoved * sizeof(int32_t));
    duk_pop(ctx);
}

/* Replaces the table of the collection at coll_idx (at tab_idx) by a
 * compacted copy, which is left on the top of the stack. */
static void ssr__compact(duk_context *ctx, duk_idx_t coll_idx,
                         const char *brand, duk_idx_t tab_idx)
{
    ssr__hdr *h, *nh;
    ssr__rec *recs, *nrecs;
    int32_t *removed, *nbuckets;
    uint32_t cap = SSR__MIN_CAP, i, j = 0, slot;
    duk_idx_t new_idx;

    coll_idx = duk_normalize_index(ctx, coll_idx);
    tab_idx = duk_normalize_index(ctx, tab_idx);
    h = ssr__table_hdr(ctx, tab_idx);
    while (cap < 2 * h->nlive) {
        cap *= 2;
    }
    ssr__push_table(ctx, cap);
    new_idx = duk_get_top_index(ctx);
    /* Values first: the array writes are the calls into Duktape. */
    h = ssr__table_hdr(ctx, tab_idx);
    for (i = 0; i < h->nrec; i++) {
        if (ssr__recs(h)[i].kt != SSR__T_NONE) {
            duk_get_prop_index(ctx, tab_idx, 2 * i);
            duk_put_prop_index(ctx, new_idx, 2 * j);
            duk_get_prop_index(ctx, tab_idx, 2 * i + 1);
            duk_put_prop_index(ctx, new_idx, 2 * j + 1);
            j++;
            h = ssr__table_hdr(ctx, tab_idx);
        }
    }
    h = ssr__table_hdr(ctx, tab_idx);
    nh = ssr__table_hdr(ctx, new_idx);
    recs = ssr__recs(h);
    nrecs = ssr__recs(nh);
    nbuckets = ssr__buckets(nh);
    /* The old bucket array (cap entries >= nrec) becomes the sorted list of
     * removed positions. */
    removed = ssr__buckets(h);
    h->nremoved = 0;
    for (i = 0; i < h->nrec; i++) {
        if (recs[i].kt == SSR__T_NONE) {
            removed[h->nremoved++] = (int32_t) i;
            continue;
        }
        nrecs[nh->nrec] = recs[i];
        slot = ssr__hash(recs[i].kt, recs[i].kb) & (cap - 1);
        nrecs[nh->nrec].next = nbuckets[slot];
        nbuckets[slot] = (int32_t) nh->nrec;
        nh->nrec++;
    }
    nh->nlive = nh->nrec;
    ssr__retire(ctx, tab_idx, SSR__COMPACTED);
    duk_dup(ctx, new_idx);
    ssr__put_brand(ctx, coll_idx, brand);
}

/* Adds or updates key (at key_idx) with value (at val_idx) in the
 * collection at coll_idx, whose table is at tab_idx. */
static void ssr__table_set(duk_context *ctx, duk_idx_t coll_idx,
                           const char *brand, duk_idx_t tab_idx,
                           duk_idx_t key_idx, duk_idx_t val_idx)
{
    ssr__hdr *h;
    ssr__rec *r;
    uint8_t kt, vt;
    uint64_t kb, vb;
    int32_t i, prev;
    uint32_t slot;

    coll_idx = duk_normalize_index(ctx, coll_idx);
    tab_idx = duk_normalize_index(ctx, tab_idx);
    key_idx = duk_normalize_index(ctx, key_idx);
    val_idx = duk_normalize_index(ctx, val_idx);
    if (!ssr__ident(ctx, key_idx, 1, &kt, &kb)) {
        (void) duk_type_error(ctx, "unsupported key type");
    }
    (void) ssr__ident(ctx, val_idx, 0, &vt, &vb);
    h = ssr__table_hdr(ctx, tab_idx);
    i = ssr__find(h, kt, kb, &prev);
    if (i >= 0) {
        duk_dup(ctx, val_idx);
        duk_put_prop_index(ctx, tab_idx, (duk_uarridx_t) (2 * i + 1));
        h = ssr__table_hdr(ctx, tab_idx);
        r = &ssr__recs(h)[i];
        r->vt = vt;
        r->vb = vb;
        return;
    }
    if (h->nrec == h->cap) {
        if (h->nlive <= h->cap / 2) {
            ssr__compact(ctx, coll_idx, brand, tab_idx);
            duk_replace(ctx, tab_idx);
            h = ssr__table_hdr(ctx, tab_idx);
        }
        else {
            h = ssr__grow(ctx, tab_idx);
        }
    }
    i = (int32_t) h->nrec;
    /* The array first: writing it calls into Duktape, which may move the
     * buffer; the record is filled in after, from a fresh pointer. */
    duk_dup(ctx, key_idx);
    if (kt == SSR__T_NUM) {
        /* the normalised key (-0 becomes +0) */
        duk_pop(ctx);
        ssr__push_slot(ctx, kt, kb);
    }
    duk_put_prop_index(ctx, tab_idx, (duk_uarridx_t) (2 * i));
    duk_dup(ctx, val_idx);
    duk_put_prop_index(ctx, tab_idx, (duk_uarridx_t) (2 * i + 1));
    h = ssr__table_hdr(ctx, tab_idx);
    r = &ssr__recs(h)[i];
    r->kt = kt;
    r->kb = kb;
    r->vt = vt;
    r->vb = vb;
    slot = ssr__hash(kt, kb) & (h->cap - 1);
    r->next = ssr__buckets(h)[slot];
    ssr__buckets(h)[slot] = i;
    h->nrec++;
    h->nlive++;
}

/* Moves a position in a table that may be obsolete to the live table it
 * leads to, and past deleted records.  The table at tab_idx is replaced by
 * the live one.  Returns the record index, or -1 at the end. */
static int32_t ssr__cursor(duk_context *ctx, duk_idx_t tab_idx, uint32_t *pos)
{
    ssr__hdr *h;
    ssr__rec *recs;
    const int32_t *removed;
    uint32_t n, k;

    tab_idx = duk_normalize_index(ctx, tab_idx);
    for (;;) {
        h = ssr__table_hdr(ctx, tab_idx);
        if (h->state == SSR__LIVE) {
            break;
        }
        if (h->state == SSR__CLEARED) {
            *pos = 0;
        }
        else {
            removed = ssr__buckets(h);
            for (n = 0, k = 0; k < h->nremoved && (uint32_t) removed[k] < *pos; k++) {
                n++;
            }
            *pos -= n;
        }
        duk_get_prop_literal(ctx, tab_idx, SSR__K_NEXT);
        duk_replace(ctx, tab_idx);
    }
    recs = ssr__recs(h);
    while (*pos < h->nrec && recs[*pos].kt == SSR__T_NONE) {
        (*pos)++;
    }
    return *pos < h->nrec ? (int32_t) *pos : -1;
}

/* --- the iterable argument of the constructors ----------------------------- */

/* Calls this[adder](item) or this[adder](item[0], item[1]) for each item of
 * the iterable at idx 0 (pair: Map and WeakMap take entries). */
static void ssr__fill(duk_context *ctx, duk_idx_t this_idx, const char *adder,
                      int pair)
{
    duk_idx_t fn_idx, it_idx;
    duk_size_t i, n;
    duk_int_t c, d;

    if (duk_is_null_or_undefined(ctx, 0)) {
        return;
    }
    duk_get_prop_string(ctx, this_idx, adder);
    if (!duk_is_callable(ctx, -1)) {
        (void) duk_type_error(ctx, "'%s' returned for property '%s' of object "
                              "is not a function", duk_safe_to_string(ctx, -1),
                              adder);
    }
    fn_idx = duk_get_top_index(ctx);

#define SSR__ADD(push_item)                                                   \
    do {                                                                      \
        duk_dup(ctx, fn_idx);                                                 \
        duk_dup(ctx, this_idx);                                               \
        push_item;                                                            \
        if (pair) {                                                           \
            if (!duk_is_object(ctx, -1)) {                                    \
                (void) duk_type_error(ctx, "Iterator value %s is not an "     \
                                      "entry object",                         \
                                      duk_safe_to_string(ctx, -1));           \
            }                                                                 \
            duk_get_prop_index(ctx, -1, 0);                                   \
            duk_get_prop_index(ctx, -2, 1);                                   \
            duk_remove(ctx, -3);                                              \
            duk_call_method(ctx, 2);                                          \
        }                                                                     \
        else {                                                                \
            duk_call_method(ctx, 1);                                          \
        }                                                                     \
        duk_pop(ctx);                                                         \
    } while (0)

    /* Arrays and strings directly: without core-js's es.array.iterator and
     * es.string.iterator they have no @@iterator in Duktape, and what
     * their iterators would give is known. */
    if (duk_is_array(ctx, 0)) {
        for (i = 0; i < duk_get_length(ctx, 0); i++) {
            SSR__ADD(duk_get_prop_index(ctx, 0, (duk_uarridx_t) i));
        }
        return;
    }
    if (duk_is_string(ctx, 0)) {
        n = duk_get_length(ctx, 0);
        for (i = 0; i < n; i++) {
            c = duk_char_code_at(ctx, 0, i);
            d = i + 1 < n ? duk_char_code_at(ctx, 0, i + 1) : 0;
            if (c >= 0xD800 && c <= 0xDBFF && d >= 0xDC00 && d <= 0xDFFF) {
                SSR__ADD((duk_dup(ctx, 0), duk_substring(ctx, -1, i, i + 2)));
                i++;
            }
            else {
                SSR__ADD((duk_dup(ctx, 0), duk_substring(ctx, -1, i, i + 1)));
            }
        }
        return;
    }
    if (duk_is_object(ctx, 0) || duk_is_buffer_data(ctx, 0)) {
        duk_get_prop_string(ctx, 0, SSR__ITERATOR_SYMBOL);
    }
    else {
        duk_push_undefined(ctx);
    }
    if (!duk_is_callable(ctx, -1)) {
        (void) duk_type_error(ctx, "%s is not iterable",
                              duk_safe_to_string(ctx, 0));
    }
    duk_dup(ctx, 0);
    duk_call_method(ctx, 0);
    if (!duk_is_object(ctx, -1)) {
        (void) duk_type_error(ctx, "Result of the Symbol.iterator method is "
                              "not an object");
    }
    it_idx = duk_get_top_index(ctx);
    duk_get_prop_string(ctx, it_idx, "next");
    for (;;) {
        duk_dup(ctx, -1);
        duk_dup(ctx, it_idx);
        duk_call_method(ctx, 0);
        if (!duk_is_object(ctx, -1)) {
            (void) duk_type_error(ctx, "Iterator result %s is not an object",
                                  duk_safe_to_string(ctx, -1));
        }
        duk_get_prop_string(ctx, -1, "done");
        if (duk_to_boolean(ctx, -1)) {
            duk_pop_2(ctx);
            break;
        }
        duk_pop(ctx);
        SSR__ADD((duk_get_prop_string(ctx, -3, "value"), duk_remove(ctx, -4)));
    }
#undef SSR__ADD
}

/* --- Map and Set ------------------------------------------------------------ */

static duk_ret_t ssr__construct(duk_context *ctx, const char *brand,
                                const char *name, const char *adder, int pair)
{
    duk_idx_t this_idx;

    if (!duk_is_constructor_call(ctx)) {
        return duk_type_error(ctx, "Constructor %s requires 'new'", name);
    }
    duk_set_top(ctx, 1);
    duk_push_this(ctx);
    this_idx = duk_get_top_index(ctx);
    ssr__push_table(ctx, SSR__MIN_CAP);
    ssr__put_brand(ctx, this_idx, brand);
    ssr__fill(ctx, this_idx, adder, pair);
    return 0;
}

static duk_ret_t ssr__map_ctor(duk_context *ctx)
{
    return ssr__construct(ctx, SSR__K_MAP, "Map", "set", 1);
}

static duk_ret_t ssr__set_ctor(duk_context *ctx)
{
    return ssr__construct(ctx, SSR__K_SET, "Set", "add", 0);
}

static duk_ret_t ssr__map_get(duk_context *ctx)
{
    ssr__hdr *h = ssr__this_table(ctx, SSR__K_MAP, "get");
    uint8_t kt;
    uint64_t kb;
    int32_t i, prev;

    if (!ssr__ident(ctx, 0, 1, &kt, &kb)) {
        return 0;
    }
    i = ssr__find(h, kt, kb, &prev);
    if (i < 0) {
        return 0;
    }
    ssr__push_rec(ctx, -1, &ssr__recs(h)[i], (uint32_t) i, 1);
    return 1;
}

static duk_ret_t ssr__has(duk_context *ctx, const char *brand)
{
    ssr__hdr *h = ssr__this_table(ctx, brand, "has");
    uint8_t kt;
    uint64_t kb;
    int32_t prev;

    duk_push_boolean(ctx, ssr__ident(ctx, 0, 1, &kt, &kb)
                          && ssr__find(h, kt, kb, &prev) >= 0);
    return 1;
}

static duk_ret_t ssr__map_has(duk_context *ctx)
{
    return ssr__has(ctx, SSR__K_MAP);
}

static duk_ret_t ssr__set_has(duk_context *ctx)
{
    return ssr__has(ctx, SSR__K_SET);
}

static duk_ret_t ssr__map_set(duk_context *ctx)
{
    duk_set_top(ctx, 2);
    (void) ssr__this_table(ctx, SSR__K_MAP, "set");
    duk_push_this(ctx);
    ssr__table_set(ctx, -1, SSR__K_MAP, -2, 0, 1);
    return 1;
}

static duk_ret_t ssr__set_add(duk_context *ctx)
{
    duk_set_top(ctx, 1);
    (void) ssr__this_table(ctx, SSR__K_SET, "add");
    duk_push_this(ctx);
    ssr__table_set(ctx, -1, SSR__K_SET, -2, 0, 0);
    return 1;
}

/* Deletes the key at key_idx from the table at tab_idx; returns whether it
 * was there. */
static int ssr__table_delete(duk_context *ctx, duk_idx_t tab_idx,
                             duk_idx_t key_idx)
{
    ssr__hdr *h;
    ssr__rec *r;
    uint8_t kt;
    uint64_t kb;
    int32_t i, prev;

    tab_idx = duk_normalize_index(ctx, tab_idx);
    h = ssr__table_hdr(ctx, tab_idx);
    if (!ssr__ident(ctx, key_idx, 1, &kt, &kb)
        || (i = ssr__find(h, kt, kb, &prev)) < 0) {
        return 0;
    }
    r = &ssr__recs(h)[i];
    if (prev < 0) {
        ssr__buckets(h)[ssr__hash(kt, kb) & (h->cap - 1)] = r->next;
    }
    else {
        ssr__recs(h)[prev].next = r->next;
    }
    r->kt = SSR__T_NONE;
    r->vt = SSR__T_NONE;
    r->kb = 0;
    r->vb = 0;
    h->nlive--;
    /* Let go of the key and the value (no buffer pointer used after). */
    duk_push_undefined(ctx);
    duk_put_prop_index(ctx, tab_idx, (duk_uarridx_t) (2 * i));
    duk_push_undefined(ctx);
    duk_put_prop_index(ctx, tab_idx, (duk_uarridx_t) (2 * i + 1));
    return 1;
}

static duk_ret_t ssr__delete(duk_context *ctx, const char *brand)
{
    (void) ssr__this_table(ctx, brand, "delete");
    duk_push_boolean(ctx, ssr__table_delete(ctx, -1, 0));
    return 1;
}

static duk_ret_t ssr__map_delete(duk_context *ctx)
{
    return ssr__delete(ctx, SSR__K_MAP);
}

static duk_ret_t ssr__set_delete(duk_context *ctx)
{
    return ssr__delete(ctx, SSR__K_SET);
}

static duk_ret_t ssr__clear(duk_context *ctx, const char *brand)
{
    (void) ssr__this_table(ctx, brand, "clear");
    ssr__push_table(ctx, SSR__MIN_CAP);
    ssr__retire(ctx, -2, SSR__CLEARED);
    duk_push_this(ctx);
    duk_dup(ctx, -2);
    ssr__put_brand(ctx, -2, brand);
    return 0;
}

static duk_ret_t ssr__map_clear(duk_context *ctx)
{
    return ssr__clear(ctx, SSR__K_MAP);
}

static duk_ret_t ssr__set_clear(duk_context *ctx)
{
    return ssr__clear(ctx, SSR__K_SET);
}

static duk_ret_t ssr__size(duk_context *ctx, const char *brand)
{
    ssr__hdr *h = ssr__this_table(ctx, brand, "size");

    duk_push_uint(ctx, h->nlive);
    return 1;
}

static duk_ret_t ssr__map_size(duk_context *ctx)
{
    return ssr__size(ctx, SSR__K_MAP);
}

static duk_ret_t ssr__set_size(duk_context *ctx)
{
    return ssr__size(ctx, SSR__K_SET);
}

/* forEach(callback, thisArg): callback(value, key, collection), in
 * insertion order, following the table through compactions and clears the
 * callbacks cause. */
static duk_ret_t ssr__for_each(duk_context *ctx, const char *brand)
{
    duk_idx_t tab_idx;
    uint32_t pos = 0;
    int32_t i;
    ssr__hdr *h;
    ssr__rec *r;

    duk_set_top(ctx, 2);
    (void) ssr__this_table(ctx, brand, "forEach");
    tab_idx = duk_get_top_index(ctx);
    if (!duk_is_callable(ctx, 0)) {
        return duk_type_error(ctx, "%s is not a function",
                              duk_safe_to_string(ctx, 0));
    }
    while ((i = ssr__cursor(ctx, tab_idx, &pos)) >= 0) {
        duk_dup(ctx, 0);
        duk_dup(ctx, 1);
        h = ssr__table_hdr(ctx, tab_idx);
        r = &ssr__recs(h)[i];
        ssr__push_rec(ctx, tab_idx, r, (uint32_t) i, ssr__is_map(brand));
        h = ssr__table_hdr(ctx, tab_idx);
        ssr__push_rec(ctx, tab_idx, &ssr__recs(h)[i], (uint32_t) i, 0);
        duk_push_this(ctx);
        duk_call_method(ctx, 3);
        duk_pop(ctx);
        pos++;
    }
    return 0;
}

static duk_ret_t ssr__map_for_each(duk_context *ctx)
{
    return ssr__for_each(ctx, SSR__K_MAP);
}

static duk_ret_t ssr__set_for_each(duk_context *ctx)
{
    return ssr__for_each(ctx, SSR__K_SET);
}

/* --- iterators -------------------------------------------------------------- */

/* [ ... iterProto ] -> [ ... iterProto ]: the Map and Set iterator
 * prototypes inherit from %IteratorPrototype%, which is Iterator.prototype.
 * Duktape has none; core-js makes one (the global Iterator) when a bundle
 * uses iterator helpers (map, filter, toArray, ...), after the heap is set
 * up: so the link is made the first time an iterator is made once it
 * exists, and then these iterators have the helpers too. */
static void ssr__iter_link(duk_context *ctx)
{
    duk_idx_t proto = duk_get_top_index(ctx);

    if (duk_has_prop_literal(ctx, proto, SSR__K_IT_LINKED)) {
        return;
    }
    if (duk_get_global_string(ctx, "Iterator") && duk_is_function(ctx, -1)
        && duk_get_prop_string(ctx, -1, "prototype") && duk_is_object(ctx, -1)
        && !duk_strict_equals(ctx, -1, proto)) {
        duk_dup(ctx, -1);
        duk_set_prototype(ctx, proto);
        duk_push_true(ctx);
        duk_put_prop_literal(ctx, proto, SSR__K_IT_LINKED);
    }
    duk_set_top(ctx, proto + 1);
}

/* A new iterator over `this`, of the given kind; its prototype is a hidden
 * property of the function called. */
static duk_ret_t ssr__iter_make(duk_context *ctx, const char *brand, int kind,
                                const char *method)
{
    (void) ssr__this_table(ctx, brand, method);
    duk_push_object(ctx);
    duk_push_current_function(ctx);
    duk_get_prop_literal(ctx, -1, SSR__K_IT_PROTO);
    ssr__iter_link(ctx);
    duk_set_prototype(ctx, -3);
    duk_pop(ctx);
    duk_dup(ctx, -2);
    duk_put_prop_literal(ctx, -2, SSR__K_IT_TAB);
    duk_push_uint(ctx, 0);
    duk_put_prop_literal(ctx, -2, SSR__K_IT_POS);
    duk_push_int(ctx, kind);
    duk_put_prop_literal(ctx, -2, SSR__K_IT_KIND);
    return 1;
}

static duk_ret_t ssr__map_keys(duk_context *ctx)
{
    return ssr__iter_make(ctx, SSR__K_MAP, SSR__IT_KEYS, "keys");
}

static duk_ret_t ssr__map_values(duk_context *ctx)
{
    return ssr__iter_make(ctx, SSR__K_MAP, SSR__IT_VALUES, "values");
}

static duk_ret_t ssr__map_entries(duk_context *ctx)
{
    return ssr__iter_make(ctx, SSR__K_MAP, SSR__IT_ENTRIES, "entries");
}

/* A Set's keys are its values; entries are [value, value]. */
static duk_ret_t ssr__set_values(duk_context *ctx)
{
    return ssr__iter_make(ctx, SSR__K_SET, SSR__IT_KEYS, "values");
}

static duk_ret_t ssr__set_entries(duk_context *ctx)
{
    return ssr__iter_make(ctx, SSR__K_SET, SSR__IT_ENTRIES, "entries");
}

static duk_ret_t ssr__iter_next(duk_context *ctx)
{
    duk_idx_t this_idx, tab_idx;
    uint32_t pos;
    int32_t i;
    int kind;
    ssr__hdr *h;

    duk_push_this(ctx);
    this_idx = duk_get_top_index(ctx);
    if (!duk_is_object(ctx, this_idx)
        || !duk_get_prop_literal(ctx, this_idx, SSR__K_IT_KIND)) {
        return duk_type_error(ctx, "next method called on an incompatible "
                              "receiver");
    }
    kind = duk_get_int(ctx, -1);
    duk_get_prop_literal(ctx, this_idx, SSR__K_IT_TAB);
    tab_idx = duk_get_top_index(ctx);
    duk_push_object(ctx);
    if (duk_is_undefined(ctx, tab_idx)) {
        goto done;
    }
    duk_get_prop_literal(ctx, this_idx, SSR__K_IT_POS);
    pos = (uint32_t) duk_get_uint(ctx, -1);
    duk_pop(ctx);
    i = ssr__cursor(ctx, tab_idx, &pos);
    if (i < 0) {
        /* Done for good, even if entries are added later. */
        duk_push_undefined(ctx);
        duk_put_prop_literal(ctx, this_idx, SSR__K_IT_TAB);
        goto done;
    }
    duk_dup(ctx, tab_idx);
    duk_put_prop_literal(ctx, this_idx, SSR__K_IT_TAB);
    duk_push_uint(ctx, pos + 1);
    duk_put_prop_literal(ctx, this_idx, SSR__K_IT_POS);
    h = ssr__table_hdr(ctx, tab_idx);
    if (kind == SSR__IT_ENTRIES) {
        duk_push_array(ctx);
        ssr__push_rec(ctx, tab_idx, &ssr__recs(h)[i], (uint32_t) i, 0);
        duk_put_prop_index(ctx, -2, 0);
        h = ssr__table_hdr(ctx, tab_idx);
        /* A Set's records hold the value as the value too: [v, v]. */
        ssr__push_rec(ctx, tab_idx, &ssr__recs(h)[i], (uint32_t) i, 1);
        duk_put_prop_index(ctx, -2, 1);
    }
    else {
        ssr__push_rec(ctx, tab_idx, &ssr__recs(h)[i], (uint32_t) i,
                      kind == SSR__IT_VALUES);
    }
    duk_put_prop_literal(ctx, -2, "value");
    duk_push_false(ctx);
    duk_put_prop_literal(ctx, -2, "done");
    return 1;

done:
    duk_push_undefined(ctx);
    duk_put_prop_literal(ctx, -2, "value");
    duk_push_true(ctx);
    duk_put_prop_literal(ctx, -2, "done");
    return 1;
}

static duk_ret_t ssr__return_this(duk_context *ctx)
{
    duk_push_this(ctx);
    return 1;
}

/* --- WeakMap and WeakSet ----------------------------------------------------- */

/* The state of the weak collection `this`: its two hidden keys (the value
 * key and the generation key) pushed, and its generation. */
typedef struct {
    duk_idx_t val_key;
    duk_idx_t gen_key;
    double gen;
} ssr__weak;

static void ssr__weak_this(duk_context *ctx, const char *name,
                           const char *method, ssr__weak *w)
{
    duk_push_this(ctx);
    duk_push_current_function(ctx);
    duk_get_prop_literal(ctx, -1, SSR__K_WEAK);     /* the brand, from method */
    if (!duk_is_object(ctx, -3)
        || !duk_get_prop(ctx, -3)
        || !duk_is_array(ctx, -1)) {
        (void) duk_type_error(ctx, "%s.prototype.%s called on an "
                              "incompatible receiver", name, method);
    }
    duk_get_prop_index(ctx, -1, 2);
    w->gen = duk_get_number(ctx, -1);
    duk_pop(ctx);
    duk_get_prop_index(ctx, -1, 0);
    duk_get_prop_index(ctx, -2, 1);
    duk_remove(ctx, -3);
    duk_remove(ctx, -3);
    duk_remove(ctx, -3);
    w->gen_key = duk_get_top_index(ctx);
    w->val_key = w->gen_key - 1;
}

/* [ ... ] -> [ ... value ] the own property `key_idx` (a pushed hidden
 * key) of the key at idx 0, or undefined: through a descriptor. */
static void ssr__weak_own(duk_context *ctx, duk_idx_t key_idx)
{
    duk_dup(ctx, key_idx);
    duk_get_prop_desc(ctx, 0, 0);
    if (duk_is_object(ctx, -1)) {
        duk_get_prop_literal(ctx, -1, "value");
        duk_remove(ctx, -2);
    }
}

/* Whether the key at idx 0 is in the weak collection w; with want_value,
 * its value is pushed when it is (nothing is pushed otherwise).
 *
 * The key holds the collection's generation under the generation key and
 * the value under the value key.  Keys are reused by later collections once
 * one is collected, so a key may still carry a dead collection's entry:
 * only the generation, unique to each collection, says it is ours. */
static int ssr__weak_lookup(duk_context *ctx, const ssr__weak *w,
                            int want_value)
{
    duk_idx_t proto_idx = duk_get_top(ctx);
    int fast = 0, found;

    if (!duk_is_object(ctx, 0)) {
        return 0;
    }
    duk_get_prototype(ctx, 0);
    if (duk_is_object(ctx, proto_idx)) {
        duk_dup(ctx, w->gen_key);
        duk_get_prop(ctx, 0);
        found = duk_get_number_default(ctx, -1, 0) == w->gen;
        duk_pop(ctx);
        if (!found) {
            duk_pop(ctx);
            return 0;
        }
        /* Found on the chain: the key's own, unless a prototype has the
         * generation key too (a prototype that is itself a key). */
        duk_dup(ctx, w->gen_key);
        fast = !duk_has_prop(ctx, proto_idx);
    }
    duk_pop(ctx);
    if (fast) {
        if (want_value) {
            duk_dup(ctx, w->val_key);
            duk_get_prop(ctx, 0);
        }
        return 1;
    }
    /* Ambiguous, or a key without a prototype, Proxy objects among them:
     * Duktape applies a Get of a hidden key on a Proxy to its target, but
     * defines the property on the Proxy itself, so only the own property
     * can be trusted.  (Slower: a descriptor object.) */
    ssr__weak_own(ctx, w->gen_key);
    found = duk_get_number_default(ctx, -1, 0) == w->gen;
    duk_pop(ctx);
    if (found && want_value) {
        ssr__weak_own(ctx, w->val_key);
    }
    return found;
}

/* Defines the hidden key at key_idx on the key at idx 0 with the value on
 * the top of the stack (popped). */
static void ssr__weak_define(duk_context *ctx, duk_idx_t key_idx)
{
    duk_dup(ctx, key_idx);
    duk_swap_top(ctx, -2);
    /* FORCE: also on frozen and non-extensible keys; no attributes, so a
     * frozen key still reads as frozen. */
    duk_def_prop(ctx, 0, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE);
}

/* Each collection gets a "slot": a pair of hidden keys, "\xFFssr<name>:<n>"
 * and the same with "g", and a generation no other collection of the heap
 * has.  A collection's finalizer gives its slot back, so a heap that makes
 * new WeakMaps for every render (Vue makes three) and uses long-lived
 * objects as keys (component definitions) reuses a few slots on those
 * objects instead of adding a property to them for every collection it
 * ever made.  The state, [valueKey, generationKey, generation, slot], is a
 * hidden property of the collection. */
static duk_ret_t ssr__weak_ctor(duk_context *ctx, const char *name,
                                const char *adder, int pair)
{
    double slot, gen;
    duk_size_t n;

    if (!duk_is_constructor_call(ctx)) {
        return duk_type_error(ctx, "Constructor %s requires 'new'", name);
    }
    duk_set_top(ctx, 1);
    duk_push_this(ctx);                                 /* 1 */
    duk_push_current_function(ctx);                     /* 2 */
    duk_get_prop_literal(ctx, 2, SSR__K_FIN);           /* 3: finalizer */
    duk_get_prop_literal(ctx, 3, SSR__K_FREE);          /* 4: free slots */
    n = duk_get_length(ctx, 4);
    if (n > 0) {
        duk_get_prop_index(ctx, 4, (duk_uarridx_t) (n - 1));
        slot = duk_get_number(ctx, -1);
        duk_pop(ctx);
        duk_set_length(ctx, 4, n - 1);
    }
    else {
        duk_get_prop_literal(ctx, 3, SSR__K_WEAK_N);
        slot = duk_get_number_default(ctx, -1, 0) + 1;
        duk_pop(ctx);
        duk_push_number(ctx, slot);
        duk_put_prop_literal(ctx, 3, SSR__K_WEAK_N);
    }
    duk_get_prop_literal(ctx, 3, SSR__K_GEN);
    gen = duk_get_number_default(ctx, -1, 0) + 1;
    duk_pop(ctx);
    duk_push_number(ctx, gen);
    duk_put_prop_literal(ctx, 3, SSR__K_GEN);

    duk_get_prop_literal(ctx, 2, SSR__K_WEAK);          /* 5: brand */
    duk_push_array(ctx);                                /* 6: state */
    duk_push_sprintf(ctx, "\xFF" "ssr%s:%.0f", name, slot);
    duk_put_prop_index(ctx, 6, 0);
    duk_push_sprintf(ctx, "\xFF" "ssr%s:%.0fg", name, slot);
    duk_put_prop_index(ctx, 6, 1);
    duk_push_number(ctx, gen);
    duk_put_prop_index(ctx, 6, 2);
    duk_push_number(ctx, slot);
    duk_put_prop_index(ctx, 6, 3);
    duk_put_prop(ctx, 1);
    duk_dup(ctx, 3);
    duk_set_finalizer(ctx, 1);
    duk_set_top(ctx, 2);
    ssr__fill(ctx, 1, adder, pair);
    return 0;
}

/* The finalizer of a weak collection: its slot is free again. */
static duk_ret_t ssr__weak_finalize(duk_context *ctx)
{
    duk_set_top(ctx, 1);
    duk_push_current_function(ctx);                     /* 1 */
    duk_get_prop_literal(ctx, 1, SSR__K_WEAK);          /* 2: brand */
    if (!duk_is_object(ctx, 0) || !duk_get_prop(ctx, 0)
        || !duk_is_array(ctx, 2)) {
        return 0;
    }
    duk_get_prop_literal(ctx, 1, SSR__K_FREE);          /* 3 */
    duk_get_prop_index(ctx, 2, 3);
    duk_put_prop_index(ctx, 3, (duk_uarridx_t) duk_get_length(ctx, 3));
    return 0;
}

static duk_ret_t ssr__weakmap_ctor(duk_context *ctx)
{
    return ssr__weak_ctor(ctx, "WeakMap", "set", 1);
}

static duk_ret_t ssr__weakset_ctor(duk_context *ctx)
{
    return ssr__weak_ctor(ctx, "WeakSet", "add", 0);
}

static duk_ret_t ssr__weakmap_get(duk_context *ctx)
{
    ssr__weak w;

    duk_set_top(ctx, 1);
    ssr__weak_this(ctx, "WeakMap", "get", &w);
    return ssr__weak_lookup(ctx, &w, 1) ? 1 : 0;
}

static duk_ret_t ssr__weak_has(duk_context *ctx, const char *name)
{
    ssr__weak w;

    duk_set_top(ctx, 1);
    ssr__weak_this(ctx, name, "has", &w);
    duk_push_boolean(ctx, ssr__weak_lookup(ctx, &w, 0));
    return 1;
}

static duk_ret_t ssr__weakmap_has(duk_context *ctx)
{
    return ssr__weak_has(ctx, "WeakMap");
}

static duk_ret_t ssr__weakset_has(duk_context *ctx)
{
    return ssr__weak_has(ctx, "WeakSet");
}

static duk_ret_t ssr__weak_set(duk_context *ctx, const char *name,
                               const char *method, int with_value)
{
    ssr__weak w;

    duk_set_top(ctx, 2);
    ssr__weak_this(ctx, name, method, &w);
    if (!duk_is_object(ctx, 0)) {
        return duk_type_error(ctx, "Invalid value used %s",
                              with_value ? "as weak map key"
                                         : "in weak set");
    }
    /* The value first: a key with our generation always has it. */
    if (with_value) {
        duk_dup(ctx, 1);
        ssr__weak_define(ctx, w.val_key);
    }
    duk_push_number(ctx, w.gen);
    ssr__weak_define(ctx, w.gen_key);
    duk_push_this(ctx);
    return 1;
}

static duk_ret_t ssr__weakmap_set(duk_context *ctx)
{
    return ssr__weak_set(ctx, "WeakMap", "set", 1);
}

static duk_ret_t ssr__weakset_add(duk_context *ctx)
{
    return ssr__weak_set(ctx, "WeakSet", "add", 0);
}

static duk_ret_t ssr__weak_delete(duk_context *ctx, const char *name,
                                  int with_value)
{
    ssr__weak w;

    duk_set_top(ctx, 1);
    ssr__weak_this(ctx, name, "delete", &w);
    if (!ssr__weak_lookup(ctx, &w, 0)) {
        duk_push_false(ctx);
        return 1;
    }
    /* The properties may be non-configurable: overwritten, not removed;
     * generation 0 is nobody's, and the value is let go. */
    duk_push_number(ctx, 0);
    ssr__weak_define(ctx, w.gen_key);
    if (with_value) {
        duk_push_undefined(ctx);
        ssr__weak_define(ctx, w.val_key);
    }
    duk_push_true(ctx);
    return 1;
}

static duk_ret_t ssr__weakmap_delete(duk_context *ctx)
{
    return ssr__weak_delete(ctx, "WeakMap", 1);
}

static duk_ret_t ssr__weakset_delete(duk_context *ctx)
{
    return ssr__weak_delete(ctx, "WeakSet", 0);
}

/* --- installing ------------------------------------------------------------- */

typedef struct {
    const char *name;
    duk_c_function fn;
    duk_idx_t nargs;
    duk_int_t length;
} ssr__method;

/* [ ... obj ] -> [ ... obj ]: a method, or the value on the top under a
 * symbol or name, as built-ins have them (writable, configurable). */
static void ssr__put_hidden_value(duk_context *ctx, const char *key)
{
    duk_push_string(ctx, key);
    duk_swap_top(ctx, -2);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_SET_WRITABLE
                          | DUK_DEFPROP_CLEAR_ENUMERABLE
                          | DUK_DEFPROP_SET_CONFIGURABLE);
}

static void ssr__push_method(duk_context *ctx, const ssr__method *m)
{
    duk_push_c_function(ctx, m->fn, m->nargs);
    duk_push_string(ctx, "length");
    duk_push_int(ctx, m->length);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE
                          | DUK_DEFPROP_SET_CONFIGURABLE);
    duk_push_string(ctx, "name");
    duk_push_string(ctx, m->name);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE
                          | DUK_DEFPROP_SET_CONFIGURABLE);
}

/* [ ... proto ] -> [ ... proto ] */
static void ssr__put_methods(duk_context *ctx, const ssr__method *m)
{
    for (; m->name; m++) {
        ssr__push_method(ctx, m);
        ssr__put_hidden_value(ctx, m->name);
    }
}

/* [ ... obj ] -> [ ... obj ]: a getter, as `size` is. */
static void ssr__put_getter(duk_context *ctx, const char *name,
                            duk_c_function fn)
{
    ssr__method m = { "get size", NULL, 0, 0 };

    m.fn = fn;
    duk_push_string(ctx, name);
    ssr__push_method(ctx, &m);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_GETTER | DUK_DEFPROP_CLEAR_ENUMERABLE
                          | DUK_DEFPROP_SET_CONFIGURABLE);
}

static void ssr__put_tag(duk_context *ctx, const char *tag)
{
    duk_push_string(ctx, SSR__TAG_SYMBOL);
    duk_push_string(ctx, tag);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_CLEAR_WRITABLE
                          | DUK_DEFPROP_CLEAR_ENUMERABLE
                          | DUK_DEFPROP_SET_CONFIGURABLE);
}

/* [ ... proto ] -> [ ... proto ]: proto.name = an iterator-making method,
 * whose iterators get the given prototype (at iter_proto). */
static void ssr__put_iter_method(duk_context *ctx, const char *name,
                                 duk_c_function fn, duk_idx_t iter_proto)
{
    ssr__method m = { NULL, NULL, 0, 0 };

    m.name = name;
    m.fn = fn;
    ssr__push_method(ctx, &m);
    duk_dup(ctx, iter_proto);
    duk_put_prop_literal(ctx, -2, SSR__K_IT_PROTO);
    ssr__put_hidden_value(ctx, name);
}

/* [ ] -> [ iterProto ] */
static void ssr__push_iter_proto(duk_context *ctx, const char *tag)
{
    static const ssr__method next[] = {
        { "next", ssr__iter_next, 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    ssr__method self = { "[Symbol.iterator]", ssr__return_this, 0, 0 };

    duk_push_object(ctx);
    ssr__put_methods(ctx, next);
    ssr__push_method(ctx, &self);
    ssr__put_hidden_value(ctx, SSR__ITERATOR_SYMBOL);
    ssr__put_tag(ctx, tag);
}

/* [ ... ctor proto ] -> [ ] with ctor defined as a global. */
static void ssr__finish_ctor(duk_context *ctx, const char *name)
{
    duk_dup(ctx, -2);
    ssr__put_hidden_value(ctx, "constructor");
    duk_push_string(ctx, "prototype");
    duk_swap_top(ctx, -2);
    duk_def_prop(ctx, -3, DUK_DEFPROP_HAVE_VALUE | DUK_DEFPROP_FORCE
                          | DUK_DEFPROP_CLEAR_WEC);
    duk_push_global_object(ctx);
    duk_swap_top(ctx, -2);
    ssr__put_hidden_value(ctx, name);
    duk_pop(ctx);
}

/* [ ] -> [ ctor proto ] */
static void ssr__push_ctor(duk_context *ctx, const char *name,
                           duk_c_function fn)
{
    ssr__method m = { NULL, NULL, 1, 0 };

    m.name = name;
    m.fn = fn;
    ssr__push_method(ctx, &m);
    duk_push_object(ctx);
    ssr__put_tag(ctx, name);
}

static void ssr__install_map(duk_context *ctx)
{
    static const ssr__method methods[] = {
        { "get", ssr__map_get, 1, 1 },
        { "set", ssr__map_set, 2, 2 },
        { "has", ssr__map_has, 1, 1 },
        { "delete", ssr__map_delete, 1, 1 },
        { "clear", ssr__map_clear, 0, 0 },
        { "forEach", ssr__map_for_each, 2, 1 },
        { NULL, NULL, 0, 0 }
    };
    duk_idx_t iter_proto;

    ssr__push_ctor(ctx, "Map", ssr__map_ctor);
    ssr__put_methods(ctx, methods);
    ssr__put_getter(ctx, "size", ssr__map_size);
    ssr__push_iter_proto(ctx, "Map Iterator");
    duk_swap_top(ctx, -2);
    iter_proto = duk_get_top_index(ctx) - 1;
    ssr__put_iter_method(ctx, "keys", ssr__map_keys, iter_proto);
    ssr__put_iter_method(ctx, "values", ssr__map_values, iter_proto);
    ssr__put_iter_method(ctx, "entries", ssr__map_entries, iter_proto);
    /* Map.prototype[@@iterator] is the entries function itself. */
    duk_get_prop_string(ctx, -1, "entries");
    ssr__put_hidden_value(ctx, SSR__ITERATOR_SYMBOL);
    duk_remove(ctx, iter_proto);
    ssr__finish_ctor(ctx, "Map");
}

static void ssr__install_set(duk_context *ctx)
{
    static const ssr__method methods[] = {
        { "add", ssr__set_add, 1, 1 },
        { "has", ssr__set_has, 1, 1 },
        { "delete", ssr__set_delete, 1, 1 },
        { "clear", ssr__set_clear, 0, 0 },
        { "forEach", ssr__set_for_each, 2, 1 },
        { NULL, NULL, 0, 0 }
    };
    duk_idx_t iter_proto;

    ssr__push_ctor(ctx, "Set", ssr__set_ctor);
    ssr__put_methods(ctx, methods);
    ssr__put_getter(ctx, "size", ssr__set_size);
    ssr__push_iter_proto(ctx, "Set Iterator");
    duk_swap_top(ctx, -2);
    iter_proto = duk_get_top_index(ctx) - 1;
    ssr__put_iter_method(ctx, "values", ssr__set_values, iter_proto);
    ssr__put_iter_method(ctx, "entries", ssr__set_entries, iter_proto);
    /* keys and @@iterator are the values function itself. */
    duk_get_prop_string(ctx, -1, "values");
    ssr__put_hidden_value(ctx, "keys");
    duk_get_prop_string(ctx, -1, "values");
    ssr__put_hidden_value(ctx, SSR__ITERATOR_SYMBOL);
    duk_remove(ctx, iter_proto);
    ssr__finish_ctor(ctx, "Set");
}

/* [ ... proto ] -> [ ... proto ]: methods that find their brand (the
 * hidden key of the symbol on instances) on themselves. */
static void ssr__put_weak_methods(duk_context *ctx, const ssr__method *m,
                                  const char *brand)
{
    for (; m->name; m++) {
        ssr__push_method(ctx, m);
        duk_push_string(ctx, brand);
        duk_put_prop_literal(ctx, -2, SSR__K_WEAK);
        ssr__put_hidden_value(ctx, m->name);
    }
}

static void ssr__install_weak(duk_context *ctx, const char *name,
                              duk_c_function ctor, const ssr__method *methods)
{
    const char *brand = duk_push_sprintf(ctx, "\xFF" "ssr%sSym", name);

    ssr__push_ctor(ctx, name, ctor);
    duk_push_string(ctx, brand);
    duk_put_prop_literal(ctx, -3, SSR__K_WEAK);
    /* The instances' finalizer, which keeps the free slots and counters. */
    duk_push_c_function(ctx, ssr__weak_finalize, 2);
    duk_push_string(ctx, brand);
    duk_put_prop_literal(ctx, -2, SSR__K_WEAK);
    duk_push_array(ctx);
    duk_put_prop_literal(ctx, -2, SSR__K_FREE);
    duk_put_prop_literal(ctx, -3, SSR__K_FIN);
    ssr__put_weak_methods(ctx, methods, brand);
    ssr__finish_ctor(ctx, name);
    duk_pop(ctx);
}

void ssr_collections_install(duk_context *ctx)
{
    static const ssr__method weakmap[] = {
        { "get", ssr__weakmap_get, 1, 1 },
        { "set", ssr__weakmap_set, 2, 2 },
        { "has", ssr__weakmap_has, 1, 1 },
        { "delete", ssr__weakmap_delete, 1, 1 },
        { NULL, NULL, 0, 0 }
    };
    static const ssr__method weakset[] = {
        { "add", ssr__weakset_add, 1, 1 },
        { "has", ssr__weakset_has, 1, 1 },
        { "delete", ssr__weakset_delete, 1, 1 },
        { NULL, NULL, 0, 0 }
    };

    ssr__install_map(ctx);
    ssr__install_set(ctx);
    ssr__install_weak(ctx, "WeakMap", ssr__weakmap_ctor, weakmap);
    ssr__install_weak(ctx, "WeakSet", ssr__weakset_ctor, weakset);
}
