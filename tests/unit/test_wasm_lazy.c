/* Loading validates every function and translates none: a function's
 * internal code is made on its first call (validate.c wf_translate_func),
 * on both tiers. An invalid function anywhere still fails the load, naming
 * the function and the offset. */
#include "unit.h"
#include "wasm_bytes.h"
#include "wasm/module.h"
#include "wasm/wasm.h"
#include "wat/module_file.h"

#include <stdlib.h>
#include <string.h>

/* n functions of type [] -> [] with body `nop; end`, but function `bad`
 * leaves an i32 on the stack; *bad_end: the offset of its `end` */
static struct wbuf module_with_bad(uint32_t n, uint32_t bad, size_t *bad_end)
{
    static const uint8_t good[] = {0x00, 0x01, 0x0b}, wrong[] = {0x00, 0x41, 0x01, 0x0b};
    struct wbuf m = {0}, sec = {0};
    wb_put(&m, "\0asm\1\0\0\0", 8);
    wb_put(&sec, "\x01\x60\x00\x00", 4);
    wb_section(&m, 1, &sec);
    sec.n = 0;
    wb_leb(&sec, n);
    for (uint32_t i = 0; i < n; i++)
        wb_put(&sec, "\x00", 1);
    wb_section(&m, 3, &sec);
    sec.n = 0;
    wb_leb(&sec, n);
    size_t at_bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *b = i == bad ? wrong : good;
        size_t len = i == bad ? sizeof wrong : sizeof good;
        wb_leb(&sec, (uint32_t)len);
        if (i == bad)
            at_bad = sec.n + len - 1;
        wb_put(&sec, b, len);
    }
    /* the section's header: id and the size's LEB */
    struct wbuf hdr = {0};
    wb_leb(&hdr, (uint32_t)sec.n);
    *bad_end = m.n + 1 + hdr.n + at_bad;
    free(hdr.p);
    wb_section(&m, 10, &sec);
    free(sec.p);
    return m;
}

TEST(an_invalid_function_deep_in_a_large_module_is_refused_with_its_offset)
{
    enum { N = 60000, BAD = N - 7 };
    size_t off;
    struct wbuf mod = module_with_bad(N, BAD, &off);
    const char *tiers[] = {"jit", "interp"};
    for (int t = 0; t < 2; t++) {
        setenv("WEFT_WASM_TIER", tiers[t], 1);
        weft_error *err = NULL;
        wf_module *m = NULL;
        CHECK_INT(wf_module_load(mod.p, mod.n, "big.wasm", &m, &err), -1);
        CHECK_INT(err->kind, WF_ERR_INVALID);
        char want[128];
        snprintf(want, sizeof want,
                 "big.wasm: function %u at offset 0x%zx: type mismatch: values left on the stack",
                 BAD, off);
        CHECK_STR(err->msg, want);
        werr_free(err);
    }
    /* and the same module without the bad function loads */
    struct wbuf ok = module_with_bad(N, N, &off);
    weft_error *err = NULL;
    wf_module *m = NULL;
    CHECK_INT(wf_module_load(ok.p, ok.n, "big.wasm", &m, &err), 0);
    wf_module_free(m);
    free(ok.p);
    free(mod.p);
}

static const char calls_wat[] = "(module\n"
                                "  (func $b (param i32) (result i32)\n"
                                "    (i32.add (local.get 0) (i32.const 1000)))\n"
                                "  (func $unused (result i32) (i32.const 5))\n"
                                "  (func (export \"a\") (param i32) (result i32)\n"
                                "    (i32.mul (call $b (local.get 0)) (i32.const 3))))\n";

static uint32_t translated(const wf_module *m)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++)
        n += m->codes[i].code != NULL;
    return n;
}

TEST(functions_are_translated_on_their_first_call_on_both_tiers)
{
    const char *tiers[] = {"jit", "interp"};
    for (int t = 0; t < 2; t++) {
        setenv("WEFT_WASM_TIER", tiers[t], 1);
        weft_error *err = NULL;
        wf_module *m = NULL;
        CHECK_INT(wat_module_from_bytes((const uint8_t *)calls_wat, sizeof calls_wat - 1,
                                        "calls.wat", 0, &m, &err),
                  0);
        CHECK_INT(translated(m), 0);
        /* the frame height and the pool are known before translation */
        CHECK_INT(m->codes[0].npool, 1);
        wf_store *s = wf_store_new(NULL);
        wf_instance *inst = NULL;
        CHECK_INT(wf_instantiate(s, m, NULL, &inst, &err), 0);
        CHECK_INT(translated(m), 0);
        wf_value arg = {.type = WF_I32, .of.i32 = 4}, res[1];
        size_t nres = 0;
        for (int k = 0; k < 2; k++) { /* the second call finds them translated */
            CHECK_INT(wf_invoke(inst, "a", &arg, 1, res, &nres, &err), 0);
            CHECK_INT(res[0].of.i32, 3012);
        }
        CHECK_INT(translated(m), 2);
        CHECK(m->codes[1].code == NULL);
        /* a second instance of the module uses the code made for the first */
        wf_instance *inst2 = NULL;
        CHECK_INT(wf_instantiate(s, m, NULL, &inst2, &err), 0);
        CHECK_INT(wf_invoke(inst2, "a", &arg, 1, res, &nres, &err), 0);
        CHECK_INT(res[0].of.i32, 3012);
        CHECK_INT(translated(m), 2);
        wf_store_free(s);
        wf_module_free(m);
    }
}

TEST(translation_stays_within_what_loading_charged)
{
    weft_error *err = NULL;
    wf_module *m = NULL;
    setenv("WEFT_WASM_TIER", "interp", 1);
    CHECK_INT(wat_module_from_bytes((const uint8_t *)calls_wat, sizeof calls_wat - 1, "calls.wat",
                                    0, &m, &err),
              0);
    uint64_t footprint = wf_module_footprint(m);
    size_t bound[3];
    for (int i = 0; i < 3; i++)
        bound[i] = m->codes[i].code_len;
    CHECK_INT(wf_translate_all(m, &err), 0);
    CHECK_INT(translated(m), 3);
    for (int i = 0; i < 3; i++)
        CHECK(m->codes[i].code_len > 0 && m->codes[i].code_len <= bound[i]);
    /* the budget was charged at load: the stores that instantiated the
     * module were charged what its code takes */
    CHECK(wf_module_footprint(m) == footprint);
    wf_module_free(m);
}

UNIT_MAIN()
