/* The `process` object: of config.json, or alone for `weft exec --process FILE`. */
#include "oci/parse_ctx.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* 4294967295 is (uid_t)-1 / (gid_t)-1, which setresuid, setresgid (and
 * chown) read as "leave unchanged": the process would keep the runtime's
 * root. No valid id has that value. */
#define SPECIAL_ID                                                                                 \
    "4294967295 is the id -1, which the kernel reads as \"unchanged\" (the process "               \
    "would stay root): refused"

static int parse_id(oci_pctx *c, json_t *o, const char *key, uint32_t *out)
{
    *out = 0;
    if (oci_get_u32(c, o, key, false, out) < 0)
        return -1;
    if (*out == UINT32_MAX)
        return pctx_fail_at(c, key, SPECIAL_ID);
    return 0;
}

static int parse_user(oci_pctx *c, json_t *o, oci_user *u)
{
    uint32_t v;
    if (parse_id(c, o, "uid", &v) < 0)
        return -1;
    u->uid = v;
    if (parse_id(c, o, "gid", &v) < 0)
        return -1;
    u->gid = v;
    uint64_t mask = 0;
    int r = oci_get_u64(c, o, "umask", false, 07777, &mask);
    if (r < 0)
        return -1;
    u->has_umask = r > 0;
    u->umask = (mode_t)mask;
    if (oci_get_str(c, o, "username", false, &u->username) < 0)
        return -1;
    json_t *arr = NULL;
    if ((r = oci_get_arr(c, o, "additionalGids", false, &arr)) <= 0)
        return r;
    size_t n = json_array_size(arr);
    u->additional_gids = xcalloc(n + 1, sizeof *u->additional_gids);
    u->n_additional_gids = n;
    pctx_key(c, "additionalGids");
    for (size_t i = 0; i < n; i++) {
        uint64_t g;
        size_t m = pctx_idx(c, i);
        if (oci_num_u64(c, json_array_get(arr, i), UINT32_MAX, &g) < 0)
            return -1;
        if (g == UINT32_MAX)
            return pctx_fail(c, SPECIAL_ID);
        u->additional_gids[i] = (gid_t)g;
        pctx_pop(c, m);
    }
    return 0;
}

static int parse_caps(oci_pctx *c, json_t *o, oci_capabilities *caps)
{
    static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
                                       "ambient"};
    char ***lists[] = {&caps->bounding, &caps->effective, &caps->inheritable, &caps->permitted,
                       &caps->ambient};
    size_t *counts[] = {&caps->n_bounding, &caps->n_effective, &caps->n_inheritable,
                        &caps->n_permitted, &caps->n_ambient};
    for (size_t s = 0; s < 5; s++) {
        int r = oci_get_strv(c, o, sets[s], false, lists[s], counts[s]);
        if (r < 0)
            return -1;
        for (size_t i = 0; r > 0 && i < *counts[s]; i++) {
            const char *name = (*lists[s])[i];
            if (!oci_cap_known(name)) {
                pctx_key(c, sets[s]);
                pctx_idx(c, i);
                return pctx_fail(c, "unknown capability \"%s\"", name);
            }
        }
    }
    return 0;
}

static int parse_rlimits(oci_pctx *c, json_t *arr, oci_process *p)
{
    size_t n = json_array_size(arr);
    p->rlimits = xcalloc(n + 1, sizeof *p->rlimits);
    p->n_rlimits = n;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        oci_rlimit *rl = &p->rlimits[i];
        size_t m = pctx_idx(c, i);
        if (!json_is_object(e))
            return pctx_fail(c, "must be an object");
        if (oci_get_str(c, e, "type", true, &rl->type) < 0)
            return -1;
        rl->resource = oci_rlimit_from_name(rl->type);
        if (rl->resource < 0)
            return pctx_fail_at(c, "type", "unknown rlimit \"%s\"", rl->type);
        if (oci_get_u64(c, e, "soft", true, UINT64_MAX, &rl->soft) < 0 ||
            oci_get_u64(c, e, "hard", true, UINT64_MAX, &rl->hard) < 0)
            return -1;
        if (rl->soft > rl->hard)
            return pctx_fail_at(c, "soft", "must not exceed hard (%" PRIu64 ")", rl->hard);
        for (size_t j = 0; j < i; j++)
            if (p->rlimits[j].resource == rl->resource)
                return pctx_fail_at(c, "type", "duplicate rlimit \"%s\"", rl->type);
        pctx_pop(c, m);
    }
    return 0;
}

/* scheduler: validated only (nothing applies it yet). */
static int check_scheduler(oci_pctx *c, json_t *o)
{
    cleanup_free char *policy = NULL;
    if (oci_get_str(c, o, "policy", true, &policy) < 0)
        return -1;
    if (oci_sched_policy_from_name(policy) < 0)
        return pctx_fail_at(c, "policy", "unknown scheduler policy \"%s\"", policy);
    int64_t i;
    uint64_t u;
    if (oci_get_i64(c, o, "nice", false, -20, 19, &i) < 0 ||
        oci_get_i64(c, o, "priority", false, INT32_MIN, INT32_MAX, &i) < 0 ||
        oci_get_u64(c, o, "runtime", false, UINT64_MAX, &u) < 0 ||
        oci_get_u64(c, o, "deadline", false, UINT64_MAX, &u) < 0 ||
        oci_get_u64(c, o, "period", false, UINT64_MAX, &u) < 0)
        return -1;
    cleanup_strv char **flags = NULL;
    size_t nflags = 0;
    if (oci_get_strv(c, o, "flags", false, &flags, &nflags) < 0)
        return -1;
    for (size_t f = 0; f < nflags; f++) {
        if (!oci_sched_flag_known(flags[f])) {
            pctx_key(c, "flags");
            pctx_idx(c, f);
            return pctx_fail(c, "unknown scheduler flag \"%s\"", flags[f]);
        }
    }
    return 0;
}

