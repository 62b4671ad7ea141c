/* The wasm handler: the container's process becomes weft's engine running
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
#include "linux/security.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wasi/wasi.h"
#include "wasm/module_file.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct wasm_prepared {
    wf_module *module;
    wf_config limits;
};

/* The module's memory cap: the container's memory limit less what this
 * process already uses and some slack, so memory.grow fails (-1) before
 * the cgroup's OOM killer would end the container. */
static uint64_t memory_cap(const oci_spec *spec)
{
    if (!spec->has_linux || !spec->linux_.has_resources || !spec->linux_.resources.has_memory)
        return 0;
    const oci_opt_i64 *limit = &spec->linux_.resources.memory.limit;
    if (!limit->set || limit->v <= 0)
        return 0;
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    uint64_t used = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) + (4u << 20);
    uint64_t lim = (uint64_t)limit->v;
    return lim > used + 65536 ? lim - used : 65536;
}

static int wasm_prepare(const oci_spec *spec, const oci_process *p, const char *resolved,
                        void **prepared, weft_error **err)
{
    struct wasm_prepared *w = xzalloc(sizeof *w);
    if (wasm_module_load_file(resolved, &w->module, err) < 0) {
        free(w);
        return werr_prefix(err, "wasm entrypoint");
    }
    /* The seccomp filter and LSM domain come after this point and may
     * refuse the executable memory that compiling on first call needs:
     * compile the whole module while it is still allowed. */
    bool confined =
        (spec->has_linux && spec->linux_.has_seccomp) || p->apparmor_profile || p->selinux_label;
    if (confined)
        wf_module_compile_all(w->module);
    w->limits.max_memory_bytes = memory_cap(spec);
    *prepared = w;
    return 0;
}

/* The module is PID 1 of its namespace, where the kernel drops signals
 * that have no handler: act out the default action ourselves. WASI
 * writes go straight to the fds, so nothing is left to flush. */
static void die_by_signal(int sig)
{
    _exit(128 + sig);
}

static void install_signal_defaults(void)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE};
    struct sigaction sa = {.sa_handler = die_by_signal};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaction(sigs[i], &sa, NULL);
}

static bool env_has(const oci_process *p, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < p->n_env; i++)
        if (strncmp(p->env[i], key, n) == 0 && p->env[i][n] == '=')
            return true;
    return false;
}

static int wasm_exec(const oci_process *p, const char *resolved, void *prepared, weft_error **err)
{
    (void)resolved;
    struct wasm_prepared *w = prepared;
    /* No execve will carry the AppArmor profile or SELinux label over: take
     * them now, the last step before the module runs. */
    if (lsm_apply(p, false, err) < 0)
        return -1;
    cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return werr_sys(err, "wasm: open /");
    char **env = NULL;
    size_t n_env = 0;
    for (size_t i = 0; i < p->n_env; i++)
        strv_append(&env, &n_env, p->env[i]);
    if (!env_has(p, "PWD")) {
        cleanup_free char *pwd = xasprintf("PWD=%s", p->cwd);
        strv_append(&env, &n_env, pwd);
    }
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
    };
    install_signal_defaults();
    int status = 0;
    int r = wasi_run_module(w->module, &cfg, &w->limits, &status, err);
    strv_free(env);
    if (r < 0)
        return werr_prefix(err, "wasm: %s", p->args[0]);
    _exit(status);
}

const handler handler_wasm = {
    .name = "wasm",
    .prepare = wasm_prepare,
    .exec = wasm_exec,
};
