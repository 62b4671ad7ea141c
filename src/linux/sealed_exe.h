/* Guard the runtime binary against being overwritten from inside a container
 * (CVE-2019-5736): a container process that opens /proc/PID/exe of a weft
 * process which has joined its namespaces must reach a sealed, anonymous
 * copy, never the file on the host. */
#ifndef WEFT_LINUX_SEALED_EXE_H
#define WEFT_LINUX_SEALED_EXE_H

#include "util/error.h"

#include <stdbool.h>

/* If the running binary is not already a sealed memfd, copy it into one,
 * seal it (no write, grow, shrink or further seals) and re-execute it with
 * the same argv and environment. Returns only when already sealed, or on
 * failure. */
int sealed_exe_ensure(char **argv, weft_error **err);

/* True when `path` is the running weft binary itself (same inode as
 * /proc/self/exe when weft started: a hard link, a bind mount or
 * /proc/self/exe all count). A container must not execute it: the process
 * would then hold the host binary as its /proc/self/exe. */
bool sealed_exe_is_self(const char *path);
/* Record the identity of the running binary; called at start-up, while
 * /proc is still the host's. */
void sealed_exe_remember_self(void);

#endif
