/* WASI args/environ, clocks, random, process control, poll_oneoff, sockets,
 * the errno mapping and the function tables. */
#include "test_wasi_util.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

TEST(args_and_environ)
{
    wasi_ctx *ctx = tw_ctx();
    CHECK_INT(CALL(wasi_args_sizes_get, P_OUT, P_OUT + 4), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 3);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT + 4), 5 + 4 + 1); /* "prog\0a b\0\0" */
    CHECK_INT(CALL(wasi_args_get, P_IOV, P_BUF), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_IOV), P_BUF);
    CHECK_INT(wasi_ld32(&tw_m, P_IOV + 4), P_BUF + 5);
    CHECK_INT(wasi_ld32(&tw_m, P_IOV + 8), P_BUF + 9);
    CHECK(memcmp(tw_mem + P_BUF, "prog\0a b\0\0", 10) == 0);
    CHECK_INT(CALL(wasi_environ_sizes_get, P_OUT, P_OUT + 4), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 2);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT + 4), 4 + 7);
    CHECK_INT(CALL(wasi_environ_get, P_IOV, P_BUF), WASI_ESUCCESS);
    CHECK_STR((char *)tw_mem + wasi_ld32(&tw_m, P_IOV + 4), "EMPTY=");
    /* the string area must fit entirely */
    CHECK_INT(CALL(wasi_args_get, P_IOV, MEM_SIZE - 9), WASI_EFAULT);
    CHECK_INT(CALL(wasi_args_get, MEM_SIZE - 8, P_BUF), WASI_EFAULT);
    CHECK_INT(CALL(wasi_args_sizes_get, P_OUT, MEM_SIZE - 2), WASI_EFAULT);
    tw_done(ctx);
}

TEST(clocks)
{
    wasi_ctx *ctx = tw_ctx();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    CHECK_INT(CALL(wasi_clock_time_get, WASI_CLOCK_REALTIME, 1, P_OUT), WASI_ESUCCESS);
    uint64_t t = wasi_ld64(&tw_m, P_OUT);
    CHECK(t / 1000000000u >= (uint64_t)ts.tv_sec && t / 1000000000u <= (uint64_t)ts.tv_sec + 2);
    for (uint32_t id = 0; id < 4; id++) {
        CHECK_INT(CALL(wasi_clock_time_get, id, 0, P_OUT), WASI_ESUCCESS);
        CHECK_INT(CALL(wasi_clock_res_get, id, P_OUT), WASI_ESUCCESS);
        CHECK(wasi_ld64(&tw_m, P_OUT) > 0);
    }
    CHECK_INT(CALL(wasi_clock_time_get, WASI_CLOCK_MONOTONIC, 0, P_OUT), WASI_ESUCCESS);
    uint64_t m1 = wasi_ld64(&tw_m, P_OUT);
    CHECK_INT(CALL(wasi_clock_time_get, WASI_CLOCK_MONOTONIC, 0, P_OUT), WASI_ESUCCESS);
    CHECK(wasi_ld64(&tw_m, P_OUT) >= m1);
    CHECK_INT(CALL(wasi_clock_time_get, 4, 0, P_OUT), WASI_EINVAL);
    CHECK_INT(CALL(wasi_clock_res_get, 99, P_OUT), WASI_EINVAL);
    CHECK_INT(CALL(wasi_clock_time_get, 0, 0, MEM_SIZE - 7), WASI_EFAULT);
    tw_done(ctx);
}

TEST(random)
{
    wasi_ctx *ctx = tw_ctx();
    CHECK_INT(CALL(wasi_random_get, P_BUF, 64), WASI_ESUCCESS);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero += tw_mem[P_BUF + i] != 0;
    CHECK(nonzero > 32);
    CHECK_INT(CALL(wasi_random_get, MEM_SIZE - 10, 11), WASI_EFAULT);
    CHECK_INT(CALL(wasi_random_get, 0, 0), WASI_ESUCCESS);
    tw_done(ctx);
}

