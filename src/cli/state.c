#include "cli/cli.h"

static int run_state(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "state");
}

const struct weft_command cmd_state = {
    .name = "state",
    .summary = "(not yet implemented)",
    .usage = "usage: weft state\n",
    .run = run_state,
};
