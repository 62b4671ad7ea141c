#include "cli/args.h"
#include "container/container.h"

static const struct option opts[] = {
    {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};

static int run_delete(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(&cmd_delete);
            return 0;
        }
        if (c == 'f') {
            force = true;
            continue;
        }
        return cli_bad_option(&cmd_delete, argc, argv, err);
    }
    const char *id;
    if (cli_take_id(&cmd_delete, argc, argv, &id, err) < 0)
        return -1;
    return container_delete(g, id, force, err);
}

const struct weft_command cmd_delete = {
    .name = "delete",
    .summary = "delete a stopped container and everything it made",
    .usage = "usage: weft delete [--force] ID\n\n"
             "Delete the container ID: run its poststop hooks, remove its cgroup and its\n"
             "state. A container that is not stopped is refused (nothing changes)\n"
             "unless --force, which kills it first.\n\n"
             "Options:\n"
             "  -f, --force  kill the container (SIGKILL to all its processes) if needed\n"
             "  -h, --help   print this help\n",
    .run = run_delete,
};
