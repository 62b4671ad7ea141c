/* pause, resume and update: changes to a live container's cgroup. */
#include "cgroup/cgroup.h"
#include "container/container.h"
#include "container/state.h"

/* pause and resume: the freezer of the container's cgroup. */
static int freeze(const struct container_ctx *g, const char *id, bool frozen, weft_error **err)
{
    const char *verb = frozen ? "pause" : "resume";
    container_state *st = NULL;
    if (state_open(g->root, id, true, &st, err) < 0)
        return -1;
    int r = -1;
    cgroup *cg = NULL;
    enum container_status s = state_status(st);
    enum container_status want = frozen ? STATUS_RUNNING : STATUS_PAUSED;
    if (s != want)
        werr_set(err, 0, "cannot %s container '%s': it is %s, not %s", verb, id,
                 container_status_name(s), container_status_name(want));
    else if (st->cgroup == NULL)
        werr_set(err, 0, "cannot %s container '%s': it has no cgroup", verb, id);
    else if (cgroup_load(st->cgroup, &cg, err) == 0)
        r = cgroup_freeze(cg, frozen, err);
    cgroup_free(cg);
    state_free(st);
    return r;
}

int container_pause(const struct container_ctx *g, const char *id, weft_error **err)
{
    return freeze(g, id, true, err);
}

int container_resume(const struct container_ctx *g, const char *id, weft_error **err)
{
    return freeze(g, id, false, err);
}

int container_update(const struct container_ctx *g, const char *id, const oci_resources *r,
                     weft_error **err)
{
    container_state *st = NULL;
    if (state_open(g->root, id, true, &st, err) < 0)
        return -1;
    cgroup *cg = NULL;
    int rc = -1;
    enum container_status s = state_status(st);
    if (s == STATUS_STOPPED)
        werr_set(err, 0, "update: container '%s' is stopped", id);
    else if (st->cgroup == NULL)
        werr_set(err, 0, "update: container '%s' has no cgroup", id);
    else if (cgroup_load(st->cgroup, &cg, err) == 0)
        rc = cgroup_update(cg, r, err);
    cgroup_free(cg);
    state_free(st);
    return rc;
}
