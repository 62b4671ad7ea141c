/* `create`: the parent side. Loads the bundle, makes the state directory and
 * the cgroup, clones the init into its new namespaces, then drives it through
 * the sync socket until it waits for `start`. Any failure undoes everything:
 * the init is killed, the cgroup and the state directory removed. */
#include "cgroup/cgroup.h"
#include "handler/handler.h"
#include "handler/memcap.h"
#include "container/container.h"
#include "container/dev_made.h"
#include "container/hooks.h"
#include "container/init.h"
#include "container/setup_msgs.h"
#include "container/state.h"
#include "container/sync.h"
#include "container/terminal.h"
#include "linux/namespaces.h"
#include "linux/rootfs.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/passwd.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Everything create made, so one function can undo it. */
struct create_ctx {
    oci_spec *spec;
    container_state *st;
    cgroup *cg;
    pid_t pid;
    int sync[2];
    int ns_fds[OCI_NS_COUNT];
    int pty_master;
    int fifo_fd;    /* O_PATH, inherited by the init */
    char *handler;  /* what the init will run: "native", "wasm" */
    int *idmap_fds; /* [spec->n_mounts] idmapped clones for the init, -1 where none */
};

static void create_ctx_undo(struct create_ctx *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    if (c->cg != NULL) {
        weft_error *e = NULL;
        if (cgroup_destroy(c->cg, &e) < 0)
            log_warn("%s", e->msg);
        werr_free(e);
    }
    if (c->st != NULL && c->st->shared_mntns) {
        weft_error *e = NULL;
        if (shared_mnt_cleanup(c->spec->root_path, c->st->kept_mounts, c->st->n_kept_mounts, &e) <
            0)
            log_warn("%s", e->msg);
        werr_free(e);
    }
    if (c->st != NULL) {
        dev_made_remove(c->spec->root_path, c->st->dev_made, c->st->n_dev_made);
        weft_error *e = NULL;
        if (state_remove(c->st, &e) < 0)
            log_warn("%s", e->msg);
        werr_free(e);
    }
}

static void create_ctx_free(struct create_ctx *c)
{
    for (int i = 0; i < 2; i++)
        if (c->sync[i] >= 0)
            close(c->sync[i]);
    ns_close_all(c->ns_fds);
    if (c->pty_master >= 0)
        close(c->pty_master);
    if (c->fifo_fd >= 0)
        close(c->fifo_fd);
    for (size_t i = 0; c->idmap_fds != NULL && i < c->spec->n_mounts; i++)
        if (c->idmap_fds[i] >= 0)
            close(c->idmap_fds[i]);
    free(c->idmap_fds);
    cgroup_free(c->cg);
    free(c->handler);
    state_free(c->st);
    oci_spec_free(c->spec);
}

