/* Descriptor metadata: fdstat, filestat, prestat and directory listing. */
#include "wasi/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* fd_fdstat_get(fd, stat: ptr<fdstat>) */
WASI_IMPL(wasi_fd_fdstat_get)
{
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], 0, &e);
    if (f == NULL)
        return e;
    uint64_t p = a[1];
    if (!wasi_mem_ok(m, p, WASI_FDSTAT_SIZE))
        return WASI_EFAULT;
    int fl = fcntl(f->host_fd, F_GETFL);
    if (fl < 0)
        return wasi_errno_from_host(errno);
    uint16_t flags = 0;
    if (fl & O_APPEND)
        flags |= WASI_FDFLAG_APPEND;
    if (fl & O_DSYNC)
        flags |= WASI_FDFLAG_DSYNC;
    if (fl & O_NONBLOCK)
        flags |= WASI_FDFLAG_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC)
        flags |= WASI_FDFLAG_SYNC | WASI_FDFLAG_RSYNC; /* Linux's O_RSYNC is O_SYNC */
    memset(m->base + p, 0, WASI_FDSTAT_SIZE);
    m->base[p] = f->filetype;
    wasi_st16(m, p + 2, flags);
    wasi_st64(m, p + 8, f->rights_base);
    wasi_st64(m, p + 16, f->rights_inheriting);
    return WASI_ESUCCESS;
}

/* fd_fdstat_set_flags(fd, flags: fdflags). Only APPEND and NONBLOCK can change
 * on an open Linux descriptor (F_SETFL ignores the sync flags). */
WASI_IMPL(wasi_fd_fdstat_set_flags)
{
    (void)m;
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], WASI_RIGHT_FD_FDSTAT_SET_FLAGS, &e);
    if (f == NULL)
        return e;
    uint32_t want = (uint32_t)a[1];
    if (want & ~(uint32_t)0x1f)
        return WASI_EINVAL;
    if (want & (WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC))
        return WASI_ENOTSUP;
    int fl = fcntl(f->host_fd, F_GETFL);
    if (fl < 0)
        return wasi_errno_from_host(errno);
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (want & WASI_FDFLAG_APPEND)
        fl |= O_APPEND;
    if (want & WASI_FDFLAG_NONBLOCK)
        fl |= O_NONBLOCK;
    return fcntl(f->host_fd, F_SETFL, fl) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}

/* fd_fdstat_set_rights(fd, base, inheriting): rights can only shrink. */
WASI_IMPL(wasi_fd_fdstat_set_rights)
{
    (void)m;
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], 0, &e);
    if (f == NULL)
        return e;
    if ((a[1] & ~f->rights_base) || (a[2] & ~f->rights_inheriting))
        return WASI_ENOTCAPABLE;
    f->rights_base = a[1];
    f->rights_inheriting = a[2];
    return WASI_ESUCCESS;
}

static uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

uint32_t wasi_put_filestat(wasi_mem *m, uint64_t p, const struct stat *st, enum wasi_abi abi)
{
    uint64_t size = abi == WASI_ABI_UNSTABLE ? WASI0_FILESTAT_SIZE : WASI_FILESTAT_SIZE;
    if (!wasi_mem_ok(m, p, size))
        return WASI_EFAULT;
    memset(m->base + p, 0, size);
    wasi_st64(m, p, (uint64_t)st->st_dev);
    wasi_st64(m, p + 8, (uint64_t)st->st_ino);
    m->base[p + 16] = wasi_filetype_of_mode(st->st_mode);
    uint64_t q = p + 24; /* where `size` starts */
    if (abi == WASI_ABI_UNSTABLE) {
        wasi_st32(m, p + 20, st->st_nlink > UINT32_MAX ? UINT32_MAX : (uint32_t)st->st_nlink);
    } else {
        wasi_st64(m, p + 24, (uint64_t)st->st_nlink);
        q = p + 32;
    }
    wasi_st64(m, q, (uint64_t)st->st_size);
    wasi_st64(m, q + 8, ts_ns(&st->st_atim));
    wasi_st64(m, q + 16, ts_ns(&st->st_mtim));
    wasi_st64(m, q + 24, ts_ns(&st->st_ctim));
    return WASI_ESUCCESS;
}

