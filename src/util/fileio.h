/* Whole-file I/O: reading what users give weft (config.json, wasm modules)
 * with a size limit, and writing one string to a kernel file (/proc, id
 * maps, LSM attributes). */
#ifndef WEFT_UTIL_FILEIO_H
#define WEFT_UTIL_FILEIO_H

#include "util/error.h"

#include <stddef.h>

/* Read fd (opened from path, named in errors) to its end. size_hint is the
 * size fstat saw (0 if unknown); more than max bytes is EFBIG, a file that
 * grows past max while being read included. *out is NUL-terminated (one
 * byte beyond *len) and must be freed. */
int read_all(int fd, const char *path, size_t size_hint, size_t max, char **out, size_t *len,
             weft_error **err);

/* The whole regular file at path, through read_all: "open PATH: ...",
 * "PATH: not a regular file", "PATH: too large (N bytes, limit MAX)". */
int read_file(const char *path, size_t max, char **out, size_t *len, weft_error **err);

/* Open path for writing (O_TRUNC, never O_CREAT: /proc, sysfs and cgroupfs
 * files exist or the feature is missing; a test's fake tree pre-creates
 * them) and write text in one write(2), as the kernel wants such files
 * written.
 * Errors: "open PATH: ...", "write "TEXT" to PATH: ..." (a short write is
 * EIO). */
int write_text(const char *path, const char *text, weft_error **err);

#endif