TEST(proc_exit_and_raise)
{
    wasi_ctx *ctx = tw_ctx();
    CHECK_INT(CALL(wasi_proc_exit, 42), WASI_RET_EXIT);
    CHECK_INT(ctx->exit_status, 42);
    CHECK_INT(CALL(wasi_proc_raise, 15), WASI_RET_EXIT); /* SIGTERM */
    CHECK_INT(ctx->exit_status, 128 + 15);
    CHECK_INT(CALL(wasi_proc_raise, 30), WASI_RET_EXIT); /* WASI SIGSYS is Linux 31 */
    CHECK_INT(ctx->exit_status, 128 + 31);
    CHECK_INT(CALL(wasi_proc_raise, 16), WASI_ESUCCESS); /* SIGCHLD: ignored */
    CHECK_INT(CALL(wasi_proc_raise, 13), WASI_ESUCCESS); /* SIGPIPE: ignored per witx */
    CHECK_INT(CALL(wasi_proc_raise, 9), WASI_RET_EXIT);  /* SIGKILL */
    CHECK_INT(ctx->exit_status, 137);
    CHECK_INT(CALL(wasi_proc_raise, 0), WASI_EINVAL);
    CHECK_INT(CALL(wasi_proc_raise, 31), WASI_EINVAL);
    CHECK_INT(CALL(wasi_sched_yield, 0), WASI_ESUCCESS);
    tw_done(ctx);
}

static uint64_t now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Write a preview1 clock subscription at `p`. */
static void sub_clock(uint64_t p, uint64_t userdata, uint32_t id, uint64_t timeout, uint16_t flags)
{
    memset(tw_mem + p, 0, WASI_SUBSCRIPTION_SIZE);
    wasi_st64(&tw_m, p, userdata);
    tw_mem[p + 8] = WASI_EVENTTYPE_CLOCK;
    wasi_st32(&tw_m, p + 16, id);
    wasi_st64(&tw_m, p + 24, timeout);
    wasi_st16(&tw_m, p + 40, flags);
}

static void sub_fd(uint64_t p, uint64_t userdata, uint8_t type, uint32_t fd)
{
    memset(tw_mem + p, 0, WASI_SUBSCRIPTION_SIZE);
    wasi_st64(&tw_m, p, userdata);
    tw_mem[p + 8] = type;
    wasi_st32(&tw_m, p + 16, fd);
}

TEST(poll_clocks)
{
    wasi_ctx *ctx = tw_ctx();
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    sub_clock(P_BUF, 7, WASI_CLOCK_MONOTONIC, 20000000, 0); /* 20 ms relative */
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, P_PATH, 1, P_OUT), WASI_ESUCCESS);
    uint64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(dt >= 20000000 && dt < 1000000000);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 1);
    CHECK_INT(wasi_ld64(&tw_m, P_PATH), 7);
    CHECK_INT(wasi_ld16(&tw_m, P_PATH + 8), 0);
    CHECK_INT(tw_mem[P_PATH + 10], WASI_EVENTTYPE_CLOCK);
    /* absolute realtime deadline 30 ms ahead, and a 5 s one that must not fire */
    t0 = now_ns(CLOCK_MONOTONIC);
    sub_clock(P_BUF, 1, WASI_CLOCK_REALTIME, now_ns(CLOCK_REALTIME) + 30000000,
              WASI_SUBCLOCKFLAG_ABSTIME);
    sub_clock(P_BUF + 48, 2, WASI_CLOCK_MONOTONIC, 5000000000ull, 0);
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, P_PATH, 2, P_OUT), WASI_ESUCCESS);
    dt = now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(dt >= 25000000 && dt < 2000000000);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 1);
    CHECK_INT(wasi_ld64(&tw_m, P_PATH), 1);
    /* an absolute time in the past fires at once */
    sub_clock(P_BUF, 3, WASI_CLOCK_MONOTONIC, 1, WASI_SUBCLOCKFLAG_ABSTIME);
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, P_PATH, 1, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 1);
    /* bad clock id: an event carrying EINVAL, not a failed call */
    sub_clock(P_BUF, 4, 9, 0, 0);
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, P_PATH, 1, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld16(&tw_m, P_PATH + 8), WASI_EINVAL);
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, P_PATH, 0, P_OUT), WASI_EINVAL);
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, MEM_SIZE - 16, 1, P_OUT), WASI_EFAULT);
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, P_PATH, 0x10000000, P_OUT), WASI_EFAULT);
    tw_done(ctx);
}