static char *now_rfc3339(void)
{
    struct timespec ts;
    struct tm tm;
    char buf[64];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

/* Checks that need the whole spec and that the parser cannot make alone. */
static int create_check_spec(const oci_spec *spec, const struct create_opts *o, weft_error **err)
{
    if (spec->hostname != NULL && oci_spec_namespace(spec, OCI_NS_UTS) == NULL)
        return werr_set(err, 0, "%s: hostname: needs a new UTS namespace", spec->path);
    if (spec->has_process && spec->process.terminal && o->console_socket == NULL && !o->foreground)
        return werr_set(err, 0,
                        "process.terminal is true: --console-socket is required (or use "
                        "`weft run` in the foreground)");
    if (!spec->has_process && o->foreground)
        return werr_set(err, 0, "%s: process: missing, nothing to run", spec->path);
    return 0;
}

/* Accepted as the spec says, but worth a word (once: after the re-exec). */
static void warn_deprecated(const oci_spec *spec)
{
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (spec->mounts[i].relative_destination)
            log_warn("%s: mounts[%zu].destination: relative paths are deprecated, taken as %s",
                     spec->path, i, spec->mounts[i].destination);
}

static int write_pid_file(const char *path, pid_t pid, weft_error **err)
{
    cleanup_free char *tmp = xasprintf("%s.weft-tmp", path);
    FILE *f = fopen(tmp, "we");
    if (f == NULL)
        return werr_sys(err, "--pid-file: open %s", tmp);
    fprintf(f, "%d", (int)pid);
    if (fclose(f) != 0)
        return werr_sys(err, "--pid-file: write %s", tmp);
    if (rename(tmp, path) < 0)
        return werr_sys(err, "--pid-file: rename to %s", path);
    return 0;
}

static int copy_config(const oci_spec *spec, const char *dir, weft_error **err)
{
    cleanup_free char *dst = xasprintf("%s/config.json", dir);
    cleanup_fclose FILE *in = fopen(spec->path, "re");
    if (in == NULL)
        return werr_sys(err, "open %s", spec->path);
    cleanup_fclose FILE *out = fopen(dst, "we");
    if (out == NULL)
        return werr_sys(err, "open %s", dst);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            return werr_sys(err, "write %s", dst);
    return 0;
}

/* clone the init; the parent keeps its own pid/time namespaces while making
 * the child's pid_for_children / time_for_children the ones the spec wants. */
static int spawn_init(struct create_ctx *c, const struct container_ctx *g,
                      const struct create_opts *o, weft_error **err)
{
    /* Not the cgroup namespace: its root is the cgroup the process is in
     * when it is made, so the init makes it after cgroup_enter (init.c). */
    int flags = ns_new_flags(c->spec) & ~CLONE_NEWCGROUP;
    int saved_pid_ns = -1, saved_time_ns = -1;
    if (ns_prepare_time(c->spec, &saved_time_ns, err) < 0)
        return -1;
    if (c->ns_fds[OCI_NS_PID] >= 0) {
        saved_pid_ns = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
        if (saved_pid_ns < 0 || setns(c->ns_fds[OCI_NS_PID], CLONE_NEWPID) < 0) {
            werr_sys(err, "join pid namespace");
            goto out;
        }
    }
    fflush(NULL);
    c->pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
    if (c->pid < 0) {
        c->pid = 0;
        werr_sys(err, "clone");
        goto out;
    }
    if (c->pid == 0) {
        close(c->sync[0]);
        struct init_args a = {
            .spec = c->spec,
            .opts = o,
            .fifo_fd = c->fifo_fd,
            .id = o->id,
            .sync_fd = c->sync[1],
            .lock_fd = c->st->dir_fd,
            .ns_fds = c->ns_fds,
            .mount_fds = c->idmap_fds,
            .new_userns = (flags & CLONE_NEWUSER) != 0,
            .wasm_smart_default = g->wasm_smart_default,
        };
        init_main(&a);
    }
out:
    if (saved_pid_ns >= 0) {
        setns(saved_pid_ns, CLONE_NEWPID);
        close(saved_pid_ns);
    }
    if (ns_restore_time(saved_time_ns, err) < 0)
        return -1;
    return c->pid > 0 ? 0 : -1;
}

/* The config's annotations, as state.json and the hooks' state carry them. */
static void set_annotations(container_state *st, const oci_spec *spec)
{
    json_decref(st->annotations);
    st->annotations = json_object();
    for (size_t i = 0; i < spec->n_annotations; i++)
        json_object_set_new(st->annotations, spec->annotations[i].key,
                            json_string(spec->annotations[i].value));
}

/* Drive the init until it waits for `start`. */
static int drive_init(struct create_ctx *c, const struct create_opts *o, weft_error **err)
{
    close(c->sync[1]);
    c->sync[1] = -1;
    if (c->cg != NULL && cgroup_enter(c->cg, c->pid, err) < 0)
        return -1;
    if ((ns_new_flags(c->spec) & CLONE_NEWUSER) && ns_write_id_maps(c->pid, c->spec, err) < 0)
        return -1;
    if (sync_send(c->sync[0], SYNC_GO, (int)c->pid, NULL, -1, err) < 0 ||
        sync_expect(c->sync[0], SYNC_RUN_HOOKS, NULL, err) < 0)
        return -1;
    if (c->spec->hooks.n[OCI_HOOK_PRESTART] + c->spec->hooks.n[OCI_HOOK_CREATE_RUNTIME] > 0) {
        c->st->pid = c->pid;
        c->st->bundle = xstrdup(c->spec->bundle);
        set_annotations(c->st, c->spec);
        /* The environment is made (lifecycle step 2): "created" is the
         * state after step 2, and the hooks see the config's annotations. */
        json_t *js = state_to_oci_json(c->st, STATUS_CREATED);
        cleanup_free char *state = json_dumps(js, JSON_COMPACT);
        json_decref(js);
        if (hooks_run(c->spec, OCI_HOOK_PRESTART, state, err) < 0 ||
            hooks_run(c->spec, OCI_HOOK_CREATE_RUNTIME, state, err) < 0)
            return -1;
    }
    if (sync_send(c->sync[0], SYNC_HOOKS_DONE, 0, NULL, -1, err) < 0)
        return -1;
    c->st->pid = c->pid;
    if (c->st->bundle == NULL)
        c->st->bundle = xstrdup(c->spec->bundle);
    json_t *js = state_to_oci_json(c->st, STATUS_CREATING);
    cleanup_free char *state = json_dumps(js, JSON_COMPACT);
    json_decref(js);
    struct setup_msgs m = {
        .spec = c->spec, .console_socket = o->console_socket, .state_json = state, .pid = c->pid};
    int r = setup_msgs_until_ready(c->sync[0], &m, err);
    c->pty_master = m.pty_master;
    c->handler = m.handler;
    return r;
}

static int record_state(struct create_ctx *c, const struct create_opts *o, weft_error **err)
{
    container_state *st = c->st;
    st->pid = c->pid;
    st->pid_start = proc_start_time(c->pid);
    if (st->pid_start == 0)
        return werr_set(err, 0, "container init exited during setup");
    free(st->bundle);
    st->bundle = xstrdup(c->spec->bundle);
    free(st->rootfs);
    st->rootfs = xstrdup(c->spec->root_path);
    st->created = now_rfc3339();
    st->creating = false;
    st->owner = passwd_user_name("/etc/passwd", geteuid());
    st->handler = steal_ptr(c->handler);
    st->has_process = c->spec->has_process;
    set_annotations(st, c->spec);
    if (c->cg != NULL) { /* enter may have completed it (the systemd driver's scope) */
        free(st->cgroup);
        st->cgroup = cgroup_serialize(c->cg);
    }
    if (state_save(st, err) < 0)
        return -1;
    if (o->pid_file != NULL && write_pid_file(o->pid_file, c->pid, err) < 0)
        return -1;
    return 0;
}

/* An idmapped mount needs CAP_SYS_ADMIN over the source filesystem's user
 * namespace, which an init inside its own user namespace has lost: clone
 * and idmap the sources here, on the host side, for the init to attach (it
 * inherits the descriptors). A mount with "idmap" and no mappings of its own
 * takes the container's: a joined user namespace, or linux.uidMappings. */
static int prepare_idmapped_mounts(struct create_ctx *c, weft_error **err)
{
    int joined = c->ns_fds[OCI_NS_USER];
    if (!(ns_new_flags(c->spec) & CLONE_NEWUSER) && joined < 0)
        return 0;
    return rootfs_idmap_prepare(c->spec, joined, &c->idmap_fds, err);
}

/* What a later `delete` needs if this process dies before record_state():
 * the cgroup (planned, then made), the init (see state.h). */
static int save_provisional(struct create_ctx *c, weft_error **err)
{
    container_state *st = c->st;
    st->creating = true;
    if (st->bundle == NULL)
        st->bundle = xstrdup(c->spec->bundle);
    if (st->rootfs == NULL)
        st->rootfs = xstrdup(c->spec->root_path);
    if (c->cg != NULL) {
        free(st->cgroup);
        st->cgroup = cgroup_serialize(c->cg);
    }
    if (c->pid > 0 && st->pid != c->pid) {
        st->pid = c->pid;
        st->pid_start = proc_start_time(c->pid);
    }
    return state_save(st, err);
}

static int create_steps(struct create_ctx *c, const struct container_ctx *g,
                        const struct create_opts *o, weft_error **err)
{
    char bundle[PATH_MAX];
    if (realpath(o->bundle ? o->bundle : ".", bundle) == NULL)
        return werr_sys(err, "bundle %s", o->bundle ? o->bundle : ".");
    if (container_id_check(o->id, err) < 0)
        return -1;
    if (oci_spec_load(bundle, &c->spec, err) < 0)
        return -1;
    if (create_check_spec(c->spec, o, err) < 0)
        return -1;
    warn_deprecated(c->spec);
    /* an external wasm engine: re-execute as the engines companion, or
     * load the engine's library, before anything is created */
    if (handler_host_prepare(c->spec, g->wasm_smart_default, HANDLER_FOR_INIT, g->argv, err) < 0)
        return -1;
    if (state_create_dir(g->root, o->id, &c->st, err) < 0)
        return -1;
    if (copy_config(c->spec, c->st->dir, err) < 0)
        return -1;
    if (oci_spec_namespace(c->spec, OCI_NS_MOUNT) == NULL) {
        c->st->shared_mntns = true;
        if (shared_mnt_ids(c->spec->root_path, &c->st->kept_mounts, &c->st->n_kept_mounts, err) < 0)
            return -1;
    }
    dev_made_plan(c->spec, &c->st->dev_made, &c->st->n_dev_made);
    /* The cgroup's directories are recorded before the first is made: a
     * kill between its mkdirs must not leave any that `delete` cannot find. */
    const oci_linux *lx = &c->spec->linux_;
    cgroup *plan = NULL;
    if (cgroup_plan(g->cgroup_manager, lx->cgroups_path, o->id, &plan, err) < 0)
        return -1;
    c->st->cgroup = plan ? cgroup_serialize(plan) : NULL;
    cgroup_free(plan);
    if (save_provisional(c, err) < 0)
        return -1;
    if (cgroup_create(g->cgroup_manager, lx->cgroups_path, o->id,
                      lx->has_resources ? &lx->resources : NULL, &c->cg, err) < 0)
        return -1;
    /* a wasm engine follows `update` of the limit from inside (a native
     * container has no use for the file) */
    if (handler_may_run_wasm(c->spec, g->wasm_smart_default, HANDLER_FOR_INIT))
        handler_pin_memory_limit(cgroup_path(c->cg));
    cleanup_free char *fifo = xasprintf("%s/exec.fifo", c->st->dir);
    /* Writable by anyone: the init opens it after switching to the
     * container's user, through its O_PATH fd; the 0700 state directory
     * keeps everyone else away. */
    if (mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0)
        return werr_sys(err, "mkfifo %s", fifo);
    c->fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
    if (c->fifo_fd < 0)
        return werr_sys(err, "open %s", fifo);
    if (ns_open_joined(c->spec, c->ns_fds, err) < 0 || sync_pair(c->sync, err) < 0 ||
        prepare_idmapped_mounts(c, err) < 0)
        return -1;
    if (spawn_init(c, g, o, err) < 0 || save_provisional(c, err) < 0 || drive_init(c, o, err) < 0)
        return -1;
    return record_state(c, o, err);
}

int container_create(const struct container_ctx *g, const struct create_opts *o, pid_t *pid,
                     int *pty_master, weft_error **err)
{
    struct create_ctx c = {.sync = {-1, -1}, .pty_master = -1, .fifo_fd = -1};
    for (int i = 0; i < OCI_NS_COUNT; i++)
        c.ns_fds[i] = -1;
    int r = create_steps(&c, g, o, err);
    if (r < 0) {
        create_ctx_undo(&c);
    } else {
        if (pid != NULL)
            *pid = c.pid;
        if (pty_master != NULL)
            *pty_master = steal_fd(c.pty_master);
    }
    create_ctx_free(&c);
    return r;
}
