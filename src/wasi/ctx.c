/* The WASI context: arguments, environment and the descriptor table that
 * maps WASI fds (with their rights) to host fds the context owns. */
#include "wasi/internal.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* Far more than any guest needs; keeps a runaway guest from growing the table
 * without bound (the host's RLIMIT_NOFILE stops it too). */
#define WASI_MAX_FDS 65536

uint8_t wasi_filetype_of_mode(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG:
        return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR:
        return WASI_FILETYPE_DIRECTORY;
    case S_IFCHR:
        return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK:
        return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFLNK:
        return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFSOCK:
        return WASI_FILETYPE_SOCKET_STREAM;
    default:
        return WASI_FILETYPE_UNKNOWN; /* FIFOs: WASI has no type for them */
    }
}

uint64_t wasi_rights_for_type(uint8_t filetype)
{
    switch (filetype) {
    case WASI_FILETYPE_REGULAR_FILE:
    case WASI_FILETYPE_BLOCK_DEVICE:
        return WASI_RIGHTS_REGULAR_FILE;
    case WASI_FILETYPE_DIRECTORY:
        return WASI_RIGHTS_DIRECTORY;
    case WASI_FILETYPE_SOCKET_STREAM:
    case WASI_FILETYPE_SOCKET_DGRAM:
        return WASI_RIGHTS_SOCKET;
    default:
        return WASI_RIGHTS_STREAM;
    }
}

uint32_t wasi_host_filetype(int host_fd, uint8_t *type)
{
    struct stat st;
    if (fstat(host_fd, &st) < 0)
        return wasi_errno_from_host(errno);
    *type = wasi_filetype_of_mode(st.st_mode);
    if (*type == WASI_FILETYPE_SOCKET_STREAM) {
        int so = 0;
        socklen_t len = sizeof(so);
        if (getsockopt(host_fd, SOL_SOCKET, SO_TYPE, &so, &len) == 0 && so == SOCK_DGRAM)
            *type = WASI_FILETYPE_SOCKET_DGRAM;
    }
    return WASI_ESUCCESS;
}

wasi_fd *wasi_fd_get(wasi_ctx *ctx, uint64_t fd, uint64_t need, uint32_t *e)
{
    if (fd >= ctx->nfds || !ctx->fds[fd].used || ctx->fds[fd].host_fd < 0) {
        *e = WASI_EBADF;
        return NULL;
    }
    wasi_fd *f = &ctx->fds[fd];
    if ((f->rights_base & need) != need) {
        *e = WASI_ENOTCAPABLE;
        return NULL;
    }
    *e = WASI_ESUCCESS;
    return f;
}

static void dirent_cache_free(wasi_dirent_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].name);
    free(c->items);
    free(c);
}

void wasi_fd_release(wasi_fd *f)
{
    if (!f->used)
        return;
    if (f->host_fd >= 0 && f->restore_fl)
        fcntl(f->host_fd, F_SETFL, f->saved_fl);
    if (f->host_fd >= 0)
        close(f->host_fd);
    free(f->preopen_name);
    dirent_cache_free(f->dir);
    *f = (wasi_fd){.host_fd = -1};
}

uint32_t wasi_fd_insert(wasi_ctx *ctx, int host_fd, uint8_t filetype, uint64_t base,
                        uint64_t inheriting, uint32_t *out)
{
    uint32_t i = 0;
    while (i < ctx->nfds && ctx->fds[i].used)
        i++;
    if (i == ctx->nfds) {
        if (ctx->nfds >= WASI_MAX_FDS) {
            close(host_fd);
            return WASI_EMFILE;
        }
        uint32_t n = ctx->nfds ? ctx->nfds * 2 : 8;
        ctx->fds = xreallocarray(ctx->fds, n, sizeof(*ctx->fds));
        for (uint32_t j = ctx->nfds; j < n; j++)
            ctx->fds[j] = (wasi_fd){.host_fd = -1};
        ctx->nfds = n;
    }
    ctx->fds[i] = (wasi_fd){.used = true,
                            .host_fd = host_fd,
                            .filetype = filetype,
                            .rights_base = base,
                            .rights_inheriting = inheriting};
    *out = i;
    return WASI_ESUCCESS;
}

