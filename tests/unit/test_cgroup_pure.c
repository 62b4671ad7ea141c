/* src/cgroup without touching /sys: path rules, layout detection from
 * fixture text, value conversions, state round-trip, the eBPF program shape. */
#include "cgroup/cg_internal.h"
#include "util/error.h"
#include "unit.h"

#include <linux/bpf.h>
#include <stdlib.h>
#include <unistd.h>

static char *norm(const char *in, bool *abs)
{
    char *out = NULL;
    weft_error *e = NULL;
    if (cg_path_normalize(in, &out, abs, &e) < 0) {
        werr_free(e);
        return NULL;
    }
    return out;
}

TEST(path_normalize)
{
    bool abs;
    char *s = norm("/libpod_parent//libpod-abc/", &abs);
    CHECK_STR(s, "libpod_parent/libpod-abc");
    CHECK(abs);
    free(s);
    s = norm("k8s.io/./x", &abs);
    CHECK_STR(s, "k8s.io/x");
    CHECK(!abs);
    free(s);
    s = norm("/", &abs);
    CHECK_STR(s, "");
    free(s);
    CHECK(norm("../escape", &abs) == NULL);
    CHECK(norm("/a/../../etc", &abs) == NULL);
    CHECK(norm("a/..", &abs) == NULL);
    s = norm("/a/..b/c..", &abs); /* only a whole ".." component is refused */
    CHECK_STR(s, "a/..b/c..");
    free(s);
}

TEST(path_escape_message)
{
    char *out = NULL;
    bool abs;
    weft_error *e = NULL;
    CHECK_INT(cg_path_normalize("../escape", &out, &abs, &e), -1);
    CHECK(e != NULL && strstr(e->msg, "linux.cgroupsPath") && strstr(e->msg, "'..'"));
    werr_free(e);
}

static const char *hybrid_mountinfo =
    "30 23 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "33 30 0:29 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "34 30 0:30 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "35 30 0:31 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n";
static const char *hybrid_cgroup = "5:net_cls,net_prio:/\n"
                                   "4:name=systemd:/user.slice\n"
                                   "3:memory:/process_api/abc\n"
                                   "1:cpu:/\n"
                                   "0::/\n";

TEST(layout_hybrid)
{
    cg_layout *l = NULL;
    weft_error *e = NULL;
    CHECK_INT(cg_layout_parse(hybrid_mountinfo, hybrid_cgroup, &l, &e), 0);
    if (l == NULL)
        return;
    CHECK_INT(l->mode, CG_MODE_HYBRID);
    CHECK_INT(l->n_hier, 4);
    CHECK_STR(l->unified_mount, "/sys/fs/cgroup/unified");
    CHECK_STR(l->unified_own, "/");
    for (size_t i = 0; i < l->n_hier; i++) {
        if (strcmp(l->hier[i].controllers, "memory") == 0) {
            CHECK_STR(l->hier[i].mount, "/sys/fs/cgroup/memory");
            CHECK_STR(l->hier[i].own, "/process_api/abc");
        }
        if (strcmp(l->hier[i].controllers, "net_cls,net_prio") == 0)
            CHECK_STR(l->hier[i].mount, "/sys/fs/cgroup/net_cls,net_prio");
        if (strcmp(l->hier[i].controllers, "name=systemd") == 0)
            CHECK_STR(l->hier[i].own, "/user.slice");
    }
    cg_layout_free(l);
}

TEST(layout_v2_in_container)
{
    /* a container's view: the cgroup2 mount shows a sub-tree */
    const char *mi = "40 30 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
    const char *pc = "0::/docker/abc/init\n";
    cg_layout *l = NULL;
    weft_error *e = NULL;
    CHECK_INT(cg_layout_parse(mi, pc, &l, &e), 0);
    if (l == NULL)
        return;
    CHECK_INT(l->mode, CG_MODE_V2);
    CHECK_STR(l->unified_mount, "/sys/fs/cgroup");
    CHECK_STR(l->unified_own, "/init");
    CHECK_INT(l->n_hier, 0);
    cg_layout_free(l);
}

