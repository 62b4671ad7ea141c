/* The AOT cache's file format (src/wasm/jit/jit_aot.c): a module's
 * position-independent code written to a file and loaded back (placed
 * after this process's table of helpers and entry slots, mapped from the
 * file or copied) gives the same results and traps as code compiled on
 * first call; a file with any byte changed, cut short, from another weft
 * build, CPU or module is rejected before its code runs, and the module
 * then compiles as usual. */
#include "unit.h"
#include "wasm_bytes.h"
#include "util/sha256.h"
#include "wasm/aot_cache.h"
#include "wasm/jit/jit.h"
#include "wasm/module.h"
#include "wasm/wasm.h"
#include "wat/module_file.h"
#include "wat/wat.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* the file's header fields, at their offsets */
enum {
    AT_FORMAT = 8,
    AT_VERSION = 16,
    AT_ABI = 48,
    AT_CPU = 80,
    AT_HASH = 88,
    AT_NFUNCS = 120,
    AT_SPAN = 124,
    AT_CODE_AT = 128,
    AT_FLAGS = 152,
    HEADER = 160,
    FUNC_ENTRY = 16
};

/* calls (direct, recursive, indirect through a table), helpers (memory.grow,
 * memory.fill, table.get/set, i32.rem_s), memory, globals and traps */
static const char mod_wat[] =
    "(module\n"
    "  (type $ii (func (param i32) (result i32)))\n"
    "  (memory 1 4)\n"
    "  (table $t 4 funcref)\n"
    "  (global $g (mut i32) (i32.const 7))\n"
    "  (elem (i32.const 0) $double $fib $sq)\n"
    "  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))\n"
    "  (func $sq (type $ii) (i32.mul (local.get 0) (local.get 0)))\n"
    "  (func $fib (export \"fib\") (type $ii)\n"
    "    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))\n"
    "      (then (local.get 0))\n"
    "      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))\n"
    "                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))\n"
    "  (func (export \"indirect\") (param i32 i32) (result i32)\n"
    "    (call_indirect (type $ii) (local.get 1) (local.get 0)))\n"
    "  (func (export \"mem\") (param i32) (result i32) (local i32)\n"
    "    (drop (memory.grow (i32.const 1)))\n"
    "    (memory.fill (i32.const 100) (i32.const 3) (i32.const 50))\n"
    "    (i32.store (local.get 0) (i32.add (global.get $g) (i32.load8_u (i32.const 120))))\n"
    "    (global.set $g (i32.add (global.get $g) (i32.const 1)))\n"
    "    (table.set $t (i32.const 3) (table.get $t (i32.const 2)))\n"
    "    (i32.add (i32.load (local.get 0)) (i32.add (memory.size)\n"
    "      (i32.rem_s (local.get 0) (i32.const 7)))))\n"
    "  (func (export \"div\") (param i32 i32) (result i32)\n"
    "    (i32.div_s (local.get 0) (local.get 1)))\n"
    "  (func (export \"unreachable\") unreachable)\n"
    ")\n";

#define LEN (sizeof mod_wat - 1)
static const uint8_t *mod_bytes = (const uint8_t *)mod_wat;

