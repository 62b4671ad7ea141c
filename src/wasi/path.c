/* path_* host functions. Whole-path operations (open, stat, set times,
 * following link sources) go through openat2 beneath the directory fd; the
 * rest act on one final component of a parent opened beneath it (resolve.c). */
#include "wasi/internal.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory entry for `fd` holding `need`, and the guest path copied out. */
static wasi_fd *dir_and_path(wasi_ctx *ctx, wasi_mem *m, uint64_t fd, uint64_t need, uint64_t path,
                             uint64_t len, char **out, uint32_t *e)
{
    wasi_fd *d = wasi_fd_get(ctx, fd, need, e);
    if (d == NULL)
        return NULL;
    if (d->filetype != WASI_FILETYPE_DIRECTORY) {
        *e = WASI_ENOTDIR;
        return NULL;
    }
    if ((*e = wasi_path_copy(m, path, len, out)) != WASI_ESUCCESS)
        return NULL;
    return d;
}

#define WRITE_RIGHTS                                                                               \
    (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE | WASI_RIGHT_FD_FILESTAT_SET_SIZE |              \
     WASI_RIGHT_FD_DATASYNC)

static int open_flags(uint32_t oflags, uint64_t base, uint32_t fdflags, uint32_t lookup)
{
    int flags = O_NOCTTY;
    bool wr = base & WRITE_RIGHTS;
    bool rd = base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR);
    if (oflags & WASI_OFLAG_DIRECTORY)
        flags |= O_RDONLY | O_DIRECTORY;
    else if (wr)
        flags |= rd ? O_RDWR : O_WRONLY;
    else
        flags |= O_RDONLY;
    if (oflags & WASI_OFLAG_CREAT)
        flags |= O_CREAT;
    if (oflags & WASI_OFLAG_EXCL)
        flags |= O_EXCL;
    if (oflags & WASI_OFLAG_TRUNC)
        flags |= O_TRUNC;
    if (fdflags & WASI_FDFLAG_APPEND)
        flags |= O_APPEND;
    if (fdflags & WASI_FDFLAG_DSYNC)
        flags |= O_DSYNC;
    if (fdflags & WASI_FDFLAG_SYNC)
        flags |= O_SYNC;
    if (fdflags & WASI_FDFLAG_RSYNC)
        flags |= O_RSYNC;
    if (fdflags & WASI_FDFLAG_NONBLOCK)
        flags |= O_NONBLOCK;
    if (!(lookup & WASI_LOOKUP_SYMLINK_FOLLOW))
        flags |= O_NOFOLLOW;
    return flags;
}

/* path_open(fd, dirflags: lookupflags, path, path_len, oflags, fs_rights_base,
 *           fs_rights_inheriting, fdflags, opened_fd: ptr<fd>) */
WASI_IMPL(wasi_path_open)
{
    uint32_t e, oflags = (uint32_t)a[4], fdflags = (uint32_t)a[7];
    uint64_t base = a[5], inh = a[6];
    if (oflags & ~(uint32_t)0xf || fdflags & ~(uint32_t)0x1f)
        return WASI_EINVAL;
    uint64_t need = WASI_RIGHT_PATH_OPEN;
    if (oflags & WASI_OFLAG_CREAT)
        need |= WASI_RIGHT_PATH_CREATE_FILE;
    if (oflags & WASI_OFLAG_TRUNC)
        need |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
    cleanup_free char *path = NULL;
    wasi_fd *d = dir_and_path(ctx, m, a[0], need, a[2], a[3], &path, &e);
    if (d == NULL)
        return e;
    if (!wasi_mem_ok(m, a[8], 4))
        return WASI_EFAULT;
    /* A new descriptor can only hold what the directory lets it inherit. */
    if ((base | inh) & ~d->rights_inheriting)
        return WASI_ENOTCAPABLE;
    int flags = open_flags(oflags, base, fdflags, (uint32_t)a[1]);
    int fd = wasi_openat_beneath(d->host_fd, d->in_root, path, flags, 0666);
    if (fd < 0)
        return wasi_resolve_errno(errno);
    uint8_t type;
    if ((e = wasi_host_filetype(fd, &type)) != WASI_ESUCCESS) {
        close(fd);
        return e;
    }
    /* A directory cannot be written: with write rights the reference
     * engines refuse it (EISDIR), as open(2) does for O_WRONLY|O_DIRECTORY. */
    if (type == WASI_FILETYPE_DIRECTORY && (base & WRITE_RIGHTS)) {
        close(fd);
        return WASI_EISDIR;
    }
    uint32_t wfd;
    e = wasi_fd_insert(ctx, fd, type, base & wasi_rights_for_type(type), inh, &wfd);
    if (e == WASI_ESUCCESS)
        wasi_st32(m, a[8], wfd);
    return e;
}

