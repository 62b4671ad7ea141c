/* wasmtime, through libwasmtime.so's C API (wasmtime.h, wasi.h): an engine
 * and a store (with a memory limiter for the cap), WASI configured with
 * argv, environ, inherited stdio and the container's "/" preopened as "/",
 * a linker with WASI, the module linked as the default command and _start
 * called. proc_exit comes back as an error that carries an exit status;
 * a trap as a wasm_trap_t.
 *
 * UNTESTED here: no wasmtime library can be installed on weft's build
 * machines. Written against the published headers (types declared here,
 * not copied); the engine tests run wherever libwasmtime.so is found.
 * wasi_config_preopen_dir is called with (host, guest, 3, 3): the versions
 * that take (bool mutable) or (dir_perms, file_perms) both read that as
 * "read and write", and the oldest (host, guest) ignores the rest. */
#include "engines/engine.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t size;
    char *data;
} wt_byte_vec;

/* wasmtime_func_t: a store id and private words; room to spare */
typedef struct {
    uint64_t words[4];
} wt_func;

static struct {
    void *(*engine_new)(void);
    void *(*store_new)(void *engine, void *data, void (*finalizer)(void *));
    void *(*store_context)(void *store);
    void (*store_limiter)(void *store, int64_t memory_size, int64_t table_elements,
                          int64_t instances, int64_t tables, int64_t memories);
    void *(*linker_new)(void *engine);
    void *(*linker_define_wasi)(void *linker);
    void *(*context_set_wasi)(void *context, void *wasi);
    void *(*module_new)(void *engine, const uint8_t *wasm, size_t len, void **out);
    void *(*linker_module)(void *linker, void *context, const char *name, size_t len,
                           const void *module);
    void *(*linker_get_default)(const void *linker, void *context, const char *name, size_t len,
                                wt_func *func);
    void *(*func_call)(void *context, const wt_func *func, const void *args, size_t nargs,
                       void *results, size_t nresults, void **trap);
    bool (*error_exit_status)(const void *error, int *status);
    void (*error_message)(const void *error, wt_byte_vec *msg);
    void (*trap_message)(const void *trap, wt_byte_vec *msg);
    void (*byte_vec_delete)(wt_byte_vec *v);
    void *(*wasi_config_new)(void);
    bool (*wasi_set_argv)(void *config, size_t argc, const char *argv[]);
    bool (*wasi_set_env)(void *config, size_t envc, const char *names[], const char *values[]);
    void (*wasi_inherit_stdin)(void *config);
    void (*wasi_inherit_stdout)(void *config);
    void (*wasi_inherit_stderr)(void *config);
    bool (*wasi_preopen_dir)(void *config, const char *host, const char *guest, size_t a, size_t b);
} wt;

static int wasmtime_bind(void *dl, weft_error **err)
{
    const struct engine_sym syms[] = {
        ENGINE_SYM(wt.engine_new, "wasm_engine_new"),
        ENGINE_SYM(wt.store_new, "wasmtime_store_new"),
        ENGINE_SYM(wt.store_context, "wasmtime_store_context"),
        ENGINE_SYM(wt.store_limiter, "wasmtime_store_limiter"),
        ENGINE_SYM(wt.linker_new, "wasmtime_linker_new"),
        ENGINE_SYM(wt.linker_define_wasi, "wasmtime_linker_define_wasi"),
        ENGINE_SYM(wt.context_set_wasi, "wasmtime_context_set_wasi"),
        ENGINE_SYM(wt.module_new, "wasmtime_module_new"),
        ENGINE_SYM(wt.linker_module, "wasmtime_linker_module"),
        ENGINE_SYM(wt.linker_get_default, "wasmtime_linker_get_default"),
        ENGINE_SYM(wt.func_call, "wasmtime_func_call"),
        ENGINE_SYM(wt.error_exit_status, "wasmtime_error_exit_status"),
        ENGINE_SYM(wt.error_message, "wasmtime_error_message"),
        ENGINE_SYM(wt.trap_message, "wasm_trap_message"),
        ENGINE_SYM(wt.byte_vec_delete, "wasm_byte_vec_delete"),
        ENGINE_SYM(wt.wasi_config_new, "wasi_config_new"),
        ENGINE_SYM(wt.wasi_set_argv, "wasi_config_set_argv"),
        ENGINE_SYM(wt.wasi_set_env, "wasi_config_set_env"),
        ENGINE_SYM(wt.wasi_inherit_stdin, "wasi_config_inherit_stdin"),
        ENGINE_SYM(wt.wasi_inherit_stdout, "wasi_config_inherit_stdout"),
        ENGINE_SYM(wt.wasi_inherit_stderr, "wasi_config_inherit_stderr"),
        ENGINE_SYM(wt.wasi_preopen_dir, "wasi_config_preopen_dir"),
    };
    return engines_bind(dl, "wasmtime", syms, sizeof syms / sizeof *syms, err);
}