TEST(poll_unstable_layout)
{
    wasi_ctx *ctx = tw_ctx();
    /* snapshot_0: identifier @16, clock id @24, timeout @32, flags @48; 56 bytes */
    memset(tw_mem + P_BUF, 0, 112);
    wasi_st64(&tw_m, P_BUF, 11);
    tw_mem[P_BUF + 8] = WASI_EVENTTYPE_CLOCK;
    wasi_st32(&tw_m, P_BUF + 24, WASI_CLOCK_MONOTONIC);
    wasi_st64(&tw_m, P_BUF + 32, 5000000000ull);
    wasi_st64(&tw_m, P_BUF + 56, 12);
    tw_mem[P_BUF + 56 + 8] = WASI_EVENTTYPE_CLOCK;
    wasi_st32(&tw_m, P_BUF + 56 + 24, WASI_CLOCK_MONOTONIC);
    wasi_st64(&tw_m, P_BUF + 56 + 32, 1000000);
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    CHECK_INT(CALL(wasi0_poll_oneoff, P_BUF, P_PATH, 2, P_OUT), WASI_ESUCCESS);
    CHECK(now_ns(CLOCK_MONOTONIC) - t0 < 1000000000);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 1);
    CHECK_INT(wasi_ld64(&tw_m, P_PATH), 12);
    tw_done(ctx);
}

TEST(poll_fds)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    tw_plant();
    int dfd = open(tw_root, O_PATH | O_DIRECTORY);
    wasi_preopen pre = {"/", dfd};
    wasi_config cfg = {NULL, 0, NULL, 0, &pre, 1, sv[0], sv[0], 2};
    wasi_ctx *ctx = NULL;
    weft_error *err = NULL;
    CHECK_INT(wasi_ctx_new(&cfg, &ctx, &err), 0);
    close(dfd);
    /* stdin is a socket: write is ready at once, read is not */
    sub_fd(P_BUF, 1, WASI_EVENTTYPE_FD_READ, 0);
    sub_fd(P_BUF + 48, 2, WASI_EVENTTYPE_FD_WRITE, 1);
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, P_PATH, 2, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 1);
    CHECK_INT(wasi_ld64(&tw_m, P_PATH), 2);
    CHECK_INT(tw_mem[P_PATH + 10], WASI_EVENTTYPE_FD_WRITE);
    /* data arrives: read is ready with nbytes; a timeout alongside does not fire */
    CHECK(write(sv[1], "12345", 5) == 5);
    sub_clock(P_BUF + 48, 3, WASI_CLOCK_MONOTONIC, 5000000000ull, 0);
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, P_PATH, 2, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 1);
    CHECK_INT(wasi_ld64(&tw_m, P_PATH), 1);
    CHECK_INT(wasi_ld64(&tw_m, P_PATH + 16), 5);
    /* a bad fd gives an EBADF event */
    sub_fd(P_BUF, 9, WASI_EVENTTYPE_FD_READ, 42);
    CHECK_INT(CALL(wasi_poll_oneoff, P_BUF, P_PATH, 1, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld16(&tw_m, P_PATH + 8), WASI_EBADF);
    /* sockets: recv/send/shutdown on the socketpair */
    wasi_st32(&tw_m, P_IOV, P_BUF);
    wasi_st32(&tw_m, P_IOV + 4, 3);
    CHECK_INT(CALL(wasi_sock_recv, 0, P_IOV, 1, WASI_RIFLAG_RECV_PEEK, P_OUT, P_OUT + 4),
              WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 3);
    wasi_st32(&tw_m, P_IOV + 4, 10);
    CHECK_INT(CALL(wasi_sock_recv, 0, P_IOV, 1, 0, P_OUT, P_OUT + 4), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 5);
    CHECK(memcmp(tw_mem + P_BUF, "12345", 5) == 0);
    CHECK_INT(CALL(wasi_sock_send, 1, P_IOV, 1, 0, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 10);
    CHECK_INT(CALL(wasi_sock_send, 1, P_IOV, 1, 1, P_OUT), WASI_EINVAL);
    CHECK_INT(CALL(wasi_sock_shutdown, 1, WASI_SDFLAG_WR), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_sock_shutdown, 1, 4), WASI_EINVAL);
    /* not a socket: ENOTSOCK, as the reference engines say (not ENOTCAPABLE) */
    CHECK_INT(CALL(wasi_sock_shutdown, 3, WASI_SDFLAG_WR), WASI_ENOTSOCK);
    CHECK_INT(CALL(wasi_sock_accept, 0, 0, P_OUT), WASI_EINVAL); /* not listening */
    char buf[16];
    CHECK(read(sv[1], buf, sizeof(buf)) == 10);
    CHECK(read(sv[1], buf, sizeof(buf)) == 0); /* shut down for writing */
    wasi_ctx_free(ctx);
    close(sv[0]);
    close(sv[1]);
    tw_cleanup();
}

