/* `delete` of a broken container: its state.json cannot be read (see
 * state.h), so what it made is found another way. The cgroup is derived
 * from the copy of the config in the state directory, the id and the
 * cgroup manager, as `create` derived it; a created container's init is
 * found by the exec.fifo it holds open; then the directory goes. Mounts of
 * a container without a mount namespace are left: which ones were there
 * before it was recorded in the lost state. */
#include "cgroup/cgroup.h"
#include "container/container.h"
#include "container/state.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool holds_file(int pid_dir, const char *path)
{
    int fd = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return false;
    }
    bool found = false;
    struct dirent *de;
    char link[PATH_MAX];
    while (!found && (de = readdir(d)) != NULL) {
        ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof link - 1);
        if (n <= 0)
            continue;
        link[n] = '\0';
        found = strcmp(link, path) == 0;
    }
    closedir(d);
    return found;
}

/* Until `start`, the init keeps an fd on DIR/exec.fifo, whether or not it
 * reached its cgroup: SIGKILL every process that does. */
static void kill_fifo_holders(const char *dir)
{
    char real[PATH_MAX];
    if (realpath(dir, real) == NULL)
        return;
    cleanup_free char *fifo = xasprintf("%s/exec.fifo", real);
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(proc)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || pid == (long)getpid())
            continue;
        int pd = openat(dirfd(proc), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pd < 0)
            continue;
        if (holds_file(pd, fifo)) {
            log_debug("delete: killing pid %ld, which holds %s", pid, fifo);
            kill((pid_t)pid, SIGKILL);
        }
        close(pd);
    }
    closedir(proc);
}

/* The cgroup `create` made (or planned) for this container. Without a
 * readable config, the default path: removing a directory that was never
 * made is harmless. */
static cgroup *derive_cgroup(const struct container_ctx *g, const container_state *st)
{
    oci_spec *spec = NULL;
    weft_error *e = NULL;
    if (container_load_config(st->dir, st->dir, &spec, &e) < 0) {
        log_debug("delete: %s", e->msg);
        werr_free(e);
        e = NULL;
    }
    const char *path = spec && spec->has_linux ? spec->linux_.cgroups_path : NULL;
    cgroup *cg = NULL;
    if (cgroup_plan(g->cgroup_manager, path, st->id, &cg, &e) < 0) {
        log_debug("delete: %s", e->msg);
        werr_free(e);
    }
    oci_spec_free(spec);
    return cg;
}

int container_delete_broken(const struct container_ctx *g, container_state *st, bool force,
                            weft_error **err)
{
    if (!force)
        return werr_set(err, 0, "cannot delete container '%s': it is broken (%s): use --force",
                        st->id, st->broken);
    log_debug("delete: container '%s' is broken (%s)", st->id, st->broken);
    kill_fifo_holders(st->dir);
    cgroup *cg = derive_cgroup(g, st);
    int r = 0;
    if (cg != NULL) {
        weft_error *e = NULL;
        if (cgroup_kill_all(cg, SIGKILL, &e) < 0)
            log_debug("delete: %s", e->msg);
        werr_free(e);
        r = cgroup_destroy(cg, err);
        cgroup_free(cg);
    }
    if (r < 0)
        return -1;
    return state_remove(st, err);
}
