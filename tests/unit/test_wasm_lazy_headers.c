/* Lazy function headers (docs/wasm-engine.md, "Loading"): a load that a
 * trust callback may vouch for (the AOT cache's) decodes no function's
 * local declarations until that function is first translated. A function
 * first called after such a load runs with its locals typed and zeroed as
 * after an eager load (params and locals, many groups, a large group, every
 * value type), from a trust that vouches without a file (everything then
 * compiles from lazily decoded headers) and from a real cache file (helpers
 * translate what they need); a function never called keeps its header
 * undecoded; and a load that is not vouched for reports malformed local
 * declarations exactly as an eager load does, before any error that comes
 * after them in the module or from validation. */
#include "unit.h"
#include "wasm_bytes.h"
#include "wasm/aot_cache.h"
#include "wasm/module.h"
#include "wasm/wasm.h"
#include "wat/wat.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool vouch(wf_module *m, void *arg)
{
    (void)m;
    ++*(int *)arg;
    return true;
}

static bool refuse(wf_module *m, void *arg)
{
    (void)m;
    ++*(int *)arg;
    return false;
}

static uint32_t headed(const wf_module *m)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++)
        n += m->codes[i].headed;
    return n;
}

/* ---- typed locals after a lazy load ---- */

/* $mix: params and locals of every numeric type, zeroed and typed;
 * $groups: 120 locals in 120 groups (the types alternate); $big: a group of
 * 1000 i64 locals between two f64 ones; $fill: a helper (memory.fill) with
 * locals, which makes a function from the cache's file translate itself;
 * $never: never called. */
static char *module_wat(void)
{
    static const char head[] =
        "(module\n"
        "  (memory 1)\n"
        "  (func $never (param i32) (result i32) (local f64 i64) (local.get 0))\n"
        "  (func (export \"mix\") (param $a i32) (param $b f64) (param $p i64) (param $q f32)\n"
        "      (result f64)\n"
        "    (local $c i64) (local $d f32) (local $e i32) (local $f f64) (local $g i64)\n"
        "    (local $h f32) (local $i f64)\n"
        "    (local.set $c (i64.add (local.get $c) (i64.const 0x100000000)))\n"
        "    (local.set $d (f32.add (local.get $d) (f32.const 1.5)))\n"
        "    (local.set $e (i32.add (local.get $e) (local.get $a)))\n"
        "    (local.set $f (f64.add (local.get $f) (local.get $b)))\n"
        "    (local.set $g (i64.add (i64.mul (local.get $c) (i64.extend_i32_s (local.get $e)))\n"
        "                           (local.get $p)))\n"
        "    (local.set $h (f32.add (f32.mul (local.get $d) (f32.const 2)) (local.get $q)))\n"
        "    (local.set $i (f64.add (f64.convert_i64_s (local.get $g))\n"
        "                           (f64.promote_f32 (local.get $h))))\n"
        "    (f64.add (local.get $i) (local.get $f)))\n"
        "  (func (export \"big\") (param $x i64) (result i64)\n"
        "    (local $lo f64)\n";
    static const char fill[] =
        "  (func (export \"fill\") (param $at i32) (result i64)\n"
        "    (local $s i64) (local $t f64) (local $k i32)\n"
        "    (memory.fill (local.get $at) (i32.const 7) (i32.const 16))\n"
        "    (local.set $t (f64.add (local.get $t) (f64.const 0.5)))\n"
        "    (local.set $s (i64.add (local.get $s) (i64.load (local.get $at))))\n"
        "    (i64.add (local.get $s) (i64.trunc_f64_s (f64.mul (local.get $t) (f64.const 4)))))\n"
        ")\n";
    size_t cap = 256 << 10, n = 0;
    char *w = malloc(cap);
    n += (size_t)snprintf(w + n, cap - n, "%s", head);
    for (int k = 0; k < 1000; k++)
        n += (size_t)snprintf(w + n, cap - n, "    (local i64)\n");
    n += (size_t)snprintf(w + n, cap - n,
                          "    (local $hi f64)\n"
                          "    (local.set $hi (f64.add (local.get $hi) (f64.const 0.25)))\n"
                          "    (local.set 1001 (i64.add (local.get 1001) (local.get $x)))\n"
                          "    (i64.add (i64.add (local.get 1001) (local.get 2))\n"
                          "      (i64.add (i64.trunc_f64_s (f64.mul (local.get $hi)\n"
                          "                                         (f64.const 8)))\n"
                          "               (i64.trunc_f64_s (local.get $lo)))))\n");
    /* $groups: i32 i64 f32 f64, 30 times, each set to its index + 1 and
     * summed as f64, plus the parameter */
    static const char *const types[4] = {"i32", "i64", "f32", "f64"};
    static const char *const to_f64[4] = {"f64.convert_i32_s", "f64.convert_i64_s",
                                          "f64.promote_f32", "f64.abs"};
    n += (size_t)snprintf(w + n, cap - n,
                          "  (func (export \"groups\") (param $x f64) (result f64)\n"
                          "    (local $acc f64)\n");
    for (int k = 0; k < 120; k++)
        n += (size_t)snprintf(w + n, cap - n, "    (local %s)\n", types[k % 4]);
    n += (size_t)snprintf(w + n, cap - n, "    (local.set $acc (local.get $x))\n");
    for (int k = 0; k < 120; k++) {
        int idx = 2 + k;
        n += (size_t)snprintf(
            w + n, cap - n,
            "    (local.set %d (%s.add (local.get %d) (%s.const %d)))\n"
            "    (local.set $acc (f64.add (local.get $acc) (%s (local.get %d))))\n",
            idx, types[k % 4], idx, types[k % 4], k + 1, to_f64[k % 4], idx);
    }
    n += (size_t)snprintf(w + n, cap - n, "    (local.get $acc))\n%s", fill);
    return w;
}