/* Give the guest its own copy of a host descriptor, with every right its type allows. */
static int add_host_fd(wasi_ctx *ctx, int host_fd, const char *what, uint32_t *wfd,
                       weft_error **err)
{
    if (host_fd < 0) {
        /* A closed stdio slot stays taken (every use gives EBADF) so that fd 3 is
         * still the first preopen. */
        wasi_fd_insert(ctx, -1, WASI_FILETYPE_UNKNOWN, 0, 0, wfd);
        return 0;
    }
    int dup = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
    if (dup < 0)
        return werr_sys(err, "wasi: %s (fd %d)", what, host_fd);
    uint8_t type;
    uint32_t e = wasi_host_filetype(dup, &type);
    if (e != WASI_ESUCCESS) {
        close(dup);
        return werr_set(err, EBADF, "wasi: %s (fd %d)", what, host_fd);
    }
    uint64_t rights = wasi_rights_for_type(type);
    int fl = fcntl(dup, F_GETFL);
    wasi_fd_insert(ctx, dup, type, rights, type == WASI_FILETYPE_DIRECTORY ? WASI_RIGHTS_ALL : 0,
                   wfd);
    ctx->fds[*wfd].restore_fl = fl >= 0;
    ctx->fds[*wfd].saved_fl = fl;
    return 0;
}

static char **copy_strv(char *const *v, size_t n)
{
    char **out = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

int wasi_ctx_new(const wasi_config *cfg, wasi_ctx **out, weft_error **err)
{
    wasi_ctx *ctx = xzalloc(sizeof(*ctx));
    ctx->argv = copy_strv(cfg->argv, cfg->argc);
    ctx->argc = cfg->argc;
    ctx->envp = copy_strv(cfg->envp, cfg->envc);
    ctx->envc = cfg->envc;
    const int stdio[3] = {cfg->stdin_fd, cfg->stdout_fd, cfg->stderr_fd};
    static const char *const names[3] = {"stdin", "stdout", "stderr"};
    uint32_t wfd;
    for (int i = 0; i < 3; i++) {
        if (add_host_fd(ctx, stdio[i], names[i], &wfd, err) < 0)
            goto fail;
    }
    for (size_t i = 0; i < cfg->n_preopens; i++) {
        const wasi_preopen *p = &cfg->preopens[i];
        if (p->guest_path == NULL) {
            werr_set(err, EINVAL, "wasi: preopen %zu has no guest path", i);
            goto fail;
        }
        if (p->host_fd < 0 || add_host_fd(ctx, p->host_fd, p->guest_path, &wfd, err) < 0) {
            if (p->host_fd < 0)
                werr_set(err, EBADF, "wasi: preopen %s", p->guest_path);
            goto fail;
        }
        wasi_fd *f = &ctx->fds[wfd];
        if (f->filetype != WASI_FILETYPE_DIRECTORY) {
            werr_set(err, ENOTDIR, "wasi: preopen %s", p->guest_path);
            goto fail;
        }
        f->preopen_name = xstrdup(p->guest_path);
        f->in_root = p->in_root;
    }
    *out = ctx;
    return 0;
fail:
    wasi_ctx_free(ctx);
    return -1;
}

void wasi_ctx_free(wasi_ctx *ctx)
{
    if (ctx == NULL)
        return;
    for (size_t i = 0; i < ctx->argc; i++)
        free(ctx->argv[i]);
    free(ctx->argv);
    for (size_t i = 0; i < ctx->envc; i++)
        free(ctx->envp[i]);
    free(ctx->envp);
    for (uint32_t i = 0; i < ctx->nfds; i++)
        wasi_fd_release(&ctx->fds[i]);
    free(ctx->fds);
    free(ctx->bindings);
    free(ctx);
}

/* ---- guest memory helpers ---- */

uint32_t wasi_put32(wasi_mem *m, uint64_t p, uint32_t v)
{
    if (!wasi_mem_ok(m, p, 4))
        return WASI_EFAULT;
    wasi_st32(m, p, v);
    return WASI_ESUCCESS;
}

uint32_t wasi_put64(wasi_mem *m, uint64_t p, uint64_t v)
{
    if (!wasi_mem_ok(m, p, 8))
        return WASI_EFAULT;
    wasi_st64(m, p, v);
    return WASI_ESUCCESS;
}

uint32_t wasi_iovecs(wasi_mem *m, uint64_t iovs, uint64_t n, struct iovec **out, int *count)
{
    *out = NULL;
    *count = 0;
    if (!wasi_mem_ok(m, iovs, n * WASI_IOVEC_SIZE)) /* n < 2^32: no overflow */
        return WASI_EFAULT;
    if (n > IOV_MAX)
        n = IOV_MAX;
    struct iovec *v = xcalloc(n ? n : 1, sizeof(*v));
    for (uint64_t i = 0; i < n; i++) {
        uint64_t buf = wasi_ld32(m, iovs + i * WASI_IOVEC_SIZE);
        uint64_t len = wasi_ld32(m, iovs + i * WASI_IOVEC_SIZE + 4);
        if (!wasi_mem_ok(m, buf, len)) {
            free(v);
            return WASI_EFAULT;
        }
        v[i].iov_base = m->base + buf;
        v[i].iov_len = len;
    }
    *out = v;
    *count = (int)n;
    return WASI_ESUCCESS;
}
