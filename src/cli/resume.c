#include "cli/cli.h"

static int run_resume(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "resume");
}

const struct weft_command cmd_resume = {
    .name = "resume",
    .summary = "(not yet implemented)",
    .usage = "usage: weft resume\n",
    .run = run_resume,
};
