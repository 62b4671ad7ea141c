/* The channel between `weft create` (the parent) and the container's init
 * process while the container is being set up: a SOCK_SEQPACKET socketpair,
 * one message per step, an fd attached where a terminal master travels. */
#ifndef WEFT_CONTAINER_SYNC_H
#define WEFT_CONTAINER_SYNC_H

#include "util/error.h"

enum sync_type {
    SYNC_GO = 1,     /* parent → init: ids mapped, cgroup entered: go on */
    SYNC_RUN_HOOKS,  /* init → parent: mounts done, run prestart + createRuntime */
    SYNC_HOOKS_DONE, /* parent → init */
    SYNC_PTY,        /* init → parent: the terminal master (fd attached) */
    SYNC_SECCOMP,    /* init → parent: the seccomp notify fd (attached) for the agent */
    SYNC_READY,      /* init → parent: set up, now waiting for `start` */
    SYNC_ERROR,      /* either way: status + message; the sender gives up */
};

struct sync_msg {
    int type;
    int status;      /* SYNC_ERROR: exit status to report (e.g. 127) */
    char text[3072]; /* SYNC_ERROR: the message */
};

/* The exec fifo between the init and `start`: the init writes
 * START_RELEASED once the startContainer hooks ran and keeps its end open
 * until the workload begins (closed by execve, or by the wasm handler just
 * before _start), so end-of-file tells `start` the process runs. If the
 * workload cannot begin, the init writes START_FAILED, the exit status as
 * one byte and the message, in one write of at most START_FAILURE_MAX. */
#define START_RELEASED '\0'
#define START_FAILED 'E'
#define START_FAILURE_MAX 512

int sync_pair(int fds[2], weft_error **err);
/* fd < 0: none attached. */
int sync_send(int sock, int type, int status, const char *text, int fd, weft_error **err);
/* *fd receives an attached fd or -1 (fd may be NULL). A closed peer is an
 * error ("container init exited during setup"). */
int sync_recv(int sock, struct sync_msg *m, int *fd, weft_error **err);
/* Receive and require `type`; a SYNC_ERROR from the peer becomes *err with
 * its message and status. */
int sync_expect(int sock, int type, int *fd, weft_error **err);
/* Send the error in *err to the peer (used by the init before it exits). */
void sync_send_error(int sock, const weft_error *e);

#endif
