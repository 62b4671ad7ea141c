/* Resource translation (file names and values) for cgroup v2 and v1, against
 * fake hierarchies in a temp dir: the driver takes its roots as parameters. */
#include "cgroup/cg_internal.h"
#include "util/error.h"
#include "unit.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpl[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static const char *fresh_root(void)
{
    if (tmpl[0])
        nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    snprintf(tmpl, sizeof tmpl, "/tmp/weft-cgfake-XXXXXX");
    return mkdtemp(tmpl);
}

__attribute__((destructor)) static void remove_last_root(void)
{
    if (tmpl[0])
        nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* put(dir, "file", "content") */
static void put(const char *dir, const char *file, const char *content)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(content, f);
        fclose(f);
    }
}

static char *get(const char *dir, const char *file)
{
    static char buf[256];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
    return buf;
}

static char *mkdirs(const char *root, const char *rel)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", root, rel) < 0)
        abort();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", p);
    if (system(cmd) != 0)
        abort();
    return p;
}

static const char *v2_files[] = {"cgroup.procs",
                                 "memory.max",
                                 "memory.low",
                                 "memory.swap.max",
                                 "memory.high",
                                 "cpu.weight",
                                 "cpu.max",
                                 "cpu.max.burst",
                                 "cpu.idle",
                                 "cpuset.cpus",
                                 "cpuset.mems",
                                 "pids.max",
                                 "io.weight",
                                 "io.max",
                                 "hugetlb.2MB.max",
                                 "hugetlb.2MB.rsvd.max",
                                 "cgroup.freeze",
                                 "cgroup.kill",
                                 "cgroup.subtree_control",
                                 NULL};

/* A v2 root with the leaf "c" populated like the kernel would. */
static char *v2_tree(const char *root, const char *controllers)
{
    put(root, "cgroup.controllers", controllers);
    put(root, "cgroup.subtree_control", "");
    char *leaf = mkdirs(root, "c");
    put(leaf, "cgroup.controllers", controllers);
    for (int i = 0; v2_files[i]; i++)
        put(leaf, v2_files[i], "");
    return leaf;
}

static oci_resources sample(void)
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
    r.cpu.burst = (oci_opt_u64){true, 1000};
    r.cpu.cpus = "0";
    r.cpu.mems = "0";
    r.has_pids = true;
    r.pids_limit = 0;
    return r;
}

TEST(v2_translation)
{
    const char *root = fresh_root();
    char *leaf = v2_tree(root, "cpuset cpu io memory hugetlb pids");
    cg_layout *l = cg_layout_new_v2(root, "/");
    oci_resources r = sample();
    oci_throttle_device thr = {8, 0, 1048576};
    r.has_blkio = true;
    r.blkio.has_weight = true;
    r.blkio.weight = 500;
    r.blkio.throttle[1] = &thr; /* write bps */
    r.blkio.n_throttle[1] = 1;
    oci_hugepage_limit hp = {"2MB", 4194304};
    r.hugepage_limits = &hp;
    r.n_hugepage_limits = 1;
    oci_kv kv = {"memory.high", "50331648"};
    r.unified = &kv;
    r.n_unified = 1;
    cgroup *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cg_create_in(l, "/c", "id", &r, &cg, &e), 0);
    if (e)
        fprintf(stderr, "%s\n", e->msg);
    CHECK_STR(get(leaf, "memory.max"), "67108864");
    CHECK_STR(get(leaf, "memory.low"), "33554432");
    CHECK_STR(get(leaf, "memory.swap.max"), "33554432"); /* 96M - 64M */
    CHECK_STR(get(leaf, "cpu.weight"), "100");
    CHECK_STR(get(leaf, "cpu.max"), "50000 100000");
    CHECK_STR(get(leaf, "cpu.max.burst"), "1000");
    CHECK_STR(get(leaf, "cpuset.cpus"), "0");
    CHECK_STR(get(leaf, "pids.max"), "max");
    CHECK_STR(get(leaf, "io.weight"), "4950");
    CHECK_STR(get(leaf, "io.max"), "8:0 wbps=1048576");
    CHECK_STR(get(leaf, "hugetlb.2MB.max"), "4194304");
    CHECK_STR(get(leaf, "hugetlb.2MB.rsvd.max"), "4194304");
    CHECK_STR(get(leaf, "memory.high"), "50331648");
    if (cg) {
        CHECK_STR(cgroup_path(cg), leaf);
        CHECK(cg->unified->top == NULL); /* existed: not ours to undo on failure */
        /* update: only the fields given */
        oci_resources u = {0};
        u.has_pids = true;
        u.pids_limit = 42;
        u.has_cpu = true;
        u.cpu.quota = (oci_opt_i64){true, -1};
        CHECK_INT(cgroup_update(cg, &u, &e), 0);
        CHECK_STR(get(leaf, "pids.max"), "42");
        CHECK_STR(get(leaf, "cpu.max"), "max");
        CHECK_STR(get(leaf, "memory.max"), "67108864");
        CHECK_INT(cgroup_enter(cg, 12345, &e), 0);
        CHECK_STR(get(leaf, "cgroup.procs"), "12345");
        CHECK_INT(cgroup_freeze(cg, false, &e), -1); /* no cgroup.events in the fake */
        werr_free(e);
        e = NULL;
    }
    cgroup_free(cg);
    cg_layout_free(l);
    free(leaf);
}

