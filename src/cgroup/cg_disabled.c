/* The "disabled" driver: a handle with no cgroup at all. create/enter/update/destroy do nothing;
 * cg_control.c refuses freeze and kill-all for it (has_cgroup is false). */
#include "cgroup/cg_internal.h"
#include "util/xalloc.h"

static int none_create(const char *cgroups_path, const char *id, const oci_resources *res,
                       cgroup **out, weft_error **err)
{
    (void)cgroups_path, (void)id, (void)res, (void)err;
    cgroup *cg = xzalloc(sizeof *cg);
    cg->drv = &cg_driver_disabled;
    *out = cg;
    return 0;
}

static int none_enter(cgroup *cg, pid_t pid, weft_error **err)
{
    (void)cg, (void)pid, (void)err;
    return 0;
}

static int none_update(cgroup *cg, const oci_resources *res, weft_error **err)
{
    (void)cg, (void)res, (void)err;
    return 0;
}

static int none_destroy(cgroup *cg, weft_error **err)
{
    (void)cg, (void)err;
    return 0;
}

const cg_driver cg_driver_disabled = {
    .name = "disabled",
    .has_cgroup = false,
    .create = none_create,
    .enter = none_enter,
    .update = none_update,
    .destroy = none_destroy,
};
