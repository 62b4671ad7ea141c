/* The AOT cache for containers, host side: in `weft create` of a container that may run wasm,
 * before the container's process exists, find the entrypoint in
 * the bundle's rootfs, compile it into the cache when its file is missing and weft.conf says
 * `aot_fill = yes` (so the container's next start skips validating the module's function bodies,
 * and, confined, compiling it; off by default, since that
 * decodes and compiles the image's module on the host side, outside every namespace), and open
 * the cache file read-only. The container's process inherits
 * that fd and nothing else of the cache: the directory is never in its mount namespace, the file is
 * 0644 and written only here by rename, and the fd is read-only. The wasm handler checks the file
 * against the bytes it actually loads (wasm.c), so a rootfs that changes in between, or an
 * entrypoint resolved differently inside (a volume), only costs a rejected file and a compilation.
 * The index of module files (aot_cache.h) finds the file without reading the module; when it
 * does, the identity it was found for goes to the container too, which is then spared hashing
 * the module if its entrypoint had that identity all through its reading (docs/wasm-engine.md,
 * "The index"). Best effort: anything that fails here is one debug line, never an error. */
#include "handler/handler.h"
#include "linux/fs.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/xalloc.h"
#include "wasm/aot_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MODULE_MAX ((size_t)1 << 30)

/* inherited by the container's process (clone without exec) */
static int aot_fd = -1;
static char *aot_path;
static struct stat aot_vouch; /* st_ino 0: the index did not name the file */

static const char *env_path(const oci_process *p)
{
    for (size_t i = 0; i < p->n_env; i++)
        if (strncmp(p->env[i], "PATH=", 5) == 0)
            return p->env[i] + 5;
    return DEFAULT_PATH;
}

/* process.args[0] as the container will resolve it, opened inside rootfd */
static int open_entrypoint(int rootfd, const oci_process *p)
{
    const char *name = p->args[0];
    weft_error *err = NULL;
    if (strchr(name, '/') != NULL) {
        cleanup_free char *path =
            name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", p->cwd ? p->cwd : "/", name);
        int fd = path_open_in_root(rootfd, path, O_RDONLY, &err);
        werr_free(err);
        return fd;
    }
    cleanup_free char *search = xstrdup(env_path(p));
    char *save = NULL;
    for (char *dir = strtok_r(search, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        cleanup_free char *cand = xasprintf("%s/%s", *dir ? dir : ".", name);
        int fd = path_open_in_root(rootfd, cand, O_RDONLY, &err);
        werr_free(err);
        err = NULL;
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
            return fd;
        if (fd >= 0)
            close(fd);
    }
    return -1;
}

/* compile bytes into the cache file at path */
static int fill(const char *path, const uint8_t *bytes, size_t len, weft_error **err)
{
    wf_module *m = NULL;
    if (wf_module_load(bytes, len, "entrypoint", &m, err) < 0)
        return -1;
    cleanup_free uint8_t *file = NULL;
    size_t flen = 0;
    int r = wf_aot_build(m, bytes, len, &file, &flen, err);
    wf_module_free(m);
    if (r == 0)
        r = wf_aot_write(path, file, flen, err);
    if (r == 0)
        log_debug("wasm: compiled the entrypoint into the AOT cache (%s)", path);
    return r;
}

/* The cache file of the module at fd (a binary module only: a text module
 * becomes a binary inside, whose bytes are the cache's key), compiled into
 * the cache first when missing and fill_missing; its path in *path. */
static int by_content(int fd, const char *name, const struct stat *st, const char *dir,
                      bool fill_missing, char **path, bool *still, weft_error **err)
{
    cleanup_free char *bytes = NULL;
    size_t len = 0;
    if (read_all(fd, name, (size_t)st->st_size, MODULE_MAX, &bytes, &len, err) < 0 || len < 8 ||
        memcmp(bytes, "\0asm\1\0\0\0", 8) != 0)
        return -1;
    *still = wf_aot_held_still(fd, st, len);
    *path = wf_aot_cache_path(dir, (const uint8_t *)bytes, len);
    int cfd = wf_aot_open(*path, err);
    if (cfd < 0 && errno == ENOENT && fill_missing) {
        werr_free(*err);
        *err = NULL;
        if (fill(*path, (const uint8_t *)bytes, len, err) < 0)
            return -1;
        cfd = wf_aot_open(*path, err);
    }
    return cfd;
}

/* Name the file whose content was just hashed in the index, when that
 * content is what its identity stands for: the file held still while it
 * was read, and its times are past the clock's tick (wf_aot_settled), so
 * any change from now on gives it another identity. */
static void index_add(const char *idx, const char *path, const struct stat *st, bool still)
{
    if (!still) {
        log_debug("wasm: AOT cache index not written: the entrypoint changed while it was read");
        return;
    }
    if (!wf_aot_settled(st)) {
        log_debug("wasm: AOT cache index not written: the entrypoint changed in the last %d s",
                  WF_AOT_SETTLED_SEC);
        return;
    }
    weft_error *err = NULL;
    if (wf_aot_index_add(idx, path, &err) < 0)
        log_debug("wasm: AOT cache index not written: %s", err->msg);
    werr_free(err);
}

static void host_prepare(const oci_spec *spec, const char *dir, bool fill_missing, weft_error **err)
{
    const oci_process *p = &spec->process;
    if (!spec->has_process || p->n_args == 0 || spec->root_path == NULL)
        return;
    cleanup_close int rootfd = open(spec->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return;
    cleanup_close int fd = open_entrypoint(rootfd, p);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return;
    /* the module file seen before (same inode, size and times): its cache
     * file without reading and hashing the module; the container checks
     * the file against the bytes it loads in any case */
    cleanup_free char *idx = wf_aot_index_path(dir, &st);
    cleanup_free char *path = wf_aot_index_lookup(dir, idx);
    weft_error *ignored = NULL;
    int cfd = path ? wf_aot_open(path, &ignored) : -1;
    werr_free(ignored);
    if (cfd >= 0) {
        log_debug("wasm: the entrypoint's AOT cache file found through the index (%s)", path);
        aot_vouch = st;
    } else {
        free(path);
        path = NULL;
        bool still = false;
        if ((cfd = by_content(fd, p->args[0], &st, dir, fill_missing, &path, &still, err)) < 0)
            return;
        index_add(idx, path, &st, still);
    }
    aot_fd = cfd;
    aot_path = steal_ptr(path);
}

void handler_aot_host_prepare(const oci_spec *spec, bool fill_missing)
{
    cleanup_free char *dir = wf_aot_cache_dir();
    if (dir == NULL)
        return;
    weft_error *err = NULL;
    host_prepare(spec, dir, fill_missing, &err);
    if (err)
        log_debug("wasm: AOT cache not used: %s", err->msg);
    werr_free(err);
}

int handler_aot_take(char **path, struct stat *vouch)
{
    int fd = aot_fd;
    *path = aot_path;
    *vouch = aot_vouch;
    aot_fd = -1;
    aot_path = NULL;
    aot_vouch = (struct stat){0};
    return fd;
}
