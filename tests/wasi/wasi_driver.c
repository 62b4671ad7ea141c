/* A small test driver: run a WASI module with weft's engine.
 *   wasi_driver [--dir GUEST::HOST]... [--root-dir GUEST::HOST]... [--env K=V]...
 *               MODULE.wasm [ARGS...]
 * --root-dir preopens with chroot-like resolution (wasi_preopen.in_root).
 * The guest's argv[0] is the module's file name. Exits with the guest's
 * status (134 after a trap), 125 when the run could not start. Stands in
 * for `weft wasm run` in tests/wasi until that command exists. */
#include "util/xalloc.h"
#include "wasi/wasi.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint8_t *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return NULL;
    uint8_t *buf = xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    *len = got;
    return buf;
}

int main(int argc, char **argv)
{
    wasi_preopen pre[16];
    size_t npre = 0;
    char *envp[64];
    size_t envc = 0;
    int i = 1;
    for (; i < argc; i++) {
        bool root = strcmp(argv[i], "--root-dir") == 0;
        if ((root || strcmp(argv[i], "--dir") == 0) && i + 1 < argc && npre < 16) {
            char *spec = argv[++i], *sep = strstr(spec, "::");
            const char *host = sep ? sep + 2 : spec;
            if (sep)
                *sep = '\0';
            pre[npre].guest_path = spec;
            pre[npre].in_root = root;
            pre[npre].host_fd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
            if (pre[npre].host_fd < 0) {
                perror(host);
                return 125;
            }
            npre++;
        } else if (strcmp(argv[i], "--env") == 0 && i + 1 < argc && envc < 64) {
            envp[envc++] = argv[++i];
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: wasi_driver [--dir G::H]... [--env K=V]... M.wasm [ARGS]\n");
        return 125;
    }
    size_t len;
    uint8_t *bytes = slurp(argv[i], &len);
    if (bytes == NULL) {
        perror(argv[i]);
        return 125;
    }
    weft_error *err = NULL;
    wf_module *m = NULL;
    const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
    if (wf_module_load(bytes, len, base, &m, &err) < 0) {
        fprintf(stderr, "wasi_driver: %s\n", err->msg);
        return 125;
    }
    free(bytes);
    char **gargv = argv + i;
    gargv[0] = (char *)base;
    wasi_config cfg = {gargv, (size_t)(argc - i), envp, envc, pre, npre, 0, 1, 2};
    int status = 0;
    if (wasi_run_module(m, &cfg, NULL, &status, &err) < 0) {
        fprintf(stderr, "wasi_driver: %s\n", err->msg);
        status = 125;
    }
    fflush(stdout);
    wf_module_free(m);
    for (size_t k = 0; k < npre; k++)
        close(pre[k].host_fd);
    return status;
}
