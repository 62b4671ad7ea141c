/* cgroup v2: OCI linux.resources -> unified-hierarchy interface files.
 * Each function takes the container's directory, so tests run it on a fake tree. */
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

/* The quadratic-in-log2 mapping of cpu.shares [2, 262144] onto cpu.weight
 * [1, 10000] that runc and crun adopted: it keeps the default 1024 -> 100
 * (the old linear formula gave 39). */
uint64_t cg_v2_cpu_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares <= 2)
        return 1;
    if (shares >= 262144)
        return 10000;
    double l = log2((double)shares);
    double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    return (uint64_t)ceil(pow(10, exponent));
}

/* blkio weight [10, 1000] -> io.weight [1, 10000], linear (runc's mapping). */
uint64_t cg_v2_io_weight(uint64_t w)
{
    if (w == 0)
        return 0;
    return 1 + (w - 10) * 9999 / 990;
}

/* OCI memory.swap is memory+swap (v1 semantics); v2 limits swap alone. */
int cg_v2_swap(int64_t swap, int64_t limit, int64_t *out, weft_error **err)
{
    if (limit == -1 && swap == 0) {
        *out = -1; /* unlimited memory and swap not given: unlimited swap too */
        return 0;
    }
    if (swap == -1 || swap == 0) {
        *out = swap;
        return 0;
    }
    if (limit == 0 || limit == -1)
        return werr_set(err, 0,
                        "linux.resources.memory.swap: cannot limit swap without a "
                        "memory limit");
    if (limit < 0)
        return werr_set(err, 0, "linux.resources.memory.limit: invalid value %" PRId64, limit);
    if (swap < limit)
        return werr_set(err, 0,
                        "linux.resources.memory.swap: memory+swap (%" PRId64
                        ") must be >= memory.limit (%" PRId64 ")",
                        swap, limit);
    *out = swap - limit;
    return 0;
}

static int need(const char *dir, const char *ctrl, const char *field, weft_error **err)
{
    cleanup_free char *have = NULL;
    if (cg_read(dir, "cgroup.controllers", &have, err) < 0)
        return -1;
    for (char *p = have; *p; p++)
        if (*p == ' ')
            *p = ',';
    if (!cg_list_has(have, ctrl))
        return werr_set(err, 0, "linux.resources.%s: %s controller not available", field, ctrl);
    return 0;
}

static void fmt_limit(char *buf, size_t n, int64_t v)
{
    if (v < 0)
        snprintf(buf, n, "max");
    else
        snprintf(buf, n, "%" PRId64, v);
}

static int v2_memory(const char *dir, const oci_memory *m, weft_error **err)
{
    char buf[32];
    bool any = m->limit.set || m->reservation.set || m->swap.set;
    if (any && need(dir, "memory", "memory", err) < 0)
        return -1;
    if (m->check_before_update && m->limit.set &&
        cg_check_usage(dir, "memory.current", m->limit.v, err) < 0)
        return -1;
    if (m->swap.set || (m->limit.set && m->limit.v == -1)) {
        int64_t swap;
        if (cg_v2_swap(m->swap.set ? m->swap.v : 0, m->limit.set ? m->limit.v : 0, &swap, err) < 0)
            return -1;
        /* no file: the kernel has no swap accounting; unlimited is then a no-op */
        if (swap != 0 && (swap != -1 || cg_exists(dir, "memory.swap.max"))) {
            fmt_limit(buf, sizeof buf, swap);
            if (cg_write(dir, "memory.swap.max", buf, err) < 0)
                return werr_prefix(err, "linux.resources.memory.swap");
        }
    }
    if (m->limit.set) {
        fmt_limit(buf, sizeof buf, m->limit.v);
        if (cg_write(dir, "memory.max", buf, err) < 0)
            return werr_prefix(err, "linux.resources.memory.limit");
    }
    if (m->reservation.set) {
        fmt_limit(buf, sizeof buf, m->reservation.v);
        if (cg_write(dir, "memory.low", buf, err) < 0)
            return werr_prefix(err, "linux.resources.memory.reservation");
    }
    if (m->kernel.set || m->kernel_tcp.set)
        log_warn("linux.resources.memory.kernel/kernelTCP: ignored on cgroup v2");
    /* swappiness and disableOOMKiller have no v2 equivalent (runc ignores them too) */
    return 0;
}

