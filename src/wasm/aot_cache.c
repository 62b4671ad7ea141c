/* The AOT cache on disk (aot_cache.h): cached machine code is written by
 * `weft wasm compile` or by the runtime on the host side, atomically and
 * read-only for everyone else, and read through an fd the host side opened
 * read-only (a container never reaches the directory, nor writes a file). */
#include "wasm/aot_cache.h"
#include "util/cleanup.h"
#include "util/sha256.h"
#include "util/xalloc.h"
#include "util/log.h"
#include "wasm/jit/jit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* the largest cache file read (a 5.6 MB module compiles to a few times
 * that) */
#define AOT_MAX ((size_t)1 << 30)

char *wf_aot_cache_dir(void)
{
    const char *s = getenv("WEFT_WASM_CACHE");
    if (s && *s)
        return strcmp(s, "off") == 0 ? NULL : xstrdup(s);
    if (geteuid() == 0)
        return xstrdup("/var/cache/weft/aot");
    if ((s = getenv("XDG_CACHE_HOME")) && *s == '/')
        return xasprintf("%s/weft/aot", s);
    if ((s = getenv("HOME")) && *s == '/')
        return xasprintf("%s/.cache/weft/aot", s);
    return NULL;
}

static char *path_of_hash(const char *dir, const uint8_t hash[SHA256_LEN])
{
    uint8_t key[SHA256_LEN];
    wf_jit_aot_key(hash, key);
    char hex[2 * SHA256_LEN + 1];
    sha256_hex(key, hex);
    return xasprintf("%s/%s.aot", dir, hex);
}

char *wf_aot_cache_path(const char *dir, const uint8_t *bytes, size_t len)
{
    uint8_t hash[SHA256_LEN];
    sha256(bytes, len, hash);
    return path_of_hash(dir, hash);
}

char *wf_aot_index_path(const char *dir, const struct stat *st)
{
    /* the first word tells entries written under the settled rule (2) from
     * older ones, which are never looked up again */
    const uint64_t id[] = {
        2,
        (uint64_t)st->st_dev,
        (uint64_t)st->st_ino,
        (uint64_t)st->st_size,
        (uint64_t)st->st_mtim.tv_sec,
        (uint64_t)st->st_mtim.tv_nsec,
        (uint64_t)st->st_ctim.tv_sec,
        (uint64_t)st->st_ctim.tv_nsec,
    };
    uint8_t h[SHA256_LEN];
    sha256(id, sizeof id, h);
    char hex[2 * SHA256_LEN + 1];
    sha256_hex(h, hex);
    return xasprintf("%s/stat-%s.idx", dir, hex);
}

#define INDEX_LEN (2 * SHA256_LEN + 4) /* KEY.aot */

char *wf_aot_index_lookup(const char *dir, const char *idx)
{
    weft_error *err = NULL;
    int fd = wf_aot_open(idx, &err);
    werr_free(err);
    if (fd < 0)
        return NULL;
    char name[INDEX_LEN + 2]; /* KEY.aot, its NUL, and nothing more */
    ssize_t n = read(fd, name, sizeof name);
    close(fd);
    if (n != INDEX_LEN + 1 || name[INDEX_LEN] != 0 || strcmp(name + 2 * SHA256_LEN, ".aot") != 0)
        return NULL;
    for (int i = 0; i < 2 * SHA256_LEN; i++)
        if (!strchr("0123456789abcdef", name[i]) || name[i] == 0)
            return NULL;
    return xasprintf("%s/%s", dir, name);
}

int wf_aot_index_add(const char *idx, const char *path, weft_error **err)
{
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    /* the NUL too: the lookup reads the name whole */
    return wf_aot_write(idx, (const uint8_t *)name, strlen(name) + 1, err);
}

static int64_t ns_of(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

bool wf_aot_settled(const struct stat *st)
{
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) < 0)
        return false;
    int64_t before = ns_of(now) - (int64_t)WF_AOT_SETTLED_SEC * 1000000000;
    return ns_of(st->st_mtim) < before && ns_of(st->st_ctim) < before;
}

bool wf_aot_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

bool wf_aot_held_still(int fd, const struct stat *before, size_t len)
{
    struct stat after;
    return fstat(fd, &after) == 0 && wf_aot_same_file(before, &after) &&
           (uint64_t)before->st_size == len;
}

