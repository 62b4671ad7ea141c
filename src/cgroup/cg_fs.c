/* Small file-system helpers for cgroup directories: write/read one interface
 * file, create and remove directory chains, gather pids. */
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cg_write(const char *dir, const char *file, const char *value, weft_error **err)
{
    cleanup_free char *path = xasprintf("%s/%s", dir, file);
    return write_text(path, value, err);
}

int cg_writef(const char *dir, const char *file, weft_error **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *value = NULL;
    value = xvasprintf(fmt, ap);
    va_end(ap);
    int r = cg_write(dir, file, value, err);
    free(value);
    return r;
}

int cg_read(const char *dir, const char *file, char **out, weft_error **err)
{
    cleanup_free char *path = xasprintf("%s/%s", dir, file);
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "open %s", path);
    size_t cap = 256, len = 0;
    cleanup_free char *buf = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0)
            return werr_sys(err, "read %s", path);
        if (r == 0)
            break;
        len += (size_t)r;
    }
    while (len > 0 && buf[len - 1] == '\n')
        len--;
    buf[len] = '\0';
    *out = steal_ptr(buf);
    return 0;
}

bool cg_exists(const char *dir, const char *file)
{
    cleanup_free char *path = xasprintf("%s/%s", dir, file);
    return access(path, F_OK) == 0;
}

/* A new v1 cpuset cgroup starts with empty cpus/mems and refuses tasks until
 * they are set: inherit the parent's. */
static int cpuset_inherit(const char *parent, const char *dir, weft_error **err)
{
    static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
    for (size_t i = 0; i < 2; i++) {
        cleanup_free char *mine = NULL, *theirs = NULL;
        if (cg_read(dir, files[i], &mine, err) < 0)
            return -1;
        if (mine[0] != '\0')
            continue;
        if (cg_read(parent, files[i], &theirs, err) < 0 || cg_write(dir, files[i], theirs, err) < 0)
            return -1;
    }
    return 0;
}

static int mkdir_once(const char *base, const char *path, bool cpuset, char **top, weft_error **err)
{
    *top = NULL;
    cleanup_free char *cur = xstrdup(base);
    const char *p = path;
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        char *next = xasprintf("%s/%.*s", cur, (int)len, p);
        if (mkdir(next, 0755) == 0) {
            if (*top == NULL)
                *top = xstrdup(next);
        } else if (errno != EEXIST) {
            werr_sys(err, "mkdir %s", next);
            free(next);
            goto fail;
        }
        /* also for a level that existed: someone else's mkdir leaves it empty too */
        if (cpuset && cpuset_inherit(cur, next, err) < 0) {
            free(next);
            goto fail;
        }
        free(cur);
        cur = next;
        p += len;
        while (*p == '/')
            p++;
    }
    return 0;
fail:
    if (*top != NULL) {
        cg_rmdir_tree(cur, *top, NULL);
        free(*top);
        *top = NULL;
    }
    return -1;
}

int cg_mkdir_below(const char *base, const char *path, bool cpuset, char **top, weft_error **err)
{
    /* Another container's destroy may remove a shared, empty parent ("weft")
     * between our mkdir of it and of the level below: start again then. */
    for (int attempt = 0;; attempt++) {
        weft_error *e = NULL;
        if (mkdir_once(base, path, cpuset, top, &e) == 0)
            return 0;
        if (attempt == 3 || e->errnum != ENOENT)
            return cg_err_move(err, e);
        werr_free(e);
    }
}

/* rmdir that waits a little for EBUSY: a cgroup with live tasks (or tasks
 * still being reaped) cannot be removed. */
static int rmdir_retry(const char *path)
{
    for (int i = 0; i < 100; i++) {
        if (rmdir(path) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            return -1;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return -1;
}

/* Depth-first removal of sub-cgroups (a container may create its own). */
static int rmdir_recursive(const char *path, weft_error **err)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        return werr_sys(err, "opendir %s", path);
    }
    struct dirent *e;
    int r = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        cleanup_free char *sub = xasprintf("%s/%s", path, e->d_name);
        if (rmdir_recursive(sub, err) < 0)
            r = -1;
    }
    closedir(d);
    if (r < 0)
        return -1;
    if (rmdir_retry(path) < 0)
        return werr_sys(err, "rmdir %s", path);
    return 0;
}

int cg_rmdir_tree(const char *leaf, const char *top, weft_error **err)
{
    if (rmdir_recursive(leaf, err) < 0)
        return -1;
    if (top == NULL)
        return 0;
    /* The levels between leaf and top were made by us, but may now be shared
     * with other containers ("weft/<id>"): leave them if not empty. */
    cleanup_free char *cur = xstrdup(leaf);
    size_t top_len = strlen(top);
    while (strlen(cur) > top_len && strncmp(cur, top, top_len) == 0) {
        char *slash = strrchr(cur, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        if (strlen(cur) < top_len)
            break;
        if (rmdir(cur) < 0 && errno != ENOENT)
            break;
    }
    return 0;
}

static int read_procs(const char *dir, pid_t **pids, size_t *n, weft_error **err)
{
    cleanup_free char *path = xasprintf("%s/cgroup.procs", dir);
    cleanup_fclose FILE *f = fopen(path, "re");
    if (f == NULL) {
        if (errno == ENOENT)
            return 0; /* removed while we walked */
        return werr_sys(err, "open %s", path);
    }
    long v;
    while (fscanf(f, "%ld", &v) == 1) {
        *pids = xreallocarray(*pids, *n + 1, sizeof **pids);
        (*pids)[(*n)++] = (pid_t)v;
    }
    return 0;
}

int cg_collect_pids(const char *dir, pid_t **pids, size_t *n, weft_error **err)
{
    if (read_procs(dir, pids, n, err) < 0)
        return -1;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : werr_sys(err, "opendir %s", dir);
    struct dirent *e;
    int r = 0;
    while (r == 0 && (e = readdir(d)) != NULL) {
        if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        cleanup_free char *sub = xasprintf("%s/%s", dir, e->d_name);
        r = cg_collect_pids(sub, pids, n, err);
    }
    closedir(d);
    return r;
}

int cg_check_usage(const char *dir, const char *usage_file, int64_t limit, weft_error **err)
{
    if (limit <= 0)
        return 0;
    cleanup_free char *cur = NULL;
    if (cg_read(dir, usage_file, &cur, err) < 0)
        return -1;
    unsigned long long usage = strtoull(cur, NULL, 10);
    if (usage >= (unsigned long long)limit)
        return werr_set(err, 0,
                        "linux.resources.memory.limit: %lld is not above the current usage %llu "
                        "(checkBeforeUpdate)",
                        (long long)limit, usage);
    return 0;
}