static char *expect_error(cg_layout *l, const char *path, const oci_resources *r)
{
    cgroup *cg = NULL;
    weft_error *e = NULL;
    static char msg[512];
    msg[0] = '\0';
    if (cg_create_in(l, path, "id", r, &cg, &e) == 0) {
        cgroup_free(cg);
        return msg;
    }
    snprintf(msg, sizeof msg, "%s", e ? e->msg : "");
    werr_free(e);
    return msg;
}

TEST(v2_errors)
{
    const char *root = fresh_root();
    char *leaf = v2_tree(root, "cpu memory");
    cg_layout *l = cg_layout_new_v2(root, "/");
    oci_resources r = {0};
    r.has_pids = true;
    r.pids_limit = 10;
    CHECK(strstr(expect_error(l, "/c", &r),
                 "linux.resources.pids: the pids controller is not available in ") != NULL);
    r = (oci_resources){0};
    oci_hugepage_limit hp = {"2MB", 1};
    r.hugepage_limits = &hp;
    r.n_hugepage_limits = 1;
    CHECK(strstr(expect_error(l, "/c", &r),
                 "linux.resources.hugepageLimits: the hugetlb controller is not available in ") !=
          NULL);
    r = (oci_resources){0};
    r.has_cpu = true;
    r.cpu.realtime_runtime = (oci_opt_i64){true, 1000};
    CHECK(strstr(expect_error(l, "/c", &r), "not supported on cgroup v2") != NULL);
    r = (oci_resources){0};
    r.has_network = r.has_class_id = true;
    r.class_id = 7;
    CHECK(strstr(expect_error(l, "/c", &r), "linux.resources.network") != NULL);
    r = (oci_resources){0};
    oci_kv kv = {"../memory.max", "1"};
    r.unified = &kv;
    r.n_unified = 1;
    CHECK(strstr(expect_error(l, "/c", &r), "not a cgroup file name") != NULL);
    /* a new directory that fails to configure is removed again */
    r = (oci_resources){0};
    r.has_pids = true;
    r.pids_limit = 1;
    CHECK(strstr(expect_error(l, "/new/deeper", &r), "cgroup.controllers") != NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/new", root);
    CHECK(access(path, F_OK) != 0);
    CHECK(strstr(expect_error(l, "../c", NULL), "'..' is not allowed") != NULL);
    /* memory.checkBeforeUpdate refuses a limit below the usage */
    put(leaf, "memory.current", "100000000\n");
    r = (oci_resources){0};
    r.has_memory = true;
    r.memory.limit = (oci_opt_i64){true, 64 << 20};
    r.memory.check_before_update = true;
    CHECK(strstr(expect_error(l, "/c", &r), "is not above the current usage 100000000") != NULL);
    r.memory.limit.v = 200000000;
    CHECK_STR(expect_error(l, "/c", &r), "");
    CHECK_STR(get(leaf, "memory.max"), "200000000");
    cg_layout_free(l);
    free(leaf);
}

/* A handle on the fake unified tree at root, leaf root/<rel>, counting in reg. */
static cgroup *fake_unified(const char *root, const char *rel, const char *reg, int mode)
{
    cgroup *cg = calloc(1, sizeof *cg);
    cg->drv = &cg_driver_cgroupfs;
    cg->mode = mode;
    cg->unified = calloc(1, sizeof *cg->unified);
    cg->unified->controllers = strdup("");
    cg->unified->path = mkdirs(root, rel);
    cg->unified_mount = strdup(root);
    cg->registry = reg ? strdup(reg) : NULL;
    return cg;
}

TEST(v2_enable_needed_controllers)
{
    const char *root = fresh_root();
    put(root, "cgroup.controllers", "cpu memory pids");
    put(root, "cgroup.subtree_control", "");
    char *mid = mkdirs(root, "a");
    put(mid, "cgroup.controllers", "cpu memory pids");
    put(mid, "cgroup.subtree_control", "");
    cgroup *cg = fake_unified(root, "a/b", NULL, CG_MODE_V2);
    put(cg->unified->path, "cgroup.subtree_control", "untouched");
    char *needed[] = {"memory", NULL};
    weft_error *e = NULL;
    CHECK_INT(cg_v2_enable(cg, needed, false, &e), 0);
    /* every level from the mount root down to the leaf's parent, not the leaf */
    CHECK_STR(get(root, "cgroup.subtree_control"), "+memory");
    CHECK_STR(get(mid, "cgroup.subtree_control"), "+memory");
    CHECK_STR(get(cg->unified->path, "cgroup.subtree_control"), "untouched");
    CHECK_INT(cg->n_enabled, 0); /* pure v2: nothing to give back */
    /* a controller the level does not offer fails, naming both */
    char *missing[] = {"hugetlb", NULL};
    CHECK_INT(cg_v2_enable(cg, missing, false, &e), -1);
    CHECK(e && strstr(e->msg, "hugetlb controller is not available in") && strstr(e->msg, root));
    werr_free(e);
    cgroup_free(cg);
    free(mid);
}

/* Hybrid: what weft enabled in the unified tree goes with its last user; what
 * was enabled before weft stays. */
TEST(hybrid_enabled_controllers_are_given_back)
{
    const char *root = fresh_root();
    char reg[600];
    snprintf(reg, sizeof reg, "%s/registry", root);
    put(root, "cgroup.controllers", "hugetlb rdma");
    put(root, "cgroup.subtree_control", "rdma");
    char *mid = mkdirs(root, "w");
    put(mid, "cgroup.controllers", "hugetlb rdma");
    put(mid, "cgroup.subtree_control", "");
    cgroup *a = fake_unified(root, "w/a", reg, CG_MODE_HYBRID);
    cgroup *b = fake_unified(root, "w/b", reg, CG_MODE_HYBRID);
    /* rdma first: the fake file keeps only the last write */
    char *needed[] = {"rdma", "hugetlb", NULL};
    weft_error *e = NULL;
    CHECK_INT(cg_v2_enable(a, needed, false, &e), 0);
    CHECK_STR(get(root, "cgroup.subtree_control"), "+hugetlb"); /* rdma was there */
    CHECK_STR(get(mid, "cgroup.subtree_control"), "+hugetlb");
    CHECK_INT(a->n_enabled, 3); /* hugetlb at both levels, rdma below the root */
    /* as the kernel would show them now */
    put(root, "cgroup.subtree_control", "hugetlb rdma");
    put(mid, "cgroup.subtree_control", "hugetlb rdma");
    CHECK_INT(cg_v2_enable(b, needed, false, &e), 0);
    CHECK_INT(b->n_enabled, 3); /* b holds weft's pairs too, not the host's rdma */
    cg_v2_release(a);           /* b still needs them */
    CHECK_STR(get(root, "cgroup.subtree_control"), "hugetlb rdma");
    CHECK_STR(get(mid, "cgroup.subtree_control"), "hugetlb rdma");
    /* the state form keeps what b holds */
    char *text = cgroup_serialize(b);
    cgroup *back = NULL;
    CHECK_INT(cgroup_load(text, &back, &e), 0);
    free(text);
    CHECK(back && back->n_enabled == 3 && strcmp(back->registry, reg) == 0);
    cg_v2_release(back); /* the last user: disabled again, the deepest first */
    CHECK_STR(get(root, "cgroup.subtree_control"), "-hugetlb");
    CHECK(get(mid, "cgroup.subtree_control")[0] == '-');
    cgroup_free(back);
    cgroup_free(a);
    cgroup_free(b);
    free(mid);
    werr_free(e);
}

/* v1: one directory per hierarchy below root/<name>, leaf "c" pre-made. */
static char *v1_leaf(const char *root, const char *hier, const char **files)
{
    char rel[128];
    snprintf(rel, sizeof rel, "%s/c", hier);
    char *leaf = mkdirs(root, rel);
    for (int i = 0; files[i]; i++)
        put(leaf, files[i], "");
    put(leaf, "cgroup.procs", "");
    return leaf;
}

TEST(v1_translation)
{
    const char *root = fresh_root();
    static const char *mem[] = {"memory.limit_in_bytes",      "memory.memsw.limit_in_bytes",
                                "memory.soft_limit_in_bytes", "memory.swappiness",
                                "memory.oom_control",         NULL};
    static const char *cpu[] = {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us",
                                "cpu.cfs_burst_us", NULL};
    static const char *cpuset[] = {"cpuset.cpus", "cpuset.mems", NULL};
    static const char *pids[] = {"pids.max", NULL};
    static const char *dev[] = {"devices.allow", "devices.deny", NULL};
    char *m = v1_leaf(root, "memory", mem), *c = v1_leaf(root, "cpu,cpuacct", cpu);
    char *cs = v1_leaf(root, "cpuset", cpuset), *p = v1_leaf(root, "pids", pids);
    char *d = v1_leaf(root, "devices", dev);
    put(m, "memory.limit_in_bytes", "9223372036854771712");
    /* the leaf's cpuset starts empty, as the kernel makes it: inherited from the root */
    char *csroot = mkdirs(root, "cpuset");
    put(csroot, "cpuset.cpus", "0-1\n");
    put(csroot, "cpuset.mems", "0-3\n");
    free(csroot);
    cg_layout *l = cg_layout_new_v1();
    const char *names[] = {"memory", "cpu,cpuacct", "cpuset", "pids", "devices"};
    for (int i = 0; i < 5; i++) {
        char mount[256];
        snprintf(mount, sizeof mount, "%s/%s", root, names[i]);
        cg_layout_add_v1(l, names[i], mount, "/");
    }
    oci_resources r = sample();
    r.cpu.shares.v = 512;
    r.cpu.mems = NULL;
    r.memory.swappiness = (oci_opt_u64){true, 10};
    r.memory.has_disable_oom_killer = r.memory.disable_oom_killer = true;
    r.pids_limit = 33;
    oci_device_rule rules[] = {{false, 'a', -1, -1, "rwm"}, {false, 'c', 1, 3, "w"}};
    r.devices = rules;
    r.n_devices = 2;
    cgroup *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cg_create_in(l, "c", "id", &r, &cg, &e), 0);
    if (e)
        fprintf(stderr, "%s\n", e->msg);
    CHECK_STR(get(m, "memory.limit_in_bytes"), "67108864");
    CHECK_STR(get(m, "memory.memsw.limit_in_bytes"), "100663296"); /* memory+swap as given */
    CHECK_STR(get(m, "memory.soft_limit_in_bytes"), "33554432");
    CHECK_STR(get(m, "memory.swappiness"), "10");
    CHECK_STR(get(m, "memory.oom_control"), "1");
    CHECK_STR(get(c, "cpu.shares"), "512");
    CHECK_STR(get(c, "cpu.cfs_quota_us"), "50000");
    CHECK_STR(get(c, "cpu.cfs_period_us"), "100000");
    CHECK_STR(get(c, "cpu.cfs_burst_us"), "1000");
    CHECK_STR(get(cs, "cpuset.cpus"), "0");
    CHECK_STR(get(cs, "cpuset.mems"), "0-3"); /* not in the spec: the parent's */
    CHECK_STR(get(p, "pids.max"), "33");
    /* deny-all then rules in order, then the default allows: last is tun */
    CHECK_STR(get(d, "devices.allow"), "c 10:200 rwm");
    CHECK_STR(get(d, "devices.deny"), "c 1:3 w");
    if (cg) {
        CHECK_STR(cgroup_path(cg), m);
        CHECK_INT(cg->n_v1, 5);
    }
    cgroup_free(cg);

    /* v1 refusals */
    oci_resources u = {0};
    oci_kv kv = {"memory.high", "1"};
    u.unified = &kv;
    u.n_unified = 1;
    CHECK_STR(expect_error(l, "c", &u), "linux.resources.unified requires cgroup v2");
    u = (oci_resources){0};
    oci_hugepage_limit hp = {"2MB", 1};
    u.hugepage_limits = &hp;
    u.n_hugepage_limits = 1;
    CHECK_STR(expect_error(l, "c", &u),
              "linux.resources.hugepageLimits: hugetlb controller not available");
    u = (oci_resources){0};
    u.has_network = u.has_class_id = true;
    CHECK_STR(expect_error(l, "c", &u),
              "linux.resources.network.classID: net_cls controller not available");
    u = (oci_resources){0};
    u.has_memory = true;
    u.memory.swappiness = (oci_opt_u64){true, 101};
    CHECK(strstr(expect_error(l, "c", &u), "swappiness") != NULL);
    cg_layout_free(l);
    free(m), free(c), free(cs), free(p), free(d);
    nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    tmpl[0] = '\0';
}