static uint32_t filestat_get(wasi_ctx *ctx, wasi_mem *m, const uint64_t *a, enum wasi_abi abi)
{
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], WASI_RIGHT_FD_FILESTAT_GET, &e);
    if (f == NULL)
        return e;
    struct stat st;
    if (fstat(f->host_fd, &st) < 0)
        return wasi_errno_from_host(errno);
    return wasi_put_filestat(m, a[1], &st, abi);
}

/* fd_filestat_get(fd, buf: ptr<filestat>) */
WASI_IMPL(wasi_fd_filestat_get)
{
    return filestat_get(ctx, m, a, WASI_ABI_PREVIEW1);
}

WASI_IMPL(wasi0_fd_filestat_get)
{
    return filestat_get(ctx, m, a, WASI_ABI_UNSTABLE);
}

WASI_IMPL(wasi_fd_filestat_set_size)
{
    (void)m;
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], WASI_RIGHT_FD_FILESTAT_SET_SIZE, &e);
    if (f == NULL)
        return e;
    if (a[1] > INT64_MAX)
        return WASI_EFBIG;
    return ftruncate(f->host_fd, (off_t)a[1]) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}

uint32_t wasi_times_from_flags(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
    if (fst & ~(uint32_t)0xf)
        return WASI_EINVAL;
    if (((fst & WASI_FSTFLAG_ATIM) && (fst & WASI_FSTFLAG_ATIM_NOW)) ||
        ((fst & WASI_FSTFLAG_MTIM) && (fst & WASI_FSTFLAG_MTIM_NOW)))
        return WASI_EINVAL;
    const uint64_t t[2] = {atim, mtim};
    const uint32_t set[2] = {WASI_FSTFLAG_ATIM, WASI_FSTFLAG_MTIM};
    const uint32_t now[2] = {WASI_FSTFLAG_ATIM_NOW, WASI_FSTFLAG_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        if (fst & set[i])
            ts[i] = (struct timespec){.tv_sec = (time_t)(t[i] / 1000000000u),
                                      .tv_nsec = (long)(t[i] % 1000000000u)};
        else
            ts[i] = (struct timespec){.tv_nsec = (fst & now[i]) ? UTIME_NOW : UTIME_OMIT};
    }
    return WASI_ESUCCESS;
}

/* fd_filestat_set_times(fd, atim, mtim, fst_flags: u16) */
WASI_IMPL(wasi_fd_filestat_set_times)
{
    (void)m;
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], WASI_RIGHT_FD_FILESTAT_SET_TIMES, &e);
    if (f == NULL)
        return e;
    struct timespec ts[2];
    if ((e = wasi_times_from_flags(a[1], a[2], (uint32_t)a[3], ts)) != WASI_ESUCCESS)
        return e;
    /* AT_EMPTY_PATH also works for O_PATH descriptors such as preopens. */
    if (utimensat(f->host_fd, "", ts, AT_EMPTY_PATH) < 0)
        return wasi_errno_from_host(errno);
    return WASI_ESUCCESS;
}

/* fd_prestat_get(fd, buf: ptr<prestat>) */
WASI_IMPL(wasi_fd_prestat_get)
{
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], 0, &e);
    if (f == NULL)
        return e;
    if (f->preopen_name == NULL)
        return WASI_EBADF;
    if (!wasi_mem_ok(m, a[1], WASI_PRESTAT_SIZE))
        return WASI_EFAULT;
    memset(m->base + a[1], 0, WASI_PRESTAT_SIZE);
    m->base[a[1]] = WASI_PREOPENTYPE_DIR;
    wasi_st32(m, a[1] + 4, (uint32_t)strlen(f->preopen_name));
    return WASI_ESUCCESS;
}

