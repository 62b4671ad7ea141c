/* Small helpers shared by the verbs' option parsing. */
#ifndef WEFT_CLI_ARGS_H
#define WEFT_CLI_ARGS_H

#include "cli/cli.h"

#include <getopt.h>

/* The single container ID operand after the options. */
int cli_take_id(const struct weft_command *cmd, int argc, char **argv, const char **id,
                weft_error **err);
/* getopt_long's '?' or ':' as one clear line. */
/* The argument getopt_long just refused (its '?'), for messages. */
const char *cli_bad_arg(int argc, char **argv);
int cli_bad_option(const struct weft_command *cmd, int argc, char **argv, weft_error **err);
/* Options that create and run share; values returned by getopt_long. */
enum {
    CREATE_OPT_PIDFILE = 256,
    CREATE_OPT_CONSOLE,
    CREATE_OPT_PRESERVE,
    CREATE_OPT_NOPIVOT,
    CREATE_OPT_NOKEYRING,
    CREATE_OPT_LAST
};
#define CREATE_OPTIONS                                                                             \
    {"bundle", required_argument, NULL, 'b'},                                                      \
        {"pid-file", required_argument, NULL, CREATE_OPT_PIDFILE},                                 \
        {"console-socket", required_argument, NULL, CREATE_OPT_CONSOLE},                           \
        {"preserve-fds", required_argument, NULL, CREATE_OPT_PRESERVE},                            \
        {"no-pivot", no_argument, NULL, CREATE_OPT_NOPIVOT},                                       \
    {                                                                                              \
        "no-new-keyring", no_argument, NULL, CREATE_OPT_NOKEYRING                                  \
    }
struct create_opts;
/* 1: consumed, 0: not a create option, -1: bad value. */
int cli_parse_create_opt(int c, struct create_opts *o, weft_error **err);

/* --console-socket names an existing unix socket; checked before anything
 * is created, so a typo fails at once instead of after the container's
 * set-up. */
int cli_check_console_socket(const char *path, weft_error **err);
/* --preserve-fds N: fds 3 .. 3+N-1 are open in this process. */
int cli_check_preserve_fds(long n, weft_error **err);

int cli_parse_int(const char *flag, const char *s, long min, long max, long *out, weft_error **err);

#endif
