/* Shared by the wasm fuzz targets: stub imports for any module (each
 * imported function returns zeros of its result types; memories, tables and
 * globals are host-made with the imported limits and type). Static functions:
 * each target includes this once. */
#ifndef WEFT_FUZZ_WASM_STUBS_H
#define WEFT_FUZZ_WASM_STUBS_H

#include "wasm/module.h"
#include "wasm/wasm.h"

#include <stdbool.h>
#include <stdint.h>

static int stub_fn(wf_call *call, void *env, const wf_value *args, wf_value *results)
{
    (void)call;
    (void)args;
    const wf_functype *ft = env;
    const wf_valtype *rt = wf_ft_results(ft);
    for (uint32_t i = 0; i < ft->nresults; i++)
        results[i] = (wf_value){.type = rt[i]};
    return 0;
}

static char letter(wf_valtype t)
{
    switch (t) {
    case WF_I32:
        return 'i';
    case WF_I64:
        return 'I';
    case WF_F32:
        return 'f';
    case WF_F64:
        return 'F';
    case WF_FUNCREF:
        return 'r';
    default:
        return 'x';
    }
}

static void sig(const wf_valtype *t, uint32_t n, char *out)
{
    for (uint32_t i = 0; i < n; i++)
        out[i] = letter(t[i]);
    out[n] = '\0';
}

static int define_stubs(const wf_module *m, wf_linker *l, wf_store *s, weft_error **err)
{
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const wf_import *im = &m->imports[i];
        switch (im->kind) {
        case WF_EXTERN_FUNC: {
            const wf_functype *ft = &m->types[im->type_idx];
            if (ft->nparams > 64 || ft->nresults > 64)
                return -1;
            char p[65], r[65];
            sig(ft->types, ft->nparams, p);
            sig(wf_ft_results(ft), ft->nresults, r);
            if (wf_linker_define_func(l, im->module, im->name, p, r, stub_fn, (void *)ft, err) < 0)
                return -1;
            break;
        }
        case WF_EXTERN_MEMORY:
            if (wf_linker_define_memory(l, s, im->module, im->name, im->mem.min,
                                        im->mem.has_max ? im->mem.max : UINT32_MAX, err) < 0)
                return -1;
            break;
        case WF_EXTERN_TABLE:
            if (wf_linker_define_table(
                    l, s, im->module, im->name, im->table.elem, im->table.lim.min,
                    im->table.lim.has_max ? im->table.lim.max : UINT32_MAX, err) < 0)
                return -1;
            break;
        case WF_EXTERN_GLOBAL:
            if (wf_linker_define_global(l, s, im->module, im->name,
                                        (wf_value){.type = im->global.type}, im->global.mut,
                                        err) < 0)
                return -1;
            break;
        }
    }
    return 0;
}

#endif
