/* libFuzzer target: load, instantiate with stub imports, and call every
 * exported function that takes no parameters, under a memory budget and fuel.
 *
 * Stubs: each imported function returns zeros of its result types, memories,
 * tables and globals are host-made with the imported limits and type. The
 * import types come from the engine's internal module.h because the public
 * API lists imports without their types.
 *
 * Everything runs: loops, start functions, deep and mutual recursion, many
 * tables grown without a per-table cap. What keeps a run small is what keeps
 * a real one from exhausting its host: fuel ends long runs (per call), and one
 * memory budget (wasm.h) bounds the module's code, its memories, its tables
 * and its stack together. After each run the store must not have charged
 * more than its budget; run.sh also gives libFuzzer a malloc and RSS limit
 * far below what an unbudgeted allocation would take, so one that escapes
 * the budget shows up as a crash. */
#include "wasm/module.h"
#include "wasm/wasm.h"
#include "wasm_stubs.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small enough to keep the fuzzer fast, large enough that 16 tables of 100k
 * elements, a few megabytes of memory or tens of thousands of frames reach it. */
#define STORE_BUDGET (8u << 20)
#define LOAD_BUDGET (16u << 20)

static void run_exports(wf_instance *inst, const wf_module *m)
{
    for (uint32_t i = 0; i < m->n_exports; i++) {
        if (m->exports[i].kind != WF_EXTERN_FUNC)
            continue;
        const char *name = m->exports[i].name;
        wf_valtype params[64], results[64];
        size_t np, nr;
        weft_error *err = NULL;
        if (wf_export_func_type(inst, name, params, &np, results, &nr, 64, &err) < 0 || np != 0 ||
            nr > 64) {
            werr_free(err);
            continue;
        }
        wf_value res[64];
        size_t got = 0;
        if (wf_invoke(inst, name, NULL, 0, res, &got, &err) < 0) {
            /* A failed call is a trap or exhaustion, never a crash or a
             * message-less error. */
            if (err == NULL || err->msg == NULL ||
                (err->kind != WF_ERR_TRAP && err->kind != WF_ERR_EXHAUSTED &&
                 err->kind != WF_ERR_LIMIT))
                abort();
        } else if (got != nr) {
            abort();
        }
        werr_free(err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wf_module *m = NULL;
    weft_error *err = NULL;
    if (wf_module_load_budget(data, size, "fuzz.wasm", LOAD_BUDGET, &m, &err) < 0) {
        werr_free(err);
        return 0;
    }
    if (wf_module_footprint(m) > LOAD_BUDGET)
        abort();
    const wf_config cfg = {
        .max_call_depth = 100000, /* the budget stops recursion first */
        .max_memory_bytes = STORE_BUDGET,
        .max_fuel = 200000,
    };
    wf_store *s = wf_store_new(&cfg);
    wf_linker *l = wf_linker_new();
    wf_instance *inst = NULL;
    if (define_stubs(m, l, s, &err) == 0 && wf_instantiate(s, m, l, &inst, &err) == 0)
        run_exports(inst, m);
    werr_free(err);
    /* every allocation the module caused was counted, within the budget */
    if (wf_store_used(s) > STORE_BUDGET)
        abort();
    wf_linker_free(l);
    wf_store_free(s);
    wf_module_free(m);
    return 0;
}
