/* Liveness of frame slots over a function's internal code (jit_live.c), for
 * the template compiler: which slots a call must save and restore, which
 * stores of temporaries nothing reads. */
#ifndef WEFT_WASM_JIT_LIVE_H
#define WEFT_WASM_JIT_LIVE_H

#include "wasm/module.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JLIVE_MAX 64 /* slots tracked per function (one bit each) */

typedef struct wf_jit_live {
    uint32_t ntrack;
    uint32_t track[JLIVE_MAX]; /* bit b stands for slot track[b] */
    int8_t *bit;               /* slot -> its bit, -1 when untracked (max_height entries) */
    /* per op index k (c->ops[k]): the tracked slots the op reads (from
     * memory or a register, on any path), those it writes on every path
     * out of it, and those live after it (read later, on some path, before
     * being written) */
    uint64_t *use, *def, *out;
} wf_jit_live;

/* The slots an op reads and writes, exactly from its code.h format: calls
 * f(arg, lo, n, write) for each range [lo, lo + n) of slots; a write is one
 * done on every path out of the op. An op whose format is not known here
 * reports every immediate word as a slot read, and no write. */
void wf_jit_op_slots(const wf_module *m, const wf_code *c, size_t pos, size_t end,
                     void (*f)(void *, uint64_t, uint64_t, bool), void *arg);

/* Tracks slots[0..n) (at most JLIVE_MAX; the compiler passes the slots it
 * keeps in registers, then others it may not store), and computes the
 * tables over c's control flow (branches, br_table, loops' back edges). */
void wf_jit_live_compute(const wf_module *m, const wf_code *c, const uint32_t *slots, size_t n,
                         wf_jit_live *lv);
void wf_jit_live_free(wf_jit_live *lv);

/* the bits of the tracked slots among [lo, lo + n) */
uint64_t wf_jit_live_range(const wf_jit_live *lv, const wf_code *c, uint64_t lo, uint64_t n);

/* whether slot s may be read after op k: true for an untracked slot */
static inline bool wf_jit_live_after(const wf_jit_live *lv, const wf_code *c, size_t k, uint64_t s)
{
    if (s >= c->max_height || lv->bit[s] < 0)
        return true;
    return lv->out[k] >> lv->bit[s] & 1;
}

#endif
