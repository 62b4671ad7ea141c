#include "cli/cli.h"

static int run_kill(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "kill");
}

const struct weft_command cmd_kill = {
    .name = "kill",
    .summary = "(not yet implemented)",
    .usage = "usage: weft kill\n",
    .run = run_kill,
};
