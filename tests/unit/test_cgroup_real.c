/* src/cgroup on this machine's real hierarchies (needs root): create with
 * resources and read the files back, enter a forked child, freeze/thaw it,
 * list, kill, destroy and check that nothing remains. The v2 code path runs
 * against the unified mount whatever the machine's mode. Every directory is
 * below "weft-unit-<pid>" and is removed at exit even when a check fails. */
#include "cgroup/cg_internal.h"
#include "util/error.h"
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static cg_layout *layout;
static char prefix[64];
static char *root_before; /* the unified root's subtree_control at start */
static char *root_controls(void);
static void restore_root_controls(char *before);

static bool usable(void)
{
    if (layout != NULL)
        return true;
    if (getuid() != 0) {
        fprintf(stderr, "skipped: cgroup tests need root\n");
        return false;
    }
    weft_error *e = NULL;
    if (cg_layout_detect(&layout, &e) < 0) {
        fprintf(stderr, "skipped: %s\n", e->msg);
        werr_free(e);
        return false;
    }
    snprintf(prefix, sizeof prefix, "weft-unit-%d", (int)getpid());
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* reap grandchildren left by killed children */
    if (layout->unified_mount)
        root_before = root_controls();
    return true;
}

static int rmdir_dirs(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)f;
    if (flag == FTW_DP)
        rmdir(p);
    return 0;
}

static void rm_under(const char *mount, const char *own)
{
    char path[1024];
    if (own == NULL || strcmp(own, "/") == 0)
        own = "";
    snprintf(path, sizeof path, "%s%s/%s", mount, own, prefix);
    nftw(path, rmdir_dirs, 16, FTW_DEPTH | FTW_PHYS);
    snprintf(path, sizeof path, "%s/%s-v2", mount, prefix);
    nftw(path, rmdir_dirs, 16, FTW_DEPTH | FTW_PHYS);
    snprintf(path, sizeof path, "%s%s/weft/%s-d", mount, own, prefix);
    nftw(path, rmdir_dirs, 16, FTW_DEPTH | FTW_PHYS);
}

/* Safety net for failed checks: kill what is left, remove our directories. */
__attribute__((destructor)) static void cleanup_all(void)
{
    if (layout == NULL)
        return;
    kill(0, 0);
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    for (size_t i = 0; i < layout->n_hier; i++)
        rm_under(layout->hier[i].mount, layout->hier[i].own);
    if (layout->unified_mount)
        rm_under(layout->unified_mount, layout->unified_own);
    if (root_before)
        restore_root_controls(root_before);
    cg_layout_free(layout);
}

/* The driver enables controllers in the unified root's subtree_control; the
 * machine is shared, so tests switch off again what was not on before. */
static char *root_controls(void)
{
    char *v = NULL;
    weft_error *e = NULL;
    if (cg_read(layout->unified_mount, "cgroup.subtree_control", &v, &e) < 0) {
        werr_free(e);
        return strdup("");
    }
    return v;
}

