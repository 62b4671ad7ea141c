/* The container lifecycle, one function per operation of the runtime-spec.
 * The CLI verbs parse flags and call these; nothing here parses argv. */
#ifndef WEFT_CONTAINER_CONTAINER_H
#define WEFT_CONTAINER_CONTAINER_H

#include "container/context.h"
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
struct container_state;
int container_delete_broken(const struct container_ctx *g, struct container_state *st, bool force,
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
