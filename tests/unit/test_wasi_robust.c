/* Robustness: every host function called many times with hostile arguments
 * (edge pointers and lengths, random fds, random memory contents) must
 * return a WASI errno or end the run, never crash, and never touch anything
 * outside the preopen. Deterministic (fixed PRNG seed); run under ASan by
 * `make check-asan`. */
#include "test_wasi_util.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* An argument biased towards the values that break bounds checks. */
static uint64_t hostile(char type)
{
    static const uint64_t edges[] = {
        0,          1,          3,          4,         8, MEM_SIZE - 1, MEM_SIZE, MEM_SIZE - 8,
        0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff8};
    uint64_t r = next();
    switch (r % 4) {
    case 0:
        return edges[(r >> 8) % (sizeof(edges) / sizeof(edges[0]))];
    case 1:
        return (r >> 8) % 8; /* small: fds, flags, whence */
    case 2:
        return (r >> 8) % MEM_SIZE;
    default:
        return type == 'I' ? r : (uint32_t)r;
    }
}

static bool host_exists(const char *rel)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", tw_tmp, rel);
    return lstat(p, &st) == 0;
}

TEST(hostile_arguments_never_crash_or_escape)
{
    wasi_ctx *ctx = tw_ctx();
    /* stdio on /dev/null so reads never block */
    int null = open("/dev/null", O_RDWR);
    wasi_config cfg = {NULL, 0, NULL, 0, NULL, 0, null, null, null};
    int dfd = open(tw_root, O_PATH | O_DIRECTORY);
    wasi_preopen pre = {"/", dfd, false};
    cfg.preopens = &pre;
    cfg.n_preopens = 1;
    wasi_ctx_free(ctx);
    weft_error *err = NULL;
    CHECK_INT(wasi_ctx_new(&cfg, &ctx, &err), 0);
    close(dfd);
    close(null);
    /* Functions that could block for a guest-chosen time or allocate
     * guest-chosen disk space are left out. */
    static const char *const skip[] = {"poll_oneoff", "fd_allocate", "sock_accept", "sock_recv"};
    int calls = 0, bad = 0;
    for (int round = 0; round < 400; round++) {
        for (size_t i = 0; i < MEM_SIZE; i += 8) {
            uint64_t r = next();
            memcpy(tw_mem + i, &r, 8);
        }
        /* some plausible paths to hit real code paths */
        memcpy(tw_mem + 4, "../x", 4);
        memcpy(tw_mem + 64, "sub/out/secret.txt", 18);
        for (const wasi_func *f = wasi_preview1_funcs; f->name; f++) {
            bool skipped = false;
            for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
                skipped |= strcmp(f->name, skip[k]) == 0;
            if (skipped)
                continue;
            uint64_t a[10] = {0};
            for (size_t k = 0; f->params[k]; k++)
                a[k] = hostile(f->params[k]);
            uint32_t r = f->fn(ctx, &tw_m, a);
            calls++;
            if (r > WASI_ENOTCAPABLE && r != WASI_RET_EXIT) {
                fprintf(stderr, "%s returned %u\n", f->name, r);
                bad++;
            }
        }
    }
    CHECK(calls > 10000);
    CHECK_INT(bad, 0);
    /* nothing appeared next to the preopen, the secret is untouched */
    char p[128], buf[16] = {0};
    snprintf(p, sizeof(p), "%s/secret.txt", tw_tmp);
    int fd = open(p, O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 6 && strcmp(buf, "SECRET") == 0);
    close(fd);
    CHECK(host_exists("root") && host_exists("secret.txt"));
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 2", tw_tmp);
    CHECK_INT(system(cmd), 0);
    tw_done(ctx);
}

UNIT_MAIN()
