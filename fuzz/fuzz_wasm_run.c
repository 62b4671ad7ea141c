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

static bool read_uleb(const uint8_t *d, size_t n, size_t *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (*p >= n)
            return false;
        uint8_t b = d[(*p)++];
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* True when the code section cannot loop and makes few calls (see top). */
static bool runs_briefly(const uint8_t *d, size_t n)
{
    size_t p = 8;
    while (p < n) {
        uint8_t id = d[p++];
        uint32_t len;
        if (!read_uleb(d, n, &p, &len) || len > n - p)
            return false;
        if (id == 10) {
            int calls = 0;
            for (size_t i = p; i < p + len; i++) {
                if (d[i] == 0x03)
                    return false;
                calls += d[i] == 0x10 || d[i] == 0x11;
            }
            return calls <= 3;
        }
        p += len;
    }
    return true;
}

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
