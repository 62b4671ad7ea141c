#include "cli/cli.h"

static int run_features(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "features");
}

const struct weft_command cmd_features = {
    .name = "features",
    .summary = "(not yet implemented)",
    .usage = "usage: weft features\n",
    .run = run_features,
};
