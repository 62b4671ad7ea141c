/* Controllers in the unified hierarchy's cgroup.subtree_control files.
 *
 * A v2 controller is usable in a cgroup only when every ancestor enables it
 * for its children, so weft enables the ones a container's resources need in
 * each level from the mount root down to the leaf's parent, and fails naming
 * the controller and the level when one cannot be enabled (never a silently
 * unapplied limit).
 *
 * On a hybrid host that is a host-wide change: crun refuses every container
 * once the unified root enables a controller ("cgroups in hybrid mode not
 * supported"). There weft keeps a registry (CG_REGISTRY, shared by every
 * --root) of the (level, controller) pairs it enabled, one record directory
 * per pair holding one file per container that needs it, and the container
 * that leaves a record empty disables the controller again. A pair that was
 * enabled before weft came is never recorded, so never disabled. */
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* `ctrl` is in the space-separated list of dir/file. */
static bool listed(const char *dir, const char *file, const char *ctrl)
{
    cleanup_free char *text = NULL;
    if (cg_read(dir, file, &text, NULL) < 0)
        return false;
    for (char *p = text; *p; p++)
        if (*p == ' ')
            *p = ',';
    return cg_list_has(text, ctrl);
}

static char *record_dir(const char *registry, const char *dir, const char *ctrl)
{
    return xasprintf("%s/%s@%016" PRIx64, registry, ctrl, fnv1a(dir));
}

static char *holder_file(const cgroup *cg, const char *rec)
{
    return xasprintf("%s/%016" PRIx64, rec, fnv1a(cg->unified->path));
}

/* The registry's lock, held across the check-enable-record and the
 * release-disable sequences so that two containers never race on a pair. */
static int lock_registry(const char *registry, weft_error **err)
{
    if (mkdir(registry, 0700) < 0 && errno != EEXIST)
        return werr_sys(err, "mkdir %s", registry);
    cleanup_free char *path = xasprintf("%s/.lock", registry);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return werr_sys(err, "open %s", path);
    if (flock(fd, LOCK_EX) < 0) {
        close(fd);
        return werr_sys(err, "lock %s", path);
    }
    return fd;
}

/* Note that cg needs ctrl enabled in dir (the record exists or is new). */
static int hold(cgroup *cg, const char *dir, const char *ctrl, weft_error **err)
{
    cleanup_free char *rec = record_dir(cg->registry, dir, ctrl);
    if (mkdir(rec, 0700) < 0 && errno != EEXIST)
        return werr_sys(err, "mkdir %s", rec);
    cleanup_free char *holder = holder_file(cg, rec);
    cleanup_free char *content = xasprintf("%s\n", cg->unified->path);
    cleanup_close int fd = open(holder, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, content, strlen(content)) < 0)
        return werr_sys(err, "write %s", holder);
    for (size_t i = 0; i < cg->n_enabled; i++)
        if (strcmp(cg->enabled[i].dir, dir) == 0 && strcmp(cg->enabled[i].ctrl, ctrl) == 0)
            return 0;
    cg->enabled = xreallocarray(cg->enabled, cg->n_enabled + 1, sizeof *cg->enabled);
    cg->enabled[cg->n_enabled++] = (cg_enabled){xstrdup(dir), xstrdup(ctrl)};
    return 0;
}

/* Levels from the mount root down to the leaf's parent, outermost first. */
static char **levels_of(const char *mount, const char *leaf, size_t *n)
{
    char **v = xcalloc(1, sizeof *v);
    *n = 0;
    size_t mlen = strlen(mount);
    if (strncmp(leaf, mount, mlen) != 0)
        return v;
    for (const char *p = leaf + mlen;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        if (*p == '\0')
            break; /* the leaf itself: nothing below it to enable for */
        v = xreallocarray(v, *n + 2, sizeof *v);
        v[(*n)++] = xstrndup(leaf, (size_t)(p - leaf) > mlen ? (size_t)(p - leaf) : mlen);
        v[*n] = NULL;
        while (p[1] == '/')
            p++;
    }
    return v;
}

/* The OCI field that needs a controller, for error messages. */
static const char *field_of(const char *ctrl)
{
    static const char *const map[][2] = {
        {"memory", "memory"}, {"cpu", "cpu"},    {"cpuset", "cpu.cpus/mems"},
        {"pids", "pids"},     {"io", "blockIO"}, {"hugetlb", "hugepageLimits"},
        {"rdma", "rdma"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], ctrl) == 0)
            return map[i][1];
    return "unified";
}