/* fd_prestat_dir_name(fd, path: ptr<u8>, path_len: size): not NUL-terminated. */
WASI_IMPL(wasi_fd_prestat_dir_name)
{
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], 0, &e);
    if (f == NULL)
        return e;
    if (f->preopen_name == NULL)
        return WASI_EBADF;
    size_t len = strlen(f->preopen_name);
    if (a[2] < len)
        return WASI_ENAMETOOLONG;
    if (!wasi_mem_ok(m, a[1], len))
        return WASI_EFAULT;
    memcpy(m->base + a[1], f->preopen_name, len);
    return WASI_ESUCCESS;
}

static uint8_t dtype_to_filetype(unsigned char t)
{
    switch (t) {
    case DT_REG:
        return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR:
        return WASI_FILETYPE_DIRECTORY;
    case DT_LNK:
        return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR:
        return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK:
        return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK:
        return WASI_FILETYPE_SOCKET_STREAM;
    default:
        return WASI_FILETYPE_UNKNOWN;
    }
}

/* Snapshot the whole directory: a cookie is then just an index into it, stable
 * across calls however small the guest's buffer is. A new listing is taken
 * when the guest starts over at cookie 0 (rewinddir). */
static uint32_t dir_snapshot(wasi_fd *f)
{
    int fd = openat(f->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return wasi_errno_from_host(errno);
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int saved = errno;
        close(fd);
        return wasi_errno_from_host(saved);
    }
    wasi_dirent_cache *c = xzalloc(sizeof(*c));
    size_t cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (c->n == cap) {
            cap = cap ? cap * 2 : 16;
            c->items = xreallocarray(c->items, cap, sizeof(*c->items));
        }
        uint8_t type = dtype_to_filetype(de->d_type);
        struct stat st;
        /* Some filesystems do not fill d_type: ask the inode (never following it). */
        if (de->d_type == DT_UNKNOWN &&
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            type = wasi_filetype_of_mode(st.st_mode);
        c->items[c->n++] =
            (struct wasi_dirent_item){.ino = de->d_ino, .type = type, .name = xstrdup(de->d_name)};
    }
    closedir(d);
    if (f->dir != NULL) {
        for (size_t i = 0; i < f->dir->n; i++)
            free(f->dir->items[i].name);
        free(f->dir->items);
        free(f->dir);
    }
    f->dir = c;
    return WASI_ESUCCESS;
}

/* fd_readdir(fd, buf: ptr<u8>, buf_len: size, cookie: dircookie, bufused: ptr<size>)
 * Entries are dirent headers each followed by the name. When the buffer is
 * too small the last entry is cut off and bufused == buf_len, which tells
 * the guest (wasi-libc) to retry from that entry's cookie with more room. */
WASI_IMPL(wasi_fd_readdir)
{
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], WASI_RIGHT_FD_READDIR, &e);
    if (f == NULL)
        return e;
    uint64_t buf = a[1], len = a[2], cookie = a[3];
    if (!wasi_mem_ok(m, buf, len) || !wasi_mem_ok(m, a[4], 4))
        return WASI_EFAULT;
    if ((cookie == 0 || f->dir == NULL) && (e = dir_snapshot(f)) != WASI_ESUCCESS)
        return e;
    uint64_t used = 0;
    for (uint64_t i = cookie; i < f->dir->n && used < len; i++) {
        const struct wasi_dirent_item *it = &f->dir->items[i];
        uint32_t namlen = (uint32_t)strlen(it->name);
        uint8_t hdr[WASI_DIRENT_SIZE] = {0};
        wasi_mem h = {hdr, sizeof(hdr)};
        wasi_st64(&h, 0, i + 1);
        wasi_st64(&h, 8, it->ino);
        wasi_st32(&h, 16, namlen);
        hdr[20] = it->type;
        uint64_t n = len - used < sizeof(hdr) ? len - used : sizeof(hdr);
        memcpy(m->base + buf + used, hdr, n);
        used += n;
        n = len - used < namlen ? len - used : namlen;
        memcpy(m->base + buf + used, it->name, n);
        used += n;
    }
    wasi_st32(m, a[4], (uint32_t)used);
    return WASI_ESUCCESS;
}
