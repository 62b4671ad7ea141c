/* The container init: runs in the child of `weft create`, inside the new
 * namespaces, and turns into the workload once `start` releases it.
 *
 * Order matters and follows the runtime-spec:
 *   wait for the parent (ids mapped, cgroup entered) → join namespaces →
 *   mounts → parent runs prestart/createRuntime hooks → createContainer hooks
 *   → pivot_root → hostname, masked paths, sysctl → terminal → cwd →
 *   handler check (a missing entrypoint fails `create`) → credentials →
 *   tell the parent we are created → block on the exec fifo until `start` →
 *   startContainer hooks → seccomp (if not loaded yet) → workload.
 */
#include "container/init.h"
#include "container/hooks.h"
#include "container/state.h"
#include "container/sync.h"
#include "container/terminal.h"
#include "handler/handler.h"
#include "linux/namespaces.h"
#include "linux/fs.h"
#include "linux/rootfs.h"
#include "linux/rootless.h"
#include "linux/sealed_exe.h"
#include "linux/security.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <jansson.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void close_fds_on_exec(int preserve_fds)
{
    unsigned first = 3u + (unsigned)(preserve_fds > 0 ? preserve_fds : 0);
    if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    /* Older kernels: walk the open fds. */
    for (int fd = (int)first; fd < 65536; fd++)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static bool process_has_cap(const oci_process *p, const char *cap)
{
    if (!p->has_capabilities)
        return false;
    for (size_t i = 0; i < p->capabilities.n_bounding; i++)
        if (strcmp(p->capabilities.bounding[i], cap) == 0)
            return true;
    return false;
}

int workload_prepare(const oci_spec *spec, const oci_process *p, bool wasm_smart_default,
                     enum handler_for who, struct workload *w, weft_error **err)
{
    memset(w, 0, sizeof *w);
    w->started_fd = -1;
    if (handler_resolve_entrypoint(p, &w->ep.path, err) < 0)
        return -1;
    if (sealed_exe_is_self(w->ep.path)) {
        werr_set(err, 0, "exec: %s: refusing to run the container runtime's own binary",
                 p->args[0]);
        return werr_status(err, 126);
    }
    if (handler_select(spec, p, wasm_smart_default, who, &w->ep, &w->h, err) < 0)
        return -1;
    return w->h->prepare(spec, p, &w->ep, &w->prepared, err);
}

/* A filter with NOTIFY rules is loaded now, whatever no_new_privs says,
 * because its notify fd must reach the runtime (and from there the agent)
 * while the runtime still listens on the sync socket. */
static int seccomp_notify_early(const oci_process *p, struct workload *w, int sync_fd,
                                weft_error **err)
{
    if (p->no_new_privileges && no_new_privs_apply(err) < 0)
        return -1;
    if (seccomp_load_prepared(w->seccomp, err) < 0)
        return werr_prefix(err, "linux.seccomp");
    int fd = seccomp_take_notify_fd(w->seccomp);
    seccomp_free(w->seccomp);
    w->seccomp = NULL;
    if (fd < 0)
        return werr_set(err, 0, "linux.seccomp: no notify fd after loading the filter");
    int r = sync_send(sync_fd, SYNC_SECCOMP, 0, NULL, fd, err);
    close(fd);
    return r;
}

int workload_secure(const oci_spec *spec, const oci_process *p, struct workload *w,
                    int preserve_fds, int sync_fd, weft_error **err)
{
    if (spec->has_linux && spec->linux_.has_seccomp &&
        seccomp_prepare(&spec->linux_.seccomp, &w->seccomp, err) < 0)
        return werr_prefix(err, "linux.seccomp");
    if (w->seccomp != NULL && seccomp_uses_notify(w->seccomp) &&
        seccomp_notify_early(p, w, sync_fd, err) < 0)
        return -1;
    /* Without no_new_privs the kernel only accepts a filter from a process
     * holding CAP_SYS_ADMIN, so load it before the capabilities are dropped
     * (as runc does); with no_new_privs, load it as late as possible. */
    if (w->seccomp != NULL && !p->no_new_privileges && !process_has_cap(p, "CAP_SYS_ADMIN")) {
        if (seccomp_load_prepared(w->seccomp, err) < 0)
            return werr_prefix(err, "linux.seccomp");
        seccomp_free(w->seccomp);
        w->seccomp = NULL;
    }
    if (spec->has_linux && spec->linux_.has_personality &&
        personality_apply(&spec->linux_.personality, err) < 0)
        return -1;
    if (process_apply_security(p, w->h->execs, err) < 0)
        return -1;
    if (!w->h->execs && lsm_check(p, err) < 0) /* its handler applies them */
        return -1;
    close_fds_on_exec(preserve_fds);
    return 0;
}

int workload_exec(const oci_process *p, struct workload *w, weft_error **err)
{
    if (w->seccomp != NULL) {
        if (seccomp_load_prepared(w->seccomp, err) < 0)
            return werr_prefix(err, "linux.seccomp");
        seccomp_free(w->seccomp);
        w->seccomp = NULL;
    }
    return w->h->exec(p, &w->ep, w->prepared, &w->started_fd, err);
}

/* The state JSON the hooks read, built in the init (it knows its host pid
 * from the parent's GO message). */
static char *init_state_json(const struct init_args *a, pid_t host_pid, const char *status)
{
    json_t *ann = json_object();
    for (size_t i = 0; i < a->spec->n_annotations; i++)
        json_object_set_new(ann, a->spec->annotations[i].key,
                            json_string(a->spec->annotations[i].value));
    json_t *o = state_oci_doc(a->id, status, host_pid, a->spec->bundle, ann);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s == NULL)
        xoom();
    return s;
}

