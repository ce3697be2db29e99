/*
 * check_reload.c -- when to check for a new build and whether to load it
 * (ssr_reload.c).
 */
#include <string.h>

#include <stdlib.h>

#include <apr_file_io.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "check_suites.h"
#include "ssr_reload.h"
#include "ssr_store.h"

static apr_pool_t *pool;

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&pool, NULL), APR_SUCCESS);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

/* "Now" in the tests: an arbitrary fixed time. */
#define NOW (apr_time_from_sec(1700000000))
/* Long enough ago that every file has settled. */
#define OLD (NOW - apr_time_from_sec(60))

static ssr_file_sig_t file(apr_time_t mtime, apr_off_t size, apr_ino_t ino)
{
    ssr_file_sig_t f;

    f.present = 1;
    f.mtime = mtime;
    f.size = size;
    f.inode = ino;
    return f;
}

static ssr_file_sig_t absent(void)
{
    ssr_file_sig_t f;

    memset(&f, 0, sizeof(f));
    return f;
}

/* A complete, settled build. */
static ssr_build_sig_t build(apr_time_t mtime)
{
    ssr_build_sig_t b;

    b.bundle = file(mtime, 1000, 11);
    b.tpl = file(mtime, 200, 12);
    b.manifest = file(mtime, 50, 13);
    return b;
}

static ssr_file_sig_t *file_of(ssr_build_sig_t *b, int which)
{
    return which == 0 ? &b->bundle : which == 1 ? &b->tpl : &b->manifest;
}

START_TEST(due_first_check)
{
    ck_assert_int_eq(ssr_reload_due(NOW, 0, apr_time_from_sec(1)), 1);
}
END_TEST

START_TEST(due_interval_zero)
{
    ck_assert_int_eq(ssr_reload_due(NOW, NOW, 0), 1);
    ck_assert_int_eq(ssr_reload_due(NOW + 1, NOW, 0), 1);
}
END_TEST

START_TEST(due_boundaries)
{
    apr_interval_time_t sec = apr_time_from_sec(1);

    ck_assert_int_eq(ssr_reload_due(NOW, NOW, sec), 0);
    ck_assert_int_eq(ssr_reload_due(NOW + sec - 1, NOW, sec), 0);
    ck_assert_int_eq(ssr_reload_due(NOW + sec, NOW, sec), 1);
    ck_assert_int_eq(ssr_reload_due(NOW + sec + 1, NOW, sec), 1);
    ck_assert_int_eq(ssr_reload_due(NOW + apr_time_from_sec(3600), NOW, sec),
                     1);
}
END_TEST

START_TEST(due_clock_backwards)
{
    apr_interval_time_t sec = apr_time_from_sec(1);

    ck_assert_int_eq(ssr_reload_due(NOW - 1, NOW, sec), 1);
    ck_assert_int_eq(ssr_reload_due(NOW - apr_time_from_sec(3600), NOW, sec),
                     1);
}
END_TEST

START_TEST(sig_equal_same)
{
    ssr_build_sig_t a = build(OLD);
    ssr_build_sig_t b = build(OLD);

    ck_assert_int_eq(ssr_sig_equal(&a, &b), 1);
    ck_assert_int_eq(ssr_sig_equal(&a, &a), 1);
}
END_TEST

/* Any one field of any one file makes a different build. */
START_TEST(sig_equal_each_field)
{
    int which;
    int field;

    for (which = 0; which < 3; which++) {
        for (field = 0; field < 4; field++) {
            ssr_build_sig_t a = build(OLD);
            ssr_build_sig_t b = build(OLD);
            ssr_file_sig_t *f = file_of(&b, which);

            switch (field) {
            case 0: f->present = 0; break;
            case 1: f->mtime += 1; break;
            case 2: f->size += 1; break;
            default: f->inode += 1; break;
            }
            ck_assert_msg(!ssr_sig_equal(&a, &b), "file %d field %d",
                          which, field);
            ck_assert_msg(!ssr_sig_equal(&b, &a), "file %d field %d",
                          which, field);
        }
    }
}
END_TEST

START_TEST(sig_equal_absent_files)
{
    ssr_build_sig_t a = build(OLD);
    ssr_build_sig_t b = build(OLD);

    a.manifest = absent();
    b.manifest = absent();
    ck_assert_int_eq(ssr_sig_equal(&a, &b), 1);
    /* Stale stat fields of a missing file do not matter. */
    b.manifest.mtime = 99;
    b.manifest.size = 5;
    b.manifest.inode = 7;
    ck_assert_int_eq(ssr_sig_equal(&a, &b), 1);
}
END_TEST

