/* Guard the runtime binary against being overwritten from inside a container
 * (CVE-2019-5736): a container process that opens /proc/PID/exe of a weft
 * process which has joined its namespaces must reach a sealed, anonymous
 * copy, never the file on the host. */
#ifndef WEFT_LINUX_SEALED_EXE_H
#define WEFT_LINUX_SEALED_EXE_H

#include "util/error.h"

/* If the running binary is not already a sealed memfd, copy it into one,
 * seal it (no write, grow, shrink or further seals) and re-execute it with
 * the same argv and environment. Returns only when already sealed, or on
 * failure. */
int sealed_exe_ensure(char **argv, weft_error **err);

#endif
