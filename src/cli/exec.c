#include "cli/cli.h"

static int run_exec(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "exec");
}

const struct weft_command cmd_exec = {
    .name = "exec",
    .summary = "(not yet implemented)",
    .usage = "usage: weft exec\n",
    .run = run_exec,
};
