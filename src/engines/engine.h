/* External wasm engines, run from weft's engines companion (weft-engines,
 * see handler/host.c and docs/engines.md). Each engine's library is
 * opened at run time (load.c); none is a build dependency: every backend
 * declares the few types and functions of the engine's C API it uses and
 * resolves them with dlsym. */
#ifndef WEFT_ENGINES_ENGINE_H
#define WEFT_ENGINES_ENGINE_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

/* One run of a WASI command: the contract every engine keeps. */
struct engine_run {
    const uint8_t *bytes; /* a binary module (text was converted by weft) */
    size_t len;
    const char *name;  /* the entrypoint's path, for messages */
    char *const *argv; /* process.args */
    size_t argc;
    char *const *envp; /* process.env + PWD */
    size_t envc;
    uint64_t max_memory; /* bytes the module's memory may reach, 0 = no cap */
};

/* How a run ended. */
struct engine_outcome {
    int status;     /* the module's exit status (proc_exit or 0) */
    char trap[256]; /* non-empty: the module trapped, and why */
};

struct engine_ops {
    const char *name;        /* run.oci.handler's name: "wasmedge" */
    const char *const *libs; /* library file names, most specific first */
    /* Resolve the functions used from the opened library. */
    int (*bind)(void *dl, weft_error **err);
    /* Instantiate with WASI (argv, environ, "/" preopened as "/", stdio
     * 0-2) and run _start. -1 only for failures before the module runs
     * (refused module, unlinkable import). */
    int (*run)(const struct engine_run *r, struct engine_outcome *out, weft_error **err);
};

extern const struct engine_ops engine_wasmedge;
extern const struct engine_ops engine_wasmtime;
extern const struct engine_ops engine_wasmer;
extern const struct engine_ops engine_wamr;

/* The engine loaded by engines_load, NULL if none. */
const struct engine_ops *engines_loaded(void);

/* A function to resolve and where to put it. */
struct engine_sym {
    const char *name;
    void **slot;
};
#define ENGINE_SYM(field, name)                                                                    \
    {                                                                                              \
        (name), (void **)&(field)                                                                  \
    }

/* dlsym every symbol, failing with the first missing one. */
int engines_bind(void *dl, const char *engine, const struct engine_sym *syms, size_t n,
                 weft_error **err);
/* dlsym of a function only some versions have (NULL if absent) */
void *engines_optional(void *dl, const char *name);

#endif
