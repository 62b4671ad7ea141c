#include "cli/args.h"
#include "container/container.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct option opts[] = {
    {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* Start ps(1) with the given arguments (default -ef); its stdout is returned. */
static FILE *spawn_ps(char **ps_args, int n_args, pid_t *child, weft_error **err)
{
    char **argv = xcalloc((size_t)n_args + 2, sizeof *argv);
    argv[0] = "ps";
    static char def[] = "-ef";
    if (n_args == 0)
        argv[1] = def;
    for (int i = 0; i < n_args; i++)
        argv[i + 1] = ps_args[i];
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        free(argv);
        werr_sys(err, "ps: pipe");
        return NULL;
    }
    *child = fork();
    if (*child == 0) {
        dup2(fds[1], 1);
        execvp("ps", argv);
        _exit(127);
    }
    free(argv);
    close(fds[1]);
    if (*child < 0) {
        close(fds[0]);
        werr_sys(err, "ps: fork");
        return NULL;
    }
    return fdopen(fds[0], "r");
}

/* The index of the PID column in ps's header line, or -1. */
static int pid_column(const char *header)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", header);
    int col = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save), col++)
        if (strcmp(t, "PID") == 0)
            return col;
    return -1;
}

static long field_at(const char *line, int col)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", line);
    char *save = NULL;
    char *t = strtok_r(copy, " \t\n", &save);
    for (int i = 0; t && i < col; i++)
        t = strtok_r(NULL, " \t\n", &save);
    return t ? strtol(t, NULL, 10) : -1;
}

/* Like runc: the header and the ps lines whose PID belongs to the container. */
static int print_ps_table(const pid_t *pids, size_t n, char **ps_args, int n_args, weft_error **err)
{
    pid_t child;
    FILE *f = spawn_ps(ps_args, n_args, &child, err);
    if (f == NULL)
        return -1;
    char line[4096];
    int col = -1, r = 0;
    while (fgets(line, sizeof line, f)) {
        if (col < 0) {
            col = pid_column(line);
            fputs(line, stdout);
            if (col < 0) {
                r = werr_set(err, 0, "ps: no PID column in the output of ps");
                break;
            }
        } else if (has_pid(pids, n, field_at(line, col))) {
            fputs(line, stdout);
        }
    }
    fclose(f);
    int status;
    waitpid(child, &status, 0);
    if (r == 0 && col < 0)
        r = werr_set(err, 0, "ps: ps(1) printed nothing (is procps installed?)");
    return r;
}

static int run_ps(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    bool json = false;
    int c;
    while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(&cmd_ps);
            return 0;
        }
        if (c != 'f')
            return cli_bad_option(&cmd_ps, argc, argv, err);
        if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
            return werr_set(err, 0, "ps: --format: unknown format '%s' (table or json)", optarg);
        json = strcmp(optarg, "json") == 0;
    }
    if (optind >= argc) {
        werr_set(err, 0, "ps: missing container ID (see weft ps --help)");
        return werr_status(err, 2);
    }
    pid_t *pids = NULL;
    size_t n = 0;
    if (container_pids(g, argv[optind], &pids, &n, err) < 0)
        return -1;
    int r = 0;
    if (json) {
        printf("[");
        for (size_t i = 0; i < n; i++)
            printf("%s%d", i ? "," : "", (int)pids[i]);
        printf("]\n");
    } else {
        r = print_ps_table(pids, n, argv + optind + 1, argc - optind - 1, err);
    }
    free(pids);
    return r;
}

const struct weft_command cmd_ps = {
    .name = "ps",
    .summary = "list the processes of a container",
    .usage = "usage: weft ps [--format table|json] ID [PS ARGS...]\n\n"
             "List the processes in the container's cgroup: with json, an array of pids;\n"
             "otherwise the lines of ps(1) (default arguments -ef) for those pids.\n",
    .run = run_ps,
};
