/* The id maps of an unprivileged user's container, and the tests that tell
 * weft it runs without privilege. See rootless.h and docs/runtime.md
 * ("Rootless"). */
#include "linux/rootless.h"
#include "linux/namespaces.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

bool rootless_in_child_userns(void)
{
    char buf[256];
    cleanup_close int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n == 0)
        return true; /* a new namespace whose map is not written yet */
    if (n < 0)
        return false;
    buf[n] = '\0';
    unsigned long inside, outside, count;
    /* the initial namespace maps every id onto itself, in one line */
    if (sscanf(buf, "%lu %lu %lu", &inside, &outside, &count) != 3)
        return true;
    return !(inside == 0 && outside == 0 && count == 4294967295UL &&
             strchr(buf, '\n') == buf + n - 1);
}

bool rootless_has_cap(int cap)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2] = {0};
    if (syscall(SYS_capget, &hdr, data) < 0)
        return false;
    return (data[cap / 32].effective & (1U << (cap % 32))) != 0;
}

static int deny_setgroups(pid_t pid, weft_error **err)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
    return write_text(path, "deny", err);
}

/* newuidmap PID ID HOSTID SIZE...: the helper checks the ranges against
 * /etc/subuid itself; its own message goes to our stderr. */
static int run_map_helper(pid_t pid, bool uid, const oci_id_mapping *m, size_t n, weft_error **err)
{
    const char *helper = uid ? "newuidmap" : "newgidmap";
    char **argv = xcalloc(2 + 3 * n + 1, sizeof *argv);
    size_t k = 0;
    argv[k++] = xstrdup(helper);
    argv[k++] = xasprintf("%d", (int)pid);
    for (size_t i = 0; i < n; i++) {
        argv[k++] = xasprintf("%u", m[i].container_id);
        argv[k++] = xasprintf("%u", m[i].host_id);
        argv[k++] = xasprintf("%u", m[i].size);
    }
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        execvp(helper, argv);
        _exit(errno == ENOENT ? 127 : 126);
    }
    strv_free(argv);
    if (child < 0)
        return werr_sys(err, "fork %s", helper);
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            return werr_sys(err, "wait for %s", helper);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return werr_set(err, 0,
                        "%s not found: mapping more than your own %s needs it (the uidmap package)",
                        helper, uid ? "uid" : "gid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return werr_set(err, 0, "%s failed (are the ranges granted to you in %s?)", helper,
                        uid ? "/etc/subuid" : "/etc/subgid");
    return 0;
}

int rootless_write_id_map(pid_t pid, bool uid, const oci_id_mapping *m, size_t n, weft_error **err)
{
    unsigned own = uid ? (unsigned)geteuid() : (unsigned)getegid();
    if (n == 1 && m[0].size == 1 && m[0].host_id == own) {
        /* the kernel lets a user map itself, gid_map only once setgroups is
         * denied (else dropping a group could grant access: CVE-2014-8989) */
        if (!uid && deny_setgroups(pid, err) < 0)
            return -1;
        return ns_write_id_map(pid, uid ? "uid_map" : "gid_map", m, n, err);
    }
    return run_map_helper(pid, uid, m, n, err);
}
