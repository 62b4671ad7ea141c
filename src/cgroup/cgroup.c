/* The cgroup handle: the public API dispatches to the handle's driver
 * (cgroupfs, systemd, disabled: cg_internal.h), and the state.json form of it. */
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void dir_free(cg_dir *d)
{
    free(d->controllers);
    free(d->path);
    free(d->top);
}

void cgroup_free(cgroup *cg)
{
    if (cg == NULL)
        return;
    for (size_t i = 0; i < cg->n_v1; i++)
        dir_free(&cg->v1[i]);
    free(cg->v1);
    if (cg->unified)
        dir_free(cg->unified);
    free(cg->unified);
    free(cg->unified_mount);
    free(cg->registry);
    for (size_t i = 0; i < cg->n_enabled; i++) {
        free(cg->enabled[i].dir);
        free(cg->enabled[i].ctrl);
    }
    free(cg->enabled);
    free(cg->unit);
    free(cg->slice);
    free(cg);
}

/* Every driver weft knows, by the name --cgroup-manager takes. */
static const cg_driver *const drivers[] = {&cg_driver_cgroupfs, &cg_driver_systemd,
                                           &cg_driver_disabled};

const cg_driver *cg_driver_find(const char *name)
{
    if (name == NULL)
        name = "cgroupfs";
    for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
        if (strcmp(drivers[i]->name, name) == 0)
            return drivers[i];
    return NULL;
}

int cgroup_create(const char *manager, const char *cgroups_path, const char *id,
                  const oci_resources *res, cgroup **out, weft_error **err)
{
    const cg_driver *d = cg_driver_find(manager);
    if (d == NULL)
        return werr_set(err, 0, "unknown cgroup manager '%s' (cgroupfs, systemd, disabled)",
                        manager);
    return d->create(cgroups_path, id, res, out, err);
}

int cgroup_plan(const char *manager, const char *cgroups_path, const char *id, cgroup **out,
                weft_error **err)
{
    *out = NULL;
    const cg_driver *d = cg_driver_find(manager);
    if (d == NULL)
        return werr_set(err, 0, "unknown cgroup manager '%s' (cgroupfs, systemd, disabled)",
                        manager);
    if (d->plan != NULL)
        return d->plan(cgroups_path, id, out, err);
    return d->create(cgroups_path, id, NULL, out, err);
}

int cgroup_enter(cgroup *cg, pid_t pid, weft_error **err)
{
    return cg->drv->enter(cg, pid, err);
}

int cgroup_update(cgroup *cg, const oci_resources *res, weft_error **err)
{
    return cg->drv->update(cg, res, err);
}

int cgroup_destroy(cgroup *cg, weft_error **err)
{
    return cg->drv->destroy(cg, err);
}

const char *cgroup_path(const cgroup *cg)
{
    if (!cg->drv->has_cgroup)
        return "";
    if (cg->mode == CG_MODE_V2 && cg->unified)
        return cg->unified->path;
    const char *mem = cg_v1_dir(cg, "memory");
    if (mem)
        return mem;
    return cg->n_v1 ? cg->v1[0].path : "";
}

/* ---- state.json form --------------------------------------------------- */

static const char *mode_name(enum cg_mode m)
{
    return m == CG_MODE_V1 ? "v1" : m == CG_MODE_HYBRID ? "hybrid" : m == CG_MODE_V2 ? "v2" : "";
}

static json_t *dir_json(const cg_dir *d)
{
    return json_pack("{s:s, s:s, s:s*}", "controllers", d->controllers, "path", d->path, "top",
                     d->top);
}

char *cgroup_serialize(const cgroup *cg)
{
    json_t *o = json_object();
    json_object_set_new(o, "manager", json_string(cg->drv->name));
    if (cg->drv->has_cgroup) {
        json_object_set_new(o, "mode", json_string(mode_name(cg->mode)));
        json_t *a = json_array();
        for (size_t i = 0; i < cg->n_v1; i++)
            json_array_append_new(a, dir_json(&cg->v1[i]));
        json_object_set_new(o, "v1", a);
        if (cg->unified)
            json_object_set_new(o, "unified", dir_json(cg->unified));
        if (cg->unified_mount)
            json_object_set_new(o, "unified_mount", json_string(cg->unified_mount));
        if (cg->registry)
            json_object_set_new(o, "registry", json_string(cg->registry));
        json_t *en = json_array();
        for (size_t i = 0; i < cg->n_enabled; i++)
            json_array_append_new(en, json_pack("{s:s, s:s}", "dir", cg->enabled[i].dir, "ctrl",
                                                cg->enabled[i].ctrl));
        json_object_set_new(o, "enabled", en);
        if (cg->unit != NULL)
            json_object_set_new(o, "systemd",
                                json_pack("{s:s, s:s, s:b, s:b}", "unit", cg->unit, "slice",
                                          cg->slice, "user", cg->user_bus, "started", cg->started));
    }
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s == NULL)
        xoom();
    /* jansson allocates with malloc: hand it out as is */
    return s;
}

