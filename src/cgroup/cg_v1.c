/* cgroup v1: OCI linux.resources -> per-controller interface files. Each
 * controller has its own directory (cg->v1[]); a resource whose controller is
 * not mounted fails with one error naming the field. */
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char *cg_v1_dir(const cgroup *cg, const char *controller)
{
    for (size_t i = 0; i < cg->n_v1; i++)
        if (cg_list_has(cg->v1[i].controllers, controller))
            return cg->v1[i].path;
    return NULL;
}

static const char *need(const cgroup *cg, const char *ctrl, const char *field, weft_error **err)
{
    const char *dir = cg_v1_dir(cg, ctrl);
    if (dir == NULL)
        werr_set(err, 0, "linux.resources.%s: %s controller not available", field, ctrl);
    return dir;
}

/* v1 memsw is memory+swap and must stay >= memory.limit at every step, so the
 * order of the two writes depends on whether the limit goes up or down. */
static int v1_memory_limits(const char *dir, const oci_memory *m, weft_error **err)
{
    int64_t limit = m->limit.set ? m->limit.v : 0;
    int64_t swap = m->swap.set ? m->swap.v : 0;
    if (limit == -1 && swap == 0)
        swap = -1; /* unlimited memory: unlimited memory+swap too (as runc) */
    bool memsw = cg_exists(dir, "memory.memsw.limit_in_bytes");
    if (swap != 0 && !memsw) {
        if (m->swap.set && swap != -1)
            return werr_set(err, 0,
                            "linux.resources.memory.swap: swap accounting is not "
                            "enabled (no memory.memsw.limit_in_bytes)");
        swap = 0;
    }
    bool swap_first = false;
    if (limit != 0 && swap != 0) {
        cleanup_free char *cur = NULL;
        if (cg_read(dir, "memory.limit_in_bytes", &cur, err) < 0)
            return -1;
        uint64_t cur_limit = strtoull(cur, NULL, 10);
        swap_first = swap == -1 || cur_limit < (uint64_t)swap;
    }
    for (int step = 0; step < 2; step++) {
        bool do_swap = (step == 0) == swap_first;
        if (do_swap && swap != 0 &&
            cg_writef(dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap) < 0)
            return werr_prefix(err, "linux.resources.memory.swap");
        if (!do_swap && limit != 0 &&
            cg_writef(dir, "memory.limit_in_bytes", err, "%" PRId64, limit) < 0)
            return werr_prefix(err, "linux.resources.memory.limit");
    }
    return 0;
}

/* Kernel memory limits are deprecated; newer kernels refuse the write. */
static void v1_kmem(const char *dir, const char *file, int64_t v)
{
    weft_error *e = NULL;
    if (cg_exists(dir, file) && cg_writef(dir, file, &e, "%" PRId64, v) < 0) {
        log_warn("linux.resources.memory: %s ignored (%s)", file, e->msg);
        werr_free(e);
    }
}

static int v1_memory(const cgroup *cg, const oci_memory *m, weft_error **err)
{
    bool any = m->limit.set || m->reservation.set || m->swap.set || m->kernel.set ||
               m->kernel_tcp.set || m->swappiness.set ||
               (m->has_disable_oom_killer && m->disable_oom_killer);
    if (!any)
        return 0;
    const char *dir = need(cg, "memory", "memory", err);
    if (dir == NULL)
        return -1;
    if (m->check_before_update && m->limit.set &&
        cg_check_usage(dir, "memory.usage_in_bytes", m->limit.v, err) < 0)
        return -1;
    if (v1_memory_limits(dir, m, err) < 0)
        return -1;
    if (m->reservation.set &&
        cg_writef(dir, "memory.soft_limit_in_bytes", err, "%" PRId64, m->reservation.v) < 0)
        return werr_prefix(err, "linux.resources.memory.reservation");
    if (m->kernel.set)
        v1_kmem(dir, "memory.kmem.limit_in_bytes", m->kernel.v);
    if (m->kernel_tcp.set)
        v1_kmem(dir, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp.v);
    if (m->swappiness.set) {
        if (m->swappiness.v > 100)
            return werr_set(err, 0,
                            "linux.resources.memory.swappiness: %" PRIu64 " is not in 0-100",
                            m->swappiness.v);
        if (cg_writef(dir, "memory.swappiness", err, "%" PRIu64, m->swappiness.v) < 0)
            return werr_prefix(err, "linux.resources.memory.swappiness");
    }
    if (m->has_disable_oom_killer && m->disable_oom_killer &&
        cg_write(dir, "memory.oom_control", "1", err) < 0)
        return werr_prefix(err, "linux.resources.memory.disableOOMKiller");
    return 0;
}

