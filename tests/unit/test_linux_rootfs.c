/* rootfs_prepare + rootfs_pivot + rootfs_finalize for real, in a forked child
 * with its own mount namespace (the test runner's namespace is untouched),
 * on a busybox rootfs built in a temporary directory. */
#include "unit.h"
#include "linux/fs.h"
#include "linux/rootfs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char *tmpdir(const char *tag)
{
    char *t = xasprintf("/tmp/weft-%s-XXXXXX", tag);
    CHECK(mkdtemp(t) != NULL);
    return t;
}

static void sh(const char *fmt, const char *arg)
{
    char *cmd = xasprintf(fmt, arg, arg, arg);
    CHECK_INT(system(cmd), 0);
    free(cmd);
}

/* BASE/rootfs with busybox, an `evil -> /` symlink; BASE/data, BASE/file */
static char *make_bundle(void)
{
    char *base = tmpdir("rootfs");
    sh("mkdir -p %s/rootfs/bin %s/rootfs/etc %s/data/sub", base);
    sh("cp /bin/busybox %s/rootfs/bin/ && ln -s busybox %s/rootfs/bin/sh && ln -s / %s/rootfs/evil",
       base);
    sh("echo hello > %s/file && echo inside > %s/data/f && ln -s target-x %s/link", base);
    return base;
}

static oci_mount mnt(const char *dest, const char *type, const char *src, const char **opts)
{
    oci_mount m = {0};
    m.destination = (char *)dest;
    m.type = (char *)type;
    m.source = (char *)src;
    m.options = (char **)opts;
    while (opts != NULL && opts[m.n_options] != NULL)
        m.n_options++;
    return m;
}

/* One mountinfo line by mount point: "fstype superopts|mountopts", or NULL. */
static char *mount_at(const char *mp)
{
    weft_error *err = NULL;
    mountinfo_entry *mi;
    size_t n;
    if (mountinfo_read(&mi, &n, &err) < 0)
        return NULL;
    char *found = NULL;
    /* the last one wins: it is the visible mount */
    for (size_t i = 0; i < n; i++)
        if (strcmp(mi[i].mount_point, mp) == 0) {
            free(found);
            found = xstrdup(mi[i].fstype);
        }
    mountinfo_free(mi, n);
    return found;
}

