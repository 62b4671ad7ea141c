#include "cli/cli.h"

static int run_delete(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "delete");
}

const struct weft_command cmd_delete = {
    .name = "delete",
    .summary = "(not yet implemented)",
    .usage = "usage: weft delete\n",
    .run = run_delete,
};
