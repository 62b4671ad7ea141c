#include "cli/args.h"
#include "container/container.h"

#include <stdio.h>

static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};

static int run_state(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(&cmd_state);
            return 0;
        }
        return cli_bad_option(&cmd_state, argc, argv, err);
    }
    const char *id;
    if (cli_take_id(&cmd_state, argc, argv, &id, err) < 0)
        return -1;
    struct container_info ci;
    if (container_info_open(g, id, &ci, err) < 0)
        return -1;
    json_t *o = container_info_json(&ci);
    char *text = json_dumps(o, JSON_INDENT(2));
    printf("%s\n", text);
    free(text);
    json_decref(o);
    container_info_free(&ci);
    return 0;
}

const struct weft_command cmd_state = {
    .name = "state",
    .summary = "print the state of a container (runtime-spec JSON)",
    .usage = "usage: weft state ID\n\n"
             "Print the runtime-spec state of the container ID: ociVersion, id, status\n"
             "(created, running, paused, stopped; broken when its state.json cannot be\n"
             "read: only `delete --force` removes it), pid, bundle, annotations; and, as\n"
             "runc does, rootfs, created and owner.\n",
    .run = run_state,
};
