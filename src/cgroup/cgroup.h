/* Control groups for a container: create, enter, limit, freeze, list, kill, destroy.
 *
 * One opaque handle covers every hierarchy the container lives in: each mounted
 * cgroup v1 hierarchy (pure v1 or hybrid), the unified (v2) hierarchy, or both
 * (hybrid: limits through v1, the process is also placed in the unified tree as
 * runc does). The handle is serialized into the container's state.json and
 * reloaded by later commands. See docs/cgroups.md for the path rules and the
 * OCI field -> cgroup file mapping.
 */
#ifndef WEFT_CGROUP_CGROUP_H
#define WEFT_CGROUP_CGROUP_H

#include "oci/spec.h"
#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct cgroup cgroup;

/* `manager`: "cgroupfs" (NULL means the same), "systemd" (fails: systemd is not
 * running here), or "disabled" (a handle whose operations do nothing).
 * `cgroups_path`: absolute -> under each hierarchy's root; relative -> under the
 * runtime's own cgroup in each hierarchy; NULL or "" -> the relative "weft/<id>".
 * ".." components are rejected. Creates the directories, applies `res` (may be
 * NULL). On failure nothing that was created is left behind. */
int cgroup_create(const char *manager, const char *cgroups_path, const char *id,
                  const oci_resources *res, cgroup **out, weft_error **err);

/* The handle cgroup_create() would return for the same arguments, made
 * without creating anything (each driver's `plan`), so that a caller can
 * record which directories to remove before it makes them. What
 * cgroup_create() refuses fails here with the same message. */
int cgroup_plan(const char *manager, const char *cgroups_path, const char *id, cgroup **out,
                weft_error **err);

/* Move `pid` into the container's cgroup in every hierarchy. */
int cgroup_enter(cgroup *cg, pid_t pid, weft_error **err);

/* A JSON text to keep in state.json; cgroup_load() reopens it. */
char *cgroup_serialize(const cgroup *cg);
int cgroup_load(const char *serialized, cgroup **out, weft_error **err);
void cgroup_free(cgroup *cg);

/* v1 freezer.state / v2 cgroup.freeze; waits until FROZEN / THAWED. */
int cgroup_freeze(cgroup *cg, bool freeze, weft_error **err);
int cgroup_is_frozen(cgroup *cg, bool *frozen, weft_error **err);

/* Every pid in the cgroup and its descendants (sorted, no duplicates). */
int cgroup_pids(cgroup *cg, pid_t **pids, size_t *n, weft_error **err);

/* Signal every process: v2 cgroup.kill for SIGKILL, else freeze -> signal each -> thaw. */
int cgroup_kill_all(cgroup *cg, int sig, weft_error **err);

/* `weft update`: apply the given resources again (only the fields that are set). */
int cgroup_update(cgroup *cg, const oci_resources *res, weft_error **err);

/* Remove the container's cgroup directories (and the empty parents it
 * created): waits ~1 s for the last processes to leave, fails naming one that
 * is still running. Succeeds if they are already gone. */
int cgroup_destroy(cgroup *cg, weft_error **err);

/* This weft has the systemd driver (built with libdbus-1). */
bool cgroup_systemd_supported(void);

/* The container's cgroup directory (the unified one on v2, else the memory or
 * first v1 one), for state/ps output; "" for a disabled handle. */
const char *cgroup_path(const cgroup *cg);

#endif