TEST(layout_v1_only_and_none)
{
    const char *mi = "31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpuacct,cpu\n";
    cg_layout *l = NULL;
    weft_error *e = NULL;
    CHECK_INT(cg_layout_parse(mi, "2:cpu,cpuacct:/x\n", &l, &e), 0);
    if (l != NULL) {
        CHECK_INT(l->mode, CG_MODE_V1);
        CHECK_INT(l->n_hier, 1);
        CHECK(l->unified_mount == NULL);
        cg_layout_free(l);
    }
    l = NULL;
    CHECK_INT(cg_layout_parse("", "0::/\n", &l, &e), -1);
    CHECK(e != NULL && strstr(e->msg, "no cgroup hierarchy"));
    werr_free(e);
}

TEST(cpu_weight_conversion)
{
    CHECK_INT(cg_v2_cpu_weight(0), 0);
    CHECK_INT(cg_v2_cpu_weight(2), 1);
    CHECK_INT(cg_v2_cpu_weight(1024), 100); /* the default maps to the default */
    CHECK_INT(cg_v2_cpu_weight(262144), 10000);
    CHECK_INT(cg_v2_cpu_weight(1 << 20), 10000);
    CHECK(cg_v2_cpu_weight(512) < 100 && cg_v2_cpu_weight(512) > 1);
    CHECK(cg_v2_cpu_weight(2048) > 100);
    CHECK_INT(cg_v2_io_weight(10), 1);
    CHECK_INT(cg_v2_io_weight(1000), 10000);
    CHECK_INT(cg_v2_io_weight(500), 4950);
}

TEST(swap_conversion)
{
    int64_t out = 0;
    weft_error *e = NULL;
    CHECK_INT(cg_v2_swap(0, -1, &out, &e), 0);
    CHECK_INT(out, -1);
    CHECK_INT(cg_v2_swap(-1, 100, &out, &e), 0);
    CHECK_INT(out, -1);
    CHECK_INT(cg_v2_swap(300, 100, &out, &e), 0);
    CHECK_INT(out, 200);
    CHECK_INT(cg_v2_swap(0, 100, &out, &e), 0);
    CHECK_INT(out, 0);
    CHECK_INT(cg_v2_swap(50, 100, &out, &e), -1);
    CHECK(e && strstr(e->msg, "memory.swap"));
    werr_free(e);
    e = NULL;
    CHECK_INT(cg_v2_swap(50, 0, &out, &e), -1);
    CHECK(e && strstr(e->msg, "without a memory limit"));
    werr_free(e);
}

TEST(state_roundtrip)
{
    cgroup *cg = calloc(1, sizeof *cg);
    cg->drv = &cg_driver_cgroupfs;
    cg->mode = CG_MODE_HYBRID;
    cg->n_v1 = 2;
    cg->v1 = calloc(2, sizeof *cg->v1);
    cg->v1[0] = (cg_dir){strdup("memory"), strdup("/sys/fs/cgroup/memory/a/b"),
                         strdup("/sys/fs/cgroup/memory/a")};
    cg->v1[1] = (cg_dir){strdup("cpu,cpuacct"), strdup("/sys/fs/cgroup/cpu,cpuacct/a/b"), NULL};
    cg->unified = calloc(1, sizeof *cg->unified);
    *cg->unified = (cg_dir){strdup(""), strdup("/sys/fs/cgroup/unified/a/b"),
                            strdup("/sys/fs/cgroup/unified/a/b")};
    char *s = cgroup_serialize(cg);
    cgroup *back = NULL;
    weft_error *e = NULL;
    CHECK_INT(cgroup_load(s, &back, &e), 0);
    if (back) {
        CHECK_INT(back->mode, CG_MODE_HYBRID);
        CHECK_INT(back->n_v1, 2);
        CHECK_STR(back->v1[0].top, "/sys/fs/cgroup/memory/a");
        CHECK(back->v1[1].top == NULL);
        CHECK_STR(back->v1[1].controllers, "cpu,cpuacct");
        CHECK_STR(back->unified->path, "/sys/fs/cgroup/unified/a/b");
        CHECK_STR(cgroup_path(back), "/sys/fs/cgroup/memory/a/b");
        char *s2 = cgroup_serialize(back);
        CHECK_STR(s2, s);
        free(s2);
    }
    free(s);
    cgroup_free(back);
    cgroup_free(cg);
    CHECK_INT(cgroup_load("{\"manager\":\"cgroupfs\",\"mode\":\"v7\"}", &back, &e), -1);
    CHECK(e && strstr(e->msg, "mode"));
    werr_free(e);
    e = NULL;
    CHECK_INT(cgroup_load("not json", &back, &e), -1);
    werr_free(e);
}