static void restore_root_controls(char *before)
{
    char *now = root_controls();
    char *save = NULL;
    for (char *c = strtok_r(now, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
        char minus[64];
        snprintf(minus, sizeof minus, "-%s", c);
        if (strstr(before, c) == NULL)
            cg_write(layout->unified_mount, "cgroup.subtree_control", minus, NULL);
    }
    free(now);
    free(before);
}

static void sleep_ms(long ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Shared with the child: a progress counter and its device-open results. */
struct shared {
    volatile long counter;
    volatile int null_errno, kmsg_errno, ready;
};

struct child {
    pid_t pid;
    int go; /* write end */
    struct shared *sh;
};

static struct child spawn(void)
{
    struct child c = {0};
    int p[2];
    if (pipe(p) < 0)
        abort();
    c.sh = mmap(NULL, sizeof *c.sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    c.pid = fork();
    if (c.pid == 0) {
        close(p[1]);
        char x;
        if (read(p[0], &x, 1) != 1)
            _exit(1);
        if (fork() == 0) { /* a grandchild, for the recursive pid list */
            for (;;)
                pause();
        }
        int fd = open("/dev/null", O_RDONLY);
        c.sh->null_errno = fd < 0 ? errno : 0;
        fd = open("/dev/kmsg", O_RDONLY);
        c.sh->kmsg_errno = fd < 0 ? errno : 0;
        c.sh->ready = 1;
        for (;;) {
            c.sh->counter++;
            sleep_ms(1);
        }
    }
    close(p[0]);
    c.go = p[1];
    return c;
}

static void start(struct child *c)
{
    if (write(c->go, "x", 1) != 1)
        abort();
    close(c->go);
    for (int i = 0; i < 2000 && !(c->sh->ready && c->sh->counter > 0); i++)
        sleep_ms(1);
}

static bool in_cgroup(pid_t pid, const char *needle)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strstr(buf, needle) != NULL;
}

static bool progressing(struct child *c)
{
    long before = c->sh->counter;
    sleep_ms(100);
    return c->sh->counter != before;
}

static char *readf(const char *dir, const char *file)
{
    static char *last;
    free(last);
    last = NULL;
    weft_error *e = NULL;
    if (dir == NULL || cg_read(dir, file, &last, &e) < 0) {
        werr_free(e);
        return NULL;
    }
    return last;
}

static size_t count_pids(cgroup *cg)
{
    pid_t *pids = NULL;
    size_t n = 0;
    weft_error *e = NULL;
    if (cgroup_pids(cg, &pids, &n, &e) < 0)
        werr_free(e);
    free(pids);
    return n;
}

static bool wait_empty(cgroup *cg)
{
    for (int i = 0; i < 200; i++) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (count_pids(cg) == 0)
            return true;
        sleep_ms(10);
    }
    return false;
}

/* A directory with sub-cgroups of its own: a parent shared with containers of
 * other runs on this machine (the default weft/ level), rightly kept. */
static bool has_subdirs(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    bool any = false;
    while (d != NULL && !any && (e = readdir(d)) != NULL)
        any = e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d != NULL)
        closedir(d);
    return any;
}

static bool gone(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (access(paths[i], F_OK) == 0 && !has_subdirs(paths[i])) {
            fprintf(stderr, "left behind: %s\n", paths[i]);
            return false;
        }
    return true;
}

