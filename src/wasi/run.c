/* The glue between the WASI host functions and weft's engine: wf_host_fn
 * adapters, wasi_define and wasi_run_module. */
#include "wasi/internal.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

/* "trap: MSG" on stderr, without doubling a prefix the engine already gave. */
static void print_trap(const char *msg)
{
    if (strncmp(msg, "trap: ", 6) == 0) msg += 6;
    fprintf(stderr, "trap: %s\n", msg);
}

struct wasi_binding {
    wasi_ctx *ctx;
    const wasi_func *func;
};

static int host_call(wf_call *call, void *env, const wf_value *args, wf_value *results)
{
    const struct wasi_binding *b = env;
    uint64_t a[10] = {0};
    size_t n = strlen(b->func->params);
    for (size_t i = 0; i < n && i < 10; i++)
        a[i] = b->func->params[i] == 'I' ? args[i].of.i64 : (uint64_t)args[i].of.i32;
    wasi_mem m = {0};
    m.base = wf_call_memory(call, &m.size);
    if (m.base == NULL) m.size = 0; /* every pointer is then out of bounds: EFAULT */
    uint32_t r = b->func->fn(b->ctx, &m, a);
    if (r == WASI_RET_EXIT) return wf_call_exit(call, b->ctx->exit_status);
    if (b->func->results[0] != '\0') {
        results[0].type = WF_I32;
        results[0].of.i32 = r;
    }
    return 0;
}

static size_t table_len(const wasi_func *t)
{
    size_t n = 0;
    while (t[n].name != NULL)
        n++;
    return n;
}

int wasi_define(wf_linker *l, wasi_ctx *ctx, weft_error **err)
{
    static const struct {
        const char *module;
        const wasi_func *table;
    } mods[] = {{"wasi_snapshot_preview1", wasi_preview1_funcs},
                {"wasi_unstable", wasi_unstable_funcs}};
    size_t total = table_len(wasi_preview1_funcs) + table_len(wasi_unstable_funcs);
    /* One binding per definition; they live as long as ctx, which must outlive
     * every store linked with it. */
    struct wasi_binding *b = xcalloc(total, sizeof(*b));
    size_t k = 0;
    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
        for (const wasi_func *f = mods[i].table; f->name != NULL; f++) {
            b[k] = (struct wasi_binding){ctx, f};
            if (wf_linker_define_func(l, mods[i].module, f->name, f->params, f->results, host_call,
                                      &b[k], err) < 0) {
                free(b);
                return werr_prefix(err, "wasi: defining %s.%s", mods[i].module, f->name);
            }
            k++;
        }
    }
    free(ctx->bindings);
    ctx->bindings = b;
    ctx->n_bindings = total;
    return 0;
}

/* Run _start; map how the run ended to an exit status. */
static int run_start(wf_instance *inst, int *exit_status, weft_error **err)
{
    wf_valtype params[4], results[4];
    size_t np = 0, nr = 0;
    if (wf_export_func_type(inst, "_start", params, &np, results, &nr, 4, err) < 0) return -1;
    if (np != 0 || nr != 0)
        return werr_set(err, 0,
                        "wasi: _start must take and return nothing (has %zu params, %zu "
                        "results)",
                        np, nr);
    weft_error *run_err = NULL;
    size_t nres = 0;
    if (wf_invoke(inst, "_start", NULL, 0, NULL, &nres, &run_err) == 0) {
        *exit_status = 0;
        return 0;
    }
    int kind = run_err->kind;
    if (kind == WF_ERR_EXIT) {
        *exit_status = run_err->status;
    } else if (kind == WF_ERR_TRAP || kind == WF_ERR_EXHAUSTED) {
        print_trap(run_err->msg);
        *exit_status = 134;
    } else {
        *err = run_err;
        return -1;
    }
    werr_free(run_err);
    return 0;
}

int wasi_run_module(const wf_module *m, const wasi_config *cfg, const wf_config *limits,
                    int *exit_status, weft_error **err)
{
    bool has_start = false;
    for (size_t i = 0; i < wf_module_export_count(m); i++) {
        wf_export_info ex = wf_module_export(m, i);
        if (ex.kind == WF_EXTERN_FUNC && strcmp(ex.name, "_start") == 0) has_start = true;
    }
    if (!has_start) return werr_set(err, 0, "wasi: the module exports no _start function");
    wasi_ctx *ctx = NULL;
    if (wasi_ctx_new(cfg, &ctx, err) < 0) return -1;
    wf_store *store = wf_store_new(limits);
    wf_linker *l = wf_linker_new();
    wf_instance *inst = NULL;
    int rc = -1;
    if (wasi_define(l, ctx, err) < 0) goto out;
    weft_error *inst_err = NULL;
    if (wf_instantiate(store, m, l, &inst, &inst_err) < 0) {
        /* A trap or proc_exit in a start function is part of the run. */
        if (inst_err->kind == WF_ERR_EXIT || inst_err->kind == WF_ERR_TRAP ||
            inst_err->kind == WF_ERR_EXHAUSTED) {
            *exit_status = inst_err->kind == WF_ERR_EXIT ? inst_err->status : 134;
            if (inst_err->kind != WF_ERR_EXIT) print_trap(inst_err->msg);
            werr_free(inst_err);
            rc = 0;
        } else {
            *err = inst_err;
        }
        goto out;
    }
    rc = run_start(inst, exit_status, err);
out:
    wf_linker_free(l);
    wf_store_free(store);
    wasi_ctx_free(ctx);
    return rc;
}
