/* The state directory when --root is not given: /run/weft for root,
 * $XDG_RUNTIME_DIR/weft for an ordinary user (as runc keeps
 * $XDG_RUNTIME_DIR/runc), and for "root" in a user namespace that an
 * ordinary user made (rootless podman runs its runtime there with $USER
 * and $XDG_RUNTIME_DIR still the user's). */
#include "cli/cli.h"
#include "linux/rootless.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM_ROOT "/run/weft"

static bool wants_user_dir(void)
{
    if (geteuid() != 0)
        return true;
    if (!rootless_in_child_userns())
        return false; /* the real root: /run/weft even with XDG_RUNTIME_DIR=/run/user/0 */
    const char *user = getenv("USER");
    return user == NULL || strcmp(user, "root") != 0;
}

/* The user's directory is made 01700: the XDG spec lets a session manager
 * clean up files in $XDG_RUNTIME_DIR that carry no sticky bit. */
static int make_user_root(const char *root, weft_error **err)
{
    if (mkdir(root, 0700) < 0 && errno != EEXIST)
        return werr_sys(err, "mkdir %s", root);
    struct stat st;
    if (lstat(root, &st) < 0)
        return werr_sys(err, "stat %s", root);
    if (!S_ISDIR(st.st_mode))
        return werr_set(err, 0, "%s: not a directory", root);
    if (st.st_uid == geteuid() && (st.st_mode & 07777) != 01700 && chmod(root, 01700) < 0)
        return werr_sys(err, "chmod %s", root);
    return 0;
}

int cli_default_root(struct weft_globals *g, weft_error **err)
{
    if (!wants_user_dir())
        return 0;
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg == NULL || xdg[0] == '\0') {
        if (geteuid() == 0)
            return 0; /* root of a user namespace: /run/weft may well be writable */
        return werr_set(err, 0,
                        "no state directory: XDG_RUNTIME_DIR is not set (an ordinary user's "
                        "containers live in $XDG_RUNTIME_DIR/weft); set it or pass --root DIR");
    }
    if (xdg[0] != '/')
        return werr_set(err, 0, "XDG_RUNTIME_DIR=%s: not an absolute path", xdg);
    if (access(xdg, W_OK | X_OK) < 0)
        return werr_set(err, errno,
                        "XDG_RUNTIME_DIR=%s: not usable for the state directory; pass --root DIR",
                        xdg);
    g->ctx.root = xasprintf("%s/weft", xdg);
    return make_user_root(g->ctx.root, err);
}