/* a wasmtime error as weft's: the message, then the error is not freed
 * (the process ends right after) */
static int wt_fail(const void *error, const char *what, const char *name, weft_error **err)
{
    wt_byte_vec msg = {0};
    wt.error_message(error, &msg);
    werr_set(err, 0, "%s: %s: %.*s", name, what, (int)msg.size, msg.data ? msg.data : "");
    wt.byte_vec_delete(&msg);
    return -1;
}

static void *wasi_config(const struct engine_run *r)
{
    void *c = wt.wasi_config_new();
    wt.wasi_set_argv(c, r->argc, (const char **)r->argv);
    const char *names[r->envc + 1], *values[r->envc + 1];
    char *copies[r->envc + 1];
    size_t n = 0;
    for (size_t i = 0; i < r->envc; i++) {
        const char *eq = strchr(r->envp[i], '=');
        if (eq == NULL)
            continue;
        copies[n] = strndup(r->envp[i], (size_t)(eq - r->envp[i]));
        names[n] = copies[n];
        values[n++] = eq + 1;
    }
    wt.wasi_set_env(c, n, names, values);
    for (size_t i = 0; i < n; i++)
        free(copies[i]);
    wt.wasi_inherit_stdin(c);
    wt.wasi_inherit_stdout(c);
    wt.wasi_inherit_stderr(c);
    wt.wasi_preopen_dir(c, "/", "/", 3, 3);
    return c;
}

static int wasmtime_run(const struct engine_run *r, struct engine_outcome *out, weft_error **err)
{
    void *engine = wt.engine_new();
    void *store = wt.store_new(engine, NULL, NULL);
    void *ctx = wt.store_context(store);
    if (r->max_memory != 0)
        wt.store_limiter(store, (int64_t)r->max_memory, -1, -1, -1, -1);
    void *e;
    if ((e = wt.context_set_wasi(ctx, wasi_config(r))) != NULL)
        return wt_fail(e, "WASI", r->name, err);
    void *linker = wt.linker_new(engine);
    if ((e = wt.linker_define_wasi(linker)) != NULL)
        return wt_fail(e, "WASI", r->name, err);
    void *module = NULL;
    if ((e = wt.module_new(engine, r->bytes, r->len, &module)) != NULL)
        return wt_fail(e, "load", r->name, err);
    if ((e = wt.linker_module(linker, ctx, "", 0, module)) != NULL)
        return wt_fail(e, "link", r->name, err);
    wt_func start;
    if ((e = wt.linker_get_default(linker, ctx, "", 0, &start)) != NULL)
        return wt_fail(e, "_start", r->name, err);
    void *trap = NULL;
    e = wt.func_call(ctx, &start, NULL, 0, NULL, 0, &trap);
    int status = 0;
    if (e != NULL && wt.error_exit_status(e, &status)) {
        out->status = status;
        return 0;
    }
    if (e != NULL)
        return wt_fail(e, "run", r->name, err);
    if (trap != NULL) {
        wt_byte_vec msg = {0};
        wt.trap_message(trap, &msg);
        snprintf(out->trap, sizeof out->trap, "%.*s", (int)msg.size, msg.data ? msg.data : "");
        wt.byte_vec_delete(&msg);
        return 0;
    }
    out->status = 0;
    return 0;
}

static const char *const libs[] = {"libwasmtime.so", NULL};

const struct engine_ops engine_wasmtime = {
    .name = "wasmtime",
    .libs = libs,
    .bind = wasmtime_bind,
    .run = wasmtime_run,
};