/* the mount `path` is on is read-only (statvfs reports the mount flags) */
static bool is_readonly(const char *path)
{
    struct statvfs sv;
    return statvfs(path, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static int read_all(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return (int)n;
}

static int run_child(int (*fn)(const char *), const char *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn(arg));
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static void dump_mountinfo(void)
{
    if (getenv("WEFT_TEST_DEBUG") == NULL)
        return;
    static char big[65536];
    if (read_all("/proc/self/mountinfo", big, sizeof(big)) > 0)
        fputs(big, stderr);
}

static bool have_v1_pids;

static const char *o_proc[] = {"nosuid", "noexec", "nodev", NULL};
static const char *o_dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
static const char *o_pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                              "mode=0620", "gid=5",  NULL};
static const char *o_shm[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL};
static const char *o_sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
static const char *o_cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
static const char *o_rbind_ro[] = {"rbind", "ro", NULL};
static const char *o_bind_ro[] = {"bind", "ro", NULL};
static const char *o_priv[] = {"rprivate", "mode=700", NULL};
static const char *o_shared[] = {"rshared", NULL};
static const char *o_copysym[] = {"bind", "copy-symlink", NULL};
static const char *o_copyup[] = {"tmpcopyup", "nosuid", "mode=700", NULL};

static const oci_spec *g_spec; /* the spec full_checks() runs against */

static void full_checks(void)
{
    char buf[256];
    struct stat st;
    char *t;
    CHECK_STR(getcwd(buf, sizeof(buf)), "/");
    /* the mounts, where the spec put them */
    static const char *const expect[][2] = {
        {"/proc", "proc"},        {"/dev", "tmpfs"},         {"/dev/pts", "devpts"},
        {"/dev/shm", "tmpfs"},    {"/dev/mqueue", "mqueue"}, {"/sys", "sysfs"},
        {"/sys/fs/cgroup", NULL}, {"/weft-escape", "tmpfs"}, {"/data", "ext4"},
        {"/rel/dir", "tmpfs"},    {"/private", "tmpfs"},     {"/proc/version", "tmpfs"},
    };
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        t = mount_at(expect[i][0]);
        CHECK(t != NULL);
        if (t == NULL)
            fprintf(stderr, "  no mount on %s\n", expect[i][0]);
        else if (expect[i][1] != NULL && strcmp(expect[i][1], "ext4") != 0)
            CHECK_STR(t, expect[i][1]);
        free(t);
    }
    /* the tmpfs meant for /evil/weft-escape landed inside the rootfs */
    CHECK_INT(lstat("/weft-escape", &st), 0);
    /* finalize wrote the sysctl before /proc/sys became read-only */
    CHECK(read_all("/proc/sys/kernel/shmmni", buf, sizeof(buf)) > 0 && strcmp(buf, "1234\n") == 0);
    /* a second pass is fine while the values hold, refused when they differ */
    weft_error *serr = NULL;
    CHECK_INT(linux_apply_sysctl(g_spec, &serr), 0);
    oci_kv other = {"kernel.shmmni", "4321"};
    oci_spec changed = *g_spec;
    changed.linux_.sysctl = &other;
    CHECK_INT(linux_apply_sysctl(&changed, &serr), -1);
    CHECK(serr != NULL && serr->errnum == EROFS);
    werr_free(serr);
    /* read-only where asked, recursively for rbind */
    CHECK(is_readonly("/"));
    CHECK(is_readonly("/sys"));
    CHECK(is_readonly("/sys/fs/cgroup"));
    CHECK(is_readonly("/data"));
    CHECK(is_readonly("/data/sub"));
    CHECK(is_readonly("/etc/hostfile"));
    CHECK(is_readonly("/proc/sys"));
    CHECK(open("/proc/sys/kernel/hostname", O_WRONLY) < 0 && errno == EROFS);
    CHECK(!is_readonly("/dev/shm"));
    CHECK(!is_readonly("/rel/dir"));
    CHECK(read_all("/etc/hostfile", buf, sizeof(buf)) > 0 && strcmp(buf, "hello\n") == 0);
    CHECK(read_all("/data/f", buf, sizeof(buf)) > 0 && strcmp(buf, "inside\n") == 0);
    CHECK(mkdir("/newdir", 0755) < 0 && errno == EROFS);
    /* the pids hierarchy shows our own cgroup: its root is that directory */
    if (have_v1_pids) {
        weft_error *e = NULL;
        mountinfo_entry *mi;
        size_t cnt;
        CHECK_INT(mountinfo_read(&mi, &cnt, &e), 0);
        char want[64];
        snprintf(want, sizeof(want), "/weft-test-%d", getppid());
        bool found = false;
        for (size_t i = 0; i < cnt; i++)
            if (strcmp(mi[i].mount_point, "/sys/fs/cgroup/pids") == 0)
                found = strcmp(mi[i].root, want) == 0;
        mountinfo_free(mi, cnt);
        CHECK(found);
    }
    /* cgroup v1 controllers (hybrid host) or cgroup2 */
    CHECK(lstat("/sys/fs/cgroup/cpu", &st) == 0 ||
          lstat("/sys/fs/cgroup/cgroup.controllers", &st) == 0);
    /* masked: /proc/version reads empty, missing paths skipped */
    CHECK_INT(read_all("/proc/version", buf, sizeof(buf)), 0);
    CHECK_INT(stat("/proc/version", &st), 0);
    CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
    /* masked directory: empty, read-only */
    CHECK_INT(stat("/proc/driver", &st), 0);
    CHECK(is_readonly("/proc/driver"));
    /* devices */
    CHECK_INT(stat("/dev/null", &st), 0);
    CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) && (st.st_mode & 0777) == 0666);
    CHECK_INT(stat("/dev/urandom", &st), 0);
    CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 9));
    CHECK_INT(stat("/dev/fuse", &st), 0);
    CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(10, 229));
    CHECK_INT(st.st_mode & 0777, 0600);
    CHECK_INT(st.st_uid, 1000);
    CHECK_INT(st.st_gid, 1001);
    CHECK_INT(stat("/dev/sub/pipe", &st), 0);
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_INT(lstat("/dev/console", &st), 0);
    CHECK(S_ISREG(st.st_mode));
    ssize_t n = readlink("/dev/ptmx", buf, sizeof(buf));
    CHECK(n == 8 && memcmp(buf, "pts/ptmx", 8) == 0);
    n = readlink("/dev/fd", buf, sizeof(buf));
    CHECK(n == 13 && memcmp(buf, "/proc/self/fd", 13) == 0);
    n = readlink("/dev/stderr", buf, sizeof(buf));
    CHECK(n == 15 && memcmp(buf, "/proc/self/fd/2", 15) == 0);
    int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    /* the console pty bound over /dev/console */
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(master >= 0);
    if (master >= 0) {
        CHECK_INT(unlockpt(master), 0);
        char *pts = ptsname(master);
        CHECK(pts != NULL && strncmp(pts, "/dev/pts/", 9) == 0);
        int slave = pts ? open(pts, O_RDWR | O_NOCTTY) : -1;
        weft_error *err = NULL;
        CHECK_INT(rootfs_setup_console(slave, &err), 0);
        CHECK_INT(stat("/dev/console", &st), 0);
        CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 136);
        /* a symlink left there by the image is replaced by the pty */
        CHECK_INT(umount2("/dev/console", MNT_DETACH), 0);
        CHECK_INT(unlink("/dev/console"), 0);
        CHECK_INT(symlink("/etc/hostfile", "/dev/console"), 0);
        CHECK_INT(rootfs_setup_console(slave, &err), 0);
        CHECK(lstat("/dev/console", &st) == 0 && S_ISCHR(st.st_mode));
        close(slave);
        close(master);
    }
    /* /bin is a tmpfs holding a copy of the image's /bin */
    t = mount_at("/bin");
    CHECK_STR(t, "tmpfs");
    free(t);
    CHECK_INT(stat("/bin", &st), 0);
    CHECK_INT(st.st_mode & 07777, 0755); /* the directory's mode, not mode=700 */
    CHECK_INT(stat("/bin/busybox", &st), 0);
    CHECK(S_ISREG(st.st_mode) && st.st_size > 100000 && (st.st_mode & 0111));
    n = readlink("/bin/sh", buf, sizeof(buf));
    CHECK(n == 7 && memcmp(buf, "busybox", 7) == 0);
    /* propagation options applied after the mount */
    {
        weft_error *e = NULL;
        mountinfo_entry *mi;
        size_t cnt;
        CHECK_INT(mountinfo_read(&mi, &cnt, &e), 0);
        int shared = -1, priv = -1;
        for (size_t i = 0; i < cnt; i++) {
            if (strcmp(mi[i].mount_point, "/shared") == 0)
                shared = strstr(mi[i].optional, "shared:") != NULL;
            if (strcmp(mi[i].mount_point, "/private") == 0)
                priv = mi[i].optional[0] == '\0';
        }
        mountinfo_free(mi, cnt);
        CHECK_INT(shared, 1);
        CHECK_INT(priv, 1);
    }
    /* copy-symlink: the symlink itself, not a mount */
    n = readlink("/etc/link", buf, sizeof(buf));
    CHECK(n == 8 && memcmp(buf, "target-x", 8) == 0);
    /* the old root is gone */
    CHECK(access("/bin/busybox", X_OK) == 0);
    CHECK(access("/tmp", F_OK) < 0);
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int full_child(const char *base)
{
    if (unshare(CLONE_NEWNS | CLONE_NEWIPC) < 0 ||
        mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return 90;
    /* be in a pids cgroup of our own: without a cgroup namespace the
     * container must see just that one as its /sys/fs/cgroup/pids */
    cleanup_free char *cg = xasprintf("/sys/fs/cgroup/pids/weft-test-%d/cgroup.procs", getppid());
    if (write_file(cg, "0") < 0)
        return 89;
    /* a submount under the rbind source, to check recursive read-only */
    cleanup_free char *sub = xasprintf("%s/data/sub", base);
    if (mount("tmpfs", sub, "tmpfs", 0, NULL) < 0)
        return 91;
    cleanup_free char *root = xasprintf("%s/rootfs", base);
    cleanup_free char *data = xasprintf("%s/data", base);
    oci_mount mounts[] = {
        mnt("/bin", "tmpfs", "tmpfs", o_copyup),
        mnt("/proc", "proc", "proc", o_proc),
        mnt("/dev", "tmpfs", "tmpfs", o_dev),
        mnt("/dev/pts", "devpts", "devpts", o_pts),
        mnt("/dev/shm", "tmpfs", "shm", o_shm),
        mnt("/dev/mqueue", "mqueue", "mqueue", o_proc),
        mnt("/sys", "sysfs", "sysfs", o_sys),
        mnt("/sys/fs/cgroup", "cgroup", "cgroup", o_cg),
        mnt("/evil/weft-escape", "tmpfs", "tmpfs", NULL),
        mnt("/data", "bind", data, o_rbind_ro),
        mnt("/etc/hostfile", NULL, "file", o_bind_ro), /* relative: to the bundle */
        mnt("rel/dir", "tmpfs", "tmpfs", NULL),
        mnt("/etc/link", "bind", "link", o_copysym),
        mnt("/private", "tmpfs", "tmpfs", o_priv),
        mnt("/shared", "tmpfs", "tmpfs", o_shared),
    };
    char *masked[] = {"/proc/version", "/proc/driver", "/nonexistent", NULL};
    char *ro[] = {"/proc/sys", "/proc/sysrq-trigger", "/missing", NULL};
    oci_device devs[] = {
        {.type = 'c',
         .path = "/dev/fuse",
         .major = 10,
         .minor = 229,
         .has_file_mode = true,
         .file_mode = 0600,
         .has_uid = true,
         .uid = 1000,
         .has_gid = true,
         .gid = 1001},
        {.type = 'p', .path = "/dev/sub/pipe"},
    };
    oci_namespace ns[] = {{.type = OCI_NS_MOUNT}, {.type = OCI_NS_IPC}};
    oci_kv sysctl[] = {{"kernel.shmmni", "1234"}};
    oci_spec spec = {0};
    spec.root_path = root;
    spec.bundle = (char *)base;
    spec.root_readonly = true;
    spec.mounts = mounts;
    spec.n_mounts = sizeof(mounts) / sizeof(mounts[0]);
    spec.has_process = true;
    spec.process.terminal = true;
    spec.linux_.namespaces = ns;
    spec.linux_.n_namespaces = 2;
    spec.linux_.sysctl = sysctl;
    spec.linux_.n_sysctl = 1;
    spec.linux_.masked_paths = masked;
    spec.linux_.n_masked_paths = 3;
    spec.linux_.readonly_paths = ro;
    spec.linux_.n_readonly_paths = 3;
    spec.linux_.devices = devs;
    spec.linux_.n_devices = 2;
    weft_error *err = NULL;
    if (rootfs_prepare(&spec, false, &err) < 0) {
        fprintf(stderr, "prepare: %s\n", err->msg);
        return 92;
    }
    /* nothing escaped onto the host side */
    struct stat st;
    CHECK(lstat("/weft-escape", &st) < 0 && errno == ENOENT);
    if (rootfs_pivot(&spec, false, &err) < 0) {
        fprintf(stderr, "pivot: %s\n", err->msg);
        return 93;
    }
    if (rootfs_finalize(&spec, &err) < 0) {
        fprintf(stderr, "finalize: %s\n", err->msg);
        return 94;
    }
    g_spec = &spec;
    full_checks();
    dump_mountinfo();
    return unit_failed_checks;
}

TEST(full_container_view)
{
    cleanup_free char *base = make_bundle();
    cleanup_free char *cg = xasprintf("/sys/fs/cgroup/pids/weft-test-%d", getpid());
    /* a cgroup v1 (hybrid) host: also check the per-container cgroup view */
    have_v1_pids = access("/sys/fs/cgroup/pids/cgroup.procs", F_OK) == 0;
    if (have_v1_pids)
        CHECK_INT(mkdir(cg, 0755), 0);
    CHECK_INT(run_child(full_child, base), 0);
    if (have_v1_pids)
        CHECK_INT(rmdir(cg), 0);
    struct stat st;
    CHECK(lstat("/weft-escape", &st) < 0);
    sh("rm -rf %s", base);
}

static oci_spec basic_spec(char *root, const char *base, oci_mount *mounts, size_t n)
{
    static oci_namespace ns[] = {{.type = OCI_NS_MOUNT}, {.type = OCI_NS_USER}};
    oci_spec spec = {0};
    spec.root_path = root;
    spec.bundle = (char *)base;
    spec.mounts = mounts;
    spec.n_mounts = n;
    spec.linux_.namespaces = ns;
    spec.linux_.n_namespaces = 2;
    return spec;
}

/* Rootless-like: a user namespace where only uid/gid 0 are mapped, no own
 * network or IPC namespace. Exercises every fallback: devices bound from the
 * host, devpts without gid=5, sysfs and mqueue bound from the host, cgroup
 * bound from the host, remounts keeping locked flags. */
static int userns_container(const char *base)
{
    if (mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return 80;
    cleanup_free char *root = xasprintf("%s/rootfs", base);
    cleanup_free char *data = xasprintf("%s/data", base);
    oci_mount mounts[] = {
        mnt("/proc", "proc", "proc", o_proc),       mnt("/dev", "tmpfs", "tmpfs", o_dev),
        mnt("/dev/pts", "devpts", "devpts", o_pts), mnt("/dev/mqueue", "mqueue", "mqueue", o_proc),
        mnt("/sys", "sysfs", "sysfs", o_sys),       mnt("/sys/fs/cgroup", "cgroup", "cgroup", o_cg),
        mnt("/data", "bind", data, o_rbind_ro),
    };
    oci_spec spec = basic_spec(root, base, mounts, sizeof(mounts) / sizeof(mounts[0]));
    spec.root_readonly = true;
    char *ro[] = {"/proc/sys", NULL};
    spec.linux_.readonly_paths = ro;
    spec.linux_.n_readonly_paths = 1;
    char *masked[] = {"/proc/version", NULL};
    spec.linux_.masked_paths = masked;
    spec.linux_.n_masked_paths = 1;
    oci_device devs[] = {
        {.type = 'p', .path = "/dev/fifo", .has_file_mode = true, .file_mode = 0640},
        {.type = 'c', .path = "/dev/full", .major = 1, .minor = 7},
    };
    spec.linux_.devices = devs;
    spec.linux_.n_devices = 2;
    weft_error *err = NULL;
    if (rootfs_prepare(&spec, true, &err) < 0 || rootfs_pivot(&spec, false, &err) < 0 ||
        rootfs_finalize(&spec, &err) < 0) {
        fprintf(stderr, "userns container: %s\n", err->msg);
        return 81;
    }
    struct stat st;
    char buf[64];
    CHECK_INT(stat("/dev/null", &st), 0);
    CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
    char *t = mount_at("/dev/null"); /* bound from the host, not mknod'ed */
    CHECK(t != NULL);
    free(t);
    int fd = open("/dev/null", O_WRONLY);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1);
    if (fd >= 0)
        close(fd);
    CHECK_INT(stat("/dev/fifo", &st), 0);
    CHECK(S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0640);
    CHECK_INT(stat("/dev/full", &st), 0);
    CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 7));
    t = mount_at("/dev/pts");
    CHECK_STR(t, "devpts");
    free(t);
    t = mount_at("/sys");
    CHECK_STR(t, "sysfs");
    free(t);
    CHECK(is_readonly("/sys"));
    CHECK(is_readonly("/sys/fs/cgroup"));
    CHECK(lstat("/sys/fs/cgroup/cpu", &st) == 0 ||
          lstat("/sys/fs/cgroup/cgroup.controllers", &st) == 0);
    CHECK(is_readonly("/"));
    CHECK(is_readonly("/data"));
    CHECK(is_readonly("/data/sub"));
    CHECK(is_readonly("/proc/sys"));
    CHECK_INT(read_all("/proc/version", buf, sizeof(buf)), 0);
    dump_mountinfo();
    return unit_failed_checks;
}

