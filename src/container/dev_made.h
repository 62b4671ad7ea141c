/* The entries the init makes in the rootfs's own /dev (no /dev mount in the
 * config), recorded by `create` so that `delete` removes them: dev_made.c. */
#ifndef WEFT_CONTAINER_DEV_MADE_H
#define WEFT_CONTAINER_DEV_MADE_H

#include "oci/spec.h"

#include <stddef.h>

/* Names of the /dev entries the init may make that do not exist yet (none
 * when the config mounts something on /dev). Free each and the array. */
void dev_made_plan(const oci_spec *spec, char ***names, size_t *n);
/* Remove those of names that are still what the init makes (a device node,
 * a symlink, an empty file), never following a symlink out of rootfs. */
void dev_made_remove(const char *rootfs, char *const *names, size_t n);

#endif