int wf_aot_build(const wf_module *m, const uint8_t *bytes, size_t len, uint8_t **out,
                 size_t *outlen, weft_error **err)
{
    uint8_t hash[SHA256_LEN];
    sha256(bytes, len, hash);
    return wf_jit_aot_build(m, hash, out, outlen, err);
}

static int mkdirs(const char *dir, weft_error **err)
{
    cleanup_free char *p = xstrdup(dir);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != 0)
            continue;
        char c = *s;
        *s = 0;
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return werr_sys(err, "mkdir %s", p);
        if (c == 0)
            return 0;
        *s = c;
    }
}

static int write_fd(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

int wf_aot_write(const char *path, const uint8_t *data, size_t len, weft_error **err)
{
    cleanup_free char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        if (mkdirs(dir, err) < 0)
            return -1;
    }
    cleanup_free char *tmp = xasprintf("%s.tmp-XXXXXX", path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "create %s", tmp);
    int r = -1;
    if (fchmod(fd, 0644) < 0)
        werr_sys(err, "chmod %s", tmp);
    else if (write_fd(fd, data, len) < 0 || fsync(fd) < 0)
        werr_sys(err, "write %s", tmp);
    else if (rename(tmp, path) < 0)
        werr_sys(err, "rename %s to %s", tmp, path);
    else
        r = 0;
    close(fd);
    if (r < 0)
        unlink(tmp);
    return r;
}

int wf_aot_open(const char *path, weft_error **err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return werr_sys(err, "open %s", path);
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) < 0)
        why = "cannot stat it";
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_uid != 0 && st.st_uid != geteuid())
        why = "owned by another user";
    else if (st.st_mode & 022)
        why = "writable by group or others";
    if (why) {
        close(fd);
        errno = EPERM;
        return werr_set(err, 0, "%s: %s", path, why);
    }
    return fd;
}

struct file_map {
    void *p;
    size_t n;
};

static void unmap_file(void *arg)
{
    struct file_map *f = arg;
    munmap(f->p, f->n);
    free(f);
}

/* The module's SHA-256, computed once: on the spot, or by a thread started
 * while the module is decoded (wf_aot_load_module), joined when needed. */
struct hashed {
    const uint8_t *bytes;
    size_t len;
    uint8_t h[SHA256_LEN];
    bool done, threaded;
    bool vouched; /* the bytes are the content of the file's module (index) */
    pthread_t thread;
};

static void *hash_bytes(void *arg)
{
    struct hashed *hs = arg;
    sha256(hs->bytes, hs->len, hs->h);
    return NULL;
}

static const uint8_t *hash_of(struct hashed *hs)
{
    if (hs->threaded) {
        pthread_join(hs->thread, NULL);
        hs->threaded = false;
        hs->done = true;
    }
    if (!hs->done) {
        hash_bytes(hs);
        hs->done = true;
    }
    return hs->h;
}

/* The file is mapped, not read: a large module's code is tens of
 * megabytes, of which a start touches the few functions it runs (they are
 * copied out on first call). Cache files are replaced by rename, never
 * changed in place, so the mapping stays what was checked. */
static int use_file(wf_module *m, struct hashed *hs, int fd, weft_error **err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return werr_sys(err, "the AOT cache file");
    if (st.st_size < 8)
        return werr_set(err, 0, "not a weft AOT file (%lld bytes)", (long long)st.st_size);
    if ((uint64_t)st.st_size > AOT_MAX)
        return werr_set(err, 0, "%lld bytes, more than an AOT cache file has",
                        (long long)st.st_size);
    size_t n = (size_t)st.st_size;
    /* not populated: a start reads the header, the table and the code of
     * the functions it runs (each checked as it is taken) */
    void *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return werr_sys(err, "mapping the AOT cache file");
    struct file_map *f = xmalloc(sizeof *f);
    *f = (struct file_map){p, n};
    if (hs->vouched && !hs->done && wf_jit_aot_module_hash(p, n, hs->h)) {
        hs->done = true; /* not hashed: the index vouched for them */
        log_debug("wasm: %s: not hashed: the AOT cache index vouches for the file's identity",
                  m->name);
    }
    if (wf_jit_aot_load(m, hash_of(hs), p, n, fd, unmap_file, f, err) < 0) {
        unmap_file(f);
        return -1;
    }
    return 0;
}

int wf_aot_use(wf_module *m, const uint8_t *bytes, size_t len, int fd, weft_error **err)
{
    struct hashed hs = {.bytes = bytes, .len = len};
    return use_file(m, &hs, fd, err);
}

