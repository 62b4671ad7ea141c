/* A handler decides what the container's process is once the container is
 * fully set up: the native handler execve()s process.args; the wasm
 * handlers run the entrypoint as a WASI module, in the same process and so
 * under every namespace, cgroup and seccomp filter.
 *
 * The handlers form one registry (registry.c): native, builtin wasm, and
 * the external engines (docs/engines.md). select.c picks an entry by the
 * annotations and, where the choice is left to content, walks the
 * candidates asking each whether it can handle the entrypoint. */
#ifndef WEFT_HANDLER_HANDLER_H
#define WEFT_HANDLER_HANDLER_H

#include "oci/spec.h"
#include "util/error.h"

#include <stdbool.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>

/* The entrypoint, resolved once and read at most once: whoever first needs
 * its bytes reads them (entrypoint_bytes); text is turned into a binary
 * module at most once (entrypoint_wasm), and every later step sees the
 * binary. A native container never reads its entrypoint. */
struct entrypoint {
    char *path;     /* process.args[0] resolved like execvp */
    uint8_t *bytes; /* NULL until read */
    size_t len;
    bool is_binary;   /* bytes hold a binary core module (text already converted) */
    struct stat seen; /* the file as it was read (the AOT cache index's identity) */
    bool held_still;  /* ... and nothing changed it while it was read */
};

typedef struct handler {
    const char *name;
    /* By content: 1 when this handler runs `ep`, 0 when not, -1 on an error
     * worth reporting (a component, an unreadable file). NULL = always 1. */
    int (*can_handle)(struct entrypoint *ep, weft_error **err);
    /* Load and check the workload before the container waits for `start`, so
     * a bad entrypoint fails `create` with a clear error. May keep state in
     * *prepared, which `exec` consumes or `discard` frees. */
    int (*prepare)(const oci_spec *spec, const oci_process *p, struct entrypoint *ep,
                   void **prepared, weft_error **err);
    /* Become the workload. Returns only on failure. For native that is
     * execve; for wasm it runs the module and _exit()s with its status.
     * *started_fd (-1: none) must be closed, and set to -1, at the moment
     * the workload begins: execve does it for native (the fd is
     * O_CLOEXEC); wasm closes it once the module is instantiated, just
     * before _start. `start` waits for that before the poststart hooks. */
    int (*exec)(const oci_process *p, struct entrypoint *ep, void *prepared, int *started_fd,
                weft_error **err);
    /* Free what prepare kept when exec will not run (NULL: nothing kept). */
    void (*discard)(void *prepared);
    /* exec is an execve: LSM labels are set to apply at it. Otherwise the
     * handler applies them itself at once (lsm_apply) before it runs. */
    bool execs;
    /* a WebAssembly engine (may be the default engine) */
    bool wasm;
} handler;

extern const handler handler_native;
extern const handler handler_builtin;

/* The registry, by the names of run.oci.handler (crun's): "native" is not
 * one of them but is an entry. NULL when the name is unknown. */
const handler *handler_find(const char *name);
/* Every engine name the registry knows, for messages: "builtin, wasmedge, ..." */
const char *handler_engine_names(void);

/* Resolve process.args[0] the way execve(3)/execvp would inside the container
 * (absolute, relative to the cwd, or through PATH from process.env).
 * A missing file is "exec: NAME: No such file or directory" with status 127,
 * a non-executable one status 126, like shells. */
int handler_resolve_entrypoint(const oci_process *p, char **resolved, weft_error **err);

/* Read ep->bytes if not yet read. */
int entrypoint_bytes(struct entrypoint *ep, weft_error **err);
/* Make ep->bytes a binary core module: read, then convert text in place.
 * A component, a native executable or text that is no module is an error
 * naming the file. */
int entrypoint_wasm(struct entrypoint *ep, weft_error **err);
/* By content: 1 for a core module or text that is one, 0 for anything else
 * (native executables are told from their first bytes without reading the
 * rest), -1 for a component. On 1, ep->bytes is the binary module. */
int entrypoint_is_wasm(struct entrypoint *ep, weft_error **err);
void entrypoint_release(struct entrypoint *ep);

/* Make `ps` show process.args as this process's command line (and the
 * entrypoint's base name as its name): for handlers that run the workload
 * in weft's own process. Best effort. */
void handler_set_process_title(const oci_process *p);

/* For wasm engines (wasi_view.c): SIGTERM, SIGINT and the like end the
 * module at once with 128+N (it is PID 1, where default actions do not
 * apply); the environment is process.env plus PWD=process.cwd. */
void handler_wasm_signals(void);
char **handler_wasm_env(const oci_process *p, size_t *n_env);

/* Who asks: the container's init, or `exec` of a process into it. */
enum handler_for { HANDLER_FOR_INIT, HANDLER_FOR_EXEC };

/* Whether the container's process may run wasm (an annotation, weft-wasm,
 * or `exec`, which decides by content): false for a pod sandbox and for
 * containers that are native for sure, which skip every wasm preparation. */
bool handler_may_run_wasm(const oci_spec *spec, bool smart_default, enum handler_for who);

/* In `weft create` and `weft exec`, before the container's process is
 * made (host.c): when the container may run wasm, read weft.conf for the
 * default engine; for an external engine, re-execute as the engines
 * companion (static weft) or load the engine's library (companion). A
 * missing engine fails here, naming the engine and the files looked for,
 * before anything is created. `argv` is weft's own, to re-execute. */
int handler_host_prepare(const oci_spec *spec, bool smart_default, enum handler_for who,
                         char *const *argv, weft_error **err);
/* A seccomp filter or LSM domain will apply after the module is loaded:
 * the builtin engine compiles all of it before (wasm.c). */
bool handler_wasm_confined(const oci_spec *spec, const oci_process *p);
/* aot_host.c, called by handler_host_prepare for a container's init that
 * may run the builtin engine: open the AOT cache file of the entrypoint
 * found in the bundle's rootfs, read-only, for the container's process to
 * take (handler_aot_take: the fd, -1 if none, and its path for messages,
 * both the caller's to close and free; and, when the cache's index named
 * the file, the identity it names it for, in *vouch, else vouch->st_ino is
 * 0). With fill_missing (weft.conf `aot_fill = yes`), a missing file is
 * compiled first. */
void handler_aot_host_prepare(const oci_spec *spec, bool fill_missing);
int handler_aot_take(char **path, struct stat *vouch);
/* A pod's sandbox (pause) container: always native. */
bool handler_is_pod_sandbox(const oci_spec *spec);
/* The engine for wasm, wasm-smart and module.wasm.image/variant */
const handler *handler_default_engine(void);
bool handler_is_external_engine(const char *name);

/* Choose the handler for a container's process (in the container, after
 * pivot_root):
 *   - a pod's sandbox (pause) container is always native;
 *   - run.oci.handler: wasm | builtin | an engine name → that engine;
 *     wasm-smart → the default engine when the entrypoint is wasm; when
 *     present, module.wasm.image/variant is ignored;
 *   - module.wasm.image/variant: compat → wasm; compat-smart → smart;
 *   - otherwise smart when weft runs as weft-wasm, else native;
 *   - for `exec`, content always decides: a native program exec'd into a
 *     wasm container runs natively (shells, probes), a module exec'd into
 *     any container runs as wasm, on the container's engine.
 * "Is wasm" is decided by content: a core module, or text that parses as a
 * module. Unknown values are errors naming the annotation. */
int handler_select(const oci_spec *spec, const oci_process *p, bool wasm_smart_default,
                   enum handler_for who, struct entrypoint *ep, const handler **out,
                   weft_error **err);

#endif
