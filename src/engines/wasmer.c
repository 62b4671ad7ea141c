/* wasmer, through libwasmer.so's C API (the standard wasm.h plus wasmer's
 * wasi extension, 3.x and later): a store, WASI configured with argv,
 * environ, inherited stdio and "/" mapped as "/", the module's imports
 * from the WASI environment, the instance's memory handed to WASI, and
 * the start function called. wasmer reports proc_exit as a trap whose
 * message carries the code ("WASI exited with code: N"); any other trap
 * is a trap.
 *
 * UNTESTED here: no wasmer library can be installed on weft's build
 * machines. Written against the published API (types declared here, not
 * copied); the engine tests run wherever libwasmer.so is found. wasmer has
 * no per-store memory cap in this API: the container's cgroup limit holds. */
#include "engines/engine.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t size;
    char *data;
} wr_byte_vec;

typedef struct {
    size_t size;
    void **data;
} wr_ptr_vec;

static struct {
    void *(*engine_new)(void);
    void *(*store_new)(void *engine);
    void *(*module_new)(void *store, const wr_byte_vec *binary);
    void *(*instance_new)(void *store, const void *module, const wr_ptr_vec *imports, void **trap);
    void *(*func_call)(const void *func, const wr_ptr_vec *args, wr_ptr_vec *results);
    void (*trap_message)(const void *trap, wr_byte_vec *msg);
    void *(*config_new)(const char *program);
    void (*config_arg)(void *config, const char *arg);
    void (*config_env)(void *config, const char *key, const char *value);
    bool (*config_mapdir)(void *config, const char *alias, const char *dir);
    void (*inherit_stdin)(void *config);
    void (*inherit_stdout)(void *config);
    void (*inherit_stderr)(void *config);
    void *(*env_new)(void *store, void *config);
    bool (*get_imports)(const void *store, void *env, const void *module, wr_ptr_vec *imports);
    bool (*env_init_instance)(void *env, void *store, void *instance);
    void *(*start_function)(void *instance);
    int (*last_error_length)(void);
    int (*last_error_message)(char *buf, int len);
} wr;

static int wasmer_bind(void *dl, weft_error **err)
{
    const struct engine_sym syms[] = {
        ENGINE_SYM(wr.engine_new, "wasm_engine_new"),
        ENGINE_SYM(wr.store_new, "wasm_store_new"),
        ENGINE_SYM(wr.module_new, "wasm_module_new"),
        ENGINE_SYM(wr.instance_new, "wasm_instance_new"),
        ENGINE_SYM(wr.func_call, "wasm_func_call"),
        ENGINE_SYM(wr.trap_message, "wasm_trap_message"),
        ENGINE_SYM(wr.config_new, "wasi_config_new"),
        ENGINE_SYM(wr.config_arg, "wasi_config_arg"),
        ENGINE_SYM(wr.config_env, "wasi_config_env"),
        ENGINE_SYM(wr.config_mapdir, "wasi_config_mapdir"),
        ENGINE_SYM(wr.inherit_stdin, "wasi_config_inherit_stdin"),
        ENGINE_SYM(wr.inherit_stdout, "wasi_config_inherit_stdout"),
        ENGINE_SYM(wr.inherit_stderr, "wasi_config_inherit_stderr"),
        ENGINE_SYM(wr.env_new, "wasi_env_new"),
        ENGINE_SYM(wr.get_imports, "wasi_get_imports"),
        ENGINE_SYM(wr.env_init_instance, "wasi_env_initialize_instance"),
        ENGINE_SYM(wr.start_function, "wasi_get_start_function"),
        ENGINE_SYM(wr.last_error_length, "wasmer_last_error_length"),
        ENGINE_SYM(wr.last_error_message, "wasmer_last_error_message"),
    };
    return engines_bind(dl, "wasmer", syms, sizeof syms / sizeof *syms, err);
}

static int wr_fail(const char *what, const char *name, weft_error **err)
{
    char msg[512] = "";
    int n = wr.last_error_length();
    if (n > 0)
        wr.last_error_message(msg, (int)sizeof msg);
    return werr_set(err, 0, "%s: %s%s%s", name, what, msg[0] ? ": " : "", msg);
}

static void *wasi_config(const struct engine_run *r)
{
    void *c = wr.config_new(r->argc > 0 ? r->argv[0] : "");
    for (size_t i = 1; i < r->argc; i++)
        wr.config_arg(c, r->argv[i]);
    for (size_t i = 0; i < r->envc; i++) {
        const char *eq = strchr(r->envp[i], '=');
        if (eq == NULL)
            continue;
        char *key = strndup(r->envp[i], (size_t)(eq - r->envp[i]));
        wr.config_env(c, key, eq + 1);
        free(key);
    }
    wr.inherit_stdin(c);
    wr.inherit_stdout(c);
    wr.inherit_stderr(c);
    wr.config_mapdir(c, "/", "/");
    return c;
}

/* proc_exit: "WASI exited with code: N" */
static bool exit_code_of(const char *msg, int *status)
{
    const char *p = strstr(msg, "exited with code");
    if (p == NULL)
        return false;
    p += strlen("exited with code");
    while (*p && (*p < '0' || *p > '9'))
        p++;
    if (*p == '\0')
        return false;
    *status = atoi(p);
    return true;
}

static int wasmer_run(const struct engine_run *r, struct engine_outcome *out, weft_error **err)
{
    void *store = wr.store_new(wr.engine_new());
    wr_byte_vec bin = {.size = r->len, .data = (char *)r->bytes};
    void *module = wr.module_new(store, &bin);
    if (module == NULL)
        return wr_fail("load", r->name, err);
    void *env = wr.env_new(store, wasi_config(r));
    if (env == NULL)
        return wr_fail("WASI", r->name, err);
    wr_ptr_vec imports = {0};
    if (!wr.get_imports(store, env, module, &imports))
        return wr_fail("imports", r->name, err);
    void *trap = NULL;
    void *inst = wr.instance_new(store, module, &imports, &trap);
    if (inst == NULL)
        return wr_fail("instantiate", r->name, err);
    if (!wr.env_init_instance(env, store, inst))
        return wr_fail("WASI memory", r->name, err);
    void *start = wr.start_function(inst);
    if (start == NULL)
        return wr_fail("_start", r->name, err);
    wr_ptr_vec none = {0}, results = {0};
    trap = wr.func_call(start, &none, &results);
    out->status = 0;
    if (trap == NULL)
        return 0;
    wr_byte_vec msg = {0};
    wr.trap_message(trap, &msg);
    char text[256];
    snprintf(text, sizeof text, "%.*s", (int)msg.size, msg.data ? msg.data : "");
    if (!exit_code_of(text, &out->status))
        snprintf(out->trap, sizeof out->trap, "%s", text);
    return 0;
}

static const char *const libs[] = {"libwasmer.so", NULL};

const struct engine_ops engine_wasmer = {
    .name = "wasmer",
    .libs = libs,
    .bind = wasmer_bind,
    .run = wasmer_run,
};
