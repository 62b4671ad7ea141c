/* Reading a whole file into memory with a size limit, for the inputs weft
 * takes from users (config.json, wasm modules). */
#ifndef WEFT_UTIL_READALL_H
#define WEFT_UTIL_READALL_H

#include "util/error.h"

#include <stddef.h>

/* Read fd (opened from path, named in errors) to its end. size_hint is the
 * size fstat saw (0 if unknown); more than max bytes is EFBIG, a file that
 * grows past max while being read included. *out is NUL-terminated (one
 * byte beyond *len) and must be freed. */
int read_all(int fd, const char *path, size_t size_hint, size_t max, char **out, size_t *len,
             weft_error **err);

#endif
