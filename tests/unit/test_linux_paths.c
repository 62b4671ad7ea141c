#include "unit.h"
#include "linux/fs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

TEST(join)
{
    char *j = path_join("/r/", "x/../y");
    CHECK_STR(j, "/r/y");
    free(j);
    j = path_join("/r", "/../../etc/passwd");
    CHECK_STR(j, "/r/etc/passwd");
    free(j);
    j = path_join("/r", "/");
    CHECK_STR(j, "/r");
    free(j);
    j = path_join("/", "a");
    CHECK_STR(j, "/a");
    free(j);
}

static char *make_root(void)
{
    char tmpl[] = "/tmp/weft-paths-XXXXXX";
    CHECK(mkdtemp(tmpl) != NULL);
    return xstrdup(tmpl);
}

static void rm_rf(const char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    free(cmd);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

TEST(mkdir_through_symlink_stays_inside)
{
    cleanup_free char *root = make_root();
    cleanup_free char *evil = xasprintf("%s/evil", root);
    CHECK_INT(symlink("/", evil), 0);
    cleanup_free char *name = xasprintf("weft-escape-%d", (int)getpid());
    cleanup_free char *dest = xasprintf("/evil/%s/sub", name);
    cleanup_free char *host = xasprintf("/%s", name);
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    weft_error *err = NULL;
    int fd = path_mkdir_in_root(rootfd, dest, 0755, &err);
    CHECK(fd >= 0);
    CHECK(err == NULL);
    /* "/evil" resolved to the root itself: the directory is ROOT/NAME/sub */
    cleanup_free char *inside = xasprintf("%s/%s/sub", root, name);
    CHECK(exists(inside));
    CHECK(!exists(host));
    if (exists(host))
        rm_rf(host);
    /* and the fd names that directory */
    struct stat a, b;
    CHECK_INT(fstat(fd, &a), 0);
    CHECK_INT(stat(inside, &b), 0);
    CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    close(fd);
    close(rootfd);
    rm_rf(root);
}

TEST(dotdot_and_relative_symlinks_stay_inside)
{
    cleanup_free char *root = make_root();
    cleanup_free char *up = xasprintf("%s/up", root);
    CHECK_INT(symlink("../../../../../tmp", up), 0);
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    weft_error *err = NULL;
    /* a dangling symlink component: its target is created, inside */
    int fd = path_mkdir_in_root(rootfd, "/up/x", 0755, &err);
    CHECK(fd >= 0);
    cleanup_free char *inside = xasprintf("%s/tmp/x", root);
    CHECK(exists(inside));
    if (fd >= 0)
        close(fd);
    /* path_open_in_root on a raw ".." path is confined as well */
    fd = path_open_in_root(rootfd, "../../../../", O_PATH | O_DIRECTORY, &err);
    CHECK(fd >= 0);
    struct stat a, b;
    CHECK_INT(fstat(fd, &a), 0);
    CHECK_INT(stat(root, &b), 0);
    CHECK(a.st_ino == b.st_ino);
    close(fd);
    close(rootfd);
    rm_rf(root);
}

TEST(mkfile_through_dangling_symlink_stays_inside)
{
    cleanup_free char *root = make_root();
    cleanup_free char *name = xasprintf("weft-escape-file-%d", (int)getpid());
    cleanup_free char *link = xasprintf("%s/f", root);
    cleanup_free char *target = xasprintf("/tmp/%s", name);
    CHECK_INT(symlink(target, link), 0);
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    weft_error *err = NULL;
    int fd = path_mkfile_in_root(rootfd, "/f", 0644, &err);
    CHECK(fd >= 0);
    cleanup_free char *inside = xasprintf("%s/tmp/%s", root, name);
    CHECK(exists(inside));
    CHECK(!exists(target));
    if (exists(target))
        unlink(target);
    if (fd >= 0)
        close(fd);
    /* parents are created; an existing directory is returned as is */
    fd = path_mkfile_in_root(rootfd, "/a/b/c", 0644, &err);
    CHECK(fd >= 0);
    struct stat st;
    CHECK_INT(fstat(fd, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    close(fd);
    fd = path_mkfile_in_root(rootfd, "/a/b", 0644, &err);
    CHECK_INT(fstat(fd, &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    close(fd);
    close(rootfd);
    rm_rf(root);
}

TEST(dangling_symlink_chains_and_loops)
{
    cleanup_free char *root = make_root();
    /* etc/resolv.conf -> ../run/a/r.conf, run -> /var/run2 (both missing) */
    cleanup_free char *etc = xasprintf("%s/etc", root);
    CHECK_INT(mkdir(etc, 0755), 0);
    cleanup_free char *rc = xasprintf("%s/etc/resolv.conf", root);
    CHECK_INT(symlink("../run/a/r.conf", rc), 0);
    cleanup_free char *run = xasprintf("%s/run", root);
    CHECK_INT(symlink("/var/run2", run), 0);
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    weft_error *err = NULL;
    int fd = path_mkfile_in_root(rootfd, "/etc/resolv.conf", 0644, &err);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    cleanup_free char *made = xasprintf("%s/var/run2/a/r.conf", root);
    struct stat st;
    CHECK(stat(made, &st) == 0 && S_ISREG(st.st_mode));
    /* a relative dangling link behind a symlinked directory resolves from
     * where the link really is: a -> /x/y, /x/y/l -> ../b/c gives /x/b/c */
    cleanup_free char *xy = xasprintf("%s/x/y", root);
    cleanup_free char *mk = xasprintf("mkdir -p '%s'", xy);
    CHECK_INT(system(mk), 0);
    cleanup_free char *a = xasprintf("%s/a", root);
    CHECK_INT(symlink("/x/y", a), 0);
    cleanup_free char *l = xasprintf("%s/x/y/l", root);
    CHECK_INT(symlink("../b/c", l), 0);
    fd = path_mkdir_in_root(rootfd, "/a/l/d", 0755, &err);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    cleanup_free char *xbcd = xasprintf("%s/x/b/c/d", root);
    CHECK(stat(xbcd, &st) == 0 && S_ISDIR(st.st_mode));
    /* a symlink loop ends in an error */
    cleanup_free char *l1 = xasprintf("%s/l1", root);
    cleanup_free char *l2 = xasprintf("%s/l2", root);
    CHECK_INT(symlink("l2", l1), 0);
    CHECK_INT(symlink("l1/x", l2), 0);
    CHECK_INT(path_mkdir_in_root(rootfd, "/l1/y", 0755, &err), -1);
    CHECK(err != NULL);
    werr_free(err);
    close(rootfd);
    rm_rf(root);
}

TEST(mkdir_over_file_fails)
{
    cleanup_free char *root = make_root();
    cleanup_free char *file = xasprintf("%s/file", root);
    int f = open(file, O_CREAT | O_WRONLY, 0644);
    close(f);
    int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    weft_error *err = NULL;
    CHECK_INT(path_mkdir_in_root(rootfd, "/file/x", 0755, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "/file") != NULL);
    werr_free(err);
    close(rootfd);
    rm_rf(root);
}

TEST(sysctl_names)
{
    char *p = NULL;
    weft_error *err = NULL;
    CHECK_INT(linux_sysctl_path("net.ipv4.ip_forward", &p, &err), 0);
    CHECK_STR(p, "net/ipv4/ip_forward");
    free(p);
    CHECK_INT(linux_sysctl_path("net/ipv4/conf/eth0.100/forwarding", &p, &err), 0);
    CHECK_STR(p, "net/ipv4/conf/eth0.100/forwarding");
    free(p);
    static const char *const bad[] = {"",     "net..ipv4", "net/../../etc", "/net/ipv4",
                                      "net.", "..",        "net/./x",       "kernel/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p = NULL;
        CHECK_INT(linux_sysctl_path(bad[i], &p, &err), -1);
        CHECK(p == NULL);
        werr_free(err);
        err = NULL;
    }
}

TEST(sysctl_needs_namespace)
{
    oci_namespace ns[2] = {{.type = OCI_NS_IPC}, {.type = OCI_NS_UTS}};
    oci_spec spec = {0};
    spec.linux_.namespaces = ns;
    spec.linux_.n_namespaces = 2;
    weft_error *err = NULL;
    CHECK_INT(linux_sysctl_check(&spec, "kernel.shmmax", &err), 0);
    CHECK_INT(linux_sysctl_check(&spec, "fs.mqueue.msg_max", &err), 0);
    CHECK_INT(linux_sysctl_check(&spec, "kernel.hostname", &err), 0);
    CHECK_INT(linux_sysctl_check(&spec, "net.ipv4.ip_forward", &err), -1);
    CHECK(err != NULL && strstr(err->msg, "host network namespace") != NULL);
    werr_free(err);
    err = NULL;
    CHECK_INT(linux_sysctl_check(&spec, "kernel.panic", &err), -1);
    werr_free(err);
    err = NULL;
    CHECK_INT(linux_sysctl_check(&spec, "vm.swappiness", &err), -1);
    werr_free(err);
    err = NULL;
    spec.linux_.n_namespaces = 0;
    CHECK_INT(linux_sysctl_check(&spec, "kernel.shmmax", &err), -1);
    werr_free(err);
}

/* Run fn in a forked child; returns its exit status (0 = all good). */
static int in_child(int (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

static int child_sysctl(void)
{
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
        return 2;
    if (mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return 2;
    oci_namespace ns = {.type = OCI_NS_NETWORK};
    oci_kv kv[3] = {{"net.ipv4.ip_forward", "1"},
                    {"net/ipv4/conf/lo/forwarding", "1"},
                    {"net.ipv4.tcp_rmem", "4096 87380  6291456"}};
    oci_spec spec = {0};
    spec.linux_.namespaces = &ns;
    spec.linux_.n_namespaces = 1;
    spec.linux_.sysctl = kv;
    spec.linux_.n_sysctl = 3;
    weft_error *err = NULL;
    if (linux_apply_sysctl(&spec, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        return 3;
    }
    /* read-only /proc/sys: a second pass passes when the values hold (the
     * kernel prints tcp_rmem with tabs), fails when one differs */
    if (mount("/proc/sys", "/proc/sys", NULL, MS_BIND, NULL) < 0 ||
        mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
        return 6;
    if (linux_apply_sysctl(&spec, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        return 7;
    }
    kv[2].value = "4096 87380 1234567";
    if (linux_apply_sysctl(&spec, &err) == 0 || err->errnum != EROFS)
        return 8;
    werr_free(err);
    char buf[8] = {0};
    FILE *f = fopen("/proc/sys/net/ipv4/conf/lo/forwarding", "r");
    if (f == NULL || fgets(buf, sizeof(buf), f) == NULL)
        return 4;
    fclose(f);
    return strcmp(buf, "1\n") == 0 ? 0 : 5;
}

TEST(sysctl_written_in_new_netns)
{
    CHECK_INT(in_child(child_sysctl), 0);
}

static int child_hostname(void)
{
    if (unshare(CLONE_NEWUTS) < 0)
        return 2;
    oci_namespace ns = {.type = OCI_NS_UTS};
    oci_spec spec = {0};
    spec.hostname = "weft-test-host";
    spec.domainname = "weft.example";
    spec.linux_.namespaces = &ns;
    spec.linux_.n_namespaces = 1;
    weft_error *err = NULL;
    if (linux_set_hostname(&spec, &err) < 0)
        return 3;
    struct utsname u;
    uname(&u);
    return strcmp(u.nodename, "weft-test-host") == 0 && strcmp(u.domainname, "weft.example") == 0
               ? 0
               : 4;
}

TEST(hostname)
{
    CHECK_INT(in_child(child_hostname), 0);
    /* without a UTS namespace in the spec it refuses (would rename the host) */
    oci_spec spec = {0};
    spec.hostname = "nope";
    weft_error *err = NULL;
    CHECK_INT(linux_set_hostname(&spec, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "UTS") != NULL);
    werr_free(err);
}

/* The same root-confined resolution on a kernel without openat2 (before
 * 5.6), simulated by making it fail with ENOSYS: the userspace fallback. */
static int child_no_openat2(void)
{
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
    if (f == NULL || seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) < 0 ||
        seccomp_load(f) < 0)
        return 90;
    seccomp_release(f);
    unit_failed_checks = 0;
    test_mkdir_through_symlink_stays_inside();
    test_dotdot_and_relative_symlinks_stay_inside();
    test_mkfile_through_dangling_symlink_stays_inside();
    test_dangling_symlink_chains_and_loops();
    test_mkdir_over_file_fails();
    /* RESOLVE_NO_SYMLINKS emulated too */
    char tmpl[] = "/tmp/weft-paths-XXXXXX";
    if (mkdtemp(tmpl) == NULL)
        return 91;
    cleanup_free char *link = xasprintf("%s/proc", tmpl);
    CHECK_INT(symlink("/etc", link), 0);
    int rootfd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
    weft_error *err = NULL;
    CHECK_INT(path_check_no_symlinks(rootfd, "/proc", &err), -1);
    CHECK(err != NULL && strstr(err->msg, "must not be a symlink") != NULL);
    werr_free(err);
    err = NULL;
    CHECK_INT(path_check_no_symlinks(rootfd, "/missing/x", &err), 0);
    close(rootfd);
    rm_rf(tmpl);
    return unit_failed_checks;
}

TEST(fallback_resolver_without_openat2)
{
    CHECK_INT(in_child(child_no_openat2), 0);
}

UNIT_MAIN()
