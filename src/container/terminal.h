/* Terminal containers: a pty made inside the container (from its /dev/ptmx),
 * whose slave becomes the process's stdio and controlling terminal, and whose
 * master goes to --console-socket by SCM_RIGHTS (containerd, conmon) or is
 * proxied to weft's own stdio by a foreground `weft run`. */
#ifndef WEFT_CONTAINER_TERMINAL_H
#define WEFT_CONTAINER_TERMINAL_H

#include "oci/spec.h"
#include "util/error.h"

/* In the container (after pivot_root): open a pty; the slave becomes
 * stdin/stdout/stderr and the controlling terminal. *master is returned. */
int terminal_setup(const oci_process *p, int *master, weft_error **err);

/* Send the master to a listener on the unix socket at `path`. */
int terminal_send_to_socket(const char *path, int master, weft_error **err);

/* Foreground: copy our stdin to the master and the master to our stdout
 * until the master reaches EOF (the container's side closed); stdin is put
 * in raw mode while it runs when it is a terminal. */
int terminal_proxy(int master, weft_error **err);

#endif