static int v1_cfs(const char *dir, const oci_cpu *c, weft_error **err)
{
    bool quota = c->quota.set && c->quota.v != 0;
    if (c->period.set && c->period.v != 0 &&
        cg_writef(dir, "cpu.cfs_period_us", err, "%" PRIu64, c->period.v) < 0) {
        /* A smaller period can be refused (old quota/new period exceeds the
         * parent's) until the new quota is in: retry after it, as runc does. */
        if (!quota || err == NULL || *err == NULL || (*err)->errnum != EINVAL)
            return werr_prefix(err, "linux.resources.cpu.period");
        if (cg_writef(dir, "cpu.cfs_quota_us", err, "%" PRId64, c->quota.v) < 0 ||
            cg_writef(dir, "cpu.cfs_period_us", err, "%" PRIu64, c->period.v) < 0)
            return werr_prefix(err, "linux.resources.cpu.quota/period");
        return 0;
    }
    if (quota && cg_writef(dir, "cpu.cfs_quota_us", err, "%" PRId64, c->quota.v) < 0)
        return werr_prefix(err, "linux.resources.cpu.quota");
    return 0;
}

static int v1_cpu(const cgroup *cg, const oci_cpu *c, weft_error **err)
{
    bool cpu = c->shares.set || c->quota.set || c->period.set || c->burst.set || c->idle.set ||
               c->realtime_period.set || c->realtime_runtime.set;
    if (cpu) {
        const char *dir = need(cg, "cpu", "cpu", err);
        if (dir == NULL)
            return -1;
        if (c->shares.set && c->shares.v != 0 &&
            cg_writef(dir, "cpu.shares", err, "%" PRIu64, c->shares.v) < 0)
            return werr_prefix(err, "linux.resources.cpu.shares");
        if (v1_cfs(dir, c, err) < 0)
            return -1;
        if (c->burst.set && cg_writef(dir, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst.v) < 0)
            return werr_prefix(err, "linux.resources.cpu.burst");
        if (c->realtime_period.set && c->realtime_period.v != 0 &&
            cg_writef(dir, "cpu.rt_period_us", err, "%" PRIu64, c->realtime_period.v) < 0)
            return werr_prefix(err, "linux.resources.cpu.realtimePeriod");
        if (c->realtime_runtime.set && c->realtime_runtime.v != 0 &&
            cg_writef(dir, "cpu.rt_runtime_us", err, "%" PRId64, c->realtime_runtime.v) < 0)
            return werr_prefix(err, "linux.resources.cpu.realtimeRuntime");
        if (c->idle.set && cg_writef(dir, "cpu.idle", err, "%" PRId64, c->idle.v) < 0)
            return werr_prefix(err, "linux.resources.cpu.idle");
    }
    if (c->cpus || c->mems) {
        const char *dir = need(cg, "cpuset", "cpu.cpus/mems", err);
        if (dir == NULL)
            return -1;
        if (c->cpus && c->cpus[0] && cg_write(dir, "cpuset.cpus", c->cpus, err) < 0)
            return werr_prefix(err, "linux.resources.cpu.cpus");
        if (c->mems && c->mems[0] && cg_write(dir, "cpuset.mems", c->mems, err) < 0)
            return werr_prefix(err, "linux.resources.cpu.mems");
    }
    return 0;
}

static int v1_pids(const cgroup *cg, int64_t limit, weft_error **err)
{
    const char *dir = need(cg, "pids", "pids", err);
    if (dir == NULL)
        return -1;
    int r = limit <= 0 ? cg_write(dir, "pids.max", "max", err)
                       : cg_writef(dir, "pids.max", err, "%" PRId64, limit);
    return r < 0 ? werr_prefix(err, "linux.resources.pids.limit") : 0;
}

static int v1_blkio(const cgroup *cg, const oci_blkio *b, weft_error **err)
{
    static const char *const files[4] = {
        "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
        "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"};
    const char *dir = need(cg, "blkio", "blockIO", err);
    if (dir == NULL)
        return -1;
    /* CFQ's blkio.weight is gone from new kernels; BFQ offers blkio.bfq.weight */
    const char *wfile = cg_exists(dir, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight";
    bool weights = b->has_weight || b->n_weight_device > 0;
    if (weights && !cg_exists(dir, wfile))
        return werr_set(err, 0,
                        "linux.resources.blockIO.weight: no blkio.weight nor "
                        "blkio.bfq.weight (no CFQ/BFQ I/O scheduler)");
    if (b->has_weight && cg_writef(dir, wfile, err, "%u", b->weight) < 0)
        return werr_prefix(err, "linux.resources.blockIO.weight");
    if (b->has_leaf_weight && cg_writef(dir, "blkio.leaf_weight", err, "%u", b->leaf_weight) < 0)
        return werr_prefix(err, "linux.resources.blockIO.leafWeight");
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const oci_weight_device *d = &b->weight_device[i];
        const char *f = strcmp(wfile, "blkio.weight") == 0 ? "blkio.weight_device" : wfile;
        if (d->has_weight &&
            cg_writef(dir, f, err, "%" PRId64 ":%" PRId64 " %u", d->major, d->minor, d->weight) < 0)
            return werr_prefix(err, "linux.resources.blockIO.weightDevice[%zu]", i);
    }
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < b->n_throttle[k]; i++) {
            const oci_throttle_device *t = &b->throttle[k][i];
            if (cg_writef(dir, files[k], err, "%" PRId64 ":%" PRId64 " %" PRIu64, t->major,
                          t->minor, t->rate) < 0)
                return werr_prefix(err, "linux.resources.blockIO (%s)", files[k]);
        }
    return 0;
}

