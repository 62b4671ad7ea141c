/* A handler decides what the container's process is once the container is
 * fully set up: the native handler execve()s process.args; the wasm handler
 * runs the entrypoint as a WASI module on weft's engine, in the same process
 * and so under every namespace, cgroup and seccomp filter. */
#ifndef WEFT_HANDLER_HANDLER_H
#define WEFT_HANDLER_HANDLER_H

#include "oci/spec.h"
#include "util/error.h"

#include <stdbool.h>

typedef struct handler {
    const char *name;
    /* Load and check the workload before the container waits for `start`, so
     * a bad entrypoint fails `create` with a clear error. May keep state in
     * *prepared (freed by `exec` or `discard`). */
    int (*prepare)(const oci_spec *spec, const oci_process *p, const char *resolved,
                   void **prepared, weft_error **err);
    /* Become the workload. Returns only on failure. For native that is
     * execve; for wasm it runs the module and _exit()s with its status.
     * *started_fd (-1: none) must be closed, and set to -1, at the moment
     * the workload begins: execve does it for native (the fd is
     * O_CLOEXEC); wasm closes it once the module is instantiated, just
     * before _start. `start` waits for that before the poststart hooks. */
    int (*exec)(const oci_process *p, const char *resolved, void *prepared, int *started_fd,
                weft_error **err);
    /* exec is an execve: LSM labels are set to apply at it. Otherwise the
     * handler applies them itself at once (lsm_apply) before it runs. */
    bool execs;
} handler;

extern const handler handler_native;
extern const handler handler_wasm;

/* Resolve process.args[0] the way execve(3)/execvp would inside the container
 * (absolute, relative to the cwd, or through PATH from process.env).
 * A missing file is "exec: NAME: No such file or directory" with status 127,
 * a non-executable one status 126, like shells. */
int handler_resolve_entrypoint(const oci_process *p, char **resolved, weft_error **err);

/* Choose the handler for a container (in the container, after pivot_root):
 *   - a pod's sandbox (pause) container is always native;
 *   - run.oci.handler: wasm | builtin → wasm; wasm-smart → wasm when the
 *     entrypoint is wasm; when present, module.wasm.image/variant is ignored;
 *   - module.wasm.image/variant: compat → wasm; compat-smart → smart;
 *   - otherwise smart when weft runs as weft-wasm, else native.
 * "Is wasm" is decided by content: a core module, or text that parses as a
 * module. Unknown values are errors naming the annotation. */
int handler_select(const oci_spec *spec, const oci_process *p, bool wasm_smart_default,
                   const char *resolved, const handler **out, weft_error **err);

#endif