static int userns_child(const char *base)
{
    if (unshare(CLONE_NEWUSER) < 0)
        return 70;
    if (write_file("/proc/self/setgroups", "deny") < 0 ||
        write_file("/proc/self/uid_map", "0 0 1") < 0 ||
        write_file("/proc/self/gid_map", "0 0 1") < 0)
        return 71;
    if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC) < 0)
        return 72;
    return run_child(userns_container, base); /* pid 1 of the new pid namespace */
}

TEST(user_namespace_fallbacks)
{
    cleanup_free char *base = make_bundle();
    CHECK_INT(run_child(userns_child, base), 0);
    sh("rm -rf %s", base);
}

static bool use_pivot; /* no_pivot_child: pivot_root instead of MS_MOVE */

static int no_pivot_child(const char *base)
{
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return 90;
    cleanup_free char *root = xasprintf("%s/rootfs", base);
    static const char *o_dev_ro[] = {"nosuid", "ro", "mode=755", NULL};
    oci_mount mounts[] = {
        mnt("/proc", "proc", "proc", o_proc),
        mnt("/dev", "tmpfs", "tmpfs", o_dev_ro),
    };
    oci_spec spec = basic_spec(root, base, mounts, 2);
    spec.linux_.rootfs_propagation = "rshared";
    weft_error *err = NULL;
    if (rootfs_prepare(&spec, false, &err) < 0 || rootfs_pivot(&spec, !use_pivot, &err) < 0 ||
        rootfs_finalize(&spec, &err) < 0) {
        fprintf(stderr, "no-pivot container: %s\n", err->msg);
        return 91;
    }
    char buf[64];
    CHECK_STR(getcwd(buf, sizeof(buf)), "/");
    CHECK(access("/bin/busybox", X_OK) == 0);
    struct stat st;
    CHECK_INT(stat("/dev/zero", &st), 0);
    CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5));
    /* a read-only /dev: the nodes were made first, then it became read-only */
    CHECK(is_readonly("/dev"));
    CHECK(lstat("/dev/fd", &st) == 0 && S_ISLNK(st.st_mode));
    /* rootfsPropagation "rshared": the container's root mount is shared */
    weft_error *e = NULL;
    mountinfo_entry *mi;
    size_t n;
    CHECK_INT(mountinfo_read(&mi, &n, &e), 0);
    bool shared = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(mi[i].mount_point, "/") == 0 && strstr(mi[i].optional, "shared:"))
            shared = true;
    mountinfo_free(mi, n);
    CHECK(shared);
    return unit_failed_checks;
}