static int v1_hugetlb(cgroup *cg, const oci_resources *res, weft_error **err)
{
    if (res->n_hugepage_limits == 0)
        return 0;
    const char *dir = cg_v1_dir(cg, "hugetlb");
    /* hybrid: a controller attached only to the unified tree is used there */
    if (dir == NULL && cg->unified != NULL)
        return cg_v2_hugetlb(cg->unified->path, res, err);
    if (dir == NULL)
        return werr_set(err, 0, "linux.resources.hugepageLimits: hugetlb controller not available");
    for (size_t i = 0; i < res->n_hugepage_limits; i++) {
        const oci_hugepage_limit *h = &res->hugepage_limits[i];
        cleanup_free char *file = xasprintf("hugetlb.%s.limit_in_bytes", h->page_size);
        if (!cg_exists(dir, file))
            return werr_set(err, 0,
                            "linux.resources.hugepageLimits[%zu]: page size '%s' not "
                            "supported",
                            i, h->page_size);
        if (cg_writef(dir, file, err, "%" PRIu64, h->limit) < 0)
            return werr_prefix(err, "linux.resources.hugepageLimits[%zu]", i);
    }
    return 0;
}

static int v1_network(const cgroup *cg, const oci_resources *res, weft_error **err)
{
    if (res->has_class_id) {
        const char *dir = need(cg, "net_cls", "network.classID", err);
        if (dir == NULL || cg_writef(dir, "net_cls.classid", err, "%u", res->class_id) < 0)
            return -1;
    }
    if (res->n_net_priorities > 0) {
        const char *dir = need(cg, "net_prio", "network.priorities", err);
        if (dir == NULL)
            return -1;
        for (size_t i = 0; i < res->n_net_priorities; i++) {
            const oci_net_priority *p = &res->net_priorities[i];
            if (cg_writef(dir, "net_prio.ifpriomap", err, "%s %u", p->name, p->priority) < 0)
                return werr_prefix(err, "linux.resources.network.priorities[%zu]", i);
        }
    }
    return 0;
}

int cg_v1_apply(cgroup *cg, const oci_resources *res, weft_error **err)
{
    if (res == NULL)
        return 0;
    if (res->n_unified > 0) {
        if (cg->mode != CG_MODE_HYBRID || cg->unified == NULL)
            return werr_set(err, 0, "linux.resources.unified requires cgroup v2");
    }
    if (res->has_memory && v1_memory(cg, &res->memory, err) < 0)
        return -1;
    if (res->has_cpu && v1_cpu(cg, &res->cpu, err) < 0)
        return -1;
    if (res->has_pids && v1_pids(cg, res->pids_limit, err) < 0)
        return -1;
    if (res->has_blkio && v1_blkio(cg, &res->blkio, err) < 0)
        return -1;
    if (v1_hugetlb(cg, res, err) < 0)
        return -1;
    if (res->has_network && v1_network(cg, res, err) < 0)
        return -1;
    /* rdma: only through a unified directory (hybrid), as hugetlb above */
    if (res->n_rdma > 0 && (cg->mode != CG_MODE_HYBRID || cg->unified == NULL))
        return werr_set(err, 0, "linux.resources.rdma: needs the rdma controller of cgroup v2");
    if (res->n_rdma > 0 && cg_v2_rdma(cg->unified->path, res, err) < 0)
        return -1;
    size_t n_rules = 0;
    cleanup_free oci_device_rule *rules = cg_device_rules(res, &n_rules);
    if (n_rules > 0) {
        const char *dir = need(cg, "devices", "devices", err);
        if (dir == NULL || cg_devices_v1(dir, rules, n_rules, err) < 0)
            return -1;
    }
    /* hybrid: the unified map goes to the unified directory */
    if (res->n_unified > 0)
        return cg_v2_unified(cg->unified->path, res, err);
    return 0;
}
