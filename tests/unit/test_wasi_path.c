/* Confinement: no WASI path operation reaches outside its preopen, whatever
 * the guest plants or names (.., absolute paths, escaping symlinks, loops,
 * trailing slashes, races). */
#include "test_wasi_util.h"

#include <signal.h>
#include <sys/wait.h>

#define FOLLOW WASI_LOOKUP_SYMLINK_FOLLOW

static bool secret_intact(void)
{
    char p[128], buf[16] = {0};
    snprintf(p, sizeof(p), "%s/secret.txt", tw_tmp);
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n == 6 && strcmp(buf, "SECRET") == 0;
}

static bool host_exists(const char *rel_to_tmp)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", tw_tmp, rel_to_tmp);
    return lstat(p, &st) == 0;
}

TEST(open_escapes_are_notcapable)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    const char *escapes[] = {"../secret.txt",
                             "/etc/passwd",
                             "escape/etc/passwd",
                             "up/etc/passwd",
                             "abs",
                             "sub/../../secret.txt",
                             "sub/out/secret.txt",
                             "sec",
                             "escape",
                             "sub/dotdot/../secret.txt",
                             "..",
                             "tmplink",
                             "sublink/../../secret.txt",
                             "/",
                             "./../root/file.txt"};
    for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
        uint32_t e = tw_open(ctx, escapes[i], FOLLOW, 0, RO, &fd);
        if (e != WASI_ENOTCAPABLE)
            fprintf(stderr, "escape %s gave errno %u\n", escapes[i], e);
        CHECK_INT(e, WASI_ENOTCAPABLE);
    }
    tw_done(ctx);
}

TEST(open_inside_follows_confined_links)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "file.txt", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "hello");
    CHECK_INT(tw_open(ctx, "inlink", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "inner");
    CHECK_INT(tw_open(ctx, "sub/dotdot/file.txt", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "hello");
    CHECK_INT(tw_open(ctx, "sub/../sub/./inner.txt", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "inner");
    CHECK_INT(tw_open(ctx, "sublink/inner.txt", 0, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "inner");
    tw_done(ctx);
}

TEST(open_nofollow_and_loops)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "inlink", 0, 0, RO, &fd), WASI_ELOOP);
    CHECK_INT(tw_open(ctx, "escape", 0, 0, RO, &fd), WASI_ELOOP);
    CHECK_INT(tw_open(ctx, "loop1", FOLLOW, 0, RO, &fd), WASI_ELOOP);
    CHECK_INT(tw_open(ctx, "loop1/x", 0, 0, RO, &fd), WASI_ELOOP);
    CHECK_INT(tw_open(ctx, "missing", 0, 0, RO, &fd), WASI_ENOENT);
    CHECK_INT(tw_open(ctx, "file.txt/x", 0, 0, RO, &fd), WASI_ENOTDIR);
    CHECK_INT(tw_open(ctx, "", 0, 0, RO, &fd), WASI_ENOENT);
    tw_done(ctx);
}

TEST(create_through_escaping_link_is_refused)
{
    wasi_ctx *ctx = tw_ctx();
    uint32_t fd;
    /* a dangling link whose target is outside: O_CREAT must not create it */
    char p[256];
    snprintf(p, sizeof(p), "%s/dangle", tw_root);
    CHECK(symlink("../planted.txt", p) == 0);
    CHECK_INT(tw_open(ctx, "dangle", FOLLOW, WASI_OFLAG_CREAT, RW, &fd), WASI_ENOTCAPABLE);
    CHECK_INT(tw_open(ctx, "dangle", 0, WASI_OFLAG_CREAT, RW, &fd), WASI_ELOOP);
    CHECK_INT(tw_open(ctx, "../planted.txt", 0, WASI_OFLAG_CREAT, RW, &fd), WASI_ENOTCAPABLE);
    CHECK_INT(tw_open(ctx, "escape/tmp/planted.txt", FOLLOW, WASI_OFLAG_CREAT, RW, &fd),
              WASI_ENOTCAPABLE);
    CHECK(!host_exists("planted.txt"));
    CHECK_INT(tw_open(ctx, "new.txt", 0, WASI_OFLAG_CREAT | WASI_OFLAG_EXCL, RW, &fd),
              WASI_ESUCCESS);
    CHECK(host_exists("root/new.txt"));
    CHECK_INT(tw_open(ctx, "new.txt", 0, WASI_OFLAG_CREAT | WASI_OFLAG_EXCL, RW, &fd), WASI_EEXIST);
    CHECK(secret_intact());
    tw_done(ctx);
}