TEST(v1_blkio_hugetlb_network)
{
    const char *root = fresh_root();
    static const char *blk[] = {"blkio.bfq.weight", "blkio.throttle.read_bps_device",
                                "blkio.throttle.write_iops_device", NULL};
    static const char *huge[] = {"hugetlb.2MB.limit_in_bytes", NULL};
    static const char *net[] = {"net_cls.classid", "net_prio.ifpriomap", NULL};
    char *b = v1_leaf(root, "blkio", blk), *h = v1_leaf(root, "hugetlb", huge);
    char *n = v1_leaf(root, "net_cls,net_prio", net);
    cg_layout *l = cg_layout_new_v1();
    const char *names[] = {"blkio", "hugetlb", "net_cls,net_prio"};
    for (int i = 0; i < 3; i++) {
        char mount[256];
        snprintf(mount, sizeof mount, "%s/%s", root, names[i]);
        cg_layout_add_v1(l, names[i], mount, "/");
    }
    oci_resources r = {0};
    r.has_blkio = true;
    r.blkio.has_weight = true;
    r.blkio.weight = 300; /* no CFQ blkio.weight here: BFQ's file, same scale */
    oci_throttle_device rd = {8, 16, 2097152}, wi = {253, 0, 100};
    r.blkio.throttle[0] = &rd;
    r.blkio.n_throttle[0] = 1;
    r.blkio.throttle[3] = &wi;
    r.blkio.n_throttle[3] = 1;
    oci_hugepage_limit hp[2] = {{"2MB", 8388608}, {"1GB", 1}};
    r.hugepage_limits = hp;
    r.n_hugepage_limits = 1;
    oci_net_priority prio = {"eth0", 5};
    r.has_network = r.has_class_id = true;
    r.class_id = 0x100001;
    r.net_priorities = &prio;
    r.n_net_priorities = 1;
    cgroup *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cg_create_in(l, "/c", "id", &r, &cg, &e), 0);
    if (e)
        fprintf(stderr, "%s\n", e->msg);
    CHECK_STR(get(b, "blkio.bfq.weight"), "300");
    CHECK_STR(get(b, "blkio.throttle.read_bps_device"), "8:16 2097152");
    CHECK_STR(get(b, "blkio.throttle.write_iops_device"), "253:0 100");
    CHECK_STR(get(h, "hugetlb.2MB.limit_in_bytes"), "8388608");
    CHECK_STR(get(n, "net_cls.classid"), "1048577");
    CHECK_STR(get(n, "net_prio.ifpriomap"), "eth0 5");
    cgroup_free(cg);
    r.n_hugepage_limits = 2; /* 1GB pages: no such file */
    CHECK_STR(expect_error(l, "/c", &r),
              "linux.resources.hugepageLimits[1]: page size '1GB' not supported");
    cg_layout_free(l);
    free(b), free(h), free(n);
}

UNIT_MAIN()
