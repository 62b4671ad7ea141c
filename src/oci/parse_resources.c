/* linux.resources: the cgroup settings. */
#include "oci/parse_ctx.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { CPU_PERIOD_MIN = 1000, CPU_PERIOD_MAX = 1000000 };

static int opt_i64(oci_pctx *c, json_t *o, const char *key, oci_opt_i64 *out)
{
    int r = oci_get_i64(c, o, key, false, INT64_MIN, INT64_MAX, &out->v);
    out->set = r > 0;
    return r;
}

static int opt_u64(oci_pctx *c, json_t *o, const char *key, uint64_t max, oci_opt_u64 *out)
{
    int r = oci_get_u64(c, o, key, false, max, &out->v);
    out->set = r > 0;
    return r;
}

static int opt_bool(oci_pctx *c, json_t *o, const char *key, bool *has, bool *out)
{
    int r = oci_get_bool(c, o, key, false, out);
    if (has != NULL)
        *has = r > 0;
    return r;
}

static int parse_rule(oci_pctx *c, json_t *e, oci_device_rule *d)
{
    cleanup_free char *type = NULL, *access = NULL;
    if (oci_get_bool(c, e, "allow", true, &d->allow) < 0 ||
        oci_get_str(c, e, "type", false, &type) < 0)
        return -1;
    d->type = 'a';
    if (type != NULL && type[0] != '\0') {
        if (strlen(type) != 1 || strchr("acb", type[0]) == NULL)
            return pctx_fail_at(c, "type", "unknown device type \"%s\" (a, c or b)", type);
        d->type = type[0];
    }
    d->major = d->minor = -1;
    if (oci_get_i64(c, e, "major", false, -1, INT64_MAX, &d->major) < 0 ||
        oci_get_i64(c, e, "minor", false, -1, INT64_MAX, &d->minor) < 0 ||
        oci_get_str(c, e, "access", false, &access) < 0)
        return -1;
    if (access == NULL || access[0] == '\0') {
        strcpy(d->access, "rwm");
        return 0;
    }
    size_t n = 0;
    for (const char *p = access; *p; p++) {
        if (strchr("rwm", *p) == NULL || memchr(d->access, *p, n) != NULL || n >= 3)
            return pctx_fail_at(c, "access", "invalid access \"%s\" (a subset of \"rwm\")", access);
        d->access[n++] = *p;
    }
    d->access[n] = '\0';
    return 0;
}

static int parse_rules(oci_pctx *c, json_t *arr, oci_resources *r)
{
    size_t n = json_array_size(arr);
    r->devices = xcalloc(n + 1, sizeof *r->devices);
    r->n_devices = n;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        size_t m = pctx_idx(c, i);
        if (!json_is_object(e))
            return pctx_fail(c, "must be an object");
        if (parse_rule(c, e, &r->devices[i]) < 0)
            return -1;
        pctx_pop(c, m);
    }
    return 0;
}

static int parse_memory(oci_pctx *c, json_t *o, oci_memory *m)
{
    if (opt_i64(c, o, "limit", &m->limit) < 0 ||
        opt_i64(c, o, "reservation", &m->reservation) < 0 || opt_i64(c, o, "swap", &m->swap) < 0 ||
        opt_i64(c, o, "kernel", &m->kernel) < 0 || opt_i64(c, o, "kernelTCP", &m->kernel_tcp) < 0 ||
        opt_u64(c, o, "swappiness", 100, &m->swappiness) < 0 ||
        opt_bool(c, o, "disableOOMKiller", &m->has_disable_oom_killer, &m->disable_oom_killer) <
            0 ||
        opt_bool(c, o, "useHierarchy", &m->has_use_hierarchy, &m->use_hierarchy) < 0 ||
        opt_bool(c, o, "checkBeforeUpdate", NULL, &m->check_before_update) < 0)
        return -1;
    return 0;
}

