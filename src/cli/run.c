#include "cli/cli.h"

static int run_run(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "run");
}

const struct weft_command cmd_run = {
    .name = "run",
    .summary = "(not yet implemented)",
    .usage = "usage: weft run\n",
    .run = run_run,
};
