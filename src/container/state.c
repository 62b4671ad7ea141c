#include "container/state.h"
#include "cgroup/cgroup.h"
#include "oci/spec.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *container_status_name(enum container_status s)
{
    static const char *const names[] = {"creating", "created", "running",
                                        "paused",   "stopped", "broken"};
    return names[s];
}

int container_id_check(const char *id, weft_error **err)
{
    char q[WERR_CLIP_BUF];
    size_t len = strnlen(id, CONTAINER_ID_MAX + 1);
    if (len == 0)
        return werr_set(err, 0, "invalid container ID '': must not be empty");
    if (len > CONTAINER_ID_MAX)
        return werr_set(err, 0, "invalid container ID '%s': longer than %d bytes", werr_clip(q, id),
                        CONTAINER_ID_MAX);
    if (id[0] == '.' || id[0] == '-')
        return werr_set(err, 0, "invalid container ID '%s': must not start with '%c'",
                        werr_clip(q, id), id[0]);
    for (const char *p = id; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.' || c == '+';
        if (!ok)
            return werr_set(err, 0,
                            "invalid container ID '%s': only letters, digits, '_', '-', '+' and "
                            "'.' are allowed",
                            werr_clip(q, id));
    }
    return 0;
}

static int mkdir_p(const char *path, mode_t mode, weft_error **err)
{
    cleanup_free char *copy = xstrdup(path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
            return werr_sys(err, "mkdir %s", copy);
        *p = '/';
    }
    if (mkdir(copy, mode) < 0 && errno != EEXIST)
        return werr_sys(err, "mkdir %s", copy);
    return 0;
}

static int lock_dir(const char *dir, int *fd_out, weft_error **err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "open %s", dir);
    if (flock(fd, LOCK_EX) < 0) {
        int saved = errno;
        close(fd);
        return werr_set(err, saved, "lock %s", dir);
    }
    *fd_out = fd;
    return 0;
}

int state_create_dir(const char *root, const char *id, container_state **out, weft_error **err)
{
    if (container_id_check(id, err) < 0)
        return -1;
    if (mkdir_p(root, 0700, err) < 0)
        return werr_prefix(err, "state root");
    cleanup_free char *dir = xasprintf("%s/%s", root, id);
    if (mkdir(dir, 0700) < 0) {
        if (errno == EEXIST)
            return werr_set(err, 0, "container ID '%s' already exists", id);
        return werr_sys(err, "mkdir %s", dir);
    }
    container_state *st = xzalloc(sizeof *st);
    st->id = xstrdup(id);
    st->dir = steal_ptr(dir);
    st->dir_fd = -1;
    if (lock_dir(st->dir, &st->dir_fd, err) < 0) {
        rmdir(st->dir);
        state_free(st);
        return -1;
    }
    *out = st;
    return 0;
}

static char *json_strdup(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? xstrdup(s) : NULL;
}

/* Whether the `create` that made st is still at work: it holds the
 * directory's lock until it has written the final state. A reader that took
 * the lock itself knows the answer; others probe without blocking (another
 * command holding the lock for a moment reads as "still creating"). */
static bool creator_alive(const container_state *st)
{
    if (st->dir_fd >= 0)
        return false;
    int fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return busy;
}

static void set_broken(container_state *st, const char *origin, const char *why)
{
    st->broken = xasprintf("%s: corrupt state: %s", origin, why);
    if (st->annotations == NULL)
        st->annotations = json_object();
}

void state_parse(container_state *st, const char *text, size_t len, const char *origin)
{
    json_error_t jerr;
    json_t *o = json_loadb(text, len, 0, &jerr);
    if (o == NULL) {
        set_broken(st, origin, jerr.text);
        return;
    }
    if (!json_is_object(o) || !json_is_integer(json_object_get(o, "pid"))) {
        json_decref(o);
        set_broken(st, origin, "not an object with a \"pid\"");
        return;
    }
    st->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
    st->pid_start = (uint64_t)json_integer_value(json_object_get(o, "pid_start"));
    st->bundle = json_strdup(o, "bundle");
    st->rootfs = json_strdup(o, "rootfs");
    st->created = json_strdup(o, "created");
    st->started = json_is_true(json_object_get(o, "started"));
    st->has_process = !json_is_false(json_object_get(o, "has_process"));
    st->cgroup = json_strdup(o, "cgroup");
    st->owner = json_strdup(o, "owner");
    st->handler = json_strdup(o, "handler");
    st->creating = json_is_true(json_object_get(o, "creating"));
    json_t *kept = json_object_get(o, "shared_mntns_kept");
    if (json_is_array(kept)) {
        st->shared_mntns = true;
        st->n_kept_mounts = json_array_size(kept);
        st->kept_mounts = xcalloc(st->n_kept_mounts + 1, sizeof *st->kept_mounts);
        for (size_t i = 0; i < st->n_kept_mounts; i++)
            st->kept_mounts[i] = (unsigned)json_integer_value(json_array_get(kept, i));
    }
    json_t *made = json_object_get(o, "dev_made");
    for (size_t i = 0; json_is_array(made) && i < json_array_size(made); i++) {
        const char *name = json_string_value(json_array_get(made, i));
        if (name == NULL)
            continue;
        st->dev_made = xreallocarray(st->dev_made, st->n_dev_made + 1, sizeof *st->dev_made);
        st->dev_made[st->n_dev_made++] = xstrdup(name);
    }
    json_t *ann = json_object_get(o, "annotations");
    st->annotations = json_is_object(ann) ? json_incref(ann) : json_object();
    json_decref(o);
}