TEST(sock_accept_on_listening_socket)
{
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/weft-wasi-sock-%d", (int)getpid());
    unlink(addr.sun_path);
    CHECK(bind(ls, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    CHECK(listen(ls, 4) == 0);
    wasi_config cfg = {NULL, 0, NULL, 0, NULL, 0, ls, 1, 2};
    wasi_ctx *ctx = NULL;
    weft_error *err = NULL;
    CHECK_INT(wasi_ctx_new(&cfg, &ctx, &err), 0);
    /* a non-blocking listener has nothing to accept yet */
    CHECK_INT(CALL(wasi_fd_fdstat_set_flags, 0, WASI_FDFLAG_NONBLOCK), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_sock_accept, 0, 0, P_OUT), WASI_EAGAIN);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(c, (struct sockaddr *)&addr, sizeof(addr)) == 0);
    /* the flags argument makes the accepted socket non-blocking */
    wasi_st32(&tw_m, P_IOV, P_BUF);
    wasi_st32(&tw_m, P_IOV + 4, 16);
    CHECK_INT(CALL(wasi_sock_accept, 0, WASI_FDFLAG_NONBLOCK, P_OUT), WASI_ESUCCESS);
    uint32_t fd = wasi_ld32(&tw_m, P_OUT);
    CHECK_INT(fd, 3);
    CHECK_INT(CALL(wasi_fd_fdstat_get, fd, P_OUT), WASI_ESUCCESS);
    CHECK_INT(tw_mem[P_OUT], WASI_FILETYPE_SOCKET_STREAM);
    CHECK_INT(wasi_ld16(&tw_m, P_OUT + 2), WASI_FDFLAG_NONBLOCK);
    CHECK_INT(CALL(wasi_fd_read, fd, P_IOV, 1, P_OUT), WASI_EAGAIN);
    CHECK(write(c, "ping", 4) == 4);
    CHECK_INT(CALL(wasi_fd_read, fd, P_IOV, 1, P_OUT), WASI_ESUCCESS);
    CHECK_INT(wasi_ld32(&tw_m, P_OUT), 4);
    CHECK_INT(CALL(wasi_sock_accept, fd, 0, P_OUT), WASI_ENOTCAPABLE); /* no SOCK_ACCEPT right */
    CHECK_INT(CALL(wasi_sock_accept, 1, 0, P_OUT), WASI_ENOTSOCK);     /* not a socket */
    wasi_ctx_free(ctx);
    close(c);
    close(ls);
    unlink(addr.sun_path);
}

