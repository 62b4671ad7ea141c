/* `exec`: a new process inside a running container. The child joins every
 * namespace of the container's init (the parent only changes the pid
 * namespace of its future children), is put into the container's cgroup
 * before it runs anything, then takes the same last steps as the init:
 * terminal, cwd, handler, credentials, seccomp. */
#include "cgroup/cgroup.h"
#include "handler/handler.h"
#include "handler/memcap.h"
#include "container/container.h"
#include "container/init.h"
#include "container/setup_msgs.h"
#include "container/state.h"
#include "container/sync.h"
#include "container/terminal.h"
#include "linux/fs.h"
#include "linux/namespaces.h"
#include "linux/rootless.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct exec_ctx {
    container_state *st;
    oci_spec *spec;
    cgroup *cg;
    int ns_fds[OCI_NS_COUNT];
    int sync[2];
    pid_t pid;
    int master;
    int root_fd; /* the init's root, when the container shares weft's mount namespace */
};

static _Noreturn void exec_child(struct exec_ctx *c, const struct container_ctx *g,
                                 const struct exec_opts *o)
{
    weft_error *err = NULL;
    int sock = c->sync[1];
    const oci_process *p = o->process;
    struct workload w;
    if (sync_expect(sock, SYNC_GO, NULL, &err) < 0)
        goto fail;
    if (ns_join(c->ns_fds, 1u << OCI_NS_PID, &err) < 0)
        goto fail;
    if (setsid() < 0) {
        werr_sys(&err, "setsid");
        goto fail;
    }
    if (p->terminal) {
        int master = -1;
        if (terminal_setup(p, &master, &err) < 0)
            goto fail;
        int r = sync_send(sock, SYNC_PTY, 0, NULL, master, &err);
        close(master);
        if (r < 0)
            goto fail;
    }
    /* Joining the mount namespace put us at its root; without one of its
     * own, the container's root is where its init chrooted. */
    if (c->root_fd >= 0 && (fchdir(c->root_fd) < 0 || chroot(".") < 0)) {
        werr_sys(&err, "enter the container's root");
        goto fail;
    }
    if (path_chdir_in_root(p->cwd, &err) < 0) {
        werr_prefix(&err, "process.cwd");
        goto fail;
    }
    if (workload_prepare(c->spec, p, g->wasm_smart_default, HANDLER_FOR_EXEC, &w, &err) < 0 ||
        workload_secure(c->spec, p, &w, o->preserve_fds, sock, &err) < 0)
        goto fail;
    if (sync_send(sock, SYNC_READY, 0, NULL, -1, &err) < 0)
        goto fail;
    close(sock);
    workload_exec(p, &w, &err);
    _exit(werr_report(err));
fail:
    sync_send_error(sock, err);
    _exit(err && err->status ? err->status : 1);
}

static int exec_spawn(struct exec_ctx *c, const struct container_ctx *g, const struct exec_opts *o,
                      weft_error **err)
{
    int saved = -1;
    /* An ordinary user has no capability over the container's pid namespace
     * until it is in the container's user namespace (which it owns, so may
     * join): this process joins it first, and the child need not. */
    if (c->ns_fds[OCI_NS_USER] >= 0 && !rootless_has_cap(CAP_SYS_ADMIN)) {
        if (setns(c->ns_fds[OCI_NS_USER], CLONE_NEWUSER) < 0)
            return werr_sys(err, "join the container's user namespace");
        close(c->ns_fds[OCI_NS_USER]);
        c->ns_fds[OCI_NS_USER] = -1;
    }
    if (c->ns_fds[OCI_NS_PID] >= 0) {
        saved = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
        if (saved < 0 || setns(c->ns_fds[OCI_NS_PID], CLONE_NEWPID) < 0) {
            if (saved >= 0)
                close(saved);
            return werr_sys(err, "join the container's pid namespace");
        }
    }
    fflush(NULL);
    c->pid = fork();
    if (c->pid == 0) {
        close(c->sync[0]);
        exec_child(c, g, o);
    }
    int fork_errno = errno;
    if (saved >= 0) {
        setns(saved, CLONE_NEWPID);
        close(saved);
    }
    if (c->pid < 0) {
        c->pid = 0;
        return werr_set(err, fork_errno, "fork");
    }
    close(c->sync[1]);
    c->sync[1] = -1;
    return 0;
}

