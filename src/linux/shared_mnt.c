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

/* Calls visit for each mount at or below path (resolved), last-mounted
 * first: mountinfo lists a mount after the one it sits on, so this order
 * unmounts children before their parents. */
static int each_under(const char *path, void (*visit)(const mountinfo_entry *e, void *arg),
                      void *arg, weft_error **err)
{
    char buf[PATH_MAX];
    const char *root = resolved(path, buf);
    size_t rlen = strlen(root);
    mountinfo_entry *mi;
    size_t count;
    if (mountinfo_read(&mi, &count, err) < 0)
        return -1;
    for (size_t i = count; i-- > 0;)
        if (at_or_below(mi[i].mount_point, root, rlen))
            visit(&mi[i], arg);
    mountinfo_free(mi, count);
    return 0;
}

struct id_list {
    unsigned *ids;
    size_t n;
};

static void add_id(const mountinfo_entry *e, void *arg)
{
    struct id_list *l = arg;
    l->ids = xreallocarray(l->ids, l->n + 1, sizeof *l->ids);
    l->ids[l->n++] = e->id;
}

int shared_mnt_ids(const char *path, unsigned **ids, size_t *n, weft_error **err)
{
    struct id_list l = {xcalloc(1, sizeof *l.ids), 0};
    if (each_under(path, add_id, &l, err) < 0) {
        free(l.ids);
        return -1;
    }
    *ids = l.ids;
    *n = l.n;
    return 0;
}

struct cleanup {
    const unsigned *keep;
    size_t n_keep;
    int saved_errno; /* the first failure */
    char *failed;
};

static void detach_new(const mountinfo_entry *e, void *arg)
{
    struct cleanup *c = arg;
    if (listed(e->id, c->keep, c->n_keep) || umount2(e->mount_point, MNT_DETACH) == 0)
        return;
    if (errno != EINVAL && errno != ENOENT && c->failed == NULL) {
        c->saved_errno = errno;
        c->failed = xstrdup(e->mount_point);
    }
}

int shared_mnt_cleanup(const char *path, const unsigned *keep, size_t n_keep, weft_error **err)
{
    struct cleanup c = {keep, n_keep, 0, NULL};
    if (each_under(path, detach_new, &c, err) < 0)
        return -1;
    if (c.failed == NULL)
        return 0;
    werr_set(err, c.saved_errno, "unmount %s", c.failed);
    free(c.failed);
    return -1;
}
