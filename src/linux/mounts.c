/* config.json "mounts": each entry applied inside the rootfs, in order, with
 * runc/crun semantics (bind + flag remount, propagation after the mount,
 * sysfs/mqueue/devpts fallbacks, a cgroup view for v1 and v2 hosts). */
#include "linux/fs.h"
#include "linux/rootfs.h"
#include "linux/security.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

/* ---- /proc/self/mountinfo ---- */

static char *mountinfo_unescape(const char *s)
{
    char *out = xmalloc(strlen(s) + 1), *o = out;
    while (*s != '\0') {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

static int mountinfo_parse_line(char *line, mountinfo_entry *e)
{
    char *fields[64];
    size_t n = 0, sep = 0;
    for (char *save = NULL, *tok = strtok_r(line, " \n", &save); tok != NULL && n < 64;
         tok = strtok_r(NULL, " \n", &save)) {
        if (sep == 0 && n >= 6 && strcmp(tok, "-") == 0)
            sep = n;
        fields[n++] = tok;
    }
    if (sep == 0 || n < sep + 4)
        return -1;
    e->id = (unsigned)strtoul(fields[0], NULL, 10);
    e->root = mountinfo_unescape(fields[3]);
    e->mount_point = mountinfo_unescape(fields[4]);
    size_t optlen = 0;
    for (size_t i = 6; i < sep; i++)
        optlen += strlen(fields[i]) + 1;
    e->optional = xzalloc(optlen + 1);
    for (size_t i = 6; i < sep; i++) {
        if (i > 6)
            strcat(e->optional, " ");
        strcat(e->optional, fields[i]);
    }
    e->fstype = xstrdup(fields[sep + 1]);
    e->source = mountinfo_unescape(fields[sep + 2]);
    e->super_opts = xstrdup(fields[sep + 3]);
    return 0;
}

int mountinfo_read(mountinfo_entry **out, size_t *n, weft_error **err)
{
    cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL)
        return werr_sys(err, "open /proc/self/mountinfo");
    cleanup_free char *line = NULL;
    size_t cap = 0, count = 0;
    mountinfo_entry *v = NULL;
    while (getline(&line, &cap, f) > 0) {
        mountinfo_entry e = {0};
        if (mountinfo_parse_line(line, &e) < 0)
            continue;
        v = xreallocarray(v, count + 1, sizeof(*v));
        v[count++] = e;
    }
    *out = v;
    *n = count;
    return 0;
}

void mountinfo_free(mountinfo_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].root);
        free(v[i].mount_point);
        free(v[i].optional);
        free(v[i].fstype);
        free(v[i].source);
        free(v[i].super_opts);
    }
    free(v);
}

/* ---- flag re-application ---- */

static unsigned long statvfs_ms_flags(unsigned long f)
{
    unsigned long ms = 0;
    if (f & ST_RDONLY)
        ms |= MS_RDONLY;
    if (f & ST_NOSUID)
        ms |= MS_NOSUID;
    if (f & ST_NODEV)
        ms |= MS_NODEV;
    if (f & ST_NOEXEC)
        ms |= MS_NOEXEC;
    if (f & ST_NOATIME)
        ms |= MS_NOATIME;
    if (f & ST_NODIRATIME)
        ms |= MS_NODIRATIME;
    if (f & ST_RELATIME)
        ms |= MS_RELATIME;
    return ms;
}

static int current_ms_flags(const char *path, unsigned long *out, weft_error **err)
{
    struct statvfs sv;
    if (statvfs(path, &sv) < 0)
        return werr_sys(err, "statvfs %s", path);
    *out = statvfs_ms_flags(sv.f_flag);
    return 0;
}

