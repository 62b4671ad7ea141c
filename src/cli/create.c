#include "cli/args.h"
#include "container/container.h"

#include <string.h>

static const struct option create_opts_table[] = {
    CREATE_OPTIONS,
    {"help", no_argument, NULL, 'h'},
    {0},
};

/* Shared by create and run (run adds --detach/--keep, handled by its caller). */
int cli_parse_create_opt(int c, struct create_opts *o, weft_error **err)
{
    long n;
    switch (c) {
    case 'b':
        o->bundle = optarg;
        return 1;
    case CREATE_OPT_PIDFILE:
        o->pid_file = optarg;
        return 1;
    case CREATE_OPT_CONSOLE:
        if (cli_check_console_socket(optarg, err) < 0)
            return -1;
        o->console_socket = optarg;
        return 1;
    case CREATE_OPT_PRESERVE:
        if (cli_parse_int("--preserve-fds", optarg, 0, 1 << 20, &n, err) < 0 ||
            cli_check_preserve_fds(n, err) < 0)
            return -1;
        o->preserve_fds = (int)n;
        return 1;
    case CREATE_OPT_NOPIVOT:
        o->no_pivot = true;
        return 1;
    case CREATE_OPT_NOKEYRING:
        o->no_new_keyring = true;
        return 1;
    default:
        return 0;
    }
}

static int run_create(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    struct create_opts o = {.bundle = "."};
    int c;
    while ((c = getopt_long(argc, argv, "+b:h", create_opts_table, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(&cmd_create);
            return 0;
        }
        int r = cli_parse_create_opt(c, &o, err);
        if (r < 0)
            return -1;
        if (r == 0)
            return cli_bad_option(&cmd_create, argc, argv, err);
    }
    if (cli_take_id(&cmd_create, argc, argv, &o.id, err) < 0)
        return -1;
    if (container_create(g, &o, NULL, NULL, err) < 0)
        return -1;
    return 0;
}

const struct weft_command cmd_create = {
    .name = "create",
    .summary = "create a container; its process waits for `start`",
    .usage = "usage: weft create [OPTIONS] ID\n\n"
             "Create the container ID from a bundle. The container's process is set up\n"
             "completely and waits until `weft start ID`.\n\n"
             "Options:\n"
             "  -b, --bundle DIR          bundle directory holding config.json (default .)\n"
             "      --pid-file FILE       write the container process's pid to FILE\n"
             "      --console-socket SOCK send the terminal master to the unix socket SOCK\n"
             "                            (required when process.terminal is true)\n"
             "      --preserve-fds N      pass N more fds (3 .. 3+N-1) into the container\n"
             "      --no-pivot            use MS_MOVE + chroot instead of pivot_root\n"
             "      --no-new-keyring      keep the caller's session keyring\n"
             "  -h, --help                print this help\n",
    .run = run_create,
};
