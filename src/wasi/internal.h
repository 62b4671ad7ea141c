/* WASI internals shared by the host-function files (not for other folders).
 *
 * Host functions are written against a plain memory view (wasi_mem) and
 * decoded arguments, not against the engine, so unit tests can call them
 * with a fake linear memory. run.c adapts them to wf_host_fn.
 */
#ifndef WEFT_WASI_INTERNAL_H
#define WEFT_WASI_INTERNAL_H

#include "wasi/abi.h"
#include "wasi/wasi.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* A cached directory listing, so fd_readdir cookies are stable indexes. */
typedef struct wasi_dirent_cache {
    size_t n;
    struct wasi_dirent_item {
        uint64_t ino;
        uint8_t type;
        char *name;
    } * items;
} wasi_dirent_cache;

typedef struct wasi_fd {
    bool used;
    int host_fd;
    uint8_t filetype;
    uint64_t rights_base, rights_inheriting;
    char *preopen_name; /* non-NULL for a preopened directory */
    bool in_root;       /* resolve with RESOLVE_IN_ROOT (a chroot-like preopen) */
    wasi_dirent_cache *dir;
    /* Status flags to put back when released: a dup'd host descriptor shares
     * them (O_NONBLOCK, O_APPEND) with the host's, e.g. the terminal. */
    bool restore_fl;
    int saved_fl;
} wasi_fd;

struct wasi_ctx {
    char **argv;
    size_t argc;
    char **envp;
    size_t envc;
    wasi_fd *fds;
    uint32_t nfds; /* slots allocated */
    int exit_status;
    struct wasi_binding *bindings; /* run.c: env pointers given to the linker */
    size_t n_bindings;
};

typedef struct wasi_mem {
    uint8_t *base;
    uint64_t size;
} wasi_mem;

/* Which witx a host function follows: layouts differ for a few functions. */
enum wasi_abi { WASI_ABI_PREVIEW1 = 1, WASI_ABI_UNSTABLE = 2 };

/* Every host function: decoded args (i32 zero-extended, i64 as is), returns
 * the WASI errno, or WASI_RET_EXIT after proc_exit stored ctx->exit_status. */
#define WASI_RET_EXIT 0x10000u
typedef uint32_t (*wasi_impl_fn)(wasi_ctx *ctx, wasi_mem *m, const uint64_t *a);

typedef struct wasi_func {
    const char *name;
    const char *params, *results;
    wasi_impl_fn fn;
} wasi_func;

/* table.c: the functions of each module name, NULL-name terminated. */
extern const wasi_func wasi_preview1_funcs[];
extern const wasi_func wasi_unstable_funcs[];
const wasi_func *wasi_find_func(const wasi_func *table, const char *name);

/* ---- guest memory (bounds-checked, overflow-safe) ---- */

