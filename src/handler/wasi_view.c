/* What every wasm engine's process shares, builtin or external: the
 * signals it dies by and the environment it hands the module. */
#include "handler/handler.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

/* The module is PID 1 of its namespace, where the kernel drops signals
 * that have no handler: act out the default action ourselves. WASI
 * writes go straight to the fds, so nothing is left to flush. */
static void die_by_signal(int sig)
{
    _exit(128 + sig);
}

void handler_wasm_signals(void)
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

char **handler_wasm_env(const oci_process *p, size_t *n_env)
{
    char **env = NULL;
    *n_env = 0;
    for (size_t i = 0; i < p->n_env; i++)
        strv_append(&env, n_env, p->env[i]);
    if (!env_has(p, "PWD")) {
        cleanup_free char *pwd = xasprintf("PWD=%s", p->cwd);
        strv_append(&env, n_env, pwd);
    }
    if (env == NULL)
        env = xcalloc(1, sizeof *env);
    return env;
}
