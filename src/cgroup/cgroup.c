/* The cgroup handle: where the container's directories are, creating and
 * removing them, moving processes in, and the state.json form of it. */
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
    free(cg);
}

static char *join(const char *a, const char *b, const char *c)
{
    /* a = mount, b = own ("/" or "/x/y"), c = normalized path (no slashes at ends) */
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/')
        la--;
    const char *bb = b;
    while (*bb == '/')
        bb++;
    if (*bb == '\0')
        return c && *c ? xasprintf("%.*s/%s", (int)la, a, c) : xasprintf("%.*s", (int)la, a);
    size_t lb = strlen(bb);
    while (lb > 0 && bb[lb - 1] == '/')
        lb--;
    if (c == NULL || *c == '\0')
        return xasprintf("%.*s/%.*s", (int)la, a, (int)lb, bb);
    return xasprintf("%.*s/%.*s/%s", (int)la, a, (int)lb, bb, c);
}

/* Create `rel` below base; fills d. */
static int make_dir(const char *controllers, const char *base, const char *rel, bool cpuset,
                    cg_dir *d, weft_error **err)
{
    char *top = NULL;
    if (cg_mkdir_below(base, rel, cpuset, &top, err) < 0)
        return -1;
    d->controllers = xstrdup(controllers);
    d->path = join(base, "/", rel);
    d->top = top;
    return 0;
}

static void remove_created(cgroup *cg)
{
    for (size_t i = 0; i < cg->n_v1; i++)
        if (cg->v1[i].top)
            cg_rmdir_tree(cg->v1[i].path, cg->v1[i].top, NULL);
    if (cg->unified && cg->unified->top)
        cg_rmdir_tree(cg->unified->path, cg->unified->top, NULL);
}

static bool wants_v2_in_hybrid(const oci_resources *res)
{
    return res != NULL && (res->n_unified > 0 || res->n_hugepage_limits > 0);
}

static int make_unified(cgroup *cg, const cg_layout *l, const char *rel, bool abs,
                        const oci_resources *res, weft_error **err)
{
    const char *own = abs ? "/" : l->unified_own;
    cleanup_free char *base = join(l->unified_mount, own, NULL);
    cg_dir d = {0};
    if (make_dir("", base, rel, false, &d, err) < 0)
        return -1;
    cg->unified = xmalloc(sizeof d);
    *cg->unified = d;
    if (l->mode == CG_MODE_V2 || wants_v2_in_hybrid(res))
        cg_v2_enable_controllers(base, d.path);
    return 0;
}

static int create_dirs(cgroup *cg, const cg_layout *l, const char *rel, bool abs,
                       const oci_resources *res, weft_error **err)
{
    if (l->mode == CG_MODE_V1 || l->mode == CG_MODE_HYBRID) {
        cg->v1 = xcalloc(l->n_hier ? l->n_hier : 1, sizeof *cg->v1);
        for (size_t i = 0; i < l->n_hier; i++) {
            const cg_hier *h = &l->hier[i];
            cleanup_free char *base = join(h->mount, abs ? "/" : h->own, NULL);
            bool cpuset = cg_list_has(h->controllers, "cpuset");
            if (make_dir(h->controllers, base, rel, cpuset, &cg->v1[cg->n_v1], err) < 0)
                return werr_prefix(err, "cgroup %s", h->controllers);
            cg->n_v1++;
        }
    }
    if (l->mode == CG_MODE_V2)
        return make_unified(cg, l, rel, abs, res, err);
    if (l->mode == CG_MODE_HYBRID) {
        /* optional (as runc): the unified tree only mirrors the placement */
        weft_error *e = NULL;
        if (make_unified(cg, l, rel, abs, res, &e) < 0) {
            if (wants_v2_in_hybrid(res)) {
                return cg_err_move(err, e);
            }
            log_debug("cgroup: unified hierarchy skipped: %s", e->msg);
            werr_free(e);
        }
    }
    return 0;
}

static int apply(cgroup *cg, const oci_resources *res, weft_error **err)
{
    if (cg->mode == CG_MODE_V2)
        return cg_v2_apply(cg->unified->path, res, err);
    return cg_v1_apply(cg, res, err);
}

/* The default parent (<own cgroup>/weft) is weft's own: whichever container
 * leaves last removes it when empty, whoever made it. */
static void own_default_parent(cg_dir *d)
{
    if (d == NULL || d->path == NULL)
        return;
    char *slash = strrchr(d->path, '/');
    if (slash == NULL)
        return;
    free(d->top);
    d->top = xstrndup(d->path, (size_t)(slash - d->path));
}

int cg_create_in(const cg_layout *l, const char *cgroups_path, const char *id,
                 const oci_resources *res, cgroup **out, weft_error **err)
{
    cleanup_free char *rel = NULL;
    bool abs = false;
    if (cgroups_path == NULL || cgroups_path[0] == '\0') {
        if (id == NULL || id[0] == '\0' || strchr(id, '/') || strcmp(id, "..") == 0 ||
            strcmp(id, ".") == 0)
            return werr_set(err, 0, "cgroup: invalid container id '%s'", id ? id : "");
        rel = xasprintf("weft/%s", id);
    } else {
        if (cg_path_normalize(cgroups_path, &rel, &abs, err) < 0)
            return -1;
        if (rel[0] == '\0')
            return werr_set(err, 0, "linux.cgroupsPath: '%s' names the root cgroup", cgroups_path);
    }
    cgroup *cg = xzalloc(sizeof *cg);
    cg->mode = l->mode;
    if (create_dirs(cg, l, rel, abs, res, err) < 0 || apply(cg, res, err) < 0) {
        remove_created(cg);
        cgroup_free(cg);
        return -1;
    }
    if (cgroups_path == NULL || cgroups_path[0] == '\0') {
        for (size_t i = 0; i < cg->n_v1; i++)
            own_default_parent(&cg->v1[i]);
        own_default_parent(cg->unified);
    }
    *out = cg;
    return 0;
}

