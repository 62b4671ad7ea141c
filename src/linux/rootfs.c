/* The three steps of building the container's filesystem view (rootfs.h). */
#include "linux/rootfs.h"
#include "linux/fs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* rootfsPropagation -> flags for "/" before the mounts (runc: rslave by
 * default, so that host mounts still reach the container but nothing done in
 * here goes back). */
static int root_propagation(const oci_spec *spec, unsigned long *out, weft_error **err)
{
    const char *name = spec->linux_.rootfs_propagation;
    if (name == NULL || name[0] == '\0') {
        *out = 0;
        return 0;
    }
    *out = mount_propagation_flags(name);
    if (*out == 0)
        return werr_set(err, 0, "linux.rootfsPropagation: unknown value \"%s\"", name);
    return 0;
}

/* pivot_root refuses a new root whose parent mount is shared; it would also
 * let our self-bind propagate out. Make the mount containing the rootfs
 * private (runc's rootfsParentMountPrivate). */
static int parent_mount_private(const char *root_path, weft_error **err)
{
    /* mountinfo has canonical paths */
    cleanup_free char *root = realpath(root_path, NULL);
    if (root == NULL)
        return werr_sys(err, "resolve %s", root_path);
    mountinfo_entry *mi;
    size_t n;
    if (mountinfo_read(&mi, &n, err) < 0)
        return -1;
    const mountinfo_entry *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *mp = mi[i].mount_point;
        size_t len = strlen(mp);
        bool prefix = strcmp(mp, "/") == 0 ||
                      (strncmp(root, mp, len) == 0 && (root[len] == '/' || root[len] == '\0'));
        if (prefix && len >= best_len) {
            best = &mi[i];
            best_len = len;
        }
    }
    int rc = 0;
    if (best != NULL && strstr(best->optional, "shared:") != NULL &&
        mount(NULL, best->mount_point, NULL, MS_PRIVATE, NULL) < 0)
        rc = werr_sys(err, "make %s private", best->mount_point);
    mountinfo_free(mi, n);
    return rc;
}

static int finish_dev(rootfs_ctx *ctx, weft_error **err)
{
    if (!ctx->dev_readonly)
        return 0;
    cleanup_close int fd = path_open_in_root(ctx->rootfd, "/dev", O_PATH, err);
    if (fd < 0)
        return -1;
    return mount_make_readonly(fd, false, err) < 0 ? werr_prefix(err, "/dev") : 0;
}

/* process.cwd is created when missing, as runc and crun do (images often name
 * a WORKDIR they do not ship). After the mounts, so that it lands in the
 * mount that will hold it, and before root.readonly. */
static int make_cwd(const oci_spec *spec, int rootfd, weft_error **err)
{
    if (!spec->has_process || spec->process.cwd == NULL)
        return 0;
    int fd = path_mkdir_in_root(rootfd, spec->process.cwd, 0755, err);
    if (fd < 0)
        return werr_prefix(err, "process.cwd");
    close(fd);
    return 0;
}

int rootfs_prepare(const oci_spec *spec, bool in_userns, weft_error **err)
{
    return rootfs_prepare_idmapped(spec, in_userns, NULL, err);
}

/* In the container's own mount namespace: the propagation the spec asks
 * for (or rslave), and a private parent for the rootfs' self-bind. */
static int set_host_side_propagation(const oci_spec *spec, const char *root, weft_error **err)
{
    unsigned long prop;
    if (root_propagation(spec, &prop, err) < 0)
        return -1;
    /* An unbindable "/" (or parent of the rootfs) would refuse the self-bind
     * below: private for now (unbindable is private too), and unbindable is
     * set on the container's "/" by rootfs_finalize(). */
    if (prop & MS_UNBINDABLE)
        prop = MS_PRIVATE | (prop & MS_REC);
    if (mount(NULL, "/", NULL, prop ? prop : MS_SLAVE | MS_REC, NULL) < 0)
        return werr_sys(err, "rootfs: set propagation of /");
    if (parent_mount_private(root, err) < 0)
        return werr_prefix(err, "rootfs");
    return 0;
}

