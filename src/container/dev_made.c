/* Device nodes and /dev symlinks that the init makes in the rootfs itself:
 * a config that mounts nothing on /dev gets them in the image's own /dev
 * directory (as in runc), where they would outlive the container. `create`
 * records, before the init exists, which of them are not there yet;
 * `delete` (and a failed `create`) removes those again. Only direct entries
 * of /dev are tracked (a linux.devices path in a subdirectory is not). */
#include "container/dev_made.h"
#include "linux/fs.h"
#include "linux/rootfs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What devices.c makes directly in /dev (besides linux.devices, ptmx and
 * console, which depend on the config). */
static const char *const made_names[] = {"null", "zero",  "full",   "random", "urandom", "tty",
                                         "fd",   "stdin", "stdout", "stderr", "core"};

/* The rootfs's /dev, reached without following a symlink: the image (or a
 * container since) may have made any component one. */
static int open_dev(const char *rootfs)
{
    cleanup_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (root < 0)
        return -1;
    return openat(root, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void add_missing(int devfd, const char *name, char ***names, size_t *n)
{
    struct stat sb;
    if (strchr(name, '/') != NULL || fstatat(devfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
        errno != ENOENT)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], name) == 0)
            return;
    *names = xreallocarray(*names, *n + 1, sizeof **names);
    (*names)[(*n)++] = xstrdup(name);
}

void dev_made_plan(const oci_spec *spec, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    if (mounts_has_destination(spec, "/dev") || spec->root_path == NULL)
        return;
    cleanup_close int devfd = open_dev(spec->root_path);
    if (devfd < 0)
        return; /* no /dev yet: devices.c makes it; the entries below go with it */
    for (size_t i = 0; i < sizeof made_names / sizeof made_names[0]; i++)
        add_missing(devfd, made_names[i], names, n);
    if (mounts_has_destination(spec, "/dev/pts"))
        add_missing(devfd, "ptmx", names, n);
    if (spec->has_process && spec->process.terminal)
        add_missing(devfd, "console", names, n);
    for (size_t i = 0; i < spec->linux_.n_devices; i++) {
        if (spec->linux_.devices[i].path == NULL)
            continue;
        cleanup_free char *p = path_clean(spec->linux_.devices[i].path);
        if (strncmp(p, "/dev/", 5) == 0)
            add_missing(devfd, p + 5, names, n);
    }
}

void dev_made_remove(const char *rootfs, char *const *names, size_t n)
{
    if (rootfs == NULL || n == 0)
        return;
    cleanup_close int devfd = open_dev(rootfs);
    if (devfd < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (strchr(names[i], '/') != NULL || fstatat(devfd, names[i], &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        /* What the init makes: a node, a link, or the empty file a host node
         * is bound over (user namespaces, /dev/console). Anything else was
         * put there since and is not ours to remove. */
        bool ours = S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) || S_ISFIFO(sb.st_mode) ||
                    S_ISLNK(sb.st_mode) || (S_ISREG(sb.st_mode) && sb.st_size == 0);
        if (ours)
            unlinkat(devfd, names[i], 0);
    }
}
