/* The compiled tier's register choice (src/wasm/jit/jit_regs.c): the locals
 * and operand-stack slots a loop uses most get registers of their class
 * (general for integers, xmm for floats), constant-pool slots never do,
 * and a function whose few uses are outweighed by its calls keeps its
 * slots in memory. Results through those registers: tests/cli_wasm/
 * test_jit_regs.py. */
#include "unit.h"
#include "wasm/code.h"
#include "wasm/jit/jit_live.h"
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
    /* 3: $x redefined after the call before any read, $y defined by it */
    "  (func (param $x i32) (result i32) (local $y i32)\n"
    "    (local.set $y (call $f (local.get $x)))\n"
    "    (local.set $x (i32.const 5))\n"
    "    (i32.add (local.get $x) (local.get $y)))\n"
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

/* the op index of function c's first call */
static size_t first_call(const wf_code *c)
{
    for (size_t k = 0; k < c->nops; k++)
        if (c->code[c->ops[k]] == OP_CALL)
            return k;
    return c->nops;
}

struct ranges {
    uint64_t lo[4], n[4];
    bool write[4];
    int count;
};

static void note(void *arg, uint64_t lo, uint64_t n, bool write)
{
    struct ranges *r = arg;
    if (r->count < 4) {
        r->lo[r->count] = lo, r->n[r->count] = n, r->write[r->count] = write;
        r->count++;
    }
}

/* The tables (src/wasm/jit/jit_live.c): a call reads its argument and
 * writes its result at its base; $x is live after the call in a loop that
 * reads it again (the back edge) and dead where it is redefined first. */
TEST(liveness_across_calls_follows_the_control_flow)
{
    wf_module *m = load();
    CHECK(m != NULL);
    if (m == NULL)
        return;
    for (int f = 3; f <= 4; f++) {
        const wf_code *c = &m->codes[f];
        size_t k = first_call(c);
        CHECK(k < c->nops);
        if (k >= c->nops)
            continue;
        uint64_t base = c->code[c->ops[k] + 2];
        struct ranges r = {0};
        size_t end = k + 1 < c->nops ? c->ops[k + 1] : c->code_len;
        wf_jit_op_slots(m, c, c->ops[k], end, note, &r);
        CHECK(r.count == 2);
        CHECK(r.lo[0] == base && r.n[0] == 1 && !r.write[0]); /* the argument */
        CHECK(r.lo[1] == base && r.n[1] == 1 && r.write[1]);  /* the result */
        uint32_t all[JLIVE_MAX], n = 0;
        for (uint32_t s = 0; s < c->max_height && n < JLIVE_MAX; s++)
            all[n++] = s;
        wf_jit_live lv;
        wf_jit_live_compute(m, c, all, n, &lv);
        CHECK(wf_jit_live_after(&lv, c, k, base)); /* the result is read */
        if (f == 3) {
            CHECK(wf_jit_live_after(&lv, c, k, 0));         /* $x: the loop reads it again */
            CHECK(!wf_jit_live_after(&lv, c, k, base + 1)); /* above the result */
        } else {
            CHECK(!wf_jit_live_after(&lv, c, k, 0)); /* $x: set before it is read */
            CHECK(!wf_jit_live_after(&lv, c, k, 1)); /* $y: set from the result */
        }
        wf_jit_live_free(&lv);
    }
    wf_module_free(m);
}

UNIT_MAIN()
