/* Descriptor data transfer and lifetime: read/write (positional or not),
 * seek/tell, close/renumber, sync, advise, allocate. */
#include "wasi/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

enum io_kind { IO_READ, IO_WRITE };

/* Shared body of fd_read/fd_write/fd_pread/fd_pwrite: `off` < 0 means the
 * current position. The count goes to *count_p (u32). */
static uint32_t do_io(wasi_ctx *ctx, wasi_mem *m, uint64_t fd, uint64_t iovs, uint64_t n,
                      int64_t off, uint64_t count_p, enum io_kind kind)
{
    uint32_t e;
    uint64_t need = kind == IO_READ ? WASI_RIGHT_FD_READ : WASI_RIGHT_FD_WRITE;
    if (off >= 0)
        need |= WASI_RIGHT_FD_SEEK;
    wasi_fd *f = wasi_fd_get(ctx, fd, need, &e);
    if (f == NULL)
        return e;
    if (!wasi_mem_ok(m, count_p, 4))
        return WASI_EFAULT;
    struct iovec *v;
    int cnt;
    if ((e = wasi_iovecs(m, iovs, n, &v, &cnt)) != WASI_ESUCCESS)
        return e;
    ssize_t r;
    do {
        if (kind == IO_READ)
            r = off >= 0 ? preadv(f->host_fd, v, cnt, off) : readv(f->host_fd, v, cnt);
        else
            r = off >= 0 ? pwritev(f->host_fd, v, cnt, off) : writev(f->host_fd, v, cnt);
    } while (r < 0 && errno == EINTR);
    int saved = errno;
    free(v);
    if (r < 0)
        return wasi_errno_from_host(saved);
    /* The sum of iovec lengths is < 4 GiB per call on wasm32 only if the
     * guest says so; clamp what we report to the u32 the ABI has. */
    wasi_st32(m, count_p, r > UINT32_MAX ? UINT32_MAX : (uint32_t)r);
    return WASI_ESUCCESS;
}

/* fd_read(fd, iovs: ptr, iovs_len: size, nread: ptr<size>) */
WASI_IMPL(wasi_fd_read)
{
    return do_io(ctx, m, a[0], a[1], a[2], -1, a[3], IO_READ);
}

WASI_IMPL(wasi_fd_write)
{
    return do_io(ctx, m, a[0], a[1], a[2], -1, a[3], IO_WRITE);
}

/* fd_pread(fd, iovs, iovs_len, offset: filesize, nread: ptr<size>) */
WASI_IMPL(wasi_fd_pread)
{
    if (a[3] > INT64_MAX)
        return WASI_EINVAL;
    return do_io(ctx, m, a[0], a[1], a[2], (int64_t)a[3], a[4], IO_READ);
}

WASI_IMPL(wasi_fd_pwrite)
{
    if (a[3] > INT64_MAX)
        return WASI_EINVAL;
    return do_io(ctx, m, a[0], a[1], a[2], (int64_t)a[3], a[4], IO_WRITE);
}

static uint32_t do_seek(wasi_ctx *ctx, wasi_mem *m, uint64_t fd, int64_t delta, int whence,
                        uint64_t out_p)
{
    uint32_t e;
    /* A pure tell (0 from the current position) only needs FD_TELL, which
     * FD_SEEK implies (witx: "This flag implies rights::fd_tell"). */
    bool tell = delta == 0 && whence == SEEK_CUR;
    wasi_fd *f = wasi_fd_get(ctx, fd, tell ? 0 : WASI_RIGHT_FD_SEEK, &e);
    if (f == NULL)
        return e;
    if (!(f->rights_base & (WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL)))
        return WASI_ENOTCAPABLE;
    if (!wasi_mem_ok(m, out_p, 8))
        return WASI_EFAULT;
    off_t r = lseek(f->host_fd, delta, whence);
    if (r < 0)
        return wasi_errno_from_host(errno);
    wasi_st64(m, out_p, (uint64_t)r);
    return WASI_ESUCCESS;
}

