/* The systemd driver's connection to a bus: the Unix socket, the SASL
 * handshake and the exchange of whole messages. libdbus builds, marshals and
 * parses the messages; only the transport is ours, for one reason: libdbus's
 * client always names its effective uid in AUTH EXTERNAL, and inside a user
 * namespace (rootless podman runs its OCI runtime as uid 0 of its namespace)
 * that uid is not the one the bus reads from the socket (SO_PEERCRED), so the
 * bus refuses the connection. Sending AUTH EXTERNAL with an empty identity
 * lets the bus take the socket's credentials, as the D-Bus specification
 * allows and sd-bus does. */
#include "cgroup/cg_bus_socket.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define HEADER_FIXED 16          /* endianness .. serial, plus the fields' length */
#define MAX_MESSAGE (128u << 20) /* the specification's limit */
#define AUTH_LINE_MAX 512

struct cg_bus_socket {
    int fd;
    dbus_uint32_t serial;
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait until fd is ready for `events`, at most until `deadline`. */
static int wait_fd(int fd, short events, long deadline, const char *what, weft_error **err)
{
    for (;;) {
        long left = deadline - now_ms();
        if (left <= 0)
            return werr_set(err, ETIMEDOUT, "systemd cgroup driver: %s: no answer from the bus",
                            what);
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return werr_sys(err, "systemd cgroup driver: %s: poll", what);
    }
}

static int write_all(int fd, const void *buf, size_t len, long deadline, weft_error **err)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline, "writing", err) < 0)
                return -1;
            continue;
        }
        if (n < 0)
            return werr_sys(err, "systemd cgroup driver: writing to the bus");
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_exact(int fd, void *buf, size_t len, long deadline, weft_error **err)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(fd, POLLIN, deadline, "reading", err) < 0)
                return -1;
            continue;
        }
        if (n < 0)
            return werr_sys(err, "systemd cgroup driver: reading from the bus");
        if (n == 0)
            return werr_set(err, 0, "systemd cgroup driver: the bus closed the connection");
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One "\r\n"-terminated line of the handshake, byte by byte: the bus sends
 * nothing after OK until we say BEGIN, so nothing of a message is consumed. */