static uint32_t stat_path(wasi_ctx *ctx, const char *path, uint32_t lookup)
{
    uint64_t n = tw_str(P_PATH, path);
    return CALL(wasi_path_filestat_get, 3, lookup, P_PATH, n, P_OUT);
}

TEST(stat_never_sees_outside)
{
    wasi_ctx *ctx = tw_ctx();
    CHECK_INT(stat_path(ctx, "..", 0), WASI_ENOTCAPABLE);
    CHECK_INT(stat_path(ctx, "..", FOLLOW), WASI_ENOTCAPABLE);
    CHECK_INT(stat_path(ctx, "sub/../..", 0), WASI_ENOTCAPABLE);
    CHECK_INT(stat_path(ctx, "escape", FOLLOW), WASI_ENOTCAPABLE);
    /* a trailing slash makes the kernel follow even "nofollow" lookups */
    CHECK_INT(stat_path(ctx, "escape/", 0), WASI_ENOTCAPABLE);
    CHECK_INT(stat_path(ctx, "sub/out/", 0), WASI_ENOTCAPABLE);
    CHECK_INT(stat_path(ctx, "/etc", 0), WASI_ENOTCAPABLE);
    CHECK_INT(stat_path(ctx, "sec", FOLLOW), WASI_ENOTCAPABLE);
    /* the link itself is inside and may be looked at */
    CHECK_INT(stat_path(ctx, "escape", 0), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT + 16], WASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_INT(stat_path(ctx, "inlink", FOLLOW), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT + 16], WASI_FILETYPE_REGULAR_FILE);
    CHECK_INT(wasi_ld64(&tw_m, P_OUT + 32), 5); /* size of "inner" */
    CHECK_INT(stat_path(ctx, "sublink/", 0), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT + 16], WASI_FILETYPE_DIRECTORY);
    CHECK_INT(stat_path(ctx, ".", 0), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT + 16], WASI_FILETYPE_DIRECTORY);
    tw_done(ctx);
}

static uint32_t times_path(wasi_ctx *ctx, const char *path, uint32_t lookup)
{
    uint64_t n = tw_str(P_PATH, path);
    return CALL(wasi_path_filestat_set_times, 3, lookup, P_PATH, n, 0, 0,
                WASI_FSTFLAG_ATIM | WASI_FSTFLAG_MTIM);
}

TEST(set_times_never_touches_outside)
{
    wasi_ctx *ctx = tw_ctx();
    char p[128];
    struct stat before, after;
    snprintf(p, sizeof(p), "%s/secret.txt", tw_tmp);
    stat(p, &before);
    CHECK_INT(times_path(ctx, "sec", FOLLOW), WASI_ENOTCAPABLE);
    CHECK_INT(times_path(ctx, "sub/out/secret.txt", 0), WASI_ENOTCAPABLE);
    CHECK_INT(times_path(ctx, "../secret.txt", 0), WASI_ENOTCAPABLE);
    CHECK_INT(times_path(ctx, "escape/", 0), WASI_ENOTCAPABLE);
    stat(p, &after);
    CHECK(before.st_mtime == after.st_mtime && after.st_mtime != 0);
    /* inside: sets the epoch */
    CHECK_INT(times_path(ctx, "file.txt", 0), WASI_ESUCCESS);
    snprintf(p, sizeof(p), "%s/file.txt", tw_root);
    stat(p, &after);
    CHECK_INT(after.st_mtime, 0);
    /* nofollow on a link sets the link's own times, not the target's */
    CHECK_INT(times_path(ctx, "sec", 0), WASI_ESUCCESS);
    snprintf(p, sizeof(p), "%s/sec", tw_root);
    lstat(p, &after);
    CHECK_INT(after.st_mtime, 0);
    CHECK(secret_intact());
    tw_done(ctx);
}

static uint32_t path_op(wasi_ctx *ctx, wasi_impl_fn fn, const char *path)
{
    uint64_t n = tw_str(P_PATH, path);
    return fn(ctx, &tw_m, (const uint64_t[]){3, P_PATH, n});
}

