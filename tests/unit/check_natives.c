/*
 * check_natives.c -- the native HTML escape (ssr_natives.c) against the
 * escape helpers of the renderers whose helpers the Vite plugin points at
 * it (vite/src/native-escape.js), run in the same engine on random strings.
 */
#include <string.h>

#include "check_suites.h"
#include "duktape.h"
#include "ssr_natives.h"

/* The helpers as their packages publish them (production builds), and a
 * loop comparing each with the native on random strings: lone and paired
 * surrogates, U+0000, the five characters, text around them. */
static const char ssr__natives_js[] =
    "(function () {\n"
    /* react-dom/server 19.3 (cjs/react-dom-server.browser.production.js) */
    "var matchHtmlRegExp = /[\"'&<>]/;\n"
    "function escapeTextForBrowser(text) {\n"
    "  if ('boolean' === typeof text || 'number' === typeof text || 'bigint' === typeof text)\n"
    "    return '' + text;\n"
    "  text = '' + text;\n"
    "  var match = matchHtmlRegExp.exec(text);\n"
    "  if (match) {\n"
    "    var html = '', index, lastIndex = 0;\n"
    "    for (index = match.index; index < text.length; index++) {\n"
    "      switch (text.charCodeAt(index)) {\n"
    "        case 34: match = '&quot;'; break;\n"
    "        case 38: match = '&amp;'; break;\n"
    "        case 39: match = '&#x27;'; break;\n"
    "        case 60: match = '&lt;'; break;\n"
    "        case 62: match = '&gt;'; break;\n"
    "        default: continue;\n"
    "      }\n"
    "      lastIndex !== index && (html += text.slice(lastIndex, index));\n"
    "      lastIndex = index + 1;\n"
    "      html += match;\n"
    "    }\n"
    "    text = lastIndex !== index ? html + text.slice(lastIndex, index) : html;\n"
    "  }\n"
    "  return text;\n"
    "}\n"
    /* @vue/shared 3.5 */
    "var escapeRE = /[\"'&<>]/;\n"
    "function escapeHtml(string) {\n"
    "  var str = '' + string;\n"
    "  var match = escapeRE.exec(str);\n"
    "  if (!match) return str;\n"
    "  var html = '', escaped, index, lastIndex = 0;\n"
    "  for (index = match.index; index < str.length; index++) {\n"
    "    switch (str.charCodeAt(index)) {\n"
    "      case 34: escaped = '&quot;'; break;\n"
    "      case 38: escaped = '&amp;'; break;\n"
    "      case 39: escaped = '&#39;'; break;\n"
    "      case 60: escaped = '&lt;'; break;\n"
    "      case 62: escaped = '&gt;'; break;\n"
    "      default: continue;\n"
    "    }\n"
    "    if (lastIndex !== index) html += str.slice(lastIndex, index);\n"
    "    lastIndex = index + 1;\n"
    "    html += escaped;\n"
    "  }\n"
    "  return lastIndex !== index ? html + str.slice(lastIndex, index) : html;\n"
    "}\n"
    /* preact-render-to-string 6.8 (dist/index.module.js, encodeEntities) */
    "var y = /[\"&<]/;\n"
    "function _(e){if(0===e.length||!1===y.test(e))return e;"
    "for(var t=0,n=0,r='',o='';n<e.length;n++){switch(e.charCodeAt(n)){"
    "case 34:o='&quot;';break;case 38:o='&amp;';break;case 60:o='&lt;';break;"
    "default:continue}n!==t&&(r+=e.slice(t,n)),r+=o,t=n+1}"
    "return n!==t&&(r+=e.slice(t,n)),r}\n"
    /* svelte 5.57 (src/escaping.js) */
    "var ATTR_REGEX = /[&\"<]/g;\n"
    "var CONTENT_REGEX = /[&<]/g;\n"
    "function escape_html(value, is_attr) {\n"
    "  var str = String(value !== null && value !== void 0 ? value : '');\n"
    "  var pattern = is_attr ? ATTR_REGEX : CONTENT_REGEX;\n"
    "  pattern.lastIndex = 0;\n"
    "  var escaped = '', last = 0;\n"
    "  while (pattern.test(str)) {\n"
    "    var i = pattern.lastIndex - 1;\n"
    "    var ch = str[i];\n"
    "    escaped += str.substring(last, i) + (ch === '&' ? '&amp;' : ch === '\"' ? '&quot;' : '&lt;');\n"
    "    last = i + 1;\n"
    "  }\n"
    "  return escaped + str.substring(last);\n"
    "}\n"
    /* solid-js/web 1.9 (web/dist/server.js), the string case */
    "function solidEscape(s, attr) {\n"
    "  var delim = attr ? '\"' : '<';\n"
    "  var escDelim = attr ? '&quot;' : '&lt;';\n"
    "  var iDelim = s.indexOf(delim);\n"
    "  var iAmp = s.indexOf('&');\n"
    "  if (iDelim < 0 && iAmp < 0) return s;\n"
    "  var left = 0, out = '';\n"
    "  while (iDelim >= 0 && iAmp >= 0) {\n"
    "    if (iDelim < iAmp) {\n"
    "      if (left < iDelim) out += s.substring(left, iDelim);\n"
    "      out += escDelim; left = iDelim + 1; iDelim = s.indexOf(delim, left);\n"
    "    } else {\n"
    "      if (left < iAmp) out += s.substring(left, iAmp);\n"
    "      out += '&amp;'; left = iAmp + 1; iAmp = s.indexOf('&', left);\n"
    "    }\n"
    "  }\n"
    "  if (iDelim >= 0) {\n"
    "    do {\n"
    "      if (left < iDelim) out += s.substring(left, iDelim);\n"
    "      out += escDelim; left = iDelim + 1; iDelim = s.indexOf(delim, left);\n"
    "    } while (iDelim >= 0);\n"
    "  } else {\n"
    "    while (iAmp >= 0) {\n"
    "      if (left < iAmp) out += s.substring(left, iAmp);\n"
    "      out += '&amp;'; left = iAmp + 1; iAmp = s.indexOf('&', left);\n"
    "    }\n"
    "  }\n"
    "  return left < s.length ? out + s.substring(left) : out;\n"
    "}\n"
    /* the modes vite/src/native-escape.js passes for each */
    "var cases = [\n"
    "  ['react', escapeTextForBrowser, 47, false],\n"
    "  ['vue', escapeHtml, 31, false],\n"
    "  ['preact', _, 11, false],\n"
    "  ['svelte', function (s) { return escape_html(s); }, 3, false],\n"
    "  ['svelte attr', function (s) { return escape_html(s, true); }, 11, false],\n"
    "  ['solid', function (s) { return solidEscape(s); }, 3, false],\n"
    "  ['solid attr', function (s) { return solidEscape(s, true); }, 9, false]\n"
    "];\n"
    "var alphabet = ['&', '<', '>', '\"', \"'\", '\\u0000', 'a', 'Z', ' ', '\\u00e9',\n"
    "  '\\u2028', '\\ud83d', '\\ude00', '\\ud83d\\ude00', '\\uffff', '\\u0080', '&amp;', ';', '#'];\n"
    "var seed = 12345;\n"
    "function rnd(n) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; }\n"
    "var native = __modSsrEscapeHtml, checked = 0;\n"
    "for (var k = 0; k < 3000; k++) {\n"
    "  var s = '', len = rnd(k < 1000 ? 8 : 60);\n"
    "  for (var j = 0; j < len; j++) s += alphabet[rnd(alphabet.length)];\n"
    "  for (var c = 0; c < cases.length; c++) {\n"
    "    var want = cases[c][1](s), got = native(s, cases[c][2]);\n"
    "    if (want !== got) {\n"
    "      return cases[c][0] + ': ' + JSON.stringify(s) + ' -> ' + JSON.stringify(got) +\n"
    "        ', not ' + JSON.stringify(want);\n"
    "    }\n"
    "    checked++;\n"
    "  }\n"
    "}\n"
    "return 'ok ' + checked;\n"
    "})()";