/* All directories of a handle (to check them after destroy). */
static char **dirs_of(const cgroup *cg, size_t *n)
{
    char **v = calloc(2 * cg->n_v1 + 3, sizeof *v);
    *n = 0;
    for (size_t i = 0; i < cg->n_v1; i++) {
        v[(*n)++] = strdup(cg->v1[i].path);
        if (cg->v1[i].top)
            v[(*n)++] = strdup(cg->v1[i].top);
    }
    if (cg->unified) {
        v[(*n)++] = strdup(cg->unified->path);
        if (cg->unified->top)
            v[(*n)++] = strdup(cg->unified->top);
    }
    return v;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

TEST(v1_lifecycle)
{
    if (!usable() || layout->mode == CG_MODE_V2)
        return;
    oci_device_rule deny_all = {false, 'a', -1, -1, "rwm"};
    oci_resources r = {0};
    r.has_memory = true;
    r.memory.limit = (oci_opt_i64){true, 64 << 20};
    r.memory.reservation = (oci_opt_i64){true, 32 << 20};
    r.memory.swap = (oci_opt_i64){true, 128 << 20};
    r.memory.swappiness = (oci_opt_u64){true, 5};
    r.has_cpu = true;
    r.cpu.shares = (oci_opt_u64){true, 512};
    r.cpu.quota = (oci_opt_i64){true, 20000};
    r.cpu.period = (oci_opt_u64){true, 100000};
    r.cpu.cpus = "0";
    r.cpu.mems = "0";
    r.has_pids = true;
    r.pids_limit = 50;
    r.devices = &deny_all;
    r.n_devices = 1;
    char path[128];
    snprintf(path, sizeof path, "%s/life", prefix);
    cgroup *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cgroup_create("cgroupfs", path, "life", &r, &cg, &e), 0);
    if (cg == NULL) {
        fprintf(stderr, "%s\n", e->msg);
        werr_free(e);
        return;
    }
    const char *mem = cg_v1_dir(cg, "memory"), *cpu = cg_v1_dir(cg, "cpu");
    CHECK_STR(readf(mem, "memory.limit_in_bytes"), "67108864");
    CHECK_STR(readf(mem, "memory.memsw.limit_in_bytes"), "134217728");
    CHECK_STR(readf(mem, "memory.soft_limit_in_bytes"), "33554432");
    CHECK_STR(readf(mem, "memory.swappiness"), "5");
    CHECK_STR(readf(cpu, "cpu.shares"), "512");
    CHECK_STR(readf(cpu, "cpu.cfs_quota_us"), "20000");
    CHECK_STR(readf(cpu, "cpu.cfs_period_us"), "100000");
    CHECK_STR(readf(cg_v1_dir(cg, "cpuset"), "cpuset.cpus"), "0");
    CHECK_STR(readf(cg_v1_dir(cg, "pids"), "pids.max"), "50");
    CHECK(strstr(cgroup_path(cg), path) != NULL);

    /* round-trip through the state form, as later commands do */
    char *state = cgroup_serialize(cg);
    cgroup_free(cg);
    cg = NULL;
    CHECK_INT(cgroup_load(state, &cg, &e), 0);
    free(state);
    if (cg == NULL)
        return;
    mem = cg_v1_dir(cg, "memory");

    struct child c = spawn();
    CHECK_INT(cgroup_enter(cg, c.pid, &e), 0);
    start(&c);
    char needle[160];
    snprintf(needle, sizeof needle, "%s/life\n", prefix);
    CHECK(in_cgroup(c.pid, needle));
    if (cg->unified) {
        snprintf(needle, sizeof needle, "0::/%s/life\n", prefix);
        CHECK(in_cgroup(c.pid, needle));
    }
    CHECK_INT(c.sh->null_errno, 0);
    CHECK_INT(c.sh->kmsg_errno, EPERM); /* devices: deny all + defaults */
    CHECK_INT(count_pids(cg), 2);       /* child and grandchild */

    bool frozen = true;
    CHECK_INT(cgroup_is_frozen(cg, &frozen, &e), 0);
    CHECK(!frozen);
    CHECK_INT(cgroup_freeze(cg, true, &e), 0);
    CHECK_INT(cgroup_is_frozen(cg, &frozen, &e), 0);
    CHECK(frozen);
    CHECK_STR(readf(cg_v1_dir(cg, "freezer"), "freezer.state"), "FROZEN");
    CHECK(!progressing(&c));
    CHECK_INT(cgroup_freeze(cg, false, &e), 0);
    CHECK(progressing(&c));

    /* update lowers the limit below the current memsw (write order matters) */
    oci_resources u = {0};
    u.has_memory = true;
    u.memory.limit = (oci_opt_i64){true, 16 << 20};
    u.memory.swap = (oci_opt_i64){true, 32 << 20};
    u.has_pids = true;
    u.pids_limit = -1;
    CHECK_INT(cgroup_update(cg, &u, &e), 0);
    CHECK_STR(readf(mem, "memory.limit_in_bytes"), "16777216");
    CHECK_STR(readf(cg_v1_dir(cg, "memory"), "memory.memsw.limit_in_bytes"), "33554432");
    CHECK_STR(readf(cg_v1_dir(cg, "pids"), "pids.max"), "max");

    CHECK_INT(cgroup_kill_all(cg, SIGKILL, &e), 0);
    int status = 0;
    CHECK_INT(waitpid(c.pid, &status, 0), c.pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(wait_empty(cg));
    CHECK_STR(readf(cg_v1_dir(cg, "freezer"), "freezer.state"), "THAWED");

    size_t n;
    char **dirs = dirs_of(cg, &n);
    CHECK_INT(cgroup_destroy(cg, &e), 0);
    CHECK(gone(dirs, n));
    CHECK_INT(cgroup_destroy(cg, &e), 0); /* again: already gone is fine */
    free_strs(dirs, n);
    cgroup_free(cg);
    if (e)
        fprintf(stderr, "%s\n", e->msg);
    werr_free(e);
}

TEST(default_path_and_busy_destroy)
{
    if (!usable())
        return;
    char id[96];
    snprintf(id, sizeof id, "%s-d", prefix);
    cgroup *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cgroup_create(NULL, NULL, id, NULL, &cg, &e), 0);
    if (cg == NULL) {
        fprintf(stderr, "%s\n", e->msg);
        werr_free(e);
        return;
    }
    char tail[128];
    snprintf(tail, sizeof tail, "/weft/%s", id);
    const char *p = cgroup_path(cg);
    CHECK(strlen(p) > strlen(tail) && strcmp(p + strlen(p) - strlen(tail), tail) == 0);
    struct child c = spawn();
    CHECK_INT(cgroup_enter(cg, c.pid, &e), 0);
    /* a live process: destroy fails (after ~1 s), naming it, and removes nothing */
    CHECK_INT(cgroup_destroy(cg, &e), -1);
    CHECK(e && strstr(e->msg, "still running") != NULL);
    werr_free(e);
    e = NULL;
    CHECK(access(p, F_OK) == 0);
    /* killed but not yet reaped: destroy waits for it to leave */
    kill(c.pid, SIGKILL);
    size_t n;
    char **dirs = dirs_of(cg, &n);
    CHECK_INT(cgroup_destroy(cg, &e), 0);
    CHECK(gone(dirs, n));
    free_strs(dirs, n);
    waitpid(c.pid, NULL, 0);
    cgroup_free(cg);
    werr_free(e);
    close(c.go);
}

