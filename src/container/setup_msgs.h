/* The runtime's side of the last setup messages, shared by create and exec:
 * the terminal master (to --console-socket, or kept for a foreground
 * proxy), the seccomp notify fd (to the agent at linux.seccomp.listenerPath,
 * with the container's state), until the process reports READY. */
#ifndef WEFT_CONTAINER_SETUP_MSGS_H
#define WEFT_CONTAINER_SETUP_MSGS_H

#include "oci/spec.h"
#include "util/error.h"

#include <sys/types.h>

struct setup_msgs {
    const oci_spec *spec;       /* listenerPath, listenerMetadata */
    const char *console_socket; /* may be NULL */
    const char *state_json;     /* the container's state, for the seccomp agent */
    pid_t pid;                  /* the process being set up */
    int pty_master;             /* out: the master when kept (no console socket), else -1 */
    char *handler;              /* out: the handler name READY carried (owned) */
};

int setup_msgs_until_ready(int sock, struct setup_msgs *m, weft_error **err);

#endif
