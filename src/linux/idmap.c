/* Idmapped bind mounts ("idmap"/"ridmap" options, mount uidMappings/gidMappings).
 *
 * An idmapped mount needs a user namespace carrying the mapping and
 * CAP_SYS_ADMIN over the mounted filesystem's owner (the initial user
 * namespace for a disk filesystem). A container init that is already inside
 * its own user namespace no longer has that, so the clones can be made on the
 * host side with rootfs_idmap_prepare() and handed to
 * rootfs_prepare_idmapped(); without them, rootfs_prepare() makes them itself,
 * which works for containers without a user namespace. */
#include "linux/fs.h"
#include "linux/namespaces.h"
#include "linux/rootfs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

int idmap_userns_fd(const oci_id_mapping *uids, size_t n_uids, const oci_id_mapping *gids,
                    size_t n_gids, weft_error **err)
{
    if (n_uids == 0 || n_gids == 0)
        return werr_set(err, 0, "an idmapped mount needs both uid and gid mappings");
    int sync[2];
    if (pipe2(sync, O_CLOEXEC) < 0)
        return werr_sys(err, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(sync[0]);
        close(sync[1]);
        return werr_sys(err, "fork");
    }
    if (pid == 0) {
        /* A throwaway process whose only job is to own the namespace until
         * the parent has a descriptor of it. */
        close(sync[0]);
        char ok = unshare(CLONE_NEWUSER) == 0 ? 1 : 0;
        if (write(sync[1], &ok, 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(sync[1]);
    char ok = 0;
    ssize_t r = read(sync[0], &ok, 1);
    close(sync[0]);
    int fd = -1;
    if (r != 1 || !ok) {
        werr_set(err, 0, "could not create a user namespace for the idmapped mount");
    } else if (ns_write_id_map(pid, "uid_map", uids, n_uids, err) == 0 &&
               ns_write_id_map(pid, "gid_map", gids, n_gids, err) == 0) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            werr_sys(err, "open %s", path);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return fd;
}

/* Whether spec->mounts[i] asks for an idmapped mount. */
static bool wants_idmap(const oci_mount *m, bool *recursive_idmap)
{
    bool any = m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
    *recursive_idmap = false;
    for (size_t j = 0; j < m->n_options; j++) {
        if (strcmp(m->options[j], "idmap") == 0)
            any = true;
        if (strcmp(m->options[j], "ridmap") == 0)
            any = *recursive_idmap = true;
    }
    return any;
}

static bool has_option(const oci_mount *m, const char *opt)
{
    for (size_t j = 0; j < m->n_options; j++)
        if (strcmp(m->options[j], opt) == 0)
            return true;
    return false;
}

int idmap_clone_source(const oci_spec *spec, size_t index, int userns_fd, weft_error **err)
{
    const oci_mount *m = &spec->mounts[index];
    bool ridmap;
    if (!wants_idmap(m, &ridmap))
        return werr_set(err, 0, "not an idmapped mount");
    bool bind = (m->type != NULL && strcmp(m->type, "bind") == 0) || has_option(m, "bind") ||
                has_option(m, "rbind");
    if (!bind)
        return werr_set(err, 0, "idmapped mounts are supported for bind mounts only");
    if (m->source == NULL)
        return werr_set(err, 0, "a bind mount needs a source");
    cleanup_close int own_ns = -1;
    if (m->n_uid_mappings > 0 || m->n_gid_mappings > 0) {
        own_ns = idmap_userns_fd(m->uid_mappings, m->n_uid_mappings, m->gid_mappings,
                                 m->n_gid_mappings, err);
        if (own_ns < 0)
            return -1;
        userns_fd = own_ns;
    } else if (userns_fd < 0) {
        /* the container's own mapping */
        own_ns = idmap_userns_fd(spec->linux_.uid_mappings, spec->linux_.n_uid_mappings,
                                 spec->linux_.gid_mappings, spec->linux_.n_gid_mappings, err);
        if (own_ns < 0)
            return werr_prefix(err, "idmap without mappings uses linux.uidMappings");
        userns_fd = own_ns;
    }
    cleanup_free char *src = m->source[0] == '/' || spec->bundle == NULL
                                 ? xstrdup(m->source)
                                 : xasprintf("%s/%s", spec->bundle, m->source);
    unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
    if (has_option(m, "rbind"))
        tree_flags |= AT_RECURSIVE;
    int fd = open_tree(AT_FDCWD, src, tree_flags);
    if (fd < 0)
        return werr_sys(err, "open_tree %s", src);
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd};
    if (mount_setattr(fd, "", AT_EMPTY_PATH | (ridmap ? AT_RECURSIVE : 0), &attr, sizeof(attr)) <
        0) {
        int e = errno;
        close(fd);
        if (e == EPERM)
            return werr_set(err, e,
                            "idmap %s (inside a user namespace the idmapped mount must "
                            "be made on the host side)",
                            src);
        return werr_set(err, e, "idmap %s", src);
    }
    return fd;
}

int rootfs_idmap_prepare(const oci_spec *spec, int userns_fd, int **fds_out, weft_error **err)
{
    int *fds = xcalloc(spec->n_mounts ? spec->n_mounts : 1, sizeof(int));
    for (size_t i = 0; i < spec->n_mounts; i++) {
        bool ridmap;
        fds[i] = -1;
        if (!wants_idmap(&spec->mounts[i], &ridmap))
            continue;
        fds[i] = idmap_clone_source(spec, i, userns_fd, err);
        if (fds[i] < 0) {
            for (size_t j = 0; j < i; j++)
                if (fds[j] >= 0)
                    close(fds[j]);
            free(fds);
            return werr_prefix(err, "mounts[%zu]", i);
        }
    }
    *fds_out = fds;
    return 0;
}
