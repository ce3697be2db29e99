/*
 * ssr_natives.h -- C versions of hot JavaScript helpers of server renderers.
 *
 * Server renderers spend a good part of a render escaping text for HTML, one
 * character at a time in bytecode.  ssr_natives_register() installs
 * __modSsrEscapeHtml(string, mode) on the global object; the Vite plugin
 * makes the escape helpers of the renderers it knows call it for strings
 * (docs/performance.md).  The result is the same string the helper would
 * have built: `mode` says which characters the helper escapes and how it
 * spells the apostrophe.
 */
#ifndef SSR_NATIVES_H
#define SSR_NATIVES_H

#include <stddef.h>

#include "duktape.h"

/* mode bits: the characters to escape */
#define SSR_ESC_AMP     0x01    /* & -> &amp; */
#define SSR_ESC_LT      0x02    /* < -> &lt; */
#define SSR_ESC_GT      0x04    /* > -> &gt; */
#define SSR_ESC_QUOT    0x08    /* " -> &quot; */
#define SSR_ESC_APOS    0x10    /* ' -> &#39; */
#define SSR_ESC_APOS_X  0x20    /* ' -> &#x27; (if SSR_ESC_APOS is not set) */

#define SSR_NATIVE_ESCAPE_NAME "__modSsrEscapeHtml"

/* [ ] -> [ ]: defines the natives on the global object (not enumerable, not
 * writable, not configurable, like the built-ins a page cannot replace). */
void ssr_natives_register(duk_context *ctx);

/* The escape itself, on bytes (Duktape's internal string form: the
 * characters escaped are ASCII, which never occurs inside a multi-byte
 * sequence, so surrogates and any other character pass through as they
 * are).  Writes to out (if not NULL) and returns the length of the result;
 * returns len, with nothing written, when no character needs escaping. */
size_t ssr_escape_html(const unsigned char *in, size_t len, unsigned mode,
                       unsigned char *out);

#endif