TEST(disabled_handle)
{
    cgroup *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cgroup_create("disabled", "/x", "id", NULL, &cg, &e), 0);
    if (cg == NULL)
        return;
    CHECK_INT(cgroup_enter(cg, 1, &e), 0);
    CHECK_STR(cgroup_path(cg), "");
    pid_t *pids = NULL;
    size_t n = 7;
    CHECK_INT(cgroup_pids(cg, &pids, &n, &e), 0);
    CHECK_INT(n, 0);
    CHECK_INT(cgroup_freeze(cg, true, &e), -1);
    werr_free(e);
    e = NULL;
    char *s = cgroup_serialize(cg);
    cgroup *back = NULL;
    CHECK_INT(cgroup_load(s, &back, &e), 0);
    CHECK(back && back->drv == &cg_driver_disabled);
    CHECK_INT(cgroup_destroy(back, &e), 0);
    cgroup_free(back);
    free(s);
    cgroup_free(cg);
}

TEST(managers)
{
    cgroup *cg = NULL;
    weft_error *e = NULL;
    if (access("/run/systemd/system", F_OK) != 0) {
        CHECK_INT(cgroup_create("systemd", NULL, "id", NULL, &cg, &e), -1);
        CHECK(e && strcmp(e->msg, "systemd cgroup driver: systemd is not running (no "
                                  "/run/systemd/system)") == 0);
        werr_free(e);
        e = NULL;
    }
    CHECK_INT(cgroup_create("lxc", NULL, "id", NULL, &cg, &e), -1);
    CHECK(e && strstr(e->msg, "unknown cgroup manager 'lxc'"));
    werr_free(e);
}

TEST(device_rules_and_program)
{
    oci_device_rule spec_rules[2] = {{false, 'a', -1, -1, "rwm"}, {true, 'c', 1, 11, "r"}};
    oci_resources res = {0};
    size_t n = 0;
    CHECK(cg_device_rules(&res, &n) == NULL);
    CHECK_INT(n, 0);
    res.devices = spec_rules;
    res.n_devices = 2;
    oci_device_rule *rules = cg_device_rules(&res, &n);
    CHECK(n > 2);
    CHECK(!rules[0].allow && rules[1].major == 1 && rules[1].minor == 11);
    size_t len = 0;
    struct bpf_insn *p = cg_devices_bpf_program(rules, n, &len);
    /* the deny-all rule is tested last and matches unconditionally: the
     * program ends with "r0 = 0; exit" from it, with no dead default after */
    CHECK(len > 8);
    CHECK_INT(p[len - 1].code, BPF_JMP | BPF_EXIT);
    CHECK_INT(p[len - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
    CHECK_INT(p[len - 2].imm, 0);
    /* every jump lands inside the program */
    for (size_t i = 0; i < len; i++)
        if ((p[i].code & 0x07) == BPF_JMP && (p[i].code & 0xf0) != BPF_EXIT)
            CHECK(i + 1 + (size_t)p[i].off < len);
    free(p);
    /* an allow-everything rule last: only the prologue and that rule remain */
    oci_device_rule all = {true, 'a', -1, -1, "rwm"};
    p = cg_devices_bpf_program(&all, 1, &len);
    CHECK_INT(len, 8);
    CHECK_INT(p[6].imm, 1);
    free(p);
    free(rules);
}

UNIT_MAIN()
