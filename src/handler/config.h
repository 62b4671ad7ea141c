/* weft's own configuration file: which wasm engine runs containers that do
 * not name one, and where engine libraries and the engines companion are.
 *
 *   /etc/weft/weft.conf (or the file named by $WEFT_CONFIG)
 *
 *   # comments and blank lines are ignored
 *   default_engine = wasmedge          # builtin (default), wasmedge, wasmtime, wasmer, wamr
 *   engine_library_path = /opt/wasmedge/lib:/opt/wamr/lib   # searched first
 *   companion = /usr/libexec/weft/weft-engines              # see docs/engines.md
 *
 * A missing file is the defaults; an unknown key or a malformed line is an
 * error naming the file and the line. */
#ifndef WEFT_HANDLER_CONFIG_H
#define WEFT_HANDLER_CONFIG_H

#include <stdbool.h>

#include "util/error.h"

#define WEFT_CONFIG_PATH "/etc/weft/weft.conf"

struct weft_config {
    char *default_engine; /* NULL = builtin */
    char *library_path;   /* NULL = only the host's library path */
    char *companion;      /* NULL = found next to weft, then on PATH */
    /* `aot_fill = yes`: `create` compiles a confined container's module into
     * the AOT cache on the host side when it is missing (default no: the
     * cache holds what `weft wasm compile` put there, and no image's module
     * is ever decoded outside its container unless the operator asks). */
    bool aot_fill;
};

int weft_config_load(struct weft_config *c, weft_error **err);
void weft_config_free(struct weft_config *c);

#endif
