/* Slot access for the template compiler: every read or write of a frame
 * slot, the registers some locals live in, and their spills around calls
 * and helpers. Static inline, like x64_emit.h's encoder. */
#ifndef WEFT_WASM_JIT_SLOTS_H
#define WEFT_WASM_JIT_SLOTS_H

#include "wasm/jit/jit_compile.h"

/* ---- slot access ----
 * A local that jit_regs.c gave a register lives there for the whole body:
 * its frame slot is stale, except around calls (spill_call, spill_all).
 * Every read or write of a slot goes through these accessors. */

/* the register holding slot s (JREG_XMM + n for xmm n), or JREG_NONE */
static inline int loc_of(const jc *j, uint64_t s)
{
    int r = s < j->c->max_height ? j->loc[s] : JREG_NONE;
    return j->pinned && (r == RBP || r == R14) ? JREG_NONE : r;
}

/* movsd between xmm n and slot s (store when st): all 64 bits, whatever
 * the slot holds (an f32's upper half is never read) */
static inline void x_slot(jc *j, int n, uint64_t s, bool st)
{
    x_mem(&j->b, 0xF2, false, OPC(0x0F, st ? 0x11 : 0x10), n, RBX, NOIDX, 1, SLOT(s), false);
}

/* the register of local s into its frame slot, or back */
static inline void spill_one(jc *j, uint64_t s)
{
    int r = loc_of(j, s);
    if (r >= JREG_XMM)
        x_slot(j, r - JREG_XMM, s, true);
    else
        x_store64(&j->b, r, RBX, SLOT(s));
}
static inline void load_one(jc *j, uint64_t s)
{
    int r = loc_of(j, s);
    if (r >= JREG_XMM)
        x_slot(j, r - JREG_XMM, s, false);
    else if (j->zx[s])
        x_load32(&j->b, r, RBX, SLOT(s));
    else
        x_load64(&j->b, r, RBX, SLOT(s));
}
/* The register slot s's bit in the current op's liveness masks. */
static inline uint64_t live_bit(const jc *j, uint64_t s)
{
    return (uint64_t)1 << j->live.bit[s];
}
static inline bool live_after(const jc *j, uint64_t s)
{
    return (j->live.out[j->k] & live_bit(j, s)) != 0;
}
/* The slot living in general register r, or -1. */
static inline int64_t slot_in(const jc *j, int r)
{
    for (size_t k = 0; k < j->nregs; k++)
        if (j->loc[j->regs[k]] == r)
            return j->regs[k];
    return -1;
}
/* rbp (the globals) and r14 (memory 0's wf_memory) are pinned between
 * functions: a function that keeps slots in them puts their values back
 * before it calls compiled code and before it returns, so any other code,
 * from an older AOT file too, finds them as the trampoline set them. */
static inline void pin_back(jc *j)
{
    if (slot_in(j, RBP) >= 0)
        x_load64(&j->b, RBP, R12, CTX(globals));
    if (slot_in(j, R14) >= 0)
        x_load64(&j->b, R14, R12, CTX(mem));
    j->pinned = true;
}
/* Around a helper call (rare ops): the helper reads the op's operands from
 * the frame and writes its result there, and clobbers the registers. So a
 * register slot is stored when the op reads it or it is live after the op
 * (and the op does not overwrite it), and loaded back when it is live. */
static inline void spill_all(jc *j)
{
    uint64_t need = j->live.use[j->k] | (j->live.out[j->k] & ~j->live.def[j->k]);
    j->opaque = true; /* the helper reads the frame */
    for (size_t k = 0; k < j->nregs; k++)
        if (need & live_bit(j, j->regs[k]))
            spill_one(j, j->regs[k]);
    pin_back(j); /* check_helper reads r14 */
}
static inline void reload_all(jc *j)
{
    j->pinned = false;
    for (size_t k = 0; k < j->nregs; k++)
        if (live_after(j, j->regs[k]))
            load_one(j, j->regs[k]);
}
/* Around a call with arguments from slot `base` on. The callee reads its
 * arguments (and call_indirect's helper the table index) from the frame,
 * and its frame starts at `base`, so memory below that is kept: a register
 * slot is stored when the call reads it, or when it is below `base` and
 * live after the call; loaded back when it is live after the call, below
 * `base` or among the results (above them, the callee's frame clobbered
 * it: dead by the translator's stack discipline, as liveness says too). */
