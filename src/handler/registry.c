/* The handler registry: every way weft can run a container's process. */
#include "handler/handler.h"

#include <string.h>

/* The external engines are linked into the engines companion only
 * (src/engines/, see host.c): in the static weft these are NULL. */
extern const handler handler_wasmedge __attribute__((weak));
extern const handler handler_wasmtime __attribute__((weak));
extern const handler handler_wasmer __attribute__((weak));
extern const handler handler_wamr __attribute__((weak));

static const handler *const registry[] = {
    &handler_native,   &handler_builtin, &handler_wasmedge,
    &handler_wasmtime, &handler_wasmer,  &handler_wamr,
};

#define N_REGISTRY (sizeof registry / sizeof *registry)

const handler *handler_find(const char *name)
{
    for (size_t i = 0; i < N_REGISTRY; i++)
        if (registry[i] != NULL && strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const char *handler_engine_names(void)
{
    return "builtin, wasmedge, wasmtime, wasmer, wamr";
}
