/* The systemd driver's names and unit properties (cg_unit.c): no D-Bus. */
#include "cgroup/cg_internal.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *names_error(const char *path)
{
    static char msg[512];
    char *slice = NULL, *unit = NULL;
    weft_error *e = NULL;
    msg[0] = '\0';
    if (cg_unit_names(path, "id", "system.slice", &slice, &unit, &e) < 0)
        snprintf(msg, sizeof msg, "%s", e->msg);
    free(slice);
    free(unit);
    werr_free(e);
    return msg;
}

TEST(unit_names)
{
    char *slice = NULL, *unit = NULL;
    weft_error *e = NULL;
    CHECK_INT(cg_unit_names(NULL, "c1", "system.slice", &slice, &unit, &e), 0);
    CHECK_STR(slice, "system.slice");
    CHECK_STR(unit, "weft-c1.scope");
    free(slice);
    free(unit);
    CHECK_INT(cg_unit_names("machine.slice:libpod:abc", "c1", "system.slice", &slice, &unit, &e),
              0);
    CHECK_STR(slice, "machine.slice");
    CHECK_STR(unit, "libpod-abc.scope");
    free(slice);
    free(unit);
    /* an empty slice takes the default (user.slice when rootless) */
    CHECK_INT(cg_unit_names(":crio:x", "c1", "user.slice", &slice, &unit, &e), 0);
    CHECK_STR(slice, "user.slice");
    CHECK_STR(unit, "crio-x.scope");
    free(slice);
    free(unit);
    CHECK_INT(cg_unit_names("a-b.slice::given.scope", "c1", "system.slice", &slice, &unit, &e), 0);
    CHECK_STR(unit, "given.scope");
    free(slice);
    free(unit);
    CHECK(strstr(names_error("/abs/path"), "wants 'slice:prefix:name'"));
    CHECK(strstr(names_error("notaslice:p:n"), "'notaslice' is not a slice name"));
    CHECK(strstr(names_error("system.slice:p:x.slice"), "cannot be the slice"));
    CHECK(strstr(names_error("system.slice:p:a/b"), "not a valid unit name"));
    CHECK(strstr(names_error("a:b:c:d"), "wants 'slice:prefix:name'"));
    werr_free(e);
}

TEST(slice_paths)
{
    char *p = cg_slice_path("system.slice");
    CHECK_STR(p, "/system.slice");
    free(p);
    p = cg_slice_path("user-1000.slice");
    CHECK_STR(p, "/user.slice/user-1000.slice");
    free(p);
    p = cg_slice_path("a-b-c.slice");
    CHECK_STR(p, "/a.slice/a-b.slice/a-b-c.slice");
    free(p);
    p = cg_slice_path("-.slice");
    CHECK_STR(p, "");
    free(p);
}

TEST(cpuset_masks)
{
    unsigned char *m = NULL;
    size_t n = 0;
    weft_error *e = NULL;
    CHECK_INT(cg_cpuset_mask("0-3,9", &m, &n, &e), 0);
    CHECK_INT(n, 2);
    CHECK_INT(m[0], 0x0f);
    CHECK_INT(m[1], 0x02);
    free(m);
    CHECK_INT(cg_cpuset_mask("0", &m, &n, &e), 0);
    CHECK_INT(n, 1);
    CHECK_INT(m[0], 1);
    free(m);
    CHECK_INT(cg_cpuset_mask("3-1", &m, &n, &e), -1);
    CHECK(e && strstr(e->msg, "'3-1' is not a cpu/node list"));
    werr_free(e);
    e = NULL;
    CHECK_INT(cg_cpuset_mask("1,x", &m, &n, &e), -1);
    werr_free(e);
}

static const cg_prop *find(const cg_props *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return &p->v[i];
    return NULL;
}