static duk_context *ssr__heap(void)
{
    duk_context *ctx = duk_create_heap_default();

    ck_assert_ptr_nonnull(ctx);
    ssr_natives_register(ctx);
    return ctx;
}

/* the C function on bytes, each mode */
static void escaped_is(const char *in, unsigned mode, const char *expect)
{
    unsigned char out[256];
    size_t len = strlen(in);
    size_t n = ssr_escape_html((const unsigned char *) in, len, mode, NULL);

    ck_assert_uint_lt(n, sizeof(out));
    if (n == len) {
        ck_assert_str_eq(in, expect);
        return;
    }
    ck_assert_uint_eq(ssr_escape_html((const unsigned char *) in, len, mode, out), n);
    ck_assert_uint_eq(n, strlen(expect));
    ck_assert_msg(memcmp(out, expect, n) == 0, "mode %u: %s -> %.*s, not %s",
                  mode, in, (int) n, out, expect);
}

START_TEST(escape_bytes)
{
    const char *all = "a&b<c>d\"e'f";

    escaped_is("", 47, "");
    escaped_is("plain text", 47, "plain text");
    escaped_is(all, 47, "a&amp;b&lt;c&gt;d&quot;e&#x27;f");
    escaped_is(all, 31, "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    escaped_is(all, 11, "a&amp;b&lt;c>d&quot;e'f");
    escaped_is(all, 9, "a&amp;b<c>d&quot;e'f");
    escaped_is(all, 3, "a&amp;b&lt;c>d\"e'f");
    escaped_is(all, 0, all);
    escaped_is("&&<<", 3, "&amp;&amp;&lt;&lt;");
    escaped_is("x'", 0x30, "x&#39;");
    /* bytes of multi-byte characters are never ASCII */
    escaped_is("\xc3\xa9<\xed\xa0\xbd", 3, "\xc3\xa9&lt;\xed\xa0\xbd");
}
END_TEST

/* Each renderer's helper and the native give the same string. */
START_TEST(escape_matches_renderers)
{
    duk_context *ctx = ssr__heap();

    if (duk_peval_string(ctx, ssr__natives_js) != 0) {
        ck_abort_msg("%s", duk_safe_to_string(ctx, -1));
    }
    ck_assert_str_eq(duk_safe_to_string(ctx, -1), "ok 21000");
    duk_destroy_heap(ctx);
}
END_TEST

START_TEST(escape_from_js)
{
    duk_context *ctx = ssr__heap();

    /* nothing to escape: the same string; NUL and surrogates kept */
    ck_assert_int_eq(duk_peval_string(ctx,
        "var s = 'a\\u0000\\ud800b'; __modSsrEscapeHtml(s, 47) === s"), 0);
    ck_assert(duk_get_boolean(ctx, -1));
    duk_pop(ctx);
    ck_assert_int_eq(duk_peval_string(ctx,
        "__modSsrEscapeHtml('\\u0000<\\udc00', 47) === '\\u0000&lt;\\udc00'"), 0);
    ck_assert(duk_get_boolean(ctx, -1));
    duk_pop(ctx);
    /* strings only: a helper coerces other values its own way */
    ck_assert_int_ne(duk_peval_string(ctx, "__modSsrEscapeHtml(1, 47)"), 0);
    duk_pop(ctx);
    ck_assert_int_ne(duk_peval_string(ctx, "__modSsrEscapeHtml({}, 47)"), 0);
    duk_pop(ctx);
    ck_assert_int_ne(duk_peval_string(ctx,
        "__modSsrEscapeHtml(Object.getOwnPropertySymbols ? Symbol('x') : 1, 47)"), 0);
    duk_pop(ctx);
    /* a page cannot replace it, and does not see it among its globals */
    ck_assert_int_eq(duk_peval_string(ctx,
        "var d = Object.getOwnPropertyDescriptor(this, '__modSsrEscapeHtml');"
        "!d.writable && !d.enumerable && !d.configurable && "
        "Object.keys(this).indexOf('__modSsrEscapeHtml') < 0"), 0);
    ck_assert(duk_get_boolean(ctx, -1));
    duk_pop(ctx);
    duk_destroy_heap(ctx);
}
END_TEST

Suite *natives_suite(void)
{
    Suite *s = suite_create("natives");
    TCase *tc = tcase_create("escape");

    tcase_add_test(tc, escape_bytes);
    tcase_add_test(tc, escape_matches_renderers);
    tcase_add_test(tc, escape_from_js);
    suite_add_tcase(s, tc);
    return s;
}