/* Open `path` itself (O_PATH) beneath dirfd, following a final symlink or not. */
static int open_path_fd(const wasi_fd *d, const char *path, bool follow, uint32_t *e)
{
    int fd =
        wasi_openat_beneath(d->host_fd, d->in_root, path, O_PATH | (follow ? 0 : O_NOFOLLOW), 0);
    if (fd < 0)
        *e = wasi_resolve_errno(errno);
    return fd;
}

static uint32_t path_filestat(wasi_ctx *ctx, wasi_mem *m, const uint64_t *a, enum wasi_abi abi)
{
    uint32_t e;
    cleanup_free char *path = NULL;
    wasi_fd *d = dir_and_path(ctx, m, a[0], WASI_RIGHT_PATH_FILESTAT_GET, a[2], a[3], &path, &e);
    if (d == NULL)
        return e;
    cleanup_close int fd = open_path_fd(d, path, a[1] & WASI_LOOKUP_SYMLINK_FOLLOW, &e);
    if (fd < 0)
        return e;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return wasi_errno_from_host(errno);
    return wasi_put_filestat(m, a[4], &st, abi);
}

/* path_filestat_get(fd, flags: lookupflags, path, path_len, buf: ptr<filestat>) */
WASI_IMPL(wasi_path_filestat_get)
{
    return path_filestat(ctx, m, a, WASI_ABI_PREVIEW1);
}

WASI_IMPL(wasi0_path_filestat_get)
{
    return path_filestat(ctx, m, a, WASI_ABI_UNSTABLE);
}

/* path_filestat_set_times(fd, flags, path, path_len, atim, mtim, fst_flags) */
WASI_IMPL(wasi_path_filestat_set_times)
{
    uint32_t e;
    struct timespec ts[2];
    if ((e = wasi_times_from_flags(a[4], a[5], (uint32_t)a[6], ts)) != WASI_ESUCCESS)
        return e;
    cleanup_free char *path = NULL;
    wasi_fd *d =
        dir_and_path(ctx, m, a[0], WASI_RIGHT_PATH_FILESTAT_SET_TIMES, a[2], a[3], &path, &e);
    if (d == NULL)
        return e;
    cleanup_close int fd = open_path_fd(d, path, a[1] & WASI_LOOKUP_SYMLINK_FOLLOW, &e);
    if (fd < 0)
        return e;
    /* On an O_PATH fd of a symlink this sets the link's own times. */
    if (utimensat(fd, "", ts, AT_EMPTY_PATH) < 0)
        return wasi_errno_from_host(errno);
    return WASI_ESUCCESS;
}

/* Parent of a guest path beneath directory fd `fd` holding `need`. */
static uint32_t parent_of(wasi_ctx *ctx, wasi_mem *m, uint64_t fd, uint64_t need, uint64_t path,
                          uint64_t len, wasi_parent *p)
{
    uint32_t e;
    cleanup_free char *s = NULL;
    *p = (wasi_parent){.fd = -1, .dirfd = -1};
    wasi_fd *d = dir_and_path(ctx, m, fd, need, path, len, &s, &e);
    if (d == NULL)
        return e;
    return wasi_parent_open(d->host_fd, d->in_root, s, p);
}