/* wf_value holds floats as their IEEE-754 bits */
static uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double f64_of(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

struct results {
    double mix, groups;
    int64_t big, fill;
    char err[256];
};

static void call(wf_instance *inst, const char *name, const wf_value *args, size_t n, wf_value *res,
                 char *why, size_t whylen)
{
    weft_error *err = NULL;
    size_t nres = 0;
    if (wf_invoke(inst, name, args, n, res, &nres, &err) < 0 && why[0] == 0)
        snprintf(why, whylen, "%s: %s", name, err->msg);
    werr_free(err);
}

static struct results run(wf_module *m)
{
    struct results r = {0};
    weft_error *err = NULL;
    wf_store *s = wf_store_new(NULL);
    wf_instance *inst = NULL;
    if (wf_instantiate(s, m, NULL, &inst, &err) < 0) {
        snprintf(r.err, sizeof r.err, "instantiate: %s", err->msg);
        werr_free(err);
        wf_store_free(s);
        return r;
    }
    wf_value res[1] = {{0}};
    wf_value mix[4] = {{.type = WF_I32, .of.i32 = 3},
                       {.type = WF_F64, .of.f64 = f64_bits(0.25)},
                       {.type = WF_I64, .of.i64 = 5},
                       {.type = WF_F32, .of.f32 = f32_bits(0.5f)}};
    call(inst, "mix", mix, 4, res, r.err, sizeof r.err);
    r.mix = f64_of(res[0].of.f64);
    wf_value big = {.type = WF_I64, .of.i64 = -7};
    call(inst, "big", &big, 1, res, r.err, sizeof r.err);
    r.big = res[0].of.i64;
    wf_value groups = {.type = WF_F64, .of.f64 = f64_bits(0.5)};
    call(inst, "groups", &groups, 1, res, r.err, sizeof r.err);
    r.groups = f64_of(res[0].of.f64);
    wf_value fill = {.type = WF_I32, .of.i32 = 64};
    call(inst, "fill", &fill, 1, res, r.err, sizeof r.err);
    r.fill = res[0].of.i64;
    wf_store_free(s);
    return r;
}

/* what the functions compute, worked out here */
static void check_results(const struct results *r)
{
    CHECK_STR(r->err, "");
    /* c = 2^32, e = 3, g = 3 * 2^32 + 5, h = 1.5 * 2 + 0.5, f = 0.25 */
    CHECK(r->mix == (double)((3LL << 32) + 5) + 3.5 + 0.25);
    /* x + the zeroed local 2, + 0.25 * 8 + the zeroed f64 */
    CHECK_INT(r->big, -7 + 0 + 2 + 0);
    /* 0.5 + 1 + 2 + ... + 120 */
    CHECK(r->groups == 0.5 + 120.0 * 121.0 / 2.0);
    /* eight bytes of 7, + 0.5 * 4 */
    CHECK_INT(r->fill, (int64_t)0x0707070707070707LL + 2);
}

TEST(functions_first_called_after_a_lazy_load_run_with_their_locals_typed)
{
#if defined(__x86_64__)
    setenv("WEFT_WASM_TIER", "jit", 1);
    char *wat = module_wat();
    size_t blen = 0;
    uint8_t *bin = wb_from_wat(wat, "lazy.wat", &blen);
    CHECK(bin != NULL);
    weft_error *err = NULL;
    wf_module *eager = NULL, *lazy = NULL;
    CHECK_INT(wf_module_load(bin, blen, "lazy.wasm", &eager, &err), 0);
    int asked = 0;
    CHECK_INT(wf_module_load_trusting(bin, blen, "lazy.wasm", 0, vouch, &asked, NULL, &lazy, &err),
              0);
    CHECK_INT(asked, 1);
    uint32_t n = lazy->n_funcs - lazy->n_func_imports;
    CHECK_INT(headed(eager), n);
    CHECK(lazy->heads != NULL);
    CHECK_INT(headed(lazy), 0);
    struct results a = run(eager), b = run(lazy);
    check_results(&a);
    check_results(&b);
    /* every function but $never decoded on its first call */
    CHECK_INT(headed(lazy), n - 1);
    CHECK(!lazy->codes[0].headed);
    wf_module_free(eager);
    wf_module_free(lazy);
    free(bin);
    free(wat);
#endif
}

TEST(a_module_loaded_with_a_warm_cache_runs_right)
{
#if defined(__x86_64__)
    setenv("WEFT_WASM_TIER", "jit", 1);
    char *wat = module_wat();
    size_t blen = 0;
    uint8_t *bin = wb_from_wat(wat, "lazy.wat", &blen);
    char dir[] = "/tmp/weft-lazy-test-XXXXXX";
    CHECK(bin != NULL && mkdtemp(dir) != NULL);
    char *path = wb_cache_file(bin, blen, dir, 0);
    CHECK(path != NULL);
    weft_error *err = NULL;
    int fd = wf_aot_open(path, &err);
    CHECK(fd >= 0);
    uint8_t *own = malloc(blen); /* the module's on success */
    memcpy(own, bin, blen);
    wf_module *m = NULL;
    CHECK_INT(wf_aot_load_module(own, blen, "lazy.wasm", 0, fd, path, false, &m, &err), 0);
    close(fd);
    CHECK(m->heads != NULL);
    CHECK_INT(headed(m), 0);
    struct results r = run(m);
    check_results(&r);
    /* $fill's code came from the file, and memory.fill's helper needed
     * its internal code: translated, so its header decoded; the others ran
     * from the file without one */
    CHECK(headed(m) >= 1);
    CHECK(!m->codes[0].headed);
    wf_module_free(m);
    unlink(path);
    rmdir(dir);
    free(path);
    free(bin);
    free(wat);
#endif
}

/* ---- malformed local declarations: the same errors as eagerly ---- */

struct body {
    const char *bytes; /* the body after its size */
    size_t n;
};
#define BODY(s)                                                                                    \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }

static const struct body ok_body = BODY("\x00\x0b");
static const struct body drop_nothing = BODY("\x00\x1a\x0b"); /* invalid */

enum extra {
    NONE,
    BAD_GLOBAL,    /* a global initialised by local.get (validation, found at decoding) */
    BAD_EXPORT,    /* an export of function 99 (module-level validation) */
    BAD_DATA,      /* a data segment of kind 7 (malformed, after the code) */
    DATACOUNT,     /* a data count of 2 and no data section */
    TRAILING,      /* a custom section cut short after the code */
    INVALID_BODY,  /* function 0 drops from an empty stack */
    SHORT_SECTION, /* the last body's size runs past the code section */
};

/* a module of n functions () -> () with the given bodies (NULL: ok_body) */
static size_t module_of(struct wbuf *out, const struct body *const *bodies, uint32_t n,
                        enum extra extra)
{
    struct wbuf s = {0};
    out->n = 0;
    wb_put(out, "\0asm\1\0\0\0", 8);
    wb_put(&s, "\x01\x60\x00\x00", 4);
    wb_section(out, 1, &s);
    s.n = 0;
    wb_leb(&s, n);
    for (uint32_t i = 0; i < n; i++)
        wb_put(&s, "\0", 1);
    wb_section(out, 3, &s);
    if (extra == BAD_GLOBAL) {
        s.n = 0;
        wb_put(&s, "\x01\x7f\x00\x20\x00\x0b", 6);
        wb_section(out, 6, &s);
    }
    if (extra == BAD_EXPORT) {
        s.n = 0;
        wb_put(&s,
               "\x01\x01"
               "f"
               "\x00\x63",
               5);
        wb_section(out, 7, &s);
    }
    if (extra == DATACOUNT) {
        s.n = 0;
        wb_put(&s, "\x02", 1);
        wb_section(out, 12, &s);
    }
    s.n = 0;
    wb_leb(&s, n);
    for (uint32_t i = 0; i < n; i++) {
        const struct body *b = bodies[i] ? bodies[i] : &ok_body;
        if (extra == INVALID_BODY && i == 0)
            b = &drop_nothing;
        wb_leb(&s, (uint32_t)b->n + (extra == SHORT_SECTION && i == n - 1 ? 5 : 0));
        wb_put(&s, b->bytes, b->n);
    }
    wb_section(out, 10, &s);
    if (extra == BAD_DATA) {
        s.n = 0;
        wb_put(&s, "\x01\x07", 2);
        wb_section(out, 11, &s);
    }
    if (extra == TRAILING)
        wb_put(out, "\x00\x09\x04name", 7);
    free(s.p);
    return out->n;
}

/* the eager load's result and error (kind and message) */
static int eager_load(const struct wbuf *b, char *msg, size_t len, int *kind)
{
    weft_error *err = NULL;
    wf_module *m = NULL;
    int rc = wf_module_load(b->p, b->n, "bad.wasm", &m, &err);
    snprintf(msg, len, "%s", rc < 0 ? err->msg : "");
    *kind = rc < 0 ? err->kind : 0;
    werr_free(err);
    wf_module_free(m);
    return rc;
}

/* the same loaded lazily and refused by its trust callback: what it
 * reports must be what eager_load reports */
static void check_same_as_eager(const struct wbuf *b)
{
    char want[512];
    int want_kind, asked = 0;
    int want_rc = eager_load(b, want, sizeof want, &want_kind);
    weft_error *err = NULL;
    wf_module *m = NULL;
    int rc = wf_module_load_trusting(b->p, b->n, "bad.wasm", 0, refuse, &asked, NULL, &m, &err);
    CHECK_INT(rc, want_rc);
    CHECK_STR(rc < 0 ? err->msg : "", want);
    CHECK_INT(rc < 0 ? err->kind : 0, want_kind);
    if (rc == 0) {
        CHECK(m->heads != NULL); /* it was lazy, and then checked all */
        CHECK_INT(headed(m), m->n_funcs - m->n_func_imports);
    }
    werr_free(err);
    wf_module_free(m);
}

static const struct body too_many = BODY("\x01\xd1\x86\x03\x7f\x0b"); /* 50,001 i32 */
static const struct body bad_type = BODY("\x01\x01\x40\x0b");
static const struct body long_leb = BODY("\x80\x80\x80\x80\x80\x00\x0b");
static const struct body cut = BODY("\x05");
static const struct body two_groups = BODY("\x02\x03\x7e\x02\x7c\x0b");

TEST(a_refused_load_reports_malformed_locals_as_an_eager_one)
{
#if defined(__x86_64__)
    setenv("WEFT_WASM_TIER", "jit", 1);
    static const struct body *const bad[] = {&too_many, &bad_type, &long_leb, &cut};
    static const enum extra extras[] = {NONE,      BAD_GLOBAL, BAD_EXPORT,   BAD_DATA,
                                        DATACOUNT, TRAILING,   INVALID_BODY, SHORT_SECTION};
    struct wbuf b = {0};
    const struct body *bodies[8] = {NULL};
    for (size_t e = 0; e < sizeof extras / sizeof extras[0]; e++) {
        /* the module with good headers only: its other error, if any */
        memset(bodies, 0, sizeof bodies);
        bodies[2] = &two_groups;
        module_of(&b, bodies, 8, extras[e]);
        check_same_as_eager(&b);
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            static const uint32_t where[] = {0, 3, 7}; /* first, middle, last function */
            for (size_t w = 0; w < 3; w++) {
                uint32_t at = where[w];
                memset(bodies, 0, sizeof bodies);
                bodies[at == 0 ? 1 : 0] = &two_groups;
                bodies[at] = bad[k];
                module_of(&b, bodies, 8, extras[e]);
                check_same_as_eager(&b);
                char msg[512];
                int kind;
                CHECK_INT(eager_load(&b, msg, sizeof msg, &kind), -1);
            }
        }
    }
    free(b.p);
#endif
}