int mount_remount_bind(int fd, unsigned long flags, weft_error **err)
{
    char buf[32];
    path_fd(fd, buf);
    if (mount(NULL, buf, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0)
        return 0;
    if (errno != EPERM)
        return werr_sys(err, "remount bind");
    /* In a user namespace the flags of a mount inherited from a more
     * privileged namespace are locked: keep them and try again. */
    unsigned long cur = 0;
    if (current_ms_flags(buf, &cur, err) < 0)
        return -1;
    flags |= cur & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);
    if ((flags & ATIME_FLAGS) == 0)
        flags |= cur & (ATIME_FLAGS | MS_NODIRATIME);
    if (mount(NULL, buf, NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0)
        return werr_sys(err, "remount bind");
    return 0;
}

/* Read-only, keeping the other flags the mount at fd (its root) has. */
static int remount_readonly_fd(int fd, weft_error **err)
{
    char buf[32];
    unsigned long cur = 0;
    if (current_ms_flags(path_fd(fd, buf), &cur, err) < 0)
        return -1;
    return mount_remount_bind(fd, cur | MS_RDONLY, err);
}

static int remount_readonly_path(const char *path, weft_error **err)
{
    cleanup_close int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : werr_sys(err, "open %s", path);
    return remount_readonly_fd(fd, err);
}

/* Without mount_setattr(2): one remount per mount at or below fd's path. */
static int readonly_per_mount(int fd, bool recursive, weft_error **err)
{
    char buf[32], target[4096];
    ssize_t len = readlink(path_fd(fd, buf), target, sizeof(target) - 1);
    if (len < 0)
        return werr_sys(err, "readlink %s", buf);
    target[len] = '\0';
    if (remount_readonly_fd(fd, err) < 0)
        return werr_prefix(err, "%s", target);
    if (!recursive)
        return 0;
    mountinfo_entry *mi;
    size_t n;
    if (mountinfo_read(&mi, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *mp = mi[i].mount_point;
        bool below = len == 1 ? strcmp(mp, "/") != 0
                              : strncmp(mp, target, (size_t)len) == 0 && mp[len] == '/';
        if (below && remount_readonly_path(mp, err) < 0)
            rc = werr_prefix(err, "%s", mp);
    }
    mountinfo_free(mi, n);
    return rc;
}

int mount_make_readonly(int fd, bool recursive, weft_error **err)
{
    struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                      sizeof(attr)) == 0)
        return 0;
    if (errno != ENOSYS)
        return werr_sys(err, "make read-only (mount_setattr)");
    return readonly_per_mount(fd, recursive, err);
}

/* ---- applying one entry ---- */

static int reopen(rootfs_ctx *ctx, const char *dest, weft_error **err)
{
    /* The descriptor used as mount target names the covered directory; the
     * new mount's root is found by resolving the path again. */
    return path_open_in_root(ctx->rootfd, dest, O_PATH, err);
}

/* Flags, then for rbind the same restrictions on every submount. */
static int bind_apply_flags(int top, const mount_opts *o, unsigned long flags, weft_error **err)
{
    if (flags != 0 && mount_remount_bind(top, flags, err) < 0)
        return -1;
    if (!o->recursive)
        return 0;
    struct mount_attr attr = {0};
    if (flags & MS_RDONLY)
        attr.attr_set |= MOUNT_ATTR_RDONLY;
    if (flags & MS_NOSUID)
        attr.attr_set |= MOUNT_ATTR_NOSUID;
    if (flags & MS_NODEV)
        attr.attr_set |= MOUNT_ATTR_NODEV;
    if (flags & MS_NOEXEC)
        attr.attr_set |= MOUNT_ATTR_NOEXEC;
    if (attr.attr_set == 0)
        return 0;
    if (mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0)
        return 0;
    if (errno != ENOSYS)
        return werr_sys(err, "apply flags recursively (mount_setattr)");
    /* Old kernel: at least read-only must hold for the whole tree. */
    return (flags & MS_RDONLY) ? readonly_per_mount(top, true, err) : 0;
}

static int bind_host_path(rootfs_ctx *ctx, const char *host, int dstfd, const char *dest,
                          const mount_opts *o, unsigned long flags, weft_error **err)
{
    char sbuf[32];
    if (mount(host, path_fd(dstfd, sbuf), NULL, MS_BIND | MS_REC, NULL) < 0)
        return werr_sys(err, "bind %s", host);
    int top = reopen(ctx, dest, err);
    if (top < 0)
        return -1;
    mount_opts rec = *o;
    rec.recursive = true;
    if (bind_apply_flags(top, &rec, flags, err) < 0) {
        close(top);
        return -1;
    }
    return top;
}

