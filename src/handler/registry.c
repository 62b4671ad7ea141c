/* The handler registry: every way weft can run a container's process. */
#include "handler/handler.h"

#include <string.h>

static const handler *const registry[] = {
    &handler_native,
    &handler_builtin,
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
    return "builtin";
}
