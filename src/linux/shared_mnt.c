/* Rootfs mounts of a container that shares the runtime's mount namespace:
 * listing what was there before, and removing what the container added.
 * See shared_mnt_ids() in linux/rootfs.h. */
#include "linux/rootfs.h"
#include "util/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

static bool at_or_below(const char *path, const char *root, size_t rlen)
{
    return strncmp(path, root, rlen) == 0 && (path[rlen] == '/' || path[rlen] == '\0');
}

/* mountinfo shows resolved paths */
static const char *resolved(const char *root, char buf[PATH_MAX])
{
    return realpath(root, buf) != NULL ? buf : root;
}

static bool listed(unsigned id, const unsigned *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

int shared_mnt_ids(const char *path, unsigned **ids, size_t *n, weft_error **err)
{
    char buf[PATH_MAX];
    const char *root = resolved(path, buf);
    mountinfo_entry *mi;
    size_t count;
    if (mountinfo_read(&mi, &count, err) < 0)
        return -1;
    size_t rlen = strlen(root);
    *ids = xcalloc(count + 1, sizeof **ids);
    *n = 0;
    for (size_t i = 0; i < count; i++)
        if (at_or_below(mi[i].mount_point, root, rlen))
            (*ids)[(*n)++] = mi[i].id;
    mountinfo_free(mi, count);
    return 0;
}

int shared_mnt_cleanup(const char *path, const unsigned *keep, size_t n_keep, weft_error **err)
{
    char buf[PATH_MAX];
    const char *root = resolved(path, buf);
    mountinfo_entry *mi;
    size_t count;
    if (mountinfo_read(&mi, &count, err) < 0)
        return -1;
    size_t rlen = strlen(root);
    int rc = 0;
    /* mountinfo lists a mount after the one it sits on: walk backwards. */
    for (size_t i = count; i-- > 0;) {
        if (!at_or_below(mi[i].mount_point, root, rlen) || listed(mi[i].id, keep, n_keep))
            continue;
        if (umount2(mi[i].mount_point, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT &&
            rc == 0)
            rc = werr_sys(err, "unmount %s", mi[i].mount_point);
    }
    mountinfo_free(mi, count);
    return rc;
}
