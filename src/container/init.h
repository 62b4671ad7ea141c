/* The container's init process: what the child of `weft create` does
 * between clone(2) and the workload. Private to src/container/. */
#ifndef WEFT_CONTAINER_INIT_H
#define WEFT_CONTAINER_INIT_H

#include "container/container.h"
#include "handler/handler.h"
#include "oci/spec.h"

struct init_args {
    const oci_spec *spec;
    const struct create_opts *opts;
    const char *id;
    int sync_fd;          /* the init's end of the sync socket */
    int lock_fd;          /* the parent's lock on ROOT/ID: the init must not hold it */
    int fifo_fd;          /* O_PATH fd of ROOT/ID/exec.fifo, opened by the parent: in a
                             user namespace the init could not reach the path */
    int *ns_fds;          /* [OCI_NS_COUNT] namespaces to join, -1 where not */
    const int *mount_fds; /* [spec->n_mounts] idmapped clones made on the host side,
                             -1 where none; NULL when the init makes its own */
    bool new_userns;
    bool wasm_smart_default;
};

/* Never returns: on success the workload replaces the process; on failure
 * the error goes to the parent over the sync socket (or to stderr once the
 * parent is gone) and the process exits with the error's status. */
_Noreturn void init_main(const struct init_args *a);

/* Shared with `exec`: the last steps before the workload runs, in the
 * container: choose and prepare the handler, apply the process's security,
 * close stray fds. The seccomp filter is loaded at the right moment. */
struct workload {
    const struct handler *h;
    struct entrypoint ep;
    void *prepared;
    struct weft_seccomp *seccomp;
    int started_fd; /* the init's exec fifo: closed when the workload begins; -1 for exec */
};
int workload_prepare(const oci_spec *spec, const oci_process *p, bool wasm_smart_default,
                     enum handler_for who, struct workload *w, weft_error **err);
/* sync_fd: where a seccomp notify fd goes (SYNC_SECCOMP) */
int workload_secure(const oci_spec *spec, const oci_process *p, struct workload *w,
                    int preserve_fds, int sync_fd, weft_error **err);
/* Loads the seccomp filter if still pending, then execs. Returns only on failure. */
int workload_exec(const oci_process *p, struct workload *w, weft_error **err);

/* Make every fd above 2 + preserve_fds close on exec (no host fd leaks into
 * the container: CVE-2024-21626). */
void close_fds_on_exec(int preserve_fds);

#endif
