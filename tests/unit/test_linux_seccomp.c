/* The seccomp filter builder: each filter is loaded in a forked child, which
 * then checks which syscalls fail and how. */
#include "test_linux_child.h"

#include "linux/security.h"
#include "util/error.h"
#include "util/log.h"

#include <fcntl.h>
#include <jansson.h>
#include <seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

static char tmpdir[64];

static void make_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        strcpy(tmpdir, "/tmp/weft-seccomp-XXXXXX");
        if (mkdtemp(tmpdir) == NULL)
            CHECK(!"mkdtemp");
    }
}

/* mkdir(2) itself (glibc might use mkdirat); returns 0 or the errno. */
static int try_mkdir(const char *name, mode_t mode)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    long rc = syscall(SYS_mkdir, path, mode);
    return rc == 0 ? 0 : errno;
}

/* A filter spec built on the stack for one test. */
struct spec {
    oci_seccomp s;
    oci_seccomp_rule rules[8];
    oci_seccomp_arg args[8][4];
    char *names[8][4];
};

static void spec_init(struct spec *sp, uint32_t default_action)
{
    memset(sp, 0, sizeof *sp);
    sp->s.default_action = default_action;
    sp->s.syscalls = sp->rules;
}

/* Add a rule for up to 4 names (NULL-terminated list in `names`). */
static oci_seccomp_rule *spec_rule(struct spec *sp, uint32_t action, const char *n0, const char *n1)
{
    size_t i = sp->s.n_syscalls++;
    oci_seccomp_rule *r = &sp->rules[i];
    r->action = action;
    r->names = sp->names[i];
    r->names[r->n_names++] = (char *)n0;
    if (n1)
        r->names[r->n_names++] = (char *)n1;
    r->args = sp->args[i];
    return r;
}

static void rule_arg(oci_seccomp_rule *r, unsigned index, int op, uint64_t v, uint64_t v2)
{
    r->args[r->n_args++] = (oci_seccomp_arg){.index = index, .op = op, .value = v, .value_two = v2};
}

/* Prepare and load in the child; reports failures. */
static int child_load(const oci_seccomp *s)
{
    struct weft_seccomp *f = NULL;
    weft_error *err = NULL;
    int rc = seccomp_prepare(s, &f, &err);
    if (rc == 0)
        rc = seccomp_load_prepared(f, &err);
    if (rc < 0)
        dprintf(child_report_fd, "seccomp: %s\n", err ? err->msg : "?");
    seccomp_free(f);
    werr_free(err);
    return rc;
}

/* ---- actions and conditions ------------------------------------------------ */

static void child_mkdir_eperm(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    spec_rule(&sp, SCMP_ACT_ERRNO(EPERM), "mkdir", NULL);
    if (child_load(&sp.s) < 0)
        return;
    CCHECK_INT(try_mkdir("a", 0755), EPERM);
    CCHECK(getpid() > 0);
    int fd = open("/proc/self/status", O_RDONLY); /* other calls still work */
    CCHECK(fd >= 0);
    close(fd);
}

TEST(mkdir_eperm)
{
    NEED_ROOT();
    make_tmpdir();
    run_child(child_mkdir_eperm, NULL);
    /* The filter stayed in the child: here mkdir works. */
    CHECK_INT(try_mkdir("parent-ok", 0755), 0);
}

static void child_mkdir_mode_cond(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    oci_seccomp_rule *r = spec_rule(&sp, SCMP_ACT_ERRNO(EPERM), "mkdir", NULL);
    rule_arg(r, 1, SCMP_CMP_EQ, 0700, 0);
    if (child_load(&sp.s) < 0)
        return;
    CCHECK_INT(try_mkdir("c700", 0700), EPERM);
    CCHECK_INT(try_mkdir("c755", 0755), 0);
    CCHECK_INT(try_mkdir("c750", 0750), 0);
}

TEST(argument_condition)
{
    NEED_ROOT();
    make_tmpdir();
    run_child(child_mkdir_mode_cond, NULL);
}

static void child_masked_eq(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    oci_seccomp_rule *r = spec_rule(&sp, SCMP_ACT_ERRNO(EACCES), "mkdir", NULL);
    /* value = mask, valueTwo = datum: deny when "others" have write but
     * not execute. */
    rule_arg(r, 1, SCMP_CMP_MASKED_EQ, 0003, 0002);
    if (child_load(&sp.s) < 0)
        return;
    CCHECK_INT(try_mkdir("m772", 0772), EACCES);
    CCHECK_INT(try_mkdir("m706", 0706), EACCES);
    CCHECK_INT(try_mkdir("m777", 0777), 0);
    CCHECK_INT(try_mkdir("m775", 0775), 0);
}

