/* poll_oneoff: wait for clock deadlines and fd readiness at once. Every
 * subscription that is satisfied (or invalid) when the wait ends gets an
 * event; the wait never returns with zero events. */
#include "wasi/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Bounds the host memory a guest can make us allocate (about 64 MiB). */
#define WASI_POLL_MAX (1u << 20)

typedef struct psub {
    uint64_t userdata;
    uint8_t type;
    uint16_t error;    /* set: reported at once */
    uint64_t deadline; /* clock: CLOCK_MONOTONIC ns */
    int pfd;           /* fd: index in the pollfd array */
    int host_fd;
} psub;

static uint64_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t sat_add(uint64_t x, uint64_t y)
{
    return x > UINT64_MAX - y ? UINT64_MAX : x + y;
}

/* A clock subscription becomes a deadline on CLOCK_MONOTONIC. An absolute
 * time on another clock is converted by its distance from that clock's now. */
static void parse_clock(psub *s, uint32_t id, uint64_t timeout, uint16_t flags)
{
    int clk;
    if (wasi_clock_host_id(id, &clk) < 0) {
        s->error = WASI_EINVAL;
        return;
    }
    uint64_t wait = timeout;
    if (flags & WASI_SUBCLOCKFLAG_ABSTIME) {
        struct timespec ts;
        clock_gettime(clk, &ts);
        uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        wait = timeout > now ? timeout - now : 0;
    }
    s->deadline = sat_add(mono_now(), wait);
}

static void parse_subs(wasi_ctx *ctx, wasi_mem *m, uint64_t in, uint64_t n, enum wasi_abi abi,
                       psub *subs, struct pollfd *pfds, int *npfd)
{
    uint64_t size = abi == WASI_ABI_UNSTABLE ? WASI0_SUBSCRIPTION_SIZE : WASI_SUBSCRIPTION_SIZE;
    uint64_t clk = abi == WASI_ABI_UNSTABLE ? 24 : 16; /* snapshot_0 has `identifier` first */
    for (uint64_t i = 0; i < n; i++) {
        uint64_t p = in + i * size;
        psub *s = &subs[i];
        *s = (psub){.userdata = wasi_ld64(m, p), .type = m->base[p + 8], .pfd = -1};
        switch (s->type) {
        case WASI_EVENTTYPE_CLOCK:
            parse_clock(s, wasi_ld32(m, p + clk), wasi_ld64(m, p + clk + 8),
                        wasi_ld16(m, p + clk + 24));
            break;
        case WASI_EVENTTYPE_FD_READ:
        case WASI_EVENTTYPE_FD_WRITE: {
            uint32_t e;
            wasi_fd *f = wasi_fd_get(ctx, wasi_ld32(m, p + 16), WASI_RIGHT_POLL_FD_READWRITE, &e);
            if (f == NULL) {
                s->error = (uint16_t)e;
                break;
            }
            s->host_fd = f->host_fd;
            s->pfd = (*npfd)++;
            pfds[s->pfd] = (struct pollfd){
                .fd = f->host_fd, .events = s->type == WASI_EVENTTYPE_FD_READ ? POLLIN : POLLOUT};
            break;
        }
        default:
            s->error = WASI_EINVAL;
            break;
        }
    }
}

/* Bytes available to read: the rest of a regular file, else what FIONREAD says. */
static uint64_t readable_bytes(int fd)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t pos = lseek(fd, 0, SEEK_CUR);
        return pos >= 0 && st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
    }
    int n = 0;
    return ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? (uint64_t)n : 0;
}

static void put_event(wasi_mem *m, uint64_t p, const psub *s, uint16_t error, uint64_t nbytes,
                      uint16_t flags)
{
    memset(m->base + p, 0, WASI_EVENT_SIZE);
    wasi_st64(m, p, s->userdata);
    wasi_st16(m, p + 8, error);
    m->base[p + 10] = s->type;
    wasi_st64(m, p + 16, nbytes);
    wasi_st16(m, p + 24, flags);
}

