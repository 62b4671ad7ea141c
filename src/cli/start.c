#include "cli/cli.h"

static int run_start(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "start");
}

const struct weft_command cmd_start = {
    .name = "start",
    .summary = "(not yet implemented)",
    .usage = "usage: weft start\n",
    .run = run_start,
};
