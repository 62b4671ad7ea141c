/* WEFT_PERFMAP=1: a perf map of the compiled functions (jit_perfmap.c). */
#ifndef WEFT_WASM_JIT_PERFMAP_H
#define WEFT_WASM_JIT_PERFMAP_H

#include "wasm/module.h"

#include <stddef.h>
#include <stdint.h>

/* Function fidx (in the function index space) of m is at `at`, len bytes:
 * a line of /tmp/perf-PID.map when WEFT_PERFMAP=1, else nothing. */
void wf_jit_perfmap_placed(const wf_module *m, uint32_t fidx, const void *at, size_t len);

#endif
