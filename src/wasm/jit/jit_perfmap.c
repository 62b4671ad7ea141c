/* A perf map of the compiled code, for profilers: with WEFT_PERFMAP=1 in
 * the environment, each function placed in a code arena (compiled, or taken
 * from an AOT cache file) adds the line
 *   START SIZE NAME
 * (hexadecimal address and length, then the function's name from the
 * module's name section, or wasm-function[N] with N its index in the
 * function index space) to /tmp/perf-PID.map, the file `perf report` reads
 * for code it cannot find in a mapped file. Lines are appended as functions
 * are placed (compilation is lazy), so the file grows while the program
 * runs. */
#include "wasm/jit/jit_perfmap.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int state; /* 0: not asked yet, 1: on, -1: off (or the file failed) */
static FILE *map;

static bool perfmap_on(void)
{
    if (state == 0) {
        const char *e = getenv("WEFT_PERFMAP");
        state = e && strcmp(e, "1") == 0 ? 1 : -1;
    }
    if (state == 1 && map == NULL) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
        map = fopen(path, "ae");
        if (map == NULL) {
            log_debug("wasm: WEFT_PERFMAP: cannot open %s: %s", path, strerror(errno));
            state = -1;
        }
    }
    return state == 1;
}

/* a name as one line: control characters would break perf's format */
static void put_name(const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, map);
}

void wf_jit_perfmap_placed(const wf_module *m, uint32_t fidx, const void *at, size_t len)
{
    if (!perfmap_on())
        return;
    fprintf(map, "%lx %zx ", (unsigned long)(uintptr_t)at, len);
    if (m->func_names && m->func_names[fidx] && m->func_names[fidx][0])
        put_name(m->func_names[fidx]);
    else
        fprintf(map, "wasm-function[%u]", fidx);
    fputc('\n', map);
    /* flushed now: the process may end by a signal or _exit, and a
     * profiler reads the file after it */
    fflush(map);
}
