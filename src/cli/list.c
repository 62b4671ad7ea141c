#include "cli/args.h"
#include "container/container.h"

#include <stdio.h>
#include <string.h>

static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                     {"quiet", no_argument, NULL, 'q'},
                                     {"help", no_argument, NULL, 'h'},
                                     {0}};

static void print_row(const container_state *st, enum container_status s)
{
    printf("%-24s %-8d %-10s %-40s %-32s %s\n", st->id, s == STATUS_STOPPED ? 0 : (int)st->pid,
           container_status_name(s), st->bundle ? st->bundle : "", st->created ? st->created : "",
           st->owner ? st->owner : "");
}

static int run_list(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    bool quiet = false, json = false;
    int c;
    while ((c = getopt_long(argc, argv, "+f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            cli_print_usage(&cmd_list);
            return 0;
        case 'q':
            quiet = true;
            break;
        case 'f':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
                return werr_set(err, 0, "list: --format: unknown format '%s' (table or json)",
                                optarg);
            json = strcmp(optarg, "json") == 0;
            break;
        default:
            return cli_bad_option(&cmd_list, argc, argv, err);
        }
    }
    struct container_info *list = NULL;
    size_t n = 0;
    if (container_list(g, &list, &n, err) < 0)
        return -1;
    json_t *arr = json_array();
    if (!quiet && !json)
        printf("%-24s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
               "OWNER");
    for (size_t i = 0; i < n; i++) {
        if (quiet)
            printf("%s\n", list[i].st->id);
        else if (json)
            json_array_append_new(arr, container_info_json(&list[i]));
        else
            print_row(list[i].st, list[i].status);
    }
    if (json) {
        char *text = json_dumps(arr, JSON_COMPACT);
        printf("%s\n", text);
        free(text);
    }
    json_decref(arr);
    container_list_free(list, n);
    return 0;
}

const struct weft_command cmd_list = {
    .name = "list",
    .summary = "list the containers under --root",
    .usage = "usage: weft list [--format table|json] [-q]\n\n"
             "List containers: ID, PID, STATUS, BUNDLE, CREATED, OWNER. A container whose\n"
             "state.json cannot be read is listed as broken.\n\n"
             "Options:\n"
             "  -f, --format FORMAT  table (default) or json (an array of state objects)\n"
             "  -q, --quiet          print the IDs only\n"
             "  -h, --help           print this help\n",
    .run = run_list,
};