TEST(stale_leaf_is_reused_and_removed)
{
    if (!usable())
        return;
    char path[128];
    snprintf(path, sizeof path, "%s/stale", prefix);
    cgroup *a = NULL, *b = NULL;
    weft_error *e = NULL;
    CHECK_INT(cgroup_create(NULL, path, "stale", NULL, &a, &e), 0);
    if (a == NULL)
        return;
    cgroup_free(a); /* a crash: the directories stay */
    CHECK_INT(cgroup_create(NULL, path, "stale", NULL, &b, &e), 0);
    if (b == NULL)
        return;
    size_t n;
    char **dirs = dirs_of(b, &n);
    CHECK(n > 0 && b->n_v1 + (b->unified != NULL) == n); /* nothing created: no tops */
    CHECK_INT(cgroup_destroy(b, &e), 0);
    CHECK(gone(dirs, n));
    free_strs(dirs, n);
    cgroup_free(b);
    /* the parent was made by the "crashed" one: nobody else removes it */
    for (size_t i = 0; i < layout->n_hier; i++)
        rm_under(layout->hier[i].mount, layout->hier[i].own);
    if (layout->unified_mount)
        rm_under(layout->unified_mount, layout->unified_own);
}

/* Nothing of prefix/<name> exists in any hierarchy. */
static bool nothing_named(const char *name)
{
    char path[1024];
    for (size_t i = 0; i < layout->n_hier; i++) {
        const char *own = strcmp(layout->hier[i].own, "/") == 0 ? "" : layout->hier[i].own;
        snprintf(path, sizeof path, "%s%s/%s/%s", layout->hier[i].mount, own, prefix, name);
        if (access(path, F_OK) == 0)
            return false;
    }
    if (layout->unified_mount) {
        const char *own = strcmp(layout->unified_own, "/") == 0 ? "" : layout->unified_own;
        snprintf(path, sizeof path, "%s%s/%s/%s", layout->unified_mount, own, prefix, name);
        if (access(path, F_OK) == 0)
            return false;
    }
    return true;
}

