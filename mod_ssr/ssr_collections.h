/*
 * ssr_collections.h -- native Map, Set, WeakMap and WeakSet for Duktape.
 *
 * Duktape 2.7 has none of the four.  Server renderers use them on every
 * element (React's tag cache, Vue's reactivity), and core-js's JavaScript
 * versions cost about a fifth of a render, so the engine installs C ones as
 * globals when a heap is created, before the host runtime and the bundle
 * run.  docs/bundle.md lists what they do and where they differ from the
 * specification.
 */
#ifndef SSR_COLLECTIONS_H
#define SSR_COLLECTIONS_H

#include "duktape.h"

/* [ ] -> [ ]: defines Map, Set, WeakMap and WeakSet on the global object.
 * Throws (a Duktape error) only when out of memory. */
void ssr_collections_install(duk_context *ctx);

#endif /* SSR_COLLECTIONS_H */
