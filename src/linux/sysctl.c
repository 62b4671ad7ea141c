/* linux.sysctl: validated names written under /proc/sys. */
#include "linux/fs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int linux_sysctl_path(const char *name, char **out, weft_error **err)
{
    if (name == NULL || name[0] == '\0')
        return werr_set(err, 0, "empty sysctl name");
    /* With a '/' the name is already a path and dots belong to components
     * ("net/ipv4/conf/eth0.100/forwarding"); otherwise dots separate them. */
    bool slash_form = strchr(name, '/') != NULL;
    char *path = xstrdup(name);
    if (!slash_form)
        for (char *p = path; *p; p++)
            if (*p == '.')
                *p = '/';
    for (const char *c = path; *c != '\0';) {
        const char *end = strchrnul(c, '/');
        size_t n = (size_t)(end - c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
            free(path);
            return werr_set(err, 0, "invalid sysctl name \"%s\"", name);
        }
        c = *end ? end + 1 : end;
    }
    if (path[strlen(path) - 1] == '/') {
        free(path);
        return werr_set(err, 0, "invalid sysctl name \"%s\"", name);
    }
    *out = path;
    return 0;
}

static bool has_ns(const oci_spec *spec, enum oci_ns_type type)
{
    for (size_t i = 0; i < spec->linux_.n_namespaces; i++)
        if (spec->linux_.namespaces[i].type == type)
            return true;
    return false;
}

int linux_sysctl_check(const oci_spec *spec, const char *name, weft_error **err)
{
    cleanup_free char *path = NULL;
    if (linux_sysctl_path(name, &path, err) < 0)
        return -1;
    /* dotted form for the prefix checks */
    cleanup_free char *dotted = xstrdup(path);
    for (char *p = dotted; *p; p++)
        if (*p == '/')
            *p = '.';
    static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                      "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                      "kernel.shmmni", "kernel.shm_rmid_forced"};
    for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
        if (strcmp(dotted, ipc[i]) == 0)
            goto need_ipc;
    if (strncmp(dotted, "fs.mqueue.", 10) == 0)
        goto need_ipc;
    if (strncmp(dotted, "net.", 4) == 0) {
        if (!has_ns(spec, OCI_NS_NETWORK))
            return werr_set(err, 0, "sysctl \"%s\" is not allowed in the host network namespace",
                            name);
        return 0;
    }
    if (strcmp(dotted, "kernel.hostname") == 0 || strcmp(dotted, "kernel.domainname") == 0) {
        if (!has_ns(spec, OCI_NS_UTS))
            return werr_set(err, 0, "sysctl \"%s\" needs a UTS namespace", name);
        return 0;
    }
    return werr_set(err, 0, "sysctl \"%s\" is not in a separate kernel namespace", name);
need_ipc:
    if (!has_ns(spec, OCI_NS_IPC))
        return werr_set(err, 0, "sysctl \"%s\" needs an IPC namespace", name);
    return 0;
}

/* `s` with whitespace runs collapsed to one space and trimmed: the kernel
 * prints "4096\t87380\t6291456\n" for "4096 87380 6291456". */
static void normalize(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    bool space = false;
    for (; *s != '\0' && o + 2 < cap; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n') {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = *s;
    }
    out[o] = '\0';
}

/* Whether /proc/sys/PATH already reads as `value`. */
static bool already_set(int dirfd, const char *path, const char *value)
{
    cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    char cur[4096], a[4096], b[4096];
    ssize_t n = read(fd, cur, sizeof(cur) - 1);
    if (n < 0)
        return false;
    cur[n] = '\0';
    normalize(cur, a, sizeof(a));
    normalize(value, b, sizeof(b));
    return strcmp(a, b) == 0;
}

static int write_sysctl(const char *name, const char *path, const char *value, weft_error **err)
{
    cleanup_close int dirfd = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return werr_sys(err, "open /proc/sys");
    cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    /* rootfs_finalize() applies the sysctls before /proc/sys becomes
     * read-only; a second pass afterwards finds them set. */
    if (fd < 0 && errno == EROFS && already_set(dirfd, path, value))
        return 0;
    if (fd < 0)
        return werr_sys(err, "sysctl \"%s\": open /proc/sys/%s", name, path);
    size_t len = strlen(value);
    ssize_t n = write(fd, value, len);
    if (n < 0)
        return werr_sys(err, "sysctl \"%s\": write \"%s\"", name, value);
    if ((size_t)n != len)
        return werr_set(err, 0, "sysctl \"%s\": short write", name);
    return 0;
}

int linux_apply_sysctl(const oci_spec *spec, weft_error **err)
{
    for (size_t i = 0; i < spec->linux_.n_sysctl; i++) {
        const oci_kv *kv = &spec->linux_.sysctl[i];
        cleanup_free char *path = NULL;
        if (linux_sysctl_check(spec, kv->key, err) < 0 ||
            linux_sysctl_path(kv->key, &path, err) < 0)
            return werr_prefix(err, "linux.sysctl");
        if (write_sysctl(kv->key, path, kv->value ? kv->value : "", err) < 0)
            return werr_prefix(err, "linux.sysctl");
    }
    return 0;
}
