/* WasmEdge, through libwasmedge.so.0's C API (0.13/0.14): a VM with the
 * WASI host module registered, WASI initialised with argv, environ and
 * "/:/" (guest "/" = the container's "/"), then _start run from the
 * buffer. proc_exit ends the run with the "terminated" result, which is
 * not a failure: the code comes from the WASI module. Anything else that
 * stops the run is a trap. The handful of C API types used are declared
 * here (their layout is WasmEdge's documented ABI); no WasmEdge header is
 * needed to build. */
#include "engines/engine.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    uint32_t code;
} we_result;

typedef struct {
    uint32_t length;
    const char *buf;
} we_string;

enum { WE_HOST_REGISTRATION_WASI = 0 };
enum { WE_CODE_TERMINATED = 0x01, WE_CODE_FIRST_EXECUTION = 0x80 };

static struct {
    void *(*conf_create)(void);
    void (*conf_add_host)(void *conf, int reg);
    void (*conf_max_pages)(void *conf, uint32_t pages);
    void *(*vm_create)(const void *conf, void *store);
    void *(*vm_import_module)(void *vm, int reg);
    void (*init_wasi)(void *module, const char *const *args, uint32_t n_args,
                      const char *const *envs, uint32_t n_envs, const char *const *preopens,
                      uint32_t n_preopens);
    uint32_t (*wasi_exit_code)(const void *module);
    we_result (*run_buffer)(void *vm, const uint8_t *buf, uint32_t len, we_string func,
                            const void *params, uint32_t n_params, void *returns,
                            uint32_t n_returns);
    bool (*result_ok)(we_result r);
    uint32_t (*result_code)(we_result r);
    const char *(*result_message)(we_result r);
    void (*log_off)(void);
} we;

static int wasmedge_bind(void *dl, weft_error **err)
{
    const struct engine_sym syms[] = {
        ENGINE_SYM(we.conf_create, "WasmEdge_ConfigureCreate"),
        ENGINE_SYM(we.conf_add_host, "WasmEdge_ConfigureAddHostRegistration"),
        ENGINE_SYM(we.conf_max_pages, "WasmEdge_ConfigureSetMaxMemoryPage"),
        ENGINE_SYM(we.vm_create, "WasmEdge_VMCreate"),
        ENGINE_SYM(we.vm_import_module, "WasmEdge_VMGetImportModuleContext"),
        ENGINE_SYM(we.init_wasi, "WasmEdge_ModuleInstanceInitWASI"),
        ENGINE_SYM(we.wasi_exit_code, "WasmEdge_ModuleInstanceWASIGetExitCode"),
        ENGINE_SYM(we.run_buffer, "WasmEdge_VMRunWasmFromBuffer"),
        ENGINE_SYM(we.result_ok, "WasmEdge_ResultOK"),
        ENGINE_SYM(we.result_code, "WasmEdge_ResultGetCode"),
        ENGINE_SYM(we.result_message, "WasmEdge_ResultGetMessage"),
        ENGINE_SYM(we.log_off, "WasmEdge_LogOff"),
    };
    return engines_bind(dl, "wasmedge", syms, sizeof syms / sizeof *syms, err);
}

static int wasmedge_run(const struct engine_run *r, struct engine_outcome *out, weft_error **err)
{
    if (r->len > UINT32_MAX)
        return werr_set(err, 0, "%s: too large for WasmEdge", r->name);
    /* weft reports a trap in one line of its own */
    we.log_off();
    void *conf = we.conf_create();
    if (conf == NULL)
        return werr_set(err, 0, "WasmEdge_ConfigureCreate failed");
    we.conf_add_host(conf, WE_HOST_REGISTRATION_WASI);
    if (r->max_memory != 0) {
        uint64_t pages = r->max_memory / 65536;
        we.conf_max_pages(conf, pages > 65536 ? 65536 : pages ? (uint32_t)pages : 1);
    }
    void *vm = we.vm_create(conf, NULL);
    if (vm == NULL)
        return werr_set(err, 0, "WasmEdge_VMCreate failed");
    void *wasi = we.vm_import_module(vm, WE_HOST_REGISTRATION_WASI);
    if (wasi == NULL)
        return werr_set(err, 0, "WasmEdge: no WASI module");
    static const char *const preopens[] = {"/:/"};
    we.init_wasi(wasi, (const char *const *)r->argv, (uint32_t)r->argc,
                 (const char *const *)r->envp, (uint32_t)r->envc, preopens, 1);
    we_string start = {.length = 6, .buf = "_start"};
    we_result res = we.run_buffer(vm, r->bytes, (uint32_t)r->len, start, NULL, 0, NULL, 0);
    if (we.result_ok(res) || (we.result_code(res) & 0xffffff) == WE_CODE_TERMINATED) {
        out->status = (int)we.wasi_exit_code(wasi);
        return 0;
    }
    const char *msg = we.result_message(res);
    /* loading, validation and instantiation codes are below 0x80 (wasmedge's
     * enum_errcode.h); only execution failures are traps */
    if ((we.result_code(res) & 0xffffff) < WE_CODE_FIRST_EXECUTION)
        return werr_set(err, 0, "%s: %s", r->name, msg && *msg ? msg : "refused");
    snprintf(out->trap, sizeof out->trap, "%s", msg && *msg ? msg : "execution failed");
    return 0;
}

static const char *const libs[] = {"libwasmedge.so.0", "libwasmedge.so", NULL};

const struct engine_ops engine_wasmedge = {
    .name = "wasmedge",
    .libs = libs,
    .bind = wasmedge_bind,
    .run = wasmedge_run,
};
