/* Running without privilege: an ordinary user, or "root" inside a user
 * namespace someone else made (rootless podman runs its runtime so). */
#ifndef WEFT_LINUX_ROOTLESS_H
#define WEFT_LINUX_ROOTLESS_H

#include "oci/spec.h"
#include "util/error.h"

#include <stdbool.h>
#include <sys/types.h>

/* True when this process is not in the initial user namespace: its
 * /proc/self/uid_map is not the identity over every id. mknod is denied
 * there whatever the capabilities. */
bool rootless_in_child_userns(void);

/* True when this process holds capability `cap` in its effective set. */
bool rootless_has_cap(int cap);

/* Write the id maps of `pid` (a child in a new user namespace) without
 * CAP_SETUID/CAP_SETGID: one mapping of the caller's own id is written
 * directly (gid_map after "deny" in setgroups, as the kernel requires); any
 * other mapping goes through the setuid helpers newuidmap/newgidmap, which
 * allow the ranges /etc/subuid and /etc/subgid grant the user. `uid` says
 * which of the two maps. */
int rootless_write_id_map(pid_t pid, bool uid, const oci_id_mapping *m, size_t n, weft_error **err);

#endif
