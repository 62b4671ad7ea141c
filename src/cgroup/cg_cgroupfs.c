/* The cgroupfs driver: weft makes the directories in every mounted hierarchy
 * itself, moves processes in through cgroup.procs and writes the limits to the
 * interface files (cg_v1.c, cg_v2.c). */
#include "cgroup/cg_internal.h"
#include "linux/rootless.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* The first level of base/rel that does not exist yet: where destroy may
 * stop removing empty parents. NULL when the leaf exists already. */
static char *first_missing(const char *base, const char *rel)
{
    cleanup_free char *cur = xstrdup(base);
    for (const char *p = rel; *p != '\0';) {
        const char *end = strchrnul(p, '/');
        char *next = xasprintf("%s/%.*s", cur, (int)(end - p), p);
        free(cur);
        cur = next;
        if (access(cur, F_OK) < 0)
            return steal_ptr(cur);
        p = *end ? end + 1 : end;
    }
    return NULL;
}

/* Create `rel` below base (or, planning, only work out what would be
 * created); fills d. */
static int make_dir(const char *controllers, const char *base, const char *rel, bool cpuset,
                    bool plan, cg_dir *d, weft_error **err)
{
    char *top = NULL;
    if (plan)
        top = first_missing(base, rel);
    else if (cg_mkdir_below(base, rel, cpuset, &top, err) < 0)
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
    cg_v2_release(cg);
}

/* Where a relative path hangs in the unified tree. Pure v2: below the parent
 * of weft's own cgroup (as runc), because weft's own cgroup has processes
 * (weft itself, its caller's shell) and a cgroup with processes cannot enable
 * controllers for its children. Hybrid: below the own cgroup, as in v1. */
static char *unified_base(const cg_layout *l, bool abs)
{
    if (abs)
        return join(l->unified_mount, "/", NULL);
    if (l->mode != CG_MODE_V2)
        return join(l->unified_mount, l->unified_own, NULL);
    cleanup_free char *own = xstrdup(l->unified_own);
    char *slash = strrchr(own, '/');
    if (slash != NULL)
        slash[slash == own ? 1 : 0] = '\0';
    return join(l->unified_mount, own, NULL);
}

static int make_unified(cgroup *cg, const cg_layout *l, const char *rel, bool abs, bool plan,
                        weft_error **err)
{
    cleanup_free char *base = unified_base(l, abs);
    cg_dir d = {0};
    if (make_dir("", base, rel, false, plan, &d, err) < 0)
        return -1;
    cg->unified = xmalloc(sizeof d);
    *cg->unified = d;
    cg->unified_mount = xstrdup(l->unified_mount);
    return 0;
}

static int create_dirs(cgroup *cg, const cg_layout *l, const char *rel, bool abs,
                       const oci_resources *res, bool plan, weft_error **err)
{
    if (l->mode == CG_MODE_V1 || l->mode == CG_MODE_HYBRID) {
        cg->v1 = xcalloc(l->n_hier ? l->n_hier : 1, sizeof *cg->v1);
        for (size_t i = 0; i < l->n_hier; i++) {
            const cg_hier *h = &l->hier[i];
            cleanup_free char *base = join(h->mount, abs ? "/" : h->own, NULL);
            bool cpuset = cg_list_has(h->controllers, "cpuset");
            if (make_dir(h->controllers, base, rel, cpuset, plan, &cg->v1[cg->n_v1], err) < 0)
                return werr_prefix(err, "cgroup %s", h->controllers);
            cg->n_v1++;
        }
    }
    if (l->mode == CG_MODE_V2)
        return make_unified(cg, l, rel, abs, plan, err);
    if (l->mode == CG_MODE_HYBRID) {
        /* optional (as runc): the unified tree only mirrors the placement,
         * unless a resource needs a controller only it has */
        cleanup_strv char **needed = cg_v2_needed(res, cg);
        weft_error *e = NULL;
        if (make_unified(cg, l, rel, abs, plan, &e) < 0) {
            if (needed[0] != NULL)
                return cg_err_move(err, e);
            log_debug("cgroup: unified hierarchy skipped: %s", e->msg);
            werr_free(e);
        }
    }
    return 0;
}

/* Enable the v2 controllers `res` needs (and on pure v2 the rest, best
 * effort), then write the limits. */
