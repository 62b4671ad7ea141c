/* Guard the runtime binary against being overwritten from inside a container
 * (CVE-2019-5736): a container process that opens /proc/PID/exe of a weft
 * process it can see (the init of a created container, the engine of a wasm
 * container, an `exec` or a create in a shared pid namespace) must reach a
 * sealed, anonymous copy, never the file on the host. */
#ifndef WEFT_LINUX_SEALED_EXE_H
#define WEFT_LINUX_SEALED_EXE_H

#include "util/error.h"

#include <stdbool.h>

/* Unless already running from a sealed copy, re-execute weft (same argv and
 * environment) from one: the binary opened through a detached read-only
 * overlayfs mount, or else the part of it the kernel loads copied into a
 * sealed memfd. The copy learns the host binary's identity from the
 * environment (see sealed_exe_remember_self). Returns only when already
 * sealed, or on failure. */
int sealed_exe_ensure(char **argv, weft_error **err);

/* The fallback copy on its own (for the unit tests): the loaded part of the
 * ELF file open as `self`, in a new memfd sealed against writes, resizing
 * and further seals. Returns the memfd (close-on-exec). */
int sealed_exe_memfd_copy(int self, weft_error **err);

/* True when `path` is the weft binary on the host (a hard link or a bind
 * mount of it) or the running image (/proc/self/exe). A container must not
 * execute either: the process would then be weft, and with the host file
 * it would hold the host binary as its /proc/self/exe. */
bool sealed_exe_is_self(const char *path);
/* Record the identity of the host binary (passed on by the process that
 * re-executed this one, and removed from the environment) and of the running
 * image. Must be called first thing, while /proc is still the host's. */
void sealed_exe_remember_self(void);

#endif