/* state.json is written whole (tmp + rename) and is small; more than this
 * is not one of ours. */
#define STATE_MAX (16u << 20)

static int state_read(container_state *st, weft_error **err)
{
    cleanup_free char *path = xasprintf("%s/state.json", st->dir);
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        /* No state yet and nobody holds the lock: the creator died right
         * after mkdir, before it made anything else. */
        if (!creator_alive(st)) {
            st->creating = true;
            st->annotations = json_object();
            return 0;
        }
        return werr_set(err, 0, "container '%s' is still being created", st->id);
    }
    if (fd < 0)
        return werr_sys(err, "open %s", path);
    cleanup_free char *text = NULL;
    size_t len = 0;
    weft_error *e = NULL;
    if (read_all(fd, path, 0, STATE_MAX, &text, &len, &e) < 0) {
        set_broken(st, path, e->msg);
        werr_free(e);
        return 0;
    }
    state_parse(st, text, len, path);
    return 0;
}

int state_open(const char *root, const char *id, bool lock, container_state **out, weft_error **err)
{
    if (state_open_any(root, id, lock, out, err) < 0)
        return -1;
    if ((*out)->broken == NULL)
        return 0;
    werr_set(err, 0, "container '%s' is broken (%s): only `delete --force` removes it", id,
             (*out)->broken);
    state_free(*out);
    *out = NULL;
    return -1;
}

int state_open_any(const char *root, const char *id, bool lock, container_state **out,
                   weft_error **err)
{
    if (container_id_check(id, err) < 0)
        return -1;
    cleanup_free char *dir = xasprintf("%s/%s", root, id);
    struct stat sb;
    if (stat(dir, &sb) < 0) {
        if (errno == ENOENT)
            return werr_set(err, 0, "container '%s' does not exist", id);
        return werr_sys(err, "stat %s", dir);
    }
    container_state *st = xzalloc(sizeof *st);
    st->id = xstrdup(id);
    st->dir = steal_ptr(dir);
    st->dir_fd = -1;
    if ((lock && lock_dir(st->dir, &st->dir_fd, err) < 0) || state_read(st, err) < 0) {
        state_free(st);
        return -1;
    }
    *out = st;
    return 0;
}

bool state_exists(const char *root, const char *id)
{
    cleanup_free char *dir = xasprintf("%s/%s", root, id);
    return access(dir, F_OK) == 0;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v != NULL)
        json_object_set_new(o, key, json_string(v));
}

int state_save(const container_state *st, weft_error **err)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(st->id));
    json_object_set_new(o, "pid", json_integer(st->pid));
    json_object_set_new(o, "pid_start", json_integer((json_int_t)st->pid_start));
    set_str(o, "bundle", st->bundle);
    set_str(o, "rootfs", st->rootfs);
    set_str(o, "created", st->created);
    json_object_set_new(o, "started", json_boolean(st->started));
    json_object_set_new(o, "has_process", json_boolean(st->has_process));
    if (st->creating)
        json_object_set_new(o, "creating", json_true());
    if (st->shared_mntns) {
        json_t *kept = json_array();
        for (size_t i = 0; i < st->n_kept_mounts; i++)
            json_array_append_new(kept, json_integer(st->kept_mounts[i]));
        json_object_set_new(o, "shared_mntns_kept", kept);
    }
    if (st->n_dev_made > 0) {
        json_t *made = json_array();
        for (size_t i = 0; i < st->n_dev_made; i++)
            json_array_append_new(made, json_string(st->dev_made[i]));
        json_object_set_new(o, "dev_made", made);
    }
    set_str(o, "cgroup", st->cgroup);
    set_str(o, "owner", st->owner);
    set_str(o, "handler", st->handler);
    json_object_set_new(o, "annotations",
                        st->annotations ? json_incref(st->annotations) : json_object());
    cleanup_free char *tmp = xasprintf("%s/state.json.tmp", st->dir);
    cleanup_free char *path = xasprintf("%s/state.json", st->dir);
    int r = json_dump_file(o, tmp, JSON_COMPACT);
    json_decref(o);
    if (r < 0)
        return werr_set(err, 0, "write %s failed", tmp);
    if (rename(tmp, path) < 0)
        return werr_sys(err, "rename %s", tmp);
    return 0;
}