START_TEST(decide_incomplete_waits)
{
    ssr_build_sig_t cur = build(OLD);
    ssr_build_sig_t seen = build(OLD - apr_time_from_sec(1));

    seen.bundle = absent();
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_WAIT);
    ck_assert_int_eq(ssr_reload_decide(NULL, NULL, &seen, NOW),
                     SSR_RELOAD_WAIT);

    seen = build(OLD - apr_time_from_sec(1));
    seen.tpl = absent();
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_WAIT);
    ck_assert_int_eq(ssr_reload_decide(NULL, NULL, &seen, NOW),
                     SSR_RELOAD_WAIT);
}
END_TEST

START_TEST(decide_manifest_optional)
{
    ssr_build_sig_t cur = build(OLD);
    ssr_build_sig_t seen = build(OLD + 1);

    seen.manifest = absent();
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_LOAD);
    ck_assert_int_eq(ssr_reload_decide(NULL, NULL, &seen, NOW),
                     SSR_RELOAD_LOAD);
}
END_TEST

START_TEST(decide_keep)
{
    ssr_build_sig_t cur = build(OLD);
    ssr_build_sig_t seen = build(OLD);

    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_KEEP);
    /* Even when the files are fresh: they are what is in service. */
    cur = build(NOW);
    seen = build(NOW);
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_KEEP);
    /* And when the same files once failed (the current one wins). */
    ck_assert_int_eq(ssr_reload_decide(&cur, &seen, &seen, NOW),
                     SSR_RELOAD_KEEP);
}
END_TEST

START_TEST(decide_skip_failed)
{
    ssr_build_sig_t cur = build(OLD);
    ssr_build_sig_t bad = build(OLD + 5);
    ssr_build_sig_t seen = bad;

    ck_assert_int_eq(ssr_reload_decide(&cur, &bad, &seen, NOW),
                     SSR_RELOAD_SKIP);
    ck_assert_int_eq(ssr_reload_decide(NULL, &bad, &seen, NOW),
                     SSR_RELOAD_SKIP);
    /* Skipped even while it is fresh: it is not going to be rewritten
     * into something else without its signature changing. */
    bad = build(NOW);
    seen = bad;
    ck_assert_int_eq(ssr_reload_decide(&cur, &bad, &seen, NOW),
                     SSR_RELOAD_SKIP);
    /* Once it changes again, it is looked at again. */
    seen = bad;
    seen.bundle.size += 1;
    ck_assert_int_eq(ssr_reload_decide(&cur, &bad, &seen, NOW),
                     SSR_RELOAD_WAIT);
    ck_assert_int_eq(ssr_reload_decide(&cur, &bad, &seen,
                                       NOW + SSR_SETTLE_TIME),
                     SSR_RELOAD_LOAD);
}
END_TEST

START_TEST(decide_settling)
{
    ssr_build_sig_t cur = build(OLD);
    ssr_build_sig_t seen = build(NOW - apr_time_from_msec(100));

    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_WAIT);
    seen = build(NOW);
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_WAIT);
    seen = build(NOW - SSR_SETTLE_TIME + 1);
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_WAIT);
    /* Exactly the settle time old: settled. */
    seen = build(NOW - SSR_SETTLE_TIME);
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_LOAD);
    seen = build(OLD + 1);
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_LOAD);
}
END_TEST

/* The newest of the three files decides, whichever it is. */
START_TEST(decide_settling_newest_file)
{
    ssr_build_sig_t cur = build(OLD);
    int which;

    for (which = 0; which < 3; which++) {
        ssr_build_sig_t seen = build(OLD + 1);

        file_of(&seen, which)->mtime = NOW - apr_time_from_msec(10);
        ck_assert_msg(ssr_reload_decide(&cur, NULL, &seen, NOW)
                      == SSR_RELOAD_WAIT, "file %d", which);
    }
}
END_TEST

/* A missing manifest's leftover mtime is not a file being written. */
START_TEST(decide_settling_ignores_absent)
{
    ssr_build_sig_t cur = build(OLD);
    ssr_build_sig_t seen = build(OLD + 1);

    seen.manifest = absent();
    seen.manifest.mtime = NOW;
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_LOAD);
}
END_TEST