static int become_root_in_userns(weft_error **err)
{
    if (setresgid(0, 0, 0) < 0)
        return werr_sys(err, "user namespace: setresgid(0)");
    if (setresuid(0, 0, 0) < 0)
        return werr_sys(err, "user namespace: setresuid(0)");
    return 0;
}

static int join_session_keyring(const struct init_args *a, weft_error **err)
{
    if (a->opts->no_new_keyring)
        return 0;
    cleanup_free char *name = xasprintf("_ses.%s", a->id);
    /* Not fatal where keyrings are unavailable (some kernels, seccomp). */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name) < 0 && errno != ENOSYS &&
        errno != EPERM && errno != EACCES)
        return werr_sys(err, "join session keyring");
    return 0;
}

/* Steps up to the point where the parent runs prestart/createRuntime. */
static int init_setup_mounts(const struct init_args *a, pid_t *host_pid, weft_error **err)
{
    struct sync_msg m;
    if (sync_recv(a->sync_fd, &m, NULL, err) < 0)
        return -1;
    if (m.type != SYNC_GO)
        return werr_set(err, 0, "sync: unexpected message %d", m.type);
    *host_pid = (pid_t)m.status;
    if (a->new_userns && become_root_in_userns(err) < 0)
        return -1;
    if (ns_join(a->ns_fds, 1u << OCI_NS_PID, err) < 0)
        return -1;
    if (a->ns_fds[OCI_NS_USER] >= 0 && become_root_in_userns(err) < 0)
        return -1;
    /* Now that the parent has moved us into the container's cgroup, so that
     * the namespace's root is that cgroup (not weft's own). */
    if ((ns_new_flags(a->spec) & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
        return werr_sys(err, "unshare cgroup namespace");
    if (setsid() < 0)
        return werr_sys(err, "setsid");
    if (join_session_keyring(a, err) < 0)
        return -1;
    /* A runtime started inside someone else's user namespace (rootless
     * podman) cannot mknod either, though it is "root" there. */
    bool in_userns = a->new_userns || a->ns_fds[OCI_NS_USER] >= 0 || rootless_in_child_userns();
    return rootfs_prepare_idmapped(a->spec, in_userns, a->mount_fds, err);
}

static int init_after_hooks(const struct init_args *a, pid_t host_pid, struct workload *w,
                            weft_error **err)
{
    const oci_spec *spec = a->spec;
    /* After lifecycle step 2, as the prestart/createRuntime hooks see it. */
    cleanup_free char *state = init_state_json(a, host_pid, "created");
    if (hooks_run(spec, OCI_HOOK_CREATE_CONTAINER, state, err) < 0)
        return -1;
    if (rootfs_pivot(spec, a->opts->no_pivot, err) < 0)
        return -1;
    /* rootfs_finalize also writes linux.sysctl, before /proc/sys turns
     * read-only. */
    if (linux_set_hostname(spec, err) < 0 || rootfs_finalize(spec, err) < 0)
        return -1;
    /* A config without a process can be created (runtime-spec); `start`
     * refuses it, so this init only waits to be deleted. */
    if (!spec->has_process)
        return 0;
    const oci_process *p = &spec->process;
    if (p->terminal) {
        int master = -1;
        if (terminal_setup(p, &master, err) < 0)
            return -1;
        int r = sync_send(a->sync_fd, SYNC_PTY, 0, NULL, master, err);
        close(master);
        if (r < 0)
            return -1;
    }
    if (path_chdir_in_root(p->cwd, err) < 0)
        return werr_prefix(err, "process.cwd");
    if (workload_prepare(spec, p, a->wasm_smart_default, HANDLER_FOR_INIT, w, err) < 0)
        return -1;
    return workload_secure(spec, p, w, a->opts->preserve_fds, a->sync_fd, err);
}

/* Block until `start` opens the fifo for reading. The fd returned is
 * written (release_start) after the startContainer hooks and stays open
 * (O_CLOEXEC) until the workload begins: its closing is how `start` knows
 * the process really runs before it runs the poststart hooks. */
static int wait_for_start(int fifo_fd, int *out, weft_error **err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fifo_fd);
    int fd;
    do
        fd = open(path, O_WRONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    close(fifo_fd);
    if (fd < 0)
        return werr_sys(err, "open exec fifo");
    *out = fd;
    return 0;
}

/* wait_for_start() reopens the fifo through /proc (its directory is out of
 * reach after pivot_root and the switch of user): try that now, without
 * blocking (ENXIO: no reader yet, as expected), so that a failure (no /proc
 * in the container) fails `create` instead of leaving it a dead init. */
static int probe_exec_fifo(int fifo_fd, weft_error **err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fifo_fd);
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno != ENXIO)
        return werr_sys(err, "open exec fifo through %s (is /proc mounted?)", path);
    if (fd >= 0)
        close(fd);
    return 0;
}

