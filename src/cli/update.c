#include "cli/cli.h"

static int run_update(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "update");
}

const struct weft_command cmd_update = {
    .name = "update",
    .summary = "(not yet implemented)",
    .usage = "usage: weft update\n",
    .run = run_update,
};