static int dir_load(json_t *j, cg_dir *d, weft_error **err)
{
    const char *c = NULL, *p = NULL, *t = NULL;
    if (json_unpack(j, "{s:s, s:s, s?s}", "controllers", &c, "path", &p, "top", &t) < 0)
        return werr_set(err, 0, "cgroup state: bad directory entry");
    d->controllers = xstrdup(c);
    d->path = xstrdup(p);
    d->top = t ? xstrdup(t) : NULL;
    return 0;
}

/* The unified mount, the registry and what this container holds in it. */
static int load_extras(json_t *o, cgroup *cg, weft_error **err)
{
    const char *mount = NULL, *registry = NULL;
    json_t *en = NULL, *sd = NULL;
    if (json_unpack(o, "{s?s, s?s, s?o, s?o}", "unified_mount", &mount, "registry", &registry,
                    "enabled", &en, "systemd", &sd) < 0 ||
        (en != NULL && !json_is_array(en)))
        return werr_set(err, 0, "cgroup state: bad 'unified_mount', 'registry' or 'enabled'");
    if (sd != NULL) {
        const char *unit = NULL, *slice = NULL;
        int user = 0, started = 0;
        if (json_unpack(sd, "{s:s, s:s, s:b, s:b}", "unit", &unit, "slice", &slice, "user", &user,
                        "started", &started) < 0)
            return werr_set(err, 0, "cgroup state: bad 'systemd'");
        cg->unit = xstrdup(unit);
        cg->slice = xstrdup(slice);
        cg->user_bus = user;
        cg->started = started;
    }
    if (cg->drv == &cg_driver_systemd && cg->unit == NULL)
        return werr_set(err, 0, "cgroup state: the systemd driver without its unit");
    cg->unified_mount = mount ? xstrdup(mount) : NULL;
    cg->registry = registry ? xstrdup(registry) : NULL;
    size_t n = en ? json_array_size(en) : 0;
    cg->enabled = xcalloc(n ? n : 1, sizeof *cg->enabled);
    for (size_t i = 0; i < n; i++) {
        const char *d = NULL, *c = NULL;
        if (json_unpack(json_array_get(en, i), "{s:s, s:s}", "dir", &d, "ctrl", &c) < 0)
            return werr_set(err, 0, "cgroup state: bad 'enabled' entry");
        cg->enabled[cg->n_enabled++] = (cg_enabled){xstrdup(d), xstrdup(c)};
    }
    return 0;
}

static int load_obj(json_t *o, cgroup *cg, weft_error **err)
{
    const char *manager = NULL, *mode = NULL;
    json_t *v1 = NULL, *uni = NULL;
    if (json_unpack(o, "{s:s, s?s, s?o, s?o}", "manager", &manager, "mode", &mode, "v1", &v1,
                    "unified", &uni) < 0)
        return werr_set(err, 0, "cgroup state: missing 'manager'");
    cg->drv = cg_driver_find(manager);
    if (cg->drv == NULL)
        return werr_set(err, 0, "cgroup state: unknown manager '%s'", manager);
    if (!cg->drv->has_cgroup)
        return 0;
    cg->mode = !mode                         ? CG_MODE_NONE
               : strcmp(mode, "v1") == 0     ? CG_MODE_V1
               : strcmp(mode, "hybrid") == 0 ? CG_MODE_HYBRID
               : strcmp(mode, "v2") == 0     ? CG_MODE_V2
                                             : CG_MODE_NONE;
    if (cg->mode == CG_MODE_NONE)
        return werr_set(err, 0, "cgroup state: bad 'mode'");
    if (v1 != NULL && !json_is_array(v1))
        return werr_set(err, 0, "cgroup state: 'v1' is not an array");
    size_t n = v1 ? json_array_size(v1) : 0;
    cg->v1 = xcalloc(n ? n : 1, sizeof *cg->v1);
    for (size_t i = 0; i < n; i++, cg->n_v1++)
        if (dir_load(json_array_get(v1, i), &cg->v1[i], err) < 0)
            return -1;
    if (uni != NULL) {
        cg->unified = xzalloc(sizeof *cg->unified);
        if (dir_load(uni, cg->unified, err) < 0)
            return -1;
    }
    if (load_extras(o, cg, err) < 0)
        return -1;
    if (cg->mode == CG_MODE_V2 && cg->unified == NULL)
        return werr_set(err, 0, "cgroup state: v2 without a 'unified' directory");
    return 0;
}

int cgroup_load(const char *serialized, cgroup **out, weft_error **err)
{
    json_error_t je;
    json_t *o = json_loads(serialized, 0, &je);
    if (o == NULL)
        return werr_set(err, 0, "cgroup state: %s (offset %d)", je.text, je.position);
    cgroup *cg = xzalloc(sizeof *cg);
    cg->drv = &cg_driver_disabled;
    int r = load_obj(o, cg, err);
    json_decref(o);
    if (r < 0) {
        cgroup_free(cg);
        return -1;
    }
    *out = cg;
    return 0;
}