static wf_module *load(void)
{
    weft_error *err = NULL;
    wf_module *m = NULL;
    setenv("WEFT_WASM_TIER", "jit", 1); /* the cache is the compiled tier's */
    if (wat_module_from_bytes(mod_bytes, LEN, "aot.wat", 0, &m, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        werr_free(err);
        return NULL;
    }
    return m;
}

static void hash_of(const uint8_t *p, size_t n, uint8_t out[32])
{
    sha256(p, n, out);
}

/* the cache file of mod_wat */
static uint8_t *build(size_t *len)
{
    wf_module *m = load();
    uint8_t h[32], *f = NULL;
    hash_of(mod_bytes, LEN, h);
    weft_error *err = NULL;
    if (m == NULL || wf_jit_aot_build(m, h, &f, len, &err) < 0)
        f = NULL;
    werr_free(err);
    wf_module_free(m);
    return f;
}

/* Every export called on m, its results and trap messages as text. */
static char *run_all(wf_module *m)
{
    static const struct {
        const char *name;
        int32_t a, b;
        size_t n;
    } calls[] = {
        {"fib", 20, 0, 1},     {"indirect", 0, 21, 2},    {"indirect", 1, 10, 2},
        {"indirect", 2, 9, 2}, {"indirect", 3, 1, 2},     {"indirect", 4, 1, 2},
        {"mem", 64, 0, 1},     {"mem", 65532, 0, 1},      {"mem", 300000, 0, 1},
        {"mem", 64, 0, 1},     {"indirect", 3, 5, 2},     {"div", 7, 2, 2},
        {"div", 7, 0, 2},      {"div", INT32_MIN, -1, 2}, {"unreachable", 0, 0, 0},
    };
    weft_error *err = NULL;
    wf_store *s = wf_store_new(NULL);
    wf_instance *inst = NULL;
    size_t cap = 4096, used = 0;
    char *out = calloc(1, cap);
    if (wf_instantiate(s, m, NULL, &inst, &err) < 0) {
        snprintf(out, cap, "instantiate: %s", err->msg);
    } else {
        for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
            wf_value args[2] = {{.type = WF_I32, .of.i32 = calls[i].a},
                                {.type = WF_I32, .of.i32 = calls[i].b}},
                     res[1];
            size_t n = 0;
            int rc = wf_invoke(inst, calls[i].name, args, calls[i].n, res, &n, &err);
            used += (size_t)snprintf(out + used, cap - used, "%s: %s\n", calls[i].name,
                                     rc < 0 ? err->msg : "");
            if (rc == 0 && n == 1)
                used += (size_t)snprintf(out + used, cap - used, "= %d\n", res[0].of.i32);
            werr_free(err);
            err = NULL;
        }
    }
    werr_free(err);
    wf_store_free(s);
    return out;
}

/* how many of m's functions took their code from its cache file (-1: it
 * has none) */
static int64_t from_aot(const wf_module *m)
{
    bool has = false;
    uint32_t n = wf_jit_from_aot(m->jit, &has);
    return has ? (int64_t)n : -1;
}

static int try_load(wf_module *m, const uint8_t *f, size_t len, char *why, size_t whylen)
{
    uint8_t h[32];
    hash_of(mod_bytes, LEN, h);
    weft_error *err = NULL;
    int rc = wf_jit_aot_load(m, h, f, len, -1, NULL, NULL, &err);
    if (why)
        snprintf(why, whylen, "%s", rc < 0 ? err->msg : "");
    werr_free(err);
    return rc;
}

TEST(round_trip_same_results)
{
#if defined(__x86_64__)
    size_t len = 0;
    uint8_t *f = build(&len);
    CHECK(f != NULL);
    wf_module *fresh = load(), *cached = load();
    CHECK(fresh && cached && fresh->jit && cached->jit);
    char why[256];
    CHECK_INT(try_load(cached, f, len, why, sizeof why), 0);
    char *a = run_all(fresh), *b = run_all(cached);
    CHECK_STR(b, a);
    /* every function ran, every one from the file, none compiled */
    CHECK_INT(from_aot(cached), cached->n_funcs);
    CHECK_INT(from_aot(fresh), -1);
    /* and the results are the right ones, not only equal */
    CHECK(strstr(a, "fib: \n= 6765\n") != NULL);
    CHECK(strstr(a, "div: trap: integer divide by zero") != NULL);
    CHECK(strstr(a, "trap: out of bounds memory access") != NULL);
    CHECK(strstr(a, "unreachable: trap: unreachable") != NULL);
    free(a), free(b);
    wf_module_free(fresh);
    wf_module_free(cached);
    free(f);
#endif
}

/* whether /proc/self/maps has an executable mapping of path */
static bool mapped_exec(const char *path)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    bool found = false;
    while (maps && fgets(line, sizeof line, maps))
        if (strstr(line, path) && strstr(line, " r-xp "))
            found = true;
    if (maps)
        fclose(maps);
    return found;
}

/* From a file descriptor the code is the file's own pages, mapped
 * read+execute where it lies (the layout puts it on a page boundary, linked
 * for the table before it), not a copy; and it runs the same. */
