/* Arguments, environment, clocks, randomness and process control. */
#include "wasi/internal.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/random.h>
#include <time.h>

static uint64_t strv_bytes(char *const *v, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    return total;
}

/* Write n pointers at `ptrs` and the NUL-terminated strings packed at `buf`. */
static uint32_t put_strv(wasi_mem *m, char *const *v, size_t n, uint64_t ptrs, uint64_t buf)
{
    uint64_t bytes = strv_bytes(v, n);
    if (!wasi_mem_ok(m, ptrs, (uint64_t)n * 4) || !wasi_mem_ok(m, buf, bytes))
        return WASI_EFAULT;
    uint64_t off = buf;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        wasi_st32(m, ptrs + 4 * i, (uint32_t)off);
        memcpy(m->base + off, v[i], len);
        off += len;
    }
    return WASI_ESUCCESS;
}

static uint32_t put_sizes(wasi_mem *m, size_t n, uint64_t bytes, uint64_t count_p, uint64_t size_p)
{
    if (!wasi_mem_ok(m, count_p, 4) || !wasi_mem_ok(m, size_p, 4))
        return WASI_EFAULT;
    if (n > UINT32_MAX || bytes > UINT32_MAX)
        return WASI_EOVERFLOW;
    wasi_st32(m, count_p, (uint32_t)n);
    wasi_st32(m, size_p, (uint32_t)bytes);
    return WASI_ESUCCESS;
}

/* args_get(argv: ptr<ptr<u8>>, argv_buf: ptr<u8>) */
WASI_IMPL(wasi_args_get)
{
    return put_strv(m, ctx->argv, ctx->argc, a[0], a[1]);
}

/* args_sizes_get(argc: ptr<size>, argv_buf_size: ptr<size>) */
WASI_IMPL(wasi_args_sizes_get)
{
    return put_sizes(m, ctx->argc, strv_bytes(ctx->argv, ctx->argc), a[0], a[1]);
}

WASI_IMPL(wasi_environ_get)
{
    return put_strv(m, ctx->envp, ctx->envc, a[0], a[1]);
}

WASI_IMPL(wasi_environ_sizes_get)
{
    return put_sizes(m, ctx->envc, strv_bytes(ctx->envp, ctx->envc), a[0], a[1]);
}

int wasi_clock_host_id(uint32_t id, int *clk)
{
    switch (id) {
    case WASI_CLOCK_REALTIME:
        *clk = CLOCK_REALTIME;
        return 0;
    case WASI_CLOCK_MONOTONIC:
        *clk = CLOCK_MONOTONIC;
        return 0;
    case WASI_CLOCK_PROCESS_CPUTIME_ID:
        *clk = CLOCK_PROCESS_CPUTIME_ID;
        return 0;
    case WASI_CLOCK_THREAD_CPUTIME_ID:
        *clk = CLOCK_THREAD_CPUTIME_ID;
        return 0;
    default:
        return -1;
    }
}

static uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* clock_res_get(id: clockid, resolution: ptr<timestamp>) */
WASI_IMPL(wasi_clock_res_get)
{
    (void)ctx;
    int clk;
    struct timespec ts;
    if (wasi_clock_host_id((uint32_t)a[0], &clk) < 0)
        return WASI_EINVAL;
    if (clock_getres(clk, &ts) < 0)
        return wasi_errno_from_host(errno);
    return wasi_put64(m, a[1], ts_ns(&ts));
}

/* clock_time_get(id: clockid, precision: timestamp, time: ptr<timestamp>) */
WASI_IMPL(wasi_clock_time_get)
{
    (void)ctx;
    int clk;
    struct timespec ts;
    if (wasi_clock_host_id((uint32_t)a[0], &clk) < 0)
        return WASI_EINVAL;
    if (clock_gettime(clk, &ts) < 0)
        return wasi_errno_from_host(errno);
    return wasi_put64(m, a[2], ts_ns(&ts));
}

/* random_get(buf: ptr<u8>, buf_len: size) */
WASI_IMPL(wasi_random_get)
{
    (void)ctx;
    uint64_t p = a[0], len = a[1];
    if (!wasi_mem_ok(m, p, len))
        return WASI_EFAULT;
    while (len > 0) {
        ssize_t n = getrandom(m->base + p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wasi_errno_from_host(errno);
        }
        p += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return WASI_ESUCCESS;
}

/* proc_exit(rval: exitcode): the glue ends the run with this status. */
WASI_IMPL(wasi_proc_exit)
{
    (void)m;
    ctx->exit_status = (int)(uint32_t)a[0];
    return WASI_RET_EXIT;
}

/* proc_raise(sig: signal). The guest is not a host process of its own, so a
 * signal is emulated: those whose witx action is "Ignored" (pipe, chld,
 * urg, winch) do nothing, every other valid one ends the run as the shell
 * would report a death by that signal (128 + n). There is no job control, so
 * cont and the stop signals do nothing either. WASI signal numbers 1..30
 * match Linux's except that WASI has no 16 (SIGSTKFLT): its 16.. are Linux's
 * 17... */
WASI_IMPL(wasi_proc_raise)
{
    (void)m;
    uint32_t sig = (uint32_t)a[0];
    if (sig == 0 || sig > 30)
        return WASI_EINVAL;
    int host = sig < 16 ? (int)sig : (int)sig + 1;
    if (host == SIGPIPE || host == SIGCHLD || host == SIGCONT || host == SIGURG ||
        host == SIGWINCH || host == SIGSTOP || host == SIGTSTP || host == SIGTTIN ||
        host == SIGTTOU)
        return WASI_ESUCCESS;
    ctx->exit_status = 128 + host;
    return WASI_RET_EXIT;
}

WASI_IMPL(wasi_sched_yield)
{
    (void)ctx;
    (void)m;
    (void)a;
    sched_yield();
    return WASI_ESUCCESS;
}
