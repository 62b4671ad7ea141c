/* state, list, ps and what exec reads before it starts: looking at
 * containers without changing them (no lock is taken but where noted). */
#include "cgroup/cgroup.h"
#include "container/container.h"
#include "container/state.h"
#include "util/xalloc.h"

#include <stdlib.h>

int container_info_open(const struct container_ctx *g, const char *id, struct container_info *out,
                        weft_error **err)
{
    out->st = NULL;
    if (state_open_any(g->root, id, false, &out->st, err) < 0)
        return -1;
    out->status = state_status(out->st);
    return 0;
}

void container_info_free(struct container_info *ci)
{
    state_free(ci->st);
    ci->st = NULL;
}

json_t *container_info_json(const struct container_info *ci)
{
    return state_to_oci_json(ci->st, ci->status);
}

int container_list(const struct container_ctx *g, struct container_info **out, size_t *n,
                   weft_error **err)
{
    char **ids = NULL;
    size_t n_ids = 0;
    *out = NULL;
    *n = 0;
    if (state_list_ids(g->root, &ids, &n_ids, err) < 0)
        return -1;
    if (n_ids > 0)
        *out = xcalloc(n_ids, sizeof **out);
    for (size_t i = 0; i < n_ids; i++) {
        weft_error *e = NULL;
        /* A container being created or deleted right now is skipped; one
         * whose state.json is unreadable is listed as broken. */
        if (container_info_open(g, ids[i], &(*out)[*n], &e) == 0)
            (*n)++;
        werr_free(e);
        free(ids[i]);
    }
    free(ids);
    return 0;
}

void container_list_free(struct container_info *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        container_info_free(&list[i]);
    free(list);
}

int container_pids(const struct container_ctx *g, const char *id, pid_t **pids, size_t *n,
                   weft_error **err)
{
    *pids = NULL;
    *n = 0;
    container_state *st = NULL;
    if (state_open(g->root, id, false, &st, err) < 0)
        return -1;
    cgroup *cg = NULL;
    int r = -1;
    if (st->cgroup == NULL)
        werr_set(err, 0, "ps: container '%s' has no cgroup", st->id);
    else if (cgroup_load(st->cgroup, &cg, err) == 0)
        r = cgroup_pids(cg, pids, n, err);
    cgroup_free(cg);
    state_free(st);
    return r;
}

int container_config(const struct container_ctx *g, const char *id, oci_spec **out,
                     weft_error **err)
{
    container_state *st = NULL;
    if (state_open(g->root, id, false, &st, err) < 0)
        return -1;
    int r = container_load_config(st->dir, st->bundle, out, err);
    state_free(st);
    return r;
}

void container_explain_gone(const struct container_ctx *g, const char *id, const char *verb,
                            weft_error **err)
{
    if (container_id_check(id, NULL) < 0)
        return;
    bool gone = !state_exists(g->root, id);
    if (!gone) {
        /* The lock waits for a delete at work, then state says what is left. */
        container_state *st = NULL;
        weft_error *e = NULL;
        int r = state_open(g->root, id, true, &st, &e);
        werr_free(e);
        gone = !state_exists(g->root, id);
        bool stopped = r == 0 && state_status(st) == STATUS_STOPPED;
        state_free(st);
        if (!gone && !stopped)
            return;
    }
    if (gone)
        werr_set(err, 0, "container '%s' does not exist", id);
    else
        werr_set(err, 0, "cannot %s in container '%s': it is stopped", verb, id);
}
