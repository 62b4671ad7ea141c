/* OCI hooks: each is run with the container state JSON on its stdin, its
 * own args and env, and an optional timeout after which it is killed. */
#ifndef WEFT_CONTAINER_HOOKS_H
#define WEFT_CONTAINER_HOOKS_H

#include "oci/spec.h"
#include "util/error.h"

const char *hook_kind_name(enum oci_hook_kind kind); /* "prestart", "createRuntime", ... */

/* Run the hooks of one kind in order; the first failure stops and is
 * returned ("hook createRuntime[1] /usr/bin/x: exited with status 3"). */
int hooks_run(const oci_spec *spec, enum oci_hook_kind kind, const char *state_json,
              weft_error **err);

/* poststart and poststop: the runtime-spec says a failure is a warning and
 * the remaining hooks still run. */
void hooks_run_warn(const oci_spec *spec, enum oci_hook_kind kind, const char *state_json);

#endif
