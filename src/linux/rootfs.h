/* The container's filesystem view, built in its init process:
 *
 *   rootfs_prepare()  in the new mount namespace: isolate propagation, bind
 *                     the rootfs onto itself, apply config.json "mounts" in
 *                     order, create /dev nodes and symlinks;
 *   rootfs_pivot()    make the rootfs "/" (pivot_root, or MS_MOVE + chroot);
 *   rootfs_finalize() linux.sysctl, then masked/readonly paths, root.readonly,
 *                     rootfsPropagation.
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
 * bind-mounted from the host instead of mknod'ed. */
int rootfs_prepare(const oci_spec *spec, bool in_userns, weft_error **err);

/* Leaves cwd at the new "/". */
int rootfs_pivot(const oci_spec *spec, bool no_pivot, weft_error **err);

int rootfs_finalize(const oci_spec *spec, weft_error **err);

/* After pivot, with process.terminal: bind the pty slave (an open fd) over
 * /dev/console, which rootfs_prepare created as an empty file. */
int rootfs_setup_console(int slave_fd, weft_error **err);

/* ---- internal to src/linux (mounts.c, devices.c, rootfs.c, paths.c) ---- */

typedef struct rootfs_ctx {
    const oci_spec *spec;
    const char *root; /* spec->root_path */
    int rootfd;       /* O_PATH descriptor of the rootfs (after its self-bind) */
    bool in_userns;
    bool dev_readonly; /* a read-only tmpfs on /dev: made ro after devices exist */
} rootfs_ctx;

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
    char *root;        /* path inside the filesystem that is mounted */
    char *mount_point; /* where, in this mount namespace */
    char *optional;    /* "shared:1 master:2" or "" */
    char *fstype;
    char *source;
    char *super_opts; /* "rw,cpu" */
} mountinfo_entry;

int mountinfo_read(mountinfo_entry **out, size_t *n, weft_error **err);
void mountinfo_free(mountinfo_entry *v, size_t n);

/* Default and spec devices, /dev symlinks, /dev/ptmx. */
int devices_setup(rootfs_ctx *ctx, weft_error **err);

#endif