TEST(masked_eq)
{
    NEED_ROOT();
    make_tmpdir();
    run_child(child_masked_eq, NULL);
}

/* Two conditions on different arguments: both must hold. kill(2) to self with
 * signal 0 or SIGCONT is harmless. */
static void child_two_args_and(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    oci_seccomp_rule *r = spec_rule(&sp, SCMP_ACT_ERRNO(EPERM), "kill", NULL);
    rule_arg(r, 0, SCMP_CMP_EQ, (uint64_t)getpid(), 0);
    rule_arg(r, 1, SCMP_CMP_EQ, 0, 0);
    if (child_load(&sp.s) < 0)
        return;
    errno = 0;
    CCHECK_INT(kill(getpid(), 0), -1);
    CCHECK_INT(errno, EPERM);
    CCHECK_INT(kill(getpid(), SIGCONT), 0);
    CCHECK_INT(kill(getppid(), 0), 0);
}

/* Two conditions on the SAME argument: one rule each, so either matches. */
static void child_same_arg_or(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    oci_seccomp_rule *r = spec_rule(&sp, SCMP_ACT_ERRNO(EPERM), "kill", NULL);
    rule_arg(r, 1, SCMP_CMP_EQ, 0, 0);
    rule_arg(r, 1, SCMP_CMP_EQ, SIGCONT, 0);
    if (child_load(&sp.s) < 0)
        return;
    errno = 0;
    CCHECK_INT(kill(getpid(), 0), -1);
    CCHECK_INT(errno, EPERM);
    errno = 0;
    CCHECK_INT(kill(getpid(), SIGCONT), -1);
    CCHECK_INT(errno, EPERM);
    CCHECK_INT(kill(getpid(), SIGWINCH), 0); /* ignored by default */
}

/* Comparison operators other than EQ. */
static void child_ops(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    oci_seccomp_rule *r = spec_rule(&sp, SCMP_ACT_ERRNO(E2BIG), "mkdir", NULL);
    rule_arg(r, 1, SCMP_CMP_GT, 0750, 0);
    r = spec_rule(&sp, SCMP_ACT_ERRNO(ENOTDIR), "umask", NULL);
    rule_arg(r, 0, SCMP_CMP_LT, 010, 0);
    if (child_load(&sp.s) < 0)
        return;
    CCHECK_INT(try_mkdir("o755", 0755), E2BIG);
    CCHECK_INT(try_mkdir("o750", 0750), 0);
    CCHECK_INT(syscall(SYS_umask, 07), -1);
    CCHECK_INT(errno, ENOTDIR);
    CCHECK(syscall(SYS_umask, 022) >= 0);
}

TEST(multiple_conditions)
{
    NEED_ROOT();
    make_tmpdir();
    run_child(child_two_args_and, NULL);
    run_child(child_same_arg_or, NULL);
    run_child(child_ops, NULL);
}

static void child_errno_ret(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    spec_rule(&sp, SCMP_ACT_ERRNO(EXDEV), "mkdir", "rmdir");
    if (child_load(&sp.s) < 0)
        return;
    CCHECK_INT(try_mkdir("x", 0755), EXDEV);
    errno = 0;
    CCHECK_INT(rmdir(tmpdir), -1);
    CCHECK_INT(errno, EXDEV);
}

TEST(errno_ret)
{
    NEED_ROOT();
    make_tmpdir();
    run_child(child_errno_ret, NULL);
}

/* Default action errno: only what is listed works. */
static void child_default_errno(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ERRNO(ENOSYS));
    spec_rule(&sp, SCMP_ACT_ALLOW, "write", "exit_group");
    spec_rule(&sp, SCMP_ACT_ALLOW, "getpid", "exit");
    /* what a sanitizer runtime calls on its own (ASan/UBSan builds); the
     * checks below are about other syscalls */
    spec_rule(&sp, SCMP_ACT_ALLOW, "sigaltstack", "mmap");
    spec_rule(&sp, SCMP_ACT_ALLOW, "munmap", "madvise");
    spec_rule(&sp, SCMP_ACT_ALLOW, "rt_sigaction", "rt_sigprocmask");
    spec_rule(&sp, SCMP_ACT_ALLOW, "close", "gettid");
    if (child_load(&sp.s) < 0)
        return;
    CCHECK_INT(try_mkdir("d", 0755), ENOSYS);
    errno = 0;
    CCHECK_INT(syscall(SYS_getppid), -1);
    CCHECK_INT(errno, ENOSYS);
    CCHECK(syscall(SYS_getpid) > 0);
}

