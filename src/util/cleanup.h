/* Scope-bound cleanup (GCC/Clang `cleanup` attribute), so an early
 * `return werr_set(...)` never leaks a descriptor, a buffer or a JSON tree. */
#ifndef WEFT_UTIL_CLEANUP_H
#define WEFT_UTIL_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
    free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
    if (*fd >= 0)
        close(*fd);
}
static inline void cleanup_fclosep(FILE **f)
{
    if (*f != NULL)
        fclose(*f);
}
/* free a NULL-terminated array of strings */
static inline void cleanup_strvp(char ***v)
{
    if (*v == NULL)
        return;
    for (char **p = *v; *p != NULL; p++)
        free(*p);
    free(*v);
}

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_strv __attribute__((cleanup(cleanup_strvp)))

/* Hand ownership out of a cleanup variable: `return steal_ptr(buf);` */
#define steal_ptr(p)                                                                               \
    ({                                                                                             \
        __typeof__(p) steal_tmp_ = (p);                                                            \
        (p) = NULL;                                                                                \
        steal_tmp_;                                                                                \
    })
#define steal_fd(fd)                                                                               \
    ({                                                                                             \
        int steal_tmp_ = (fd);                                                                     \
        (fd) = -1;                                                                                 \
        steal_tmp_;                                                                                \
    })

#endif
