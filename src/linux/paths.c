/* Lexical paths, resolution confined to a root directory, and the masked /
 * readonly path lists.
 *
 * Why confined resolution matters: a container image is untrusted. If its
 * rootfs has `evil -> /` and a mount destination is "/evil/etc", naively
 * mounting onto ROOT/evil/etc would cover the HOST's /etc (the
 * CVE-2021-30465 class). Every target is therefore opened with openat2's
 * RESOLVE_IN_ROOT from a descriptor of the rootfs (or, before Linux 5.6, a
 * component-by-component walk with the same rules), and mounts go onto the
 * resulting descriptor through /proc/self/fd/N, so what was checked is what
 * gets mounted on. */
#include "linux/fs.h"
#include "linux/rootfs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

char *path_join(const char *root, const char *path)
{
    cleanup_free char *clean = path_clean(path);
    size_t rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    if (strcmp(clean, "/") == 0)
        return xstrndup(root, rlen);
    if (rlen == 1 && root[0] == '/')
        return steal_ptr(clean);
    return xasprintf("%.*s%s", (int)rlen, root, clean);
}

const char *path_fd(int fd, char buf[32])
{
    snprintf(buf, 32, "/proc/self/fd/%d", fd);
    return buf;
}

#define MAX_SYMLINKS 40
#define MAX_DEPTH 256

/* Userspace RESOLVE_IN_ROOT for kernels without openat2 (before 5.6): one
 * component at a time, never following a symlink with the kernel; a symlink's
 * text is spliced into the rest of the path and resolved again from the root
 * (absolute) or the current directory (relative); ".." never goes above the
 * root. no_symlinks: any symlink is ELOOP (RESOLVE_NO_SYMLINKS). Sets errno
 * and returns -1 on failure. */