/* With nothing in service, a fresh build is loaded at once. */
START_TEST(decide_first_build_immediate)
{
    ssr_build_sig_t seen = build(NOW);

    ck_assert_int_eq(ssr_reload_decide(NULL, NULL, &seen, NOW),
                     SSR_RELOAD_LOAD);
    seen = build(NOW - apr_time_from_msec(1));
    ck_assert_int_eq(ssr_reload_decide(NULL, NULL, &seen, NOW),
                     SSR_RELOAD_LOAD);
    /* A different build failed before: this one is still tried. */
    {
        ssr_build_sig_t bad = build(OLD);

        ck_assert_int_eq(ssr_reload_decide(NULL, &bad, &seen, NOW),
                         SSR_RELOAD_LOAD);
    }
}
END_TEST

/* A slightly future mtime (a just-written file on a server whose clock is a
 * little ahead) still settles; one far in the future is clock skew and
 * must not hold the old build in service until the clock catches up. */
START_TEST(decide_future_mtime)
{
    ssr_build_sig_t cur = build(OLD);
    ssr_build_sig_t seen = build(NOW + apr_time_from_msec(100));

    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_WAIT);
    seen = build(NOW + SSR_SETTLE_TIME);
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_WAIT);
    seen = build(NOW + SSR_SETTLE_TIME + 1);
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_LOAD);
    seen = build(NOW + apr_time_from_sec(3600));
    ck_assert_int_eq(ssr_reload_decide(&cur, NULL, &seen, NOW),
                     SSR_RELOAD_LOAD);
}
END_TEST

static int is_build_id(const char *id)
{
    int i;

    if (id == NULL || strlen(id) != 17 || id[0] != 'b') {
        return 0;
    }
    for (i = 1; i < 17; i++) {
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

START_TEST(build_id_format_and_stability)
{
    ssr_build_sig_t a = build(OLD);
    ssr_build_sig_t b = build(OLD);
    const char *ia = ssr_build_id(pool, &a);

    ck_assert_msg(is_build_id(ia), "bad id %s", ia);
    ck_assert_str_eq(ia, ssr_build_id(pool, &b));
    ck_assert_str_eq(ia, ssr_build_id(pool, &a));
}
END_TEST

START_TEST(build_id_changes_with_each_field)
{
    ssr_build_sig_t base = build(OLD);
    const char *ib = ssr_build_id(pool, &base);
    int which;
    int field;

    for (which = 0; which < 3; which++) {
        for (field = 0; field < 4; field++) {
            ssr_build_sig_t b = build(OLD);
            ssr_file_sig_t *f = file_of(&b, which);
            const char *id;

            switch (field) {
            case 0: f->present = 0; break;
            case 1: f->mtime += 1; break;
            case 2: f->size += 1; break;
            default: f->inode += 1; break;
            }
            id = ssr_build_id(pool, &b);
            ck_assert_msg(is_build_id(id), "bad id %s", id);
            ck_assert_msg(strcmp(id, ib) != 0, "file %d field %d", which,
                          field);
        }
    }
}
END_TEST

/* The same values in different files are different builds. */
START_TEST(build_id_file_order_matters)
{
    ssr_build_sig_t a = build(OLD);
    ssr_build_sig_t b = a;

    b.bundle = a.tpl;
    b.tpl = a.bundle;
    ck_assert_str_ne(ssr_build_id(pool, &a), ssr_build_id(pool, &b));
}
END_TEST

/* Equal signatures (by ssr_sig_equal) have equal ids, including missing
 * files with leftover stat fields. */
START_TEST(build_id_absent_files)
{
    ssr_build_sig_t a = build(OLD);
    ssr_build_sig_t b = build(OLD);

    a.manifest = absent();
    b.manifest = absent();
    b.manifest.mtime = 12345;
    b.manifest.size = 9;
    ck_assert_int_eq(ssr_sig_equal(&a, &b), 1);
    ck_assert_str_eq(ssr_build_id(pool, &a), ssr_build_id(pool, &b));
}
END_TEST

/* Reference FNV-1a 64 over an explicit byte layout: per file, present,
 * then mtime, size and inode when present, each as 8 little-endian bytes.
 * Pins the id down so that it does not change between releases (it shows
 * in logs and live-reload messages). */
static apr_uint64_t ref_fnv(const unsigned char *bytes, apr_size_t n)
{
    apr_uint64_t h = APR_UINT64_C(0xcbf29ce484222325);
    apr_size_t i;

    for (i = 0; i < n; i++) {
        h ^= bytes[i];
        h *= APR_UINT64_C(0x100000001b3);
    }
    return h;
}

static apr_size_t put_le(unsigned char *p, apr_uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
    return 8;
}

START_TEST(build_id_reference_value)
{
    ssr_build_sig_t s = build(OLD);
    unsigned char bytes[8 * 4 * 3];
    apr_size_t n = 0;
    char expect[18];
    int which;

    s.manifest = absent();
    for (which = 0; which < 3; which++) {
        const ssr_file_sig_t *f = file_of(&s, which);

        n += put_le(bytes + n, f->present ? 1 : 0);
        if (f->present) {
            n += put_le(bytes + n, (apr_uint64_t)f->mtime);
            n += put_le(bytes + n, (apr_uint64_t)f->size);
            n += put_le(bytes + n, (apr_uint64_t)f->inode);
        }
    }
    apr_snprintf(expect, sizeof(expect), "b%016" APR_UINT64_T_HEX_FMT,
                 ref_fnv(bytes, n));
    ck_assert_str_eq(ssr_build_id(pool, &s), expect);
}
END_TEST

/* --- build stamps ----------------------------------------------------------- */

#define STAMP_OF(fn, text) fn(pool, text, sizeof(text) - 1)

START_TEST(stamp_of_bundle)
{
    const char *id = STAMP_OF(ssr_stamp_of_bundle,
                              "/*! mod_ssr-build: k3x9Q.1_z */\n'use strict';");

    ck_assert_str_eq(id, "k3x9Q.1_z");
    /* only at the very start of the file */
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_bundle,
                                "\n/*! mod_ssr-build: a */"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_bundle,
                                "'use strict'; /*! mod_ssr-build: a */"));
    /* malformed: no id, bad characters, unterminated, truncated */
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_bundle, "/*! mod_ssr-build:  */"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_bundle, "/*! mod_ssr-build: a b */"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_bundle, "/*! mod_ssr-build: a<b */"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_bundle, "/*! mod_ssr-build: abc"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_bundle, "/*! mod_ssr-bu"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_bundle, ""));
}
END_TEST

