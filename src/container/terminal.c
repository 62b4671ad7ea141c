#include "container/terminal.h"
#include "linux/rootfs.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int terminal_setup(const oci_process *p, int *master, weft_error **err)
{
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return werr_sys(err, "terminal: open /dev/ptmx");
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) {
        close(m);
        return werr_sys(err, "terminal: unlock pty");
    }
    /* TIOCGPTPEER opens the slave through the master, so no path lookup in a
     * /dev/pts the container might have replaced. */
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (s < 0) {
        close(m);
        return werr_sys(err, "terminal: open pty slave");
    }
    /* /dev/console in the container is the terminal, as in runc. */
    if (rootfs_setup_console(s, err) < 0) {
        close(s);
        close(m);
        return -1;
    }
    if (p->has_console_size) {
        struct winsize ws = {.ws_row = (unsigned short)p->console_size.height,
                             .ws_col = (unsigned short)p->console_size.width};
        ioctl(s, TIOCSWINSZ, &ws);
    }
    if (ioctl(s, TIOCSCTTY, 0) < 0) {
        close(s);
        close(m);
        return werr_sys(err, "terminal: set controlling terminal");
    }
    for (int fd = 0; fd <= 2; fd++) {
        if (dup2(s, fd) < 0) {
            close(s);
            close(m);
            return werr_sys(err, "terminal: dup2");
        }
    }
    if (s > 2)
        close(s);
    *master = m;
    return 0;
}

int terminal_send_to_socket(const char *path, int master, weft_error **err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path)
        return werr_set(err, 0, "--console-socket: path too long: %s", path);
    strcpy(addr.sun_path, path);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return werr_sys(err, "--console-socket: socket");
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int saved = errno;
        close(sock);
        return werr_set(err, saved, "--console-socket: connect %s", path);
    }
    /* Like runc, the payload names the terminal; receivers only need the fd. */
    char name[] = "/dev/ptmx";
    struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &master, sizeof(int));
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    int saved = errno;
    close(sock);
    if (n < 0)
        return werr_set(err, saved, "--console-socket: send");
    return 0;
}

static int copy_once(int from, int to)
{
    char buf[8192];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0)
        return n < 0 && errno == EINTR ? 1 : 0;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        off += w;
    }
    return 1;
}

int terminal_proxy(int master, weft_error **err)
{
    (void)err;
    struct termios saved, raw;
    int restore = isatty(0) && tcgetattr(0, &saved) == 0;
    if (restore) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(0, TCSANOW, &raw);
        struct winsize ws;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0)
            ioctl(master, TIOCSWINSZ, &ws);
    }
    struct pollfd fds[2] = {{.fd = master, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
    int nfds = 2;
    for (;;) {
        int r = poll(fds, (nfds_t)nfds, -1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!copy_once(master, 1))
                break; /* EIO: the container side is closed */
        }
        if (nfds == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (!copy_once(0, master))
                nfds = 1; /* our stdin ended; keep reading output */
        }
    }
    if (restore)
        tcsetattr(0, TCSANOW, &saved);
    return 0;
}
