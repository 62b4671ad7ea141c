/* Output for the wasm-interp build of a benchmark (-include bench_io.h).
 *
 * Debian's wabt is built without WASI, so wasm-interp cannot run a WASI
 * command. run.sh therefore also builds each program as a module without
 * WASI imports: main() becomes bench_main(), called by the export `run`
 * (interp_main.c) with the workload compiled in, and printf() sends each
 * character to wasm-interp's `host.print` import (--host-print), whose
 * trace run.sh decodes back into text to compare with the native output. */
#ifndef BENCH_IO_H
#define BENCH_IO_H
#ifdef BENCH_HOST_PRINT
#include <stdarg.h>
#include <stdio.h>

__attribute__((import_module("host"), import_name("print"))) void host_print(int c);

static inline int bench_printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (int i = 0; i < n && i < (int)sizeof buf - 1; i++)
        host_print((unsigned char)buf[i]);
    return n;
}
#define printf bench_printf
#endif
#endif