static int copy_symlink(rootfs_ctx *ctx, int srcfd, const char *dest, weft_error **err)
{
    char target[4096];
    ssize_t len = readlinkat(srcfd, "", target, sizeof(target) - 1);
    if (len < 0)
        return werr_sys(err, "readlink source");
    target[len] = '\0';
    cleanup_free char *parent = path_clean(dest);
    char *slash = strrchr(parent, '/');
    cleanup_free char *base = xstrdup(slash + 1);
    slash[slash == parent ? 1 : 0] = '\0';
    cleanup_close int dirfd = path_mkdir_in_root(ctx->rootfd, parent, 0755, err);
    if (dirfd < 0)
        return -1;
    if (symlinkat(target, dirfd, base) < 0 && errno != EEXIST)
        return werr_sys(err, "symlink %s -> %s", dest, target);
    return 0;
}

/* Returns the O_PATH fd of the new mount's root, -2 when nothing was mounted
 * (copy-symlink), -1 on error. */
static int do_bind(rootfs_ctx *ctx, const oci_mount *m, const char *dest, const mount_opts *o,
                   weft_error **err)
{
    if (m->source == NULL || m->source[0] == '\0')
        return werr_set(err, 0, "a bind mount needs a source");
    cleanup_free char *src = m->source[0] == '/' || ctx->spec->bundle == NULL
                                 ? xstrdup(m->source)
                                 : xasprintf("%s/%s", ctx->spec->bundle, m->source);
    int nofollow = (o->src_nofollow || o->copy_symlink) ? O_NOFOLLOW : 0;
    cleanup_close int srcfd = open(src, O_PATH | O_CLOEXEC | nofollow);
    if (srcfd < 0)
        return werr_sys(err, "open source %s", src);
    struct stat st;
    if (fstat(srcfd, &st) < 0)
        return werr_sys(err, "stat source %s", src);
    if (o->copy_symlink && S_ISLNK(st.st_mode))
        return copy_symlink(ctx, srcfd, dest, err) < 0 ? -1 : -2;
    cleanup_close int dstfd = S_ISDIR(st.st_mode)
                                  ? path_mkdir_in_root(ctx->rootfd, dest, 0755, err)
                                  : path_mkfile_in_root(ctx->rootfd, dest, 0644, err);
    if (dstfd < 0)
        return -1;
    char sbuf[32], dbuf[32];
    unsigned long bflags = MS_BIND | (o->recursive ? MS_REC : 0);
    if (o->remount) {
        if (mount_remount_bind(dstfd, o->flags, err) < 0)
            return -1;
        return steal_fd(dstfd);
    }
    if (mount(path_fd(srcfd, sbuf), path_fd(dstfd, dbuf), NULL, bflags, NULL) < 0)
        return werr_sys(err, "bind %s", src);
    int top = reopen(ctx, dest, err);
    if (top < 0)
        return -1;
    if (bind_apply_flags(top, o, o->flags, err) < 0) {
        close(top);
        return -1;
    }
    return top;
}

/* `data` without the options equal to `prefix` (or, for "key=", starting with it).
 * devpts "gid=5" fails with EINVAL in a user namespace without gid 5 mapped:
 * retry without it, as runc and crun do. */
static char *strip_option(const char *data, const char *prefix)
{
    cleanup_free char *copy = xstrdup(data);
    char *out = xzalloc(strlen(data) + 1);
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        size_t plen = strlen(prefix);
        bool is_key = plen > 0 && prefix[plen - 1] == '=';
        if (is_key ? strncmp(tok, prefix, plen) == 0 : strcmp(tok, prefix) == 0)
            continue;
        if (out[0] != '\0')
            strcat(out, ",");
        strcat(out, tok);
    }
    return out;
}

/* ---- tmpcopyup: a tmpfs that starts with what the image had there ---- */

static int copy_tree(int from, int to, weft_error **err);

static int copy_file(int from, int to, const char *name, mode_t mode, weft_error **err)
{
    cleanup_close int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return werr_sys(err, "open %s", name);
    cleanup_close int out =
        openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
    if (out < 0)
        return werr_sys(err, "create %s", name);
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return werr_sys(err, "read %s", name);
        if (n == 0)
            return 0;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return werr_sys(err, "write %s", name);
            off += w;
        }
    }
}

/* One directory entry; never follows a symlink (everything is relative to
 * directory descriptors, opened with O_NOFOLLOW). */
