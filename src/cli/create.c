#include "cli/cli.h"

static int run_create(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "create");
}

const struct weft_command cmd_create = {
    .name = "create",
    .summary = "(not yet implemented)",
    .usage = "usage: weft create\n",
    .run = run_create,
};
