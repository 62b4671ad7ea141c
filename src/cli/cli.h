/* The command line: global options, then one verb, each verb in its own file
 * (cli/create.c, cli/kill.c, ...). Flags and verbs follow runc and crun so
 * containerd's runc shim and conmon drive weft unchanged. */
#ifndef WEFT_CLI_CLI_H
#define WEFT_CLI_CLI_H

#include "container/context.h"
#include "util/error.h"

#include <stdbool.h>

/* The global options: what container/ needs is in ctx (the verbs get only
 * that), the logging options stay here (main.c applies them). */
struct weft_globals {
    struct container_ctx ctx;
    const char *log_path; /* --log */
    bool log_json;        /* --log-format json */
    bool debug;           /* --debug */
};

struct weft_command {
    const char *name;
    const char *summary; /* one line for `weft --help` */
    const char *usage;   /* full text for `weft NAME --help` */
    int (*run)(const struct container_ctx *g, int argc, char **argv, weft_error **err);
};

/* Without --root: g->ctx.root becomes $XDG_RUNTIME_DIR/weft (made, mode 01700)
 * for an ordinary user or the root of a user namespace whose $USER is not
 * root; stays /run/weft for the real root. An ordinary user without a usable
 * XDG_RUNTIME_DIR gets an error naming it. (state_root.c) */
int cli_default_root(struct weft_globals *g, weft_error **err);

/* Print a verb's usage to stdout. */
void cli_print_usage(const struct weft_command *cmd);

/* The verbs; main.c keeps the table. */
extern const struct weft_command cmd_create, cmd_start, cmd_run, cmd_state, cmd_kill, cmd_delete,
    cmd_list, cmd_exec, cmd_ps, cmd_pause, cmd_resume, cmd_update, cmd_spec, cmd_features, cmd_wasm;

#endif
