/* Which cgroup hierarchies this machine has, where they are mounted, and where
 * the runtime itself sits in each (relative cgroupsPath values hang below that).
 * Built from /proc/self/mountinfo and /proc/self/cgroup so that tests can feed
 * fixtures, and cgroup paths are validated here. */
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cg_list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p != NULL && *p != '\0';) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p = comma ? comma + 1 : NULL;
    }
    return false;
}

cg_layout *cg_layout_new_v1(void)
{
    cg_layout *l = xzalloc(sizeof *l);
    l->mode = CG_MODE_V1;
    return l;
}

cg_layout *cg_layout_new_v2(const char *mount, const char *own)
{
    cg_layout *l = xzalloc(sizeof *l);
    l->mode = CG_MODE_V2;
    l->unified_mount = xstrdup(mount);
    l->unified_own = xstrdup(own);
    return l;
}

void cg_layout_add_v1(cg_layout *l, const char *controllers, const char *mount, const char *own)
{
    l->hier = xreallocarray(l->hier, l->n_hier + 1, sizeof *l->hier);
    l->hier[l->n_hier++] = (cg_hier){xstrdup(controllers), xstrdup(mount), xstrdup(own)};
}

void cg_layout_free(cg_layout *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n_hier; i++) {
        free(l->hier[i].controllers);
        free(l->hier[i].mount);
        free(l->hier[i].own);
    }
    free(l->hier);
    free(l->unified_mount);
    free(l->unified_own);
    free(l->registry);
    free(l);
}

/* One parsed mountinfo line of a cgroup or cgroup2 mount. */
struct cg_mnt {
    char root[4096], point[4096], fstype[64], opts[4096];
};

static bool parse_mnt(const char *line, struct cg_mnt *m)
{
    const char *sep = strstr(line, " - ");
    if (sep == NULL)
        return false;
    char src[4096];
    if (sscanf(line, "%*s %*s %*s %4095s %4095s", m->root, m->point) != 2)
        return false;
    if (sscanf(sep + 3, "%63s %4095s %4095s", m->fstype, src, m->opts) != 3)
        return false;
    return strcmp(m->fstype, "cgroup") == 0 || strcmp(m->fstype, "cgroup2") == 0;
}

/* Every controller of `controllers` is among the mount's super options. */
static bool opts_cover(const char *opts, const char *controllers)
{
    cleanup_free char *copy = xstrdup(controllers);
    char *save = NULL;
    for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save))
        if (!cg_list_has(opts, c))
            return false;
    return true;
}

/* The own path relative to the mount's root (a mount may show a sub-tree). */
static char *relative_to_root(const char *own, const char *root)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0 || strncmp(own, root, n) != 0)
        return xstrdup(own);
    return xstrdup(own[n] == '\0' ? "/" : own + n);
}

static char **split_lines(const char *text, size_t *n)
{
    char **v = NULL;
    *n = 0;
    for (const char *p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        v = xreallocarray(v, *n + 2, sizeof *v);
        v[(*n)++] = xstrndup(p, len);
        v[*n] = NULL;
        p += len + (nl ? 1 : 0);
    }
    return v;
}

static void find_unified(cg_layout *l, char **mnts, size_t n_mnts, const char *own)
{
    struct cg_mnt m;
    for (size_t i = 0; i < n_mnts; i++) {
        if (!parse_mnt(mnts[i], &m) || strcmp(m.fstype, "cgroup2") != 0)
            continue;
        l->unified_mount = xstrdup(m.point);
        l->unified_own = relative_to_root(own, m.root);
        return;
    }
}

static void find_v1(cg_layout *l, char **mnts, size_t n_mnts, const char *ctrls, const char *own)
{
    struct cg_mnt m;
    for (size_t i = 0; i < n_mnts; i++) {
        if (!parse_mnt(mnts[i], &m) || strcmp(m.fstype, "cgroup") != 0 ||
            !opts_cover(m.opts, ctrls))
            continue;
        cleanup_free char *rel = relative_to_root(own, m.root);
        cg_layout_add_v1(l, ctrls, m.point, rel);
        return;
    }
}

int cg_layout_parse(const char *mountinfo, const char *proc_cgroup, cg_layout **out,
                    weft_error **err)
{
    size_t n_mnts, n_cg;
    cleanup_strv char **mnts = split_lines(mountinfo, &n_mnts);
    cleanup_strv char **cgs = split_lines(proc_cgroup, &n_cg);
    cg_layout *l = xzalloc(sizeof *l);
    bool real_v1 = false;
    for (size_t i = 0; i < n_cg; i++) {
        /* "ID:CONTROLLERS:PATH"; the path may itself contain ':' */
        char *c1 = strchr(cgs[i], ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c1 = *c2 = '\0';
        const char *ctrls = c1 + 1, *own = c2 + 1;
        if (strcmp(cgs[i], "0") == 0 && ctrls[0] == '\0') {
            find_unified(l, mnts, n_mnts, own);
        } else if (ctrls[0] != '\0') {
            size_t before = l->n_hier;
            find_v1(l, mnts, n_mnts, ctrls, own);
            if (l->n_hier > before && strncmp(ctrls, "name=", 5) != 0)
                real_v1 = true;
        }
    }
    if (real_v1)
        l->mode = l->unified_mount ? CG_MODE_HYBRID : CG_MODE_V1;
    else if (l->unified_mount)
        l->mode = CG_MODE_V2;
    if (l->mode == CG_MODE_NONE) {
        cg_layout_free(l);
        return werr_set(err, 0, "no cgroup hierarchy is mounted (see /proc/self/mountinfo)");
    }
    /* Pure v2 with a leftover name=systemd v1 tree: that tree is systemd's, not ours. */
    if (l->mode == CG_MODE_V2) {
        for (size_t i = 0; i < l->n_hier; i++) {
            free(l->hier[i].controllers);
            free(l->hier[i].mount);
            free(l->hier[i].own);
        }
        l->n_hier = 0;
    }
    *out = l;
    return 0;
}

static char *slurp(const char *path, weft_error **err)
{
    cleanup_fclose FILE *f = fopen(path, "re");
    if (f == NULL) {
        werr_sys(err, "open %s", path);
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (len + 2 > cap)
            buf = xrealloc(buf, cap = cap ? cap * 2 : 4096);
        buf[len++] = (char)c;
    }
    buf = xrealloc(buf, len + 1);
    buf[len] = '\0';
    return buf;
}

int cg_layout_detect(cg_layout **out, weft_error **err)
{
    cleanup_free char *mi = slurp("/proc/self/mountinfo", err);
    if (mi == NULL)
        return -1;
    cleanup_free char *pc = slurp("/proc/self/cgroup", err);
    if (pc == NULL)
        return -1;
    if (cg_layout_parse(mi, pc, out, err) < 0)
        return -1;
    (*out)->registry = xstrdup(CG_REGISTRY);
    return 0;
}

int cg_path_normalize(const char *in, char **out, bool *abs, weft_error **err)
{
    *abs = in[0] == '/';
    if (path_has_dotdot(in))
        return werr_set(err, 0, "linux.cgroupsPath: '%s': '..' is not allowed", in);
    cleanup_free char *clean = path_clean(in);
    *out = xstrdup(clean + 1); /* relative: the caller puts it under a base */
    return 0;
}
