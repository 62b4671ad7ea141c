#include "cgroup/cgroup.h"
#include "cli/args.h"
#include "container/state.h"

static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};

/* pause and resume: the freezer of the container's cgroup. */
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
    container_state *st = NULL;
    if (state_open(g->root, id, true, &st, err) < 0)
        return -1;
    int r = -1;
    cgroup *cg = NULL;
    enum container_status s = state_status(st);
    enum container_status want = frozen ? STATUS_RUNNING : STATUS_PAUSED;
    if (s != want)
        werr_set(err, 0, "cannot %s container '%s': it is %s, not %s", cmd->name, id,
                 container_status_name(s), container_status_name(want));
    else if (st->cgroup == NULL)
        werr_set(err, 0, "cannot %s container '%s': it has no cgroup", cmd->name, id);
    else if (cgroup_load(st->cgroup, &cg, err) == 0)
        r = cgroup_freeze(cg, frozen, err);
    cgroup_free(cg);
    state_free(st);
    return r;
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