static inline void spill_call(jc *j, uint64_t base, uint32_t nargs)
{
    (void)nargs;      /* the arguments are among the op's reads */
    j->opaque = true; /* the callee reads the frame */
    for (size_t k = 0; k < j->nregs; k++) {
        uint64_t s = j->regs[k];
        if ((j->live.use[j->k] & live_bit(j, s)) || (s < base && live_after(j, s)))
            spill_one(j, s);
    }
    pin_back(j);
}
static inline void reload_call(jc *j, uint64_t base, uint32_t nresults)
{
    j->pinned = false;
    for (size_t k = 0; k < j->nregs; k++) {
        uint64_t s = j->regs[k];
        if (s < base + nresults && live_after(j, s))
            load_one(j, s);
    }
}

/* op reg, <slot s> as the r/m operand: the local's register when it has
 * one of the class the instruction takes (xmm), else the slot in memory
 * (storing the register there first when the class differs: a float local
 * read as an integer or back, which only odd ops do) */
static inline void slot_rm(jc *j, uint8_t pfx, bool w, const uint8_t *opc, int nopc, int reg,
                           uint64_t s, bool xmm, bool byte)
{
    int r = loc_of(j, s);
    if (r != JREG_NONE && (r >= JREG_XMM) == xmm) {
        x_rr(&j->b, pfx, w, opc, nopc, reg, r & 15, byte && r >= 4 && r < 8);
        return;
    }
    if (r != JREG_NONE)
        spill_one(j, s);
    x_mem(&j->b, pfx, w, opc, nopc, reg, RBX, NOIDX, 1, SLOT(s), false);
}

/* the constant in pool slot s (*v), or false when s is not one */
static inline bool pool_val(const jc *j, uint64_t s, uint64_t *v)
{
    const wf_code *c = j->c;
    if (s < c->nlocals || s >= (uint64_t)c->nlocals + c->npool)
        return false;
    *v = c->pool[s - c->nlocals];
    return true;
}

/* Whole reads load a constant-pool slot as an immediate: most functions
 * then never read the pool from memory and skip its copy (skip_pool). */
static inline void ld64(jc *j, int r, uint64_t slot)
{
    int l = loc_of(j, slot);
    uint64_t v;
    if (pool_val(j, slot, &v))
        x_mov_imm(&j->b, r, v);
    else if (l >= JREG_XMM)
        x_rr(&j->b, 0x66, true, OPC(0x0F, 0x7E), l - JREG_XMM, r, false); /* movq r, xmm */
    else if (l != JREG_NONE)
        x_mov_rr(&j->b, true, r, l);
    else
        x_load64(&j->b, r, RBX, SLOT(slot));
}
static inline void ld32(jc *j, int r, uint64_t slot)
{
    int l = loc_of(j, slot);
    uint64_t v;
    if (pool_val(j, slot, &v))
        x_mov_imm(&j->b, r, (uint32_t)v);
    else if (l >= JREG_XMM)
        x_rr(&j->b, 0x66, false, OPC(0x0F, 0x7E), l - JREG_XMM, r, false); /* movd r32, xmm */
    else if (l != JREG_NONE)
        x_mov_rr(&j->b, false, r, l);
    else
        x_load32(&j->b, r, RBX, SLOT(slot));
}
static inline void st64(jc *j, int r, uint64_t slot)
{
    int l = loc_of(j, slot);
    if (l >= JREG_XMM)
        x_rr(&j->b, 0x66, true, OPC(0x0F, 0x6E), l - JREG_XMM, r, false); /* movq xmm, r */
    else if (l != JREG_NONE)
        x_mov_rr(&j->b, !j->zx[slot], l, r);
    else
        x_store64(&j->b, r, RBX, SLOT(slot));
}
/* cmp the i32 (or i64 when w) in slot with 0 */
static inline void cmp0(jc *j, bool w, uint64_t slot)
{
    int l = loc_of(j, slot);
    if (l != JREG_NONE && l < JREG_XMM) {
        x_rr(&j->b, 0, w, OPC(0x85), l, l, false); /* test */
        return;
    }
    if (l != JREG_NONE)
        spill_one(j, slot);
    x_alu_mi(&j->b, w, ALU_CMP, RBX, SLOT(slot), 0);
}
static inline void copy_slot(jc *j, uint64_t dst, uint64_t src)
{
    ld64(j, RAX, src);
    st64(j, RAX, dst);
}