static int v2_cpu(const char *dir, const oci_cpu *c, weft_error **err)
{
    if (c->realtime_period.set || c->realtime_runtime.set)
        return werr_set(err, 0,
                        "linux.resources.cpu.realtimePeriod/realtimeRuntime: not "
                        "supported on cgroup v2");
    bool cpu = c->shares.set || c->quota.set || c->period.set || c->burst.set || c->idle.set;
    if (cpu && need(dir, "cpu", "cpu", err) < 0)
        return -1;
    if (c->shares.set && c->shares.v != 0 &&
        cg_writef(dir, "cpu.weight", err, "%" PRIu64, cg_v2_cpu_weight(c->shares.v)) < 0)
        return werr_prefix(err, "linux.resources.cpu.shares");
    if (c->quota.set || c->period.set) {
        char buf[64];
        if (c->quota.set && c->quota.v > 0)
            snprintf(buf, sizeof buf, "%" PRId64, c->quota.v);
        else
            snprintf(buf, sizeof buf, "max");
        if (c->period.set && c->period.v != 0)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %" PRIu64, c->period.v);
        if (cg_write(dir, "cpu.max", buf, err) < 0)
            return werr_prefix(err, "linux.resources.cpu.quota/period");
    }
    if (c->burst.set && cg_writef(dir, "cpu.max.burst", err, "%" PRIu64, c->burst.v) < 0)
        return werr_prefix(err, "linux.resources.cpu.burst");
    if (c->idle.set && cg_writef(dir, "cpu.idle", err, "%" PRId64, c->idle.v) < 0)
        return werr_prefix(err, "linux.resources.cpu.idle");
    if ((c->cpus || c->mems) && need(dir, "cpuset", "cpu.cpus/mems", err) < 0)
        return -1;
    if (c->cpus && cg_write(dir, "cpuset.cpus", c->cpus, err) < 0)
        return werr_prefix(err, "linux.resources.cpu.cpus");
    if (c->mems && cg_write(dir, "cpuset.mems", c->mems, err) < 0)
        return werr_prefix(err, "linux.resources.cpu.mems");
    return 0;
}

static int v2_pids(const char *dir, int64_t limit, weft_error **err)
{
    char buf[32];
    if (need(dir, "pids", "pids", err) < 0)
        return -1;
    fmt_limit(buf, sizeof buf, limit <= 0 ? -1 : limit);
    if (cg_write(dir, "pids.max", buf, err) < 0)
        return werr_prefix(err, "linux.resources.pids.limit");
    return 0;
}

static int v2_io(const char *dir, const oci_blkio *b, weft_error **err)
{
    static const char *const keys[4] = {"rbps", "wbps", "riops", "wiops"};
    if (need(dir, "io", "blockIO", err) < 0)
        return -1;
    /* BFQ takes the blkio scale as is; the generic io.weight needs conversion */
    bool bfq = cg_exists(dir, "io.bfq.weight");
    const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
    if (b->has_weight &&
        cg_writef(dir, wfile, err, "%" PRIu64, bfq ? b->weight : cg_v2_io_weight(b->weight)) < 0)
        return werr_prefix(err, "linux.resources.blockIO.weight");
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const oci_weight_device *d = &b->weight_device[i];
        if (!d->has_weight)
            continue;
        if (cg_writef(dir, wfile, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                      bfq ? d->weight : cg_v2_io_weight(d->weight)) < 0)
            return werr_prefix(err, "linux.resources.blockIO.weightDevice[%zu]", i);
    }
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < b->n_throttle[k]; i++) {
            const oci_throttle_device *t = &b->throttle[k][i];
            if (cg_writef(dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t->major,
                          t->minor, keys[k], t->rate) < 0)
                return werr_prefix(err, "linux.resources.blockIO throttle (%s)", keys[k]);
        }
    }
    return 0;
}

int cg_v2_hugetlb(const char *dir, const oci_resources *res, weft_error **err)
{
    if (res->n_hugepage_limits == 0)
        return 0;
    if (need(dir, "hugetlb", "hugepageLimits", err) < 0)
        return -1;
    for (size_t i = 0; i < res->n_hugepage_limits; i++) {
        const oci_hugepage_limit *h = &res->hugepage_limits[i];
        cleanup_free char *file = xasprintf("hugetlb.%s.max", h->page_size);
        if (!cg_exists(dir, file))
            return werr_set(err, 0,
                            "linux.resources.hugepageLimits[%zu]: page size '%s' not "
                            "supported",
                            i, h->page_size);
        if (cg_writef(dir, file, err, "%" PRIu64, h->limit) < 0)
            return werr_prefix(err, "linux.resources.hugepageLimits[%zu]", i);
        /* reservations are accounted separately since 5.7; limit them alike */
        cleanup_free char *rsvd = xasprintf("hugetlb.%s.rsvd.max", h->page_size);
        if (cg_exists(dir, rsvd) && cg_writef(dir, rsvd, err, "%" PRIu64, h->limit) < 0)
            return werr_prefix(err, "linux.resources.hugepageLimits[%zu]", i);
    }
    return 0;
}

