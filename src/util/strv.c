#include "util/strv.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void strv_append(char ***v, size_t *n, const char *s)
{
    *v = xreallocarray(*v, *n + 2, sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
    (*v)[*n] = NULL;
}

void strv_env_set(char ***v, size_t *n, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    for (size_t i = 0; i < *n; i++) {
        if (strncmp((*v)[i], kv, klen) == 0 && (*v)[i][klen] == '=') {
            free((*v)[i]);
            (*v)[i] = xstrdup(kv);
            return;
        }
    }
    strv_append(v, n, kv);
}

void strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}
