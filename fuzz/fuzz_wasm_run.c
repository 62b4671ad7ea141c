/* libFuzzer target: load, instantiate with stub imports, and call every
 * exported function that takes no parameters, under small limits.
 *
 * Stubs: each imported function returns zeros of its result types, memories,
 * tables and globals are host-made with the imported limits and type. The
 * import types come from the engine's internal module.h because the public
 * API lists imports without their types.
 *
 * The engine has no fuel, so a module whose code could run for long is
 * loaded and instantiated only if it has no start function, and its
 * exports are run only when its code section contains no `loop` opcode byte
 * (0x03; over-cautious since 0x03 also occurs in immediates) and few call
 * bytes; with max_call_depth 8 every call tree then stays small. */
#include "wasm/module.h"
#include "wasm/wasm.h"
#include "wasm_stubs.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
                (err->kind != WF_ERR_TRAP && err->kind != WF_ERR_EXHAUSTED))
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
    if (wf_module_load(data, size, "fuzz.wasm", &m, &err) < 0) {
        werr_free(err);
        return 0;
    }
    bool brief = runs_briefly(data, size);
    if (m->start >= 0 && !brief) {
        wf_module_free(m);
        return 0;
    }
    const wf_config cfg = {
        .max_call_depth = 8,
        .max_memory_bytes = 1 << 20,
        .max_table_elems = 1000,
    };
    wf_store *s = wf_store_new(&cfg);
    wf_linker *l = wf_linker_new();
    wf_instance *inst = NULL;
    if (define_stubs(m, l, s, &err) == 0 && wf_instantiate(s, m, l, &inst, &err) == 0) {
        if (brief)
            run_exports(inst, m);
    }
    werr_free(err);
    wf_linker_free(l);
    wf_store_free(s);
    wf_module_free(m);
    return 0;
}
