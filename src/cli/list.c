#include "cli/cli.h"

static int run_list(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "list");
}

const struct weft_command cmd_list = {
    .name = "list",
    .summary = "(not yet implemented)",
    .usage = "usage: weft list\n",
    .run = run_list,
};
