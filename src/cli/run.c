#include "cli/args.h"
#include "container/container.h"

#include <string.h>

enum { OPT_KEEP = CREATE_OPT_LAST };

static const struct option run_opts_table[] = {
    CREATE_OPTIONS,
    {"detach", no_argument, NULL, 'd'},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static int run_run(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    struct create_opts o = {.bundle = "."};
    bool detach = false, keep = false;
    int c;
    while ((c = getopt_long(argc, argv, "+b:dh", run_opts_table, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(&cmd_run);
            return 0;
        }
        if (c == 'd') {
            detach = true;
            continue;
        }
        if (c == OPT_KEEP) {
            keep = true;
            continue;
        }
        int r = cli_parse_create_opt(c, &o, err);
        if (r < 0)
            return -1;
        if (r == 0)
            return cli_bad_option(&cmd_run, argc, argv, err);
    }
    if (cli_take_id(&cmd_run, argc, argv, &o.id, err) < 0)
        return -1;
    int status = 0;
    if (container_run(g, &o, detach, keep, &status, err) < 0)
        return -1;
    return status;
}

const struct weft_command cmd_run = {
    .name = "run",
    .summary = "create and start a container; wait for it unless --detach",
    .usage = "usage: weft run [OPTIONS] ID\n\n"
             "Create and start the container ID. In the foreground weft waits for the\n"
             "container, forwards signals to it, exits with its exit status (128+N when\n"
             "killed by signal N) and deletes it.\n\n"
             "Options:\n"
             "  -b, --bundle DIR          bundle directory holding config.json (default .)\n"
             "  -d, --detach              return once the container is running\n"
             "      --keep                do not delete the container after it exits\n"
             "      --pid-file FILE       write the container process's pid to FILE\n"
             "      --console-socket SOCK send the terminal master to the unix socket SOCK\n"
             "      --preserve-fds N      pass N more fds (3 .. 3+N-1) into the container\n"
             "      --no-pivot            use MS_MOVE + chroot instead of pivot_root\n"
             "      --no-new-keyring      keep the caller's session keyring\n"
             "  -h, --help                print this help\n",
    .run = run_run,
};
