#include "linux/namespaces.h"
#include "linux/rootless.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* /proc/PID/ns/ entry names, in enum oci_ns_type order. */
static const char *const proc_names[OCI_NS_COUNT] = {"pid", "net",  "mnt",    "ipc",
                                                     "uts", "user", "cgroup", "time"};

int ns_clone_flag(enum oci_ns_type type)
{
    static const int flags[OCI_NS_COUNT] = {CLONE_NEWPID,    CLONE_NEWNET, CLONE_NEWNS,
                                            CLONE_NEWIPC,    CLONE_NEWUTS, CLONE_NEWUSER,
                                            CLONE_NEWCGROUP, CLONE_NEWTIME};
    return flags[type];
}

int ns_new_flags(const oci_spec *spec)
{
    int flags = 0;
    if (!spec->has_linux)
        return 0;
    for (size_t i = 0; i < spec->linux_.n_namespaces; i++) {
        const oci_namespace *ns = &spec->linux_.namespaces[i];
        if (ns->path == NULL && ns->type != OCI_NS_TIME)
            flags |= ns_clone_flag(ns->type);
    }
    return flags;
}

void ns_close_all(int fds[OCI_NS_COUNT])
{
    for (int i = 0; i < OCI_NS_COUNT; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}

int ns_open_joined(const oci_spec *spec, int fds[OCI_NS_COUNT], weft_error **err)
{
    for (int i = 0; i < OCI_NS_COUNT; i++)
        fds[i] = -1;
    if (!spec->has_linux)
        return 0;
    for (size_t i = 0; i < spec->linux_.n_namespaces; i++) {
        const oci_namespace *ns = &spec->linux_.namespaces[i];
        if (ns->path == NULL)
            continue;
        int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            werr_sys(err, "linux.namespaces[%zu].path: open %s", i, ns->path);
            ns_close_all(fds);
            return -1;
        }
        /* The kernel checks the type again at setns(); checking here gives
         * the error while it can still name the field. */
        int type = ioctl(fd, NS_GET_NSTYPE);
        if (type < 0 || type != ns_clone_flag(ns->type)) {
            close(fd);
            werr_set(err, 0, "linux.namespaces[%zu].path: %s is not a %s namespace", i, ns->path,
                     oci_ns_name(ns->type));
            ns_close_all(fds);
            return -1;
        }
        fds[ns->type] = fd;
    }
    return 0;
}

int ns_join(int fds[OCI_NS_COUNT], unsigned skip_mask, weft_error **err)
{
    /* user first, then the rest in enum order */
    static const enum oci_ns_type order[] = {OCI_NS_USER, OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_MOUNT,
                                             OCI_NS_IPC,  OCI_NS_UTS, OCI_NS_CGROUP,  OCI_NS_TIME};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        enum oci_ns_type t = order[i];
        if (fds[t] < 0 || (skip_mask & (1u << t)))
            continue;
        if (setns(fds[t], ns_clone_flag(t)) < 0)
            return werr_sys(err, "join %s namespace", oci_ns_name(t));
    }
    return 0;
}

