#include "container/sync.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sync_pair(int fds[2], weft_error **err)
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return werr_sys(err, "socketpair");
    return 0;
}

int sync_send(int sock, int type, int status, const char *text, int fd, weft_error **err)
{
    struct sync_msg m = {.type = type, .status = status};
    if (text != NULL)
        snprintf(m.text, sizeof m.text, "%s", text);
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof m};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        msg.msg_control = ctl.buf;
        msg.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t n;
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return werr_sys(err, "sync: send");
    return 0;
}

int sync_recv(int sock, struct sync_msg *m, int *fd, weft_error **err)
{
    if (fd != NULL)
        *fd = -1;
    struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return werr_sys(err, "sync: receive");
    if (n == 0)
        return werr_set(err, 0, "container init exited during setup");
    if ((size_t)n != sizeof *m)
        return werr_set(err, 0, "sync: short message (%zd bytes)", n);
    m->text[sizeof m->text - 1] = '\0';
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(c), sizeof got);
            if (fd != NULL)
                *fd = got;
            else
                close(got);
        }
    }
    return 0;
}

int sync_expect(int sock, int type, int *fd, weft_error **err)
{
    struct sync_msg m;
    if (sync_recv(sock, &m, fd, err) < 0)
        return -1;
    if (m.type == SYNC_ERROR) {
        werr_set(err, 0, "%s", m.text);
        return werr_status(err, m.status);
    }
    if (m.type != type)
        return werr_set(err, 0, "sync: expected message %d, got %d", type, m.type);
    return 0;
}

void sync_send_error(int sock, const weft_error *e)
{
    sync_send(sock, SYNC_ERROR, e && e->status ? e->status : 1, e ? e->msg : "unknown error", -1,
              NULL);
}
