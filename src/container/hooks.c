#include "container/hooks.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *hook_kind_name(enum oci_hook_kind kind)
{
    static const char *const names[OCI_HOOK_KIND_COUNT] = {
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
    return names[kind];
}

/* In the forked child: state on stdin, then exec. Never returns. */
static _Noreturn void hook_exec(const oci_hook *h, int stdin_fd)
{
    if (dup2(stdin_fd, 0) < 0)
        _exit(126);
    char *fallback[] = {h->path, NULL};
    char *empty_env[] = {NULL};
    execve(h->path, h->args && h->n_args ? h->args : fallback, h->env ? h->env : empty_env);
    dprintf(2, "weft: hook %s: %s\n", h->path, strerror(errno));
    _exit(127);
}

/* Wait for the hook, killing it when the timeout (seconds, 0 = none) passes. */
static int hook_wait(pid_t pid, int timeout, int *status, weft_error **err)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0 && timeout > 0) {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int r;
        do
            r = poll(&p, 1, timeout * 1000);
        while (r < 0 && errno == EINTR);
        if (r == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            close(pidfd);
            return werr_set(err, ETIMEDOUT, "timed out after %d s", timeout);
        }
    }
    if (pidfd >= 0)
        close(pidfd);
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR)
            return werr_sys(err, "wait");
    }
    return 0;
}

static int hook_run_one(const oci_hook *h, const char *state_json, weft_error **err)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return werr_sys(err, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return werr_sys(err, "fork");
    }
    if (pid == 0)
        hook_exec(h, pipefd[0]);
    close(pipefd[0]);
    /* The state is small (well under a pipe's buffer); a hook that never
     * reads it must not block us, so EPIPE is fine. */
    signal(SIGPIPE, SIG_IGN);
    (void)!write(pipefd[1], state_json, strlen(state_json));
    close(pipefd[1]);
    int status = 0;
    if (hook_wait(pid, h->has_timeout ? h->timeout : 0, &status, err) < 0)
        return -1;
    if (WIFSIGNALED(status))
        return werr_set(err, 0, "killed by signal %d", WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        return werr_set(err, 0, "exited with status %d", WEXITSTATUS(status));
    return 0;
}

void hooks_run_warn(const oci_spec *spec, enum oci_hook_kind kind, const char *state_json)
{
    for (size_t i = 0; i < spec->hooks.n[kind]; i++) {
        const oci_hook *h = &spec->hooks.list[kind][i];
        weft_error *err = NULL;
        if (hook_run_one(h, state_json, &err) < 0)
            log_warn("hook %s[%zu] %s: %s", hook_kind_name(kind), i, h->path, err->msg);
        werr_free(err);
    }
}

int hooks_run(const oci_spec *spec, enum oci_hook_kind kind, const char *state_json,
              weft_error **err)
{
    for (size_t i = 0; i < spec->hooks.n[kind]; i++) {
        const oci_hook *h = &spec->hooks.list[kind][i];
        if (hook_run_one(h, state_json, err) < 0)
            return werr_prefix(err, "hook %s[%zu] %s", hook_kind_name(kind), i, h->path);
    }
    return 0;
}