static int exec_drive(struct exec_ctx *c, const struct exec_opts *o, weft_error **err)
{
    if (c->cg != NULL && cgroup_enter(c->cg, c->pid, err) < 0)
        return -1;
    if (sync_send(c->sync[0], SYNC_GO, 0, NULL, -1, err) < 0)
        return -1;
    json_t *js = state_to_oci_json(c->st, state_status(c->st));
    cleanup_free char *state = json_dumps(js, JSON_COMPACT);
    json_decref(js);
    struct setup_msgs m = {
        .spec = c->spec, .console_socket = o->console_socket, .state_json = state, .pid = c->pid};
    int r = setup_msgs_until_ready(c->sync[0], &m, err);
    c->master = m.pty_master;
    free(m.handler);
    if (r < 0)
        return -1;
    if (o->pid_file != NULL) {
        cleanup_fclose FILE *f = fopen(o->pid_file, "we");
        if (f == NULL)
            return werr_sys(err, "--pid-file: open %s", o->pid_file);
        fprintf(f, "%d", (int)c->pid);
    }
    return 0;
}

static int exec_open(struct exec_ctx *c, const struct container_ctx *g, const struct exec_opts *o,
                     weft_error **err)
{
    if (state_open(g->root, o->id, false, &c->st, err) < 0)
        return -1;
    enum container_status s = state_status(c->st);
    if (s != STATUS_RUNNING && s != STATUS_CREATED)
        return werr_set(err, 0, "cannot exec in container '%s': it is %s", o->id,
                        container_status_name(s));
    if (o->process->terminal && o->console_socket == NULL && o->detach)
        return werr_set(err, 0, "--tty with --detach requires --console-socket");
    if (container_load_config(c->st->dir, c->st->bundle, &c->spec, err) < 0)
        return -1;
    if (handler_host_prepare(c->spec, g->wasm_smart_default, HANDLER_FOR_EXEC, g->argv, err) < 0)
        return -1;
    if (c->st->cgroup != NULL && cgroup_load(c->st->cgroup, &c->cg, err) < 0)
        return -1;
    if (c->cg != NULL)
        handler_pin_memory_limit(cgroup_path(c->cg));
    if (ns_open_of_pid(c->st->pid, c->ns_fds, err) < 0)
        return -1;
    if (c->ns_fds[OCI_NS_MOUNT] < 0) {
        cleanup_free char *root = xasprintf("/proc/%d/root", (int)c->st->pid);
        c->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->root_fd < 0)
            return werr_sys(err, "open %s", root);
    }
    return sync_pair(c->sync, err);
}

/* Close every descriptor the caller left open beyond stdio and
 * --preserve-fds, before anything is resolved in the container: a host
 * directory held there would otherwise be one /proc/self/fd/N away
 * (CVE-2024-21626). weft opens all of its own descriptors close-on-exec, so
 * those without the flag are exactly the inherited ones. */
static void close_if_inherited(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
        close(fd);
}

static void close_inherited_fds(int preserve_fds)
{
    int first = 3 + (preserve_fds > 0 ? preserve_fds : 0);
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) { /* no /proc: try every number below the limit */
        long max = sysconf(_SC_OPEN_MAX);
        for (int fd = first; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
            close_if_inherited(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd >= first && fd != dirfd(d))
            close_if_inherited(fd);
    }
    closedir(d);
}

int container_exec(const struct container_ctx *g, const struct exec_opts *o, int *status,
                   weft_error **err)
{
    close_inherited_fds(o->preserve_fds);
    struct exec_ctx c = {.sync = {-1, -1}, .master = -1, .root_fd = -1};
    for (int i = 0; i < OCI_NS_COUNT; i++)
        c.ns_fds[i] = -1;
    *status = 0;
    int r = exec_open(&c, g, o, err);
    if (r == 0)
        r = exec_spawn(&c, g, o, err);
    if (r == 0 && exec_drive(&c, o, err) < 0) {
        kill(c.pid, SIGKILL);
        waitpid(c.pid, NULL, 0);
        r = -1;
    }
    if (r == 0 && !o->detach) {
        forward_signals_to(c.pid);
        if (c.master >= 0 && o->console_socket == NULL)
            terminal_proxy(c.master, err);
        *status = wait_exit_status(c.pid);
    }
    for (int i = 0; i < 2; i++)
        if (c.sync[i] >= 0)
            close(c.sync[i]);
    if (c.master >= 0)
        close(c.master);
    if (c.root_fd >= 0)
        close(c.root_fd);
    ns_close_all(c.ns_fds);
    cgroup_free(c.cg);
    oci_spec_free(c.spec);
    state_free(c.st);
    return r;
}
