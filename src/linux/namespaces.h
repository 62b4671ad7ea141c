/* Namespaces: which to create (clone flags) and which to join (setns by path). */
#ifndef WEFT_LINUX_NAMESPACES_H
#define WEFT_LINUX_NAMESPACES_H

#include "oci/spec.h"
#include "util/error.h"

#include <sys/types.h>

/* CLONE_NEW* value of a namespace type. */
int ns_clone_flag(enum oci_ns_type type);

/* Namespaces to create: OR of CLONE_NEW* for entries without a path
 * (the time namespace excluded: it cannot be created by clone(2)). */
int ns_new_flags(const oci_spec *spec);

/* Namespaces to join, opened on the host before the container process starts,
 * so a path is resolved in the runtime's mount namespace. fds[type] is -1 for
 * types not joined. Errors name the field: linux.namespaces[i].path. */
int ns_open_joined(const oci_spec *spec, int fds[OCI_NS_COUNT], weft_error **err);
void ns_close_all(int fds[OCI_NS_COUNT]);

/* setns() into every fd of fds except `skip_mask` (bit per type), the user
 * namespace first (its capabilities are needed to join the others). */
int ns_join(int fds[OCI_NS_COUNT], unsigned skip_mask, weft_error **err);

/* Open the /proc/PID/ns entries of a running container for `weft exec`: fds[type] is -1
 * where the container shares the caller's namespace. */
int ns_open_of_pid(pid_t pid, int fds[OCI_NS_COUNT], weft_error **err);

/* Write mappings to /proc/PID/FILE ("uid_map" or "gid_map"), one write. */
int ns_write_id_map(pid_t pid, const char *file, const oci_id_mapping *m, size_t n,
                    weft_error **err);

/* Write uid_map/gid_map (and setgroups) of a child in a new user namespace. */
int ns_write_id_maps(pid_t pid, const oci_spec *spec, weft_error **err);

/* Time namespace: unshare(CLONE_NEWTIME) for children of the caller and write
 * the offsets; the caller restores its children's namespace with
 * ns_restore_time(). Does nothing when the spec asks for no new time ns. */
int ns_prepare_time(const oci_spec *spec, int *saved_fd, weft_error **err);
int ns_restore_time(int saved_fd, weft_error **err);

#endif
