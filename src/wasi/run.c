/* The glue between the WASI host functions and weft's engine: wf_host_fn
 * adapters, wasi_define and wasi_run_module. */
#include "wasi/internal.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

/* "trap: MSG" on stderr, without doubling a prefix the engine already gave. */
static void print_trap(const char *msg)
{
    if (strncmp(msg, "trap: ", 6) == 0)
        msg += 6;
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
    if (m.base == NULL)
        m.size = 0; /* every pointer is then out of bounds: EFAULT */
    uint32_t r = b->func->fn(b->ctx, &m, a);
    if (r == WASI_RET_EXIT)
        return wf_call_exit(call, b->ctx->exit_status);
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

static const struct {
    const char *module;
    const wasi_func *table;
} wasi_modules[] = {{"wasi_snapshot_preview1", wasi_preview1_funcs},
                    {"wasi_unstable", wasi_unstable_funcs}};
#define N_WASI_MODULES (sizeof(wasi_modules) / sizeof(wasi_modules[0]))

static const wasi_func *find_func(const wasi_func *t, const char *name)
{
    for (; t->name != NULL; t++)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

/* The functions to define: every one, or only those `m` imports (an
 * unknown name is left for instantiation to report as unlinkable). */
static size_t collect(const wf_module *m, size_t cap, const wasi_func **fs, const char **mods)
{
    size_t k = 0;
    for (size_t i = 0; i < N_WASI_MODULES && m == NULL; i++) {
        for (const wasi_func *f = wasi_modules[i].table; f->name != NULL; f++) {
            fs[k] = f;
            mods[k++] = wasi_modules[i].module;
        }
    }
    for (size_t j = 0; m != NULL && j < wf_module_import_count(m) && k < cap; j++) {
        wf_import_info im = wf_module_import(m, j);
        for (size_t i = 0; i < N_WASI_MODULES && im.kind == WF_EXTERN_FUNC; i++) {
            if (strcmp(im.module, wasi_modules[i].module) != 0)
                continue;
            fs[k] = find_func(wasi_modules[i].table, im.name);
            if (fs[k] != NULL)
                mods[k++] = wasi_modules[i].module;
        }
    }
    return k;
}

int wasi_define(wf_linker *l, wasi_ctx *ctx, const wf_module *only, weft_error **err)
{
    size_t cap = only != NULL ? wf_module_import_count(only)
                              : table_len(wasi_preview1_funcs) + table_len(wasi_unstable_funcs);
    const wasi_func **fs = xcalloc(cap + 1, sizeof *fs);
    const char **mods = xcalloc(cap + 1, sizeof *mods);
    size_t n = collect(only, cap, fs, mods);
    /* One binding per definition; they live as long as ctx, which must outlive
     * every store linked with it. */
    struct wasi_binding *b = xcalloc(n + 1, sizeof(*b));
    int r = 0;
    for (size_t k = 0; k < n && r == 0; k++) {
        b[k] = (struct wasi_binding){ctx, fs[k]};
        r = wf_linker_define_func(l, mods[k], fs[k]->name, fs[k]->params, fs[k]->results, host_call,
                                  &b[k], err);
        if (r < 0)
            werr_prefix(err, "wasi: defining %s.%s", mods[k], fs[k]->name);
    }
    free(fs);
    free(mods);
    if (r < 0) {
        free(b);
        return -1;
    }
    free(ctx->bindings);
    ctx->bindings = b;
    ctx->n_bindings = n;
    return 0;
}

/* Run _start; map how the run ended to an exit status. */
static int run_start(wf_instance *inst, int *exit_status, weft_error **err)
{
    wf_valtype params[4], results[4];
    size_t np = 0, nr = 0;
    if (wf_export_func_type(inst, "_start", params, &np, results, &nr, 4, err) < 0)
        return -1;
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
        if (ex.kind == WF_EXTERN_FUNC && strcmp(ex.name, "_start") == 0)
            has_start = true;
    }
    if (!has_start)
        return werr_set(err, 0, "wasi: the module exports no _start function");
    wasi_ctx *ctx = NULL;
    if (wasi_ctx_new(cfg, &ctx, err) < 0)
        return -1;
    wf_store *store = wf_store_new(limits);
    wf_linker *l = wf_linker_new();
    wf_instance *inst = NULL;
    int rc = -1;
    if (wasi_define(l, ctx, m, err) < 0)
        goto out;
    weft_error *inst_err = NULL;
    if (wf_instantiate(store, m, l, &inst, &inst_err) < 0) {
        /* A trap or proc_exit in a start function is part of the run. */
        if (inst_err->kind == WF_ERR_EXIT || inst_err->kind == WF_ERR_TRAP ||
            inst_err->kind == WF_ERR_EXHAUSTED) {
            *exit_status = inst_err->kind == WF_ERR_EXIT ? inst_err->status : 134;
            if (inst_err->kind != WF_ERR_EXIT)
                print_trap(inst_err->msg);
            werr_free(inst_err);
            rc = 0;
        } else {
            *err = inst_err;
        }
        goto out;
    }
    if (cfg->on_run != NULL)
        cfg->on_run(cfg->on_run_arg);
    rc = run_start(inst, exit_status, err);
out:
    wf_linker_free(l);
    wf_store_free(store);
    wasi_ctx_free(ctx);
    return rc;
}
