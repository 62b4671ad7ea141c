/* Confinement: every guest path is resolved by the kernel beneath the
 * directory it is relative to (openat2 RESOLVE_BENEATH), so `..` past the
 * root, absolute paths, escaping symlinks and magic links all fail with
 * EXDEV/ELOOP, atomically, with no userspace walk to race against. An
 * in-root preopen uses RESOLVE_IN_ROOT instead: the directory is "/" for the
 * lookup (absolute links and a top-level `..` stay inside it), the chroot
 * semantics a container rootfs needs, equally confined.
 *
 * Operations without an openat2 form get the PARENT opened beneath the
 * preopen and act on one final component with an *at() call that does not
 * follow it; the final component never contains '/' (trailing slashes are
 * stripped here and checked by the callers), because a trailing slash makes
 * the kernel follow a final symlink even under AT_SYMLINK_NOFOLLOW. */
#include "wasi/internal.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

uint32_t wasi_path_copy(wasi_mem *m, uint64_t ptr, uint64_t len, char **out)
{
    *out = NULL;
    if (!wasi_mem_ok(m, ptr, len))
        return WASI_EFAULT;
    if (memchr(m->base + ptr, '\0', len) != NULL)
        return WASI_EINVAL;
    if (len >= PATH_MAX)
        return WASI_ENAMETOOLONG;
    char *s = xmalloc(len + 1);
    memcpy(s, m->base + ptr, len);
    s[len] = '\0';
    *out = s;
    return WASI_ESUCCESS;
}

int wasi_openat_beneath(int dirfd, bool in_root, const char *path, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        /* O_TMPFILE includes O_DIRECTORY's bit: test all of it */
        .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
        .resolve = (in_root ? RESOLVE_IN_ROOT : RESOLVE_BENEATH) | RESOLVE_NO_MAGICLINKS,
    };
    /* openat2 gives EAGAIN when a concurrent rename could have let `..`
     * escape; retrying is the documented answer. */
    for (int tries = 0;; tries++) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0)
            return (int)fd;
        if (errno == EINTR || (errno == EAGAIN && tries < 64))
            continue;
        return -1;
    }
}

uint16_t wasi_resolve_errno(int e)
{
    return e == EXDEV ? WASI_ENOTCAPABLE : wasi_errno_from_host(e);
}

bool wasi_is_dot_or_dotdot(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

uint32_t wasi_parent_open(int dirfd, bool in_root, const char *path, wasi_parent *out)
{
    *out = (wasi_parent){.fd = -1, .dirfd = dirfd};
    if (path[0] == '\0')
        return WASI_ENOENT;
    if (path[0] == '/')
        return WASI_ENOTCAPABLE; /* absolute paths are never beneath a preopen */
    char *buf = xstrdup(path);
    size_t len = strlen(buf);
    while (len > 1 && buf[len - 1] == '/') {
        buf[--len] = '\0';
        out->trailing_slash = true;
    }
    char *slash = strrchr(buf, '/');
    if (slash == NULL) {
        out->fd = dirfd;
        out->last = buf;
        out->buf = buf;
        return WASI_ESUCCESS;
    }
    *slash = '\0';
    out->last = slash + 1;
    out->buf = buf;
    /* "a//b" leaves "a/" as the parent; the kernel handles repeated slashes. */
    int fd = wasi_openat_beneath(dirfd, in_root, buf, O_PATH | O_DIRECTORY, 0);
    if (fd < 0) {
        uint32_t e = wasi_resolve_errno(errno);
        wasi_parent_close(out);
        return e;
    }
    out->fd = fd;
    return WASI_ESUCCESS;
}

void wasi_parent_close(wasi_parent *p)
{
    if (p->fd >= 0 && p->fd != p->dirfd)
        close(p->fd);
    free(p->buf);
    *p = (wasi_parent){.fd = -1, .dirfd = -1};
}
