/* Rootless helpers (linux/rootless.c) and the default state directory
 * (cli/state_root.c), each in a forked child so no credential or namespace
 * change reaches the test runner. */
#include "cli/cli.h"
#include "linux/rootless.h"
#include "test_linux_child.h"
#include "util/fileio.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>

static void in_new_userns(void *arg)
{
    (void)arg;
    CCHECK(unshare(CLONE_NEWUSER) == 0);
    /* no map written yet, and later none of the initial namespace's shape */
    CCHECK(rootless_in_child_userns());
    /* the creator holds every capability over its new namespace */
    CCHECK(rootless_has_cap(CAP_SYS_ADMIN));
}

TEST(child_user_namespace_is_seen)
{
    char *map = slurp("/proc/self/uid_map");
    unsigned long a, b, c;
    if (map != NULL && sscanf(map, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 &&
        c == 4294967295UL)
        CHECK(!rootless_in_child_userns());
    free(map);
    run_child(in_new_userns, NULL);
}

static void drop_to_nobody(void *arg)
{
    (void)arg;
    CCHECK(setresgid(65534, 65534, 65534) == 0);
    CCHECK(setresuid(65534, 65534, 65534) == 0);
    CCHECK_INT(status_hex("CapEff"), 0);
    CCHECK(!rootless_has_cap(CAP_SETUID));
    CCHECK(!rootless_has_cap(CAP_SYS_ADMIN));
}

TEST(capabilities_are_read_from_the_effective_set)
{
    NEED_ROOT();
    CHECK(rootless_has_cap(CAP_SETUID));
    run_child(drop_to_nobody, NULL);
}

/* An unprivileged writer's own-id gid map: setgroups is denied first, else
 * the kernel refuses the map. */
static void own_gid_map(void *arg)
{
    (void)arg;
    int go[2];
    CCHECK(pipe(go) == 0);
    /* the writer must have the euid that made the namespace; the change of
     * credentials made us non-dumpable, which a real user's weft is not */
    CCHECK(setresgid(65534, 65534, 65534) == 0);
    CCHECK(setresuid(65534, 65534, 65534) == 0);
    CCHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
    pid_t child = fork();
    if (child == 0) {
        char c;
        close(go[1]);
        if (unshare(CLONE_NEWUSER) < 0)
            _exit(1);
        (void)!read(go[0], &c, 1); /* parent: maps written */
        _exit(0);
    }
    close(go[0]);
    /* the child's unshare is done once its uid_map file belongs to a new namespace */
    char path[64], ours[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
    snprintf(ours, sizeof ours, "/proc/self/ns/user");
    for (int i = 0; i < 2000; i++) {
        struct stat a, b;
        if (stat(path, &a) == 0 && stat(ours, &b) == 0 && a.st_ino != b.st_ino)
            break;
        usleep(1000);
    }
    oci_id_mapping m = {.container_id = 0, .host_id = 65534, .size = 1};
    weft_error *err = NULL;
    CCHECK(rootless_write_id_map(child, true, &m, 1, &err) == 0);
    CCHECK(rootless_write_id_map(child, false, &m, 1, &err) == 0);
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)child);
    char *text = slurp(path);
    CCHECK_CONTAINS(text, "deny");
    free(text);
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
    text = slurp(path);
    CCHECK_CONTAINS(text, "65534");
    free(text);
    werr_free(err);
    close(go[1]);
    waitpid(child, NULL, 0);
}

TEST(own_id_map_without_privilege)
{
    NEED_ROOT();
    run_child(own_gid_map, NULL);
}

static void default_root_as_nobody(void *arg)
{
    const char *dir = arg;
    CCHECK(setresgid(65534, 65534, 65534) == 0);
    CCHECK(setresuid(65534, 65534, 65534) == 0);
    struct weft_globals g = {.ctx = {.root = "/run/weft"}};
    weft_error *err = NULL;
    unsetenv("XDG_RUNTIME_DIR");
    CCHECK(cli_default_root(&g, &err) < 0);
    CCHECK(err != NULL && strstr(err->msg, "XDG_RUNTIME_DIR is not set") != NULL);
    werr_free(err);
    err = NULL;
    setenv("XDG_RUNTIME_DIR", "relative", 1);
    CCHECK(cli_default_root(&g, &err) < 0);
    werr_free(err);
    err = NULL;
    setenv("XDG_RUNTIME_DIR", dir, 1);
    CCHECK(cli_default_root(&g, &err) == 0);
    char want[512];
    snprintf(want, sizeof want, "%s/weft", dir);
    CCHECK(strcmp(g.ctx.root, want) == 0);
    struct stat st;
    CCHECK(stat(want, &st) == 0 && (st.st_mode & 07777) == 01700);
    werr_free(err);
}

TEST(default_root_of_an_ordinary_user)
{
    NEED_ROOT();
    /* the real root keeps /run/weft whatever XDG_RUNTIME_DIR says */
    struct weft_globals g = {.ctx = {.root = "/run/weft"}};
    weft_error *err = NULL;
    setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
    if (!rootless_in_child_userns()) {
        CHECK(cli_default_root(&g, &err) == 0);
        CHECK_STR(g.ctx.root, "/run/weft");
    }
    char dir[] = "/tmp/weft-unit-xdg-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(chown(dir, 65534, 65534) == 0);
    CHECK(chmod(dir, 0700) == 0);
    run_child(default_root_as_nobody, dir);
    char sub[600];
    snprintf(sub, sizeof sub, "%s/weft", dir);
    rmdir(sub);
    CHECK(rmdir(dir) == 0);
}

UNIT_MAIN()
