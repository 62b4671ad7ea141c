/* `weft features`: the runtime-spec features document on stdout. */
#include "cli/args.h"
#include "container/container.h"
#include "oci/spec.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <stdio.h>

static int run_features(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    int c;
    (void)g;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(&cmd_features);
            return 0;
        }
        return cli_bad_option(&cmd_features, argc, argv, err);
    }
    if (optind < argc)
        return werr_set(err, 0, "features: unexpected argument '%s'", argv[optind]);
    cleanup_free char *doc = oci_features_json(container_systemd_supported());
    if (fputs(doc, stdout) == EOF || fflush(stdout) == EOF)
        return werr_sys(err, "features: write");
    return 0;
}

const struct weft_command cmd_features = {
    .name = "features",
    .summary = "show the enabled features (runtime-spec features document)",
    .usage = "usage: weft features\n\n"
             "Print the OCI runtime-spec features document: the config.json fields, hooks,\n"
             "mount options, namespaces, capabilities and seccomp names weft recognizes.\n\n"
             "Options:\n"
             "  -h, --help   print this help\n",
    .run = run_features,
};
