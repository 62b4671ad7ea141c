/* cgroup_plan(): the handle cgroup_create() would return, computed without
 * creating anything. `create` records it in the container's state before it
 * makes a directory, so a `delete` after a crash at any step still knows
 * every directory it may have to remove. */
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <string.h>
#include <sys/stat.h>

/* "a" + "/" + "b" + "/" + "c" with repeated and trailing slashes dropped. */
static char *path_join(const char *a, const char *b, const char *c)
{
    char *s = xasprintf("%s/%s/%s", a, b, c);
    size_t n = 0;
    for (size_t i = 0; s[i] != '\0'; i++)
        if (!(s[i] == '/' && n > 0 && s[n - 1] == '/'))
            s[n++] = s[i];
    while (n > 1 && s[n - 1] == '/')
        n--;
    s[n] = '\0';
    return s;
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
        struct stat sb;
        if (stat(cur, &sb) < 0)
            return steal_ptr(cur);
        p = *end ? end + 1 : end;
    }
    return NULL;
}

static void plan_dir(cg_dir *d, const char *controllers, const char *mount, const char *own,
                     const char *rel, bool dflt)
{
    cleanup_free char *base = path_join(mount, own, "");
    d->controllers = xstrdup(controllers);
    d->path = path_join(base, rel, "");
    d->top = first_missing(base, rel);
    if (dflt) { /* the shared "weft" parent goes when empty, as in cgroup_create() */
        free(d->top);
        d->top = xstrndup(d->path, (size_t)(strrchr(d->path, '/') - d->path));
    }
}

int cgroup_plan(const char *manager, const char *cgroups_path, const char *id, cgroup **out,
                weft_error **err)
{
    *out = NULL;
    if (manager != NULL && strcmp(manager, "disabled") == 0) {
        *out = xzalloc(sizeof **out);
        (*out)->disabled = true;
        return 0;
    }
    if (manager != NULL && strcmp(manager, "cgroupfs") != 0)
        return 0;
    bool dflt = cgroups_path == NULL || cgroups_path[0] == '\0', abs = false;
    cleanup_free char *rel = NULL;
    if (dflt)
        rel = xasprintf("weft/%s", id);
    else if (cg_path_normalize(cgroups_path, &rel, &abs, NULL) < 0 || rel[0] == '\0')
        return 0; /* cgroup_create() reports it */
    cg_layout *l = NULL;
    if (cg_layout_detect(&l, err) < 0)
        return -1;
    cgroup *cg = xzalloc(sizeof *cg);
    cg->mode = l->mode;
    if (l->mode == CG_MODE_V1 || l->mode == CG_MODE_HYBRID) {
        cg->v1 = xcalloc(l->n_hier ? l->n_hier : 1, sizeof *cg->v1);
        for (size_t i = 0; i < l->n_hier; i++, cg->n_v1++)
            plan_dir(&cg->v1[i], l->hier[i].controllers, l->hier[i].mount,
                     abs ? "/" : l->hier[i].own, rel, dflt);
    }
    if (l->unified_mount != NULL && (l->mode == CG_MODE_V2 || l->mode == CG_MODE_HYBRID)) {
        cg->unified = xzalloc(sizeof *cg->unified);
        plan_dir(cg->unified, "", l->unified_mount, abs ? "/" : l->unified_own, rel, dflt);
    }
    cg_layout_free(l);
    *out = cg;
    return 0;
}