START_TEST(stamp_too_long)
{
    char text[200];
    char id[SSR_STAMP_MAX + 2];

    memset(id, 'a', sizeof(id) - 1);
    id[SSR_STAMP_MAX] = '\0';
    apr_snprintf(text, sizeof(text), "/*! mod_ssr-build: %s */", id);
    ck_assert_str_eq(ssr_stamp_of_bundle(pool, text, strlen(text)), id);
    id[SSR_STAMP_MAX] = 'a';
    id[SSR_STAMP_MAX + 1] = '\0';
    apr_snprintf(text, sizeof(text), "/*! mod_ssr-build: %s */", id);
    ck_assert_ptr_null(ssr_stamp_of_bundle(pool, text, strlen(text)));
}
END_TEST

START_TEST(stamp_of_template)
{
    ck_assert_str_eq(STAMP_OF(ssr_stamp_of_template,
                              "<html><head><!--mod_ssr-build:b42--><!--app-head--></head>"),
                     "b42");
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_template, "<html><!--app-html--></html>"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_template, "<!--mod_ssr-build:b42"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_template, "<!--mod_ssr-build:-->"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_template, "<!--mod_ssr-build:a-b-->"));
}
END_TEST

START_TEST(stamp_of_manifest)
{
    ck_assert_str_eq(STAMP_OF(ssr_stamp_of_manifest,
                              "{\"src/main.js\":[\"/assets/a.js\"],\"mod_ssr-build\":[\"x1\"]}"),
                     "x1");
    ck_assert_str_eq(STAMP_OF(ssr_stamp_of_manifest,
                              "{\n  \"mod_ssr-build\": [\n    \"x2\"\n  ]\n}"),
                     "x2");
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_manifest, "{\"a\":[]}"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_manifest, "{\"mod_ssr-build\": \"x\"}"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_manifest, "{\"mod_ssr-build\": [\"x"));
    ck_assert_ptr_null(STAMP_OF(ssr_stamp_of_manifest, "\"mod_ssr-build\""));
}
END_TEST

/* --- snapshots ---------------------------------------------------------------- */

static char snapdir[256];

