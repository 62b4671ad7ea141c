/* The systemd driver's bus transport (cg_bus_socket.c) against a scripted
 * peer in a child process: the handshake names no identity (so the bus takes
 * the socket's credentials, which is what works from inside a user
 * namespace), replies are matched by serial past signals, error replies and
 * refusals and a peer that hangs up come back as errors. */
#include "cgroup/cg_bus_socket.h"
#include "unit.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

enum script { SCRIPT_REPLIES, SCRIPT_REFUSE, SCRIPT_HANG_UP };

static char sock_path[108];
static char address[160];

/* ---- the scripted peer (a child process; exit status 0 = all it saw was right) ---- */

static int peer_read(int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static int peer_expect(int fd, const char *want, size_t len)
{
    char buf[64];
    return len < sizeof buf && peer_read(fd, buf, len) == 0 && memcmp(buf, want, len) == 0 ? 0 : -1;
}

static int peer_send(int fd, const char *s, size_t len)
{
    return write(fd, s, len) == (ssize_t)len ? 0 : -1;
}

static DBusMessage *peer_message(int fd)
{
    char head[16];
    if (peer_read(fd, head, sizeof head) < 0)
        return NULL;
    int need = dbus_message_demarshal_bytes_needed(head, sizeof head);
    if (need < 16)
        return NULL;
    char *buf = malloc((size_t)need);
    memcpy(buf, head, 16);
    DBusMessage *m = NULL;
    if (peer_read(fd, buf + 16, (size_t)need - 16) == 0)
        m = dbus_message_demarshal(buf, need, NULL);
    free(buf);
    return m;
}

static int peer_send_message(int fd, DBusMessage *m, dbus_uint32_t serial)
{
    char *buf;
    int len;
    dbus_message_set_serial(m, serial);
    if (!dbus_message_marshal(m, &buf, &len))
        return -1;
    int rc = peer_send(fd, buf, (size_t)len);
    dbus_free(buf);
    dbus_message_unref(m);
    return rc;
}

/* A signal first (the client must skip it), then the reply "pong". */
static int peer_answer_ping(int fd)
{
    DBusMessage *call = peer_message(fd);
    if (call == NULL || strcmp(dbus_message_get_member(call), "Ping") != 0)
        return -1;
    DBusMessage *sig =
        dbus_message_new_signal("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameAcquired");
    const char *name = ":1.7", *pong = "pong";
    dbus_message_append_args(sig, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
    DBusMessage *ret = dbus_message_new_method_return(call);
    dbus_message_append_args(ret, DBUS_TYPE_STRING, &pong, DBUS_TYPE_INVALID);
    dbus_message_unref(call);
    return peer_send_message(fd, sig, 100) == 0 && peer_send_message(fd, ret, 101) == 0 ? 0 : -1;
}

static int peer_answer_error(int fd)
{
    DBusMessage *call = peer_message(fd);
    if (call == NULL)
        return -1;
    DBusMessage *e =
        dbus_message_new_error(call, "org.freedesktop.systemd1.NoSuchUnit", "Unit x not loaded.");
    dbus_message_unref(call);
    return peer_send_message(fd, e, 102);
}

static int peer_run(int fd, enum script script)
{
    static const char ok[] = "OK 0123456789abcdef0123456789abcdef\r\n";
    /* no identity after EXTERNAL: the bus must read it from the socket */
    if (peer_expect(fd, "\0AUTH EXTERNAL\r\n", 16) < 0)
        return 1;
    if (script == SCRIPT_REFUSE)
        return peer_send(fd, "REJECTED EXTERNAL\r\n", 19) < 0 ? 2 : 0;
    if (peer_send(fd, "DATA\r\n", 6) < 0 || peer_expect(fd, "DATA\r\n", 6) < 0)
        return 3;
    if (peer_send(fd, ok, sizeof ok - 1) < 0 || peer_expect(fd, "BEGIN\r\n", 7) < 0)
        return 4;
    if (script == SCRIPT_HANG_UP) {
        DBusMessage *call = peer_message(fd);
        if (call == NULL)
            return 5;
        dbus_message_unref(call);
        return peer_send(fd, "l\2\1", 3) < 0 ? 6 : 0; /* a message cut short */
    }
    return peer_answer_ping(fd) < 0 ? 7 : peer_answer_error(fd) < 0 ? 8 : 0;
}

static pid_t start_peer(enum script script)
{
    snprintf(sock_path, sizeof sock_path, "/tmp/weft-unit-bus-%d", (int)getpid());
    snprintf(address, sizeof address, "unix:path=%s;unix:path=/nonexistent", sock_path);
    unlink(sock_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, sock_path);
    if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 1) < 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        int fd = accept(l, NULL, NULL);
        _exit(fd < 0 ? 9 : peer_run(fd, script));
    }
    close(l);
    return pid;
}