static int resolve_fallback(int rootfd, const char *path, int flags, mode_t mode, bool no_symlinks)
{
    int stack[MAX_DEPTH];
    size_t depth = 0;
    stack[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
    if (stack[0] < 0)
        return -1;
    char *rest = xstrdup(path);
    size_t pos = 0;
    int links = 0, result = -1, e = 0;
    for (;;) {
        while (rest[pos] == '/')
            pos++;
        if (rest[pos] == '\0') { /* ends on a directory: the current one */
            result = openat(stack[depth], ".", flags | O_CLOEXEC, mode);
            break;
        }
        size_t n = strcspn(rest + pos, "/");
        if (n >= 256) {
            e = ENAMETOOLONG;
            break;
        }
        char name[256];
        memcpy(name, rest + pos, n);
        name[n] = '\0';
        pos += n;
        size_t after = pos;
        while (rest[after] == '/')
            after++;
        bool last = rest[after] == '\0';
        if (strcmp(name, ".") == 0)
            continue;
        if (strcmp(name, "..") == 0) {
            if (depth > 0)
                close(stack[depth--]);
            continue;
        }
        struct stat st;
        if (fstatat(stack[depth], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT && last && (flags & O_CREAT))
                result = openat(stack[depth], name, flags | O_CLOEXEC | O_NOFOLLOW, mode);
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t tl = no_symlinks || ++links > MAX_SYMLINKS
                             ? (errno = ELOOP, -1)
                             : readlinkat(stack[depth], name, target, sizeof(target) - 1);
            if (tl < 0)
                break;
            target[tl] = '\0';
            char *spliced = xasprintf("%s%s", target, rest + pos);
            free(rest);
            rest = spliced;
            pos = 0;
            if (target[0] == '/')
                while (depth > 0)
                    close(stack[depth--]);
            continue;
        }
        if (last) {
            result = openat(stack[depth], name, flags | O_CLOEXEC | O_NOFOLLOW, mode);
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            e = ENOTDIR;
            break;
        }
        if (depth + 1 >= MAX_DEPTH) {
            e = ENAMETOOLONG;
            break;
        }
        int fd = openat(stack[depth], name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            break;
        stack[++depth] = fd;
    }
    if (result < 0 && e == 0)
        e = errno;
    for (size_t i = 0; i <= depth; i++)
        close(stack[i]);
    free(rest);
    if (result < 0)
        errno = e;
    return result;
}

/* Once openat2 said ENOSYS, go straight to the fallback. */
static bool no_openat2;

static int openat2_resolve(int rootfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = resolve,
    };
    /* openat2 wants a relative path for "inside the root"; a leading '/'
     * means the same thing under RESOLVE_IN_ROOT, but be explicit. */
    while (*path == '/')
        path++;
    if (*path == '\0')
        path = ".";
    if (!no_openat2) {
        int fd;
        do {
            fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
        } while (fd < 0 && errno == EAGAIN); /* a rename raced with resolution: retry */
        if (fd >= 0 || errno != ENOSYS)
            return fd;
        no_openat2 = true;
    }
    return resolve_fallback(rootfd, path, flags, mode, (resolve & RESOLVE_NO_SYMLINKS) != 0);
}

static int openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
    return openat2_resolve(rootfd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/* An openat2() failure: on a kernel without it (before 5.6), say so. */
static int resolve_error(weft_error **err, int e, const char *what, const char *path)
{
    if (e == ENOSYS)
        return werr_set(err, e, "%s %s in the rootfs: openat2(2) is needed (Linux 5.6+)", what,
                        path);
    return werr_set(err, e, "%s %s in the rootfs", what, path);
}

int path_check_no_symlinks(int rootfd, const char *path, weft_error **err)
{
    int fd = openat2_resolve(rootfd, path, O_PATH, 0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno == ENOENT)
        return 0;
    if (errno == ELOOP)
        return werr_set(err, 0, "%s in the rootfs must not be a symlink", path);
    return resolve_error(err, errno, "open", path);
}

int path_open_in_root(int rootfd, const char *path, int flags, weft_error **err)
{
    int fd = openat2_in_root(rootfd, path, flags, 0);
    if (fd < 0)
        return resolve_error(err, errno, "open", path);
    return fd;
}

int path_chdir_in_root(const char *path, weft_error **err)
{
    cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return werr_sys(err, "open /");
    cleanup_close int fd = openat2_in_root(root, path, O_PATH | O_DIRECTORY, 0);
    if (fd < 0 && errno == ELOOP)
        return werr_set(err, 0,
                        "%s: refused: it goes through a /proc magic link (such as "
                        "/proc/self/fd/N) or too many symlinks",
                        path);
    if (fd < 0)
        return werr_sys(err, "%s", path);
    if (fchdir(fd) < 0)
        return werr_sys(err, "chdir %s", path);
    /* What was resolved in the root is where we are; getcwd(2) says
     * "(unreachable)" (glibc: ENOENT) for a directory outside the root. */
    char buf[PATH_MAX];
    if (getcwd(buf, sizeof buf) == NULL || buf[0] != '/')
        return werr_set(err, 0, "%s: the directory is not inside the container's root", path);
    return 0;
}

/* Where dirfd is, as a path inside the root rootfd is for ("/x/y"), from the
 * kernel's view of both descriptors; NULL if that cannot be told. */
static char *dir_in_root(int rootfd, int dirfd)
{
    char buf[32], root[4096], dir[4096];
    ssize_t rn = readlink(path_fd(rootfd, buf), root, sizeof(root) - 1);
    ssize_t dn = readlink(path_fd(dirfd, buf), dir, sizeof(dir) - 1);
    if (rn <= 0 || dn <= 0)
        return NULL;
    root[rn] = dir[dn] = '\0';
    if (strcmp(root, "/") == 0)
        return xstrdup(dir);
    size_t len = (size_t)rn;
    if (strncmp(dir, root, len) != 0 || (dir[len] != '/' && dir[len] != '\0'))
        return NULL;
    return xstrdup(dir[len] ? dir + len : "/");
}

/* Creating through a dangling symlink (an image's /etc/resolv.conf ->
 * ../run/systemd/resolve/stub-resolv.conf) creates what it points to, like
 * runc does. `name` is looked up in dirfd (the resolved directory of the
 * component before it); if it is a symlink, the path made of that directory,
 * the link's target and `rest` is returned, cleaned (so still inside the
 * root); NULL otherwise. */
static char *substitute_symlink(int rootfd, int dirfd, const char *name, const char *lexical_dir,
                                const char *rest)
{
    char target[4096];
    ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    cleanup_free char *dir = dir_in_root(rootfd, dirfd);
    cleanup_free char *joined = target[0] == '/'
                                    ? xasprintf("%s%s", target, rest)
                                    : xasprintf("%s/%s%s", dir ? dir : lexical_dir, target, rest);
    return path_clean(joined);
}

/* One pass of mkdir -p; returns -2 (with *pclean replaced) when a dangling
 * symlink component was substituted and the walk must start again. */
static int mkdir_walk(int rootfd, char **pclean, mode_t mode, weft_error **err)
{
    char *clean = *pclean;
    int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
    if (cur < 0)
        return werr_sys(err, "dup rootfs descriptor");
    /* Walk the clean path one component at a time. Each prefix is resolved
     * from the root again (RESOLVE_IN_ROOT), so a symlink component is
     * followed but stays inside; a missing one is created in the directory
     * the previous prefix resolved to. */
    char *p = clean;
    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        char *end = strchrnul(p, '/');
        char saved = *end;
        *end = '\0';
        int fd = openat2_in_root(rootfd, clean, O_PATH | O_DIRECTORY, 0);
        if (fd < 0 && errno == ENOENT) {
            if (mkdirat(cur, p, mode) < 0 && errno != EEXIST) {
                int e = errno;
                close(cur);
                return werr_set(err, e, "mkdir %s in the rootfs", clean);
            }
            fd = openat2_in_root(rootfd, clean, O_PATH | O_DIRECTORY, 0);
            if (fd < 0 && errno == ENOENT) {
                cleanup_free char *name = xstrdup(p);
                cleanup_free char *lexical_dir = xstrndup(clean, (size_t)(p - clean));
                *end = saved;
                char *sub = substitute_symlink(rootfd, cur, name, lexical_dir, end);
                if (sub != NULL) {
                    close(cur);
                    free(clean);
                    *pclean = sub;
                    return -2;
                }
                *end = '\0';
                errno = ENOENT;
            }
        }
        if (fd < 0) {
            int e = errno;
            close(cur);
            return resolve_error(err, e, "open directory", clean);
        }
        close(cur);
        cur = fd;
        *end = saved;
        p = end;
    }
    return cur;
}

int path_mkdir_in_root(int rootfd, const char *path, mode_t mode, weft_error **err)
{
    cleanup_free char *clean = path_clean(path);
    for (int links = 0; links <= MAX_SYMLINKS; links++) {
        int fd = mkdir_walk(rootfd, &clean, mode, err);
        if (fd != -2)
            return fd;
    }
    return werr_set(err, ELOOP, "mkdir %s in the rootfs", path);
}

int path_mkfile_in_root(int rootfd, const char *path, mode_t mode, weft_error **err)
{
    cleanup_free char *clean = path_clean(path);
    for (int links = 0; links <= MAX_SYMLINKS; links++) {
        int fd = openat2_in_root(rootfd, clean, O_PATH, 0);
        if (fd >= 0)
            return fd;
        if (errno != ENOENT)
            return resolve_error(err, errno, "open", clean);
        char *slash = strrchr(clean, '/');
        cleanup_free char *parent = xstrndup(clean, (size_t)(slash - clean));
        cleanup_close int dirfd = path_mkdir_in_root(rootfd, parent[0] ? parent : "/", 0755, err);
        if (dirfd < 0)
            return -1;
        /* Created through the root-confined open as well. */
        fd = openat2_in_root(rootfd, clean, O_CREAT | O_WRONLY | O_NOCTTY, mode);
        if (fd >= 0) {
            close(fd);
            fd = openat2_in_root(rootfd, clean, O_PATH, 0);
            if (fd < 0)
                return resolve_error(err, errno, "open", clean);
            return fd;
        }
        if (errno != ENOENT)
            return resolve_error(err, errno, "create", clean);
        /* a dangling symlink whose target's directory is missing */
        cleanup_free char *lexical_dir = xstrndup(clean, (size_t)(slash - clean));
        char *sub = substitute_symlink(rootfd, dirfd, slash + 1, lexical_dir, "");
        if (sub == NULL)
            return werr_set(err, ENOENT, "create %s in the rootfs", clean);
        free(clean);
        clean = sub;
    }
    return werr_set(err, ELOOP, "create %s in the rootfs", path);
}

/* ---- masked and readonly paths (run after pivot_root: "/" is the rootfs) ---- */

static int open_existing(const char *path, int *out, weft_error **err)
{
    cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return werr_sys(err, "open /");
    int fd = openat2_in_root(rootfd, path, O_PATH, 0);
    if (fd < 0) {
        if (errno == ENOENT) {
            *out = -1;
            return 0;
        }
        return errno == ENOSYS ? resolve_error(err, errno, "open", path)
                               : werr_sys(err, "open %s", path);
    }
    *out = fd;
    return 0;
}

int fs_mask_paths(const oci_spec *spec, weft_error **err)
{
    for (size_t i = 0; i < spec->linux_.n_masked_paths; i++) {
        const char *path = spec->linux_.masked_paths[i];
        cleanup_close int fd = -1;
        if (open_existing(path, &fd, err) < 0)
            return werr_prefix(err, "linux.maskedPaths[%zu]", i);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) < 0)
            return werr_sys(err, "linux.maskedPaths[%zu]: stat %s", i, path);
        char buf[32];
        int rc;
        if (S_ISDIR(st.st_mode))
            rc = mount("tmpfs", path_fd(fd, buf), "tmpfs", MS_RDONLY, NULL);
        else
            rc = mount("/dev/null", path_fd(fd, buf), NULL, MS_BIND, NULL);
        if (rc < 0)
            return werr_sys(err, "linux.maskedPaths[%zu]: mask %s", i, path);
    }
    return 0;
}

int fs_readonly_paths(const oci_spec *spec, weft_error **err)
{
    for (size_t i = 0; i < spec->linux_.n_readonly_paths; i++) {
        const char *path = spec->linux_.readonly_paths[i];
        cleanup_close int fd = -1;
        if (open_existing(path, &fd, err) < 0)
            return werr_prefix(err, "linux.readonlyPaths[%zu]", i);
        if (fd < 0)
            continue;
        char buf[32];
        if (mount(path_fd(fd, buf), buf, NULL, MS_BIND | MS_REC, NULL) < 0)
            return werr_sys(err, "linux.readonlyPaths[%zu]: bind %s", i, path);
        /* fd still names the covered inode; reopen to get the new bind. */
        cleanup_close int top = -1;
        if (open_existing(path, &top, err) < 0 || top < 0)
            return werr_prefix(err, "linux.readonlyPaths[%zu]: reopen %s", i, path);
        if (mount_make_readonly(top, true, err) < 0)
            return werr_prefix(err, "linux.readonlyPaths[%zu]: %s", i, path);
    }
    return 0;
}
