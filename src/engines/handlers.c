/* The registry entries of the external engines: one contract on every
 * engine (docs/engines.md, "One contract"), the engine-specific part being
 * only engine_ops.run. The module's bytes are those weft read once and,
 * for text, converted to binary (handler/content.c). */
#include "engines/engine.h"
#include "handler/handler.h"
#include "handler/memcap.h"
#include "linux/security.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

struct ext_prepared {
    struct memcap cap;
};

static int ext_prepare(const struct engine_ops *e, const oci_spec *spec, const oci_process *p,
                       struct entrypoint *ep, void **prepared, weft_error **err)
{
    if (engines_loaded() != e)
        return werr_set(err, 0, "engine '%s' is not loaded", e->name);
    if (entrypoint_wasm(ep, err) < 0)
        return werr_prefix(err, "wasm entrypoint");
    /* now, while the capabilities PR_SET_MM needs are still held */
    handler_set_process_title(p);
    struct ext_prepared *x = xzalloc(sizeof *x);
    memcap_init(&x->cap, spec);
    *prepared = x;
    return 0;
}

static volatile pid_t engine_child;

static void pass_on(int sig)
{
    if (engine_child > 0)
        kill(engine_child, sig);
}

static void forward_signals(void)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    struct sigaction sa = {.sa_handler = pass_on, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
}

/* the engine's status as this process's: 128+N for a signal */
static int wait_engine(void)
{
    int st;
    while (waitpid(engine_child, &st, 0) < 0)
        if (errno != EINTR)
            return 1;
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* *started_fd (handler.h) is closed by the engine's child as it hands the
 * module to the engine: the nearest point to _start an external engine's
 * C API lets us see. */
static int ext_exec(const struct engine_ops *e, const oci_process *p, struct entrypoint *ep,
                    void *prepared, int *started_fd, weft_error **err)
{
    struct ext_prepared *x = prepared;
    /* No execve will carry the AppArmor profile or SELinux label over: take
     * them now, the last step before the module runs. */
    if (lsm_apply(p, false, err) < 0)
        return -1;
    size_t n_env;
    char **env = handler_wasm_env(p, &n_env);
    struct engine_run run = {
        .bytes = ep->bytes,
        .len = ep->len,
        .name = ep->path,
        .argv = p->args,
        .argc = p->n_args,
        .envp = env,
        .envc = n_env,
        /* the engines take a cap once: the limit now (the cgroup holds it
         * anyway; only the builtin engine follows `update` live) */
        .max_memory = memcap_static(&x->cap),
    };
    /* The container's first process was made by a raw clone(2), after
     * which glibc's idea of the thread id is stale: engines that ask
     * pthread about their own stack (WAMR) fail. A child made by fork(3)
     * runs the engine; this process passes signals on and exits as it does. */
    fflush(NULL);
    engine_child = fork();
    if (engine_child < 0)
        return werr_sys(err, "wasm (%s): fork", e->name);
    if (engine_child == 0) {
        handler_wasm_signals();
        close_fd(started_fd);
        struct engine_outcome out = {0};
        if (e->run(&run, &out, err) < 0) {
            werr_prefix(err, "wasm (%s)", e->name);
            _exit(werr_report(*err));
        }
        if (out.trap[0] != '\0') {
            dprintf(2, "trap: %s\n", out.trap);
            _exit(134);
        }
        _exit(out.status);
    }
    /* the parent's copy: only the child's close may release `start` */
    close_fd(started_fd);
    strv_free(env);
    forward_signals();
    _exit(wait_engine());
}

static void ext_discard(void *prepared)
{
    free(prepared);
}

static int ext_can_handle(struct entrypoint *ep, weft_error **err)
{
    return entrypoint_is_wasm(ep, err);
}

#define EXTERNAL_HANDLER(NAME)                                                                     \
    static int NAME##_prepare(const oci_spec *spec, const oci_process *p, struct entrypoint *ep,   \
                              void **prepared, weft_error **err)                                   \
    {                                                                                              \
        return ext_prepare(&engine_##NAME, spec, p, ep, prepared, err);                            \
    }                                                                                              \
    static int NAME##_exec(const oci_process *p, struct entrypoint *ep, void *prepared,            \
                           int *started_fd, weft_error **err)                                      \
    {                                                                                              \
        return ext_exec(&engine_##NAME, p, ep, prepared, started_fd, err);                         \
    }                                                                                              \
    const handler handler_##NAME = {                                                               \
        .name = #NAME,                                                                             \
        .can_handle = ext_can_handle,                                                              \
        .prepare = NAME##_prepare,                                                                 \
        .exec = NAME##_exec,                                                                       \
        .discard = ext_discard,                                                                    \
        .wasm = true,                                                                              \
    }

EXTERNAL_HANDLER(wasmedge);
EXTERNAL_HANDLER(wasmtime);
EXTERNAL_HANDLER(wasmer);
EXTERNAL_HANDLER(wamr);
