/*
 * ssr_text.h -- text crossing the engine boundary, in both directions.
 *
 * Duktape keeps strings in its own extended form of CESU-8: a character
 * outside the BMP is a pair of 3-byte surrogates, and a string whose first
 * byte is 0x80-0xBF or 0xFF is not a string at all but a Symbol (or another
 * internal key).  So bytes from a request must never be pushed as they are:
 * ssr_text_to_engine() makes any byte sequence into valid text in the form
 * Duktape expects, with every invalid UTF-8 sequence read as U+FFFD (the
 * WHATWG decoder's rule, as Node's Buffer#toString('utf8') does).
 *
 * Strings coming out of Duktape go the other way: ssr_text_to_utf8() gives
 * well-formed UTF-8 (surrogate pairs joined, lone surrogates and anything
 * else invalid as U+FFFD), as Node writes them.
 *
 * ssr_text_to_engine() returns its input unchanged (no copy) when it is
 * already valid, the common case of plain ASCII; ssr_text_to_utf8() always
 * copies, since its input usually belongs to a Duktape value about to go.
 */
#ifndef SSR_TEXT_H
#define SSR_TEXT_H

#include <apr.h>
#include <apr_pools.h>

/* Request bytes (any) -> Duktape's string form.  *out_len gets the length;
 * the result is NUL-terminated.  Returns NULL only if len is so large that
 * the worst case (3 bytes per input byte) does not fit in apr_size_t. */
const char *ssr_text_to_engine(apr_pool_t *p, const char *in, apr_size_t len,
                               apr_size_t *out_len);

/* Duktape's string form -> UTF-8.  Same conventions as above. */
const char *ssr_text_to_utf8(apr_pool_t *p, const char *in, apr_size_t len,
                             apr_size_t *out_len);

#endif /* SSR_TEXT_H */