TEST(no_pivot_and_shared_propagation)
{
    cleanup_free char *base = make_bundle();
    use_pivot = false;
    CHECK_INT(run_child(no_pivot_child, base), 0);
    sh("rm -rf %s", base);
}

TEST(pivot_with_shared_propagation)
{
    cleanup_free char *base = make_bundle();
    use_pivot = true;
    CHECK_INT(run_child(no_pivot_child, base), 0);
    use_pivot = false;
    sh("rm -rf %s", base);
}

static int refusal_child(const char *base)
{
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return 90;
    cleanup_free char *root = xasprintf("%s/rootfs", base);
    static const char *idmap[] = {"rbind", "idmap", NULL};
    static const char *copyup[] = {"tmpcopyup", NULL};
    static const char *nosuid[] = {"nosuid", NULL};
    static const char *none[] = {NULL};
    static const struct {
        oci_mount m;
        const char *msg;
    } cases[] = {
        {{.destination = "/x",
          .type = "bind",
          .source = "/tmp",
          .options = (char **)idmap,
          .n_options = 2},
         "mounts[0] (bind on /x): idmap without mappings uses linux.uidMappings: an idmapped "
         "mount needs both uid and gid mappings"},
        {{.destination = "/x",
          .type = "tmpfs",
          .source = "tmpfs",
          .options = (char **)idmap + 1,
          .n_options = 1},
         "mounts[0] (tmpfs on /x): idmapped mounts are supported for bind mounts only"},
        {{.destination = "/x",
          .type = "proc",
          .source = "proc",
          .options = (char **)copyup,
          .n_options = 1},
         "mounts[0] (proc on /x): option tmpcopyup is only valid for tmpfs"},
        {{.destination = "/evil/proc",
          .type = "proc",
          .source = "proc",
          .options = (char **)nosuid,
          .n_options = 1},
         "mounts[0] (proc on /evil/proc): /evil/proc in the rootfs must not be a symlink"},
        {{.destination = "/a/..", .type = "tmpfs", .source = "tmpfs"},
         "mounts[0]: destination \"/a/..\" is the root; use root.path"},
        {{.destination = "/x", .type = NULL, .source = "/tmp", .options = (char **)none},
         "mounts[0] (bind on /x): type is required unless the options say bind or rbind"},
        {{.destination = "/x", .type = "bind", .source = "/nonexistent-weft"},
         "mounts[0] (bind on /x): open source /nonexistent-weft: No such file or directory"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oci_mount m = cases[i].m;
        oci_spec spec = basic_spec(root, base, &m, 1);
        weft_error *err = NULL;
        CHECK_INT(rootfs_prepare(&spec, false, &err), -1);
        CHECK(err != NULL);
        if (err != NULL)
            CHECK_STR(err->msg, cases[i].msg);
        werr_free(err);
    }
    return unit_failed_checks;
}

TEST(unsupported_and_invalid_mounts_refused)
{
    cleanup_free char *base = make_bundle();
    CHECK_INT(run_child(refusal_child, base), 0);
    sh("rm -rf %s", base);
}

/* ---- idmapped bind mounts ---- */

static oci_id_mapping map_uid = {0, 1000, 1}, map_gid = {0, 1001, 1};
static oci_id_mapping ct_uid = {0, 2000, 1}, ct_gid = {0, 2001, 1};
static const char *o_idmap[] = {"rbind", "idmap", NULL};
static const char *o_ridmap_ro[] = {"bind", "ridmap", "ro", NULL};
static int *handed_fds; /* from rootfs_idmap_prepare() in the parent, or NULL */

static void idmap_spec(oci_spec *spec, oci_mount *mounts, char *root, const char *base, char *data)
{
    mounts[0] = mnt("/idm", "bind", data, o_idmap);
    mounts[0].uid_mappings = &map_uid;
    mounts[0].n_uid_mappings = 1;
    mounts[0].gid_mappings = &map_gid;
    mounts[0].n_gid_mappings = 1;
    mounts[1] = mnt("/idm2", "bind", data, o_ridmap_ro); /* the container's mapping */
    *spec = basic_spec(root, base, mounts, 2);
    spec->linux_.uid_mappings = &ct_uid;
    spec->linux_.n_uid_mappings = 1;
    spec->linux_.gid_mappings = &ct_gid;
    spec->linux_.n_gid_mappings = 1;
}

static int idmap_child(const char *base)
{
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return 90;
    cleanup_free char *root = xasprintf("%s/rootfs", base);
    cleanup_free char *data = xasprintf("%s/data", base);
    oci_mount mounts[2];
    oci_spec spec;
    idmap_spec(&spec, mounts, root, base, data);
    weft_error *err = NULL;
    if (rootfs_prepare_idmapped(&spec, false, handed_fds, &err) < 0 ||
        rootfs_pivot(&spec, false, &err) < 0 || rootfs_finalize(&spec, &err) < 0) {
        fprintf(stderr, "idmap container: %s\n", err->msg);
        return 91;
    }
    struct stat st;
    CHECK_INT(stat("/idm/f", &st), 0);
    CHECK_INT(st.st_uid, 1000);
    CHECK_INT(st.st_gid, 1001);
    CHECK_INT(stat("/idm2/f", &st), 0);
    CHECK_INT(st.st_uid, 2000);
    CHECK_INT(st.st_gid, 2001);
    CHECK(is_readonly("/idm2"));
    CHECK(!is_readonly("/idm"));
    return unit_failed_checks;
}

TEST(idmapped_bind_mounts)
{
    cleanup_free char *base = make_bundle();
    handed_fds = NULL;
    CHECK_INT(run_child(idmap_child, base), 0);
    sh("rm -rf %s", base);
}

TEST(idmapped_clones_made_on_the_host_side)
{
    cleanup_free char *base = make_bundle();
    cleanup_free char *root = xasprintf("%s/rootfs", base);
    cleanup_free char *data = xasprintf("%s/data", base);
    oci_mount mounts[2];
    oci_spec spec;
    idmap_spec(&spec, mounts, root, base, data);
    weft_error *err = NULL;
    int *fds = NULL;
    CHECK_INT(rootfs_idmap_prepare(&spec, -1, &fds, &err), 0);
    if (fds != NULL) {
        CHECK(fds[0] >= 0 && fds[1] >= 0);
        handed_fds = fds;
        CHECK_INT(run_child(idmap_child, base), 0);
        handed_fds = NULL;
        close(fds[0]);
        close(fds[1]);
        free(fds);
    }
    sh("rm -rf %s", base);
}

/* ---- kernels without mount_setattr(2) / openat2(2), simulated with seccomp ---- */

static int deny_syscall(int nr)
{
    scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
    if (f == NULL || seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), nr, 0) < 0 || seccomp_load(f) < 0)
        return -1;
    seccomp_release(f);
    return 0;
}