/* The first read of the op into rax: skipped when rax holds the slot. */
static inline void need32(jc *j, uint64_t slot) /* eax = low half */
{
    if (j->in != (int64_t)slot)
        ld32(j, RAX, slot);
}
static inline void need32zx(jc *j, uint64_t slot) /* rax = zero-extended low half */
{
    if (j->in == (int64_t)slot && !j->in_zx)
        x_mov_rr(&j->b, false, RAX, RAX);
    else if (j->in != (int64_t)slot)
        ld32(j, RAX, slot);
}
static inline void need64(jc *j, uint64_t slot)
{
    if (j->in != (int64_t)slot)
        ld64(j, RAX, slot);
}
/* the op's last step: its result from rax into dst, remembered */
static inline void st_rax(jc *j, uint64_t dst, bool zx)
{
    size_t at = j->b.n;
    st64(j, RAX, dst);
    if (loc_of(j, dst) == JREG_NONE) /* a store: the next op may make it dead */
        j->pend_at = at, j->pend_len = j->b.n - at, j->pend_slot = (int64_t)dst;
    j->cache = (int64_t)dst;
    j->cache_zx = zx;
}
/* an op that leaves xmm0 alone and writes slot `written` (-1: none) */
static inline void keep_x(jc *j, int64_t written)
{
    j->xcache = j->xin != written ? j->xin : -1;
}
/* an op that leaves rax alone and writes slot `written` */
static inline void keep_r(jc *j, int64_t written)
{
    if (j->in != written)
        j->cache = j->in, j->cache_zx = j->in_zx;
}
/* xmm0 = the float in slot (f64 when d) */
static inline void need_x(jc *j, uint64_t slot, bool d)
{
    int l = loc_of(j, slot);
    if (j->xin == (int64_t)slot)
        return;
    if (l >= JREG_XMM)
        x_rr(&j->b, 0, false, OPC(0x0F, 0x28), 0, l - JREG_XMM, false); /* movaps xmm0, xmm */
    else if (l != JREG_NONE)
        x_rr(&j->b, 0x66, true, OPC(0x0F, 0x6E), 0, l, false); /* movq xmm0, r */
    else
        x_mem(&j->b, d ? 0xF2 : 0xF3, false, OPC(0x0F, 0x10), 0, RBX, NOIDX, 1, SLOT(slot), false);
}
/* the op's last step: xmm0 into dst, remembered */
static inline void st_x(jc *j, uint64_t dst, bool d)
{
    int l = loc_of(j, dst);
    if (l >= JREG_XMM)
        x_rr(&j->b, 0, false, OPC(0x0F, 0x28), l - JREG_XMM, 0, false); /* movaps xmm, xmm0 */
    else if (l != JREG_NONE) /* movq r, xmm0 (movd: zero-extended) */
        x_rr(&j->b, 0x66, !j->zx[dst], OPC(0x0F, 0x7E), 0, l, false);
    else
        x_mem(&j->b, d ? 0xF2 : 0xF3, false, OPC(0x0F, 0x11), 0, RBX, NOIDX, 1, SLOT(dst), false);
    j->xcache = (int64_t)dst;
}

/* Slots of the constant pool hold known values (never written after the
 * prologue): *v receives the value, usable as an immediate (an imm32 that
 * the 64-bit form sign-extends must give the same value). */
static inline bool pool_imm(jc *j, uint64_t slot, bool w, int32_t *v)
{
    const wf_code *c = j->c;
    if (slot < c->nlocals || slot >= (uint64_t)c->nlocals + c->npool)
        return false;
    uint64_t x = c->pool[slot - c->nlocals];
    if (w && (int64_t)x != (int64_t)(int32_t)x)
        return false;
    *v = (int32_t)x;
    return true;
}

/* op{w} rax, b: the ALU op /digit with opcode opc (reg, r/m form) */
static inline void alu_b(jc *j, bool w, int digit, uint8_t opc, uint64_t b)
{
    int32_t v;
    if (pool_imm(j, b, w, &v))
        x_alu_ri(&j->b, w, digit, RAX, v);
    else
        slot_rm(j, 0, w, (const uint8_t[]){opc}, 1, RAX, b, false, false);
}

/* test the i32 in slot (cmp with 0) */
static inline void test32(jc *j, uint64_t slot)
{
    if (j->fin == (int64_t)slot) { /* the op that computed it set the flags */
        keep_r(j, -1);
        return;
    }
    if (j->in == (int64_t)slot) {
        x_rr(&j->b, 0, false, OPC(0x85), RAX, RAX, false);
        j->cache = j->in, j->cache_zx = j->in_zx; /* rax and the slot unchanged */
    } else {
        cmp0(j, false, slot);
    }
}
/* values at from.. to to.., in the order that is safe when they overlap */
static inline void move_slots(jc *j, uint64_t n, uint64_t from, uint64_t to)
{
    if (from == to)
        return;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = to < from ? k : n - 1 - k;
        copy_slot(j, to + i, from + i);
    }
}

#endif
