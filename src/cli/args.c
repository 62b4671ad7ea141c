#include "cli/args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>

int cli_take_id(const struct weft_command *cmd, int argc, char **argv, const char **id,
                weft_error **err)
{
    char q[WERR_CLIP_BUF];
    if (optind >= argc) {
        werr_set(err, 0, "%s: missing container ID (see weft %s --help)", cmd->name, cmd->name);
        return werr_status(err, 2);
    }
    if (optind + 1 < argc)
        return werr_set(err, 0, "%s: unexpected argument '%s'", cmd->name,
                        werr_clip(q, argv[optind + 1]));
    *id = argv[optind];
    return 0;
}

/* The argument getopt choked on. For a long option, or a short one ending
 * its cluster, optind has moved past it; inside a cluster ("-abc", where an
 * ID starting with '-' lands) it has not. */
const char *cli_bad_arg(int argc, char **argv)
{
    if (optopt > 0 && optopt < 128 && optind < argc) {
        const char *a = argv[optind];
        if (a[0] == '-' && a[1] != '-' && a[1] != '\0' && strchr(a + 1, optopt) != NULL)
            return a;
    }
    return optind > 0 && optind <= argc ? argv[optind - 1] : "?";
}

int cli_bad_option(const struct weft_command *cmd, int argc, char **argv, weft_error **err)
{
    char q[WERR_CLIP_BUF];
    werr_set(err, 0, "%s: unknown option or missing value: '%s' (see weft %s --help)", cmd->name,
             werr_clip(q, cli_bad_arg(argc, argv)), cmd->name);
    return werr_status(err, 2);
}

int cli_check_console_socket(const char *path, weft_error **err)
{
    char q[WERR_CLIP_BUF];
    struct stat sb;
    if (stat(path, &sb) < 0)
        return werr_sys(err, "--console-socket '%s'", werr_clip(q, path));
    if (!S_ISSOCK(sb.st_mode))
        return werr_set(err, 0, "--console-socket '%s': not a unix socket", werr_clip(q, path));
    return 0;
}

int cli_check_preserve_fds(long n, weft_error **err)
{
    for (long fd = 3; fd < 3 + n; fd++)
        if (fcntl((int)fd, F_GETFD) < 0 && errno == EBADF)
            return werr_set(err, 0,
                            "--preserve-fds %ld: fd %ld is not open (fds 3 to %ld are passed)", n,
                            fd, 2 + n);
    return 0;
}

int cli_parse_int(const char *flag, const char *s, long min, long max, long *out, weft_error **err)
{
    char q[WERR_CLIP_BUF];
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
        return werr_set(err, 0, "%s: invalid number '%s'", flag, werr_clip(q, s));
    *out = v;
    return 0;
}
