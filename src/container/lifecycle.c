/* start, kill, delete and run. */
#include "cgroup/cgroup.h"
#include "container/container.h"
#include "container/dev_made.h"
#include "container/hooks.h"
#include "container/state.h"
#include "container/sync.h"
#include "container/terminal.h"
#include "linux/rootfs.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int container_load_config(const char *state_dir, const char *bundle, oci_spec **out,
                          weft_error **err)
{
    cleanup_free char *path = xasprintf("%s/config.json", state_dir);
    cleanup_free char *buf = NULL;
    size_t len = 0;
    if (read_file(path, OCI_MAX_CONFIG, &buf, &len, err) < 0)
        return -1;
    /* A relative root.path in the copy is still relative to the bundle. */
    return oci_spec_parse(buf, len, path, bundle, out, err);
}

static char *state_json_text(const container_state *st, enum container_status s)
{
    json_t *o = state_to_oci_json(st, s);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (text == NULL)
        xoom();
    return text;
}

/* Run the hooks of `kind` for a container whose config is in its state dir;
 * failures are warnings (poststart, poststop: the spec says to go on). */
static void run_hooks_warn(const container_state *st, enum oci_hook_kind kind,
                           enum container_status s)
{
    oci_spec *spec = NULL;
    weft_error *err = NULL;
    if (container_load_config(st->dir, st->bundle, &spec, &err) == 0 && spec->hooks.n[kind] > 0) {
        cleanup_free char *json = state_json_text(st, s);
        hooks_run_warn(spec, kind, json);
    }
    if (err != NULL)
        log_warn("%s", err->msg);
    werr_free(err);
    oci_spec_free(spec);
}

/* After the release byte: read until end-of-file, which comes when the
 * init's end closes as the workload begins (or the init dies). A
 * START_FAILED record instead carries the reason it did not begin. */
static int wait_workload_started(const container_state *st, int fd, weft_error **err)
{
    char buf[START_FAILURE_MAX];
    size_t len = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) < 0 && errno != EINTR)
            return werr_sys(err, "poll exec fifo");
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            break;
        if (n > 0)
            len += (size_t)n;
        if (len == sizeof buf - 1)
            break;
        /* Nothing else writes the fifo; a dead init has closed its end. */
        if (n < 0 && proc_start_time(st->pid) != st->pid_start)
            break;
    }
    if (len == 0 || buf[0] != START_FAILED)
        return 0;
    buf[len] = '\0';
    int status = len > 1 ? (unsigned char)buf[1] : 1;
    werr_set(err, 0, "%s", len > 2 ? buf + 2 : "the container's process failed to start");
    return werr_status(err, status);
}

/* Open the fifo without blocking, then wait for the init's byte; if the
 * init died meanwhile there is no writer and we must not hang. Returns once
 * the workload really runs, so poststart hooks follow its start. */
static int release_init(container_state *st, weft_error **err)
{
    cleanup_free char *fifo = xasprintf("%s/exec.fifo", st->dir);
    cleanup_close int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "open %s", fifo);
    for (int waited = 0;; waited++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, 100);
        if (r > 0 && (p.revents & POLLIN)) {
            char c;
            if (read(fd, &c, 1) == 1)
                break;
        }
        if (proc_start_time(st->pid) != st->pid_start)
            return werr_set(err, 0, "container init exited before start");
        if (r < 0 && errno != EINTR)
            return werr_sys(err, "poll exec fifo");
    }
    unlink(fifo);
    return wait_workload_started(st, fd, err);
}

int container_start(const struct container_ctx *g, const char *id, weft_error **err)
{
    container_state *st = NULL;
    if (state_open(g->root, id, true, &st, err) < 0)
        return -1;
    int r = -1;
    enum container_status s = state_status(st);
    if (s != STATUS_CREATED) {
        werr_set(err, 0, "cannot start container '%s': it is %s, not created", id,
                 container_status_name(s));
        goto out;
    }
    if (!st->has_process) {
        werr_set(err, 0, "cannot start container '%s': its config has no process", id);
        goto out;
    }
    if (release_init(st, err) < 0)
        goto out;
    st->started = true;
    if (state_save(st, err) < 0)
        goto out;
    run_hooks_warn(st, OCI_HOOK_POSTSTART, STATUS_RUNNING);
    r = 0;
out:
    state_free(st);
    return r;
}

static int signal_init(const container_state *st, int sig, weft_error **err)
{
    /* A pidfd pins the process: the pid cannot be reused between the check
     * and the signal. */
    int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
    if (pidfd < 0)
        return werr_sys(err, "container '%s': container not running", st->id);
    int r = 0;
    if (proc_start_time(st->pid) != st->pid_start)
        r = werr_set(err, 0, "container '%s': container not running", st->id);
    else if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
        r = werr_sys(err, "kill container '%s'", st->id);
    close(pidfd);
    return r;
}

