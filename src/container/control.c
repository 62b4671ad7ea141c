/* pause, resume and update: changes to a live container's cgroup. */
#include "cgroup/cgroup.h"
#include "container/container.h"
#include "container/state.h"

#include <stdlib.h>
#include <string.h>

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

/* The handle may have changed (hybrid: a controller it enabled and must give
 * back at delete): keep it in state.json. */
static int save_cgroup(container_state *st, const cgroup *cg, weft_error **err)
{
    char *text = cgroup_serialize(cg);
    if (strcmp(text, st->cgroup) == 0) {
        free(text);
        return 0;
    }
    free(st->cgroup);
    st->cgroup = text;
    return state_save(st, err);
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
    else if (cgroup_load(st->cgroup, &cg, err) == 0 && cgroup_update(cg, r, err) == 0)
        rc = save_cgroup(st, cg, err);
    cgroup_free(cg);
    state_free(st);
    return rc;
}

bool container_systemd_supported(void)
{
    return cgroup_systemd_supported();
}