static int copy_entry(int from, int to, const char *name, const struct stat *st, weft_error **err)
{
    if (S_ISDIR(st->st_mode)) {
        if (mkdirat(to, name, 0700) < 0 && errno != EEXIST)
            return werr_sys(err, "mkdir %s", name);
        cleanup_close int sub_from =
            openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        cleanup_close int sub_to =
            openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub_from < 0 || sub_to < 0)
            return werr_sys(err, "open directory %s", name);
        if (copy_tree(sub_from, sub_to, err) < 0)
            return werr_prefix(err, "%s", name);
    } else if (S_ISREG(st->st_mode)) {
        if (copy_file(from, to, name, st->st_mode, err) < 0)
            return -1;
    } else if (S_ISLNK(st->st_mode)) {
        char target[4096];
        ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);
        if (n < 0)
            return werr_sys(err, "readlink %s", name);
        target[n] = '\0';
        if (symlinkat(target, to, name) < 0)
            return werr_sys(err, "symlink %s", name);
    } else if (S_ISSOCK(st->st_mode)) {
        return 0; /* a socket is meaningless without its listener */
    } else if (mknodat(to, name, st->st_mode, st->st_rdev) < 0) {
        return werr_sys(err, "mknod %s", name);
    }
    if (fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM &&
        errno != EINVAL)
        return werr_sys(err, "chown %s", name);
    /* after chown, which clears the set-id bits */
    if (!S_ISLNK(st->st_mode) && fchmodat(to, name, st->st_mode & 07777, 0) < 0)
        return werr_sys(err, "chmod %s", name);
    return 0;
}

static int copy_tree(int from, int to, weft_error **err)
{
    int dfd = fcntl(from, F_DUPFD_CLOEXEC, 3);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (d == NULL) {
        if (dfd >= 0)
            close(dfd);
        return werr_sys(err, "read directory");
    }
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            rc = werr_sys(err, "stat %s", de->d_name);
        else
            rc = copy_entry(from, to, de->d_name, &st, err);
    }
    closedir(d);
    return rc;
}

/* Mount the tmpfs over `fd` (O_PATH of the destination) and copy what was
 * under it into it, with the directory's own mode and owner. */
static int tmpfs_copyup(rootfs_ctx *ctx, int fd, const char *dest, const oci_mount *m,
                        const mount_opts *o, unsigned long flags, weft_error **err)
{
    if (m->type == NULL || strcmp(m->type, "tmpfs") != 0)
        return werr_set(err, 0, "option tmpcopyup is only valid for tmpfs");
    cleanup_close int old = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (old < 0)
        return werr_sys(err, "open %s", dest);
    struct stat st;
    if (fstat(old, &st) < 0)
        return werr_sys(err, "stat %s", dest);
    char buf[32];
    const char *source = m->source != NULL && m->source[0] != '\0' ? m->source : "tmpfs";
    if (mount(source, path_fd(fd, buf), "tmpfs", flags & ~MS_RDONLY, o->data) < 0)
        return werr_sys(err, "mount tmpfs");
    int top = reopen(ctx, dest, err);
    if (top < 0)
        return -1;
    cleanup_close int new = openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    if (new < 0)
        rc = werr_sys(err, "open the new tmpfs");
    else if (copy_tree(old, new, err) < 0)
        rc = werr_prefix(err, "tmpcopyup");
    else if (fchown(new, st.st_uid, st.st_gid) < 0 || fchmod(new, st.st_mode & 07777) < 0)
        rc = werr_sys(err, "tmpcopyup: set owner and mode");
    else if ((flags & MS_RDONLY) &&
             mount(NULL, path_fd(top, buf), NULL, MS_REMOUNT | flags, o->data) < 0)
        rc = werr_sys(err, "remount read-only");
    if (rc < 0) {
        close(top);
        return -1;
    }
    return top;
}