int cg_v2_rdma(const char *dir, const oci_resources *res, weft_error **err)
{
    if (res->n_rdma == 0)
        return 0;
    if (need(dir, "rdma", "rdma", err) < 0)
        return -1;
    for (size_t i = 0; i < res->n_rdma; i++) {
        const oci_rdma *d = &res->rdma[i];
        char h[32] = "max", o[32] = "max";
        if (d->has_handles)
            snprintf(h, sizeof h, "%" PRIu32, d->handles);
        if (d->has_objects)
            snprintf(o, sizeof o, "%" PRIu32, d->objects);
        if (cg_writef(dir, "rdma.max", err, "%s hca_handle=%s hca_object=%s", d->device, h, o) < 0)
            return werr_prefix(err, "linux.resources.rdma[%s]", d->device);
    }
    return 0;
}

int cg_v2_unified(const char *dir, const oci_resources *res, weft_error **err)
{
    for (size_t i = 0; i < res->n_unified; i++) {
        const oci_kv *kv = &res->unified[i];
        if (kv->key[0] == '\0' || strchr(kv->key, '/') != NULL || kv->key[0] == '.')
            return werr_set(err, 0, "linux.resources.unified: '%s': not a cgroup file name",
                            kv->key);
        if (cg_write(dir, kv->key, kv->value, err) < 0)
            return werr_prefix(err, "linux.resources.unified: %s", kv->key);
    }
    return 0;
}

int cg_v2_apply(const char *dir, const oci_resources *res, weft_error **err)
{
    if (res == NULL)
        return 0;
    if (res->has_network && (res->has_class_id || res->n_net_priorities > 0))
        return werr_set(err, 0,
                        "linux.resources.network: net_cls/net_prio controllers not "
                        "available on cgroup v2");
    if (res->has_memory && v2_memory(dir, &res->memory, err) < 0)
        return -1;
    if (res->has_cpu && v2_cpu(dir, &res->cpu, err) < 0)
        return -1;
    if (res->has_pids && v2_pids(dir, res->pids_limit, err) < 0)
        return -1;
    if (res->has_blkio && v2_io(dir, &res->blkio, err) < 0)
        return -1;
    if (cg_v2_hugetlb(dir, res, err) < 0 || cg_v2_rdma(dir, res, err) < 0)
        return -1;
    size_t n_rules = 0;
    cleanup_free oci_device_rule *rules = cg_device_rules(res, &n_rules);
    if (n_rules > 0 && cg_devices_v2(dir, rules, n_rules, err) < 0)
        return werr_prefix(err, "linux.resources.devices");
    /* last, so that explicit file values win over the translated ones */
    return cg_v2_unified(dir, res, err);
}

/* The controller an interface file belongs to ("memory.high" -> "memory"); NULL
 * for the core's own files ("cgroup.*"), which need none. */
static char *file_controller(const char *key)
{
    const char *dot = strchr(key, '.');
    if (dot == NULL || dot == key || strncmp(key, "cgroup.", 7) == 0)
        return NULL;
    return xstrndup(key, (size_t)(dot - key));
}

static void add_needed(char ***v, size_t *n, const cgroup *cg, const char *ctrl)
{
    /* hybrid: what a v1 hierarchy serves is not the unified tree's business */
    if (cg != NULL && cg->mode == CG_MODE_HYBRID && cg_v1_dir(cg, ctrl) != NULL)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], ctrl) == 0)
            return;
    strv_append(v, n, ctrl);
}

char **cg_v2_needed(const oci_resources *res, const cgroup *cg)
{
    char **v = xcalloc(1, sizeof *v);
    size_t n = 0;
    if (res == NULL)
        return v;
    bool hybrid = cg != NULL && cg->mode == CG_MODE_HYBRID;
    const oci_memory *m = &res->memory;
    const oci_cpu *c = &res->cpu;
    if (!hybrid && res->has_memory && (m->limit.set || m->reservation.set || m->swap.set))
        add_needed(&v, &n, cg, "memory");
    if (!hybrid && res->has_cpu &&
        (c->shares.set || c->quota.set || c->period.set || c->burst.set || c->idle.set))
        add_needed(&v, &n, cg, "cpu");
    if (!hybrid && res->has_cpu && (c->cpus || c->mems))
        add_needed(&v, &n, cg, "cpuset");
    if (!hybrid && res->has_pids)
        add_needed(&v, &n, cg, "pids");
    if (!hybrid && res->has_blkio)
        add_needed(&v, &n, cg, "io");
    if (res->n_hugepage_limits > 0)
        add_needed(&v, &n, cg, "hugetlb");
    if (res->n_rdma > 0)
        add_needed(&v, &n, cg, "rdma");
    for (size_t i = 0; i < res->n_unified; i++) {
        cleanup_free char *ctrl = file_controller(res->unified[i].key);
        if (ctrl != NULL)
            add_needed(&v, &n, NULL, ctrl);
    }
    return v;
}
