/* /dev inside the container: the default nodes every container gets
 * (null zero full random urandom tty), linux.devices from the spec, the
 * conventional symlinks and /dev/ptmx pointing into the container's devpts. */
#include "linux/fs.h"
#include "linux/rootfs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct {
    const char *path;
    unsigned major, minor;
} default_devices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

typedef struct dev_node {
    const char *path; /* inside the container */
    mode_t type;      /* S_IFCHR, S_IFBLK, S_IFIFO */
    unsigned major, minor;
    mode_t mode;
    bool set_owner;
    uid_t uid;
    gid_t gid;
} dev_node;

/* Parent directory (created) and last component of a clean path. */
static int open_parent(rootfs_ctx *ctx, const char *clean, char **base, weft_error **err)
{
    const char *slash = strrchr(clean, '/');
    cleanup_free char *parent = xstrndup(clean, (size_t)(slash - clean));
    *base = xstrdup(slash + 1);
    return path_mkdir_in_root(ctx->rootfd, parent[0] ? parent : "/", 0755, err);
}

/* In a user namespace mknod is not permitted: bind the host's node over an
 * empty file instead, as runc does. */
static int bind_node(rootfs_ctx *ctx, const char *clean, weft_error **err)
{
    cleanup_close int fd = path_mkfile_in_root(ctx->rootfd, clean, 0000, err);
    if (fd < 0)
        return -1;
    char buf[32];
    if (mount(clean, path_fd(fd, buf), NULL, MS_BIND, NULL) < 0)
        return werr_sys(err, "bind host %s", clean);
    return 0;
}

static int make_node(rootfs_ctx *ctx, const dev_node *d, weft_error **err)
{
    cleanup_free char *clean = path_clean(d->path);
    if (strcmp(clean, "/") == 0)
        return werr_set(err, 0, "device path %s: not a file path", d->path);
    /* a fifo needs no privilege: always made, also in a user namespace */
    if (ctx->in_userns && d->type != S_IFIFO)
        return bind_node(ctx, clean, err) < 0 ? werr_prefix(err, "%s", clean) : 0;
    cleanup_free char *base = NULL;
    cleanup_close int dirfd = open_parent(ctx, clean, &base, err);
    if (dirfd < 0)
        return -1;
    /* Whatever the image has there (a file, a stale node) is replaced. */
    if (unlinkat(dirfd, base, 0) < 0 && errno != ENOENT)
        return werr_sys(err, "remove existing %s", clean);
    mode_t mode = d->mode & 07777;
    if (mknodat(dirfd, base, d->type | mode, makedev(d->major, d->minor)) < 0) {
        /* denied without CAP_MKNOD, or in a user namespace not seen as
         * such: the host's node serves as well */
        if (errno == EPERM && d->type != S_IFIFO)
            return bind_node(ctx, clean, err) < 0 ? werr_prefix(err, "%s", clean) : 0;
        return werr_sys(err, "mknod %s", clean);
    }
    /* mknod's mode went through the umask */
    if (fchmodat(dirfd, base, mode, 0) < 0)
        return werr_sys(err, "chmod %s", clean);
    if (d->set_owner && fchownat(dirfd, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return werr_sys(err, "chown %s", clean);
    return 0;
}

static bool spec_has_device(const oci_spec *spec, const char *path)
{
    for (size_t i = 0; i < spec->linux_.n_devices; i++) {
        cleanup_free char *p = path_clean(spec->linux_.devices[i].path);
        if (strcmp(p, path) == 0)
            return true;
    }
    return false;
}

static int spec_device(rootfs_ctx *ctx, size_t i, weft_error **err)
{
    const oci_device *sd = &ctx->spec->linux_.devices[i];
    if (sd->path == NULL)
        return werr_set(err, 0, "linux.devices[%zu]: path is required", i);
    dev_node d = {
        .path = sd->path,
        .major = (unsigned)sd->major,
        .minor = (unsigned)sd->minor,
        .mode = sd->has_file_mode ? sd->file_mode : 0666,
        .set_owner = sd->has_uid || sd->has_gid,
        .uid = sd->has_uid ? sd->uid : 0,
        .gid = sd->has_gid ? sd->gid : 0,
    };
    switch (sd->type) {
    case 'c':
    case 'u':
        d.type = S_IFCHR;
        break;
    case 'b':
        d.type = S_IFBLK;
        break;
    case 'p':
        d.type = S_IFIFO;
        d.major = d.minor = 0;
        break;
    default:
        return werr_set(err, 0, "linux.devices[%zu]: unknown type '%c'", i, sd->type);
    }
    if (sd->type != 'p' && (sd->major < 0 || sd->minor < 0))
        return werr_set(err, 0, "linux.devices[%zu]: major and minor are required", i);
    if (make_node(ctx, &d, err) < 0)
        return werr_prefix(err, "linux.devices[%zu]", i);
    return 0;
}

static int dev_symlinks(rootfs_ctx *ctx, weft_error **err)
{
    cleanup_close int devfd = path_mkdir_in_root(ctx->rootfd, "/dev", 0755, err);
    if (devfd < 0)
        return -1;
    static const char *const links[][2] = {
        {"fd", "/proc/self/fd"},
        {"stdin", "/proc/self/fd/0"},
        {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"},
    };
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        if (symlinkat(links[i][1], devfd, links[i][0]) < 0 && errno != EEXIST)
            return werr_sys(err, "symlink /dev/%s", links[i][0]);
    if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 &&
        errno != EEXIST)
        return werr_sys(err, "symlink /dev/core");
    if (mounts_has_destination(ctx->spec, "/dev/pts")) {
        /* The container's ptys come from its own devpts instance. */
        if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
            return werr_sys(err, "remove /dev/ptmx");
        if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
            return werr_sys(err, "symlink /dev/ptmx");
    }
    return 0;
}

int devices_setup(rootfs_ctx *ctx, weft_error **err)
{
    const oci_spec *spec = ctx->spec;
    bool setup_dev = !mounts_dev_is_bind(spec);
    if (setup_dev) {
        for (size_t i = 0; i < sizeof(default_devices) / sizeof(default_devices[0]); i++) {
            if (spec_has_device(spec, default_devices[i].path))
                continue;
            dev_node d = {
                .path = default_devices[i].path,
                .type = S_IFCHR,
                .major = default_devices[i].major,
                .minor = default_devices[i].minor,
                .mode = 0666,
            };
            if (make_node(ctx, &d, err) < 0)
                return werr_prefix(err, "default device %s", d.path);
        }
    }
    for (size_t i = 0; i < spec->linux_.n_devices; i++)
        if (spec_device(ctx, i, err) < 0)
            return -1;
    if (!setup_dev)
        return 0;
    if (dev_symlinks(ctx, err) < 0)
        return -1;
    if (spec->has_process && spec->process.terminal) {
        /* the mount point for the pty, see rootfs_setup_console() */
        int fd = path_mkfile_in_root(ctx->rootfd, "/dev/console", 0600, err);
        if (fd < 0)
            return werr_prefix(err, "/dev/console");
        close(fd);
    }
    return 0;
}
