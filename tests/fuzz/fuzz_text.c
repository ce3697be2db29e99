/*
 * fuzz_text.c -- text crossing the engine boundary (mod_ssr/ssr_text.c),
 * and the build stamps read from build files (mod_ssr/ssr_reload.c).
 *
 * Input: any bytes.  ssr_text_to_engine() must give valid text in
 * Duktape's form: well-formed UTF-8 except that characters outside the BMP
 * are surrogate pairs (CESU-8), never a lead byte Duktape reads as a Symbol,
 * at most three bytes per input byte.  ssr_text_to_utf8() of that must be
 * strictly valid UTF-8 (no surrogates), and of any input too.  Plain valid
 * UTF-8 without supplementary characters comes back unchanged.
 */
#include "fuzz_common.h"

#include "../../mod_ssr/ssr_text.c"
#include "../../mod_ssr/ssr_reload.c"

/* Strict UTF-8 (RFC 3629), or with cesu set, also surrogate code points
 * (3-byte ED A0..BF xx) but no 4-byte sequences. */
static int fuzz_valid(const unsigned char *s, apr_size_t len, int cesu)
{
    apr_size_t i = 0;

    while (i < len) {
        unsigned c = s[i];
        apr_size_t n, k;
        unsigned lo = 0x80, hi = 0xBF;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        }
        else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0) {
                lo = 0xA0;
            }
            if (c == 0xED && !cesu) {
                hi = 0x9F;
            }
        }
        else if (c >= 0xF0 && c <= 0xF4 && !cesu) {
            n = 3;
            if (c == 0xF0) {
                lo = 0x90;
            }
            if (c == 0xF4) {
                hi = 0x8F;
            }
        }
        else {
            return 0;
        }
        if (i + n >= len) {
            return 0;       /* truncated */
        }
        if (s[i + 1] < lo || s[i + 1] > hi) {
            return 0;
        }
        for (k = 2; k <= n; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) {
                return 0;
            }
        }
        i += n + 1;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    apr_size_t elen = 0, ulen = 0, ulen2 = 0;
    const char *e, *u, *u2;

    e = ssr_text_to_engine(p, (const char *) data, size, &elen);
    FUZZ_CHECK(e != NULL);
    FUZZ_CHECK(elen <= 3 * size);
    FUZZ_CHECK(e == (const char *) data || e[elen] == '\0');
    FUZZ_CHECK(fuzz_valid((const unsigned char *) e, elen, 1));
    /* a string Duktape would read as a Symbol starts with 0x80-0xBF or 0xFF */
    FUZZ_CHECK(elen == 0 || (((unsigned char) e[0] < 0x80 ||
                              (unsigned char) e[0] > 0xBF) &&
                             (unsigned char) e[0] != 0xFF));
    if (fuzz_valid(data, size, 0) && memchr(data, 0xF0, size) == NULL &&
        memchr(data, 0xF1, size) == NULL && memchr(data, 0xF2, size) == NULL &&
        memchr(data, 0xF3, size) == NULL && memchr(data, 0xF4, size) == NULL) {
        FUZZ_CHECK(elen == size && memcmp(e, data, size) == 0);
    }

    u = ssr_text_to_utf8(p, e, elen, &ulen);
    FUZZ_CHECK(u != NULL && u[ulen] == '\0');
    FUZZ_CHECK(fuzz_valid((const unsigned char *) u, ulen, 0));
    if (fuzz_valid(data, size, 0)) {
        /* valid UTF-8 survives the round trip */
        FUZZ_CHECK(ulen == size && memcmp(u, data, size) == 0);
    }
    u2 = ssr_text_to_utf8(p, (const char *) data, size, &ulen2);
    FUZZ_CHECK(u2 != NULL && fuzz_valid((const unsigned char *) u2, ulen2, 0));

    /* the stamps never read past the input, and give a plausible id */
    {
        const char *ids[3];
        int i;

        ids[0] = ssr_stamp_of_bundle(p, (const char *) data, size);
        ids[1] = ssr_stamp_of_template(p, (const char *) data, size);
        ids[2] = ssr_stamp_of_manifest(p, (const char *) data, size);
        for (i = 0; i < 3; i++) {
            FUZZ_CHECK(ids[i] == NULL ||
                       (strlen(ids[i]) >= 1 && strlen(ids[i]) <= SSR_STAMP_MAX));
        }
    }
    return 0;
}