TEST(host_stdio_flags_restored)
{
    int p[2];
    CHECK(pipe(p) == 0);
    wasi_config cfg = {NULL, 0, NULL, 0, NULL, 0, p[0], p[1], 2};
    wasi_ctx *ctx = NULL;
    weft_error *err = NULL;
    CHECK_INT(wasi_ctx_new(&cfg, &ctx, &err), 0);
    CHECK_INT(CALL(wasi_fd_fdstat_set_flags, 0, WASI_FDFLAG_NONBLOCK), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_fdstat_set_flags, 1, WASI_FDFLAG_NONBLOCK), WASI_ESUCCESS);
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK); /* shared with the host's descriptor */
    CHECK_INT(CALL(wasi_fd_close, 1), WASI_ESUCCESS);
    CHECK(!(fcntl(p[1], F_GETFL) & O_NONBLOCK)); /* put back on close */
    wasi_ctx_free(ctx);
    CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK)); /* and when the context ends */
    close(p[0]);
    close(p[1]);
}

TEST(closed_stdio_keeps_numbering)
{
    tw_plant();
    int dfd = open(tw_root, O_PATH | O_DIRECTORY);
    wasi_preopen pre = {"/", dfd};
    wasi_config cfg = {NULL, 0, NULL, 0, &pre, 1, -1, 1, 2};
    wasi_ctx *ctx = NULL;
    weft_error *err = NULL;
    CHECK_INT(wasi_ctx_new(&cfg, &ctx, &err), 0);
    close(dfd);
    CHECK_INT(CALL(wasi_fd_prestat_get, 3, P_OUT), WASI_ESUCCESS);
    CHECK_INT(CALL(wasi_fd_fdstat_get, 0, P_OUT), WASI_EBADF);
    wasi_ctx_free(ctx);
    /* a preopen that is not a directory is refused */
    int f = open("/etc/hostname", O_RDONLY);
    pre.host_fd = f;
    CHECK_INT(wasi_ctx_new(&cfg, &ctx, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "preopen /") != NULL);
    werr_free(err);
    close(f);
    tw_cleanup();
}

TEST(errno_mapping)
{
    static const struct {
        int host;
        uint16_t wasi;
    } map[] = {
        {0, 0},
        {E2BIG, 1},
        {EACCES, 2},
        {EADDRINUSE, 3},
        {EADDRNOTAVAIL, 4},
        {EAFNOSUPPORT, 5},
        {EAGAIN, 6},
        {EALREADY, 7},
        {EBADF, 8},
        {EBADMSG, 9},
        {EBUSY, 10},
        {ECANCELED, 11},
        {ECHILD, 12},
        {ECONNABORTED, 13},
        {ECONNREFUSED, 14},
        {ECONNRESET, 15},
        {EDEADLK, 16},
        {EDESTADDRREQ, 17},
        {EDOM, 18},
        {EDQUOT, 19},
        {EEXIST, 20},
        {EFAULT, 21},
        {EFBIG, 22},
        {EHOSTUNREACH, 23},
        {EIDRM, 24},
        {EILSEQ, 25},
        {EINPROGRESS, 26},
        {EINTR, 27},
        {EINVAL, 28},
        {EIO, 29},
        {EISCONN, 30},
        {EISDIR, 31},
        {ELOOP, 32},
        {EMFILE, 33},
        {EMLINK, 34},
        {EMSGSIZE, 35},
        {EMULTIHOP, 36},
        {ENAMETOOLONG, 37},
        {ENETDOWN, 38},
        {ENETRESET, 39},
        {ENETUNREACH, 40},
        {ENFILE, 41},
        {ENOBUFS, 42},
        {ENODEV, 43},
        {ENOENT, 44},
        {ENOEXEC, 45},
        {ENOLCK, 46},
        {ENOLINK, 47},
        {ENOMEM, 48},
        {ENOMSG, 49},
        {ENOPROTOOPT, 50},
        {ENOSPC, 51},
        {ENOSYS, 52},
        {ENOTCONN, 53},
        {ENOTDIR, 54},
        {ENOTEMPTY, 55},
        {ENOTRECOVERABLE, 56},
        {ENOTSOCK, 57},
        {ENOTSUP, 58},
        {EOPNOTSUPP, 58},
        {ENOTTY, 59},
        {ENXIO, 60},
        {EOVERFLOW, 61},
        {EOWNERDEAD, 62},
        {EPERM, 63},
        {EPIPE, 64},
        {EPROTO, 65},
        {EPROTONOSUPPORT, 66},
        {EPROTOTYPE, 67},
        {ERANGE, 68},
        {EROFS, 69},
        {ESPIPE, 70},
        {ESRCH, 71},
        {ESTALE, 72},
        {ETIMEDOUT, 73},
        {ETXTBSY, 74},
        {EXDEV, 75},
        {EWOULDBLOCK, 6},
        {ENOMEDIUM, 29},
        {EHWPOISON, 29},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (wasi_errno_from_host(map[i].host) != map[i].wasi)
            fprintf(stderr, "host errno %d\n", map[i].host);
        CHECK_INT(wasi_errno_from_host(map[i].host), map[i].wasi);
    }
    /* escapes found by the resolver are "not capable", not "cross-device" */
    CHECK_INT(wasi_resolve_errno(EXDEV), WASI_ENOTCAPABLE);
    CHECK_INT(wasi_resolve_errno(ENOENT), WASI_ENOENT);
}

