#include "cli/cli.h"

static int run_spec(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "spec");
}

const struct weft_command cmd_spec = {
    .name = "spec",
    .summary = "(not yet implemented)",
    .usage = "usage: weft spec\n",
    .run = run_spec,
};
