/* Host-side steps of choosing an engine, taken in `weft create` and
 * `weft exec` before the container's process is made: after that, the
 * host's files (weft.conf, engine libraries) are out of sight.
 *
 * The weft binary is fully static, and dlopen from a static glibc binary is
 * not dependable, so the external engines (WasmEdge, wasmtime, wasmer,
 * WAMR) live in a dynamically linked companion, weft-engines: the same
 * program plus src/engines/. When a container asks for an external engine,
 * the static weft re-executes itself as the companion with the same
 * arguments; the companion loads the engine's library here, in the parent,
 * and the container's process inherits it. Native and builtin-wasm
 * containers never start the companion nor read the configuration. */
#include "handler/config.h"
#include "handler/handler.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COMPANION "weft-engines"
#define COMPANION_LIBEXEC "/usr/libexec/weft/" COMPANION

/* Defined in the companion only (src/engines/load.c): load `engine`'s
 * library, searching `library_path` first. NULL in the static weft. */
extern int engines_load(const char *engine, const char *library_path, weft_error **err)
    __attribute__((weak));

static const char *const external_engines[] = {"wasmedge", "wasmtime", "wasmer", "wamr"};

/* chosen here, read by handler_select in the container's process */
static char default_engine[16] = "builtin";

bool handler_is_external_engine(const char *name)
{
    for (size_t i = 0; i < sizeof external_engines / sizeof *external_engines; i++)
        if (strcmp(name, external_engines[i]) == 0)
            return true;
    return false;
}

const handler *handler_default_engine(void)
{
    const handler *h = handler_find(default_engine);
    return h != NULL ? h : &handler_builtin;
}

static char *companion_in(const char *dir)
{
    char *p = xasprintf("%s/%s", dir, COMPANION);
    if (access(p, X_OK) == 0)
        return p;
    free(p);
    return NULL;
}

/* Where the companion is: weft.conf's `companion`, else beside the weft
 * that was run, else on PATH, else /usr/libexec/weft. */
static char *find_companion(const struct weft_config *c, char *const *argv, char **looked)
{
    if (c->companion != NULL) {
        *looked = xstrdup(c->companion);
        return access(c->companion, X_OK) == 0 ? xstrdup(c->companion) : NULL;
    }
    cleanup_free char *self_dir = NULL;
    if (argv != NULL && argv[0] != NULL && strchr(argv[0], '/') != NULL) {
        self_dir = xstrdup(argv[0]);
        *strrchr(self_dir, '/') = '\0';
        char *p = companion_in(*self_dir ? self_dir : "/");
        if (p != NULL)
            return p;
        /* installed: PREFIX/bin/weft and PREFIX/libexec/weft/weft-engines */
        cleanup_free char *libexec = xasprintf("%s/../libexec/weft", self_dir);
        if ((p = companion_in(libexec)) != NULL)
            return p;
    }
    const char *path = getenv("PATH");
    cleanup_free char *search = xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(search, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = companion_in(d);
        if (p != NULL)
            return p;
    }
    *looked = self_dir ? xasprintf("%s/%s, %s/../libexec/weft/%s, $PATH, %s", self_dir, COMPANION,
                                   self_dir, COMPANION, COMPANION_LIBEXEC)
                       : xasprintf("$PATH, %s", COMPANION_LIBEXEC);
    return access(COMPANION_LIBEXEC, X_OK) == 0 ? xstrdup(COMPANION_LIBEXEC) : NULL;
}

static int become_companion(const char *engine, const struct weft_config *c, char *const *argv,
                            weft_error **err)
{
    cleanup_free char *looked = NULL;
    cleanup_free char *path = find_companion(c, argv, &looked);
    if (path == NULL)
        return werr_set(err, 0,
                        "engine '%s' runs in weft's engines companion, %s, which is not "
                        "installed (looked for %s; see docs/engines.md)",
                        engine, COMPANION, looked ? looked : COMPANION);
    if (argv == NULL)
        return werr_set(err, 0, "engine '%s': cannot re-execute as %s", engine, path);
    fflush(NULL);
    execv(path, argv);
    return werr_sys(err, "engine '%s': execute %s", engine, path);
}

bool handler_may_run_wasm(const oci_spec *spec, bool smart_default, enum handler_for who)
{
    if (handler_is_pod_sandbox(spec))
        return false;
    return who == HANDLER_FOR_EXEC || smart_default ||
           oci_spec_annotation(spec, "run.oci.handler") != NULL ||
           oci_spec_annotation(spec, "module.wasm.image/variant") != NULL;
}

/* The engine a container's annotations name, or NULL for the default. */
static const char *requested_engine(const oci_spec *spec)
{
    const char *h = oci_spec_annotation(spec, "run.oci.handler");
    if (h != NULL && (strcmp(h, "builtin") == 0 || handler_is_external_engine(h)))
        return h;
    return NULL;
}

static int check_engine_name(const char *name, weft_error **err)
{
    if (strcmp(name, "builtin") == 0 || handler_is_external_engine(name))
        return 0;
    const char *path = getenv("WEFT_CONFIG");
    return werr_set(err, 0,
                    "%s: default_engine: unknown engine '%s' (builtin, wasmedge, wasmtime, "
                    "wasmer or wamr)",
                    path && *path ? path : WEFT_CONFIG_PATH, name);
}

int handler_host_prepare(const oci_spec *spec, bool smart_default, enum handler_for who,
                         char *const *argv, weft_error **err)
{
    if (!handler_may_run_wasm(spec, smart_default, who))
        return 0;
    const char *engine = requested_engine(spec);
    struct weft_config c;
    if (weft_config_load(&c, err) < 0)
        return -1;
    int r = 0;
    if (c.default_engine != NULL) {
        if ((r = check_engine_name(c.default_engine, err)) < 0)
            goto out;
        snprintf(default_engine, sizeof default_engine, "%s", c.default_engine);
    }
    if (engine == NULL)
        engine = default_engine;
    if (!handler_is_external_engine(engine)) {
        if (who == HANDLER_FOR_INIT)
            handler_aot_host_prepare(spec, c.aot_fill);
        goto out;
    }
    if (engines_load != NULL)
        r = engines_load(engine, c.library_path, err);
    else
        r = become_companion(engine, &c, argv, err);
out:
    weft_config_free(&c);
    return r;
}
