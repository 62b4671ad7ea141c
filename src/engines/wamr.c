/* WAMR (WebAssembly Micro Runtime), through libiwasm.so's wasm_export.h
 * API: the module is loaded from a copy of its bytes (WAMR may write into
 * the buffer), given its WASI arguments, instantiated and its _start run.
 * WAMR reports proc_exit as success and keeps the code apart; any other
 * exception is a trap. Types and prototypes are declared here, from the
 * published header's documentation; no WAMR header is needed to build. */
#include "engines/engine.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* wasm_export.h's InstantiationArgs (WAMR 2.x) */
struct wamr_inst_args {
    uint32_t default_stack_size;
    uint32_t host_managed_heap_size;
    uint32_t max_memory_pages;
};

static struct {
    bool (*init)(void);
    void *(*load)(uint8_t *buf, uint32_t size, char *error, uint32_t error_size);
    void (*set_wasi_args_ex)(void *module, const char *dirs[], uint32_t n_dirs,
                             const char *map_dirs[], uint32_t n_map, const char *env[],
                             uint32_t n_env, char *argv[], int argc, int64_t in, int64_t out,
                             int64_t errfd);
    void *(*instantiate)(void *module, uint32_t stack, uint32_t heap, char *error,
                         uint32_t error_size);
    bool (*execute_main)(void *inst, int32_t argc, char *argv[]);
    const char *(*get_exception)(void *inst);
    uint32_t (*exit_code)(void *inst);
    /* WAMR 2.x only: the memory cap */
    void *(*instantiate_ex)(void *module, const struct wamr_inst_args *args, char *error,
                            uint32_t error_size);
} wamr;

#define STACK_SIZE (1u << 20)

static int wamr_bind(void *dl, weft_error **err)
{
    const struct engine_sym syms[] = {
        ENGINE_SYM(wamr.init, "wasm_runtime_init"),
        ENGINE_SYM(wamr.load, "wasm_runtime_load"),
        ENGINE_SYM(wamr.set_wasi_args_ex, "wasm_runtime_set_wasi_args_ex"),
        ENGINE_SYM(wamr.instantiate, "wasm_runtime_instantiate"),
        ENGINE_SYM(wamr.execute_main, "wasm_application_execute_main"),
        ENGINE_SYM(wamr.get_exception, "wasm_runtime_get_exception"),
        ENGINE_SYM(wamr.exit_code, "wasm_runtime_get_wasi_exit_code"),
    };
    if (engines_bind(dl, "wamr", syms, sizeof syms / sizeof *syms, err) < 0)
        return -1;
    *(void **)&wamr.instantiate_ex = engines_optional(dl, "wasm_runtime_instantiate_ex");
    return 0;
}

static void *instantiate(void *module, uint64_t max_memory, char *error, uint32_t size)
{
    if (wamr.instantiate_ex != NULL) {
        uint64_t pages = max_memory / 65536;
        struct wamr_inst_args a = {
            .default_stack_size = STACK_SIZE,
            .max_memory_pages = max_memory == 0 ? 0
                                : pages > 65536 ? 65536
                                                : (uint32_t)pages,
        };
        return wamr.instantiate_ex(module, &a, error, size);
    }
    return wamr.instantiate(module, STACK_SIZE, 0, error, size);
}

static int wamr_run(const struct engine_run *r, struct engine_outcome *out, weft_error **err)
{
    char error[256] = "";
    if (!wamr.init())
        return werr_set(err, 0, "wasm_runtime_init failed");
    if (r->len > UINT32_MAX)
        return werr_set(err, 0, "%s: too large for WAMR", r->name);
    cleanup_free uint8_t *copy = xmalloc(r->len ? r->len : 1);
    memcpy(copy, r->bytes, r->len);
    void *module = wamr.load(copy, (uint32_t)r->len, error, sizeof error);
    if (module == NULL)
        return werr_set(err, 0, "%s: %s", r->name, error);
    const char *dirs[] = {"/"};
    wamr.set_wasi_args_ex(module, dirs, 1, NULL, 0, (const char **)r->envp, (uint32_t)r->envc,
                          (char **)r->argv, (int)r->argc, 0, 1, 2);
    void *inst = instantiate(module, r->max_memory, error, sizeof error);
    if (inst == NULL)
        return werr_set(err, 0, "%s: %s", r->name, error);
    if (wamr.execute_main(inst, (int32_t)r->argc, (char **)r->argv)) {
        out->status = (int)wamr.exit_code(inst);
        return 0;
    }
    const char *why = wamr.get_exception(inst);
    const char *prefix = "Exception: ";
    if (why != NULL && strncmp(why, prefix, strlen(prefix)) == 0)
        why += strlen(prefix);
    snprintf(out->trap, sizeof out->trap, "%s", why && *why ? why : "unknown exception");
    return 0;
}

static const char *const libs[] = {"libiwasm.so", "libiwasm.so.2", "libiwasm.so.1", NULL};

const struct engine_ops engine_wamr = {
    .name = "wamr",
    .libs = libs,
    .bind = wamr_bind,
    .run = wamr_run,
};
