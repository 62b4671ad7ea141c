/* The container's filesystem view, built in its init process:
 *
 *   rootfs_prepare()  in the new mount namespace: isolate propagation, bind
 *                     the rootfs onto itself, apply config.json "mounts" in
 *                     order, create /dev nodes and symlinks;
 *   rootfs_pivot()    make the rootfs "/" (pivot_root, or MS_MOVE + chroot);
 *   rootfs_finalize() sysctls, readonly/masked paths, root.readonly,
 *                     rootfsPropagation.
 *
 * Order in the init (as runc): rootfs_prepare, [createContainer hooks],
 * rootfs_pivot, rootfs_finalize (which also writes linux.sysctl, before the
 * readonly paths make /proc/sys read-only), then rootfs_setup_console once the
 * pty exists. linux_set_hostname anywhere after the UTS namespace exists.
 *
 * runc/crun semantics throughout. Every mount target is resolved inside the
 * rootfs (see paths.c), never through a symlink out of it. */
#ifndef WEFT_LINUX_ROOTFS_H
#define WEFT_LINUX_ROOTFS_H

#include "linux/mount_opts.h"
#include "oci/spec.h"
#include "util/error.h"

#include <stdbool.h>

/* in_userns: the process runs in a new user namespace (rootless): devices are
 * bind-mounted from the host instead of mknod'ed. Refuses a spec without a
 * mount namespace (it would rearrange the host's mounts). */
int rootfs_prepare(const oci_spec *spec, bool in_userns, weft_error **err);

/* Idmapped bind mounts ("idmap", "ridmap", mounts[].uidMappings) need
 * CAP_SYS_ADMIN in the initial user namespace. rootfs_prepare() makes them
 * itself, which works for a container without a user namespace. For one with
 * a user namespace, call rootfs_idmap_prepare() on the host side (the runtime's
 * parent, once the container's user namespace exists): it returns in *fds one
 * entry per spec->mounts[] (-1 where no idmap is asked for), each a detached
 * idmapped clone of the mount's source. Pass them (e.g. over the sync socket)
 * to rootfs_prepare_idmapped() in the init. userns_fd is the container's user
 * namespace, used by "idmap" mounts without their own mappings (-1: build one
 * from linux.uidMappings/gidMappings). free() the array, close the fds. */
int rootfs_idmap_prepare(const oci_spec *spec, int userns_fd, int **fds, weft_error **err);
int rootfs_prepare_idmapped(const oci_spec *spec, bool in_userns, const int *mount_fds,
                            weft_error **err);

/* Leaves cwd at the new "/". */
int rootfs_pivot(const oci_spec *spec, bool no_pivot, weft_error **err);

int rootfs_finalize(const oci_spec *spec, weft_error **err);

/* After pivot, with process.terminal: bind the pty slave (an open fd, e.g.
 * from TIOCGPTPEER) over /dev/console, which rootfs_prepare created as an
 * empty file (created here if missing; a symlink there is replaced). */
int rootfs_setup_console(int slave_fd, weft_error **err);

/* ---- internal to src/linux (mounts.c, devices.c, rootfs.c, paths.c) ---- */

typedef struct rootfs_ctx {
    const oci_spec *spec;
    const char *root; /* spec->root_path */
    int rootfd;       /* O_PATH descriptor of the rootfs (after its self-bind) */
    bool in_userns;
    bool dev_readonly;    /* a read-only tmpfs on /dev: made ro after devices exist */
    const int *mount_fds; /* from rootfs_idmap_prepare(), or NULL */
} rootfs_ctx;

/* idmap.c: a user namespace with these mappings (fd), and a detached
 * idmapped clone of spec->mounts[index]'s source (fd for move_mount). */
int idmap_userns_fd(const oci_id_mapping *uids, size_t n_uids, const oci_id_mapping *gids,
                    size_t n_gids, weft_error **err);
int idmap_clone_source(const oci_spec *spec, size_t index, int userns_fd, weft_error **err);

/* Apply spec->mounts[index] inside the rootfs. */
int mounts_apply(rootfs_ctx *ctx, size_t index, weft_error **err);

/* Whether the spec bind-mounts something on /dev (then /dev is left alone). */
bool mounts_dev_is_bind(const oci_spec *spec);
/* Whether the spec mounts something on `dest` (clean comparison). */
bool mounts_has_destination(const oci_spec *spec, const char *dest);

/* Re-apply per-mount flags to the bind mount whose root `fd` (O_PATH) is:
 * MS_REMOUNT|MS_BIND|flags. When the kernel refuses (EPERM in a user
 * namespace because some flags of the source are locked), retry keeping the
 * source's nosuid/nodev/noexec/ro/atime flags, as runc does. */
int mount_remount_bind(int fd, unsigned long flags, weft_error **err);

/* Make the mount at fd read-only; recursive: every mount below it as well
 * (mount_setattr(2) AT_RECURSIVE, else one remount per submount). */
int mount_make_readonly(int fd, bool recursive, weft_error **err);

/* One line of /proc/self/mountinfo (octal escapes such as \040 decoded). */
typedef struct mountinfo_entry {
    unsigned id;       /* mount ID, unique while mounted */
    char *root;        /* path inside the filesystem that is mounted */
    char *mount_point; /* where, in this mount namespace */
    char *optional;    /* "shared:1 master:2" or "" */
    char *fstype;
    char *source;
    char *super_opts; /* "rw,cpu" */
} mountinfo_entry;

int mountinfo_read(mountinfo_entry **out, size_t *n, weft_error **err);
void mountinfo_free(mountinfo_entry *v, size_t n);

/* A container without a mount namespace (runtime-spec: it inherits the
 * runtime's) has its rootfs mounts made in the host's namespace, where they
 * outlive the container. shared_mnt_ids() lists the IDs of the mounts at or
 * below root (in this namespace) before the container makes its own;
 * shared_mnt_cleanup() detaches every mount at or below root not in that
 * list, deepest first, at delete. */
int shared_mnt_ids(const char *root, unsigned **ids, size_t *n, weft_error **err);
int shared_mnt_cleanup(const char *root, const unsigned *keep, size_t n_keep, weft_error **err);

/* Default and spec devices, /dev symlinks, /dev/ptmx. */
int devices_setup(rootfs_ctx *ctx, weft_error **err);

#endif
