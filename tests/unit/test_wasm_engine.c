/* The wasm engine end to end on small modules: decoder and validator errors
 * (kind, offset in the message, no huge allocations), invocation, traps that
 * name the function, call-stack exhaustion, host functions and proc_exit,
 * memory.grow against the host limit, and the memory budget: tables, the
 * stack and the loader's allocations counted against it. */
#include "unit.h"
#include "wasm/wasm.h"

#include <malloc.h>
#include <stdlib.h>

/* wat2wasm --debug-names of:
 * (module
 *   (import "env" "exit" (func $exit (param i32)))
 *   (import "env" "add3" (func $add3 (param i32) (result i32)))
 *   (import "env" "reenter" (func $reenter (param i32) (result i32)))
 *   (memory 1 100)
 *   (func $div (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
 *   (func $rec (export "rec") (param i32) (result i32) local.get 0 call $rec)
 *   (func $quit (export "quit") i32.const 7 call $exit)
 *   (func $grow (export "grow") (param i32) (result i32) local.get 0 memory.grow)
 *   (func $host (export "host") (param i32) (result i32) local.get 0 call $add3)
 *   (func $fib (export "fib") (param i32) (result i32) ...recursive fib...)
 *   (func $down (export "down") (param i32) (result i32) ...recursion n deep, returns n...)
 *   (func $viahost (export "viahost") (param i32) (result i32)
 *     local.get 0 call $reenter i32.const 1 i32.add)) */
static const uint8_t test_mod[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x04, 0x60, 0x01, 0x7f, 0x00, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x02, 0x25, 0x03,
    0x03, 0x65, 0x6e, 0x76, 0x04, 0x65, 0x78, 0x69, 0x74, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x04,
    0x61, 0x64, 0x64, 0x33, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x07, 0x72, 0x65, 0x65, 0x6e, 0x74,
    0x65, 0x72, 0x00, 0x01, 0x03, 0x09, 0x08, 0x02, 0x01, 0x03, 0x01, 0x01, 0x01, 0x01, 0x01, 0x05,
    0x04, 0x01, 0x01, 0x01, 0x64, 0x07, 0x39, 0x08, 0x03, 0x64, 0x69, 0x76, 0x00, 0x03, 0x03, 0x72,
    0x65, 0x63, 0x00, 0x04, 0x04, 0x71, 0x75, 0x69, 0x74, 0x00, 0x05, 0x04, 0x67, 0x72, 0x6f, 0x77,
    0x00, 0x06, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x07, 0x03, 0x66, 0x69, 0x62, 0x00, 0x08, 0x04,
    0x64, 0x6f, 0x77, 0x6e, 0x00, 0x09, 0x07, 0x76, 0x69, 0x61, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x0a,
    0x0a, 0x62, 0x08, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10,
    0x04, 0x0b, 0x06, 0x00, 0x41, 0x07, 0x10, 0x00, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b,
    0x06, 0x00, 0x20, 0x00, 0x10, 0x01, 0x0b, 0x1c, 0x00, 0x20, 0x00, 0x41, 0x02, 0x49, 0x04, 0x7f,
    0x20, 0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x08, 0x20, 0x00, 0x41, 0x02, 0x6b, 0x10,
    0x08, 0x6a, 0x0b, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00,
    0x41, 0x01, 0x6b, 0x10, 0x09, 0x41, 0x01, 0x6a, 0x0b, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x10, 0x02,
    0x41, 0x01, 0x6a, 0x0b, 0x00, 0x66, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x46, 0x0b, 0x00, 0x04,
    0x65, 0x78, 0x69, 0x74, 0x01, 0x04, 0x61, 0x64, 0x64, 0x33, 0x02, 0x07, 0x72, 0x65, 0x65, 0x6e,
    0x74, 0x65, 0x72, 0x03, 0x03, 0x64, 0x69, 0x76, 0x04, 0x03, 0x72, 0x65, 0x63, 0x05, 0x04, 0x71,
    0x75, 0x69, 0x74, 0x06, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x07, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x08,
    0x03, 0x66, 0x69, 0x62, 0x09, 0x04, 0x64, 0x6f, 0x77, 0x6e, 0x0a, 0x07, 0x76, 0x69, 0x61, 0x68,
    0x6f, 0x73, 0x74, 0x02, 0x17, 0x0b, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00,
    0x05, 0x00, 0x06, 0x00, 0x07, 0x00, 0x08, 0x00, 0x09, 0x00, 0x0a, 0x00};