TEST(function_tables)
{
    /* every preview1 function, with the witx signature in wasm types */
    static const char *const sigs[][2] = {
        {"args_get", "ii"},
        {"args_sizes_get", "ii"},
        {"environ_get", "ii"},
        {"environ_sizes_get", "ii"},
        {"clock_res_get", "ii"},
        {"clock_time_get", "iIi"},
        {"fd_advise", "iIIi"},
        {"fd_allocate", "iII"},
        {"fd_close", "i"},
        {"fd_datasync", "i"},
        {"fd_fdstat_get", "ii"},
        {"fd_fdstat_set_flags", "ii"},
        {"fd_fdstat_set_rights", "iII"},
        {"fd_filestat_get", "ii"},
        {"fd_filestat_set_size", "iI"},
        {"fd_filestat_set_times", "iIIi"},
        {"fd_pread", "iiiIi"},
        {"fd_prestat_get", "ii"},
        {"fd_prestat_dir_name", "iii"},
        {"fd_pwrite", "iiiIi"},
        {"fd_read", "iiii"},
        {"fd_readdir", "iiiIi"},
        {"fd_renumber", "ii"},
        {"fd_seek", "iIii"},
        {"fd_sync", "i"},
        {"fd_tell", "ii"},
        {"fd_write", "iiii"},
        {"path_create_directory", "iii"},
        {"path_filestat_get", "iiiii"},
        {"path_filestat_set_times", "iiiiIIi"},
        {"path_link", "iiiiiii"},
        {"path_open", "iiiiiIIii"},
        {"path_readlink", "iiiiii"},
        {"path_remove_directory", "iii"},
        {"path_rename", "iiiiii"},
        {"path_symlink", "iiiii"},
        {"path_unlink_file", "iii"},
        {"poll_oneoff", "iiii"},
        {"proc_exit", "i"},
        {"proc_raise", "i"},
        {"sched_yield", ""},
        {"random_get", "ii"},
        {"sock_accept", "iii"},
        {"sock_recv", "iiiiii"},
        {"sock_send", "iiiii"},
        {"sock_shutdown", "ii"},
    };
    size_t n = 0;
    for (const wasi_func *f = wasi_preview1_funcs; f->name; f++)
        n++;
    CHECK_INT(n, sizeof(sigs) / sizeof(sigs[0]));
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        const wasi_func *f = wasi_find_func(wasi_preview1_funcs, sigs[i][0]);
        CHECK(f != NULL);
        if (f == NULL)
            continue;
        CHECK_STR(f->params, sigs[i][1]);
        CHECK_STR(f->results, strcmp(sigs[i][0], "proc_exit") == 0 ? "" : "i");
        const wasi_func *u = wasi_find_func(wasi_unstable_funcs, sigs[i][0]);
        if (strcmp(sigs[i][0], "sock_accept") == 0)
            CHECK(u == NULL);
        else
            CHECK(u != NULL && strcmp(u->params, f->params) == 0);
    }
    CHECK(wasi_find_func(wasi_unstable_funcs, "fd_seek")->fn == wasi0_fd_seek);
    CHECK(wasi_find_func(wasi_unstable_funcs, "poll_oneoff")->fn == wasi0_poll_oneoff);
}

UNIT_MAIN()
