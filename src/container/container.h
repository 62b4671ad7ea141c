/* The container lifecycle, one function per operation of the runtime-spec
 * (and of runc's command line beyond it: pause, resume, update, ps, list).
 * The CLI verbs parse flags and call these; nothing here parses argv, and
 * the CLI reaches the state directory and the cgroups only through them. */
#ifndef WEFT_CONTAINER_CONTAINER_H
#define WEFT_CONTAINER_CONTAINER_H

#include "container/context.h"
#include "container/state.h"
#include "oci/spec.h"
#include "util/error.h"

#include <stdbool.h>
#include <sys/types.h>

struct create_opts {
    const char *id;
    const char *bundle;         /* default "." */
    const char *pid_file;       /* may be NULL */
    const char *console_socket; /* may be NULL */
    int preserve_fds;           /* fds 3 .. 3+N-1 pass into the container */
    bool no_pivot;
    bool no_new_keyring;
    bool foreground; /* `run` without --detach: we wait, and proxy a terminal */
};

/* create: the init process is left waiting for `start`. With foreground,
 * *pty_master receives the terminal master (or -1) and *pid the init. */
int container_create(const struct container_ctx *g, const struct create_opts *o, pid_t *pid,
                     int *pty_master, weft_error **err);
int container_start(const struct container_ctx *g, const char *id, weft_error **err);
/* run = create + start (+ wait, forward signals, delete unless keep).
 * Returns the container's exit status in *status. */
int container_run(const struct container_ctx *g, const struct create_opts *o, bool detach,
                  bool keep, int *status, weft_error **err);
int container_kill(const struct container_ctx *g, const char *id, int sig, bool all,
                   weft_error **err);
int container_delete(const struct container_ctx *g, const char *id, bool force, weft_error **err);
/* delete of a container whose state.json is unreadable (st->broken, see
 * state.h): only with force; broken.c. */
int container_delete_broken(const struct container_ctx *g, struct container_state *st, bool force,
                            weft_error **err);

/* pause and resume: freeze / thaw a running / paused container (control.c). */
int container_pause(const struct container_ctx *g, const char *id, weft_error **err);
int container_resume(const struct container_ctx *g, const char *id, weft_error **err);
/* update: new cgroup limits for a container that is not stopped. */
int container_update(const struct container_ctx *g, const char *id, const oci_resources *r,
                     weft_error **err);

/* A container as `state` and `list` report it (inspect.c): its recorded
 * state (st->broken set when state.json is unreadable) and live status. */
struct container_info {
    container_state *st;
    enum container_status status;
};
int container_info_open(const struct container_ctx *g, const char *id, struct container_info *out,
                        weft_error **err);
void container_info_free(struct container_info *ci);
/* The runtime-spec state document (new reference). */
json_t *container_info_json(const struct container_info *ci);
/* Every container under the root, sorted by ID; those being created or
 * deleted at this moment are left out. */
int container_list(const struct container_ctx *g, struct container_info **out, size_t *n,
                   weft_error **err);
void container_list_free(struct container_info *list, size_t n);
/* ps: the pids in the container's cgroup (*pids to free). */
int container_pids(const struct container_ctx *g, const char *id, pid_t **pids, size_t *n,
                   weft_error **err);
/* The config `create` saved for the container ID (exec's defaults). */
int container_config(const struct container_ctx *g, const char *id, oci_spec **out,
                     weft_error **err);
/* After `verb` (exec) failed: when the container is gone or stopped, replace
 * err by what the verb says when it starts too late, "does not exist" or
 * "cannot VERB in container ID: it is stopped". Otherwise leave err be. */
void container_explain_gone(const struct container_ctx *g, const char *id, const char *verb,
                            weft_error **err);

struct exec_opts {
    const char *id;
    oci_process *process; /* the process to run (built by the CLI), owned by caller */
    const char *pid_file;
    const char *console_socket;
    int preserve_fds;
    bool detach;
};
int container_exec(const struct container_ctx *g, const struct exec_opts *o, int *status,
                   weft_error **err);

/* Whether this build has the systemd cgroup driver (`weft features`). */
bool container_systemd_supported(void);

/* Signal names ("KILL", "SIGKILL", "kill", "9", "RTMIN+3") to numbers. */
int signal_parse(const char *s, int *sig, weft_error **err);

/* Load the config that `create` saved in the state directory. */
int container_load_config(const char *state_dir, const char *bundle, oci_spec **out,
                          weft_error **err);

/* Foreground commands (run, exec): forward SIGINT, SIGTERM, ... to pid, and
 * wait for it: its exit status, or 128 + the signal that killed it. */
void forward_signals_to(pid_t pid);
int wait_exit_status(pid_t pid);

#endif