TEST(default_action_errno)
{
    NEED_ROOT();
    make_tmpdir();
    run_child(child_default_errno, NULL);
}

static void child_kill_process(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    spec_rule(&sp, SCMP_ACT_KILL_PROCESS, "mkdir", NULL);
    if (child_load(&sp.s) < 0)
        return;
    try_mkdir("k", 0755);
    dprintf(child_report_fd, "survived a KILL_PROCESS rule\n");
}

TEST(kill_process_action)
{
    NEED_ROOT();
    make_tmpdir();
    int status = run_child_status(child_kill_process, NULL);
    CHECK(WIFSIGNALED(status));
    CHECK_INT(WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGSYS);
}

/* ---- names, architectures, flags ------------------------------------------- */

static void child_unknown_name(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    spec_rule(&sp, SCMP_ACT_ERRNO(EPERM), "no_such_syscall_in_any_kernel", "mkdir");
    /* Same action as the default: skipped, not an error. */
    spec_rule(&sp, SCMP_ACT_ALLOW, "getpid", NULL);
    char logpath[128];
    snprintf(logpath, sizeof logpath, "%s/debug.log", tmpdir);
    CCHECK_INT(log_init(logpath, false, true), 0);
    if (child_load(&sp.s) < 0)
        return;
    CCHECK_INT(try_mkdir("u", 0755), EPERM);
    char *log = slurp(logpath);
    CCHECK_CONTAINS(log, "linux.seccomp.syscalls[0]: unknown syscall "
                         "\"no_such_syscall_in_any_kernel\" skipped");
    CCHECK_CONTAINS(log, "linux.seccomp.syscalls[1]: action equals defaultAction, rule skipped");
    free(log);
}

TEST(unknown_syscall_skipped)
{
    NEED_ROOT();
    make_tmpdir();
    run_child(child_unknown_name, NULL);
}

static void child_archs_flags(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                     "SECCOMP_FILTER_FLAG_TSYNC"};
    sp.s.architectures = archs;
    sp.s.n_architectures = 3;
    sp.s.flags = flags;
    sp.s.n_flags = 3;
    spec_rule(&sp, SCMP_ACT_ERRNO(EPERM), "mkdir", NULL);
    if (child_load(&sp.s) < 0)
        return;
    CCHECK_INT(try_mkdir("a", 0755), EPERM);
}

TEST(architectures_and_flags)
{
    NEED_ROOT();
    make_tmpdir();
#if defined(__x86_64__)
    run_child(child_archs_flags, NULL);
#endif
}

static void expect_prepare_error(const oci_seccomp *s, const char *msg)
{
    struct weft_seccomp *f = (struct weft_seccomp *)1;
    weft_error *err = NULL;
    CHECK_INT(seccomp_prepare(s, &f, &err), -1);
    CHECK(f == NULL);
    CHECK(err != NULL);
    if (err)
        CHECK_STR(err->msg, msg);
    werr_free(err);
}

TEST(invalid_arch_flag_op)
{
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    char *archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"};
    sp.s.architectures = archs;
    sp.s.n_architectures = 2;
    expect_prepare_error(&sp.s, "linux.seccomp.architectures[1]: unknown architecture "
                                "\"SCMP_ARCH_VAX\"");
    char *bare[] = {"x86_64"};
    sp.s.architectures = bare;
    sp.s.n_architectures = 1;
    expect_prepare_error(&sp.s, "linux.seccomp.architectures[0]: unknown architecture "
                                "\"x86_64\"");

    spec_init(&sp, SCMP_ACT_ALLOW);
    char *flags[] = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS"};
    sp.s.flags = flags;
    sp.s.n_flags = 2;
    expect_prepare_error(&sp.s, "linux.seccomp.flags[1]: unknown flag "
                                "\"SECCOMP_FILTER_FLAG_BOGUS\"");

    spec_init(&sp, SCMP_ACT_ALLOW);
    oci_seccomp_rule *r = spec_rule(&sp, SCMP_ACT_ERRNO(EPERM), "mkdir", NULL);
    rule_arg(r, 6, SCMP_CMP_EQ, 0, 0);
    expect_prepare_error(&sp.s, "linux.seccomp.syscalls[0].args[0].index: 6 is not in [0, 5]");
    r->args[0].index = 1;
    r->args[0].op = 0;
    expect_prepare_error(&sp.s, "linux.seccomp.syscalls[0].args[0].op: invalid operator 0");

    spec_init(&sp, SCMP_ACT_ALLOW);
    spec_rule(&sp, SCMP_ACT_NOTIFY, "mkdir", NULL);
    expect_prepare_error(&sp.s, "linux.seccomp: SCMP_ACT_NOTIFY requires listenerPath");

    spec_init(&sp, 0x12345678);
    expect_prepare_error(&sp.s, "linux.seccomp.defaultAction: invalid action 0x12345678");
}

