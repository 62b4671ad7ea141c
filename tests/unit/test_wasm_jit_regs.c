/* The compiled tier's register choice (src/wasm/jit/jit_regs.c): the locals
 * and operand-stack slots a loop uses most get registers of their class
 * (general for integers, xmm for floats), constant-pool slots never do,
 * and a function whose few uses are outweighed by its calls keeps its
 * slots in memory. Results through those registers: tests/cli_wasm/
 * test_jit_regs.py. */
#include "unit.h"
#include "wasm/jit/jit_regs.h"
#include "wasm/module.h"
#include "wat/module_file.h"

#include <stdlib.h>

static const char mod_wat[] =
    "(module\n"
    "  (func $f (param i32) (result i32) (local.get 0))\n"
    /* 0: hot i32 and f64 locals in a loop */
    "  (func (param $n i32) (result f64) (local $i i32) (local $d f64) (local $cold i64)\n"
    "    (local.set $cold (i64.const 5))\n"
    "    (loop $l\n"
    "      (local.set $d (f64.add (local.get $d) (f64.convert_i32_s (local.get $i))))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n"
    "    (local.get $d))\n"
    /* 1: one use of its param, two calls */
    "  (func (param i32) (result i32)\n"
    "    (i32.add (call $f (local.get 0)) (call $f (i32.const 1))))\n"
    /* 2: a call in the loop; the xor's temporary (operand slot 1) is
     * dead at the call, above its argument and result (slot 0) */
    "  (func (param $x i32) (result i32)\n"
    "    (loop $l\n"
    "      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 3))\n"
    "                            (i32.xor (local.get $x) (i32.const 7))))\n"
    "      (br_if $l (call $f (local.get $x))))\n"
    "    (local.get $x))\n"
    ")\n";

static wf_module *load(void)
{
    weft_error *err = NULL;
    wf_module *m = NULL;
    if (wat_module_from_bytes((const uint8_t *)mod_wat, sizeof mod_wat - 1, "regs.wat", 0, &m,
                              &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        werr_free(err);
        return NULL;
    }
    /* functions are translated on first call: the choice reads the internal code */
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++)
        if (wf_translate_func(m, i, &err) < 0) {
            fprintf(stderr, "%s\n", err->msg);
            werr_free(err);
            wf_module_free(m);
            return NULL;
        }
    return m;
}

TEST(loop_locals_get_registers_of_their_class)
{
    wf_module *m = load();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    const wf_code *c = &m->codes[1];
    int8_t *loc = malloc(c->max_height);
    uint32_t slots[JREG_MAX];
    size_t n = wf_jit_alloc_regs(m, c, true, loc, slots);
    CHECK(n >= 3);
    CHECK(loc[0] >= 0 && loc[0] < JREG_XMM); /* $n */
    CHECK(loc[1] >= 0 && loc[1] < JREG_XMM); /* $i */
    CHECK(loc[2] > JREG_XMM);                /* $d: xmm1 and up (xmm0 is the templates') */
    CHECK(loc[3] == JREG_NONE);              /* $cold: one use, outside the loop */
    for (uint32_t s = c->nlocals; s < c->nlocals + c->npool; s++)
        CHECK(loc[s] == JREG_NONE);
    for (size_t k = 0; k < n; k++)
        CHECK(loc[slots[k]] != JREG_NONE);
    free(loc);
    wf_module_free(m);
}

TEST(call_heavy_function_stays_in_memory)
{
    wf_module *m = load();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    const wf_code *c = &m->codes[2];
    int8_t *loc = malloc(c->max_height);
    uint32_t slots[JREG_MAX];
    CHECK(wf_jit_alloc_regs(m, c, true, loc, slots) == 0);
    for (uint32_t s = 0; s < c->max_height; s++)
        CHECK(loc[s] == JREG_NONE);
    free(loc);
    wf_module_free(m);
}

TEST(slots_dead_at_a_call_do_not_pay_for_it)
{
    wf_module *m = load();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    const wf_code *c = &m->codes[3];
    int8_t *loc = malloc(c->max_height);
    uint32_t slots[JREG_MAX];
    wf_jit_alloc_regs(m, c, true, loc, slots);
    uint32_t stack = c->nlocals + c->npool;
    CHECK(c->max_height >= stack + 2);
    CHECK(loc[stack + 1] != JREG_NONE); /* two uses an iteration, no cost */
    free(loc);
    wf_module_free(m);
}

UNIT_MAIN()