TEST(a_vouched_load_of_forged_locals_fails_their_translation_cleanly)
{
#if defined(__x86_64__)
    setenv("WEFT_WASM_TIER", "jit", 1);
    /* a trust that vouches for bytes no weft validated (a forged cache
     * file): loading succeeds, the bad header is found when its function
     * is first translated (on its first call), which fails naming it */
    struct wbuf b = {0};
    const struct body *bodies[3] = {NULL, &bad_type, NULL};
    module_of(&b, bodies, 3, NONE);
    int asked = 0;
    weft_error *err = NULL;
    wf_module *m = NULL;
    CHECK_INT(wf_module_load_trusting(b.p, b.n, "forged.wasm", 0, vouch, &asked, NULL, &m, &err),
              0);
    CHECK_INT(headed(m), 0);
    CHECK_INT(wf_translate_func(m, 0, &err), 0);
    CHECK_INT(wf_translate_func(m, 1, &err), -1);
    CHECK_INT(err->kind, WF_ERR_MALFORMED);
    CHECK(strstr(err->msg, "forged.wasm: function 1 at offset") != NULL);
    CHECK(strstr(err->msg, "malformed value type") != NULL);
    werr_free(err);
    wf_module_free(m);
    free(b.p);
#endif
}

UNIT_MAIN()