static int remove_tree_at(int dfd, weft_error **err)
{
    int fd = dup(dfd);
    if (fd < 0)
        return werr_sys(err, "dup");
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return werr_sys(err, "fdopendir");
    }
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (unlinkat(dfd, de->d_name, 0) == 0)
            continue;
        if (errno == EISDIR) {
            int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0 || remove_tree_at(sub, err) < 0 ||
                unlinkat(dfd, de->d_name, AT_REMOVEDIR) < 0)
                rc = rc < 0 ? rc : werr_sys(err, "remove %s", de->d_name);
            if (sub >= 0)
                close(sub);
        } else if (errno != ENOENT) {
            rc = werr_sys(err, "unlink %s", de->d_name);
        }
    }
    closedir(d);
    return rc;
}

int state_remove(container_state *st, weft_error **err)
{
    if (st->dir_fd >= 0 && remove_tree_at(st->dir_fd, err) < 0)
        return werr_prefix(err, "remove %s", st->dir);
    if (rmdir(st->dir) < 0 && errno != ENOENT)
        return werr_sys(err, "rmdir %s", st->dir);
    return 0;
}

void state_free(container_state *st)
{
    if (st == NULL)
        return;
    if (st->dir_fd >= 0)
        close(st->dir_fd);
    free(st->id);
    free(st->dir);
    free(st->bundle);
    free(st->rootfs);
    free(st->created);
    free(st->cgroup);
    free(st->owner);
    free(st->handler);
    free(st->broken);
    json_decref(st->annotations);
    free(st->kept_mounts);
    for (size_t i = 0; i < st->n_dev_made; i++)
        free(st->dev_made[i]);
    free(st->dev_made);
    free(st);
}

uint64_t proc_start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* The command name may hold spaces and parens: fields start after the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] == '\0' || p[2] == '\0')
        return 0;
    char state = p[2];
    if (state == 'Z' || state == 'X')
        return 0;
    /* field 3 is the state; the start time is field 22 */
    p += 2;
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}

enum container_status state_status(const container_state *st)
{
    if (st->broken != NULL)
        return STATUS_BROKEN;
    if (st->creating)
        return creator_alive(st) ? STATUS_CREATING : STATUS_STOPPED;
    if (st->pid <= 0 || proc_start_time(st->pid) != st->pid_start || st->pid_start == 0)
        return STATUS_STOPPED;
    if (!st->started)
        return STATUS_CREATED;
    if (st->cgroup != NULL) {
        cgroup *cg = NULL;
        weft_error *err = NULL;
        bool frozen = false;
        if (cgroup_load(st->cgroup, &cg, &err) == 0 && cgroup_is_frozen(cg, &frozen, &err) == 0 &&
            frozen) {
            cgroup_free(cg);
            return STATUS_PAUSED;
        }
        cgroup_free(cg);
        werr_free(err);
    }
    return STATUS_RUNNING;
}

json_t *state_oci_doc(const char *id, const char *status, pid_t pid, const char *bundle,
                      json_t *annotations)
{
    json_t *o = json_object();
    json_object_set_new(o, "ociVersion", json_string(OCI_SPEC_VERSION));
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "pid", json_integer(pid));
    json_object_set_new(o, "bundle", json_string(bundle ? bundle : ""));
    json_object_set_new(o, "annotations", annotations ? annotations : json_object());
    return o;
}

json_t *state_to_oci_json(const container_state *st, enum container_status status)
{
    bool no_pid = status == STATUS_STOPPED || status == STATUS_BROKEN;
    json_t *o = state_oci_doc(st->id, container_status_name(status), no_pid ? 0 : st->pid,
                              st->bundle, st->annotations ? json_incref(st->annotations) : NULL);
    /* Beyond the spec, as runc prints them: */
    set_str(o, "rootfs", st->rootfs);
    set_str(o, "created", st->created);
    json_object_set_new(o, "owner", json_string(st->owner ? st->owner : ""));
    set_str(o, "handler", st->handler);
    return o;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list_ids(const char *root, char ***ids, size_t *n, weft_error **err)
{
    *ids = NULL;
    *n = 0;
    DIR *d = opendir(root);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        return werr_sys(err, "open %s", root);
    }
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || de->d_type != DT_DIR)
            continue;
        if (*n + 1 >= cap) {
            cap = cap ? cap * 2 : 16;
            *ids = xreallocarray(*ids, cap, sizeof **ids);
        }
        (*ids)[(*n)++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (*n > 0)
        qsort(*ids, *n, sizeof **ids, cmp_str);
    return 0;
}