static int do_fs(rootfs_ctx *ctx, const oci_mount *m, const char *dest, const mount_opts *o,
                 weft_error **err)
{
    const char *type = m->type;
    unsigned long flags = o->flags;
    /* A read-only /dev would prevent creating the device nodes: mount it
     * writable now, devices_setup() makes it read-only afterwards. */
    if (strcmp(dest, "/dev") == 0 && (flags & MS_RDONLY) && !o->remount) {
        flags &= ~MS_RDONLY;
        ctx->dev_readonly = true;
    }
    /* proc and sysfs on a symlink would show up wherever it points (the
     * CVE-2019-19921 class): refuse, like runc. */
    if ((strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0) &&
        path_check_no_symlinks(ctx->rootfd, dest, err) < 0)
        return -1;
    cleanup_close int fd = path_mkdir_in_root(ctx->rootfd, dest, 0755, err);
    if (fd < 0)
        return -1;
    if (o->tmpcopyup)
        return tmpfs_copyup(ctx, fd, dest, m, o, flags, err);
    char buf[32];
    path_fd(fd, buf);
    const char *source = m->source != NULL && m->source[0] != '\0' ? m->source : type;
    if (o->remount) {
        if (mount(source, buf, type, MS_REMOUNT | flags, o->data) < 0)
            return werr_sys(err, "remount");
        return steal_fd(fd);
    }
    if (mount(source, buf, type, flags, o->data) == 0)
        return reopen(ctx, dest, err);
    int e = errno;
    if (e == EINVAL && strcmp(type, "devpts") == 0 && o->data && strstr(o->data, "gid=")) {
        cleanup_free char *data = strip_option(o->data, "gid=");
        if (mount(source, buf, type, flags, data) == 0)
            return reopen(ctx, dest, err);
    }
    /* Without its own network namespace (or IPC namespace) a container in a
     * user namespace may not mount sysfs (mqueue): bind the host's. */
    if ((e == EPERM || e == EBUSY) && strcmp(type, "sysfs") == 0)
        return bind_host_path(ctx, "/sys", fd, dest, o, flags, err);
    if ((e == EPERM || e == EBUSY) && strcmp(type, "mqueue") == 0)
        return bind_host_path(ctx, "/dev/mqueue", fd, dest, o, flags, err);
    return werr_set(err, e, "mount %s", type);
}

/* super options of a host cgroup v1 mount, minus what must not be repeated */
static char *cgroup_v1_opts(const char *super)
{
    cleanup_free char *a = strip_option(super, "release_agent=");
    cleanup_free char *b = strip_option(a, "rw");
    return strip_option(b, "ro");
}

static bool spec_has_ns(const oci_spec *spec, enum oci_ns_type type)
{
    for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
        if (spec->linux_.namespaces[i].type == type)
            return true;
    return false;
}

/* Whether the comma-separated `list` has the token [tok, tok+len). */
static bool list_has(const char *list, const char *tok, size_t len)
{
    for (const char *p = list; *p != '\0';) {
        const char *end = strchrnul(p, ',');
        if ((size_t)(end - p) == len && strncmp(p, tok, len) == 0)
            return true;
        p = *end ? end + 1 : end;
    }
    return false;
}

/* This process's cgroup in the v1 hierarchy mounted with `super_opts`, or in
 * the unified hierarchy (v2 == true), from /proc/self/cgroup. NULL if none. */
static char *self_cgroup(bool v2, const char *super_opts)
{
    cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
    if (f == NULL)
        return NULL;
    cleanup_free char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c2 = '\0';
        const char *ctrls = c1 + 1, *path = c2 + 1;
        if (v2) {
            if (ctrls[0] == '\0' && strncmp(line, "0:", 2) == 0)
                return xstrdup(path);
            continue;
        }
        if (ctrls[0] == '\0')
            continue;
        bool all = true;
        for (const char *p = ctrls; *p != '\0' && all;) {
            const char *end = strchrnul(p, ',');
            all = list_has(super_opts, p, (size_t)(end - p));
            p = *end ? end + 1 : end;
        }
        if (all)
            return xstrdup(path);
    }
    return NULL;
}

static int cgroup_v1_controller(rootfs_ctx *ctx, const mountinfo_entry *e, const char *dest,
                                const mount_opts *o, weft_error **err)
{
    const char *name = e->mount_point + strlen("/sys/fs/cgroup/");
    cleanup_free char *sub = xasprintf("%s/%s", dest, name);
    cleanup_close int fd = path_mkdir_in_root(ctx->rootfd, sub, 0755, err);
    if (fd < 0)
        return -1;
    char buf[32];
    bool v2 = strcmp(e->fstype, "cgroup2") == 0;
    cleanup_free char *src = NULL;
    if (spec_has_ns(ctx->spec, OCI_NS_CGROUP)) {
        /* A fresh mount shows the root of the container's cgroup namespace. */
        cleanup_free char *opts = v2 ? NULL : cgroup_v1_opts(e->super_opts);
        if (mount("cgroup", path_fd(fd, buf), e->fstype, o->flags, opts) == 0)
            return 0;
        src = xstrdup(e->mount_point);
    } else {
        /* No cgroup namespace: show only the container's own cgroup, as runc
         * does, by binding its directory (the init is already in it). */
        cleanup_free char *path = self_cgroup(v2, e->super_opts);
        bool sub_path = path != NULL && strcmp(path, "/") != 0;
        src = sub_path ? xasprintf("%s%s", e->mount_point, path) : xstrdup(e->mount_point);
    }
    int top = bind_host_path(ctx, src, fd, sub, o, o->flags, err);
    if (top < 0)
        return werr_prefix(err, "cgroup %s", name);
    close(top);
    return 0;
}