TEST(resource_properties)
{
    oci_resources r = {0};
    r.has_memory = true;
    r.memory.limit = (oci_opt_i64){true, 64 << 20};
    r.memory.reservation = (oci_opt_i64){true, 32 << 20};
    r.memory.swap = (oci_opt_i64){true, 96 << 20};
    r.has_cpu = true;
    r.cpu.shares = (oci_opt_u64){true, 1024};
    r.cpu.quota = (oci_opt_i64){true, 50000};
    r.cpu.period = (oci_opt_u64){true, 100000};
    r.cpu.cpus = "0-1";
    r.has_pids = true;
    r.pids_limit = 64;
    r.has_blkio = true;
    r.blkio.has_weight = true;
    r.blkio.weight = 1000;
    cg_props p = {0};
    weft_error *e = NULL;
    CHECK_INT(cg_unit_resource_props(&r, &p, &e), 0);
    CHECK(find(&p, "MemoryMax") && find(&p, "MemoryMax")->t == 64u << 20);
    CHECK(find(&p, "MemoryLow") && find(&p, "MemoryLow")->t == 32u << 20);
    CHECK(find(&p, "MemorySwapMax") && find(&p, "MemorySwapMax")->t == 32u << 20);
    CHECK(find(&p, "CPUWeight") && find(&p, "CPUWeight")->t == cg_v2_cpu_weight(1024));
    CHECK(find(&p, "CPUQuotaPerSecUSec") && find(&p, "CPUQuotaPerSecUSec")->t == 500000);
    CHECK(find(&p, "CPUQuotaPeriodUSec") && find(&p, "CPUQuotaPeriodUSec")->t == 100000);
    const cg_prop *cpus = find(&p, "AllowedCPUs");
    CHECK(cpus && cpus->type == 'y' && cpus->n_bytes == 1 && cpus->bytes[0] == 3);
    CHECK(find(&p, "TasksMax") && find(&p, "TasksMax")->t == 64);
    CHECK(find(&p, "IOWeight") && find(&p, "IOWeight")->t == cg_v2_io_weight(1000));
    cg_props_free(&p);
    /* unlimited is systemd's infinity */
    r = (oci_resources){0};
    r.has_pids = true;
    r.pids_limit = -1;
    r.has_memory = true;
    r.memory.limit = (oci_opt_i64){true, -1};
    CHECK_INT(cg_unit_resource_props(&r, &p, &e), 0);
    CHECK(find(&p, "TasksMax")->t == UINT64_MAX && find(&p, "MemoryMax")->t == UINT64_MAX);
    cg_props_free(&p);
    /* a bad list fails naming the field */
    r = (oci_resources){0};
    r.has_cpu = true;
    r.cpu.mems = "z";
    CHECK_INT(cg_unit_resource_props(&r, &p, &e), -1);
    CHECK(e && strstr(e->msg, "linux.resources.cpu.mems"));
    cg_props_free(&p);
    werr_free(e);
}

TEST(systemd_state_roundtrip)
{
    cgroup *cg = calloc(1, sizeof *cg);
    cg->drv = &cg_driver_systemd;
    cg->mode = CG_MODE_V2;
    cg->unified = calloc(1, sizeof *cg->unified);
    cg->unified->controllers = strdup("");
    cg->unified->path = strdup("/sys/fs/cgroup/system.slice/weft-x.scope");
    cg->unit = strdup("weft-x.scope");
    cg->slice = strdup("system.slice");
    cg->started = true;
    char *text = cgroup_serialize(cg);
    cgroup *back = NULL;
    weft_error *e = NULL;
    CHECK_INT(cgroup_load(text, &back, &e), 0);
    CHECK(back && back->drv == &cg_driver_systemd && back->started && !back->user_bus);
    CHECK_STR(back ? back->unit : "", "weft-x.scope");
    CHECK_STR(back ? back->slice : "", "system.slice");
    CHECK_STR(cgroup_path(back), "/sys/fs/cgroup/system.slice/weft-x.scope");
    free(text);
    cgroup_free(back);
    cgroup_free(cg);
    back = NULL;
    CHECK_INT(cgroup_load("{\"manager\":\"systemd\",\"mode\":\"v2\",\"unified\":{\"controllers\":"
                          "\"\",\"path\":\"/x\"}}",
                          &back, &e),
              -1);
    CHECK(e && strstr(e->msg, "without its unit"));
    werr_free(e);
}

UNIT_MAIN()