/* fd_seek(fd, offset: filedelta, whence: u8, newoffset: ptr<filesize>) */
WASI_IMPL(wasi_fd_seek)
{
    int whence;
    switch ((uint8_t)a[2]) {
    case WASI_WHENCE_SET:
        whence = SEEK_SET;
        break;
    case WASI_WHENCE_CUR:
        whence = SEEK_CUR;
        break;
    case WASI_WHENCE_END:
        whence = SEEK_END;
        break;
    default:
        return WASI_EINVAL;
    }
    return do_seek(ctx, m, a[0], (int64_t)a[1], whence, a[3]);
}

/* snapshot_0 numbered whence CUR=0, END=1, SET=2 */
WASI_IMPL(wasi0_fd_seek)
{
    int whence;
    switch ((uint8_t)a[2]) {
    case WASI0_WHENCE_SET:
        whence = SEEK_SET;
        break;
    case WASI0_WHENCE_CUR:
        whence = SEEK_CUR;
        break;
    case WASI0_WHENCE_END:
        whence = SEEK_END;
        break;
    default:
        return WASI_EINVAL;
    }
    return do_seek(ctx, m, a[0], (int64_t)a[1], whence, a[3]);
}

WASI_IMPL(wasi_fd_tell)
{
    return do_seek(ctx, m, a[0], 0, SEEK_CUR, a[1]);
}

WASI_IMPL(wasi_fd_close)
{
    (void)m;
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], 0, &e);
    if (f == NULL)
        return e;
    wasi_fd_release(f);
    return WASI_ESUCCESS;
}

/* fd_renumber(fd, to): atomically replace `to` with `fd`; both must be open. */
WASI_IMPL(wasi_fd_renumber)
{
    (void)m;
    uint32_t e;
    wasi_fd *from = wasi_fd_get(ctx, a[0], 0, &e);
    if (from == NULL)
        return e;
    wasi_fd *to = wasi_fd_get(ctx, a[1], 0, &e);
    if (to == NULL)
        return e;
    if (from == to)
        return WASI_ESUCCESS;
    wasi_fd_release(to);
    *to = *from;
    *from = (wasi_fd){.host_fd = -1};
    return WASI_ESUCCESS;
}

WASI_IMPL(wasi_fd_sync)
{
    (void)m;
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], WASI_RIGHT_FD_SYNC, &e);
    if (f == NULL)
        return e;
    return fsync(f->host_fd) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}

WASI_IMPL(wasi_fd_datasync)
{
    (void)m;
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], WASI_RIGHT_FD_DATASYNC, &e);
    if (f == NULL)
        return e;
    return fdatasync(f->host_fd) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}

/* fd_advise(fd, offset, len, advice: u8) */
WASI_IMPL(wasi_fd_advise)
{
    (void)m;
    static const int host[] = {
        [WASI_ADVICE_NORMAL] = POSIX_FADV_NORMAL,
        [WASI_ADVICE_SEQUENTIAL] = POSIX_FADV_SEQUENTIAL,
        [WASI_ADVICE_RANDOM] = POSIX_FADV_RANDOM,
        [WASI_ADVICE_WILLNEED] = POSIX_FADV_WILLNEED,
        [WASI_ADVICE_DONTNEED] = POSIX_FADV_DONTNEED,
        [WASI_ADVICE_NOREUSE] = POSIX_FADV_NOREUSE,
    };
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], WASI_RIGHT_FD_ADVISE, &e);
    if (f == NULL)
        return e;
    if (a[3] > WASI_ADVICE_NOREUSE || a[1] > INT64_MAX || a[2] > INT64_MAX)
        return WASI_EINVAL;
    int r = posix_fadvise(f->host_fd, (off_t)a[1], (off_t)a[2], host[a[3]]);
    return wasi_errno_from_host(r);
}

/* fd_allocate(fd, offset, len) */
WASI_IMPL(wasi_fd_allocate)
{
    (void)m;
    uint32_t e;
    wasi_fd *f = wasi_fd_get(ctx, a[0], WASI_RIGHT_FD_ALLOCATE, &e);
    if (f == NULL)
        return e;
    if (a[1] > INT64_MAX || a[2] > INT64_MAX || a[1] + a[2] > INT64_MAX)
        return WASI_EFBIG;
    if (a[2] == 0)
        return WASI_EINVAL;
    int r = posix_fallocate(f->host_fd, (off_t)a[1], (off_t)a[2]);
    return wasi_errno_from_host(r);
}