int ns_open_of_pid(pid_t pid, int fds[OCI_NS_COUNT], weft_error **err)
{
    for (int i = 0; i < OCI_NS_COUNT; i++)
        fds[i] = -1;
    for (int i = 0; i < OCI_NS_COUNT; i++) {
        char mine[64], theirs[64];
        snprintf(mine, sizeof mine, "/proc/self/ns/%s", proc_names[i]);
        snprintf(theirs, sizeof theirs, "/proc/%d/ns/%s", (int)pid, proc_names[i]);
        struct stat a, b;
        if (stat(theirs, &b) < 0) {
            if (errno == ENOENT && i == OCI_NS_TIME)
                continue; /* kernel without time namespaces */
            ns_close_all(fds);
            return werr_sys(err, "stat %s", theirs);
        }
        if (stat(mine, &a) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            continue; /* shared with us: nothing to join */
        fds[i] = open(theirs, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) {
            ns_close_all(fds);
            return werr_sys(err, "open %s", theirs);
        }
    }
    return 0;
}

int ns_write_id_map(pid_t pid, const char *file, const oci_id_mapping *m, size_t n,
                    weft_error **err)
{
    cleanup_free char *text = xstrdup("");
    for (size_t i = 0; i < n; i++) {
        char *next = xasprintf("%s%u %u %u\n", text, m[i].container_id, m[i].host_id, m[i].size);
        free(text);
        text = next;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    return write_text(path, text, err);
}

/* Rootless: the kernel takes an unprivileged gid_map only once setgroups(2)
 * is denied in the namespace (else dropping a group could bypass a deny rule). */
static int deny_setgroups(pid_t pid, weft_error **err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
    if (access(path, F_OK) < 0)
        return 0; /* a kernel before 3.19 */
    return write_text(path, "deny", err);
}

int ns_write_id_maps(pid_t pid, const oci_spec *spec, weft_error **err)
{
    const oci_linux *lx = &spec->linux_;
    /* Without CAP_SETUID/CAP_SETGID (an ordinary user), the kernel takes only
     * a map of one's own id, the rest goes through newuidmap/newgidmap. */
    if (lx->n_uid_mappings > 0 &&
        (rootless_has_cap(CAP_SETUID)
             ? ns_write_id_map(pid, "uid_map", lx->uid_mappings, lx->n_uid_mappings, err)
             : rootless_write_id_map(pid, true, lx->uid_mappings, lx->n_uid_mappings, err)) < 0)
        return werr_prefix(err, "linux.uidMappings");
    if (lx->n_gid_mappings > 0 && geteuid() != 0 && deny_setgroups(pid, err) < 0)
        return werr_prefix(err, "linux.gidMappings");
    if (lx->n_gid_mappings > 0 &&
        (rootless_has_cap(CAP_SETGID)
             ? ns_write_id_map(pid, "gid_map", lx->gid_mappings, lx->n_gid_mappings, err)
             : rootless_write_id_map(pid, false, lx->gid_mappings, lx->n_gid_mappings, err)) < 0)
        return werr_prefix(err, "linux.gidMappings");
    return 0;
}

int ns_prepare_time(const oci_spec *spec, int *saved_fd, weft_error **err)
{
    *saved_fd = -1;
    const oci_namespace *ns = oci_spec_namespace(spec, OCI_NS_TIME);
    if (ns == NULL || ns->path != NULL) {
        if (spec->has_linux && spec->linux_.has_time_offsets && ns == NULL)
            return werr_set(err, 0, "linux.timeOffsets: requires a new time namespace");
        return 0;
    }
    int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "linux.namespaces: time namespace not supported by this kernel");
    if (unshare(CLONE_NEWTIME) < 0) {
        close(fd);
        return werr_sys(err, "linux.namespaces: create time namespace");
    }
    *saved_fd = fd;
    if (spec->linux_.has_time_offsets) {
        char buf[128];
        snprintf(buf, sizeof buf, "monotonic %lld %u\nboottime %lld %u\n",
                 (long long)spec->linux_.monotonic.secs, spec->linux_.monotonic.nanosecs,
                 (long long)spec->linux_.boottime.secs, spec->linux_.boottime.nanosecs);
        if (write_text("/proc/self/timens_offsets", buf, err) < 0) {
            ns_restore_time(fd, NULL);
            *saved_fd = -1;
            return werr_prefix(err, "linux.timeOffsets");
        }
    }
    return 0;
}

int ns_restore_time(int saved_fd, weft_error **err)
{
    if (saved_fd < 0)
        return 0;
    int r = setns(saved_fd, CLONE_NEWTIME);
    int saved = errno;
    close(saved_fd);
    if (r < 0)
        return werr_set(err, saved, "restore time namespace");
    return 0;
}