static char *create_error(const char *name, const oci_resources *r)
{
    static char msg[512];
    char path[128];
    snprintf(path, sizeof path, "%s/%s", prefix, name);
    cgroup *cg = NULL;
    weft_error *e = NULL;
    msg[0] = '\0';
    if (cgroup_create(NULL, path, "x", r, &cg, &e) == 0) {
        cgroup_destroy(cg, NULL);
        cgroup_free(cg);
        return msg;
    }
    snprintf(msg, sizeof msg, "%s", e->msg);
    werr_free(e);
    return msg;
}

TEST(real_errors_leave_nothing)
{
    if (!usable())
        return;
    cgroup *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cgroup_create("cgroupfs", "../escape", "x", NULL, &cg, &e), -1);
    CHECK(e && strstr(e->msg, "'..' is not allowed"));
    werr_free(e);
    e = NULL;
    CHECK_INT(cgroup_create("cgroupfs", "/a/../../escape", "x", NULL, &cg, &e), -1);
    werr_free(e);
    oci_resources r = {0};
    r.has_pids = true;
    r.pids_limit = 5;
    r.has_network = r.has_class_id = true;
    r.class_id = 0x100001;
    bool have_net_cls = false;
    for (size_t i = 0; i < layout->n_hier; i++)
        have_net_cls |= cg_list_has(layout->hier[i].controllers, "net_cls");
    if (layout->mode == CG_MODE_V2)
        CHECK(strstr(create_error("net", &r), "linux.resources.network") != NULL);
    else if (!have_net_cls) /* pids is applied first, then this fails: all undone */
        CHECK_STR(create_error("net", &r),
                  "linux.resources.network.classID: net_cls controller not available");
    CHECK(nothing_named("net"));
    r = (oci_resources){0};
    oci_hugepage_limit hp = {"3MB", 1};
    r.hugepage_limits = &hp;
    r.n_hugepage_limits = 1;
    CHECK(strstr(create_error("huge", &r), "hugepageLimits") != NULL);
    CHECK(nothing_named("huge"));
    r = (oci_resources){0};
    r.has_memory = true;
    r.memory.limit = (oci_opt_i64){true, 100 << 20};
    r.memory.swap = (oci_opt_i64){true, 50 << 20};
    CHECK(strstr(create_error("swap", &r), "linux.resources.memory") != NULL);
    CHECK(nothing_named("swap"));
    /* the shared parent made for these attempts is gone as well */
    char path[1024];
    snprintf(path, sizeof path, "%s%s/%s", layout->hier[0].mount,
             strcmp(layout->hier[0].own, "/") == 0 ? "" : layout->hier[0].own, prefix);
    CHECK(layout->n_hier == 0 || access(path, F_OK) != 0);
}

TEST(hybrid_hugetlb_through_unified)
{
    if (!usable() || layout->mode != CG_MODE_HYBRID)
        return;
    bool v1_hugetlb = false;
    for (size_t i = 0; i < layout->n_hier; i++)
        v1_hugetlb |= cg_list_has(layout->hier[i].controllers, "hugetlb");
    weft_error *e = NULL;
    char *avail = NULL;
    if (v1_hugetlb || access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) != 0 ||
        cg_read(layout->unified_mount, "cgroup.controllers", &avail, &e) < 0 ||
        strstr(avail, "hugetlb") == NULL) {
        free(avail);
        werr_free(e);
        return;
    }
    free(avail);
    oci_resources r = {0};
    oci_hugepage_limit hp = {"2MB", 2 << 20};
    r.hugepage_limits = &hp;
    r.n_hugepage_limits = 1;
    char path[128];
    snprintf(path, sizeof path, "%s/huge2", prefix);
    cgroup *cg = NULL;
    CHECK_INT(cgroup_create(NULL, path, "x", &r, &cg, &e), 0);
    if (cg == NULL) {
        fprintf(stderr, "%s\n", e->msg);
        werr_free(e);
        return;
    }
    CHECK_STR(readf(cg->unified->path, "hugetlb.2MB.max"), "2097152");
    size_t n;
    char **dirs = dirs_of(cg, &n);
    CHECK_INT(cgroup_destroy(cg, &e), 0);
    CHECK(gone(dirs, n));
    free_strs(dirs, n);
    cgroup_free(cg);
}

