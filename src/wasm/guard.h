/* Guarded reservations for 32-bit linear memories (docs/wasm-engine.md,
 * "Memory"): 8 GiB of address space, inaccessible, of which only the
 * memory's current size is made read+write. Any 32-bit index plus a static
 * offset below WF_GUARD_MAX_OFFSET then lands inside the reservation, so the
 * compiled tier accesses such a memory without a bounds check and turns the
 * fault of an out-of-bounds access into the trap (jit/jit_fault.c). */
#ifndef WEFT_WASM_GUARD_H
#define WEFT_WASM_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 4 GiB of index space and 4 GiB of guard after it */
#define WF_GUARD_RESERVE (8ull << 30)
/* the largest offset + access size compiled code may add to a zero-extended
 * 32-bit index without a check: index + offset + size - 1 < WF_GUARD_RESERVE */
#define WF_GUARD_MAX_OFFSET (4ull << 30)

/* Reserve a guarded region (WF_GUARD_RESERVE bytes, no access, not counted
 * against the commit charge): NULL when the address space is refused
 * (RLIMIT_AS, a cap on the address space, the compiled tier off). */
void *wf_guard_reserve(void);
/* Whether a memory created now would be guarded: a reservation tried and
 * given back. Used to pick the variant of code compiled ahead of any
 * instance (wf_module_compile_all, AOT cache files). */
bool wf_guard_probe(void);

#endif