static bool is_dir_nofollow(int parent, const char *name)
{
    struct stat st;
    return fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* For a name about to be created as a non-directory: a trailing slash can only
 * name a directory, so it is EEXIST if something is there and ENOENT if not. */
static uint32_t create_trailing_slash(const wasi_parent *p)
{
    struct stat st;
    return fstatat(p->fd, p->last, &st, AT_SYMLINK_NOFOLLOW) == 0 ? WASI_EEXIST : WASI_ENOENT;
}

static uint32_t host_result(int r)
{
    return r < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}

/* path_create_directory(fd, path, path_len) */
WASI_IMPL(wasi_path_create_directory)
{
    wasi_parent p;
    uint32_t e = parent_of(ctx, m, a[0], WASI_RIGHT_PATH_CREATE_DIRECTORY, a[1], a[2], &p);
    if (e == WASI_ESUCCESS)
        e = wasi_is_dot_or_dotdot(p.last) ? WASI_EEXIST : host_result(mkdirat(p.fd, p.last, 0777));
    wasi_parent_close(&p);
    return e;
}

/* path_remove_directory(fd, path, path_len) */
WASI_IMPL(wasi_path_remove_directory)
{
    wasi_parent p;
    uint32_t e = parent_of(ctx, m, a[0], WASI_RIGHT_PATH_REMOVE_DIRECTORY, a[1], a[2], &p);
    if (e != WASI_ESUCCESS)
        return e;
    if (strcmp(p.last, ".") == 0)
        e = WASI_EINVAL;
    else if (strcmp(p.last, "..") == 0)
        e = WASI_ENOTEMPTY;
    else
        e = host_result(unlinkat(p.fd, p.last, AT_REMOVEDIR));
    wasi_parent_close(&p);
    return e;
}

/* path_unlink_file(fd, path, path_len) */
WASI_IMPL(wasi_path_unlink_file)
{
    wasi_parent p;
    uint32_t e = parent_of(ctx, m, a[0], WASI_RIGHT_PATH_UNLINK_FILE, a[1], a[2], &p);
    if (e != WASI_ESUCCESS)
        return e;
    if (wasi_is_dot_or_dotdot(p.last))
        e = WASI_EISDIR;
    else if (p.trailing_slash)
        e = is_dir_nofollow(p.fd, p.last) ? WASI_EISDIR : WASI_ENOTDIR;
    else
        e = host_result(unlinkat(p.fd, p.last, 0));
    wasi_parent_close(&p);
    return e;
}

/* path_readlink(fd, path, path_len, buf, buf_len, bufused: ptr<size>).
 * A result longer than buf_len is truncated to it. */
WASI_IMPL(wasi_path_readlink)
{
    if (!wasi_mem_ok(m, a[3], a[4]) || !wasi_mem_ok(m, a[5], 4))
        return WASI_EFAULT;
    wasi_parent p;
    uint32_t e = parent_of(ctx, m, a[0], WASI_RIGHT_PATH_READLINK, a[1], a[2], &p);
    if (e != WASI_ESUCCESS)
        return e;
    char target[PATH_MAX];
    ssize_t n = -1;
    if (wasi_is_dot_or_dotdot(p.last) || p.trailing_slash) {
        /* These name a directory (or fail to resolve beneath): never a link. */
        e = WASI_EINVAL;
    } else {
        n = readlinkat(p.fd, p.last, target, sizeof(target));
        e = host_result((int)n);
    }
    wasi_parent_close(&p);
    if (e != WASI_ESUCCESS)
        return e;
    uint64_t len = (uint64_t)n < a[4] ? (uint64_t)n : a[4];
    memcpy(m->base + a[3], target, len);
    wasi_st32(m, a[5], (uint32_t)len);
    return WASI_ESUCCESS;
}

/* path_rename(fd, old_path, old_path_len, new_fd, new_path, new_path_len) */
WASI_IMPL(wasi_path_rename)
{
    wasi_parent from, to = {.fd = -1, .dirfd = -1};
    uint32_t e = parent_of(ctx, m, a[0], WASI_RIGHT_PATH_RENAME_SOURCE, a[1], a[2], &from);
    if (e == WASI_ESUCCESS)
        e = parent_of(ctx, m, a[3], WASI_RIGHT_PATH_RENAME_TARGET, a[4], a[5], &to);
    if (e != WASI_ESUCCESS)
        goto out;
    if (wasi_is_dot_or_dotdot(from.last) || wasi_is_dot_or_dotdot(to.last)) {
        e = WASI_EBUSY;
    } else if ((from.trailing_slash || to.trailing_slash) && !is_dir_nofollow(from.fd, from.last)) {
        struct stat st;
        e = fstatat(from.fd, from.last, &st, AT_SYMLINK_NOFOLLOW) < 0 ? WASI_ENOENT : WASI_ENOTDIR;
    } else {
        e = host_result(renameat(from.fd, from.last, to.fd, to.last));
    }
out:
    wasi_parent_close(&from);
    wasi_parent_close(&to);
    return e;
}

/* path_symlink(old_path, old_path_len, fd, new_path, new_path_len). The link
 * text is stored as given; it is only ever followed confined to a preopen,
 * but an absolute target is refused (so no link planted by a guest points
 * host-side tools at the host's root) except in an in-root preopen, where
 * absolute links are the normal, confined, way of a root filesystem. */
WASI_IMPL(wasi_path_symlink)
{
    cleanup_free char *target = NULL;
    uint32_t e = wasi_path_copy(m, a[0], a[1], &target);
    if (e != WASI_ESUCCESS)
        return e;
    const wasi_fd *d = wasi_fd_get(ctx, a[2], 0, &e);
    if (target[0] == '/' && !(d != NULL && d->in_root))
        return WASI_ENOTCAPABLE;
    wasi_parent p;
    if ((e = parent_of(ctx, m, a[2], WASI_RIGHT_PATH_SYMLINK, a[3], a[4], &p)) != WASI_ESUCCESS)
        return e;
    if (wasi_is_dot_or_dotdot(p.last))
        e = WASI_EEXIST;
    else if (p.trailing_slash)
        e = create_trailing_slash(&p);
    else
        e = host_result(symlinkat(target, p.fd, p.last));
    wasi_parent_close(&p);
    return e;
}

/* path_link(old_fd, old_flags, old_path, old_path_len, new_fd, new_path, new_path_len) */
WASI_IMPL(wasi_path_link)
{
    wasi_parent from = {.fd = -1, .dirfd = -1}, to = {.fd = -1, .dirfd = -1};
    int src = -1;
    uint32_t e;
    bool follow = a[1] & WASI_LOOKUP_SYMLINK_FOLLOW;
    if (follow) {
        /* The kernel would follow the link unconfined: resolve it beneath first. */
        cleanup_free char *s = NULL;
        wasi_fd *d = dir_and_path(ctx, m, a[0], WASI_RIGHT_PATH_LINK_SOURCE, a[2], a[3], &s, &e);
        if (d == NULL)
            return e;
        if ((src = open_path_fd(d, s, true, &e)) < 0)
            return e;
    } else {
        e = parent_of(ctx, m, a[0], WASI_RIGHT_PATH_LINK_SOURCE, a[2], a[3], &from);
        if (e != WASI_ESUCCESS)
            return e;
    }
    e = parent_of(ctx, m, a[4], WASI_RIGHT_PATH_LINK_TARGET, a[5], a[6], &to);
    if (e != WASI_ESUCCESS)
        goto out;
    if (wasi_is_dot_or_dotdot(to.last))
        e = WASI_EEXIST;
    else if (to.trailing_slash)
        e = create_trailing_slash(&to);
    else if (follow)
        e = host_result(linkat(src, "", to.fd, to.last, AT_EMPTY_PATH));
    else if (wasi_is_dot_or_dotdot(from.last) || from.trailing_slash)
        e = WASI_EPERM; /* names a directory: no hard links to those */
    else
        e = host_result(linkat(from.fd, from.last, to.fd, to.last, 0));
out:
    if (src >= 0)
        close(src);
    wasi_parent_close(&from);
    wasi_parent_close(&to);
    return e;
}
