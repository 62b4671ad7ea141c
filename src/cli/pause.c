#include "cli/cli.h"

static int run_pause(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "pause");
}

const struct weft_command cmd_pause = {
    .name = "pause",
    .summary = "(not yet implemented)",
    .usage = "usage: weft pause\n",
    .run = run_pause,
};