int container_kill(const struct container_ctx *g, const char *id, int sig, bool all,
                   weft_error **err)
{
    container_state *st = NULL;
    if (state_open(g->root, id, true, &st, err) < 0)
        return -1;
    int r;
    enum container_status s = state_status(st);
    if (s == STATUS_STOPPED && !all) {
        r = werr_set(err, 0, "container '%s': container not running", id);
    } else if (all && st->cgroup != NULL) {
        cgroup *cg = NULL;
        r = cgroup_load(st->cgroup, &cg, err);
        if (r == 0)
            r = cgroup_kill_all(cg, sig, err);
        cgroup_free(cg);
    } else {
        r = signal_init(st, sig, err);
    }
    state_free(st);
    return r;
}

static bool init_alive(const container_state *st)
{
    return st->pid > 0 && st->pid_start != 0 && proc_start_time(st->pid) == st->pid_start;
}

/* SIGKILL everything and wait (bounded) until the init is gone. Also for
 * an abandoned creation, whose init may still wait in its setup or on the
 * exec fifo, possibly outside any cgroup. */
static int force_stop(container_state *st, cgroup *cg, weft_error **err)
{
    if (cg != NULL) {
        weft_error *e = NULL;
        if (cgroup_kill_all(cg, SIGKILL, &e) < 0)
            log_debug("kill all: %s", e->msg);
        werr_free(e);
    }
    if (init_alive(st)) {
        weft_error *e = NULL;
        signal_init(st, SIGKILL, &e);
        werr_free(e);
    }
    for (int i = 0; i < 1000 && init_alive(st); i++) {
        waitpid(st->pid, NULL, WNOHANG);
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (init_alive(st))
        return werr_set(err, 0, "container '%s' did not stop after SIGKILL", st->id);
    return 0;
}

int container_delete(const struct container_ctx *g, const char *id, bool force, weft_error **err)
{
    container_state *st = NULL;
    /* Like runc, `delete --force` of a container that is already gone
     * succeeds: containerd's shim cleans up that way after failures. */
    if (force && container_id_check(id, NULL) == 0 && !state_exists(g->root, id))
        return 0;
    if (state_open_any(g->root, id, true, &st, err) < 0)
        return -1;
    int r = -1;
    if (st->broken != NULL) {
        r = container_delete_broken(g, st, force, err);
        state_free(st);
        return r;
    }
    cgroup *cg = NULL;
    enum container_status s = state_status(st);
    if (s != STATUS_STOPPED && !force) {
        werr_set(err, 0, "cannot delete container '%s' that is not stopped: %s", id,
                 container_status_name(s));
        goto out;
    }
    if (st->cgroup != NULL && cgroup_load(st->cgroup, &cg, err) < 0)
        goto out;
    if (s != STATUS_STOPPED || st->creating) {
        if (s == STATUS_PAUSED && cg != NULL) {
            weft_error *e = NULL;
            cgroup_freeze(cg, false, &e);
            werr_free(e);
        }
        if (force_stop(st, cg, err) < 0)
            goto out;
    }
    /* Whatever outlived the init (a shared pid namespace, or stragglers of
     * a namespace being torn down) goes before the cgroup does, as in runc. */
    if (cg != NULL) {
        weft_error *e = NULL;
        if (cgroup_kill_all(cg, SIGKILL, &e) < 0)
            log_debug("delete: %s", e->msg);
        werr_free(e);
    }
    if (st->shared_mntns && st->rootfs != NULL &&
        shared_mnt_cleanup(st->rootfs, st->kept_mounts, st->n_kept_mounts, err) < 0)
        goto out;
    dev_made_remove(st->rootfs, st->dev_made, st->n_dev_made);
    /* poststop only for containers that were started */
    if (st->started)
        run_hooks_warn(st, OCI_HOOK_POSTSTOP, STATUS_STOPPED);
    if (cg != NULL && cgroup_destroy(cg, err) < 0)
        goto out;
    r = state_remove(st, err);
out:
    cgroup_free(cg);
    state_free(st);
    return r;
}

static volatile sig_atomic_t forward_pid;

static void forward_signal(int sig)
{
    if (forward_pid > 0)
        kill(forward_pid, sig);
}

/* Forward the signals a person or a supervisor sends to `weft run`. */
void forward_signals_to(pid_t pid)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    forward_pid = pid;
    struct sigaction sa = {.sa_handler = forward_signal};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

int wait_exit_status(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return 255;
    }
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

int container_run(const struct container_ctx *g, const struct create_opts *o, bool detach,
                  bool keep, int *status, weft_error **err)
{
    struct create_opts co = *o;
    co.foreground = !detach;
    pid_t pid = 0;
    int master = -1;
    *status = 0;
    if (container_create(g, &co, &pid, &master, err) < 0)
        return -1;
    if (detach && master >= 0)
        close(master);
    if (!detach)
        forward_signals_to(pid);
    if (container_start(g, o->id, err) < 0) {
        weft_error *e = NULL;
        container_delete(g, o->id, true, &e);
        werr_free(e);
        if (master >= 0)
            close(master);
        return -1;
    }
    if (detach)
        return 0;
    if (master >= 0) {
        terminal_proxy(master, err);
        close(master);
    }
    *status = wait_exit_status(pid);
    if (keep)
        return 0;
    return container_delete(g, o->id, false, err);
}