TEST(code_is_mapped_from_the_file)
{
#if defined(__x86_64__)
    size_t len = 0;
    uint8_t *f = build(&len);
    CHECK(f != NULL);
    char path[] = "/tmp/weft-aot-map-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, f, len) == (ssize_t)len);
    wf_module *fresh = load(), *m = load();
    uint8_t h[32];
    hash_of(mod_bytes, LEN, h);
    weft_error *err = NULL;
    CHECK_INT(wf_jit_aot_load(m, h, f, len, fd, NULL, NULL, &err), 0);
    close(fd);
    unlink(path);
    CHECK(mapped_exec(path));
    char *a = run_all(fresh), *b = run_all(m);
    CHECK_STR(b, a);
    CHECK_INT(from_aot(m), m->n_funcs);
    free(a), free(b);
    wf_module_free(fresh);
    wf_module_free(m);
    CHECK(!mapped_exec(path)); /* unmapped with the module */
    free(f);
#endif
}

/* the file rejected, the module untouched and still running right */
static void check_rejected(const uint8_t *f, size_t len, const char *want)
{
    wf_module *m = load(), *fresh = load();
    char why[256];
    CHECK_INT(try_load(m, f, len, why, sizeof why), -1);
    if (want && strstr(why, want) == NULL) {
        fprintf(stderr, "rejected for '%s', expected '%s'\n", why, want);
        CHECK(false);
    }
    CHECK(*wf_jit_entry(m->jit, true, 0) == *wf_jit_entry(fresh->jit, true, 0) &&
          *wf_jit_entry(m->jit, false, 0) == *wf_jit_entry(fresh->jit, false, 0));
    CHECK_INT(from_aot(m), -1);
    wf_module_free(fresh);
    wf_module_free(m);
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t code_at_of(const uint8_t *f)
{
    return le32(f + AT_CODE_AT);
}

/* whether byte k of file f is padding between two functions' code (16-byte
 * alignment): no function's checksum covers it, and nothing jumps there */
static bool in_padding(const uint8_t *f, size_t len, size_t k)
{
    uint32_t nfuncs = le32(f + AT_NFUNCS);
    size_t code_at = code_at_of(f);
    if (k < code_at || k >= len - 8)
        return false;
    for (uint32_t i = 0; i < nfuncs; i++) {
        const uint8_t *e = f + HEADER + (size_t)i * FUNC_ENTRY;
        if (k - code_at >= le32(e) && k - code_at < (size_t)le32(e) + le32(e + 4))
            return false;
    }
    return true;
}

/* A changed byte before the code (header, function table, the padding to
 * the code's page) or in the trailing checksum rejects the file at load;
 * in a function's code, that function when its code is first taken (it is
 * compiled instead: the results stay right), also after
 * wf_jit_compile_all, which leaves the file's functions to their first
 * call. */
TEST(any_changed_byte_is_rejected_before_its_code_runs)
{
#if defined(__x86_64__)
    size_t len = 0;
    uint8_t *f = build(&len);
    CHECK(f != NULL);
    wf_module *fresh = load();
    char *want = run_all(fresh);
    size_t code_at = code_at_of(f);
    for (size_t k = 0; k < len; k++) {
        f[k] ^= 0x10;
        wf_module *m = load(), *all = load();
        int rc = try_load(m, f, len, NULL, 0);
        if (rc == 0 && (k < code_at || k >= len - 8)) {
            fprintf(stderr, "byte %zu before the code or of the checksum changed, accepted\n", k);
            CHECK(false);
        } else if (rc == 0 && !in_padding(f, len, k)) {
            char *got = run_all(m);
            CHECK_STR(got, want);
            CHECK(from_aot(m) < (int64_t)m->n_funcs); /* one was compiled instead */
            free(got);
            weft_error *err = NULL;
            CHECK_INT(try_load(all, f, len, NULL, 0), 0);
            CHECK_INT(wf_jit_compile_all(all, &err), 0);
            got = run_all(all);
            CHECK_STR(got, want);
            CHECK(from_aot(all) < (int64_t)all->n_funcs);
            free(got);
        }
        wf_module_free(m);
        wf_module_free(all);
        f[k] ^= 0x10;
    }
    free(want);
    wf_module_free(fresh);
    f[HEADER + 1] ^= 1; /* in the function table */
    check_rejected(f, len, "checksum");
    free(f);
#endif
}

TEST(truncated_is_rejected)
{
#if defined(__x86_64__)
    size_t len = 0;
    uint8_t *f = build(&len);
    CHECK(f != NULL);
    wf_module *m = load();
    for (size_t n = 0; n < len; n++)
        CHECK_INT(try_load(m, f, n, NULL, 0), -1);
    wf_module_free(m);
    check_rejected(f, len - 1, NULL);
    free(f);
#endif
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* change bytes [at, at+n) and make the checksums right again (every
 * function's, then the file's): the header's and the table's own checks
 * must catch it */
static void forge(uint8_t *f, size_t len, size_t at, const void *bytes, size_t n)
{
    memcpy(f + at, bytes, n);
    uint32_t nfuncs = le32(f + AT_NFUNCS);
    size_t code_at = (HEADER + (size_t)nfuncs * FUNC_ENTRY + 4095) / 4096 * 4096;
    for (uint32_t i = 0; i < nfuncs && code_at <= len; i++) {
        uint8_t *e = f + HEADER + (size_t)i * FUNC_ENTRY;
        uint64_t off = le32(e), flen = le32(e + 4);
        if (code_at + off + flen <= len)
            put_le64(e + 8, wf_jit_aot_checksum(f + code_at + off, flen));
    }
    if (code_at <= len - 8)
        put_le64(f + len - 8, wf_jit_aot_checksum(f, code_at));
}

TEST(foreign_files_are_rejected)
{
#if defined(__x86_64__)
    size_t len = 0;
    uint8_t *orig = build(&len), *f = malloc(len);
    CHECK(orig != NULL);
    static const struct {
        size_t at;
        const char *bytes;
        size_t n;
        const char *why;
    } cases[] = {
        {AT_FORMAT, "\x09", 1, "format version 9"},
        {AT_VERSION, "9.9.9", 6, "written by weft 9.9.9"},
        {AT_ABI, "x", 1, "another build"},
        {AT_CPU + 7, "\x80", 1, "CPU features"},
        {AT_HASH, "y", 1, "another module"},
        {AT_NFUNCS, "\x01\x00", 2, "functions"},
        {AT_FLAGS + 1, "\x01", 1, "unknown flags"},
        /* code for the other variant (jit_module.c): this process gets
         * guarded memories (no limit on its address space) */
        {AT_FLAGS, "\x00", 1, "compiled for unguarded memories"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(f, orig, len);
        forge(f, len, cases[i].at, cases[i].bytes, cases[i].n);
        check_rejected(f, len, cases[i].why);
    }
    /* the layout's sizes: the table's span, the code's start */
    static const struct {
        size_t at;
        const char *bytes;
    } sizes[] = {{AT_SPAN + 1, "\x20"}, {AT_CODE_AT + 1, "\x20"}};
    for (size_t i = 0; i < 2; i++) {
        memcpy(f, orig, len);
        forge(f, len, sizes[i].at, sizes[i].bytes, 1);
        check_rejected(f, len, "sizes do not add up");
    }
    /* a function whose code runs past the code section */
    memcpy(f, orig, len);
    forge(f, len, HEADER + 7, "\x7f", 1);
    check_rejected(f, len, "bad extent");
    /* the same file for another module */
    wf_module *m = load();
    uint8_t other[32];
    hash_of((const uint8_t *)"(module)", 8, other);
    weft_error *err = NULL;
    CHECK_INT(wf_jit_aot_load(m, other, orig, len, -1, NULL, NULL, &err), -1);
    CHECK(strstr(err->msg, "another module") != NULL);
    werr_free(err);
    wf_module_free(m);
    free(f);
    free(orig);
#endif
}

/* a rejected file changes nothing: the module compiles on first call and
 * gives the same results */
TEST(rejected_then_compiled)
{
#if defined(__x86_64__)
    size_t len = 0;
    uint8_t *f = build(&len);
    CHECK(f != NULL);
    f[len - 1] ^= 0xff;
    wf_module *fresh = load(), *m = load();
    CHECK_INT(try_load(m, f, len, NULL, 0), -1);
    char *a = run_all(fresh), *b = run_all(m);
    CHECK_STR(b, a);
    CHECK_INT(from_aot(m), -1);
    free(a), free(b);
    wf_module_free(fresh);
    wf_module_free(m);
    free(f);
#endif
}

/* ---- a warm cache spares validating the bodies (wf_aot_load_module) ---- */

static uint32_t validated(const wf_module *m)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++)
        n += m->codes[i].checked;
    return n;
}

/* load bin with the file at path (opened as a container gets it) */
static int load_cached(const uint8_t *bin, size_t blen, const char *path, wf_module **m,
                       weft_error **err)
{
    int fd = wf_aot_open(path, err);
    if (fd < 0)
        return -1;
    uint8_t *own = malloc(blen); /* the module's on success */
    memcpy(own, bin, blen);
    int rc = wf_aot_load_module(own, blen, "aot.wasm", 0, fd, path, false, m, err);
    close(fd);
    if (rc < 0)
        free(own);
    return rc;
}

TEST(warm_cache_spares_validation_and_runs_the_same)
{
#if defined(__x86_64__)
    setenv("WEFT_WASM_TIER", "jit", 1);
    size_t blen = 0;
    uint8_t *bin = wb_from_wat(mod_wat, "aot.wat", &blen);
    char dir[] = "/tmp/weft-aot-test-XXXXXX";
    CHECK(bin != NULL && mkdtemp(dir) != NULL);
    char *path = wb_cache_file(bin, blen, dir, 0);
    CHECK(path != NULL);
    weft_error *err = NULL;
    wf_module *fresh = NULL, *m = NULL;
    CHECK_INT(wf_module_load(bin, blen, "aot.wasm", &fresh, &err), 0);
    CHECK_INT(load_cached(bin, blen, path, &m, &err), 0);
    uint32_t n = m->n_funcs - m->n_func_imports;
    CHECK_INT(validated(fresh), n);
    CHECK_INT(validated(m), 0); /* the file vouched for these bytes */
    char *a = run_all(fresh), *b = run_all(m);
    CHECK_STR(b, a);
    CHECK(from_aot(m) > 0);
    /* helpers ran (memory.fill, table.get...): their functions' internal
     * code was made, validating them first */
    CHECK(validated(m) > 0 && validated(m) < n);
    free(a), free(b);
    wf_module_free(fresh);
    wf_module_free(m);
    unlink(path);
    rmdir(dir);
    free(path);
    free(bin);
#endif
}

/* mod_wat with `div` made invalid (an i64 op on i32 operands) */
static char *invalid_variant(void)
{
    char *w = strdup(mod_wat);
    char *at = strstr(w, "(i32.div_s");
    memcpy(at, "(i64.div_s", 10);
    return w;
}

TEST(a_file_for_other_bytes_does_not_spare_validation)
{
#if defined(__x86_64__)
    setenv("WEFT_WASM_TIER", "jit", 1);
    size_t blen = 0, ilen = 0;
    uint8_t *bin = wb_from_wat(mod_wat, "aot.wat", &blen);
    char *bad_wat = invalid_variant();
    uint8_t *bad = wb_from_wat(bad_wat, "aot.wat", &ilen);
    char dir[] = "/tmp/weft-aot-test-XXXXXX";
    CHECK(bin != NULL && bad != NULL && ilen == blen && mkdtemp(dir) != NULL);
    char *path = wb_cache_file(bin, blen, dir, 0);
    CHECK(path != NULL);
    /* the valid module's file offered for the invalid module's bytes (an
     * entrypoint that resolves differently inside the container) */
    weft_error *err = NULL;
    wf_module *m = NULL;
    CHECK_INT(load_cached(bad, ilen, path, &m, &err), -1);
    CHECK_INT(err->kind, WF_ERR_INVALID);
    CHECK(strstr(err->msg, "type mismatch") != NULL);
    werr_free(err);
    unlink(path);
    rmdir(dir);
    free(path);
    free(bad);
    free(bad_wat);
    free(bin);
#endif
}

TEST(a_truncated_file_does_not_spare_validation)
{
#if defined(__x86_64__)
    setenv("WEFT_WASM_TIER", "jit", 1);
    size_t blen = 0;
    uint8_t *bin = wb_from_wat(mod_wat, "aot.wat", &blen);
    char dir[] = "/tmp/weft-aot-test-XXXXXX";
    CHECK(bin != NULL && mkdtemp(dir) != NULL);
    char *path = wb_cache_file(bin, blen, dir, 200);
    CHECK(path != NULL);
    weft_error *err = NULL;
    wf_module *m = NULL;
    CHECK_INT(load_cached(bin, blen, path, &m, &err), 0);
    CHECK_INT(from_aot(m), -1);
    CHECK_INT(validated(m), m->n_funcs - m->n_func_imports);
    wf_module_free(m);
    unlink(path);
    rmdir(dir);
    free(path);
    free(bin);
#endif
}

/* the index from a module file's identity to its cache file: what was
 * added is found; anything malformed, or writable by others, is not */
TEST(index_entries_are_found_and_malformed_ones_ignored)
{
    char dir[] = "/tmp/weft-aot-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct stat st;
    CHECK_INT(stat(dir, &st), 0);
    char *idx = wf_aot_index_path(dir, &st);
    CHECK(wf_aot_index_lookup(dir, idx) == NULL);
    char key[80];
    memset(key, 'a', 64);
    strcpy(key + 64, ".aot");
    char *path = NULL;
    CHECK(asprintf(&path, "%s/%s", dir, key) > 0);
    weft_error *err = NULL;
    CHECK_INT(wf_aot_index_add(idx, path, &err), 0);
    char *got = wf_aot_index_lookup(dir, idx);
    CHECK(got != NULL);
    CHECK_STR(got, path);
    free(got);
    /* another identity, another entry */
    st.st_mtim.tv_nsec++;
    char *other = wf_aot_index_path(dir, &st);
    CHECK(strcmp(other, idx) != 0);
    CHECK(wf_aot_index_lookup(dir, other) == NULL);
    free(other);
    static const char *const bad[] = {"aaaa.aot", "../../etc/passwd", "", "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(wf_aot_write(idx, (const uint8_t *)bad[i], strlen(bad[i]) + 1, &err), 0);
        CHECK(wf_aot_index_lookup(dir, idx) == NULL);
    }
    key[3] = 'G'; /* not hex */
    CHECK_INT(wf_aot_write(idx, (const uint8_t *)key, strlen(key) + 1, &err), 0);
    CHECK(wf_aot_index_lookup(dir, idx) == NULL);
    key[3] = 'a';
    CHECK_INT(wf_aot_write(idx, (const uint8_t *)key, strlen(key) + 1, &err), 0);
    got = wf_aot_index_lookup(dir, idx);
    CHECK(got != NULL);
    free(got);
    CHECK_INT(chmod(idx, 0666), 0);
    CHECK(wf_aot_index_lookup(dir, idx) == NULL);
    unlink(idx);
    rmdir(dir);
    free(idx);
    free(path);
}

/* a module of more than 1 MiB (a data segment) is hashed on a thread while
 * it is decoded: the same outcome, for the right bytes and for others */
TEST(large_module_hashed_while_decoded)
{
#if defined(__x86_64__)
    setenv("WEFT_WASM_TIER", "jit", 1);
    enum { DATA = 3 << 19 };
    const char *head = "(module (memory 32) (data (i32.const 0) \"";
    const char *tail = "\") (func (export \"f\") (result i32) (i32.load8_u (i32.const 7))))";
    size_t n = strlen(head) + DATA + strlen(tail);
    char *wat = malloc(n + 1);
    strcpy(wat, head);
    memset(wat + strlen(head), 'q', DATA);
    strcpy(wat + strlen(head) + DATA, tail);
    size_t blen = 0;
    uint8_t *bin = wb_from_wat(wat, "aot.wat", &blen);
    CHECK(bin != NULL && blen > (1u << 20));
    char dir[] = "/tmp/weft-aot-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char *path = wb_cache_file(bin, blen, dir, 0);
    CHECK(path != NULL);
    weft_error *err = NULL;
    wf_module *m = NULL;
    CHECK_INT(load_cached(bin, blen, path, &m, &err), 0);
    CHECK(from_aot(m) >= 0);
    CHECK_INT(validated(m), 0);
    wf_store *s = wf_store_new(NULL);
    wf_instance *inst = NULL;
    CHECK_INT(wf_instantiate(s, m, NULL, &inst, &err), 0);
    wf_value res[1];
    size_t nres = 0;
    CHECK_INT(wf_invoke(inst, "f", NULL, 0, res, &nres, &err), 0);
    CHECK_INT(res[0].of.i32, 'q');
    wf_store_free(s);
    wf_module_free(m);
    /* one byte of the data changed: the file is not for these bytes */
    bin[blen / 2] ^= 1;
    CHECK_INT(load_cached(bin, blen, path, &m, &err), 0);
    CHECK_INT(from_aot(m), -1);
    CHECK_INT(validated(m), m->n_funcs - m->n_func_imports);
    wf_module_free(m);
    unlink(path);
    rmdir(dir);
    free(path);
    free(bin);
    free(wat);
#endif
}

UNIT_MAIN()