int cgroup_create(const char *manager, const char *cgroups_path, const char *id,
                  const oci_resources *res, cgroup **out, weft_error **err)
{
    if (manager != NULL && strcmp(manager, "disabled") == 0) {
        cgroup *cg = xzalloc(sizeof *cg);
        cg->disabled = true;
        *out = cg;
        return 0;
    }
    if (manager != NULL && strcmp(manager, "systemd") == 0) {
        struct stat st;
        if (stat("/run/systemd/system", &st) < 0)
            return werr_set(
                err, 0, "systemd cgroup driver: systemd is not running (no /run/systemd/system)");
        return werr_set(err, 0, "systemd cgroup driver: not implemented yet (use cgroupfs)");
    }
    if (manager != NULL && strcmp(manager, "cgroupfs") != 0)
        return werr_set(err, 0, "unknown cgroup manager '%s' (cgroupfs, systemd, disabled)",
                        manager);
    cg_layout *l = NULL;
    if (cg_layout_detect(&l, err) < 0)
        return -1;
    int r = cg_create_in(l, cgroups_path, id, res, out, err);
    cg_layout_free(l);
    return r;
}

int cgroup_enter(cgroup *cg, pid_t pid, weft_error **err)
{
    if (cg->disabled)
        return 0;
    for (size_t i = 0; i < cg->n_v1; i++)
        if (cg_writef(cg->v1[i].path, "cgroup.procs", err, "%d", (int)pid) < 0)
            return werr_prefix(err, "cgroup: moving pid %d", (int)pid);
    if (cg->unified == NULL)
        return 0;
    weft_error *e = NULL;
    if (cg_writef(cg->unified->path, "cgroup.procs", &e, "%d", (int)pid) < 0) {
        if (cg->mode == CG_MODE_V2) {
            cg_err_move(err, e);
            return werr_prefix(err, "cgroup: moving pid %d", (int)pid);
        }
        log_debug("cgroup: unified placement skipped: %s", e->msg);
        werr_free(e);
    }
    return 0;
}

int cgroup_update(cgroup *cg, const oci_resources *res, weft_error **err)
{
    if (cg->disabled)
        return 0;
    return apply(cg, res, err);
}

/* Give exiting processes ~1 s to leave; a live one makes destroy fail at once
 * instead of retrying rmdir on every hierarchy. */
static int wait_no_pids(cgroup *cg, weft_error **err)
{
    for (int i = 0; i < 100; i++) {
        pid_t *pids = NULL;
        size_t n = 0;
        weft_error *e = NULL;
        if (cgroup_pids(cg, &pids, &n, &e) < 0) {
            werr_free(e); /* unreadable: let rmdir tell */
            return 0;
        }
        pid_t first = n ? pids[0] : 0;
        free(pids);
        if (n == 0)
            return 0;
        if (i == 99)
            return werr_set(err, EBUSY, "cgroup %s: %zu processes still running (pid %d)",
                            cgroup_path(cg), n, (int)first);
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return 0;
}

int cgroup_destroy(cgroup *cg, weft_error **err)
{
    if (cg->disabled)
        return 0;
    if (wait_no_pids(cg, err) < 0)
        return -1;
    /* The leaf is the container's even if it existed (a stale one from a
     * crashed run, as runc removes it too); parents only if we made them. */
    int r = 0;
    for (size_t i = 0; i < cg->n_v1; i++)
        if (cg_rmdir_tree(cg->v1[i].path, cg->v1[i].top, err) < 0)
            r = -1;
    if (cg->unified && cg_rmdir_tree(cg->unified->path, cg->unified->top, err) < 0)
        r = -1;
    return r;
}

const char *cgroup_path(const cgroup *cg)
{
    if (cg->disabled)
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
    json_object_set_new(o, "manager", json_string(cg->disabled ? "disabled" : "cgroupfs"));
    if (!cg->disabled) {
        json_object_set_new(o, "mode", json_string(mode_name(cg->mode)));
        json_t *a = json_array();
        for (size_t i = 0; i < cg->n_v1; i++)
            json_array_append_new(a, dir_json(&cg->v1[i]));
        json_object_set_new(o, "v1", a);
        if (cg->unified)
            json_object_set_new(o, "unified", dir_json(cg->unified));
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

static int load_obj(json_t *o, cgroup *cg, weft_error **err)
{
    const char *manager = NULL, *mode = NULL;
    json_t *v1 = NULL, *uni = NULL;
    if (json_unpack(o, "{s:s, s?s, s?o, s?o}", "manager", &manager, "mode", &mode, "v1", &v1,
                    "unified", &uni) < 0)
        return werr_set(err, 0, "cgroup state: missing 'manager'");
    if (strcmp(manager, "disabled") == 0) {
        cg->disabled = true;
        return 0;
    }
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
    int r = load_obj(o, cg, err);
    json_decref(o);
    if (r < 0) {
        cgroup_free(cg);
        return -1;
    }
    *out = cg;
    return 0;
}