static int enable_one(cgroup *cg, const char *dir, const char *ctrl, bool track, weft_error **err)
{
    if (listed(dir, "cgroup.subtree_control", ctrl)) {
        cleanup_free char *rec = track ? record_dir(cg->registry, dir, ctrl) : NULL;
        if (track && access(rec, F_OK) == 0)
            return hold(cg, dir, ctrl, err); /* weft's: keep it while we need it */
        return 0;
    }
    if (!listed(dir, "cgroup.controllers", ctrl))
        return werr_set(err, 0,
                        "linux.resources.%s: the %s controller is not available in %s (not in "
                        "its cgroup.controllers)",
                        field_of(ctrl), ctrl, dir);
    weft_error *e = NULL;
    if (cg_writef(dir, "cgroup.subtree_control", &e, "+%s", ctrl) < 0) {
        int errnum = e->errnum;
        werr_free(e);
        return werr_set(err, errnum,
                        "cannot enable the %s controller in %s/cgroup.subtree_control%s", ctrl, dir,
                        errnum == EBUSY ? " (that cgroup has processes of its own: use an "
                                          "absolute linux.cgroupsPath or the systemd driver)"
                                        : "");
    }
    return track ? hold(cg, dir, ctrl, err) : 0;
}

/* Pure v2: every controller the root offers, where the kernel lets us (as
 * other runtimes do, so that a container can use what it did not ask for at
 * create, e.g. after `update`). Refusals are fine: needed ones are checked. */
static void enable_all(char **levels, size_t n, const char *mount)
{
    cleanup_free char *avail = NULL;
    if (cg_read(mount, "cgroup.controllers", &avail, NULL) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *copy = xstrdup(avail);
        char *save = NULL;
        /* one at a time: a single "+a +b" write fails whole if one is refused */
        for (char *c = strtok_r(copy, " ", &save); c; c = strtok_r(NULL, " ", &save))
            if (!listed(levels[i], "cgroup.subtree_control", c))
                cg_writef(levels[i], "cgroup.subtree_control", NULL, "+%s", c);
    }
}

int cg_v2_enable(cgroup *cg, char *const *ctrls, bool best_effort_all, weft_error **err)
{
    if (cg->unified == NULL || cg->unified_mount == NULL)
        return ctrls[0] == NULL ? 0
                                : werr_set(err, 0,
                                           "the %s controller needs the unified (v2) "
                                           "hierarchy, which is not mounted",
                                           ctrls[0]);
    size_t n = 0;
    cleanup_strv char **levels = levels_of(cg->unified_mount, cg->unified->path, &n);
    if (best_effort_all)
        enable_all(levels, n, cg->unified_mount);
    if (ctrls[0] == NULL)
        return 0;
    bool track = cg->mode == CG_MODE_HYBRID && cg->registry != NULL;
    int lock = track ? lock_registry(cg->registry, err) : -1;
    if (track && lock < 0)
        return -1;
    int r = 0;
    for (size_t c = 0; r == 0 && ctrls[c] != NULL; c++)
        for (size_t i = 0; r == 0 && i < n; i++)
            r = enable_one(cg, levels[i], ctrls[c], track, err);
    if (lock >= 0)
        close(lock);
    return r;
}

/* Holders whose container cgroup is gone (a crashed weft) hold nothing. */
static void drop_stale_holders(const char *rec)
{
    DIR *d = opendir(rec);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        cleanup_free char *path = xasprintf("%s/%s", rec, e->d_name);
        cleanup_free char *leaf = NULL;
        if (cg_read(rec, e->d_name, &leaf, NULL) == 0 && access(leaf, F_OK) < 0 && errno == ENOENT)
            unlink(path);
    }
    closedir(d);
}

static int deeper_first(const void *a, const void *b)
{
    size_t x = strlen(((const cg_enabled *)a)->dir), y = strlen(((const cg_enabled *)b)->dir);
    return (x < y) - (x > y);
}

void cg_v2_release(cgroup *cg)
{
    if (cg->n_enabled == 0 || cg->registry == NULL || cg->unified == NULL)
        return;
    weft_error *e = NULL;
    int lock = lock_registry(cg->registry, &e);
    if (lock < 0) {
        log_warn("cgroup: %s", e->msg);
        werr_free(e);
        return;
    }
    qsort(cg->enabled, cg->n_enabled, sizeof *cg->enabled, deeper_first);
    for (size_t i = 0; i < cg->n_enabled; i++) {
        const cg_enabled *en = &cg->enabled[i];
        cleanup_free char *rec = record_dir(cg->registry, en->dir, en->ctrl);
        cleanup_free char *holder = holder_file(cg, rec);
        unlink(holder);
        drop_stale_holders(rec);
        if (rmdir(rec) < 0)
            continue; /* another container still needs it */
        weft_error *we = NULL;
        if (cg_writef(en->dir, "cgroup.subtree_control", &we, "-%s", en->ctrl) < 0 &&
            we->errnum != ENOENT)
            log_warn("cgroup: could not disable the %s controller again in %s: %s", en->ctrl,
                     en->dir, we->msg);
        werr_free(we);
    }
    close(lock);
}