/* Write events for every subscription that is due; returns how many. */
static uint32_t collect(wasi_mem *m, uint64_t out, const psub *subs, uint64_t n,
                        const struct pollfd *pfds)
{
    uint32_t k = 0;
    uint64_t now = mono_now();
    for (uint64_t i = 0; i < n; i++) {
        const psub *s = &subs[i];
        uint64_t p = out + (uint64_t)k * WASI_EVENT_SIZE;
        if (s->error) {
            put_event(m, p, s, s->error, 0, 0);
        } else if (s->type == WASI_EVENTTYPE_CLOCK) {
            if (s->deadline > now)
                continue;
            put_event(m, p, s, 0, 0, 0);
        } else {
            short re = pfds[s->pfd].revents;
            if (re == 0)
                continue;
            uint16_t flags = (re & POLLHUP) ? WASI_EVENTRWFLAG_HANGUP : 0;
            uint16_t err = (re & POLLNVAL) ? WASI_EBADF : (re & POLLERR) ? WASI_EIO : 0;
            uint64_t nb =
                (!err && s->type == WASI_EVENTTYPE_FD_READ) ? readable_bytes(s->host_fd) : 0;
            put_event(m, p, s, err, nb, flags);
        }
        k++;
    }
    return k;
}

static uint32_t poll_oneoff(wasi_ctx *ctx, wasi_mem *m, const uint64_t *a, enum wasi_abi abi)
{
    uint64_t in = a[0], out = a[1], n = a[2], nevents_p = a[3];
    uint64_t size = abi == WASI_ABI_UNSTABLE ? WASI0_SUBSCRIPTION_SIZE : WASI_SUBSCRIPTION_SIZE;
    if (n == 0)
        return WASI_EINVAL;
    if (!wasi_mem_ok(m, in, n * size) || !wasi_mem_ok(m, out, n * WASI_EVENT_SIZE) ||
        !wasi_mem_ok(m, nevents_p, 4))
        return WASI_EFAULT;
    if (n > WASI_POLL_MAX)
        return WASI_ENOMEM;
    cleanup_free psub *subs = xcalloc(n, sizeof(*subs));
    cleanup_free struct pollfd *pfds = xcalloc(n, sizeof(*pfds));
    int npfd = 0;
    parse_subs(ctx, m, in, n, abi, subs, pfds, &npfd);
    for (;;) {
        uint64_t deadline = UINT64_MAX;
        bool immediate = false;
        for (uint64_t i = 0; i < n; i++) {
            if (subs[i].error)
                immediate = true;
            else if (subs[i].type == WASI_EVENTTYPE_CLOCK && subs[i].deadline < deadline)
                deadline = subs[i].deadline;
        }
        struct timespec ts = {0}, *tp = &ts;
        if (!immediate) {
            uint64_t now = mono_now();
            if (deadline == UINT64_MAX)
                tp = NULL; /* only fds: wait for them as long as it takes */
            else if (deadline > now)
                ts = (struct timespec){.tv_sec = (time_t)((deadline - now) / 1000000000u),
                                       .tv_nsec = (long)((deadline - now) % 1000000000u)};
        }
        if (ppoll(pfds, (nfds_t)npfd, tp, NULL) < 0) {
            if (errno == EINTR)
                continue;
            return wasi_errno_from_host(errno);
        }
        uint32_t k = collect(m, out, subs, n, pfds);
        if (k > 0) {
            wasi_st32(m, nevents_p, k);
            return WASI_ESUCCESS;
        }
    }
}

/* poll_oneoff(in: ptr<subscription>, out: ptr<event>, nsubscriptions, nevents: ptr<size>) */
WASI_IMPL(wasi_poll_oneoff)
{
    return poll_oneoff(ctx, m, a, WASI_ABI_PREVIEW1);
}

WASI_IMPL(wasi0_poll_oneoff)
{
    return poll_oneoff(ctx, m, a, WASI_ABI_UNSTABLE);
}
