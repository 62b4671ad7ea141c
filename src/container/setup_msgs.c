#include "container/setup_msgs.h"
#include "container/sync.h"
#include "container/terminal.h"
#include "linux/security.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <unistd.h>

static int forward_seccomp_fd(struct setup_msgs *m, int fd, weft_error **err)
{
    const oci_seccomp *sc = &m->spec->linux_.seccomp;
    if (!m->spec->has_linux || !m->spec->linux_.has_seccomp || sc->listener_path == NULL)
        return werr_set(err, 0, "linux.seccomp: a notify fd arrived but there is no listenerPath");
    cleanup_free char *payload = seccomp_process_state_json(
        OCI_SPEC_VERSION, m->pid, sc->listener_metadata, m->state_json, err);
    if (payload == NULL)
        return -1;
    if (seccomp_send_to_listener(sc->listener_path, fd, payload, err) < 0)
        return werr_prefix(err, "linux.seccomp.listenerPath");
    return 0;
}

int setup_msgs_until_ready(int sock, struct setup_msgs *m, weft_error **err)
{
    m->pty_master = -1;
    m->handler = NULL;
    for (;;) {
        struct sync_msg msg;
        int fd = -1;
        if (sync_recv(sock, &msg, &fd, err) < 0)
            return -1;
        int r = 0;
        switch (msg.type) {
        case SYNC_ERROR:
            werr_set(err, 0, "%s", msg.text);
            r = werr_status(err, msg.status);
            break;
        case SYNC_PTY:
            if (m->console_socket != NULL) {
                r = terminal_send_to_socket(m->console_socket, fd, err);
            } else {
                m->pty_master = fd;
                fd = -1;
            }
            break;
        case SYNC_SECCOMP:
            r = forward_seccomp_fd(m, fd, err);
            break;
        case SYNC_READY:
            m->handler = xstrdup(msg.text);
            return 0;
        default:
            r = werr_set(err, 0, "sync: unexpected message %d", msg.type);
        }
        if (fd >= 0)
            close(fd);
        if (r < 0)
            return -1;
    }
}