static int read_line(int fd, char *line, long deadline, weft_error **err)
{
    size_t n = 0;
    for (;;) {
        char ch;
        if (read_exact(fd, &ch, 1, deadline, err) < 0)
            return -1;
        if (ch == '\n' && n > 0 && line[n - 1] == '\r') {
            line[n - 1] = '\0';
            return 0;
        }
        if (n + 1 >= AUTH_LINE_MAX)
            return werr_set(err, 0, "systemd cgroup driver: the bus sent an overlong line");
        line[n++] = ch;
    }
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* AUTH EXTERNAL with no identity; the bus answers DATA (an empty challenge),
 * we answer DATA (no identity: use the socket's), the bus says OK <guid>. */
static int authenticate(int fd, long deadline, weft_error **err)
{
    static const char hello[] = "\0AUTH EXTERNAL\r\n";
    char line[AUTH_LINE_MAX];
    if (write_all(fd, hello, sizeof hello - 1, deadline, err) < 0 ||
        read_line(fd, line, deadline, err) < 0)
        return -1;
    if (strcmp(line, "DATA") == 0) {
        if (write_all(fd, "DATA\r\n", 6, deadline, err) < 0 ||
            read_line(fd, line, deadline, err) < 0)
            return -1;
    }
    if (!starts_with(line, "OK "))
        return werr_set(err, 0,
                        "systemd cgroup driver: the bus refused our credentials (it answered "
                        "\"%.100s\")",
                        line);
    return write_all(fd, "BEGIN\r\n", 7, deadline, err);
}

/* The socket address of one "unix:path=..." or "unix:abstract=..." entry. */
static int entry_sockaddr(DBusAddressEntry *e, struct sockaddr_un *sa, socklen_t *len)
{
    const char *method = dbus_address_entry_get_method(e);
    const char *path = dbus_address_entry_get_value(e, "path");
    const char *abstract = dbus_address_entry_get_value(e, "abstract");
    const char *name = path ? path : abstract;
    if (strcmp(method, "unix") != 0 || name == NULL || strlen(name) >= sizeof sa->sun_path - 1)
        return -1;
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    size_t off = path ? 0 : 1; /* abstract names start with a NUL byte */
    memcpy(sa->sun_path + off, name, strlen(name));
    *len =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + off + strlen(name) + (path ? 1 : 0));
    return 0;
}

/* Connect to the first entry of `address` that accepts us. */
static int connect_address(const char *address, weft_error **err)
{
    DBusError de;
    dbus_error_init(&de);
    DBusAddressEntry **entries = NULL;
    int n = 0;
    if (!dbus_parse_address(address, &entries, &n, &de)) {
        werr_set(err, 0, "systemd cgroup driver: bus address \"%s\": %s", address, de.message);
        dbus_error_free(&de);
        return -1;
    }
    int fd = -1, saved = ENOENT;
    for (int i = 0; i < n && fd < 0; i++) {
        struct sockaddr_un sa;
        socklen_t len;
        if (entry_sockaddr(entries[i], &sa, &len) < 0)
            continue;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, len) < 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    dbus_address_entries_free(entries);
    if (fd < 0)
        werr_set(err, saved, "systemd cgroup driver: connecting to %s", address);
    return fd;
}

int cg_bus_socket_open(const char *address, int timeout_ms, cg_bus_socket **out, weft_error **err)
{
    int fd = connect_address(address, err);
    if (fd < 0)
        return -1;
    if (authenticate(fd, now_ms() + timeout_ms, err) < 0) {
        close(fd);
        return werr_prefix(err, "%s", address);
    }
    *out = xzalloc(sizeof **out);
    (*out)->fd = fd;
    return 0;
}

void cg_bus_socket_close(cg_bus_socket *s)
{
    if (s == NULL)
        return;
    close(s->fd);
    free(s);
}

static int send_message(cg_bus_socket *s, DBusMessage *m, long deadline, weft_error **err)
{
    char *buf = NULL;
    int len = 0;
    dbus_message_set_serial(m, ++s->serial);
    if (!dbus_message_marshal(m, &buf, &len))
        xoom();
    int rc = write_all(s->fd, buf, (size_t)len, deadline, err);
    dbus_free(buf);
    return rc;
}

static DBusMessage *transport_error(DBusError *e, weft_error *we)
{
    dbus_set_error(e, DBUS_ERROR_DISCONNECTED, "%s", we->msg);
    werr_free(we);
    return NULL;
}

/* Read one whole message; libdbus says how long it is from its first 16 bytes. */
static DBusMessage *receive_message(cg_bus_socket *s, long deadline, weft_error **err)
{
    char head[HEADER_FIXED];
    if (read_exact(s->fd, head, sizeof head, deadline, err) < 0)
        return NULL;
    int need = dbus_message_demarshal_bytes_needed(head, (int)sizeof head);
    if (need <= (int)sizeof head || (unsigned)need > MAX_MESSAGE)
        return werr_set(err, 0, "systemd cgroup driver: the bus sent a malformed message"), NULL;
    cleanup_free char *buf = xmalloc((size_t)need);
    memcpy(buf, head, sizeof head);
    if (read_exact(s->fd, buf + sizeof head, (size_t)need - sizeof head, deadline, err) < 0)
        return NULL;
    DBusError de;
    dbus_error_init(&de);
    DBusMessage *m = dbus_message_demarshal(buf, need, &de);
    if (m == NULL) {
        werr_set(err, 0, "systemd cgroup driver: the bus sent a malformed message: %s",
                 de.message ? de.message : "unparsable");
        dbus_error_free(&de);
    }
    return m;
}

/* The reply to m, or NULL with *e set: the bus's error, or ours (transport). */
DBusMessage *cg_bus_socket_call(cg_bus_socket *s, DBusMessage *m, int timeout_ms, DBusError *e)
{
    long deadline = now_ms() + timeout_ms;
    weft_error *we = NULL;
    if (send_message(s, m, deadline, &we) < 0)
        return transport_error(e, we);
    dbus_uint32_t serial = dbus_message_get_serial(m);
    for (;;) {
        DBusMessage *r = receive_message(s, deadline, &we);
        if (r == NULL)
            return transport_error(e, we);
        int type = dbus_message_get_type(r);
        bool ours = (type == DBUS_MESSAGE_TYPE_METHOD_RETURN || type == DBUS_MESSAGE_TYPE_ERROR) &&
                    dbus_message_get_reply_serial(r) == serial;
        if (!ours) { /* a signal such as NameAcquired: not what we wait for */
            dbus_message_unref(r);
            continue;
        }
        if (type == DBUS_MESSAGE_TYPE_ERROR) {
            dbus_set_error_from_message(e, r);
            dbus_message_unref(r);
            return NULL;
        }
        return r;
    }
}