/* ---- building modules in tests ---- */

struct buf {
    uint8_t *p;
    size_t n, cap;
};

static void put(struct buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u8(struct buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_leb(struct buf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put_u8(b, byte | (v ? 0x80 : 0));
    } while (v);
}

static void put_section(struct buf *b, uint8_t id, const struct buf *content)
{
    put_u8(b, id);
    put_leb(b, (uint32_t)content->n);
    put(b, content->p, content->n);
}

/* A module of `nfuncs` functions of type [] -> [], all with `body`; the
 * first is exported as "f0". */
static struct buf module_with(uint32_t nfuncs, const struct buf *body)
{
    struct buf m = {0}, sec = {0};
    put(&m, "\0asm\1\0\0\0", 8);
    put(&sec, "\x01\x60\x00\x00", 4);
    put_section(&m, 1, &sec);
    sec.n = 0;
    put_leb(&sec, nfuncs);
    for (uint32_t i = 0; i < nfuncs; i++)
        put_u8(&sec, 0);
    put_section(&m, 3, &sec);
    sec.n = 0;
    put(&sec,
        "\x01\x02"
        "f0"
        "\x00\x00",
        6);
    put_section(&m, 7, &sec);
    sec.n = 0;
    put_leb(&sec, nfuncs);
    for (uint32_t i = 0; i < nfuncs; i++) {
        put_leb(&sec, (uint32_t)body->n);
        put(&sec, body->p, body->n);
    }
    put_section(&m, 10, &sec);
    free(sec.p);
    return m;
}

static int load(const uint8_t *b, size_t n, wf_module **m, weft_error **err)
{
    return wf_module_load(b, n, "t.wasm", m, err);
}

TEST(bad_magic_and_version)
{
    weft_error *err = NULL;
    wf_module *m = NULL;
    const uint8_t bad_magic[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0, 0, 0};
    CHECK_INT(load(bad_magic, sizeof bad_magic, &m, &err), -1);
    CHECK_INT(err->kind, WF_ERR_MALFORMED);
    CHECK_STR(err->msg, "t.wasm: at offset 0x0: magic header not detected");
    werr_free(err), err = NULL;
    const uint8_t bad_version[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0};
    CHECK_INT(load(bad_version, sizeof bad_version, &m, &err), -1);
    CHECK_STR(err->msg, "t.wasm: at offset 0x4: unknown binary version");
    werr_free(err);
}

TEST(section_too_long)
{
    weft_error *err = NULL;
    wf_module *m = NULL;
    /* type section claiming 0x7f bytes with 3 present */
    const uint8_t b[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 0x01, 0x7f, 0x01, 0x60, 0x00};
    CHECK_INT(load(b, sizeof b, &m, &err), -1);
    CHECK_INT(err->kind, WF_ERR_MALFORMED);
    CHECK(strstr(err->msg, "at offset 0xa:") != NULL);
    werr_free(err);
}

TEST(huge_counts_rejected_without_allocating)
{
    weft_error *err = NULL;
    wf_module *m = NULL;
    /* 2^32-1 types in a 5-byte section */
    const uint8_t types[] = {0,    'a',  's',  'm',  1,    0,    0,   0,
                             0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
    CHECK_INT(load(types, sizeof types, &m, &err), -1);
    CHECK_INT(err->kind, WF_ERR_MALFORMED);
    werr_free(err), err = NULL;
    /* one function declaring 2^32-1 locals */
    const uint8_t locals[] = {0,    'a',  's',  'm',  1,    0,    0,    0,    0x01, 0x04,
                              0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0a,
                              0x01, 0x08, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b};
    CHECK_INT(load(locals, sizeof locals, &m, &err), -1);
    CHECK_INT(err->kind, WF_ERR_MALFORMED);
    CHECK(strstr(err->msg, "too many locals") != NULL);
    werr_free(err);
}

TEST(many_locals_in_many_functions_stay_cheap)
{
    /* 20,000 functions declaring 50,000 locals each (6 bytes apiece): the
     * locals must not be expanded per function (that would be 4 GB) */
    struct buf body = {0};
    put(&body, "\x01\xd0\x86\x03\x7f\x0b", 6);
    struct buf mod = module_with(20000, &body);
    weft_error *err = NULL;
    wf_module *m = NULL;
    CHECK_INT(load(mod.p, mod.n, &m, &err), 0);
    wf_module_free(m);
    free(mod.p);
    free(body.p);
}

TEST(deferred_locals_stay_linear)
{
    /* 100,000 x local.get 0, then 100,000 x (local.get 0; local.set 0), then
     * drops: validation/translation must not rescan the stack each time */
    enum { N = 100000 };
    struct buf body = {0};
    put(&body, "\x01\x01\x7f", 3);
    for (int i = 0; i < N; i++)
        put(&body, "\x20\x00", 2);
    for (int i = 0; i < N; i++)
        put(&body, "\x20\x00\x21\x00", 4);
    for (int i = 0; i < N; i++)
        put_u8(&body, 0x1a);
    put_u8(&body, 0x0b);
    struct buf mod = module_with(1, &body);
    weft_error *err = NULL;
    wf_module *m = NULL;
    CHECK_INT(load(mod.p, mod.n, &m, &err), 0);
    if (err)
        fprintf(stderr, "%s\n", err->msg);
    wf_module_free(m);
    free(mod.p);
    free(body.p);
}

TEST(fuel_ends_an_endless_loop)
{
    struct buf body = {0};
    put(&body, "\x00\x03\x40\x0c\x00\x0b\x0b", 7); /* loop br 0 end */
    struct buf mod = module_with(1, &body);
    weft_error *err = NULL;
    wf_module *m = NULL;
    wf_instance *inst = NULL;
    wf_config cfg = {.max_fuel = 100000};
    wf_store *s = wf_store_new(&cfg);
    CHECK_INT(load(mod.p, mod.n, &m, &err), 0);
    CHECK_INT(wf_instantiate(s, m, NULL, &inst, &err), 0);
    CHECK_INT(wf_invoke(inst, "f0", NULL, 0, NULL, NULL, &err), -1);
    CHECK_INT(err->kind, WF_ERR_LIMIT);
    CHECK(strstr(err->msg, "fuel exhausted") != NULL);
    werr_free(err);
    wf_store_free(s);
    wf_module_free(m);
    free(mod.p);
    free(body.p);
}

TEST(type_arity_limit)
{
    struct buf m = {0}, sec = {0};
    put(&m, "\0asm\1\0\0\0", 8);
    put(&sec, "\x01\x60", 2);
    put_leb(&sec, 1001);
    for (int i = 0; i < 1001; i++)
        put_u8(&sec, 0x7f);
    put_u8(&sec, 0);
    put_section(&m, 1, &sec);
    weft_error *err = NULL;
    wf_module *mod = NULL;
    CHECK_INT(load(m.p, m.n, &mod, &err), -1);
    CHECK_INT(err->kind, WF_ERR_LIMIT);
    werr_free(err);
    free(m.p);
    free(sec.p);
}

TEST(validation_error_names_function_and_offset)
{
    weft_error *err = NULL;
    wf_module *m = NULL;
    /* (func (result i32) i64.const 0) */
    const uint8_t b[] = {0,    'a',  's',  'm',  1,    0,    0,    0,    0x01,
                         0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01,
                         0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b};
    CHECK_INT(load(b, sizeof b, &m, &err), -1);
    CHECK_INT(err->kind, WF_ERR_INVALID);
    CHECK_STR(err->msg, "t.wasm: function 0 at offset 0x1a: type mismatch: expected i32, got i64");
    werr_free(err);
}

static int host_exit(wf_call *call, void *env, const wf_value *args, wf_value *results)
{
    (void)env, (void)results;
    return wf_call_exit(call, (int)args[0].of.i32);
}

static int host_add3(wf_call *call, void *env, const wf_value *args, wf_value *results)
{
    (void)env;
    uint64_t size = 0;
    CHECK(wf_call_memory(call, &size) != NULL);
    CHECK_INT(size, 65536);
    if (args[0].of.i32 == 99)
        return wf_call_trap(call, "host says no");
    results[0].of.i32 = args[0].of.i32 + 3;
    return 0;
}

/* calls back into the calling instance: fib(arg) */
static int host_reenter(wf_call *call, void *env, const wf_value *args, wf_value *results)
{
    (void)env;
    weft_error *err = NULL;
    size_t n = 0;
    if (wf_invoke(wf_call_instance(call), "fib", args, 1, results, &n, &err) < 0) {
        int rc = wf_call_trap(call, err->msg);
        werr_free(err);
        return rc;
    }
    return 0;
}

struct env {
    wf_store *s;
    wf_linker *l;
    wf_module *m;
    wf_instance *inst;
};

static void setup(struct env *e, const wf_config *cfg)
{
    weft_error *err = NULL;
    e->s = wf_store_new(cfg);
    e->l = wf_linker_new();
    CHECK_INT(wf_linker_define_func(e->l, "env", "exit", "i", "", host_exit, NULL, &err), 0);
    CHECK_INT(wf_linker_define_func(e->l, "env", "add3", "i", "i", host_add3, NULL, &err), 0);
    CHECK_INT(wf_linker_define_func(e->l, "env", "reenter", "i", "i", host_reenter, NULL, &err), 0);
    CHECK_INT(wf_module_load(test_mod, sizeof test_mod, "t.wasm", &e->m, &err), 0);
    CHECK_INT(wf_instantiate(e->s, e->m, e->l, &e->inst, &err), 0);
    if (err)
        fprintf(stderr, "%s\n", err->msg);
}

static void teardown(struct env *e)
{
    wf_store_free(e->s);
    wf_linker_free(e->l);
    wf_module_free(e->m);
}

static int call1(struct env *e, const char *fn, uint32_t arg, uint32_t *out, weft_error **err)
{
    wf_value a = {.type = WF_I32, .of.i32 = arg}, r[1];
    size_t n = 0;
    int rc = wf_invoke(e->inst, fn, &a, 1, r, &n, err);
    if (rc == 0 && out)
        *out = r[0].of.i32;
    return rc;
}

TEST(invoke_and_traps)
{
    struct env e;
    setup(&e, NULL);
    weft_error *err = NULL;
    uint32_t v = 0;
    CHECK_INT(call1(&e, "fib", 20, &v, &err), 0);
    CHECK_INT(v, 6765);
    wf_value args[2] = {{.type = WF_I32, .of.i32 = 7}, {.type = WF_I32, .of.i32 = 0}}, r[1];
    size_t n;
    CHECK_INT(wf_invoke(e.inst, "div", args, 2, r, &n, &err), -1);
    CHECK_INT(err->kind, WF_ERR_TRAP);
    CHECK_STR(err->msg, "trap: integer divide by zero (in function $div, func 3)");
    werr_free(err), err = NULL;
    /* wrong argument count is an error, not a crash */
    CHECK_INT(wf_invoke(e.inst, "div", args, 1, r, &n, &err), -1);
    werr_free(err), err = NULL;
    CHECK_INT(call1(&e, "rec", 1, NULL, &err), -1);
    CHECK_INT(err->kind, WF_ERR_EXHAUSTED);
    CHECK(strstr(err->msg, "call stack exhausted") != NULL);
    werr_free(err), err = NULL;
    /* deep recursion (compilers go tens of thousands of frames deep) works
     * with the default limits; the wasm stack is on the heap */
    CHECK_INT(call1(&e, "down", 150000, &v, &err), 0);
    CHECK_INT(v, 150000);
    /* the engine is usable after a trap */
    CHECK_INT(call1(&e, "fib", 10, &v, &err), 0);
    CHECK_INT(v, 55);
    teardown(&e);
}

TEST(call_depth_limit)
{
    struct env e;
    wf_config cfg = {.max_call_depth = 1000};
    setup(&e, &cfg);
    weft_error *err = NULL;
    uint32_t v = 0;
    CHECK_INT(call1(&e, "down", 900, &v, &err), 0);
    CHECK_INT(call1(&e, "down", 1100, &v, &err), -1);
    CHECK_INT(err->kind, WF_ERR_EXHAUSTED);
    werr_free(err);
    teardown(&e);
}

TEST(host_functions)
{
    struct env e;
    setup(&e, NULL);
    weft_error *err = NULL;
    uint32_t v = 0;
    CHECK_INT(call1(&e, "host", 4, &v, &err), 0);
    CHECK_INT(v, 7);
    CHECK_INT(call1(&e, "host", 99, &v, &err), -1);
    CHECK_INT(err->kind, WF_ERR_TRAP);
    CHECK(strstr(err->msg, "host says no") != NULL);
    werr_free(err), err = NULL;
    /* a host function may call back into wasm */
    CHECK_INT(call1(&e, "viahost", 10, &v, &err), 0);
    CHECK_INT(v, 56);
    CHECK_INT(wf_invoke(e.inst, "quit", NULL, 0, NULL, NULL, &err), -1);
    CHECK_INT(err->kind, WF_ERR_EXIT);
    CHECK_INT(err->status, 7);
    werr_free(err);
    teardown(&e);
}

TEST(memory_grow_limits)
{
    struct env e;
    /* the budget also holds the module, the instance and the stack (tens of
     * KiB here): 4 pages fit in 5 pages' worth, 5 pages do not */
    wf_config cfg = {.max_memory_bytes = 5 * 65536};
    setup(&e, &cfg);
    weft_error *err = NULL;
    uint32_t v = 0;
    CHECK_INT(call1(&e, "grow", 2, &v, &err), 0);
    CHECK_INT(v, 1);
    CHECK_INT(call1(&e, "grow", 2, &v, &err), 0); /* 5 pages and the rest > budget */
    CHECK_INT(v, 0xffffffffu);
    CHECK_INT(call1(&e, "grow", 1, &v, &err), 0);
    CHECK_INT(v, 3);
    uint64_t size = 0;
    CHECK(wf_export_memory(e.inst, "nope", &size) == NULL);
    teardown(&e);
}

TEST(unlinkable)
{
    weft_error *err = NULL;
    wf_store *s = wf_store_new(NULL);
    wf_module *m = NULL;
    wf_instance *inst = NULL;
    CHECK_INT(wf_module_load(test_mod, sizeof test_mod, "t.wasm", &m, &err), 0);
    CHECK_INT(wf_module_import_count(m), 3);
    wf_valtype p[4], r[4];
    size_t np = 9, nr = 9;
    CHECK_INT(wf_module_import_func_type(m, 1, p, &np, r, &nr, 4, &err), 0);
    CHECK_INT(np, 1);
    CHECK_INT(nr, 1);
    CHECK_INT(p[0], WF_I32);
    uint32_t min, max;
    CHECK_INT(wf_module_import_limits(m, 0, &min, &max, NULL, &err), -1);
    CHECK(strstr(err->msg, "neither a table nor a memory") != NULL);
    werr_free(err), err = NULL;
    size_t len = 0;
    CHECK(wf_module_custom_section(m, "name", &len) != NULL);
    CHECK(len > 0);
    CHECK(wf_module_custom_section(m, "nope", &len) == NULL);
    CHECK_STR(wf_module_func_name(m, 3), "div");
    CHECK(wf_module_func_name(m, 1000) == NULL);
    CHECK_STR(wf_module_import(m, 0).name, "exit");
    CHECK_INT(wf_instantiate(s, m, NULL, &inst, &err), -1);
    CHECK_INT(err->kind, WF_ERR_UNLINKABLE);
    CHECK(strstr(err->msg, "env.exit") != NULL);
    werr_free(err);
    wf_store_free(s);
    wf_module_free(m);
}

/* ---- the memory budget ---- */

/* (func (export "g") (param i32) (result i32)): grows each of `ntables`
 * funcref tables by the argument and returns how many grows succeeded;
 * tables of `min` elements. */
static struct buf tables_module(uint32_t ntables, uint32_t min)
{
    struct buf m = {0}, sec = {0}, body = {0};
    put(&m, "\0asm\1\0\0\0", 8);
    put(&sec, "\x01\x60\x01\x7f\x01\x7f", 6);
    put_section(&m, 1, &sec);
    sec.n = 0;
    put(&sec, "\x01\x00", 2);
    put_section(&m, 3, &sec);
    sec.n = 0;
    put_leb(&sec, ntables);
    for (uint32_t t = 0; t < ntables; t++) {
        put(&sec, "\x70\x00", 2);
        put_leb(&sec, min);
    }
    put_section(&m, 4, &sec);
    sec.n = 0;
    put(&sec, "\x01\x01g\x00\x00", 5);
    put_section(&m, 7, &sec);
    put(&body, "\x00\x41\x00", 3); /* no locals; i32.const 0 */
    for (uint32_t t = 0; t < ntables; t++) {
        put(&body, "\xd0\x70\x20\x00\xfc\x0f", 6); /* ref.null func, local.get 0, table.grow */
        put_leb(&body, t);
        put(&body, "\x41\x7f\x47\x6a", 4); /* i32.const -1, i32.ne, i32.add */
    }
    put_u8(&body, 0x0b);
    sec.n = 0;
    put_u8(&sec, 1);
    put_leb(&sec, (uint32_t)body.n);
    put(&sec, body.p, body.n);
    put_section(&m, 10, &sec);
    free(sec.p);
    free(body.p);
    return m;
}

static uint32_t grow_tables(wf_instance *inst, uint32_t by)
{
    weft_error *err = NULL;
    wf_value a = {.type = WF_I32, .of.i32 = by}, r[1];
    size_t n = 0;
    CHECK_INT(wf_invoke(inst, "g", &a, 1, r, &n, &err), 0);
    werr_free(err);
    return r[0].of.i32;
}

TEST(table_grow_counts_against_the_budget)
{
    /* 100 tables grown by 100,000 elements (800 KB each) in an 8 MiB
     * budget: at most 10 grows fit, then every table.grow returns -1 */
    struct buf mod = tables_module(100, 0);
    weft_error *err = NULL;
    wf_module *m = NULL;
    wf_instance *inst = NULL;
    wf_config cfg = {.max_memory_bytes = 8u << 20};
    wf_store *s = wf_store_new(&cfg);
    CHECK_INT(load(mod.p, mod.n, &m, &err), 0);
    CHECK_INT(wf_instantiate(s, m, NULL, &inst, &err), 0);
    uint32_t ok = grow_tables(inst, 100000);
    CHECK(ok >= 1 && ok <= 10);
    CHECK_INT(grow_tables(inst, 100000), 0);
    CHECK_INT(grow_tables(inst, 0), 100); /* growing by nothing still works */
    wf_store_free(s);
    wf_module_free(m);
    free(mod.p);
}

TEST(tables_beyond_the_budget_fail_instantiation)
{
    struct buf mod = tables_module(3, 1000000); /* 3 x 8 MB */
    weft_error *err = NULL;
    wf_module *m = NULL;
    wf_instance *inst = NULL;
    wf_config cfg = {.max_memory_bytes = 16u << 20};
    wf_store *s = wf_store_new(&cfg);
    CHECK_INT(load(mod.p, mod.n, &m, &err), 0);
    CHECK_INT(wf_instantiate(s, m, NULL, &inst, &err), -1);
    CHECK_INT(err->kind, WF_ERR_LIMIT);
    CHECK(strstr(err->msg,
                 "table of 1000000 elements exceeds the memory budget of 16777216 bytes") != NULL);
    werr_free(err);
    wf_store_free(s);
    wf_module_free(m);
    free(mod.p);
}

TEST(stack_is_bounded_by_the_budget)
{
    struct env e;
    wf_config cfg = {.max_memory_bytes = 1u << 20};
    setup(&e, &cfg);
    weft_error *err = NULL;
    uint32_t v = 0;
    CHECK_INT(call1(&e, "down", 5000, &v, &err), 0);
    CHECK_INT(v, 5000);
    CHECK_INT(call1(&e, "rec", 1, NULL, &err), -1);
    CHECK_INT(err->kind, WF_ERR_EXHAUSTED);
    CHECK(strstr(err->msg, "the stack reached the memory budget of 1048576 bytes") != NULL);
    werr_free(err), err = NULL;
    /* the stack stays charged at its deepest: memory.grow now finds the
     * budget (1 page in use + ~1 MiB of stack) full */
    CHECK_INT(call1(&e, "grow", 1, &v, &err), 0);
    CHECK_INT(v, 0xffffffffu);
    teardown(&e);
}

TEST(call_depth_must_fit_the_budget)
{
    weft_error *err = NULL;
    wf_config huge = {.max_call_depth = UINT32_MAX};
    CHECK_INT(wf_config_check(&huge, &err), -1);
    CHECK_INT(err->kind, WF_ERR_LIMIT);
    CHECK(strstr(err->msg, "more than the memory budget of 4294967296 bytes") != NULL);
    werr_free(err), err = NULL;
    wf_config tight = {.max_call_depth = 1000, .max_memory_bytes = 16384};
    CHECK_INT(wf_config_check(&tight, &err), -1);
    werr_free(err), err = NULL;
    wf_config fits = {.max_call_depth = 512, .max_memory_bytes = 16384};
    CHECK_INT(wf_config_check(&fits, &err), 0);
    wf_config dflt = {0};
    CHECK_INT(wf_config_check(&dflt, &err), 0);
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

TEST(loading_costs_what_the_module_needs)
{
    /* 200,000 empty functions, 4 bytes each in the binary: loading kept
     * ~680 bytes per function (a 512-byte code buffer each); now the code
     * sits in an arena at its size */
    enum { N = 200000 };
    struct buf body = {0};
    put(&body, "\x00\x0b", 2);
    struct buf mod = module_with(N, &body);
    weft_error *err = NULL;
    wf_module *m = NULL;
    size_t before = heap_in_use();
    CHECK_INT(load(mod.p, mod.n, &m, &err), 0);
    size_t used = heap_in_use() - before;
    CHECK(used / N < 160);
    /* the budget counts what the loader really keeps */
    CHECK(wf_module_footprint(m) * 10 >= (uint64_t)used * 9);
    wf_module_free(m);
    /* and a budget below that refuses the module, naming it */
    CHECK_INT(wf_module_load_budget(mod.p, mod.n, "t.wasm", 1u << 20, &m, &err), -1);
    CHECK_INT(err->kind, WF_ERR_LIMIT);
    CHECK(strstr(err->msg, "memory budget of 1048576 bytes") != NULL);
    werr_free(err);
    free(mod.p);
    free(body.p);
}

UNIT_MAIN()