static int parse_cpu(oci_pctx *c, json_t *o, oci_cpu *cpu)
{
    if (opt_u64(c, o, "shares", UINT64_MAX, &cpu->shares) < 0 ||
        opt_i64(c, o, "quota", &cpu->quota) < 0 ||
        opt_u64(c, o, "burst", UINT64_MAX, &cpu->burst) < 0 ||
        opt_u64(c, o, "period", UINT64_MAX, &cpu->period) < 0 ||
        opt_i64(c, o, "realtimeRuntime", &cpu->realtime_runtime) < 0 ||
        opt_u64(c, o, "realtimePeriod", UINT64_MAX, &cpu->realtime_period) < 0 ||
        oci_get_str(c, o, "cpus", false, &cpu->cpus) < 0 ||
        oci_get_str(c, o, "mems", false, &cpu->mems) < 0 || opt_i64(c, o, "idle", &cpu->idle) < 0)
        return -1;
    /* The kernel's CFS bandwidth range (cpu.max, cpu.cfs_period_us); runc
     * takes 0 as "not set", but a 0 the config spells out is a mistake. */
    if (cpu->period.set && (cpu->period.v < CPU_PERIOD_MIN || cpu->period.v > CPU_PERIOD_MAX))
        return pctx_fail_at(c, "period", "must be %d to %d (microseconds), got %" PRIu64,
                            CPU_PERIOD_MIN, CPU_PERIOD_MAX, cpu->period.v);
    return 0;
}

static int opt_u16(oci_pctx *c, json_t *o, const char *key, bool *has, uint16_t *out)
{
    uint64_t v = 0;
    int r = oci_get_u64(c, o, key, false, UINT16_MAX, &v);
    *has = r > 0;
    *out = (uint16_t)v;
    return r;
}

static int parse_major_minor(oci_pctx *c, json_t *e, int64_t *major, int64_t *minor)
{
    if (oci_get_i64(c, e, "major", true, 0, INT64_MAX, major) < 0 ||
        oci_get_i64(c, e, "minor", true, 0, INT64_MAX, minor) < 0)
        return -1;
    return 0;
}

/* An array of objects under o[key], each parsed by fn(c, elem, i). */
static int each(oci_pctx *c, json_t *o, const char *key, size_t elem, void **list, size_t *n_out,
                int (*fn)(oci_pctx *, json_t *, void *))
{
    json_t *arr = NULL;
    int r = oci_get_arr(c, o, key, false, &arr);
    if (r <= 0)
        return r;
    size_t n = json_array_size(arr);
    *list = xcalloc(n + 1, elem);
    *n_out = n;
    size_t m = pctx_key(c, key);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        size_t mi = pctx_idx(c, i);
        if (!json_is_object(e))
            return pctx_fail(c, "must be an object");
        if (fn(c, e, (char *)*list + i * elem) < 0)
            return -1;
        pctx_pop(c, mi);
    }
    pctx_pop(c, m);
    return 1;
}

static int weight_device(oci_pctx *c, json_t *e, void *p)
{
    oci_weight_device *w = p;
    if (parse_major_minor(c, e, &w->major, &w->minor) < 0 ||
        opt_u16(c, e, "weight", &w->has_weight, &w->weight) < 0 ||
        opt_u16(c, e, "leafWeight", &w->has_leaf_weight, &w->leaf_weight) < 0)
        return -1;
    return 0;
}

static int throttle_device(oci_pctx *c, json_t *e, void *p)
{
    oci_throttle_device *t = p;
    if (parse_major_minor(c, e, &t->major, &t->minor) < 0 ||
        oci_get_u64(c, e, "rate", true, UINT64_MAX, &t->rate) < 0)
        return -1;
    return 0;
}

static int parse_blkio(oci_pctx *c, json_t *o, oci_blkio *b)
{
    static const char *const throttles[4] = {"throttleReadBpsDevice", "throttleWriteBpsDevice",
                                             "throttleReadIOPSDevice", "throttleWriteIOPSDevice"};
    if (opt_u16(c, o, "weight", &b->has_weight, &b->weight) < 0 ||
        opt_u16(c, o, "leafWeight", &b->has_leaf_weight, &b->leaf_weight) < 0 ||
        each(c, o, "weightDevice", sizeof *b->weight_device, (void **)&b->weight_device,
             &b->n_weight_device, weight_device) < 0)
        return -1;
    for (int k = 0; k < 4; k++)
        if (each(c, o, throttles[k], sizeof *b->throttle[k], (void **)&b->throttle[k],
                 &b->n_throttle[k], throttle_device) < 0)
            return -1;
    return 0;
}

static int hugepage(oci_pctx *c, json_t *e, void *p)
{
    oci_hugepage_limit *h = p;
    if (oci_get_str(c, e, "pageSize", true, &h->page_size) < 0 ||
        oci_get_u64(c, e, "limit", true, UINT64_MAX, &h->limit) < 0)
        return -1;
    return 0;
}

