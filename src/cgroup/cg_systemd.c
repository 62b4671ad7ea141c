/* The systemd driver: one transient scope unit per container, made by
 * systemd over D-Bus (cg_dbus.c) with Delegate=yes, in the slice that
 * cgroupsPath names ("slice:prefix:name", runc's form). Limits systemd has a
 * property for are given as properties (cg_unit.c), so that systemd keeps them;
 * the rest (hugetlb, rdma, io throttles, unified keys, devices through eBPF)
 * go to the scope's files like the cgroupfs driver writes them.
 *
 * A scope cannot be started empty: create only checks and names it, and the
 * first enter (the init's pid) starts it. Pure cgroup v2 only. */
#include "cgroup/cg_internal.h"
#include "linux/rootless.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An ordinary user, or root in a user namespace someone else made (rootless
 * podman runs its runtime so): either way the user's manager is the one that
 * may delegate a scope, the system's refuses it. */
static bool rootless(void)
{
    return geteuid() != 0 || rootless_in_child_userns();
}

static int sd_open(const cgroup *cg, cg_bus **bus, weft_error **err)
{
    return cg_bus_open(cg->user_bus, bus, err);
}

/* systemd runs, and the host is pure cgroup v2; *l is the layout. */
static int check_host(cg_layout **l, weft_error **err)
{
    struct stat st;
    if (stat("/run/systemd/system", &st) < 0)
        return werr_set(err, 0,
                        "systemd cgroup driver: systemd is not running (no /run/systemd/system)");
    if (cg_layout_detect(l, err) < 0)
        return -1;
    if ((*l)->mode != CG_MODE_V2)
        return werr_set(err, 0,
                        "systemd cgroup driver: needs a pure cgroup v2 host (this one is %s)",
                        (*l)->mode == CG_MODE_HYBRID ? "hybrid" : "cgroup v1");
    return 0;
}

/* The scope's cgroup directory: the manager's own cgroup, the slice's path,
 * the unit. */
static char *scope_dir(const char *mount, const char *manager_cg, const char *slice,
                       const char *unit)
{
    cleanup_free char *sp = cg_slice_path(slice);
    return xasprintf("%s%s%s/%s", mount, manager_cg, sp, unit);
}

static int sd_create(const char *cgroups_path, const char *id, const oci_resources *res,
                     cgroup **out, weft_error **err)
{
    cg_layout *l = NULL;
    int r = check_host(&l, err);
    cgroup *cg = NULL;
    cg_bus *bus = NULL;
    cleanup_free char *mgr = NULL, *state = NULL;
    cg_props check = {0};
    if (r < 0)
        goto out;
    cg = xzalloc(sizeof *cg);
    cg->drv = &cg_driver_systemd;
    cg->mode = CG_MODE_V2;
    cg->user_bus = rootless();
    cg->pending = res;
    r = cg_unit_names(cgroups_path, id, cg->user_bus ? "user.slice" : "system.slice", &cg->slice,
                      &cg->unit, err);
    /* validate what will become properties now, before any process exists */
    if (r == 0)
        r = cg_unit_resource_props(res, &check, err);
    if (r == 0)
        r = sd_open(cg, &bus, err);
    if (r == 0)
        r = cg_bus_manager_cgroup(bus, &mgr, err);
    if (r == 0)
        r = cg_bus_unit_state(bus, cg->unit, &state, err);
    if (r == 0 && state[0] != '\0' && strcmp(state, "inactive") != 0)
        r = werr_set(err, EEXIST, "systemd cgroup driver: unit %s already exists (%s)", cg->unit,
                     state);
    if (r < 0)
        goto out;
    cg->unified = xzalloc(sizeof *cg->unified);
    cg->unified->controllers = xstrdup("");
    cg->unified->path = scope_dir(l->unified_mount, mgr, cg->slice, cg->unit);
    cg->unified_mount = xstrdup(l->unified_mount);
    *out = steal_ptr(cg);
out:
    cg_props_free(&check);
    cg_bus_close(bus);
    cg_layout_free(l);
    cgroup_free(cg);
    return r;
}

/* The scope's own properties, then the resources systemd has a property for. */
static int start_props(const cgroup *cg, pid_t pid, cg_props *p, weft_error **err)
{
    cleanup_free char *desc = xasprintf("weft container %s", cg->unit);
    cg_props_add(p, "Description", 's', 0, desc);
    cg_props_add(p, "Slice", 's', 0, cg->slice);
    cg_props_add(p, "Delegate", 'b', 1, NULL);
    cg_props_add(p, "DefaultDependencies", 'b', 0, NULL);
    cg_props_add(p, "PIDs", 'u', (uint64_t)pid, NULL);
    /* accounting makes systemd enable the controllers down to the scope */
    static const char *const acct[] = {"MemoryAccounting", "CPUAccounting", "TasksAccounting",
                                       "IOAccounting"};
    for (size_t i = 0; i < sizeof acct / sizeof acct[0]; i++)
        cg_props_add(p, acct[i], 'b', 1, NULL);
    return cg_unit_resource_props(cg->pending, p, err);
}

