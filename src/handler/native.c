/* The native handler: execve the entrypoint. */
#include "handler/handler.h"

#include <unistd.h>

static int native_prepare(const oci_spec *spec, const oci_process *p, struct entrypoint *ep,
                          void **prepared, weft_error **err)
{
    (void)spec;
    *prepared = NULL;
    if (access(ep->path, X_OK) < 0) {
        werr_sys(err, "exec: %s", p->args[0]);
        return werr_status(err, errno == ENOENT ? 127 : 126);
    }
    return 0;
}

static int native_exec(const oci_process *p, struct entrypoint *ep, void *prepared, int *started_fd,
                       weft_error **err)
{
    (void)prepared;
    (void)started_fd; /* O_CLOEXEC: a successful execve closes it */
    static char *const empty[] = {NULL};
    execve(ep->path, p->args, p->env ? p->env : empty);
    werr_sys(err, "exec: %s", p->args[0]);
    return werr_status(err, errno == ENOENT ? 127 : 126);
}

const handler handler_native = {
    .name = "native",
    .prepare = native_prepare,
    .exec = native_exec,
    .execs = true,
};
