/* Acting on the processes of a container's cgroup: freeze/thaw, list, signal. */
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Where freezing happens: the v1 freezer, else v2 cgroup.freeze (also in hybrid
 * when the freezer is not mounted on v1 but we have a unified directory). */
static const char *v1_freezer(const cgroup *cg)
{
    return cg->mode == CG_MODE_V2 ? NULL : cg_v1_dir(cg, "freezer");
}

static const char *v2_freezer(const cgroup *cg)
{
    if (cg->unified && cg_exists(cg->unified->path, "cgroup.freeze"))
        return cg->unified->path;
    return NULL;
}

static int v2_frozen(const char *dir, bool *frozen, weft_error **err)
{
    cleanup_free char *ev = NULL;
    if (cg_read(dir, "cgroup.events", &ev, err) < 0)
        return -1;
    const char *p = strstr(ev, "frozen ");
    *frozen = p != NULL && p[7] == '1';
    return 0;
}

int cgroup_is_frozen(cgroup *cg, bool *frozen, weft_error **err)
{
    *frozen = false;
    if (!cg->drv->has_cgroup)
        return 0;
    const char *dir = v1_freezer(cg);
    if (dir) {
        cleanup_free char *state = NULL;
        if (cg_read(dir, "freezer.state", &state, err) < 0)
            return -1;
        *frozen = strcmp(state, "FROZEN") == 0;
        return 0;
    }
    dir = v2_freezer(cg);
    if (dir)
        return v2_frozen(dir, frozen, err);
    return werr_set(err, 0, "cgroup: freezer controller not available");
}

/* v1 can sit in FREEZING for a while (tasks in uninterruptible sleep); write
 * FROZEN again now and then as runc does, for up to ~5 s. */
static int v1_freeze(const char *dir, bool freeze, weft_error **err)
{
    const char *want = freeze ? "FROZEN" : "THAWED";
    for (int i = 0; i < 1000; i++) {
        if (i % 50 == 0 && cg_write(dir, "freezer.state", want, err) < 0)
            return -1;
        cleanup_free char *state = NULL;
        if (cg_read(dir, "freezer.state", &state, err) < 0)
            return -1;
        if (strcmp(state, want) == 0)
            return 0;
        sleep_ms(i < 10 ? 1 : 5);
    }
    if (freeze)
        cg_write(dir, "freezer.state", "THAWED", NULL);
    return werr_set(err, 0, "cgroup: %s/freezer.state did not become %s", dir, want);
}

static int v2_freeze(const char *dir, bool freeze, weft_error **err)
{
    if (cg_write(dir, "cgroup.freeze", freeze ? "1" : "0", err) < 0)
        return -1;
    for (int i = 0; i < 1000; i++) {
        bool frozen;
        if (v2_frozen(dir, &frozen, err) < 0)
            return -1;
        if (frozen == freeze)
            return 0;
        sleep_ms(i < 10 ? 1 : 5);
    }
    if (freeze)
        cg_write(dir, "cgroup.freeze", "0", NULL);
    return werr_set(err, 0, "cgroup: %s/cgroup.events did not report frozen %d", dir, freeze);
}

int cgroup_freeze(cgroup *cg, bool freeze, weft_error **err)
{
    if (!cg->drv->has_cgroup)
        return werr_set(err, 0, "cgroup: cannot %s: the cgroup manager is disabled",
                        freeze ? "freeze" : "thaw");
    const char *dir = v1_freezer(cg);
    if (dir)
        return v1_freeze(dir, freeze, err);
    dir = v2_freezer(cg);
    if (dir)
        return v2_freeze(dir, freeze, err);
    return werr_set(err, 0, "cgroup: freezer controller not available");
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* The hierarchy to list: v2's, else a v1 one every process is put in. */
static const char *procs_dir(const cgroup *cg)
{
    if (cg->mode == CG_MODE_V2)
        return cg->unified->path;
    static const char *const pref[] = {"pids", "freezer", "memory", "cpu"};
    for (size_t i = 0; i < sizeof pref / sizeof pref[0]; i++) {
        const char *d = cg_v1_dir(cg, pref[i]);
        if (d)
            return d;
    }
    return cg->n_v1 ? cg->v1[0].path : NULL;
}

int cgroup_pids(cgroup *cg, pid_t **pids, size_t *n, weft_error **err)
{
    *pids = NULL;
    *n = 0;
    if (!cg->drv->has_cgroup)
        return 0;
    const char *dir = procs_dir(cg);
    if (dir == NULL)
        return 0;
    if (cg_collect_pids(dir, pids, n, err) < 0) {
        free(*pids);
        *pids = NULL;
        *n = 0;
        return -1;
    }
    if (*n == 0)
        return 0;
    qsort(*pids, *n, sizeof **pids, cmp_pid);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (k == 0 || (*pids)[k - 1] != (*pids)[i])
            (*pids)[k++] = (*pids)[i];
    *n = k;
    return 0;
}

int cgroup_kill_all(cgroup *cg, int sig, weft_error **err)
{
    if (!cg->drv->has_cgroup)
        return werr_set(err, 0,
                        "cgroup: cannot signal all processes: the cgroup manager is "
                        "disabled");
    if (sig == SIGKILL && cg->mode == CG_MODE_V2 && cg_exists(cg->unified->path, "cgroup.kill"))
        return cg_write(cg->unified->path, "cgroup.kill", "1", err);
    /* Frozen, the set cannot grow (no fork escapes the signal); without a
     * freezer, best effort. */
    weft_error *ferr = NULL;
    bool frozen = cgroup_freeze(cg, true, &ferr) == 0;
    werr_free(ferr);
    cleanup_free pid_t *pids = NULL;
    size_t n = 0;
    int r = cgroup_pids(cg, &pids, &n, err);
    for (size_t i = 0; r == 0 && i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH)
            r = werr_sys(err, "cgroup: kill(%d, %d)", (int)pids[i], sig);
    if (frozen) {
        weft_error *terr = NULL;
        if (cgroup_freeze(cg, false, &terr) < 0 && r == 0) {
            return cg_err_move(err, terr);
        }
        werr_free(terr);
    }
    return r;
}
