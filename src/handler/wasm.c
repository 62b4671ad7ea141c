/* The builtin wasm handler: the container's process becomes weft's engine running
 * the entrypoint as a WASI command, in place of execve, so the module runs
 * under every namespace, cgroup, capability set and seccomp filter the
 * container has.
 *
 * WASI view: argv = process.args, environ = process.env (+ PWD from
 * process.cwd when the env does not set it: preview1 has no working
 * directory and wasi-libc starts at "/"), the container's "/" preopened as
 * "/" with in-root resolution (absolute symlinks of images stay inside),
 * stdio = the container's. */
#include "handler/handler.h"
#include "handler/memcap.h"
#include "linux/security.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wasm/aot_cache.h"
#include "wasi/wasi.h"
#include "wat/module_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct wasm_prepared {
    wf_module *module;
    wf_config limits;
    struct memcap cap;
};

static int builtin_can_handle(struct entrypoint *ep, weft_error **err)
{
    return entrypoint_is_wasm(ep, err);
}

/* process.rlimits lowers RLIMIT_AS after the module is loaded (and, when
 * confined, compiled): its memories will not get the 8 GiB guarded
 * reservation, so compile the checked code they need from the start. */
static bool limits_address_space(const oci_process *p)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const oci_rlimit *r = &p->rlimits[i];
        bool as = r->type ? strcmp(r->type, "RLIMIT_AS") == 0 : r->resource == RLIMIT_AS;
        if (as && r->soft != UINT64_MAX)
            return true;
    }
    return false;
}

/* The module's memory budget (wasm.h: its memories, tables, stack, instance
 * and loaded code together) follows the container's memory limit, live
 * (memcap.c: less what this process already uses and some slack), so the
 * module's allocations fail (memory.grow and table.grow return -1, deep
 * recursion traps, an oversized module is refused) before the cgroup's OOM
 * killer would end the container, and a limit raised by `weft update` is
 * the module's to use. No limit leaves the engine's default budget. */
static int wasm_prepare(const oci_spec *spec, const oci_process *p, struct entrypoint *ep,
                        void **prepared, weft_error **err)
{
    if (entrypoint_wasm(ep, err) < 0)
        return werr_prefix(err, "wasm entrypoint");
    if (limits_address_space(p))
        wf_guard_regions(false);
    struct wasm_prepared *w = xzalloc(sizeof *w);
    /* measured before loading: loading is charged to the same budget */
    memcap_init(&w->cap, spec);
    /* machine code the host side found in the AOT cache (aot_host.c),
     * checked against the bytes loaded here (which it then spares
     * validating): by their hash, or, when the cache's index named the
     * file for the identity the entrypoint had all through its reading
     * here, by that */
    cleanup_free char *aot_path = NULL;
    struct stat vouch;
    int aot = handler_aot_take(&aot_path, &vouch);
    bool vouched =
        aot >= 0 && vouch.st_ino != 0 && ep->held_still && wf_aot_same_file(&vouch, &ep->seen);
    int r = aot >= 0 ? wf_aot_load_module(ep->bytes, ep->len, ep->path, memcap_static(&w->cap), aot,
                                          aot_path, vouched, &w->module, err)
                     : wf_module_load_budget(ep->bytes, ep->len, ep->path, memcap_static(&w->cap),
                                             &w->module, err);
    if (aot >= 0)
        close(aot);
    if (r < 0) {
        free(w);
        return werr_prefix(err, "wasm entrypoint");
    }
    if (aot >= 0)
        ep->bytes = NULL; /* the module's now (wf_aot_load_module) */
    /* The seccomp filter and LSM domain come after this point and may
     * refuse the executable memory that compiling on first call needs:
     * compile the whole module while it is still allowed. */
    if (handler_wasm_confined(spec, p))
        wf_module_compile_all(w->module);
    /* now, while the capabilities PR_SET_MM needs are still held */
    handler_set_process_title(p);
    w->limits.memory_cap = memcap_now;
    w->limits.memory_cap_arg = &w->cap;
    *prepared = w;
    return 0;
}

static void wasm_discard(void *prepared)
{
    struct wasm_prepared *w = prepared;
    if (w == NULL)
        return;
    wf_module_free(w->module);
    free(w);
}

/* The module is instantiated and _start comes next: the workload runs. */
static void close_started_fd(void *arg)
{
    int *fd = arg;
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int wasm_exec(const oci_process *p, struct entrypoint *ep, void *prepared, int *started_fd,
                     weft_error **err)
{
    (void)ep;
    struct wasm_prepared *w = prepared;
    /* No execve will carry the AppArmor profile or SELinux label over: take
     * them now, the last step before the module runs. */
    if (lsm_apply(p, false, err) < 0)
        return -1;
    cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return werr_sys(err, "wasm: open /");
    size_t n_env;
    char **env = handler_wasm_env(p, &n_env);
    wasi_preopen pre = {.guest_path = "/", .host_fd = root, .in_root = true};
    wasi_config cfg = {
        .argv = p->args,
        .argc = p->n_args,
        .envp = env,
        .envc = n_env,
        .preopens = &pre,
        .n_preopens = 1,
        .stdin_fd = 0,
        .stdout_fd = 1,
        .stderr_fd = 2,
        .on_run = close_started_fd,
        .on_run_arg = started_fd,
    };
    handler_wasm_signals();
    int status = 0;
    int r = wasi_run_module(w->module, &cfg, &w->limits, &status, err);
    strv_free(env);
    if (r < 0)
        return werr_prefix(err, "wasm: %s", p->args[0]);
    _exit(status);
}

bool handler_wasm_confined(const oci_spec *spec, const oci_process *p)
{
    return (spec->has_linux && spec->linux_.has_seccomp) || p->apparmor_profile || p->selinux_label;
}

const handler handler_builtin = {
    .name = "builtin",
    .can_handle = builtin_can_handle,
    .prepare = wasm_prepare,
    .exec = wasm_exec,
    .discard = wasm_discard,
    .wasm = true,
};
