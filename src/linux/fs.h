/* Path helpers that never leave the container's root, the masked/readonly
 * path lists, sysctls and the UTS names: the small filesystem-facing pieces of
 * container setup that are not mounts from config.json's "mounts". */
#ifndef WEFT_LINUX_FS_H
#define WEFT_LINUX_FS_H

#include "oci/spec.h"
#include "util/error.h"
#include "util/path.h" /* path_clean */

#include <stdbool.h>
#include <sys/types.h>

/* ---- paths.c: lexical paths ---- */

/* `root` followed by the clean form of `path` ("/r" + "x/../y" -> "/r/y"). */
char *path_join(const char *root, const char *path);

/* "/proc/self/fd/N" for fd, written into buf (at least 32 bytes). */
const char *path_fd(int fd, char buf[32]);

/* ---- paths.c: resolution inside a root ---- */

/* Open `path` as seen from inside the directory `rootfd` is for: symlinks and
 * ".." are resolved as if rootfd were "/", so nothing ever resolves outside it
 * (openat2 RESOLVE_IN_ROOT, magic links refused; on kernels without openat2
 * a userspace walk with the same rules). `flags` are open(2) flags (O_CLOEXEC
 * is added). Returns the fd. */
int path_open_in_root(int rootfd, const char *path, int flags, weft_error **err);

/* chdir to `path` resolved inside the current root (never through a magic
 * link such as /proc/self/fd/N, whatever fds the process holds), then check
 * with getcwd(2) that the result is inside the root (CVE-2024-21626). */
int path_chdir_in_root(const char *path, weft_error **err);

/* Fails if `path` inside rootfd goes through a symlink (a missing path is
 * fine: it will be created as directories). */
int path_check_no_symlinks(int rootfd, const char *path, weft_error **err);

/* mkdir -p of `path` inside rootfd, each component resolved in the root as
 * above. Returns an O_PATH fd of the directory. */
int path_mkdir_in_root(int rootfd, const char *path, mode_t mode, weft_error **err);

/* Make sure `path` exists inside rootfd: parents created as directories, then
 * an empty regular file unless something already exists there. Returns an
 * O_PATH fd of what is there. */
int path_mkfile_in_root(int rootfd, const char *path, mode_t mode, weft_error **err);

/* ---- paths.c: linux.maskedPaths / linux.readonlyPaths (after pivot) ---- */

/* Hide each masked path: a file gets /dev/null bound over it, a directory an
 * empty read-only tmpfs. Missing paths are skipped. */
int fs_mask_paths(const oci_spec *spec, weft_error **err);

/* Make each readonly path a read-only bind of itself (recursively). Missing
 * paths are skipped. */
int fs_readonly_paths(const oci_spec *spec, weft_error **err);

/* ---- hostname.c ---- */

/* sethostname/setdomainname from the spec. Refuses to touch them when the spec
 * does not ask for a UTS namespace (that would rename the host). */
int linux_set_hostname(const oci_spec *spec, weft_error **err);

/* ---- sysctl.c ---- */

/* "net.ipv4.ip_forward" or "net/ipv4/ip_forward" -> "net/ipv4/ip_forward"
 * (relative to /proc/sys). Refuses empty components, "." and "..". */
int linux_sysctl_path(const char *name, char **out, weft_error **err);

/* Whether the spec's namespaces make `name` safe to set (it is namespaced and
 * the container has that namespace), as runc checks: net.* needs a network
 * namespace, the IPC sysctls an IPC namespace, kernel.hostname/domainname a
 * UTS namespace. Anything else is refused. */
int linux_sysctl_check(const oci_spec *spec, const char *name, weft_error **err);

/* Check and write every linux.sysctl entry under /proc/sys. rootfs_finalize()
 * calls it first thing, before linux.readonlyPaths makes /proc/sys read-only
 * (as runc orders it); calling it again later succeeds when /proc/sys is
 * read-only but every value already reads as asked. */
int linux_apply_sysctl(const oci_spec *spec, weft_error **err);

#endif