TEST(v2_on_unified_mount)
{
    if (!usable() || layout->unified_mount == NULL)
        return;
    cg_layout *l2 = cg_layout_new_v2(layout->unified_mount, "/");
    oci_device_rule deny_all = {false, 'a', -1, -1, "rwm"};
    oci_resources r = {0};
    r.devices = &deny_all;
    r.n_devices = 1;
    char path[128];
    snprintf(path, sizeof path, "/%s-v2/c", prefix);
    cgroup *cg = NULL;
    weft_error *e = NULL;
    CHECK_INT(cg_create_in(l2, path, "c", &r, &cg, &e), 0);
    cg_layout_free(l2);
    if (cg == NULL) {
        fprintf(stderr, "%s\n", e->msg);
        werr_free(e);
        return;
    }
    CHECK_INT(cg->mode, CG_MODE_V2);
    struct child c = spawn();
    CHECK_INT(cgroup_enter(cg, c.pid, &e), 0);
    start(&c);
    char needle[160];
    snprintf(needle, sizeof needle, "0::%s\n", path);
    CHECK(in_cgroup(c.pid, needle));
    CHECK_INT(c.sh->null_errno, 0);
    CHECK_INT(c.sh->kmsg_errno, EPERM); /* the eBPF device program */
    CHECK_INT(count_pids(cg), 2);

    bool frozen = true;
    CHECK_INT(cgroup_is_frozen(cg, &frozen, &e), 0);
    CHECK(!frozen);
    CHECK_INT(cgroup_freeze(cg, true, &e), 0);
    CHECK_INT(cgroup_is_frozen(cg, &frozen, &e), 0);
    CHECK(frozen);
    CHECK(!progressing(&c));
    CHECK_INT(cgroup_freeze(cg, false, &e), 0);
    CHECK(progressing(&c));

    /* SIGTERM: the freeze -> signal -> thaw path; the child dies of it */
    CHECK_INT(cgroup_kill_all(cg, SIGTERM, &e), 0);
    int status = 0;
    CHECK_INT(waitpid(c.pid, &status, 0), c.pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    /* SIGKILL: cgroup.kill, for the rest */
    CHECK_INT(cgroup_kill_all(cg, SIGKILL, &e), 0);
    CHECK(wait_empty(cg));

    /* update replaces the device program: /dev/kmsg readable now */
    oci_device_rule allow_kmsg[2] = {deny_all, {true, 'c', 1, 11, "r"}};
    oci_resources u = {0};
    u.devices = allow_kmsg;
    u.n_devices = 2;
    CHECK_INT(cgroup_update(cg, &u, &e), 0);
    struct child c2 = spawn();
    CHECK_INT(cgroup_enter(cg, c2.pid, &e), 0);
    start(&c2);
    CHECK_INT(c2.sh->kmsg_errno, 0);
    CHECK_INT(c2.sh->null_errno, 0);
    CHECK_INT(cgroup_kill_all(cg, SIGKILL, &e), 0);
    CHECK_INT(waitpid(c2.pid, &status, 0), c2.pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(wait_empty(cg));

    size_t n;
    char **dirs = dirs_of(cg, &n);
    CHECK_INT(cgroup_destroy(cg, &e), 0);
    CHECK(gone(dirs, n));
    free_strs(dirs, n);
    cgroup_free(cg);
    if (e)
        fprintf(stderr, "%s\n", e->msg);
    werr_free(e);
}

UNIT_MAIN()
