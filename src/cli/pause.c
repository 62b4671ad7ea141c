#include "cli/args.h"
#include "container/container.h"

static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};

/* pause and resume: flags, then container_pause / container_resume. */
static int freeze(const struct weft_command *cmd, const struct container_ctx *g, int argc,
                  char **argv, bool frozen, weft_error **err)
{
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(cmd);
            return 0;
        }
        return cli_bad_option(cmd, argc, argv, err);
    }
    const char *id;
    if (cli_take_id(cmd, argc, argv, &id, err) < 0)
        return -1;
    return frozen ? container_pause(g, id, err) : container_resume(g, id, err);
}

static int run_pause(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    return freeze(&cmd_pause, g, argc, argv, true, err);
}

static int run_resume(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    return freeze(&cmd_resume, g, argc, argv, false, err);
}

const struct weft_command cmd_pause = {
    .name = "pause",
    .summary = "freeze every process of a running container",
    .usage = "usage: weft pause ID\n\nFreeze all processes of the running container ID "
             "(cgroup freezer).\n",
    .run = run_pause,
};

const struct weft_command cmd_resume = {
    .name = "resume",
    .summary = "thaw a paused container",
    .usage = "usage: weft resume ID\n\nThaw all processes of the paused container ID.\n",
    .run = run_resume,
};