static int parse_ioprio(oci_pctx *c, json_t *o, oci_process *p)
{
    cleanup_free char *cls = NULL;
    if (oci_get_str(c, o, "class", true, &cls) < 0)
        return -1;
    p->io_priority_class = oci_ioprio_class_from_name(cls);
    if (p->io_priority_class < 0)
        return pctx_fail_at(c, "class", "unknown I/O priority class \"%s\"", cls);
    int64_t prio = 0;
    if (oci_get_i64(c, o, "priority", false, 0, 7, &prio) < 0)
        return -1;
    p->io_priority = (int)prio;
    p->has_io_priority = true;
    return 0;
}

static int check_cpu_affinity(oci_pctx *c, json_t *o)
{
    cleanup_free char *initial = NULL, *final = NULL;
    if (oci_get_str(c, o, "initial", false, &initial) < 0 ||
        oci_get_str(c, o, "final", false, &final) < 0)
        return -1;
    return 0;
}

static int parse_args(oci_pctx *c, json_t *o, oci_process *p)
{
    json_t *args = jfield(o, "args");
    if (!json_is_array(args) || json_array_size(args) == 0)
        return pctx_fail_at(c, "args", "must be a non-empty array");
    return oci_get_strv(c, o, "args", true, &p->args, &p->n_args);
}

/* A sub-object parsed by `fn` with the path extended by `key`. */
static int sub(oci_pctx *c, json_t *o, const char *key, bool *has,
               int (*fn)(oci_pctx *, json_t *, void *), void *arg)
{
    json_t *v = NULL;
    int r = oci_get_obj(c, o, key, false, &v);
    if (r <= 0)
        return r;
    size_t m = pctx_key(c, key);
    if (fn(c, v, arg) < 0)
        return -1;
    pctx_pop(c, m);
    if (has != NULL)
        *has = true;
    return 1;
}

static int sub_user(oci_pctx *c, json_t *o, void *p)
{
    return parse_user(c, o, p);
}
static int sub_caps(oci_pctx *c, json_t *o, void *p)
{
    return parse_caps(c, o, p);
}
static int sub_sched(oci_pctx *c, json_t *o, void *p)
{
    (void)p;
    return check_scheduler(c, o);
}
static int sub_ioprio(oci_pctx *c, json_t *o, void *p)
{
    return parse_ioprio(c, o, p);
}
static int sub_affinity(oci_pctx *c, json_t *o, void *p)
{
    (void)p;
    return check_cpu_affinity(c, o);
}
static int sub_console(oci_pctx *c, json_t *o, void *p)
{
    oci_console_size *cs = p;
    uint32_t h = 0, w = 0;
    if (oci_get_u32(c, o, "height", false, &h) < 0 || oci_get_u32(c, o, "width", false, &w) < 0)
        return -1;
    cs->height = h;
    cs->width = w;
    return 0;
}

int oci_parse_process(oci_pctx *c, json_t *o, oci_process *p)
{
    if (oci_get_bool(c, o, "terminal", false, &p->terminal) < 0 ||
        sub(c, o, "consoleSize", &p->has_console_size, sub_console, &p->console_size) < 0 ||
        sub(c, o, "user", NULL, sub_user, &p->user) < 0 || parse_args(c, o, p) < 0 ||
        oci_get_strv(c, o, "env", false, &p->env, &p->n_env) < 0 ||
        oci_get_str(c, o, "cwd", true, &p->cwd) < 0)
        return -1;
    if (p->cwd[0] != '/')
        return pctx_fail_at(c, "cwd", "must be an absolute path");
    json_t *rl = NULL;
    int r = oci_get_arr(c, o, "rlimits", false, &rl);
    if (r < 0)
        return -1;
    if (r > 0) {
        size_t m = pctx_key(c, "rlimits");
        if (parse_rlimits(c, rl, p) < 0)
            return -1;
        pctx_pop(c, m);
    }
    int64_t adj = 0;
    if ((r = oci_get_i64(c, o, "oomScoreAdj", false, -1000, 1000, &adj)) < 0)
        return -1;
    p->has_oom_score_adj = r > 0;
    p->oom_score_adj = (int)adj;
    if (sub(c, o, "capabilities", &p->has_capabilities, sub_caps, &p->capabilities) < 0 ||
        oci_get_bool(c, o, "noNewPrivileges", false, &p->no_new_privileges) < 0 ||
        oci_get_str(c, o, "apparmorProfile", false, &p->apparmor_profile) < 0 ||
        oci_get_str(c, o, "selinuxLabel", false, &p->selinux_label) < 0 ||
        sub(c, o, "scheduler", NULL, sub_sched, NULL) < 0 ||
        sub(c, o, "ioPriority", NULL, sub_ioprio, p) < 0 ||
        sub(c, o, "execCPUAffinity", NULL, sub_affinity, NULL) < 0)
        return -1;
    return 0;
}
