/* The module's memory cap, which follows the container's memory limit.
 *
 * The cap is the cgroup's limit less what the engine's process already uses
 * and some slack, so memory.grow fails (-1) before the OOM killer would end
 * the container. The limit is read again at each memory.grow from the
 * cgroup file, opened on the host side before the container's process was
 * made (after pivot_root the cgroup tree is usually out of sight), so a
 * limit raised or lowered by `weft update` (podman update --memory, CRI
 * UpdateContainerResources) takes effect at once. */
#include "handler/memcap.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLACK (4u << 20)
#define MIN_CAP 65536u
/* cgroup v1 says "no limit" with a huge page-rounded number */
#define V1_UNLIMITED (UINT64_C(1) << 62)

static int limit_fd = -1;

void handler_pin_memory_limit(const char *cgroup_dir)
{
    if (limit_fd >= 0 || cgroup_dir == NULL || cgroup_dir[0] == '\0')
        return;
    static const char *const names[] = {"memory.max", "memory.limit_in_bytes"};
    for (size_t i = 0; i < 2 && limit_fd < 0; i++) {
        cleanup_free char *path = xasprintf("%s/%s", cgroup_dir, names[i]);
        limit_fd = open(path, O_RDONLY | O_CLOEXEC);
    }
}

/* 0 = no limit (or none readable) */
static uint64_t read_live_limit(void)
{
    char buf[32];
    if (limit_fd < 0)
        return 0;
    ssize_t n = pread(limit_fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    if (strncmp(buf, "max", 3) == 0)
        return 0;
    char *end;
    uint64_t v = strtoull(buf, &end, 10);
    return end == buf || v >= V1_UNLIMITED ? 0 : v;
}

static uint64_t resident_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

void memcap_init(struct memcap *mc, const oci_spec *spec)
{
    memset(mc, 0, sizeof *mc);
    mc->overhead = resident_bytes() + SLACK;
    if (spec->has_linux && spec->linux_.has_resources && spec->linux_.resources.has_memory) {
        const oci_opt_i64 *limit = &spec->linux_.resources.memory.limit;
        if (limit->set && limit->v > 0)
            mc->spec_limit = (uint64_t)limit->v;
    }
}

uint64_t memcap_limit(const struct memcap *mc)
{
    return limit_fd >= 0 ? read_live_limit() : mc->spec_limit;
}

static uint64_t cap_of(const struct memcap *mc, uint64_t limit)
{
    return limit > mc->overhead + MIN_CAP ? limit - mc->overhead : MIN_CAP;
}

uint64_t memcap_static(const struct memcap *mc)
{
    uint64_t limit = memcap_limit(mc);
    return limit ? cap_of(mc, limit) : 0;
}

uint64_t memcap_now(void *arg, uint64_t want)
{
    struct memcap *mc = arg;
    uint64_t limit = memcap_limit(mc);
    if (limit == 0)
        return UINT64_MAX;
    uint64_t cap = cap_of(mc, limit);
    /* once per limit: a module that retries must not flood the log */
    if (want > cap && mc->logged_limit != limit) {
        mc->logged_limit = limit;
        log_warn("wasm: growing to %" PRIu64 " bytes refused: the container's memory limit is "
                 "%" PRIu64 " bytes (%" PRIu64 " of them for the module)",
                 want, limit, cap);
    }
    return cap;
}
