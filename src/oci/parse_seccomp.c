/* linux.seccomp: names mapped to libseccomp values, errno folded into the action. */
#include "oci/parse_ctx.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

/* Seccomp filters have six syscall arguments. */
#define SECCOMP_MAX_ARGS 6

/* obj[act_key] with obj[ret_key]: SCMP_ACT_ERRNO/TRACE default to EPERM as runc does. */
static int parse_action(oci_pctx *c, json_t *o, const char *act_key, const char *ret_key,
                        uint32_t *out, bool *notify)
{
    cleanup_free char *name = NULL;
    if (oci_get_str(c, o, act_key, true, &name) < 0)
        return -1;
    uint32_t base = 0;
    int takes_ret = oci_seccomp_action_from_name(name, &base);
    if (takes_ret < 0)
        return pctx_fail_at(c, act_key, "unknown seccomp action \"%s\"", name);
    uint64_t ret = EPERM;
    int r = oci_get_u64(c, o, ret_key, false, 0xffff, &ret);
    if (r < 0)
        return -1;
    if (r > 0 && !takes_ret)
        return pctx_fail_at(c, ret_key, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    *out = takes_ret ? base | (uint32_t)(ret & 0xffff) : base;
    if (base == SCMP_ACT_NOTIFY)
        *notify = true;
    return 0;
}

static int parse_arg(oci_pctx *c, json_t *e, oci_seccomp_arg *a)
{
    uint64_t idx = 0;
    cleanup_free char *op = NULL;
    if (oci_get_u64(c, e, "index", true, SECCOMP_MAX_ARGS - 1, &idx) < 0 ||
        oci_get_u64(c, e, "value", true, UINT64_MAX, &a->value) < 0 ||
        oci_get_u64(c, e, "valueTwo", false, UINT64_MAX, &a->value_two) < 0 ||
        oci_get_str(c, e, "op", true, &op) < 0)
        return -1;
    a->index = (unsigned)idx;
    a->op = oci_seccomp_op_from_name(op);
    if (a->op < 0)
        return pctx_fail_at(c, "op", "unknown seccomp operator \"%s\"", op);
    return 0;
}

static int parse_rule(oci_pctx *c, json_t *e, oci_seccomp_rule *rule, bool *notify)
{
    json_t *names = jfield(e, "names");
    if (!json_is_array(names) || json_array_size(names) == 0)
        return pctx_fail_at(c, "names", "must be a non-empty array");
    if (oci_get_strv(c, e, "names", true, &rule->names, &rule->n_names) < 0 ||
        parse_action(c, e, "action", "errnoRet", &rule->action, notify) < 0)
        return -1;
    json_t *args = NULL;
    int r = oci_get_arr(c, e, "args", false, &args);
    if (r <= 0)
        return r;
    size_t n = json_array_size(args);
    rule->args = xcalloc(n + 1, sizeof *rule->args);
    rule->n_args = n;
    pctx_key(c, "args");
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(args, i);
        size_t m = pctx_idx(c, i);
        if (!json_is_object(a))
            return pctx_fail(c, "must be an object");
        if (parse_arg(c, a, &rule->args[i]) < 0)
            return -1;
        pctx_pop(c, m);
    }
    return 0;
}

static int check_names(oci_pctx *c, const char *key, char **list, size_t n,
                       bool (*known)(const char *), const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (!known(list[i])) {
            pctx_key(c, key);
            pctx_idx(c, i);
            return pctx_fail(c, "unknown seccomp %s \"%s\"", what, list[i]);
        }
    }
    return 0;
}

int oci_parse_seccomp(oci_pctx *c, json_t *o, oci_seccomp *s)
{
    bool notify = false;
    if (parse_action(c, o, "defaultAction", "defaultErrnoRet", &s->default_action, &notify) < 0 ||
        oci_get_strv(c, o, "architectures", false, &s->architectures, &s->n_architectures) < 0 ||
        check_names(c, "architectures", s->architectures, s->n_architectures,
                    oci_seccomp_arch_known, "architecture") < 0 ||
        oci_get_strv(c, o, "flags", false, &s->flags, &s->n_flags) < 0 ||
        check_names(c, "flags", s->flags, s->n_flags, oci_seccomp_flag_known, "flag") < 0 ||
        oci_get_str(c, o, "listenerPath", false, &s->listener_path) < 0 ||
        oci_get_str(c, o, "listenerMetadata", false, &s->listener_metadata) < 0)
        return -1;
    json_t *arr = NULL;
    int r = oci_get_arr(c, o, "syscalls", false, &arr);
    if (r < 0)
        return -1;
    size_t n = r > 0 ? json_array_size(arr) : 0;
    if (r > 0) {
        s->syscalls = xcalloc(n + 1, sizeof *s->syscalls);
        s->n_syscalls = n;
        size_t m = pctx_key(c, "syscalls");
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(arr, i);
            size_t mi = pctx_idx(c, i);
            if (!json_is_object(e))
                return pctx_fail(c, "must be an object");
            if (parse_rule(c, e, &s->syscalls[i], &notify) < 0)
                return -1;
            pctx_pop(c, mi);
        }
        pctx_pop(c, m);
    }
    /* The notify fd has to go somewhere: runc refuses the same. */
    if (notify && (s->listener_path == NULL || s->listener_path[0] == '\0'))
        return pctx_fail_at(c, "listenerPath", "required when SCMP_ACT_NOTIFY is used");
    if (s->listener_path != NULL && s->listener_path[0] != '\0' && s->listener_path[0] != '/')
        return pctx_fail_at(c, "listenerPath", "must be an absolute path");
    return 0;
}