static int cgroup_v1_symlinks(int topfd, weft_error **err)
{
    DIR *d = opendir("/sys/fs/cgroup");
    if (d == NULL)
        return werr_sys(err, "open /sys/fs/cgroup");
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
        if (de->d_type != DT_LNK)
            continue;
        char target[256];
        ssize_t len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
        if (len < 0)
            continue;
        target[len] = '\0';
        if (symlinkat(target, topfd, de->d_name) < 0 && errno != EEXIST)
            rc = werr_sys(err, "symlink cgroup %s", de->d_name);
    }
    closedir(d);
    return rc;
}

static int cgroup_v1(rootfs_ctx *ctx, const char *dest, const mount_opts *o, weft_error **err)
{
    cleanup_close int fd = path_mkdir_in_root(ctx->rootfd, dest, 0755, err);
    if (fd < 0)
        return -1;
    char buf[32];
    unsigned long tflags = o->flags & ~MS_RDONLY;
    if (mount("tmpfs", path_fd(fd, buf), "tmpfs", tflags, "mode=755") < 0)
        return werr_sys(err, "mount tmpfs for the cgroup v1 hierarchies");
    cleanup_close int top = reopen(ctx, dest, err);
    if (top < 0)
        return -1;
    mountinfo_entry *mi;
    size_t n;
    if (mountinfo_read(&mi, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *mp = mi[i].mount_point;
        if (strncmp(mp, "/sys/fs/cgroup/", 15) != 0 || strchr(mp + 15, '/') != NULL ||
            (strcmp(mi[i].fstype, "cgroup") != 0 && strcmp(mi[i].fstype, "cgroup2") != 0))
            continue;
        rc = cgroup_v1_controller(ctx, &mi[i], dest, o, err);
    }
    mountinfo_free(mi, n);
    if (rc < 0 || cgroup_v1_symlinks(top, err) < 0)
        return -1;
    if ((o->flags & MS_RDONLY) &&
        mount(NULL, path_fd(top, buf), NULL, MS_REMOUNT | o->flags, "mode=755") < 0)
        return werr_sys(err, "remount the cgroup tmpfs read-only");
    return steal_fd(top);
}

static int do_cgroup(rootfs_ctx *ctx, const char *dest, const mount_opts *o, weft_error **err)
{
    struct statfs sfs;
    if (statfs("/sys/fs/cgroup", &sfs) < 0)
        return werr_sys(err, "statfs /sys/fs/cgroup");
    if (sfs.f_type != CGROUP2_SUPER_MAGIC)
        return cgroup_v1(ctx, dest, o, err);
    cleanup_close int fd = path_mkdir_in_root(ctx->rootfd, dest, 0755, err);
    if (fd < 0)
        return -1;
    char buf[32];
    if (mount("cgroup2", path_fd(fd, buf), "cgroup2", o->flags, o->data) == 0)
        return reopen(ctx, dest, err);
    if (errno != EPERM && errno != EBUSY)
        return werr_sys(err, "mount cgroup2");
    return bind_host_path(ctx, "/sys/fs/cgroup", fd, dest, o, o->flags, err);
}

static int apply_after(int top, const mount_opts *o, weft_error **err)
{
    char buf[32];
    path_fd(top, buf);
    for (size_t i = 0; i < o->n_propagation; i++)
        if (mount(NULL, buf, NULL, o->propagation[i], NULL) < 0)
            return werr_sys(err, "set propagation");
    if (o->rec_attr_set == 0 && o->rec_attr_clr == 0)
        return 0;
    struct mount_attr attr = {.attr_set = o->rec_attr_set, .attr_clr = o->rec_attr_clr};
    if (mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
        return werr_sys(err, "recursive mount options (mount_setattr, Linux 5.12+)");
    return 0;
}

/* Attach the idmapped clone of the source (made here, or handed over from the
 * host side) and apply the flags like any bind mount. */
static int do_idmapped(rootfs_ctx *ctx, size_t index, const char *dest, const mount_opts *o,
                       weft_error **err)
{
    cleanup_close int own = -1;
    int tree = ctx->mount_fds != NULL ? ctx->mount_fds[index] : -1;
    if (tree < 0) {
        own = idmap_clone_source(ctx->spec, index, -1, err);
        if (own < 0)
            return -1;
        tree = own;
    }
    struct stat st;
    if (fstat(tree, &st) < 0)
        return werr_sys(err, "stat the idmapped source");
    cleanup_close int dstfd = S_ISDIR(st.st_mode)
                                  ? path_mkdir_in_root(ctx->rootfd, dest, 0755, err)
                                  : path_mkfile_in_root(ctx->rootfd, dest, 0644, err);
    if (dstfd < 0)
        return -1;
    if (move_mount(tree, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return werr_sys(err, "attach the idmapped mount");
    int top = reopen(ctx, dest, err);
    if (top < 0)
        return -1;
    if (bind_apply_flags(top, o, o->flags, err) < 0) {
        close(top);
        return -1;
    }
    return top;
}

static int apply_parsed(rootfs_ctx *ctx, size_t index, const oci_mount *m, const char *dest,
                        const mount_opts *o, weft_error **err)
{
    bool bind = o->bind || (m->type != NULL && strcmp(m->type, "bind") == 0);
    if (!bind && (m->type == NULL || m->type[0] == '\0'))
        return werr_set(err, 0, "type is required unless the options say bind or rbind");
    int top;
    if (o->idmap || o->ridmap || m->n_uid_mappings > 0 || m->n_gid_mappings > 0) {
        if (!bind)
            return werr_set(err, 0, "idmapped mounts are supported for bind mounts only");
        top = do_idmapped(ctx, index, dest, o, err);
    } else if (bind)
        top = do_bind(ctx, m, dest, o, err);
    else if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)
        top = do_cgroup(ctx, dest, o, err);
    else
        top = do_fs(ctx, m, dest, o, err);
    if (top == -2)
        return 0;
    if (top < 0)
        return -1;
    int rc = apply_after(top, o, err);
    close(top);
    return rc;
}

int mounts_apply(rootfs_ctx *ctx, size_t index, weft_error **err)
{
    const oci_mount *m = &ctx->spec->mounts[index];
    if (m->destination == NULL || m->destination[0] == '\0')
        return werr_set(err, 0, "mounts[%zu]: destination is required", index);
    cleanup_free char *dest = path_clean(m->destination);
    /* Covering the rootfs itself would hide it from every later step. */
    if (strcmp(dest, "/") == 0)
        return werr_set(err, 0, "mounts[%zu]: destination \"%s\" is the root; use root.path", index,
                        m->destination);
    char where[32];
    snprintf(where, sizeof(where), "mounts[%zu]", index);
    mount_opts o;
    if (mount_opts_parse(m->options, m->n_options, where, &o, err) < 0)
        return -1;
    char *labelled =
        selinux_mount_data(m->type, o.data, ctx->spec->linux_.mount_label, selinux_enabled());
    if (labelled != NULL) {
        free(o.data);
        o.data = labelled;
    }
    int rc = apply_parsed(ctx, index, m, dest, &o, err);
    mount_opts_free(&o);
    if (rc < 0)
        return werr_prefix(err, "mounts[%zu] (%s on %s)", index, m->type ? m->type : "bind", dest);
    return 0;
}

bool mounts_has_destination(const oci_spec *spec, const char *dest)
{
    for (size_t i = 0; i < spec->n_mounts; i++) {
        if (spec->mounts[i].destination == NULL)
            continue;
        cleanup_free char *d = path_clean(spec->mounts[i].destination);
        if (strcmp(d, dest) == 0)
            return true;
    }
    return false;
}

bool mounts_dev_is_bind(const oci_spec *spec)
{
    for (size_t i = 0; i < spec->n_mounts; i++) {
        const oci_mount *m = &spec->mounts[i];
        if (m->destination == NULL)
            continue;
        cleanup_free char *d = path_clean(m->destination);
        if (strcmp(d, "/dev") != 0)
            continue;
        if (m->type != NULL && strcmp(m->type, "bind") == 0)
            return true;
        for (size_t j = 0; j < m->n_options; j++)
            if (strcmp(m->options[j], "bind") == 0 || strcmp(m->options[j], "rbind") == 0)
                return true;
    }
    return false;
}