static int finish_peer(pid_t pid)
{
    int st = -1;
    waitpid(pid, &st, 0);
    unlink(sock_path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

/* Call `member` on the peer; its reply, or NULL with *e set. */
static DBusMessage *call_member(cg_bus_socket *s, const char *member, DBusError *e)
{
    DBusMessage *m = dbus_message_new_method_call("org.example", "/x", "org.example.I", member);
    DBusMessage *r = cg_bus_socket_call(s, m, 5000, e);
    dbus_message_unref(m);
    return r;
}

/* ---- the tests ---- */

TEST(handshake_names_no_identity_and_replies_match_by_serial)
{
    pid_t pid = start_peer(SCRIPT_REPLIES);
    cg_bus_socket *s = NULL;
    weft_error *err = NULL;
    CHECK(cg_bus_socket_open(address, 5000, &s, &err) == 0);
    DBusError e;
    dbus_error_init(&e);
    DBusMessage *r = call_member(s, "Ping", &e);
    CHECK(r != NULL);
    const char *got = NULL;
    CHECK(r && dbus_message_get_args(r, NULL, DBUS_TYPE_STRING, &got, DBUS_TYPE_INVALID));
    CHECK_STR(got, "pong");
    if (r)
        dbus_message_unref(r);
    CHECK(call_member(s, "Missing", &e) == NULL);
    CHECK(dbus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"));
    CHECK(e.message && strstr(e.message, "not loaded"));
    dbus_error_free(&e);
    cg_bus_socket_close(s);
    CHECK(finish_peer(pid) == 0);
    werr_free(err);
}

TEST(refused_credentials_are_one_clear_error)
{
    pid_t pid = start_peer(SCRIPT_REFUSE);
    cg_bus_socket *s = NULL;
    weft_error *err = NULL;
    CHECK(cg_bus_socket_open(address, 5000, &s, &err) < 0);
    CHECK(err && strstr(err->msg, "refused our credentials") && strstr(err->msg, "REJECTED"));
    CHECK(err && strstr(err->msg, sock_path));
    CHECK(finish_peer(pid) == 0);
    werr_free(err);
}

TEST(a_peer_that_hangs_up_mid_message_is_an_error)
{
    pid_t pid = start_peer(SCRIPT_HANG_UP);
    cg_bus_socket *s = NULL;
    weft_error *err = NULL;
    CHECK(cg_bus_socket_open(address, 5000, &s, &err) == 0);
    DBusError e;
    dbus_error_init(&e);
    CHECK(call_member(s, "Ping", &e) == NULL);
    CHECK(dbus_error_has_name(&e, DBUS_ERROR_DISCONNECTED));
    dbus_error_free(&e);
    cg_bus_socket_close(s);
    CHECK(finish_peer(pid) == 0);
    werr_free(err);
}

TEST(no_listening_socket_names_the_address)
{
    cg_bus_socket *s = NULL;
    weft_error *err = NULL;
    CHECK(cg_bus_socket_open("unix:path=/nonexistent/bus", 1000, &s, &err) < 0);
    CHECK(err && strstr(err->msg, "/nonexistent/bus"));
    werr_free(err);
    err = NULL;
    CHECK(cg_bus_socket_open("tcp:host=localhost,port=1", 1000, &s, &err) < 0);
    CHECK(err != NULL);
    werr_free(err);
}

UNIT_MAIN()
