/* process_apply_security and its parts, checked from inside a forked child. */
#include "test_linux_child.h"

#include "linux/security.h"
#include "util/error.h"
#include "util/log.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <linux/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#define BIT(c) (1ULL << (c))

static weft_error *child_err;

/* ---- names ----------------------------------------------------------------- */

TEST(caps_names)
{
    CHECK_INT(caps_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
    CHECK_INT(caps_from_name("cap_chown"), CAP_CHOWN);
    CHECK_INT(caps_from_name("CAP_CHECKPOINT_RESTORE"), 40);
    CHECK_INT(caps_from_name("CAP_BOGUS"), -1);
    CHECK_INT(caps_from_name("SYS_ADMIN"), -1);
    CHECK_INT(caps_from_name(NULL), -1);
    CHECK_STR(caps_name(CAP_NET_RAW), "CAP_NET_RAW");
    CHECK(caps_name(64) == NULL);
    CHECK(caps_last_cap() >= CAP_AUDIT_READ);
}

TEST(caps_mask_skips_unknown)
{
    char *names[] = {"CAP_CHOWN", "CAP_FUTURE_THING", "CAP_KILL", "NOT_A_CAP"};
    CHECK_INT(caps_mask_from_names(names, 4, "bounding"), BIT(CAP_CHOWN) | BIT(CAP_KILL));
    CHECK_INT(caps_mask_from_names(NULL, 0, "bounding"), 0);
}

TEST(rlimit_names)
{
    CHECK_INT(oci_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
    CHECK_INT(oci_rlimit_from_name("RLIMIT_CPU"), RLIMIT_CPU);
    CHECK_INT(oci_rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
    CHECK_INT(oci_rlimit_from_name("RLIMIT_BOGUS"), -1);
    CHECK_INT(oci_rlimit_from_name("nofile"), -1);
    CHECK_STR(oci_rlimit_name(RLIMIT_STACK), "RLIMIT_STACK");
}

/* ---- the whole sequence -------------------------------------------------- */

static char *full_bounding[] = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"};
static char *full_effective[] = {"CAP_CHOWN", "CAP_KILL"};
static char *full_permitted[] = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
static char *full_inheritable[] = {"CAP_NET_BIND_SERVICE"};
static char *full_ambient[] = {"CAP_NET_BIND_SERVICE"};
static gid_t full_groups[] = {10, 20};
static oci_rlimit full_rlimits[] = {
    {.type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 100, .hard = 200},
    {.type = "RLIMIT_CORE", .resource = RLIMIT_CORE, .soft = 0, .hard = UINT64_MAX},
};

static oci_process full_process(void)
{
    oci_process p = {0};
    p.has_capabilities = true;
    p.capabilities = (oci_capabilities){
        .bounding = full_bounding,
        .n_bounding = 4,
        .effective = full_effective,
        .n_effective = 2,
        .permitted = full_permitted,
        .n_permitted = 3,
        .inheritable = full_inheritable,
        .n_inheritable = 1,
        .ambient = full_ambient,
        .n_ambient = 1,
    };
    p.user = (oci_user){.uid = 1000,
                        .gid = 1001,
                        .has_umask = true,
                        .umask = 027,
                        .additional_gids = full_groups,
                        .n_additional_gids = 2};
    p.rlimits = full_rlimits;
    p.n_rlimits = 2;
    p.has_oom_score_adj = true;
    p.oom_score_adj = 500;
    p.no_new_privileges = true;
    return p;
}

static void child_full(void *arg)
{
    (void)arg;
    oci_process p = full_process();
    CCHECK_INT(process_apply_security(&p, true, &child_err), 0);
    if (child_err)
        dprintf(child_report_fd, "error: %s\n", child_err->msg);

    CCHECK_HEX(status_hex("CapBnd"),
               BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SETUID));
    CCHECK_HEX(status_hex("CapEff"), BIT(CAP_CHOWN) | BIT(CAP_KILL));
    CCHECK_HEX(status_hex("CapPrm"), BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE));
    CCHECK_HEX(status_hex("CapInh"), BIT(CAP_NET_BIND_SERVICE));
    CCHECK_HEX(status_hex("CapAmb"), BIT(CAP_NET_BIND_SERVICE));

    uid_t r, e, s;
    CCHECK_INT(getresuid(&r, &e, &s), 0);
    CCHECK_INT(r, 1000);
    CCHECK_INT(e, 1000);
    CCHECK_INT(s, 1000);
    gid_t gr, ge, gs;
    CCHECK_INT(getresgid(&gr, &ge, &gs), 0);
    CCHECK_INT(gr, 1001);
    CCHECK_INT(ge, 1001);
    CCHECK_INT(gs, 1001);
    gid_t groups[8];
    int ng = getgroups(8, groups);
    CCHECK_INT(ng, 2);
    if (ng == 2) {
        CCHECK_INT(groups[0], 10);
        CCHECK_INT(groups[1], 20);
    }

    struct rlimit rl;
    CCHECK_INT(getrlimit(RLIMIT_NOFILE, &rl), 0);
    CCHECK_INT(rl.rlim_cur, 100);
    CCHECK_INT(rl.rlim_max, 200);
    CCHECK_INT(getrlimit(RLIMIT_CORE, &rl), 0);
    CCHECK_INT(rl.rlim_cur, 0);
    CCHECK(rl.rlim_max == RLIM_INFINITY);

    char buf[16] = "";
    int fd = open("/proc/self/oom_score_adj", O_RDONLY);
    CCHECK(fd >= 0);
    CCHECK(read(fd, buf, sizeof buf - 1) > 0);
    close(fd);
    CCHECK_INT(atoi(buf), 500);

    CCHECK_INT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
    CCHECK_INT(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
    mode_t old = umask(0);
    CCHECK_INT(old, 027);
}

TEST(full_sequence)
{
    NEED_ROOT();
    run_child(child_full, NULL);
}

/* No capabilities object: everything dropped; root stays root; no nnp. */
static void child_no_caps(void *arg)
{
    (void)arg;
    oci_process p = {0};
    umask(022);
    gid_t inherited[] = {5, 6};
    CCHECK_INT(setgroups(2, inherited), 0); /* must not leak into the container */
    CCHECK_INT(process_apply_security(&p, true, &child_err), 0);
    CCHECK_HEX(status_hex("CapBnd"), 0);
    CCHECK_HEX(status_hex("CapEff"), 0);
    CCHECK_HEX(status_hex("CapPrm"), 0);
    CCHECK_HEX(status_hex("CapInh"), 0);
    CCHECK_HEX(status_hex("CapAmb"), 0);
    CCHECK_INT(getuid(), 0);
    CCHECK_INT(getgid(), 0);
    CCHECK_INT(getgroups(0, NULL), 0);
    CCHECK_INT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
    CCHECK_INT(umask(0), 022); /* no umask in the spec: left alone */
    /* Without CAP_CHOWN even root cannot give a file away. */
    char path[] = "/tmp/weft-linux-XXXXXX";
    int fd = mkstemp(path);
    CCHECK(fd >= 0);
    errno = 0;
    CCHECK_INT(fchown(fd, 1234, 1234), -1);
    CCHECK_INT(errno, EPERM);
    close(fd);
    unlink(path);
}

TEST(no_capabilities_drops_all)
{
    NEED_ROOT();
    run_child(child_no_caps, NULL);
}

/* Root keeps exactly the listed caps; unknown names in every set are ignored. */
static void child_root_some_caps(void *arg)
{
    (void)arg;
    char logpath[] = "/tmp/weft-linux-log-XXXXXX";
    int lfd = mkstemp(logpath);
    CCHECK(lfd >= 0);
    close(lfd);
    CCHECK_INT(log_init(logpath, false, true), 0);
    char *set[] = {"CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_NOT_INVENTED_YET"};
    oci_process p = {0};
    p.has_capabilities = true;
    p.capabilities = (oci_capabilities){
        .bounding = set,
        .n_bounding = 3,
        .effective = set,
        .n_effective = 3,
        .permitted = set,
        .n_permitted = 3,
    };
    CCHECK_INT(process_apply_security(&p, true, &child_err), 0);
    if (child_err)
        dprintf(child_report_fd, "error: %s\n", child_err->msg);
    unsigned long long want = BIT(CAP_SYS_ADMIN) | BIT(CAP_DAC_OVERRIDE);
    CCHECK_HEX(status_hex("CapBnd"), want);
    CCHECK_HEX(status_hex("CapEff"), want);
    CCHECK_HEX(status_hex("CapPrm"), want);
    CCHECK_HEX(status_hex("CapInh"), 0);
    CCHECK_HEX(status_hex("CapAmb"), 0);
    char *log = slurp(logpath);
    CCHECK_CONTAINS(log, "process.capabilities.bounding: ignoring unknown or unavailable "
                         "capability CAP_NOT_INVENTED_YET");
    free(log);
    unlink(logpath);
}

TEST(unknown_capability_skipped)
{
    NEED_ROOT();
    run_child(child_root_some_caps, NULL);
}

/* ---- errors -------------------------------------------------------------- */

static void child_expect_error(const oci_process *p, const char *needle)
{
    weft_error *err = NULL;
    CCHECK_INT(process_apply_security(p, true, &err), -1);
    CCHECK(err != NULL);
    if (err != NULL)
        CCHECK_CONTAINS(err->msg, needle);
    werr_free(err);
}

static void child_eff_not_permitted(void *arg)
{
    (void)arg;
    char *eff[] = {"CAP_SYS_ADMIN"};
    oci_process p = {0};
    p.has_capabilities = true;
    p.capabilities.effective = eff;
    p.capabilities.n_effective = 1;
    child_expect_error(&p, "capset");
}

static void child_ambient_not_inheritable_is_skipped(void *arg)
{
    (void)arg;
    char *set[] = {"CAP_NET_RAW"};
    oci_process p = {0};
    p.has_capabilities = true;
    p.capabilities = (oci_capabilities){.bounding = set,
                                        .n_bounding = 1,
                                        .permitted = set,
                                        .n_permitted = 1,
                                        .ambient = set,
                                        .n_ambient = 1};
    /* Like runc: an ambient cap the kernel refuses is skipped, not fatal. */
    CCHECK_INT(process_apply_security(&p, true, &child_err), 0);
    CCHECK_HEX(status_hex("CapAmb"), 0);
    CCHECK_HEX(status_hex("CapPrm"), BIT(CAP_NET_RAW));
}

static void child_bad_rlimit(void *arg)
{
    (void)arg;
    oci_rlimit rl[] = {{.type = "RLIMIT_NOFILE", .soft = 300, .hard = 200}};
    oci_process p = {.rlimits = rl, .n_rlimits = 1};
    child_expect_error(&p, "process.rlimits[0]: RLIMIT_NOFILE: soft limit 300 is above");
    oci_rlimit unk[] = {{.type = "RLIMIT_WHATEVER", .soft = 1, .hard = 1}};
    oci_process q = {.rlimits = unk, .n_rlimits = 1};
    child_expect_error(&q, "unknown rlimit type \"RLIMIT_WHATEVER\"");
    /* The nofile hard limit cannot exceed fs.nr_open: the kernel's error is named. */
    oci_rlimit big[] = {{.type = "RLIMIT_NOFILE", .soft = 1, .hard = UINT64_MAX - 1}};
    oci_process r = {.rlimits = big, .n_rlimits = 1};
    child_expect_error(&r, "RLIMIT_NOFILE: setrlimit(soft 1, hard ");
}

static void child_bad_oom(void *arg)
{
    (void)arg;
    oci_process p = {.has_oom_score_adj = true, .oom_score_adj = 1001};
    child_expect_error(&p, "process.oomScoreAdj: 1001 is outside");
}

TEST(ambient_not_inheritable_is_skipped)
{
    NEED_ROOT();
    run_child(child_ambient_not_inheritable_is_skipped, NULL);
}

TEST(errors_are_clear)
{
    NEED_ROOT();
    run_child(child_eff_not_permitted, NULL);
    run_child(child_bad_rlimit, NULL);
    run_child(child_bad_oom, NULL);
}

/* ---- single attributes ----------------------------------------------------- */

static void child_ioprio(void *arg)
{
    (void)arg;
    oci_process p = {.has_io_priority = true, .io_priority_class = 2, .io_priority = 4};
    p.has_capabilities = false;
    CCHECK_INT(process_apply_security(&p, true, &child_err), 0);
    CCHECK_INT(syscall(SYS_ioprio_get, 1, 0), (2 << 13) | 4);
    weft_error *err = NULL;
    CCHECK_INT(io_priority_apply(9, 0, &err), -1);
    if (err)
        CCHECK_CONTAINS(err->msg, "process.ioPriority.class");
    werr_free(err);
}

TEST(io_priority)
{
    NEED_ROOT();
    run_child(child_ioprio, NULL);
}

static void child_personality(void *arg)
{
    (void)arg;
    oci_personality p32 = {.domain = "LINUX32"};
    CCHECK_INT(personality_apply(&p32, &child_err), 0);
    CCHECK_INT(personality(0xffffffff) & PER_MASK, PER_LINUX32);
    struct utsname u;
    CCHECK_INT(uname(&u), 0);
    CCHECK(strcmp(u.machine, "x86_64") != 0 || !"LINUX32 should report a 32-bit machine");
    oci_personality p64 = {.domain = "LINUX"};
    CCHECK_INT(personality_apply(&p64, &child_err), 0);
    CCHECK_INT(personality(0xffffffff) & PER_MASK, PER_LINUX);
    CCHECK_INT(personality_apply(NULL, &child_err), 0);
    oci_personality bad = {.domain = "BSD"};
    weft_error *err = NULL;
    CCHECK_INT(personality_apply(&bad, &err), -1);
    if (err)
        CCHECK_CONTAINS(err->msg, "linux.personality.domain: unknown domain \"BSD\"");
    werr_free(err);
}

TEST(personality)
{
    run_child(child_personality, NULL);
}

/* A profile or label for an LSM the host does not run is refused, on exec
 * or at once, with the field named; empty ones are no-ops. */
static void check_lsm_refused(const char *profile, const char *label, const char *want)
{
    oci_process p = {.apparmor_profile = (char *)profile, .selinux_label = (char *)label};
    for (int on_exec = 0; on_exec < 2; on_exec++) {
        weft_error *err = NULL;
        CHECK_INT(lsm_apply(&p, on_exec, &err), -1);
        CHECK(err != NULL);
        if (err)
            CHECK_STR(err->msg, want);
        werr_free(err);
    }
}

TEST(lsm_absent_is_an_error)
{
    weft_error *err = NULL;
    oci_process none = {.apparmor_profile = "", .selinux_label = NULL};
    CHECK_INT(lsm_apply(&none, true, &err), 0);
    CHECK(err == NULL);
    if (apparmor_enabled())
        fprintf(stderr, "lsm_absent_is_an_error: AppArmor part skipped (enabled here)\n");
    else
        check_lsm_refused("docker-default", NULL,
                          "process.apparmorProfile: profile \"docker-default\" requested but "
                          "AppArmor is not enabled on this host");
    if (selinux_enabled())
        fprintf(stderr, "lsm_absent_is_an_error: SELinux part skipped (enabled here)\n");
    else
        check_lsm_refused(NULL, "system_u:system_r:container_t:s0",
                          "process.selinuxLabel: label \"system_u:system_r:container_t:s0\" "
                          "requested but SELinux is not enabled on this host");
}

TEST(selinux_mount_label_data)
{
    const char *l = "system_u:object_r:container_file_t:s0:c1,c2";
    char *d = selinux_mount_data("tmpfs", "mode=755,size=65536k", l, true);
    CHECK_STR(d, "mode=755,size=65536k,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
    free(d);
    d = selinux_mount_data("mqueue", NULL, l, true);
    CHECK_STR(d, "context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
    free(d);
    CHECK(selinux_mount_data("tmpfs", "mode=755", l, false) == NULL); /* no SELinux: ignored */
    CHECK(selinux_mount_data("proc", NULL, l, true) == NULL);         /* takes no context= */
    CHECK(selinux_mount_data("bind", NULL, l, true) == NULL);
    CHECK(selinux_mount_data("tmpfs", "context=\"x\"", l, true) == NULL); /* its own wins */
    CHECK(selinux_mount_data("tmpfs", NULL, NULL, true) == NULL);
}

/* ---- setgroups denied in a user namespace --------------------------------- */

static int write_proc(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* arg: non-NULL to ask for supplementary groups (which must fail). */
static void child_userns(void *arg)
{
    if (unshare(CLONE_NEWUSER) < 0) {
        fprintf(stderr, "setgroups_denied_in_userns: skipped (no user namespaces)\n");
        return;
    }
    CCHECK_INT(write_proc("/proc/self/setgroups", "deny"), 0);
    CCHECK_INT(write_proc("/proc/self/uid_map", "0 0 1"), 0);
    CCHECK_INT(write_proc("/proc/self/gid_map", "0 0 1"), 0);
    CCHECK(setgroups_denied());
    gid_t extra[] = {0};
    oci_process p = {0};
    if (arg != NULL) {
        p.user.additional_gids = extra;
        p.user.n_additional_gids = 1;
        child_expect_error(&p, "process.user.additionalGids: cannot set supplementary groups");
        return;
    }
    int before = getgroups(0, NULL);
    CCHECK_INT(process_apply_security(&p, true, &child_err), 0);
    if (child_err)
        dprintf(child_report_fd, "error: %s\n", child_err->msg);
    CCHECK_INT(getgroups(0, NULL), before); /* untouched, not an error */
    CCHECK_INT(getuid(), 0);
}

TEST(setgroups_denied_in_userns)
{
    NEED_ROOT();
    CHECK(!setgroups_denied());
    run_child(child_userns, NULL);
    run_child(child_userns, "groups");
}

UNIT_MAIN()