static int no_mount_setattr_child(const char *base)
{
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return 90;
    cleanup_free char *sub = xasprintf("%s/data/sub", base);
    if (mount("tmpfs", sub, "tmpfs", 0, NULL) < 0)
        return 91;
    if (deny_syscall(SCMP_SYS(mount_setattr)) < 0)
        return 92;
    cleanup_free char *root = xasprintf("%s/rootfs", base);
    cleanup_free char *data = xasprintf("%s/data", base);
    oci_mount mounts[] = {
        mnt("/proc", "proc", "proc", o_proc),
        mnt("/data", "bind", data, o_rbind_ro),
    };
    oci_spec spec = basic_spec(root, base, mounts, 2);
    spec.root_readonly = true;
    char *ro[] = {"/proc/sys", NULL};
    spec.linux_.readonly_paths = ro;
    spec.linux_.n_readonly_paths = 1;
    weft_error *err = NULL;
    if (rootfs_prepare(&spec, false, &err) < 0 || rootfs_pivot(&spec, false, &err) < 0 ||
        rootfs_finalize(&spec, &err) < 0) {
        fprintf(stderr, "no mount_setattr: %s\n", err->msg);
        return 93;
    }
    CHECK(is_readonly("/"));
    CHECK(is_readonly("/data"));
    CHECK(is_readonly("/data/sub")); /* per-mount remount fallback */
    CHECK(is_readonly("/proc/sys"));
    CHECK(!is_readonly("/proc"));
    return unit_failed_checks;
}