static const char *snap_file(const char *name, const char *text)
{
    const char *path = apr_pstrcat(pool, snapdir, "/", name, NULL);
    apr_file_t *f;

    if (text == NULL) {
        apr_file_remove(path, pool);
        return path;
    }
    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE |
                                   APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, pool),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_file_puts(text, f), APR_SUCCESS);
    apr_file_close(f);
    return path;
}

static ssr_snap_e snap(const char *bundle, const char *tpl, const char *manifest,
                       ssr_snapshot_t *out)
{
    const char *mpath = snap_file("m.json", manifest);

    return ssr_snapshot_read(pool, snap_file("b.js", bundle),
                             snap_file("i.html", tpl), mpath, out);
}

static void snap_setup(void)
{
    char *dir = NULL;

    setup();
    apr_snprintf(snapdir, sizeof(snapdir), "%s", "/tmp/ssr-snap-XXXXXX");
    dir = mkdtemp(snapdir);
    ck_assert_ptr_nonnull(dir);
}

static void snap_teardown(void)
{
    snap_file("b.js", NULL);
    snap_file("i.html", NULL);
    snap_file("m.json", NULL);
    apr_dir_remove(snapdir, pool);
    teardown();
}

#define B_ONE "/*! mod_ssr-build: one */\nexports.render = 1;"
#define T_ONE "<html><head><!--mod_ssr-build:one--></head><!--app-html--></html>"
#define M_ONE "{\"mod_ssr-build\": [\"one\"]}"

START_TEST(snapshot_of_a_stamped_build)
{
    ssr_snapshot_t s;

    ck_assert_int_eq(snap(B_ONE, T_ONE, M_ONE, &s), SSR_SNAP_OK);
    ck_assert_str_eq(s.id, "one");
    ck_assert_str_eq(s.bundle, B_ONE);
    ck_assert_str_eq(s.tpl, T_ONE);
    ck_assert_str_eq(s.manifest, M_ONE);
    ck_assert(s.sig.bundle.present && s.sig.tpl.present && s.sig.manifest.present);
    ck_assert_int_eq(s.sig.tpl.size, (apr_off_t) strlen(T_ONE));
}
END_TEST

START_TEST(snapshot_of_an_unstamped_build)
{
    ssr_snapshot_t s;

    ck_assert_int_eq(snap("exports.render = 1;", "<!--app-html-->", NULL, &s),
                     SSR_SNAP_OK);
    ck_assert_ptr_null(s.id);
    ck_assert_ptr_null(s.manifest);
    ck_assert(!s.sig.manifest.present);
}
END_TEST

START_TEST(snapshot_of_mixed_builds)
{
    ssr_snapshot_t s;

    /* a new template beside the old bundle, and the reverse */
    ck_assert_int_eq(snap(B_ONE, "<head><!--mod_ssr-build:two--></head>", M_ONE, &s),
                     SSR_SNAP_MIXED);
    ck_assert_ptr_nonnull(strstr(s.why, "bundle one, template two"));
    ck_assert_int_eq(snap("/*! mod_ssr-build: two */\n", T_ONE, M_ONE, &s),
                     SSR_SNAP_MIXED);
    ck_assert_int_eq(snap(B_ONE, T_ONE, "{\"mod_ssr-build\": [\"two\"]}", &s),
                     SSR_SNAP_MIXED);
    /* a bundle still being stamped, an unstamped template */
    ck_assert_int_eq(snap("/*! mod_ssr-build: pending */\n", T_ONE, M_ONE, &s),
                     SSR_SNAP_MIXED);
    ck_assert_int_eq(snap(B_ONE, "<!--app-html-->", M_ONE, &s), SSR_SNAP_MIXED);
    ck_assert_int_eq(snap("exports.render = 1;", T_ONE, NULL, &s), SSR_SNAP_MIXED);
    /* an unstamped manifest beside a stamped build is someone else's file */
    ck_assert_int_eq(snap(B_ONE, T_ONE, "{}", &s), SSR_SNAP_OK);
    ck_assert_str_eq(s.id, "one");
}
END_TEST

START_TEST(snapshot_of_missing_files)
{
    ssr_snapshot_t s;

    ck_assert_int_eq(snap(NULL, T_ONE, NULL, &s), SSR_SNAP_MISSING);
    ck_assert_ptr_nonnull(strstr(s.why, "b.js does not exist"));
    ck_assert_int_eq(snap(B_ONE, NULL, NULL, &s), SSR_SNAP_MISSING);
    ck_assert_ptr_nonnull(strstr(s.why, "i.html does not exist"));
}
END_TEST