static int release_start(int fd, weft_error **err)
{
    char c = START_RELEASED;
    if (write(fd, &c, 1) != 1)
        return werr_sys(err, "write exec fifo");
    return 0;
}

/* The workload could not begin: `start` reports the error (one write, under
 * PIPE_BUF, so it arrives whole). False when it could not be told. */
static bool report_start_failure(int fd, const weft_error *e)
{
    char buf[START_FAILURE_MAX];
    int status = e && e->status ? e->status : 1;
    int n = snprintf(buf, sizeof buf, "%c%c%s", START_FAILED, (char)status,
                     e && e->msg ? e->msg : "the container's process failed to start");
    size_t len = n < 0 ? 0 : (size_t)n >= sizeof buf ? sizeof buf - 1 : (size_t)n;
    return write(fd, buf, len) == (ssize_t)len;
}

_Noreturn void init_main(const struct init_args *a)
{
    weft_error *err = NULL;
    pid_t host_pid = 0;
    struct workload w;
    memset(&w, 0, sizeof w);

    /* flock belongs to the open file: a copy kept here would hold the
     * container's lock until exec and block `start`. */
    if (a->lock_fd >= 0)
        close(a->lock_fd);
    if (init_setup_mounts(a, &host_pid, &err) < 0)
        goto fail_sync;
    if (sync_send(a->sync_fd, SYNC_RUN_HOOKS, 0, NULL, -1, &err) < 0 ||
        sync_expect(a->sync_fd, SYNC_HOOKS_DONE, NULL, &err) < 0)
        goto fail_sync;
    if (init_after_hooks(a, host_pid, &w, &err) < 0)
        goto fail_sync;
    if (probe_exec_fifo(a->fifo_fd, &err) < 0)
        goto fail_sync;
    /* READY names the handler, for `weft state` and debugging. */
    if (sync_send(a->sync_fd, SYNC_READY, 0, w.h ? w.h->name : "none", -1, &err) < 0)
        goto fail_sync;
    close(a->sync_fd);

    /* From here on the parent is gone: errors go to the container's stderr. */
    int start_fd = -1;
    if (wait_for_start(a->fifo_fd, &start_fd, &err) < 0)
        goto fail;
    {
        cleanup_free char *state = init_state_json(a, host_pid, "running");
        if (hooks_run(a->spec, OCI_HOOK_START_CONTAINER, state, &err) < 0)
            goto fail;
    }
    if (release_start(start_fd, &err) < 0)
        goto fail;
    w.started_fd = start_fd;
    if (!a->spec->has_process)
        werr_set(&err, 0, "%s: process: missing, nothing to run", a->spec->path);
    else
        workload_exec(&a->spec->process, &w, &err);
    if (w.started_fd >= 0 && report_start_failure(w.started_fd, err))
        _exit(err && err->status ? err->status : 1);
fail:
    _exit(werr_report(err));
fail_sync:
    sync_send_error(a->sync_fd, err);
    _exit(err && err->status ? err->status : 1);
}
