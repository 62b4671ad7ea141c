#include "cli/args.h"
#include "container/container.h"

static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};

static int run_start(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(&cmd_start);
            return 0;
        }
        return cli_bad_option(&cmd_start, argc, argv, err);
    }
    const char *id;
    if (cli_take_id(&cmd_start, argc, argv, &id, err) < 0)
        return -1;
    return container_start(g, id, err);
}

const struct weft_command cmd_start = {
    .name = "start",
    .summary = "start the process of a created container",
    .usage = "usage: weft start ID\n\n"
             "Release the waiting process of the created container ID and run the\n"
             "poststart hooks. Fails unless the container is created.\n",
    .run = run_start,
};