int wf_aot_roundtrip(wf_module *m, const uint8_t *bytes, size_t len, weft_error **err)
{
    if (m->jit == NULL)
        return 0;
    cleanup_free uint8_t *file = NULL;
    size_t flen = 0;
    uint8_t hash[SHA256_LEN];
    sha256(bytes, len, hash);
    if (wf_jit_aot_build(m, hash, &file, &flen, err) < 0 ||
        wf_jit_aot_load(m, hash, file, flen, -1, free, file, err) < 0)
        return werr_prefix(err, "%s: AOT round trip", m->name);
    file = NULL; /* m's now */
    return 0;
}

static bool try_fd(wf_module *m, struct hashed *hs, int fd, const char *path)
{
    if (m->jit == NULL)
        return false;
    weft_error *err = NULL;
    bool ok = use_file(m, hs, fd, &err) == 0;
    if (ok)
        log_debug("wasm: %s: machine code loaded from the AOT cache (%s)", m->name, path);
    else
        log_debug("wasm: %s: AOT cache file %s rejected: %s; compiling instead", m->name, path,
                  err->msg);
    werr_free(err);
    return ok;
}

bool wf_aot_try_fd(wf_module *m, const uint8_t *bytes, size_t len, int fd, const char *path)
{
    struct hashed hs = {.bytes = bytes, .len = len};
    return try_fd(m, &hs, fd, path);
}

/* the cache directory's file, when there is a directory (NULL otherwise:
 * then the module need not be hashed at all) */
static char *cache_dir_existing(void)
{
    char *dir = wf_aot_cache_dir();
    struct stat st;
    if (dir && stat(dir, &st) < 0) {
        free(dir);
        dir = NULL;
    }
    return dir;
}

static bool try_path(wf_module *m, struct hashed *hs, const char *path)
{
    if (m->jit == NULL)
        return false;
    cleanup_free char *dir = NULL, *own = NULL;
    if (path == NULL) {
        if ((dir = cache_dir_existing()) == NULL)
            return false;
        path = own = path_of_hash(dir, hash_of(hs));
    }
    weft_error *err = NULL;
    int fd = wf_aot_open(path, &err);
    if (fd < 0) {
        log_debug("wasm: %s: no AOT cache file used (%s); compiling on first call", m->name,
                  err->msg);
        werr_free(err);
        return false;
    }
    bool ok = try_fd(m, hs, fd, path);
    close(fd);
    return ok;
}

bool wf_aot_try(wf_module *m, const uint8_t *bytes, size_t len, const char *path)
{
    struct hashed hs = {.bytes = bytes, .len = len};
    return try_path(m, &hs, path);
}

struct trust {
    struct hashed hs;
    int fd;
    const char *path;
};

static bool trust_file(wf_module *m, void *arg)
{
    struct trust *t = arg;
    bool ok = t->fd >= 0 ? try_fd(m, &t->hs, t->fd, t->path) : try_path(m, &t->hs, t->path);
    if (ok)
        log_debug("wasm: %s: function bodies validated on first call (the AOT cache's file is "
                  "for these bytes)",
                  m->name);
    return ok;
}

/* A module large enough for its hash to take a while (SHA-256 runs at
 * about 1 GB/s with the CPU's SHA extensions) is hashed by a thread while
 * it is decoded; a small one when needed. */
#define HASH_THREAD_MIN (1u << 20)

int wf_aot_load_module(uint8_t *bytes, size_t len, const char *name, uint64_t budget, int fd,
                       const char *path, bool vouched, wf_module **out, weft_error **err)
{
    struct trust t = {
        .hs = {.bytes = bytes, .len = len, .vouched = vouched && fd >= 0},
        .fd = fd,
        .path = path,
    };
    bool need = wf_jit_enabled() && (fd >= 0 || path != NULL);
    if (!need && wf_jit_enabled()) {
        char *dir = cache_dir_existing();
        need = dir != NULL;
        free(dir);
    }
    if (need && len >= HASH_THREAD_MIN && !t.hs.vouched)
        t.hs.threaded = pthread_create(&t.hs.thread, NULL, hash_bytes, &t.hs) == 0;
    int r = wf_module_load_trusting(bytes, len, name, budget, trust_file, &t, bytes, out, err);
    if (t.hs.threaded) /* not asked for (the module failed to load, say) */
        pthread_join(t.hs.thread, NULL);
    return r;
}
