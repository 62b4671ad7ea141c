/* What every lifecycle operation needs to know beyond its own arguments:
 * where containers live and how weft was asked to run them. main.c fills it
 * from the global options; container/ reads it and never parses argv. */
#ifndef WEFT_CONTAINER_CONTEXT_H
#define WEFT_CONTAINER_CONTEXT_H

#include <stdbool.h>

struct container_ctx {
    const char *root;           /* state directory: --root, /run/weft or $XDG_RUNTIME_DIR/weft */
    const char *cgroup_manager; /* "cgroupfs" | "systemd" | "disabled" */
    bool wasm_smart_default;    /* invoked as weft-wasm: every container is wasm-smart */
    char **argv;                /* weft's own argv: re-executed as the engines companion */
};

#endif
