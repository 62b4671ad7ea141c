/* sock_*: preview1 only operates on sockets the guest was given (e.g. a
 * listening socket passed as a descriptor); it cannot create or connect. */
#include "wasi/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* The type is checked before the rights: a file has no socket rights, and
 * the reference engines say ENOTSOCK for it, not ENOTCAPABLE. */
static wasi_fd *sock_get(wasi_ctx *ctx, uint64_t fd, uint64_t need, uint32_t *e)
{
    wasi_fd *f = wasi_fd_get(ctx, fd, 0, e);
    if (f == NULL)
        return NULL;
    if (f->filetype != WASI_FILETYPE_SOCKET_STREAM && f->filetype != WASI_FILETYPE_SOCKET_DGRAM) {
        *e = WASI_ENOTSOCK;
        return NULL;
    }
    return wasi_fd_get(ctx, fd, need, e);
}

/* sock_accept(fd, flags: fdflags, result_fd: ptr<fd>) */
WASI_IMPL(wasi_sock_accept)
{
    uint32_t e;
    wasi_fd *f = sock_get(ctx, a[0], WASI_RIGHT_SOCK_ACCEPT, &e);
    if (f == NULL)
        return e;
    if (a[1] & ~(uint64_t)WASI_FDFLAG_NONBLOCK)
        return WASI_EINVAL;
    if (!wasi_mem_ok(m, a[2], 4))
        return WASI_EFAULT;
    int flags = SOCK_CLOEXEC | ((a[1] & WASI_FDFLAG_NONBLOCK) ? SOCK_NONBLOCK : 0);
    int fd;
    do
        fd = accept4(f->host_fd, NULL, NULL, flags);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return wasi_errno_from_host(errno);
    uint32_t wfd;
    e = wasi_fd_insert(ctx, fd, f->filetype, WASI_RIGHTS_SOCKET & ~WASI_RIGHT_SOCK_ACCEPT, 0, &wfd);
    if (e == WASI_ESUCCESS)
        wasi_st32(m, a[2], wfd);
    return e;
}

/* sock_recv(fd, ri_data: ptr<iovec>, ri_data_len, ri_flags: u16,
 *           ro_datalen: ptr<size>, ro_flags: ptr<u16>) */
WASI_IMPL(wasi_sock_recv)
{
    uint32_t e;
    wasi_fd *f = sock_get(ctx, a[0], WASI_RIGHT_FD_READ, &e);
    if (f == NULL)
        return e;
    if (a[3] & ~(uint64_t)(WASI_RIFLAG_RECV_PEEK | WASI_RIFLAG_RECV_WAITALL))
        return WASI_EINVAL;
    if (!wasi_mem_ok(m, a[4], 4) || !wasi_mem_ok(m, a[5], 2))
        return WASI_EFAULT;
    struct msghdr msg = {0};
    int cnt;
    if ((e = wasi_iovecs(m, a[1], a[2], &msg.msg_iov, &cnt)) != WASI_ESUCCESS)
        return e;
    msg.msg_iovlen = (size_t)cnt;
    int flags = ((a[3] & WASI_RIFLAG_RECV_PEEK) ? MSG_PEEK : 0) |
                ((a[3] & WASI_RIFLAG_RECV_WAITALL) ? MSG_WAITALL : 0);
    ssize_t r;
    do
        r = recvmsg(f->host_fd, &msg, flags);
    while (r < 0 && errno == EINTR);
    int saved = errno;
    free(msg.msg_iov);
    if (r < 0)
        return wasi_errno_from_host(saved);
    wasi_st32(m, a[4], (uint32_t)r);
    wasi_st16(m, a[5], (msg.msg_flags & MSG_TRUNC) ? WASI_ROFLAG_RECV_DATA_TRUNCATED : 0);
    return WASI_ESUCCESS;
}

/* sock_send(fd, si_data: ptr<ciovec>, si_data_len, si_flags: u16, so_datalen: ptr<size>) */
WASI_IMPL(wasi_sock_send)
{
    uint32_t e;
    wasi_fd *f = sock_get(ctx, a[0], WASI_RIGHT_FD_WRITE, &e);
    if (f == NULL)
        return e;
    if (a[3] != 0)
        return WASI_EINVAL; /* no siflags are defined */
    if (!wasi_mem_ok(m, a[4], 4))
        return WASI_EFAULT;
    struct msghdr msg = {0};
    int cnt;
    if ((e = wasi_iovecs(m, a[1], a[2], &msg.msg_iov, &cnt)) != WASI_ESUCCESS)
        return e;
    msg.msg_iovlen = (size_t)cnt;
    ssize_t r;
    do
        r = sendmsg(f->host_fd, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    int saved = errno;
    free(msg.msg_iov);
    if (r < 0)
        return wasi_errno_from_host(saved);
    wasi_st32(m, a[4], (uint32_t)r);
    return WASI_ESUCCESS;
}

/* sock_shutdown(fd, how: sdflags) */
WASI_IMPL(wasi_sock_shutdown)
{
    (void)m;
    uint32_t e;
    wasi_fd *f = sock_get(ctx, a[0], WASI_RIGHT_SOCK_SHUTDOWN, &e);
    if (f == NULL)
        return e;
    int how;
    switch (a[1]) {
    case WASI_SDFLAG_RD:
        how = SHUT_RD;
        break;
    case WASI_SDFLAG_WR:
        how = SHUT_WR;
        break;
    case WASI_SDFLAG_RD | WASI_SDFLAG_WR:
        how = SHUT_RDWR;
        break;
    default:
        return WASI_EINVAL;
    }
    return shutdown(f->host_fd, how) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
}
