#include "cli/args.h"
#include "container/container.h"

#include <signal.h>

static const struct option opts[] = {
    {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {0}};

static int run_kill(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    bool all = false;
    int c;
    while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(&cmd_kill);
            return 0;
        }
        if (c == 'a') {
            all = true;
            continue;
        }
        return cli_bad_option(&cmd_kill, argc, argv, err);
    }
    if (optind >= argc) {
        werr_set(err, 0, "kill: missing container ID (see weft kill --help)");
        return werr_status(err, 2);
    }
    const char *id = argv[optind];
    int sig = SIGTERM;
    if (optind + 1 < argc && signal_parse(argv[optind + 1], &sig, err) < 0)
        return werr_status(err, 2);
    if (optind + 2 < argc)
        return werr_set(err, 0, "kill: unexpected argument '%s'", argv[optind + 2]);
    return container_kill(g, id, sig, all, err);
}

const struct weft_command cmd_kill = {
    .name = "kill",
    .summary = "send a signal to a container's process",
    .usage = "usage: weft kill [--all] ID [SIGNAL]\n\n"
             "Send SIGNAL (default SIGTERM) to the container's process. SIGNAL is a\n"
             "name (KILL, SIGKILL, kill, RTMIN+3) or a number.\n\n"
             "Options:\n"
             "  -a, --all   signal every process of the container (its cgroup)\n"
             "  -h, --help  print this help\n",
    .run = run_kill,
};
