/* Which frame slots of a function the template compiler keeps in registers
 * (jit_regs.c): the choice only, independent of the templates. */
#ifndef WEFT_WASM_JIT_REGS_H
#define WEFT_WASM_JIT_REGS_H

#include "wasm/module.h"

#include <stddef.h>
#include <stdint.h>

/* loc[] values: a general register (x64_emit.h numbering), JREG_XMM + n for
 * xmm n, or JREG_NONE (the local lives in its frame slot) */
enum { JREG_NONE = -1, JREG_XMM = 16 };
#define JREG_MAX 24 /* 9 general + 15 xmm registers */

/* Calls f(arg, from, target) for each branch of the op at code index pos
 * (targets are code indices). */
void wf_jit_each_branch(const wf_code *c, size_t pos, void (*f)(void *, size_t, size_t), void *arg);

/* Fills loc[0..c->max_height) for c, a function of m, and returns how
 * many slots got a register; they are listed in slots[0..n), the hottest
 * first. The guarded variant has one general register more (r14). */
size_t wf_jit_alloc_regs(const wf_module *m, const wf_code *c, bool guarded, int8_t *loc,
                         uint32_t slots[JREG_MAX]);

#endif
