/* process.user: supplementary groups, gid and uid.
 *
 * `username` is Windows-only in the runtime-spec and is ignored.
 */
#include "linux/security.h"
#include "util/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

bool setgroups_denied(void)
{
    char buf[16] = "";
    cleanup_close int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false; /* kernels before 3.19 have no such file: always allowed */
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    return strncmp(buf, "deny", 4) == 0;
}

static int set_groups(const oci_user *u, weft_error **err)
{
    if (setgroups_denied()) {
        if (u->n_additional_gids > 0)
            return werr_set(err, 0,
                            "process.user.additionalGids: cannot set supplementary groups: "
                            "setgroups is denied in this user namespace");
        return 0;
    }
    /* Called even with an empty list: the groups inherited from the runtime
     * (root's on the host) must not leak into the container. */
    if (setgroups(u->n_additional_gids, u->additional_gids) < 0)
        return werr_sys(err, "process.user.additionalGids: setgroups(%zu groups)",
                        u->n_additional_gids);
    return 0;
}

int user_apply(const oci_user *u, weft_error **err)
{
    /* The parsers refuse it already; this is the last line before a uid of
     * -1 would mean "stay root". */
    bool special = u->uid == (uid_t)-1 || u->gid == (gid_t)-1;
    for (size_t i = 0; i < u->n_additional_gids; i++)
        special = special || u->additional_gids[i] == (gid_t)-1;
    if (special)
        return werr_set(err, 0, "process.user: the id 4294967295 (-1) is refused");
    /* Keep the permitted set across the uid change; capset restores the
     * effective set afterwards from the spec. */
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return werr_sys(err, "process.user: prctl(PR_SET_KEEPCAPS, 1)");
    if (set_groups(u, err) < 0)
        return -1;
    if (setresgid(u->gid, u->gid, u->gid) < 0)
        return werr_sys(err, "process.user.gid: setresgid(%u)%s", (unsigned)u->gid,
                        errno == EINVAL ? " (gid not mapped in the user namespace)" : "");
    if (setresuid(u->uid, u->uid, u->uid) < 0)
        return werr_sys(err, "process.user.uid: setresuid(%u)%s", (unsigned)u->uid,
                        errno == EINVAL ? " (uid not mapped in the user namespace)" : "");
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return werr_sys(err, "process.user: prctl(PR_SET_KEEPCAPS, 0)");
    return 0;
}
