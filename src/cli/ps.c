#include "cli/cli.h"

static int run_ps(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "ps");
}

const struct weft_command cmd_ps = {
    .name = "ps",
    .summary = "(not yet implemented)",
    .usage = "usage: weft ps\n",
    .run = run_ps,
};