static inline bool wasi_mem_ok(const wasi_mem *m, uint64_t ptr, uint64_t len)
{
    return ptr <= m->size && len <= m->size - ptr;
}
static inline void wasi_st16(wasi_mem *m, uint64_t p, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    memcpy(m->base + p, b, 2);
}
static inline void wasi_st32(wasi_mem *m, uint64_t p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        m->base[p + i] = (uint8_t)(v >> (8 * i));
}
static inline void wasi_st64(wasi_mem *m, uint64_t p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        m->base[p + i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t wasi_ld16(const wasi_mem *m, uint64_t p)
{
    return (uint16_t)(m->base[p] | (m->base[p + 1] << 8));
}
static inline uint32_t wasi_ld32(const wasi_mem *m, uint64_t p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | m->base[p + i];
    return v;
}
static inline uint64_t wasi_ld64(const wasi_mem *m, uint64_t p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | m->base[p + i];
    return v;
}
/* Store a u32/u64 result after checking the pointer; returns a WASI errno. */
uint32_t wasi_put32(wasi_mem *m, uint64_t p, uint32_t v);
uint32_t wasi_put64(wasi_mem *m, uint64_t p, uint64_t v);

/* Gather guest (c)iovecs into host iovecs (at most IOV_MAX, the rest is
 * left for a later call, which is a legal short transfer). *out is
 * xcalloc'd. Returns a WASI errno. */
struct iovec;
uint32_t wasi_iovecs(wasi_mem *m, uint64_t iovs, uint64_t n, struct iovec **out, int *count);

/* ---- errno.c ---- */
uint16_t wasi_errno_from_host(int e);

/* ---- ctx.c: the descriptor table ---- */

/* The entry for `fd` if it is open and holds every right in `need`; else
 * NULL and *e is BADF or NOTCAPABLE. */
wasi_fd *wasi_fd_get(wasi_ctx *ctx, uint64_t fd, uint64_t need, uint32_t *e);
/* Put host_fd in the lowest free slot; the table owns host_fd after this
 * (closed on failure). Returns a WASI errno, *out the new WASI fd. */
uint32_t wasi_fd_insert(wasi_ctx *ctx, int host_fd, uint8_t filetype, uint64_t base,
                        uint64_t inheriting, uint32_t *out);
void wasi_fd_release(wasi_fd *f);
/* filetype and the rights such a descriptor can hold, from fstat. */
uint8_t wasi_filetype_of_mode(mode_t mode);
uint64_t wasi_rights_for_type(uint8_t filetype);
uint32_t wasi_host_filetype(int host_fd, uint8_t *type);

/* ---- resolve.c: confinement ---- */

/* Copy a guest path out of memory, rejecting NUL bytes (EINVAL) and
 * out-of-bounds (EFAULT). *out is xmalloc'd and NUL-terminated. */
uint32_t wasi_path_copy(wasi_mem *m, uint64_t ptr, uint64_t len, char **out);
/* openat2(dirfd, path, flags, mode) with RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS,
 * or RESOLVE_IN_ROOT instead of BENEATH when `in_root`; returns the fd or -1
 * with errno (EXDEV for an escape). */
int wasi_openat_beneath(int dirfd, bool in_root, const char *path, int flags, mode_t mode);
/* A path split into its parent directory (opened beneath dirfd, O_PATH) and
 * its final component with trailing slashes stripped. */
typedef struct wasi_parent {
    int fd;           /* parent directory fd: owned unless == dirfd */
    int dirfd;        /* the starting directory */
    const char *last; /* final component, no '/' */
    bool trailing_slash;
    char *buf; /* owns last */
} wasi_parent;
uint32_t wasi_parent_open(int dirfd, bool in_root, const char *path, wasi_parent *out);
void wasi_parent_close(wasi_parent *p);
bool wasi_is_dot_or_dotdot(const char *name);
/* errno for a failed resolution: EXDEV (escape) becomes NOTCAPABLE. */
uint16_t wasi_resolve_errno(int e);

/* ---- host functions (one group per file) ---- */
#define WASI_IMPL(name) uint32_t name(wasi_ctx *ctx, wasi_mem *m, const uint64_t *a)

/* proc.c */
WASI_IMPL(wasi_args_get);
WASI_IMPL(wasi_args_sizes_get);
WASI_IMPL(wasi_environ_get);
WASI_IMPL(wasi_environ_sizes_get);
WASI_IMPL(wasi_clock_res_get);
WASI_IMPL(wasi_clock_time_get);
WASI_IMPL(wasi_random_get);
WASI_IMPL(wasi_proc_exit);
WASI_IMPL(wasi_proc_raise);
WASI_IMPL(wasi_sched_yield);
int wasi_clock_host_id(uint32_t id, int *clk);

/* fd.c: data transfer */
WASI_IMPL(wasi_fd_read);
WASI_IMPL(wasi_fd_write);
WASI_IMPL(wasi_fd_pread);
WASI_IMPL(wasi_fd_pwrite);
WASI_IMPL(wasi_fd_seek);
WASI_IMPL(wasi0_fd_seek);
WASI_IMPL(wasi_fd_tell);
WASI_IMPL(wasi_fd_close);
WASI_IMPL(wasi_fd_renumber);
WASI_IMPL(wasi_fd_sync);
WASI_IMPL(wasi_fd_datasync);
WASI_IMPL(wasi_fd_advise);
WASI_IMPL(wasi_fd_allocate);

/* fdmeta.c: descriptor metadata */
WASI_IMPL(wasi_fd_fdstat_get);
WASI_IMPL(wasi_fd_fdstat_set_flags);
WASI_IMPL(wasi_fd_fdstat_set_rights);
WASI_IMPL(wasi_fd_filestat_get);
WASI_IMPL(wasi0_fd_filestat_get);
WASI_IMPL(wasi_fd_filestat_set_size);
WASI_IMPL(wasi_fd_filestat_set_times);
WASI_IMPL(wasi_fd_prestat_get);
WASI_IMPL(wasi_fd_prestat_dir_name);
WASI_IMPL(wasi_fd_readdir);
uint32_t wasi_put_filestat(wasi_mem *m, uint64_t p, const struct stat *st, enum wasi_abi abi);
uint32_t wasi_times_from_flags(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]);

/* path.c */
WASI_IMPL(wasi_path_open);
WASI_IMPL(wasi_path_create_directory);
WASI_IMPL(wasi_path_filestat_get);
WASI_IMPL(wasi0_path_filestat_get);
WASI_IMPL(wasi_path_filestat_set_times);
WASI_IMPL(wasi_path_link);
WASI_IMPL(wasi_path_readlink);
WASI_IMPL(wasi_path_remove_directory);
WASI_IMPL(wasi_path_rename);
WASI_IMPL(wasi_path_symlink);
WASI_IMPL(wasi_path_unlink_file);

/* poll.c */
WASI_IMPL(wasi_poll_oneoff);
WASI_IMPL(wasi0_poll_oneoff);

/* sock.c */
WASI_IMPL(wasi_sock_accept);
WASI_IMPL(wasi_sock_recv);
WASI_IMPL(wasi_sock_send);
WASI_IMPL(wasi_sock_shutdown);

#endif