TEST(mutations_confined)
{
    wasi_ctx *ctx = tw_ctx();
    CHECK_INT(path_op(ctx, wasi_path_unlink_file, "../secret.txt"), WASI_ENOTCAPABLE);
    CHECK_INT(path_op(ctx, wasi_path_unlink_file, "sub/out/secret.txt"), WASI_ENOTCAPABLE);
    CHECK_INT(path_op(ctx, wasi_path_unlink_file, "/tmp/x"), WASI_ENOTCAPABLE);
    CHECK_INT(path_op(ctx, wasi_path_create_directory, "../evil"), WASI_ENOTCAPABLE);
    CHECK_INT(path_op(ctx, wasi_path_create_directory, "escape/tmp/evil"), WASI_ENOTCAPABLE);
    CHECK_INT(path_op(ctx, wasi_path_create_directory, "up/evil"), WASI_ENOTCAPABLE);
    CHECK_INT(path_op(ctx, wasi_path_create_directory, "sub/out/evil"), WASI_ENOTCAPABLE);
    CHECK_INT(path_op(ctx, wasi_path_create_directory, "loop1/evil"), WASI_ELOOP);
    CHECK_INT(path_op(ctx, wasi_path_remove_directory, ".."), WASI_ENOTEMPTY);
    CHECK_INT(path_op(ctx, wasi_path_remove_directory, "."), WASI_EINVAL);
    CHECK_INT(path_op(ctx, wasi_path_remove_directory, "sub/out/root"), WASI_ENOTCAPABLE);
    CHECK(!host_exists("evil"));
    CHECK(host_exists("root"));
    /* unlinking a link removes the link, never its target */
    CHECK_INT(path_op(ctx, wasi_path_unlink_file, "sec"), WASI_ESUCCESS);
    CHECK(!host_exists("root/sec"));
    CHECK(secret_intact());
    tw_done(ctx);
}

TEST(rename_and_link_confined)
{
    wasi_ctx *ctx = tw_ctx();
    uint64_t n1 = tw_str(P_PATH, "file.txt"), n2 = tw_str(P_PATH2, "../stolen");
    CHECK_INT(CALL(wasi_path_rename, 3, P_PATH, n1, 3, P_PATH2, n2), WASI_ENOTCAPABLE);
    n1 = tw_str(P_PATH, "../secret.txt"), n2 = tw_str(P_PATH2, "mine");
    CHECK_INT(CALL(wasi_path_rename, 3, P_PATH, n1, 3, P_PATH2, n2), WASI_ENOTCAPABLE);
    CHECK_INT(CALL(wasi_path_link, 3, 0, P_PATH, n1, 3, P_PATH2, n2), WASI_ENOTCAPABLE);
    n1 = tw_str(P_PATH, "sec");
    CHECK_INT(CALL(wasi_path_link, 3, FOLLOW, P_PATH, n1, 3, P_PATH2, n2), WASI_ENOTCAPABLE);
    CHECK(!host_exists("stolen") && !host_exists("root/mine"));
    /* renaming or hard-linking the link itself is fine: it still escapes nothing */
    CHECK_INT(CALL(wasi_path_link, 3, 0, P_PATH, n1, 3, P_PATH2, n2), WASI_ESUCCESS);
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "mine", FOLLOW, 0, RO, &fd), WASI_ENOTCAPABLE);
    n1 = tw_str(P_PATH, "file.txt"), n2 = tw_str(P_PATH2, "sub/moved.txt");
    CHECK_INT(CALL(wasi_path_rename, 3, P_PATH, n1, 3, P_PATH2, n2), WASI_ESUCCESS);
    CHECK(host_exists("root/sub/moved.txt"));
    n1 = tw_str(P_PATH, "."), n2 = tw_str(P_PATH2, "x");
    CHECK_INT(CALL(wasi_path_rename, 3, P_PATH, n1, 3, P_PATH2, n2), WASI_EBUSY);
    CHECK(secret_intact());
    tw_done(ctx);
}