int rootfs_prepare_idmapped(const oci_spec *spec, bool in_userns, const int *mount_fds,
                            weft_error **err)
{
    if (spec->root_path == NULL || spec->root_path[0] != '/')
        return werr_set(err, 0, "root.path must be an absolute path");
    cleanup_free char *root = path_clean(spec->root_path);
    /* Without a mount namespace of its own the container shares the
     * runtime's (the spec says it inherits it): its mounts go under the
     * rootfs in the host's namespace and `delete` removes them, but the
     * host's "/" and the rootfs' parent must not be touched. */
    bool own_mntns = oci_spec_namespace(spec, OCI_NS_MOUNT) != NULL;
    if (own_mntns && set_host_side_propagation(spec, root, err) < 0)
        return -1;
    if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
        return werr_sys(err, "rootfs: bind %s onto itself", root);
    if (!own_mntns && mount(NULL, root, NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return werr_sys(err, "rootfs: make %s private", root);
    cleanup_close int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return werr_sys(err, "rootfs: open %s", root);
    rootfs_ctx ctx = {
        .spec = spec,
        .root = root,
        .rootfd = rootfd,
        .in_userns = in_userns,
        .mount_fds = mount_fds,
    };
    for (size_t i = 0; i < spec->n_mounts; i++)
        if (mounts_apply(&ctx, i, err) < 0)
            return -1;
    if (devices_setup(&ctx, err) < 0 || finish_dev(&ctx, err) < 0)
        return werr_prefix(err, "rootfs %s", root);
    return make_cwd(spec, rootfd, err);
}

static int do_pivot(const char *root, weft_error **err)
{
    cleanup_close int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0)
        return werr_sys(err, "open /");
    cleanup_close int newroot = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (newroot < 0)
        return werr_sys(err, "open %s", root);
    if (fchdir(newroot) < 0)
        return werr_sys(err, "chdir %s", root);
    /* pivot_root(".", ".") stacks the old root on top of the new one at "/";
     * no put_old directory is needed, and unmounting "." (the old root, while
     * our cwd is there) leaves just the new root. */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return werr_sys(err, "pivot_root %s", root);
    if (fchdir(oldroot) < 0)
        return werr_sys(err, "chdir old root");
    /* Make sure the unmount cannot propagate to the host. */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return werr_sys(err, "make old root rslave");
    if (umount2(".", MNT_DETACH) < 0)
        return werr_sys(err, "unmount old root");
    if (chdir("/") < 0)
        return werr_sys(err, "chdir /");
    return 0;
}

/* With chroot instead of pivot_root the host's mounts stay in the namespace.
 * A full proc or sysfs left there would let the kernel's "a full procfs is
 * already visible" check pass for mounts the container should not be allowed
 * (runc's msMoveRoot): detach them, or cover them when that is refused. */
static int hide_host_proc_sys(const char *root, weft_error **err)
{
    mountinfo_entry *mi;
    size_t n;
    if (mountinfo_read(&mi, &n, err) < 0)
        return -1;
    size_t rlen = strlen(root);
    int rc = 0;
    for (size_t i = n; i-- > 0 && rc == 0;) {
        const char *mp = mi[i].mount_point;
        if (strcmp(mi[i].root, "/") != 0 ||
            (strcmp(mi[i].fstype, "proc") != 0 && strcmp(mi[i].fstype, "sysfs") != 0))
            continue;
        if (strncmp(mp, root, rlen) == 0 && (mp[rlen] == '/' || mp[rlen] == '\0'))
            continue;
        if (mount(NULL, mp, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
            if (errno == ENOENT)
                continue; /* a parent is already gone */
            rc = werr_sys(err, "make %s rslave", mp);
        } else if (umount2(mp, MNT_DETACH) < 0) {
            if ((errno != EINVAL && errno != EPERM) || mount("tmpfs", mp, "tmpfs", 0, NULL) < 0)
                rc = werr_sys(err, "hide host %s", mp);
        }
    }
    mountinfo_free(mi, n);
    return rc;
}

static int do_move_root(const char *root, weft_error **err)
{
    if (hide_host_proc_sys(root, err) < 0)
        return -1;
    if (chdir(root) < 0)
        return werr_sys(err, "chdir %s", root);
    if (mount(root, "/", NULL, MS_MOVE, NULL) < 0)
        return werr_sys(err, "move %s to /", root);
    if (chroot(".") < 0)
        return werr_sys(err, "chroot %s", root);
    if (chdir("/") < 0)
        return werr_sys(err, "chdir /");
    return 0;
}

static int do_chroot(const char *root, weft_error **err)
{
    if (chdir(root) < 0)
        return werr_sys(err, "chdir %s", root);
    if (chroot(".") < 0)
        return werr_sys(err, "chroot %s", root);
    if (chdir("/") < 0)
        return werr_sys(err, "chdir /");
    return 0;
}

int rootfs_pivot(const oci_spec *spec, bool no_pivot, weft_error **err)
{
    if (spec->root_path == NULL)
        return werr_set(err, 0, "root.path is required");
    cleanup_free char *root = path_clean(spec->root_path);
    int rc;
    if (oci_spec_namespace(spec, OCI_NS_MOUNT) == NULL)
        rc = do_chroot(root, err); /* the host's namespace: change nothing for it */
    else
        rc = no_pivot ? do_move_root(root, err) : do_pivot(root, err);
    return rc < 0 ? werr_prefix(err, "rootfs") : 0;
}

int rootfs_finalize(const oci_spec *spec, weft_error **err)
{
    /* sysctls while /proc/sys is still writable (as runc), then readonly
     * paths, then masked paths */
    if (linux_apply_sysctl(spec, err) < 0)
        return -1;
    if (fs_readonly_paths(spec, err) < 0 || fs_mask_paths(spec, err) < 0)
        return -1;
    if (spec->root_readonly) {
        cleanup_close int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return werr_sys(err, "root.readonly: open /");
        /* Only the root mount: the mounts on top keep their own flags. */
        if (mount_make_readonly(fd, false, err) < 0)
            return werr_prefix(err, "root.readonly");
    }
    unsigned long prop;
    if (root_propagation(spec, &prop, err) < 0)
        return -1;
    /* Applied once "/" is the rootfs, so that "shared" shares the container's
     * root rather than the host's; private was already made so at prepare. */
    if (prop != 0 && !(prop & MS_PRIVATE) && mount(NULL, "/", NULL, prop, NULL) < 0)
        return werr_sys(err, "linux.rootfsPropagation: set on /");
    return 0;
}

/* /dev/console as a mount point: an empty regular file (or an existing
 * device node); a symlink or anything else from the image is replaced. */
static int console_target(weft_error **err)
{
    int fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
            return fd;
        close(fd);
        if (unlink("/dev/console") < 0)
            return werr_sys(err, "replace /dev/console");
    } else if (errno != ENOENT) {
        return werr_sys(err, "open /dev/console");
    }
    int cfd = open("/dev/console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (cfd < 0)
        return werr_sys(err, "create /dev/console");
    close(cfd);
    fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "open /dev/console");
    return fd;
}

int rootfs_setup_console(int slave_fd, weft_error **err)
{
    cleanup_close int fd = console_target(err);
    if (fd < 0)
        return -1;
    char src[32], dst[32];
    if (mount(path_fd(slave_fd, src), path_fd(fd, dst), NULL, MS_BIND, NULL) < 0)
        return werr_sys(err, "bind the console pty over /dev/console");
    return 0;
}
