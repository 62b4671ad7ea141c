/* libFuzzer target: differential testing of the engine's two tiers. The
 * module is loaded twice, once for the compiled tier and once for the
 * interpreter (WEFT_WASM_TIER at load), each instance gets the same stub
 * imports (wasm_stubs.h), and every exported function without parameters is
 * called on both under a fuel budget. Results (bit for bit), trap kinds and
 * messages (for stack exhaustion only the kind), and exported memories must
 * be equal; a run that ends for lack
 * of fuel on either side is not compared (the tiers count fuel differently). */
#include "wasm/module.h"
#include "wasm/wasm.h"
#include "wasm_stubs.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct side {
    wf_module *m;
    wf_store *s;
    wf_linker *l;
    wf_instance *inst;
    int rc;
    weft_error *err;
};

static const wf_config cfg = {
    .max_call_depth = 64,
    .max_memory_bytes = 1 << 20,
    .max_table_elems = 1000,
    .max_fuel = 20000,
};

static void side_open(struct side *sd, const char *tier, const uint8_t *data, size_t size)
{
    setenv("WEFT_WASM_TIER", tier, 1);
    memset(sd, 0, sizeof *sd);
    sd->rc = wf_module_load(data, size, "fuzz.wasm", &sd->m, &sd->err);
    if (sd->rc < 0)
        return;
    sd->s = wf_store_new(&cfg);
    sd->l = wf_linker_new();
    sd->rc = define_stubs(sd->m, sd->l, sd->s, &sd->err);
    if (sd->rc == 0)
        sd->rc = wf_instantiate(sd->s, sd->m, sd->l, &sd->inst, &sd->err);
}

static void side_close(struct side *sd)
{
    werr_free(sd->err);
    wf_linker_free(sd->l);
    wf_store_free(sd->s);
    wf_module_free(sd->m);
}

static bool out_of_fuel(const weft_error *e)
{
    return e && e->kind == WF_ERR_LIMIT;
}

/* same outcome: both ok with equal results, or the same failure */
static void compare(int rc1, weft_error *e1, int rc2, weft_error *e2)
{
    if (rc1 != rc2) {
        fprintf(stderr, "tiers differ: jit %d (%s), interp %d (%s)\n", rc1, e1 ? e1->msg : "", rc2,
                e2 ? e2->msg : "");
        abort();
    }
    /* exhaustion is reported by the caller in the interpreter and by the
     * callee in compiled code: only its kind must agree */
    bool msg_differs = e1 && e2 && e1->kind != WF_ERR_EXHAUSTED && strcmp(e1->msg, e2->msg) != 0;
    if (rc1 < 0 && (e1->kind != e2->kind || msg_differs)) {
        fprintf(stderr, "tiers differ: jit \"%s\", interp \"%s\"\n", e1->msg, e2->msg);
        abort();
    }
}

static void compare_memories(struct side *a, struct side *b)
{
    for (uint32_t i = 0; i < a->m->n_exports; i++) {
        if (a->m->exports[i].kind != WF_EXTERN_MEMORY)
            continue;
        uint64_t na, nb;
        uint8_t *pa = wf_export_memory(a->inst, a->m->exports[i].name, &na);
        uint8_t *pb = wf_export_memory(b->inst, b->m->exports[i].name, &nb);
        if (na != nb || (na && memcmp(pa, pb, na) != 0)) {
            fprintf(stderr, "tiers differ: memory %s\n", a->m->exports[i].name);
            abort();
        }
    }
}

/* false when a side ran out of fuel: the instances may differ from then on */
static bool run_export(struct side *a, struct side *b, const char *name)
{
    wf_valtype params[64], results[64];
    size_t np, nr;
    weft_error *err = NULL;
    if (wf_export_func_type(a->inst, name, params, &np, results, &nr, 64, &err) < 0 || np != 0 ||
        nr > 64) {
        werr_free(err);
        return true;
    }
    wf_value ra[64], rb[64];
    size_t ga = 0, gb = 0;
    weft_error *ea = NULL, *eb = NULL;
    int rca = wf_invoke(a->inst, name, NULL, 0, ra, &ga, &ea);
    int rcb = wf_invoke(b->inst, name, NULL, 0, rb, &gb, &eb);
    bool fueled = !out_of_fuel(ea) && !out_of_fuel(eb);
    if (fueled) {
        compare(rca, ea, rcb, eb);
        for (size_t k = 0; rca == 0 && k < ga; k++) {
            bool wide = ra[k].type == WF_I64 || ra[k].type == WF_F64 || wf_is_ref(ra[k].type);
            bool same = wide ? ra[k].of.i64 == rb[k].of.i64 : ra[k].of.i32 == rb[k].of.i32;
            if (wf_is_ref(ra[k].type)) /* functions of two instances: compare nullness */
                same = (ra[k].of.ref == NULL) == (rb[k].of.ref == NULL);
            if (ga != gb || !same) {
                fprintf(stderr, "tiers differ: %s result %zu\n", name, k);
                abort();
            }
        }
    }
    werr_free(ea);
    werr_free(eb);
    return fueled;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct side jit, interp;
    side_open(&jit, "jit", data, size);
    side_open(&interp, "interp", data, size);
    if (!out_of_fuel(jit.err) && !out_of_fuel(interp.err))
        compare(jit.rc, jit.err, interp.rc, interp.err);
    if (jit.rc == 0 && interp.rc == 0) {
        compare_memories(&jit, &interp);
        for (uint32_t i = 0; i < jit.m->n_exports; i++) {
            if (jit.m->exports[i].kind != WF_EXTERN_FUNC)
                continue;
            if (!run_export(&jit, &interp, jit.m->exports[i].name))
                break;
            compare_memories(&jit, &interp);
        }
    }
    side_close(&jit);
    side_close(&interp);
    return 0;
}
