/* `weft spec`: write a starter config.json, as `runc spec` does. */
#include "cli/args.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int run_spec(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"rootless", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *bundle = ".";
    bool rootless = false;
    int c;
    (void)g;
    while ((c = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bundle = optarg;
            break;
        case 'r':
            rootless = true;
            break;
        case 'h':
            cli_print_usage(&cmd_spec);
            return 0;
        default:
            return cli_bad_option(&cmd_spec, argc, argv, err);
        }
    }
    if (optind < argc)
        return werr_set(err, 0, "spec: unexpected argument '%s'", argv[optind]);

    cleanup_free char *path = xasprintf("%s/config.json", bundle);
    /* O_EXCL: never overwrite someone's config, as runc and crun refuse too. */
    cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST)
        return werr_set(err, 0, "%s: already exists, remove it first", path);
    if (fd < 0)
        return werr_sys(err, "create %s", path);
    cleanup_free char *doc = oci_spec_default_json(rootless);
    if (write_all(fd, doc, strlen(doc)) < 0) {
        int saved = errno;
        unlink(path);
        return werr_set(err, saved, "write %s", path);
    }
    if (close(steal_fd(fd)) < 0)
        return werr_sys(err, "write %s", path);
    return 0;
}

const struct weft_command cmd_spec = {
    .name = "spec",
    .summary = "create a new specification file (config.json)",
    .usage = "usage: weft spec [OPTIONS]\n\n"
             "Write a starter config.json for a bundle: it runs \"sh\" in a rootfs/ directory\n"
             "beside it. Edit it before use. An existing config.json is never overwritten.\n\n"
             "Options:\n"
             "  -b, --bundle DIR   path to the root of the bundle directory (default .)\n"
             "      --rootless     generate a configuration for a rootless container\n"
             "  -h, --help         print this help\n",
    .run = run_spec,
};
