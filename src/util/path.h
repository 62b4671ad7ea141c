/* Lexical paths: the one path cleaner, shared by the config parser (mount
 * destinations, root.path), the filesystem set-up and cgroupsPath. Nothing
 * here touches the filesystem. */
#ifndef WEFT_UTIL_PATH_H
#define WEFT_UTIL_PATH_H

#include <stdbool.h>

/* Absolute, lexically clean form of `path`: duplicate and trailing slashes and
 * "." removed, ".." applied (never above "/"); a relative path is taken
 * relative to "/". "a//b/../c/" -> "/a/c". Never fails; free the result. */
char *path_clean(const char *path);

/* Whether a component of `path` is "..". */
bool path_has_dotdot(const char *path);

#endif