TEST(symlink_and_readlink)
{
    wasi_ctx *ctx = tw_ctx();
    uint64_t n1 = tw_str(P_PATH, "/etc/passwd"), n2 = tw_str(P_PATH2, "newabs");
    CHECK_INT(CALL(wasi_path_symlink, P_PATH, n1, 3, P_PATH2, n2), WASI_ENOTCAPABLE);
    n1 = tw_str(P_PATH, "../../secret.txt"), n2 = tw_str(P_PATH2, "sub/newrel");
    CHECK_INT(CALL(wasi_path_symlink, P_PATH, n1, 3, P_PATH2, n2), WASI_ESUCCESS);
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "sub/newrel", FOLLOW, 0, RO, &fd), WASI_ENOTCAPABLE);
    n1 = tw_str(P_PATH, "x"), n2 = tw_str(P_PATH2, "../outlink");
    CHECK_INT(CALL(wasi_path_symlink, P_PATH, n1, 3, P_PATH2, n2), WASI_ENOTCAPABLE);
    CHECK(!host_exists("outlink"));
    /* readlink returns the text, truncated to the buffer */
    n1 = tw_str(P_PATH, "sub/newrel");
    CHECK_INT(CALL(wasi_path_readlink, 3, P_PATH, n1, P_BUF, 100, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 16);
    CHECK(memcmp(tw_mem + P_BUF, "../../secret.txt", 16) == 0);
    CHECK_INT(CALL(wasi_path_readlink, 3, P_PATH, n1, P_BUF, 5, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 5);
    n1 = tw_str(P_PATH, "sub/out/x");
    CHECK_INT(CALL(wasi_path_readlink, 3, P_PATH, n1, P_BUF, 100, P_OUT), WASI_ENOTCAPABLE);
    n1 = tw_str(P_PATH, "file.txt");
    CHECK_INT(CALL(wasi_path_readlink, 3, P_PATH, n1, P_BUF, 100, P_OUT), WASI_EINVAL);
    tw_done(ctx);
}

TEST(bad_guest_paths)
{
    wasi_ctx *ctx = tw_ctx();
    memcpy(tw_mem + P_PATH, "a\0b", 3);
    CHECK_INT(CALL(wasi_path_create_directory, 3, P_PATH, 3), WASI_EINVAL);
    CHECK_INT(CALL(wasi_path_create_directory, 3, MEM_SIZE - 2, 3), WASI_EFAULT);
    CHECK_INT(CALL(wasi_path_create_directory, 3, 0xffffffffu, 2), WASI_EFAULT);
    CHECK_INT(CALL(wasi_path_create_directory, 3, 100, 0xffffffffu), WASI_EFAULT);
    CHECK_INT(CALL(wasi_path_create_directory, 1, P_PATH, 1), WASI_ENOTCAPABLE); /* stdin */
    CHECK_INT(CALL(wasi_path_create_directory, 99, P_PATH, 1), WASI_EBADF);
    tw_done(ctx);
}

/* A child swaps "race" between a real directory and a link to "/" while we
 * keep opening race/etc/passwd: the kernel resolution must never escape. */
TEST(rename_race_never_escapes)
{
    wasi_ctx *ctx = tw_ctx();
    char dir[256], link[256], tmp[256];
    snprintf(dir, sizeof(dir), "%s/race", tw_root);
    snprintf(link, sizeof(link), "%s/racelink", tw_root);
    snprintf(tmp, sizeof(tmp), "%s/racetmp", tw_root);
    mkdir(dir, 0755);
    mkdir(tmp, 0755);
    CHECK(symlink("/", link) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;) {
            renameat2(AT_FDCWD, dir, AT_FDCWD, link, RENAME_EXCHANGE);
        }
    }
    int escaped = 0;
    for (int i = 0; i < 3000; i++) {
        uint32_t fd;
        if (tw_open(ctx, "race/etc/passwd", FOLLOW, 0, RO, &fd) == WASI_ESUCCESS) {
            escaped++;
            CALL(wasi_fd_close, fd);
        }
        if (tw_open(ctx, "race/../../secret.txt", FOLLOW, 0, RO, &fd) == WASI_ESUCCESS) {
            escaped++;
            CALL(wasi_fd_close, fd);
        }
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CHECK_INT(escaped, 0);
    tw_done(ctx);
}

/* In-root preopens: absolute links and `..` resolve inside, as in a chroot;
 * the outside stays unreachable. */
TEST(in_root_resolves_like_a_chroot)
{
    wasi_ctx *ctx = tw_ctx_mode(true);
    uint32_t fd;
    CHECK_INT(tw_open(ctx, "abs", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "FAKE");
    CHECK_INT(tw_open(ctx, "escape/etc/passwd", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "FAKE");
    CHECK_INT(tw_open(ctx, "../file.txt", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "hello");
    CHECK_INT(tw_open(ctx, "up/file.txt", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "hello");
    CHECK_INT(tw_open(ctx, "sub/out/file.txt", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "hello");
    /* the secret one level up is simply not there */
    CHECK_INT(tw_open(ctx, "sec", FOLLOW, 0, RO, &fd), WASI_ENOENT);
    CHECK_INT(tw_open(ctx, "../secret.txt", FOLLOW, 0, RO, &fd), WASI_ENOENT);
    CHECK_INT(tw_open(ctx, "sub/out/secret.txt", FOLLOW, 0, RO, &fd), WASI_ENOENT);
    CHECK_INT(stat_path(ctx, "..", FOLLOW), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT + 16], WASI_FILETYPE_DIRECTORY);
    CHECK_INT(tw_open(ctx, "loop1", FOLLOW, 0, RO, &fd), WASI_ELOOP);
    /* creation through links lands inside */
    CHECK_INT(tw_open(ctx, "escape/made.txt", FOLLOW, WASI_OFLAG_CREAT, RW, &fd), WASI_ESUCCESS);
    CHECK(host_exists("root/made.txt"));
    CHECK_INT(path_op(ctx, wasi_path_create_directory, "up/newdir"), WASI_ESUCCESS);
    CHECK(host_exists("root/newdir") && !host_exists("newdir"));
    /* absolute link targets may be created here, and stay inside */
    uint64_t n1 = tw_str(P_PATH, "/file.txt"), n2 = tw_str(P_PATH2, "sub/abslink");
    CHECK_INT(CALL(wasi_path_symlink, P_PATH, n1, 3, P_PATH2, n2), WASI_ESUCCESS);
    CHECK_INT(tw_open(ctx, "sub/abslink", FOLLOW, 0, RO, &fd), WASI_ESUCCESS);
    CHECK_STR(tw_read_all(ctx, fd), "hello");
    /* a directory opened through it is a capability of its own: beneath it only */
    uint32_t sub;
    CHECK_INT(tw_open(ctx, "sub", 0, WASI_OFLAG_DIRECTORY, RO | WASI_RIGHTS_DIRECTORY, &sub),
              WASI_ESUCCESS);
    uint64_t n = tw_str(P_PATH, "dotdot/file.txt");
    CHECK_INT(CALL(wasi_path_open, sub, FOLLOW, P_PATH, n, 0, RO, 0, 0, P_OUT), WASI_ENOTCAPABLE);
    n = tw_str(P_PATH, "abslink");
    CHECK_INT(CALL(wasi_path_open, sub, FOLLOW, P_PATH, n, 0, RO, 0, 0, P_OUT), WASI_ENOTCAPABLE);
    CHECK(secret_intact());
    tw_done(ctx);
}

TEST(in_root_race_never_escapes)
{
    wasi_ctx *ctx = tw_ctx_mode(true);
    char dir[256], link[256];
    snprintf(dir, sizeof(dir), "%s/race", tw_root);
    snprintf(link, sizeof(link), "%s/racelink", tw_root);
    mkdir(dir, 0755);
    CHECK(symlink("/", link) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            renameat2(AT_FDCWD, dir, AT_FDCWD, link, RENAME_EXCHANGE);
    }
    int leaked = 0;
    for (int i = 0; i < 3000; i++) {
        uint32_t fd;
        if (tw_open(ctx, "race/../../../etc/passwd", FOLLOW, 0, RO, &fd) == WASI_ESUCCESS) {
            leaked += strcmp(tw_read_all(ctx, fd), "FAKE") != 0;
            CALL(wasi_fd_close, fd);
        }
        if (tw_open(ctx, "race/../../secret.txt", FOLLOW, 0, RO, &fd) == WASI_ESUCCESS) {
            leaked++;
            CALL(wasi_fd_close, fd);
        }
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CHECK_INT(leaked, 0);
    tw_done(ctx);
}

UNIT_MAIN()
