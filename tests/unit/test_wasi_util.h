/* Shared by the test_wasi_*.c unit tests: a fake linear memory, a WASI
 * context over a freshly planted directory tree, and call helpers. */
#ifndef WEFT_TESTS_WASI_UTIL_H
#define WEFT_TESTS_WASI_UTIL_H

#include "unit.h"
#include "wasi/internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define MEM_SIZE 65536
__attribute__((unused)) static uint8_t tw_mem[MEM_SIZE];
__attribute__((unused)) static wasi_mem tw_m = {tw_mem, MEM_SIZE};
__attribute__((
    unused)) static char tw_tmp[64]; /* the temp dir: secret.txt lives here, outside the preopen */
__attribute__((unused)) static char tw_root[96]; /* the preopen, fd 3 */

/* Fixed guest addresses for arguments. */
enum { P_PATH = 1024, P_PATH2 = 2048, P_OUT = 4096, P_BUF = 8192, P_IOV = 512 };

static inline void tw_write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            perror(path);
        close(fd);
    }
}

/* root/ file.txt sub/{inner.txt, dotdot->.., out->../..} escape->/ up->../../..
 * abs->/etc/passwd loop1<->loop2 inlink->sub/inner.txt; tmp/secret.txt outside. */
static inline void tw_plant(void)
{
    snprintf(tw_tmp, sizeof(tw_tmp), "/tmp/weft-wasi-XXXXXX");
    if (mkdtemp(tw_tmp) == NULL)
        abort();
    snprintf(tw_root, sizeof(tw_root), "%s/root", tw_tmp);
    char p[256];
    mkdir(tw_root, 0755);
    snprintf(p, sizeof(p), "%s/secret.txt", tw_tmp);
    tw_write_file(p, "SECRET");
    snprintf(p, sizeof(p), "%s/file.txt", tw_root);
    tw_write_file(p, "hello");
    snprintf(p, sizeof(p), "%s/sub", tw_root);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/sub/inner.txt", tw_root);
    tw_write_file(p, "inner");
    const char *links[][2] = {
        {"/", "escape"},      {"../../..", "up"},   {"/etc/passwd", "abs"},
        {"loop2", "loop1"},   {"loop1", "loop2"},   {"sub/inner.txt", "inlink"},
        {"..", "sub/dotdot"}, {"../..", "sub/out"}, {"../secret.txt", "sec"},
        {"/tmp", "tmplink"},  {"sub", "sublink"},
    };
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", tw_root, links[i][1]);
        if (symlink(links[i][0], p) < 0)
            perror(p);
    }
}

static inline void tw_cleanup(void)
{
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tw_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

/* A context with preopen "/sandbox" (fd 3) over a planted tree; `in_root`
 * selects chroot-like resolution (and plants root/etc/passwd = "FAKE"). */
static inline wasi_ctx *tw_ctx_mode(bool in_root)
{
    tw_plant();
    if (in_root) {
        char p[256];
        snprintf(p, sizeof(p), "%s/etc", tw_root);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/etc/passwd", tw_root);
        tw_write_file(p, "FAKE");
    }
    int dfd = open(tw_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    wasi_preopen pre = {"/sandbox", dfd, in_root};
    char *argv[] = {"prog", "a b", ""};
    char *envp[] = {"K=V", "EMPTY="};
    wasi_config cfg = {argv, 3, envp, 2, &pre, 1, 0, 1, 2};
    wasi_ctx *ctx = NULL;
    weft_error *err = NULL;
    if (wasi_ctx_new(&cfg, &ctx, &err) < 0) {
        fprintf(stderr, "wasi_ctx_new: %s\n", err->msg);
        abort();
    }
    close(dfd); /* the context holds its own copy */
    memset(tw_mem, 0, sizeof(tw_mem));
    return ctx;
}

static inline wasi_ctx *tw_ctx(void)
{
    return tw_ctx_mode(false);
}

static inline void tw_done(wasi_ctx *ctx)
{
    wasi_ctx_free(ctx);
    tw_cleanup();
}

/* Put a string at a guest address, return its length. */
static inline uint64_t tw_str(uint64_t at, const char *s)
{
    size_t n = strlen(s);
    memcpy(tw_mem + at, s, n);
    return n;
}

#define CALL(fn, ...) fn(ctx, &tw_m, (const uint64_t[]){__VA_ARGS__})

/* path_open relative to the preopen with full rights; returns errno, *fd the new fd */
static inline uint32_t tw_open(wasi_ctx *ctx, const char *path, uint32_t lookup, uint32_t oflags,
                               uint64_t rights, uint32_t *fd)
{
    uint64_t n = tw_str(P_PATH, path);
    uint32_t e =
        CALL(wasi_path_open, 3, lookup, P_PATH, n, oflags, rights, WASI_RIGHTS_ALL, 0, P_OUT);
    *fd = e == WASI_ESUCCESS ? wasi_ld32(&tw_m, P_OUT) : UINT32_MAX;
    return e;
}

#define RW (WASI_RIGHTS_REGULAR_FILE)
#define RO                                                                                         \
    (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_READDIR)

/* Read a whole small file through fd_read into a static buffer. */
static inline const char *tw_read_all(wasi_ctx *ctx, uint32_t fd)
{
    static char out[512];
    wasi_st32(&tw_m, P_IOV, P_BUF);
    wasi_st32(&tw_m, P_IOV + 4, sizeof(out) - 1);
    if (CALL(wasi_fd_read, fd, P_IOV, 1, P_OUT) != WASI_ESUCCESS)
        return "(read error)";
    uint32_t n = wasi_ld32(&tw_m, P_OUT);
    memcpy(out, tw_mem + P_BUF, n);
    out[n] = '\0';
    return out;
}

#endif