TEST(wait_killable_recv)
{
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    char *flags[] = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
    sp.s.flags = flags;
    sp.s.n_flags = 1;
    struct weft_seccomp *f = NULL;
    weft_error *err = NULL;
    int rc = seccomp_prepare(&sp.s, &f, &err);
#if SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6
    CHECK_INT(rc, -1);
    if (err)
        CHECK(strstr(err->msg, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not supported by "
                               "libseccomp 2.5") != NULL);
#else
    (void)rc;
#endif
    seccomp_free(f);
    werr_free(err);
}

/* ---- load order: without no_new_privs, loading needs CAP_SYS_ADMIN -------- */

static void child_load_after_drop(void *arg)
{
    bool nnp = arg != NULL;
    char *caps[] = {"CAP_SETUID", "CAP_SETGID"};
    oci_process p = {0};
    p.has_capabilities = true;
    p.capabilities = (oci_capabilities){.bounding = caps,
                                        .n_bounding = 2,
                                        .effective = caps,
                                        .n_effective = 2,
                                        .permitted = caps,
                                        .n_permitted = 2};
    p.no_new_privileges = nnp;
    weft_error *err = NULL;
    CCHECK_INT(process_apply_security(&p, true, &err), 0);
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    spec_rule(&sp, SCMP_ACT_ERRNO(EPERM), "mkdir", NULL);
    struct weft_seccomp *f = NULL;
    CCHECK_INT(seccomp_prepare(&sp.s, &f, &err), 0);
    int rc = seccomp_load_prepared(f, &err);
    if (nnp) {
        CCHECK_INT(rc, 0);
        CCHECK_INT(try_mkdir("n", 0755), EPERM);
    } else {
        CCHECK_INT(rc, -1);
        if (err)
            CCHECK_CONTAINS(err->msg,
                            "loading the filter (needs CAP_SYS_ADMIN or noNewPrivileges)");
    }
    /* The filter itself never turns no_new_privs on. */
    CCHECK_INT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), nnp ? 1 : 0);
    seccomp_free(f);
    werr_free(err);
}

static void child_load_before_drop(void *arg)
{
    (void)arg;
    /* The order for noNewPrivileges=false: load first, then drop. */
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    spec_rule(&sp, SCMP_ACT_ERRNO(EPERM), "mkdir", NULL);
    if (child_load(&sp.s) < 0)
        return;
    CCHECK_INT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
    oci_process p = {0};
    weft_error *err = NULL;
    CCHECK_INT(process_apply_security(&p, true, &err), 0);
    CCHECK_HEX(status_hex("CapEff"), 0);
    CCHECK_INT(try_mkdir("b", 0755), EPERM);
    werr_free(err);
}

TEST(load_order)
{
    NEED_ROOT();
    make_tmpdir();
    run_child(child_load_after_drop, NULL);
    run_child(child_load_after_drop, "nnp");
    run_child(child_load_before_drop, NULL);
}

/* ---- notify: the agent gets the fd and the state ----------------------------- */

TEST(process_state_json)
{
    weft_error *err = NULL;
    char *s = seccomp_process_state_json("1.2.0", 42, "meta data",
                                         "{\"id\":\"c1\",\"status\":\"creating\"}", &err);
    CHECK(s != NULL);
    json_t *o = s ? json_loads(s, 0, NULL) : NULL;
    CHECK(o != NULL);
    CHECK_STR(json_string_value(json_object_get(o, "ociVersion")), "1.2.0");
    CHECK_STR(json_string_value(json_array_get(json_object_get(o, "fds"), 0)), "seccompFd");
    CHECK_INT(json_array_size(json_object_get(o, "fds")), 1);
    CHECK_INT(json_integer_value(json_object_get(o, "pid")), 42);
    CHECK_STR(json_string_value(json_object_get(o, "metadata")), "meta data");
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "state"), "id")), "c1");
    json_decref(o);
    free(s);
    CHECK(seccomp_process_state_json("1.2.0", 1, NULL, "[1]", &err) == NULL);
    CHECK(err != NULL);
    werr_free(err);
}

