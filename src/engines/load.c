/* Finding and opening an engine's library: in the directories of
 * weft.conf's engine_library_path, then wherever the dynamic loader looks
 * (LD_LIBRARY_PATH, ld.so.cache, the default directories). Done in the
 * `weft create`/`exec` parent, before the container's process is made:
 * that process inherits the loaded library. */
#include "engines/engine.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct engine_ops *const all[] = {&engine_wasmedge, &engine_wasmtime, &engine_wasmer,
                                               &engine_wamr};
static const struct engine_ops *loaded;

const struct engine_ops *engines_loaded(void)
{
    return loaded;
}

int engines_bind(void *dl, const char *engine, const struct engine_sym *syms, size_t n,
                 weft_error **err)
{
    for (size_t i = 0; i < n; i++) {
        *syms[i].slot = dlsym(dl, syms[i].name);
        if (*syms[i].slot == NULL)
            return werr_set(err, 0, "engine '%s': the library has no %s (an unsupported version?)",
                            engine, syms[i].name);
    }
    return 0;
}

void *engines_optional(void *dl, const char *name)
{
    return dlsym(dl, name);
}

/* The first library that opens; a file that exists but does not load is
 * reported as it is (a missing dependency, a glibc too old). */
static void *open_library(const struct engine_ops *e, const char *library_path, char **looked,
                          char **failure)
{
    char *save = NULL;
    cleanup_free char *dirs = library_path ? xstrdup(library_path) : NULL;
    for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
        for (const char *const *l = e->libs; *l; l++) {
            cleanup_free char *path = xasprintf("%s/%s", d, *l);
            void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
            if (dl != NULL)
                return dl;
            if (*failure == NULL && access(path, F_OK) == 0)
                *failure = xstrdup(dlerror());
        }
    }
    for (const char *const *l = e->libs; *l; l++) {
        void *dl = dlopen(*l, RTLD_NOW | RTLD_LOCAL);
        if (dl != NULL)
            return dl;
        const char *why = dlerror();
        /* "cannot open shared object file" is the not-found case */
        if (*failure == NULL && why != NULL && strstr(why, "cannot open shared object") == NULL)
            *failure = xstrdup(why);
    }
    size_t n = 0;
    for (const char *const *l = e->libs; *l; l++)
        n += strlen(*l) + 2;
    *looked = xzalloc(n + 1);
    for (const char *const *l = e->libs; *l; l++) {
        if (**looked)
            strcat(*looked, ", ");
        strcat(*looked, *l);
    }
    return NULL;
}

int engines_load(const char *engine, const char *library_path, weft_error **err)
{
    const struct engine_ops *e = NULL;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (strcmp(all[i]->name, engine) == 0)
            e = all[i];
    if (e == NULL)
        return werr_set(err, 0, "engine '%s': unknown", engine);
    if (loaded == e)
        return 0;
    cleanup_free char *looked = NULL, *failure = NULL;
    void *dl = open_library(e, library_path, &looked, &failure);
    if (dl == NULL && failure != NULL)
        return werr_set(err, 0, "engine '%s': %s", engine, failure);
    if (dl == NULL)
        return werr_set(err, 0,
                        "engine '%s': its library was not found (looked for %s in %s%s"
                        "the host's library path)",
                        engine, looked, library_path ? library_path : "",
                        library_path ? " and " : "");
    if (e->bind(dl, err) < 0) {
        dlclose(dl);
        return -1;
    }
    loaded = e;
    return 0;
}