static int apply(cgroup *cg, const oci_resources *res, weft_error **err)
{
    if (cg->mode == CG_MODE_V2 || cg->mode == CG_MODE_HYBRID) {
        cleanup_strv char **needed = cg_v2_needed(res, cg);
        if (cg_v2_enable(cg, needed, cg->mode == CG_MODE_V2, err) < 0)
            return -1;
    }
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

/* cg_create_in(), or with `plan` the same handle without creating or
 * writing anything. */
static int build_in(const cg_layout *l, const char *cgroups_path, const char *id,
                    const oci_resources *res, bool plan, cgroup **out, weft_error **err)
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
    cg->drv = &cg_driver_cgroupfs;
    cg->mode = l->mode;
    cg->registry = l->registry ? xstrdup(l->registry) : NULL;
    if (create_dirs(cg, l, rel, abs, res, plan, err) < 0 || (!plan && apply(cg, res, err) < 0)) {
        if (!plan)
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

int cg_create_in(const cg_layout *l, const char *cgroups_path, const char *id,
                 const oci_resources *res, cgroup **out, weft_error **err)
{
    return build_in(l, cgroups_path, id, res, false, out, err);
}

static int fs_enter(cgroup *cg, pid_t pid, weft_error **err)
{
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

static int fs_update(cgroup *cg, const oci_resources *res, weft_error **err)
{
    return apply(cg, res, err);
}

/* Give exiting processes ~1 s to leave; a live one makes destroy fail at once
 * instead of retrying rmdir on every hierarchy. */
int cg_wait_no_pids(cgroup *cg, weft_error **err)
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

static int fs_destroy(cgroup *cg, weft_error **err)
{
    if (cg_wait_no_pids(cg, err) < 0)
        return -1;
    /* The leaf is the container's even if it existed (a stale one from a
     * crashed run, as runc removes it too); parents only if we made them. */
    int r = 0;
    for (size_t i = 0; i < cg->n_v1; i++)
        if (cg_rmdir_tree(cg->v1[i].path, cg->v1[i].top, err) < 0)
            r = -1;
    if (cg->unified && cg_rmdir_tree(cg->unified->path, cg->unified->top, err) < 0)
        r = -1;
    if (r == 0)
        cg_v2_release(cg); /* kept on failure: the next delete gives them back */
    return r;
}

/* A limit that needs a cgroup (device rules do not count: every config has
 * them, and a rootless container's devices are bind mounts anyway). */
static bool wants_limits(const oci_resources *r)
{
    return r != NULL &&
           (r->has_memory || r->has_cpu || r->has_pids || r->has_blkio ||
            r->n_hugepage_limits > 0 || r->n_rdma > 0 || r->n_unified > 0 || r->has_network);
}

/* cgroup_create() for this driver: detect the machine's layout, then create.
 * Rootless with nothing delegated to us (as crun): no cgroup, one warning,
 * unless a limit was asked for, which must not be silently dropped. */
static int fs_create(const char *cgroups_path, const char *id, const oci_resources *res,
                     cgroup **out, weft_error **err)
{
    cg_layout *l = NULL;
    if (cg_layout_detect(&l, err) < 0)
        return -1;
    weft_error *e = NULL;
    int r = cg_create_in(l, cgroups_path, id, res, out, &e);
    cg_layout_free(l);
    if (r == 0)
        return 0;
    bool denied = e->errnum == EACCES || e->errnum == EPERM || e->errnum == EROFS;
    if ((geteuid() == 0 && !rootless_in_child_userns()) || !denied)
        return cg_err_move(err, e);
    if (wants_limits(res)) {
        cg_err_move(err, e);
        return werr_prefix(err, "linux.resources: rootless, and no cgroup is delegated to "
                                "this user (use --systemd-cgroup)");
    }
    log_warn("cgroup: rootless, and no cgroup is delegated to this user: the container gets "
             "none (%s)",
             e->msg);
    werr_free(e);
    return cg_driver_disabled.create(cgroups_path, id, res, out, err);
}

/* The directories fs_create would make, made by none: a kill between
 * create's mkdirs must leave nothing `delete` cannot find. (A rootless
 * create that falls back to no cgroup made none of them; removing what does
 * not exist succeeds.) */
static int fs_plan(const char *cgroups_path, const char *id, cgroup **out, weft_error **err)
{
    cg_layout *l = NULL;
    if (cg_layout_detect(&l, err) < 0)
        return -1;
    int r = build_in(l, cgroups_path, id, NULL, true, out, err);
    cg_layout_free(l);
    return r;
}

const cg_driver cg_driver_cgroupfs = {
    .name = "cgroupfs",
    .has_cgroup = true,
    .create = fs_create,
    .plan = fs_plan,
    .enter = fs_enter,
    .update = fs_update,
    .destroy = fs_destroy,
};
