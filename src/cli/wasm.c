#include "cli/cli.h"

static int run_wasm(struct weft_globals *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    (void)argc;
    (void)argv;
    return werr_set(err, ENOSYS, "wasm");
}

const struct weft_command cmd_wasm = {
    .name = "wasm",
    .summary = "(not yet implemented)",
    .usage = "usage: weft wasm\n",
    .run = run_wasm,
};