static char listener_path[128];

static void child_notify(void *arg)
{
    (void)arg;
    struct spec sp;
    spec_init(&sp, SCMP_ACT_ALLOW);
    sp.s.listener_path = listener_path;
    spec_rule(&sp, SCMP_ACT_NOTIFY, "mkdir", NULL);
    struct weft_seccomp *f = NULL;
    weft_error *err = NULL;
    CCHECK_INT(seccomp_prepare(&sp.s, &f, &err), 0);
    if (f == NULL)
        return;
    CCHECK(seccomp_uses_notify(f));
    CCHECK_INT(seccomp_load_prepared(f, &err), 0);
    int fd = seccomp_take_notify_fd(f);
    CCHECK(fd >= 0);
    CCHECK_INT(seccomp_take_notify_fd(f), -1);
    char *state = seccomp_process_state_json("1.2.0", getpid(), "hello", "{\"id\":\"n\"}", &err);
    CCHECK_INT(seccomp_send_to_listener(listener_path, fd, state, &err), 0);
    if (err)
        dprintf(child_report_fd, "error: %s\n", err->msg);
    free(state);
    close(fd);
    /* Blocks until the agent (our parent) answers EXDEV. */
    CCHECK_INT(try_mkdir("notified", 0700), EXDEV);
    seccomp_free(f);
}

/* Accept the child's connection, take the fd, answer one notification. */
static void agent(int lsk)
{
    int sk = accept(lsk, NULL, NULL);
    CHECK(sk >= 0);
    if (sk < 0)
        return;
    char buf[1024] = "";
    union {
        char c[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.c, .msg_controllen = sizeof ctl.c};
    ssize_t n = recvmsg(sk, &msg, 0);
    close(sk);
    CHECK(n > 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    CHECK(cm != NULL && cm->cmsg_type == SCM_RIGHTS);
    if (n <= 0 || cm == NULL)
        return;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof fd);
    json_t *o = json_loads(buf, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "metadata")), "hello");
    json_decref(o);

    /* Never hang the test run if the child went wrong. */
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    CHECK_INT(poll(&pfd, 1, 10000), 1);
    if (!(pfd.revents & POLLIN)) {
        close(fd);
        return;
    }
    struct seccomp_notif *req = NULL;
    struct seccomp_notif_resp *resp = NULL;
    CHECK_INT(seccomp_notify_alloc(&req, &resp), 0);
    CHECK_INT(seccomp_notify_receive(fd, req), 0);
    CHECK_INT(req->data.nr, SYS_mkdir);
    CHECK_INT(req->data.args[1], 0700);
    resp->id = req->id;
    resp->error = -EXDEV;
    resp->val = 0;
    resp->flags = 0;
    CHECK_INT(seccomp_notify_respond(fd, resp), 0);
    seccomp_notify_free(req, resp);
    close(fd);
}

TEST(notify_listener)
{
    NEED_ROOT();
    make_tmpdir();
    snprintf(listener_path, sizeof listener_path, "%s/agent.sock", tmpdir);
    int lsk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, listener_path);
    CHECK_INT(bind(lsk, (struct sockaddr *)&addr, sizeof addr), 0);
    CHECK_INT(listen(lsk, 1), 0);
    struct timeval tv = {.tv_sec = 10};
    CHECK_INT(setsockopt(lsk, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    int p[2];
    CHECK_INT(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        close(lsk);
        child_report_fd = p[1];
        child_notify(NULL);
        _exit(0);
    }
    close(p[1]);
    agent(lsk);
    close(lsk);
    char buf[2048];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf - 1)) > 0) {
        buf[n] = '\0';
        fputs(buf, stderr);
        unit_failed_checks++;
    }
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    unlink(listener_path);
}

TEST(send_to_missing_listener)
{
    weft_error *err = NULL;
    CHECK_INT(seccomp_send_to_listener("/nonexistent/weft/agent.sock", 0, "{}", &err), -1);
    if (err)
        CHECK_STR(err->msg, "linux.seccomp.listenerPath: connect /nonexistent/weft/agent.sock: "
                            "No such file or directory");
    werr_free(err);
}

/* Runs last (registration order): remove what the tests created. */
TEST(zz_cleanup)
{
    if (tmpdir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        CHECK_INT(system(cmd), 0);
    }
}

UNIT_MAIN()