static int net_priority(oci_pctx *c, json_t *e, void *p)
{
    oci_net_priority *np = p;
    if (oci_get_str(c, e, "name", true, &np->name) < 0 ||
        oci_get_u32(c, e, "priority", true, &np->priority) < 0)
        return -1;
    return 0;
}

static int parse_network(oci_pctx *c, json_t *o, oci_resources *r)
{
    int got = oci_get_u32(c, o, "classID", false, &r->class_id);
    if (got < 0)
        return -1;
    r->has_class_id = got > 0;
    return each(c, o, "priorities", sizeof *r->net_priorities, (void **)&r->net_priorities,
                &r->n_net_priorities, net_priority) < 0
               ? -1
               : 0;
}

/* rdma: {"<device>": {"hcaHandles": N, "hcaObjects": N}} */
static int parse_rdma(oci_pctx *c, json_t *o, oci_resources *r)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (!json_is_object(v))
            return pctx_fail_at(c, k, "must be an object");
        size_t m = pctx_key(c, k);
        r->rdma = xreallocarray(r->rdma, r->n_rdma + 1, sizeof *r->rdma);
        oci_rdma *d = &r->rdma[r->n_rdma++];
        *d = (oci_rdma){.device = xstrdup(k)};
        int h = oci_get_u32(c, v, "hcaHandles", false, &d->handles);
        int ob = h < 0 ? -1 : oci_get_u32(c, v, "hcaObjects", false, &d->objects);
        if (h < 0 || ob < 0)
            return -1;
        d->has_handles = h > 0;
        d->has_objects = ob > 0;
        pctx_pop(c, m);
    }
    return 0;
}

static int obj_memory(oci_pctx *c, json_t *o, void *a)
{
    return parse_memory(c, o, a);
}
static int obj_cpu(oci_pctx *c, json_t *o, void *a)
{
    return parse_cpu(c, o, a);
}
/* -1 is "max"; 0 too, as runtime-spec 1.2's bindings say ("default is no
 * limit") and runc and crun do; other negative values mean nothing. */
static int obj_pids(oci_pctx *c, json_t *o, void *a)
{
    int64_t *limit = a;
    if (oci_get_i64(c, o, "limit", true, INT64_MIN, INT64_MAX, limit) < 0)
        return -1;
    if (*limit < -1)
        return pctx_fail_at(c, "limit", "must be -1 (unlimited) or at least 0, got %" PRId64,
                            *limit);
    return 0;
}
static int obj_blkio(oci_pctx *c, json_t *o, void *a)
{
    return parse_blkio(c, o, a);
}
static int obj_network(oci_pctx *c, json_t *o, void *a)
{
    return parse_network(c, o, a);
}
static int obj_rdma(oci_pctx *c, json_t *o, void *a)
{
    return parse_rdma(c, o, a);
}

int oci_parse_resources(oci_pctx *c, json_t *o, oci_resources *r)
{
    bool has_rdma = false;
    json_t *arr = NULL;
    int got = oci_get_arr(c, o, "devices", false, &arr);
    if (got < 0)
        return -1;
    if (got > 0) {
        size_t m = pctx_key(c, "devices");
        if (parse_rules(c, arr, r) < 0)
            return -1;
        pctx_pop(c, m);
    }
    if (oci_get_obj_with(c, o, "memory", &r->has_memory, obj_memory, &r->memory) < 0 ||
        oci_get_obj_with(c, o, "cpu", &r->has_cpu, obj_cpu, &r->cpu) < 0 ||
        oci_get_obj_with(c, o, "pids", &r->has_pids, obj_pids, &r->pids_limit) < 0 ||
        oci_get_obj_with(c, o, "blockIO", &r->has_blkio, obj_blkio, &r->blkio) < 0 ||
        each(c, o, "hugepageLimits", sizeof *r->hugepage_limits, (void **)&r->hugepage_limits,
             &r->n_hugepage_limits, hugepage) < 0 ||
        oci_get_obj_with(c, o, "network", &r->has_network, obj_network, r) < 0 ||
        oci_get_obj_with(c, o, "rdma", &has_rdma, obj_rdma, r) < 0 ||
        oci_get_kv(c, o, "unified", &r->unified, &r->n_unified) < 0)
        return -1;
    return 0;
}