START_TEST(store_round_trip)
{
    ssr_snapshot_t s, back;
    const char *path = apr_pstrcat(pool, snapdir, "/app.build", NULL);
    const char *id = NULL;

    ck_assert_int_eq(snap(B_ONE, T_ONE, M_ONE, &s), SSR_SNAP_OK);
    ck_assert_int_eq(ssr_store_id(pool, path, &id), APR_ENOENT);
    ck_assert_int_eq(ssr_store_put(pool, path, &s, "unused"), APR_SUCCESS);
    ck_assert_int_eq(ssr_store_id(pool, path, &id), APR_SUCCESS);
    ck_assert_str_eq(id, "one");
    ck_assert_int_eq(ssr_store_get(pool, path, &back), APR_SUCCESS);
    ck_assert_str_eq(back.id, "one");
    ck_assert_uint_eq(back.bundle_len, s.bundle_len);
    ck_assert_str_eq(back.bundle, B_ONE);
    ck_assert_str_eq(back.tpl, T_ONE);
    ck_assert_str_eq(back.manifest, M_ONE);
    ck_assert(ssr_sig_equal(&back.sig, &s.sig));

    /* an unstamped build without a manifest keeps the id it is given */
    ck_assert_int_eq(snap("exports.render = 1;", "<!--app-html-->", NULL, &s),
                     SSR_SNAP_OK);
    ck_assert_int_eq(ssr_store_put(pool, path, &s, "b0123"), APR_SUCCESS);
    ck_assert_int_eq(ssr_store_get(pool, path, &back), APR_SUCCESS);
    ck_assert_str_eq(back.id, "b0123");
    ck_assert_ptr_null(back.manifest);
    ck_assert_str_eq(back.tpl, "<!--app-html-->");

    /* a truncated file is not a build */
    ck_assert_int_eq(apr_file_remove(snap_file("m.json", NULL), pool), APR_ENOENT);
    {
        apr_file_t *f;
        ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_TRUNCATE,
                                       APR_FPROT_OS_DEFAULT, pool), APR_SUCCESS);
        apr_file_puts("mod_ssr-store 1 x 100 5 -\n1 2 3 4 1 2 3 4 0 0 0 0\nshort", f);
        apr_file_close(f);
    }
    ck_assert_int_ne(ssr_store_get(pool, path, &back), APR_SUCCESS);
    apr_file_remove(path, pool);
}
END_TEST

Suite *reload_suite(void)
{
    Suite *s = suite_create("reload");
    TCase *tc = tcase_create("reload");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, due_first_check);
    tcase_add_test(tc, due_interval_zero);
    tcase_add_test(tc, due_boundaries);
    tcase_add_test(tc, due_clock_backwards);
    tcase_add_test(tc, sig_equal_same);
    tcase_add_test(tc, sig_equal_each_field);
    tcase_add_test(tc, sig_equal_absent_files);
    tcase_add_test(tc, decide_incomplete_waits);
    tcase_add_test(tc, decide_manifest_optional);
    tcase_add_test(tc, decide_keep);
    tcase_add_test(tc, decide_skip_failed);
    tcase_add_test(tc, decide_settling);
    tcase_add_test(tc, decide_settling_newest_file);
    tcase_add_test(tc, decide_settling_ignores_absent);
    tcase_add_test(tc, decide_first_build_immediate);
    tcase_add_test(tc, decide_future_mtime);
    tcase_add_test(tc, build_id_format_and_stability);
    tcase_add_test(tc, build_id_changes_with_each_field);
    tcase_add_test(tc, build_id_file_order_matters);
    tcase_add_test(tc, build_id_absent_files);
    tcase_add_test(tc, build_id_reference_value);
    tcase_add_test(tc, stamp_of_bundle);
    tcase_add_test(tc, stamp_too_long);
    tcase_add_test(tc, stamp_of_template);
    tcase_add_test(tc, stamp_of_manifest);
    suite_add_tcase(s, tc);

    tc = tcase_create("snapshot");
    tcase_add_checked_fixture(tc, snap_setup, snap_teardown);
    tcase_add_test(tc, snapshot_of_a_stamped_build);
    tcase_add_test(tc, snapshot_of_an_unstamped_build);
    tcase_add_test(tc, snapshot_of_mixed_builds);
    tcase_add_test(tc, snapshot_of_missing_files);
    tcase_add_test(tc, store_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