TEST(readonly_without_mount_setattr)
{
    cleanup_free char *base = make_bundle();
    CHECK_INT(run_child(no_mount_setattr_child, base), 0);
    sh("rm -rf %s", base);
}

/* Without openat2 the userspace resolver keeps every target inside. */
static int no_openat2_child(const char *base)
{
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0)
        return 90;
    if (deny_syscall(SCMP_SYS(openat2)) < 0)
        return 92;
    cleanup_free char *root = xasprintf("%s/rootfs", base);
    oci_mount mounts[] = {
        mnt("/proc", "proc", "proc", o_proc),
        mnt("/dev", "tmpfs", "tmpfs", o_dev),
        mnt("/evil/weft-escape", "tmpfs", "tmpfs", NULL),
        mnt("/etc/hostfile", NULL, "file", o_bind_ro),
    };
    oci_spec spec = basic_spec(root, base, mounts, 4);
    char *masked[] = {"/proc/version", NULL};
    spec.linux_.masked_paths = masked;
    spec.linux_.n_masked_paths = 1;
    weft_error *err = NULL;
    if (rootfs_prepare(&spec, false, &err) < 0) {
        fprintf(stderr, "no openat2: %s\n", err->msg);
        return 93;
    }
    struct stat st;
    CHECK(lstat("/weft-escape", &st) < 0 && errno == ENOENT);
    if (rootfs_pivot(&spec, false, &err) < 0 || rootfs_finalize(&spec, &err) < 0) {
        fprintf(stderr, "no openat2: %s\n", err->msg);
        return 94;
    }
    char *t = mount_at("/weft-escape");
    CHECK_STR(t, "tmpfs");
    free(t);
    char buf[64];
    CHECK(read_all("/etc/hostfile", buf, sizeof(buf)) > 0 && strcmp(buf, "hello\n") == 0);
    CHECK(is_readonly("/etc/hostfile"));
    CHECK_INT(read_all("/proc/version", buf, sizeof(buf)), 0);
    CHECK_INT(stat("/dev/null", &st), 0);
    CHECK(S_ISCHR(st.st_mode));
    return unit_failed_checks;
}

TEST(without_openat2_targets_stay_inside)
{
    cleanup_free char *base = make_bundle();
    CHECK_INT(run_child(no_openat2_child, base), 0);
    sh("rm -rf %s", base);
}

UNIT_MAIN()