/* The files: controllers systemd does not manage are enabled on the way
 * down, then every resource is written (those with a property too, so that
 * a value systemd rounds or refuses is caught here, not silently different). */
static int apply_files(cgroup *cg, const oci_resources *res, weft_error **err)
{
    cleanup_strv char **needed = cg_v2_needed(res, cg);
    if (cg_v2_enable(cg, needed, false, err) < 0)
        return -1;
    return cg_v2_apply(cg->unified->path, res, err);
}

static int sd_start(cgroup *cg, pid_t pid, weft_error **err)
{
    cg_props p = {0};
    cg_bus *bus = NULL;
    int r = start_props(cg, pid, &p, err);
    if (r == 0)
        r = sd_open(cg, &bus, err);
    if (r == 0)
        r = cg_bus_start(bus, cg->unit, &p, err);
    cg_props_free(&p);
    cg_bus_close(bus);
    if (r < 0)
        return -1;
    cg->started = true;
    if (access(cg->unified->path, F_OK) < 0)
        return werr_sys(err, "systemd cgroup driver: %s started, but %s", cg->unit,
                        cg->unified->path);
    return apply_files(cg, cg->pending, err);
}

static int sd_enter(cgroup *cg, pid_t pid, weft_error **err)
{
    if (!cg->started)
        return sd_start(cg, pid, err);
    if (cg_writef(cg->unified->path, "cgroup.procs", err, "%d", (int)pid) < 0)
        return werr_prefix(err, "cgroup: moving pid %d", (int)pid);
    return 0;
}

static int sd_update(cgroup *cg, const oci_resources *res, weft_error **err)
{
    cg_props p = {0};
    cg_bus *bus = NULL;
    int r = cg_unit_resource_props(res, &p, err);
    if (r == 0 && p.n > 0)
        r = sd_open(cg, &bus, err);
    if (r == 0 && p.n > 0)
        r = cg_bus_set(bus, cg->unit, &p, err);
    cg_props_free(&p);
    cg_bus_close(bus);
    if (r < 0)
        return -1;
    return apply_files(cg, res, err);
}

/* A slice that exists only because containers were put in it (no unit file:
 * systemd made it on demand for Slice=) goes when the last one leaves; the
 * standard slices stay. Stopping a slice stops what is in it, so only an
 * empty one (no sub-cgroup) is stopped. */
static void stop_empty_slice(cgroup *cg, cg_bus *bus)
{
    static const char *const keep[] = {"-.slice", "system.slice", "user.slice", "machine.slice"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (strcmp(cg->slice, keep[i]) == 0)
            return;
    cleanup_free char *dir = xstrdup(cg->unified->path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL)
        return;
    *slash = '\0';
    DIR *d = opendir(dir);
    if (d == NULL)
        return; /* gone already */
    struct dirent *e;
    bool busy = false;
    while (!busy && (e = readdir(d)) != NULL)
        busy = e->d_type == DT_DIR && e->d_name[0] != '.';
    closedir(d);
    cleanup_free char *fragment = NULL;
    weft_error *err = NULL;
    if (!busy && cg_bus_unit_prop(bus, cg->slice, "FragmentPath", &fragment, &err) == 0 &&
        fragment[0] == '\0' && cg_bus_stop(bus, cg->slice, &err) < 0)
        log_warn("%s", err->msg);
    werr_free(err);
}

static int sd_destroy(cgroup *cg, weft_error **err)
{
    if (cg_wait_no_pids(cg, err) < 0)
        return -1;
    cg_bus *bus = NULL;
    if (sd_open(cg, &bus, err) < 0)
        return -1;
    int r = cg_bus_stop(bus, cg->unit, err);
    if (r == 0)
        stop_empty_slice(cg, bus);
    cg_bus_close(bus);
    /* sub-cgroups the container made (Delegate=yes) are systemd's to remove
     * with the scope; anything left is removed here */
    if (r == 0 && cg_rmdir_tree(cg->unified->path, NULL, err) < 0)
        return -1;
    return r;
}

const cg_driver cg_driver_systemd = {
    .name = "systemd",
    .has_cgroup = true,
    .create = sd_create,
    .enter = sd_enter,
    .update = sd_update,
    .destroy = sd_destroy,
};
