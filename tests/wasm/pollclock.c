/* Clocks, sleeping through poll_oneoff, random bytes and fd polling; prints
 * only facts that do not depend on timing so the output can be compared. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

static long long ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
    struct timespec res;
    printf("realtime res ok: %d\n", clock_getres(CLOCK_REALTIME, &res) == 0 && res.tv_nsec > 0);
    printf("realtime after 2020: %d\n", ns(CLOCK_REALTIME) > 1577836800LL * 1000000000LL);
    long long t0 = ns(CLOCK_MONOTONIC);
    struct timespec req = {0, 50 * 1000000};
    int r = nanosleep(&req, NULL);
    long long dt = ns(CLOCK_MONOTONIC) - t0;
    printf("nanosleep 50ms: r=%d slept>=50ms: %d\n", r, dt >= 50000000LL);

    /* an absolute deadline through the raw API */
    __wasi_timestamp_t now;
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &now) != 0)
        return 1;
    __wasi_subscription_t subs[2] = {0};
    subs[0].userdata = 42;
    subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[0].u.u.clock.timeout = now + 20000000;
    subs[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    subs[1].userdata = 43;
    subs[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[1].u.u.clock.timeout = 10ULL * 1000000000ULL;
    __wasi_event_t ev[2];
    __wasi_size_t nev = 0;
    __wasi_errno_t e = __wasi_poll_oneoff(subs, ev, 2, &nev);
    printf("poll abs: errno=%d nevents=%u userdata=%llu type=%d\n", e, (unsigned)nev,
           (unsigned long long)ev[0].userdata, ev[0].type);
    e = __wasi_poll_oneoff(subs, ev, 0, &nev);
    printf("poll zero subs: errno=%d\n", e);

    /* stdout is writable at once */
    struct pollfd pfd = {.fd = 1, .events = POLLOUT};
    printf("poll stdout: %d revents_out=%d\n", poll(&pfd, 1, 1000), (pfd.revents & POLLOUT) != 0);

    unsigned char buf[32];
    int nz = 0;
    r = getentropy(buf, sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        nz += buf[i] != 0;
    printf("getentropy: r=%d mostly-nonzero=%d\n", r, nz > 16);
    long long c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
    volatile unsigned x = 0;
    for (unsigned i = 0; i < 10000000; i++)
        x += i;
    printf("cputime advances: %d\n", ns(CLOCK_PROCESS_CPUTIME_ID) > c0 && x != 1);
    printf("sched_yield: %d\n", sched_yield());
    return 0;
}
