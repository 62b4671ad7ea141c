/* WASI preview1 for weft's wasm engine: the public API.
 *
 * A wasi_ctx is one guest process's view of the host: its arguments,
 * environment, and a table of WASI descriptors (0-2 stdio, 3.. the preopened
 * directories, then what the guest opens). Every path the guest names is
 * resolved beneath one of those directories with openat2(RESOLVE_BENEATH), so
 * nothing outside a preopen is ever reachable.
 *
 * The context dups every host descriptor it is given: the caller keeps
 * ownership of its own fds, and the guest closing fd 1 does not close the
 * host's stdout.
 */
#ifndef WEFT_WASI_WASI_H
#define WEFT_WASI_WASI_H

#include "util/error.h"
#include "wasm/wasm.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct wasi_preopen {
    const char *guest_path; /* the name the guest sees, e.g. "/" or "/data" */
    int host_fd;            /* O_PATH|O_DIRECTORY (or plain) directory fd, owned by the caller */
    /* false (default): RESOLVE_BENEATH, so `..` past the directory and
     * absolute symlinks fail with ENOTCAPABLE. true: RESOLVE_IN_ROOT, the
     * directory acts as "/" as in a chroot: absolute symlinks and `..` at
     * the top resolve inside it. Meant for a container's rootfs mapped at
     * "/", whose images hold absolute links (/etc/localtime, CA certs).
     * Either way nothing outside the directory is reachable. Applies to
     * lookups from this descriptor; directories opened through it are
     * capabilities of their own (RESOLVE_BENEATH). */
    bool in_root;
} wasi_preopen;

typedef struct wasi_config {
    char *const *argv; /* argv[0] is the program name */
    size_t argc;
    char *const *envp; /* "K=V" */
    size_t envc;
    const wasi_preopen *preopens; /* become WASI fds 3.. in order */
    size_t n_preopens;
    int stdin_fd, stdout_fd, stderr_fd; /* usually 0, 1, 2; -1 = closed */
    /* Optional: called by wasi_run_module once the module is instantiated,
     * just before _start (the container's init tells `start` that the
     * workload runs). */
    void (*on_run)(void *arg);
    void *on_run_arg;
} wasi_config;

typedef struct wasi_ctx wasi_ctx;

int wasi_ctx_new(const wasi_config *cfg, wasi_ctx **out, weft_error **err);
void wasi_ctx_free(wasi_ctx *ctx);

/* Define the functions under "wasi_snapshot_preview1" and, with their own
 * layouts, under the old "wasi_unstable" names: all of them when `only` is
 * NULL, else just those the module `only` imports (what a run needs; a
 * hello world imports a handful of the hundred). `ctx` must outlive `l`'s
 * use. */
int wasi_define(wf_linker *l, wasi_ctx *ctx, const wf_module *only, weft_error **err);

/* Instantiate `m` in a new store with WASI and run `_start`. *exit_status is
 * the proc_exit code, 0 if _start returned; a trap prints "trap: MSG" to
 * stderr and gives 134. Returns -1 only for errors before the run
 * (unlinkable import, no _start, bad preopen, ...). `limits` may be NULL. */
int wasi_run_module(const wf_module *m, const wasi_config *cfg, const wf_config *limits,
                    int *exit_status, weft_error **err);

#endif
