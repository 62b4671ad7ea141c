#include "cli/args.h"

#include <errno.h>
#include <stdlib.h>

int cli_take_id(const struct weft_command *cmd, int argc, char **argv, const char **id,
                weft_error **err)
{
    if (optind >= argc) {
        werr_set(err, 0, "%s: missing container ID (see weft %s --help)", cmd->name, cmd->name);
        return werr_status(err, 2);
    }
    if (optind + 1 < argc)
        return werr_set(err, 0, "%s: unexpected argument '%s'", cmd->name, argv[optind + 1]);
    *id = argv[optind];
    return 0;
}

int cli_bad_option(const struct weft_command *cmd, int argc, char **argv, weft_error **err)
{
    (void)argc;
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    werr_set(err, 0, "%s: unknown option or missing value: '%s' (see weft %s --help)", cmd->name,
             arg, cmd->name);
    return werr_status(err, 2);
}

int cli_parse_int(const char *flag, const char *s, long min, long max, long *out, weft_error **err)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max)
        return werr_set(err, 0, "%s: invalid number '%s'", flag, s);
    *out = v;
    return 0;
}
