/* NULL-terminated string vectors with a count beside them, as spec.h uses. */
#ifndef WEFT_UTIL_STRV_H
#define WEFT_UTIL_STRV_H

#include <stddef.h>

/* Append a copy of s; *v stays NULL-terminated. */
void strv_append(char ***v, size_t *n, const char *s);
/* Replace the value of an env entry "KEY=..." or append it. */
void strv_env_set(char ***v, size_t *n, const char *kv);
void strv_free(char **v);

#endif
