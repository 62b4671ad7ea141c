#include "cli/cli.h"

#include <stdio.h>

void cli_print_usage(const struct weft_command *cmd)
{
    printf("%s", cmd->usage);
}
