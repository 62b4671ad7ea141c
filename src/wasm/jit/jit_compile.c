/* The x86-64 template compiler: each internal op of code.h becomes a fixed
 * machine-code template over the frame's slots, which stay in memory at
 * [rbx + 8*slot]; branch targets come from the internal code's resolved
 * offsets. Pinned registers (System V callee-saved, so C helpers keep them):
 *   rbx  frame pointer (the slot array; saved by each compiled function)
 *   r12  wf_jit_ctx      r13  memory 0's base (reloaded after every call)
 *   r14  memory 0's wf_memory (its size is read on each checked access)
 *   r15  fuel            rbp  the instance's globals
 * Compiled functions take their frame in rdi and return 0, or 1 after a trap
 * recorded in ctx->err; callers pass a failure up. Calls inside the module
 * go through the callee's entry slot (jit_module.c); other calls and rare
 * ops go through C helpers (jit_rt.c).
 *
 * The guarded variant (jc.guarded, for a memory 0 with guard.h's
 * reservation) accesses memory without a bounds check: its faults become
 * the trap (jit_fault.c) through the landing each such function ends with. */
#include "wasm/code.h"
#include "wasm/guard.h"
#include "wasm/jit/jit.h"
#include "wasm/jit/jit_live.h"
#include "wasm/jit/jit_regs.h"
#include "wasm/jit/x64_emit.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum fix_kind { FIX_REL32, FIX_TABLE };
enum { IS_TARGET = 1, LOOP_HEAD = 2 }; /* jc.is_target bits */
struct fix {
    size_t at, target, base; /* target: code index; base: FIX_TABLE's table start */
    enum fix_kind kind;
};

typedef struct jc {
    xbuf b;
    const wf_module *m;
    const wf_code *c;
    uint32_t fidx;
    /* the variant for a guarded memory 0, and whether the function has an
     * unchecked access (then it ends with a landing for the fault handler:
     * a jump to the out-of-bounds stub, at oob_at) */
    bool guarded, unchecked;
    size_t oob_at;
    uint32_t *native_at; /* code index -> buffer offset (op words only) */
    struct fix *fix;
    size_t nfix, capfix;
    size_t *stub_fix[JT_COUNT + 1]; /* rel32s to each trap stub (+ the error exit) */
    size_t nstub[JT_COUNT + 1], capstub[JT_COUNT + 1];
    uint8_t *is_target; /* code index -> a branch lands there (IS_TARGET, LOOP_HEAD) */
    /* rax holds slot `cache` (all 64 bits; zero-extended i32 when cache_zx)
     * after the op just emitted; `in` is that state at the current op's
     * start. -1: nothing known. Branch targets start with nothing known. */
    int64_t cache, in;
    bool cache_zx, in_zx;
    /* the same for xmm0 (its low 32 or 64 bits, as the slot's type says);
     * only float templates, helpers and calls change xmm0 */
    int64_t xcache, xin;
    /* the flags hold ZF (and SF) of the i32 in slot `fcache` (set by an
     * add, sub, and, or, xor computing it as the op's last instruction);
     * `fin` at the current op's start, -1 at branch targets */
    int64_t fcache, fin;
    /* the op after the current one (NULL at the end), and whether the
     * current template also did its work (a fused compare-and-branch) */
    const uint64_t *next;
    size_t next_pos;
    bool took_next;
    /* bit k: code reads constant-pool slot k from memory, so the prologue's
     * copy of the pool (pool_at..pool_end) keeps it (trim_pool; WF_POOL_MAX
     * is 32) */
    uint64_t pool_need;
    size_t pool_at, pool_end;
    /* the prologue's stack checks (where they start, and their two jumps
     * to the out-of-line call of wf_jit_grow) */
    size_t check_at, grow_fix[2];
    /* position-independent code, for the AOT cache's file (jit.h): helpers
     * and entry slots reached rip-relative through the table the code is
     * mapped after, their rel32s listed in rel for the file's writer */
    bool pic;
    wf_jit_reloc *rel;
    size_t nrel, caprel;
    /* the slots kept in registers (jit_regs.c): loc[slot] for slot <
     * max_height, and the list of them */
    int8_t *loc;
    /* zx[slot]: an i32 local in a general register, kept zero-extended
     * (every write to that register is a 32-bit one), so it can index
     * memory as it is */
    bool *zx;
    uint32_t regs[JREG_MAX];
    size_t nregs;
    /* which slots are live after each op (jit_live.c; every register slot
     * is tracked), and the index of the op being emitted */
    wf_jit_live live;
    size_t k;
    /* rbp and r14 hold their pinned values again (pin_back) until the
     * registers are reloaded after the call: their slots are in memory */
    bool pinned;
    /* the store of rax into slot pend_slot (pend_len bytes at pend_at)
     * that ended the last op (st_rax), which drop_dead_store may take back;
     * while the next op is emitted, whether it addressed that slot in the
     * frame (`touched`) or let code outside read the frame (`opaque`:
     * calls, helpers, returns) */
    size_t pend_at, pend_len;
    int64_t pend_slot, watch;
    bool touched, opaque;
} jc;

#define ERR_EXIT JT_COUNT
#define CTX(field) ((int32_t)offsetof(wf_jit_ctx, field))
#define MEM(field) ((int32_t)offsetof(wf_memory, field))
#define SLOT(i) slot_disp(j, (i))

/* ---- bookkeeping ---- */

/* The displacement of slot i off rbx, noting reads of pool slots (the
 * stores of the prologue's pool copy do not count). */
static int32_t slot_disp(jc *j, uint64_t i)
{
    if ((int64_t)i == j->watch)
        j->touched = true;
    if (i >= j->c->nlocals && i < (uint64_t)j->c->nlocals + j->c->npool && j->pool_at)
        j->pool_need |= (uint64_t)1 << (i - j->c->nlocals);
    return (int32_t)(8 * i);
}

static void add_fix(jc *j, size_t at, size_t target, enum fix_kind kind, size_t base)
{
    if (j->nfix == j->capfix) {
        j->capfix = j->capfix ? j->capfix * 2 : 64;
        j->fix = xreallocarray(j->fix, j->capfix, sizeof *j->fix);
    }
    j->fix[j->nfix++] = (struct fix){at, target, base, kind};
}

static void to_stub(jc *j, size_t at, int kind)
{
    if (j->nstub[kind] == j->capstub[kind]) {
        j->capstub[kind] = j->capstub[kind] ? j->capstub[kind] * 2 : 16;
        j->stub_fix[kind] = xreallocarray(j->stub_fix[kind], j->capstub[kind], sizeof(size_t));
    }
    j->stub_fix[kind][j->nstub[kind]++] = at;
}

static void jcc_stub(jc *j, int cc, int kind)
{
    to_stub(j, x_jcc32(&j->b, cc), kind);
}

/* A link fixup of position-independent code (jc.pic): the rel32 just
 * emitted, at the current end, is to be pointed at a helper's or an entry
 * slot's word of the table the code is mapped after (jit.h). */
static void add_link(jc *j, uint32_t kind, uint32_t arg)
{
    if (j->nrel == j->caprel) {
        j->caprel = j->caprel ? 2 * j->caprel : 16;
        j->rel = xreallocarray(j->rel, j->caprel, sizeof *j->rel);
    }
    j->rel[j->nrel++] = (wf_jit_reloc){.at = (uint32_t)j->b.n - 4, .kind = kind, .arg = arg};
}

/* rax = the address of defined function k's entry slot */
static void entry_addr(jc *j, uint32_t k)
{
    if (!j->pic) {
        x_mov_imm(&j->b, RAX, (uint64_t)(uintptr_t)wf_jit_entry(j->m->jit, j->guarded, k));
        return;
    }
    x_byte(&j->b, 0x48), x_byte(&j->b, 0x8D), x_byte(&j->b, 0x05); /* lea rax, [rip+rel32] */
    x_u32(&j->b, 0);
    add_link(j, JR_ENTRY, k);
}

/* rdx = the op's internal code (word `word` of the function's), which
 * helpers read its immediates from; position-independent code holds its
 * tag instead (the helpers translate the function when they first need it) */
static void op_words_arg(jc *j, const uint64_t *pc)
{
    uint32_t word = (uint32_t)(pc - j->c->code);
    x_mov_imm(&j->b, RDX, j->pic ? wf_jit_pc_tag(word) : (uint64_t)(uintptr_t)pc);
}

static void call_abs(jc *j, enum wf_jit_helper h)
{
    if (!j->pic) {
        x_mov_imm(&j->b, RAX, (uint64_t)(uintptr_t)wf_jit_helper_addr(h));
        x_call_r(&j->b, RAX);
        return;
    }
    x_byte(&j->b, 0xFF), x_byte(&j->b, 0x15); /* call [rip+rel32] */
    x_u32(&j->b, 0);
    add_link(j, JR_HELPER, h);
}

/* ---- slot access ----
 * A local that jit_regs.c gave a register lives there for the whole body:
 * its frame slot is stale, except around calls (spill_call, spill_all).
 * Every read or write of a slot goes through these accessors. */

/* the register holding slot s (JREG_XMM + n for xmm n), or JREG_NONE */
static int loc_of(const jc *j, uint64_t s)
{
    int r = s < j->c->max_height ? j->loc[s] : JREG_NONE;
    return j->pinned && (r == RBP || r == R14) ? JREG_NONE : r;
}

/* movsd between xmm n and slot s (store when st): all 64 bits, whatever
 * the slot holds (an f32's upper half is never read) */
static void x_slot(jc *j, int n, uint64_t s, bool st)
{
    x_mem(&j->b, 0xF2, false, OPC(0x0F, st ? 0x11 : 0x10), n, RBX, NOIDX, 1, SLOT(s), false);
}

/* the register of local s into its frame slot, or back */
static void spill_one(jc *j, uint64_t s)
{
    int r = loc_of(j, s);
    if (r >= JREG_XMM)
        x_slot(j, r - JREG_XMM, s, true);
    else
        x_store64(&j->b, r, RBX, SLOT(s));
}
static void load_one(jc *j, uint64_t s)
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
static uint64_t live_bit(const jc *j, uint64_t s)
{
    return (uint64_t)1 << j->live.bit[s];
}
static bool live_after(const jc *j, uint64_t s)
{
    return (j->live.out[j->k] & live_bit(j, s)) != 0;
}
/* The slot living in general register r, or -1. */
static int64_t slot_in(const jc *j, int r)
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
static void pin_back(jc *j)
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
static void spill_all(jc *j)
{
    uint64_t need = j->live.use[j->k] | (j->live.out[j->k] & ~j->live.def[j->k]);
    j->opaque = true; /* the helper reads the frame */
    for (size_t k = 0; k < j->nregs; k++)
        if (need & live_bit(j, j->regs[k]))
            spill_one(j, j->regs[k]);
    pin_back(j); /* check_helper reads r14 */
}
static void reload_all(jc *j)
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
static void spill_call(jc *j, uint64_t base, uint32_t nargs)
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
static void reload_call(jc *j, uint64_t base, uint32_t nresults)
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
static void slot_rm(jc *j, uint8_t pfx, bool w, const uint8_t *opc, int nopc, int reg, uint64_t s,
                    bool xmm, bool byte)
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
static bool pool_val(const jc *j, uint64_t s, uint64_t *v)
{
    const wf_code *c = j->c;
    if (s < c->nlocals || s >= (uint64_t)c->nlocals + c->npool)
        return false;
    *v = c->pool[s - c->nlocals];
    return true;
}

/* Whole reads load a constant-pool slot as an immediate: most functions
 * then never read the pool from memory and skip its copy (skip_pool). */
static void ld64(jc *j, int r, uint64_t slot)
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
static void ld32(jc *j, int r, uint64_t slot)
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
static void st64(jc *j, int r, uint64_t slot)
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
static void cmp0(jc *j, bool w, uint64_t slot)
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
static void copy_slot(jc *j, uint64_t dst, uint64_t src)
{
    ld64(j, RAX, src);
    st64(j, RAX, dst);
}

/* The first read of the op into rax: skipped when rax holds the slot. */
static void need32(jc *j, uint64_t slot) /* eax = low half */
{
    if (j->in != (int64_t)slot)
        ld32(j, RAX, slot);
}
static void need32zx(jc *j, uint64_t slot) /* rax = zero-extended low half */
{
    if (j->in == (int64_t)slot && !j->in_zx)
        x_mov_rr(&j->b, false, RAX, RAX);
    else if (j->in != (int64_t)slot)
        ld32(j, RAX, slot);
}
static void need64(jc *j, uint64_t slot)
{
    if (j->in != (int64_t)slot)
        ld64(j, RAX, slot);
}
/* the op's last step: its result from rax into dst, remembered */
static void st_rax(jc *j, uint64_t dst, bool zx)
{
    size_t at = j->b.n;
    st64(j, RAX, dst);
    if (loc_of(j, dst) == JREG_NONE) /* a store: the next op may make it dead */
        j->pend_at = at, j->pend_len = j->b.n - at, j->pend_slot = (int64_t)dst;
    j->cache = (int64_t)dst;
    j->cache_zx = zx;
}
/* an op that leaves xmm0 alone and writes slot `written` (-1: none) */
static void keep_x(jc *j, int64_t written)
{
    j->xcache = j->xin != written ? j->xin : -1;
}
/* an op that leaves rax alone and writes slot `written` */
static void keep_r(jc *j, int64_t written)
{
    if (j->in != written)
        j->cache = j->in, j->cache_zx = j->in_zx;
}
/* xmm0 = the float in slot (f64 when d) */
static void need_x(jc *j, uint64_t slot, bool d)
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
static void st_x(jc *j, uint64_t dst, bool d)
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
static bool pool_imm(jc *j, uint64_t slot, bool w, int32_t *v)
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
static void alu_b(jc *j, bool w, int digit, uint8_t opc, uint64_t b)
{
    int32_t v;
    if (pool_imm(j, b, w, &v))
        x_alu_ri(&j->b, w, digit, RAX, v);
    else
        slot_rm(j, 0, w, (const uint8_t[]){opc}, 1, RAX, b, false, false);
}

/* test the i32 in slot (cmp with 0) */
static void test32(jc *j, uint64_t slot)
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
static void move_slots(jc *j, uint64_t n, uint64_t from, uint64_t to)
{
    if (from == to)
        return;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t i = to < from ? k : n - 1 - k;
        copy_slot(j, to + i, from + i);
    }
}

/* ---- control ---- */

static void fuel_tick(jc *j)
{
    x_alu_ri(&j->b, true, ALU_SUB, R15, 1);
    jcc_stub(j, CC_E, JT_FUEL);
}

static void reload_mem(jc *j)
{
    x_load64(&j->b, R13, R14, MEM(base));
}

/* after a helper returned eax: 0 = go on, else the trap is recorded */
static void check_helper(jc *j)
{
    reload_mem(j);
    x_rr(&j->b, 0, false, OPC(0x85), RAX, RAX, false); /* test eax, eax */
    jcc_stub(j, CC_NE, ERR_EXIT);
}

/* Loops burn fuel at their head (a target of a backward branch, see
 * emit_op), so a fuel budget ends any loop and branches stay plain. */
static void jump_to(jc *j, size_t target, size_t pos)
{
    (void)pos;
    add_fix(j, x_jmp32(&j->b), target, FIX_REL32, 0);
}

static void jcc_to(jc *j, int cc, size_t target, size_t pos)
{
    (void)pos;
    add_fix(j, x_jcc32(&j->b, cc), target, FIX_REL32, 0);
}

/* The results go to the frame's first slots in memory, where the caller
 * reads them, whether or not those slots' locals live in registers. */
static void emit_return(jc *j, uint64_t n, uint64_t from)
{
    if (from == 0) /* the caller reads the results where they are */
        j->opaque = true;
    for (uint64_t i = 0; i < n; i++) {
        if (i == 0 && from != 0) /* the first result may be in rax */
            need64(j, from);
        else if (from != 0 || loc_of(j, i) != JREG_NONE)
            ld64(j, RAX, from + i);
        else
            continue;
        x_store64(&j->b, RAX, RBX, SLOT(i));
    }
    pin_back(j);
    j->pinned = false; /* for the code after, reached by other paths */
    x_rr(&j->b, 0, false, OPC(0x31), RAX, RAX, false); /* xor eax, eax */
    x_pop(&j->b, RBX);
    x_ret(&j->b);
}

/* [i][n] then n+1 entries [off][arity][from][to] */
static void emit_br_table(jc *j, const uint64_t *pc, size_t pos)
{
    uint64_t n = pc[2];
    need32zx(j, pc[1]);
    x_mov_imm(&j->b, RCX, n);
    x_rr(&j->b, 0, false, OPC(0x3B), RAX, RCX, false);       /* cmp eax, ecx */
    x_rr(&j->b, 0, false, OPC(0x0F, 0x47), RAX, RCX, false); /* cmova eax, ecx */
    fuel_tick(j);
    /* lea rcx, [rip + table] */
    x_byte(&j->b, 0x48), x_byte(&j->b, 0x8D), x_byte(&j->b, 0x0D);
    size_t lea = j->b.n;
    x_u32(&j->b, 0);
    x_mem(&j->b, 0, true, OPC(0x63), RAX, RCX, RAX, 4, 0, false); /* movsxd rax, [rcx+rax*4] */
    x_rr(&j->b, 0, true, OPC(0x01), RCX, RAX, false);             /* add rax, rcx */
    x_jmp_r(&j->b, RAX);
    size_t table = j->b.n;
    x_link(&j->b, lea, table);
    for (uint64_t k = 0; k <= n; k++)
        x_u32(&j->b, 0);
    for (uint64_t k = 0; k <= n; k++) {
        const uint64_t *e = pc + 3 + 4 * k;
        size_t target = (size_t)((int64_t)(pos + 3 + 4 * k) + (int64_t)e[0]);
        if (e[1] == 0 || e[2] == e[3]) {
            add_fix(j, table + 4 * k, target, FIX_TABLE, table);
            continue;
        }
        x_patch32(&j->b, table + 4 * k, (uint32_t)(j->b.n - table));
        move_slots(j, e[1], e[2], e[3]);
        add_fix(j, x_jmp32(&j->b), target, FIX_REL32, 0);
    }
}

static void emit_call(jc *j, const uint64_t *pc)
{
    uint64_t callee = pc[1], base = pc[2];
    if (callee >= j->m->n_func_imports) { /* same module: through its entry slot */
        x_mem(&j->b, 0, true, OPC(0x8D), RDI, RBX, NOIDX, 1, SLOT(base), false);
        uint32_t k = (uint32_t)(callee - j->m->n_func_imports);
        entry_addr(j, k);
        x_mem(&j->b, 0, false, OPC(0xFF), 2, RAX, NOIDX, 1, 0, false); /* call [rax] */
        check_helper(j);
        return;
    }
    x_store64(&j->b, R15, R12, CTX(fuel));
    x_mov_rr(&j->b, true, RDI, R12);
    x_mem(&j->b, 0, true, OPC(0x8D), RSI, RBX, NOIDX, 1, SLOT(base), false);
    x_mov_imm(&j->b, RDX, callee);
    x_mov_imm(&j->b, RCX, j->fidx);
    call_abs(j, JH_CALL);
    x_load64(&j->b, R15, R12, CTX(fuel));
    check_helper(j);
}

/* Helpers read the op's operand slots from the frame, constant-pool slots
 * included: each word of the op that names a pool slot gets its constant
 * stored there just before the call (harmless whatever the word means),
 * instead of the prologue copying the whole pool at every entry. */
static void store_pool_words(jc *j, const uint64_t *pc)
{
    size_t pos = (size_t)(pc - j->c->code);
    size_t end = j->next_pos > pos ? j->next_pos : j->c->code_len;
    for (size_t w = pos + 1; w < end; w++) {
        uint64_t s = j->c->code[w], v;
        if (pool_val(j, s, &v)) {
            x_mov_imm(&j->b, RAX, v);
            x_store64(&j->b, RAX, RBX, (int32_t)(8 * s));
        }
    }
}

/* a helper taking (ctx, fp, pc, fidx) */
static void emit_helper(jc *j, enum wf_jit_helper fn, const uint64_t *pc, bool sync_fuel)
{
    store_pool_words(j, pc);
    if (sync_fuel)
        x_store64(&j->b, R15, R12, CTX(fuel));
    x_mov_rr(&j->b, true, RDI, R12);
    x_mov_rr(&j->b, true, RSI, RBX);
    op_words_arg(j, pc);
    x_mov_imm(&j->b, RCX, j->fidx);
    call_abs(j, fn);
    if (sync_fuel)
        x_load64(&j->b, R15, R12, CTX(fuel));
    check_helper(j);
}

/* [typeidx][tableidx][base][i]: a compiled function of this instance with
 * the right type is called directly; anything else (and every trap) goes
 * through the helper */
static void emit_call_indirect(jc *j, const uint64_t *pc)
{
    size_t slow[6];
    int ns = 0;
    ld32(j, RAX, pc[4]);
    x_load64(&j->b, RSI, R12, CTX(inst));
    x_load64(&j->b, RCX, RSI, (int32_t)offsetof(wf_instance, tables));
    x_load64(&j->b, RCX, RCX, (int32_t)(8 * pc[2])); /* tables[tableidx] */
    x_mem(&j->b, 0, false, OPC(0x3B), RAX, RCX, NOIDX, 1, (int32_t)offsetof(wf_table, size), false);
    slow[ns++] = x_jcc32(&j->b, CC_AE);
    x_load64(&j->b, RCX, RCX, (int32_t)offsetof(wf_table, elems));
    x_mem(&j->b, 0, true, OPC(0x8B), RCX, RCX, RAX, 8, 0, false); /* rcx = elems[i] */
    x_rr(&j->b, 0, true, OPC(0x85), RCX, RCX, false);
    slow[ns++] = x_jcc32(&j->b, CC_E);
    x_mem(&j->b, 0, true, OPC(0x3B), RSI, RCX, NOIDX, 1, (int32_t)offsetof(wf_func, inst), false);
    slow[ns++] = x_jcc32(&j->b, CC_NE);
    x_load32(&j->b, RDX, RCX, (int32_t)offsetof(wf_func, sig));
    x_load64(&j->b, RSI, RSI, (int32_t)offsetof(wf_instance, sigs));
    x_mem(&j->b, 0, false, OPC(0x3B), RDX, RSI, NOIDX, 1, (int32_t)(4 * pc[1]), false);
    slow[ns++] = x_jcc32(&j->b, CC_NE);
    x_load64(&j->b, RAX, RCX, (int32_t)offsetof(wf_func, jit));
    x_rr(&j->b, 0, true, OPC(0x85), RAX, RAX, false);
    slow[ns++] = x_jcc32(&j->b, CC_E);
    x_mem(&j->b, 0, true, OPC(0x8D), RDI, RBX, NOIDX, 1, SLOT(pc[3]), false);
    x_mem(&j->b, 0, false, OPC(0xFF), 2, RAX, NOIDX, 1, 0, false); /* call [rax]: the entry slot */
    check_helper(j);
    size_t done = x_jmp32(&j->b);
    for (int k = 0; k < ns; k++)
        x_link(&j->b, slow[k], j->b.n);
    emit_helper(j, JH_CALL_INDIRECT, pc, true);
    x_link(&j->b, done, j->b.n);
}

/* ---- memory ---- */

/* rax = effective address (zero-extended i32 [+ i32] + offset), checked
 * against the memory's current size for an access of n bytes; unchecked in
 * a guarded memory when the reservation covers the offset (guard.h). There
 * an offset that fits a displacement is left out of rax and returned, for
 * the access's addressing mode ([r13 + *ix + offset]), and an address that
 * is a zero-extended i32 local in a register is used as it is (*ix is that
 * register, else rax). */
static int32_t effective_address(jc *j, uint64_t x, int64_t y, uint64_t offset, int n, int *ix)
{
    bool unchecked = j->guarded && offset + (uint64_t)n <= WF_GUARD_MAX_OFFSET;
    *ix = RAX;
    int l = loc_of(j, x);
    if (y < 0 && unchecked && offset <= 0x7fffffffu && l != JREG_NONE && l < JREG_XMM && j->zx[x] &&
        j->in != (int64_t)x) {
        j->unchecked = true;
        *ix = l;
        return (int32_t)offset;
    }
    if (y >= 0 && j->in == y && j->in != (int64_t)x) { /* x + y = y + x: the one in rax first */
        uint64_t t = (uint64_t)y;
        y = (int64_t)x;
        x = t;
    }
    if (y >= 0)
        need32(j, x);
    else
        need32zx(j, x);
    if (y >= 0)
        slot_rm(j, 0, false, OPC(0x03), RAX, (uint64_t)y, false, false); /* add eax */
    if (unchecked && offset <= 0x7fffffffu) {
        j->unchecked = true; /* a fault past the size is the trap (jit_fault.c) */
        return (int32_t)offset;
    }
    if (offset > 0x7fffffffu) {
        x_mov_imm(&j->b, RCX, offset);
        x_rr(&j->b, 0, true, OPC(0x01), RCX, RAX, false); /* add rax, rcx */
    } else if (offset) {
        x_alu_ri(&j->b, true, ALU_ADD, RAX, (int32_t)offset);
    }
    if (unchecked) {
        j->unchecked = true;
        return 0;
    }
    if (j->guarded) { /* r14 may hold a slot: the memory off the context (rare: offsets over 4 GiB)
                       */
        x_load64(&j->b, RCX, R12, CTX(mem));
        x_alu_ri(&j->b, true, ALU_ADD, RAX, n);
        x_mem(&j->b, 0, true, OPC(0x3B), RAX, RCX, NOIDX, 1, MEM(size), false); /* cmp rax, size */
        jcc_stub(j, CC_A, JT_OOB);
        x_mem(&j->b, 0, true, OPC(0x8D), RAX, RAX, NOIDX, 1, -n, false); /* lea rax, [rax-n] */
        return 0;
    }
    x_mem(&j->b, 0, true, OPC(0x8D), RCX, RAX, NOIDX, 1, n, false);         /* lea rcx, [rax+n] */
    x_mem(&j->b, 0, true, OPC(0x3B), RCX, R14, NOIDX, 1, MEM(size), false); /* cmp rcx, size */
    jcc_stub(j, CC_A, JT_OOB);
    return 0;
}

/* 0x28..0x35: the load into r (w: 64-bit form) from [r13 + ix + d] */
static void load_insn(jc *j, unsigned k, int r, int ix, int32_t d)
{
    static const struct {
        uint8_t w, op1, op2;
    } t[14] = {
        {0, 0x8B, 0},    {1, 0x8B, 0},    {0, 0x8B, 0},    {1, 0x8B, 0},    {0, 0x0F, 0xBE},
        {0, 0x0F, 0xB6}, {0, 0x0F, 0xBF}, {0, 0x0F, 0xB7}, {1, 0x0F, 0xBE}, {0, 0x0F, 0xB6},
        {1, 0x0F, 0xBF}, {0, 0x0F, 0xB7}, {1, 0x63, 0},    {0, 0x8B, 0},
    };
    if (t[k].op1 == 0x0F)
        x_mem(&j->b, 0, t[k].w, OPC(0x0F, t[k].op2), r, R13, ix, 1, d, false);
    else
        x_mem(&j->b, 0, t[k].w, (const uint8_t[]){t[k].op1}, 1, r, R13, ix, 1, d, false);
}

static const uint8_t load_size[14] = {4, 8, 4, 8, 1, 1, 2, 2, 1, 1, 2, 2, 4, 4};
static const uint8_t store_size[9] = {4, 8, 4, 8, 1, 2, 1, 2, 4};

/* the store of register r's low bytes to [r13 + ix + d] */
static void store_insn(jc *j, unsigned k, int r, int ix, int32_t d)
{
    switch (store_size[k]) {
    case 1: /* sil/dil need a REX prefix */
        x_mem(&j->b, 0, false, OPC(0x88), r, R13, ix, 1, d, r >= 4 && r < 8);
        break;
    case 2:
        x_mem(&j->b, 0x66, false, OPC(0x89), r, R13, ix, 1, d, false);
        break;
    case 4:
        x_mem(&j->b, 0, false, OPC(0x89), r, R13, ix, 1, d, false);
        break;
    default:
        x_mem(&j->b, 0, true, OPC(0x89), r, R13, ix, 1, d, false);
    }
}

/* loads [dst][addr][offset] / [dst][x][y][offset]; stores [addr][val][offset] /
 * [x][y][val][offset] */
static void emit_mem(jc *j, const uint64_t *pc, unsigned k, bool two)
{
    const uint64_t *p = pc + 1;
    int dst = k < 14 ? loc_of(j, p[0]) : JREG_NONE; /* loads go straight to dst's register */
    if (k == 2 || k == 3) {                         /* f32/f64 loads go to xmm0 */
        int ix;
        int32_t d = effective_address(j, p[1], two ? (int64_t)p[2] : -1, two ? p[3] : p[2],
                                      load_size[k], &ix);
        int x = dst >= JREG_XMM ? dst - JREG_XMM : 0;
        x_mem(&j->b, k == 3 ? 0xF2 : 0xF3, false, OPC(0x0F, 0x10), x, R13, ix, 1, d, false);
        if (x)
            keep_x(j, (int64_t)p[0]);
        else
            st_x(j, p[0], k == 3);
        return;
    }
    if (k < 14) {
        int ix;
        int32_t d = effective_address(j, p[1], two ? (int64_t)p[2] : -1, two ? p[3] : p[2],
                                      load_size[k], &ix);
        keep_x(j, (int64_t)p[0]);
        if (dst != JREG_NONE && dst < JREG_XMM) {
            load_insn(j, k, dst, ix, d);
            return;
        }
        load_insn(j, k, RAX, ix, d);
        st_rax(j, p[0], !(k == 1 || k == 8 || k == 10 || k == 12));
        return;
    }
    k -= 14;
    int ix;
    int32_t d =
        effective_address(j, p[0], two ? (int64_t)p[1] : -1, two ? p[3] : p[2], store_size[k], &ix);
    uint64_t val = two ? p[2] : p[1];
    int32_t v;
    int l = loc_of(j, val);
    if ((k == 2 || k == 3) && (j->xin == (int64_t)val || l >= JREG_XMM)) { /* in xmm0 / xmm l */
        int x = j->xin == (int64_t)val ? 0 : l - JREG_XMM;
        x_mem(&j->b, k == 3 ? 0xF2 : 0xF3, false, OPC(0x0F, 0x11), x, R13, ix, 1, d, false);
    } else if (pool_imm(j, val, store_size[k] == 8, &v)) { /* mov [r13+rax], imm */
        int n = store_size[k];
        const uint8_t opc = n == 1 ? 0xC6 : 0xC7;
        x_mem(&j->b, n == 2 ? 0x66 : 0, n == 8, &opc, 1, 0, R13, ix, 1, d, false);
        for (int i = 0; i < (n == 8 ? 4 : n); i++)
            x_byte(&j->b, (uint8_t)((uint32_t)v >> (8 * i)));
    } else if (l != JREG_NONE && l < JREG_XMM) {
        store_insn(j, k, l, ix, d);
    } else {
        ld64(j, RCX, val);
        store_insn(j, k, RCX, ix, d);
    }
    keep_x(j, -1);
}

/* ---- arithmetic ---- */

static const uint8_t cmp_cc[10] = {CC_E, CC_NE, CC_L, CC_B, CC_G, CC_A, CC_LE, CC_BE, CC_GE, CC_AE};

static void set_result(jc *j, int cc, uint64_t dst)
{
    x_setcc(&j->b, cc, RAX);
    x_movzx8_rr(&j->b, RAX, RAX);
    st_rax(j, dst, true);
}

/* ---- ops whose result goes straight to its register ----
 * When an op's destination lives in a register, the op computes there
 * instead of in rax (r = a; r op= b): rax keeps what it held. */

/* whether slot s is in memory and its value in rax too */
static bool in_rax(const jc *j, uint64_t s)
{
    return j->in == (int64_t)s && loc_of(j, s) == JREG_NONE;
}
/* general register r = the integer in slot s (zero-extended i32 unless w) */
static void get_int(jc *j, int r, uint64_t s, bool w)
{
    if (in_rax(j, s))
        x_mov_rr(&j->b, w, r, RAX);
    else if (w)
        ld64(j, r, s);
    else
        ld32(j, r, s);
}
/* xmm x = the float in slot s (f64 when d) */
static void get_x(jc *j, int x, uint64_t s, bool d)
{
    int l = loc_of(j, s);
    if (j->xin == (int64_t)s)
        x_rr(&j->b, 0, false, OPC(0x0F, 0x28), x, 0, false); /* movaps */
    else if (l >= JREG_XMM)
        x_rr(&j->b, 0, false, OPC(0x0F, 0x28), x, l - JREG_XMM, false);
    else if (l != JREG_NONE)
        x_rr(&j->b, 0x66, true, OPC(0x0F, 0x6E), x, l, false); /* movq xmm, r */
    else
        x_mem(&j->b, d ? 0xF2 : 0xF3, false, OPC(0x0F, 0x10), x, RBX, NOIDX, 1, SLOT(s), false);
}
/* op r, b: the ALU op /digit, opcode opc (reg, r/m form) */
static void alu_rb(jc *j, bool w, int digit, uint8_t opc, int r, uint64_t b)
{
    int32_t v;
    if (pool_imm(j, b, w, &v))
        x_alu_ri(&j->b, w, digit, r, v);
    else if (in_rax(j, b))
        x_rr(&j->b, 0, w, &opc, 1, r, RAX, false);
    else
        slot_rm(j, 0, w, &opc, 1, r, b, false, false);
}

/* the operands in the order that computes dst = a op b in dst's register
 * (b must not be dst, which that register's first write overwrites);
 * false when no order does */
static bool reg_order(const uint64_t *p, bool commutes, uint64_t *a, uint64_t *b)
{
    *a = p[1], *b = p[2];
    if (*b != p[0] || *a == p[0])
        return true;
    if (!commutes)
        return false;
    *a = p[2], *b = p[1];
    return true;
}

/* the ALU ops, imul and shifts of int_binop into dst's general register */
static bool int_binop_reg(jc *j, unsigned k, const uint64_t *p, bool w, int digit, uint8_t opc)
{
    int d = loc_of(j, p[0]);
    uint64_t a, b;
    if (d == JREG_NONE || d >= JREG_XMM || !reg_order(p, k < 10 && k != 1, &a, &b))
        return false;
    int32_t v;
    bool imm = k >= 10 && pool_imm(j, p[2], false, &v);
    if (k >= 10 && !imm) /* the count first: b may be dst */
        get_int(j, RCX, p[2], false);
    if (a != p[0])
        get_int(j, d, a, w);
    if (k >= 10 && imm) {
        x_rr(&j->b, 0, w, OPC(0xC1), digit, d, false);
        x_byte(&j->b, (uint8_t)(v & (w ? 63 : 31)));
    } else if (k >= 10) {
        x_rr(&j->b, 0, w, OPC(0xD3), digit, d, false);
    } else if (k == 2) {
        if (in_rax(j, b))
            x_rr(&j->b, 0, w, OPC(0x0F, 0xAF), d, RAX, false);
        else
            slot_rm(j, 0, w, OPC(0x0F, 0xAF), d, b, false, false); /* imul */
    } else {
        alu_rb(j, w, digit, opc, d, b);
        if (!w && k != 2) /* add sub and or xor: ZF of the i32 */
            j->fcache = (int64_t)p[0];
    }
    keep_r(j, (int64_t)p[0]);
    keep_x(j, (int64_t)p[0]);
    return true;
}

/* op eax/rax, [b] for the ALU forms; returns false if op is not one */
static bool int_binop(jc *j, unsigned op, const uint64_t *p, bool w)
{
    unsigned base = w ? 0x7c : 0x6a;
    static const uint8_t alu[] = {0x03, 0x2B, 0, 0, 0, 0, 0, 0x23, 0x0B, 0x33};
    unsigned k =
        op - base; /* add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr */
    if (op < base || k > 14)
        return false;
    if (k >= 3 && k <= 6)
        return false; /* division: emit_div */
    static const uint8_t digit[] = {ALU_ADD, ALU_SUB, 0, 0, 0, 0, 0, ALU_AND,
                                    ALU_OR,  ALU_XOR, 4, 7, 5, 0, 1}; /* then shl sar shr rol ror */
    if (int_binop_reg(j, k, p, w, digit[k], k < 10 ? alu[k] : 0))
        return true;
    int32_t v;
    if (k >= 10) {
        bool imm = pool_imm(j, p[2], false, &v);
        if (!imm)
            ld32(j, RCX, p[2]);
        if (w)
            need64(j, p[1]);
        else
            need32(j, p[1]);
        if (imm) { /* C1 /n ib: the count masked as the hardware would */
            x_rr(&j->b, 0, w, OPC(0xC1), digit[k], RAX, false);
            x_byte(&j->b, (uint8_t)(v & (w ? 63 : 31)));
        } else {
            x_rr(&j->b, 0, w, OPC(0xD3), digit[k], RAX, false);
        }
    } else {
        uint64_t a = p[1], b = p[2];
        bool commutes = k == 0 || k == 2 || k >= 7;
        if (commutes && j->in == (int64_t)b && j->in != (int64_t)a)
            a = p[2], b = p[1]; /* the operand already in rax goes first */
        if (w)
            need64(j, a);
        else
            need32(j, a);
        if (k == 2)
            slot_rm(j, 0, w, OPC(0x0F, 0xAF), RAX, b, false, false); /* imul */
        else
            alu_b(j, w, digit[k], alu[k], b);
        if (!w && k != 2) /* add sub and or xor: ZF of the i32 (st_rax keeps the flags) */
            j->fcache = (int64_t)p[0];
    }
    st_rax(j, p[0], !w);
    keep_x(j, (int64_t)p[0]);
    return true;
}

/* div_s div_u rem_s rem_u (k 0..3) with the spec's traps */
static void emit_div(jc *j, const uint64_t *p, unsigned k, bool w)
{
    ld64(j, RAX, p[1]);
    ld64(j, RCX, p[2]);
    /* cdq/cqo and div write rdx: a slot living there waits in its frame slot */
    int64_t in_rdx = slot_in(j, RDX);
    if (in_rdx == (int64_t)p[0] || (in_rdx >= 0 && !live_after(j, (uint64_t)in_rdx)))
        in_rdx = -1;
    if (in_rdx >= 0)
        spill_one(j, (uint64_t)in_rdx);
    if (!w)
        x_mov_rr(&j->b, false, RAX, RAX), x_mov_rr(&j->b, false, RCX, RCX);
    x_rr(&j->b, 0, w, OPC(0x85), RCX, RCX, false); /* test rcx, rcx */
    jcc_stub(j, CC_E, JT_DIV0);
    bool sign = k == 0 || k == 2;
    size_t skip_special = 0;
    if (sign) {
        x_alu_ri(&j->b, w, ALU_CMP, RCX, -1);
        size_t normal = x_jcc32(&j->b, CC_NE);
        if (k == 0) { /* INT_MIN / -1 overflows */
            x_mov_imm(&j->b, RDX, w ? 0x8000000000000000ull : 0x80000000u);
            x_rr(&j->b, 0, w, OPC(0x3B), RAX, RDX, false);
            jcc_stub(j, CC_E, JT_OVERFLOW);
            x_rr(&j->b, 0, w, OPC(0xF7), 3, RAX, false); /* neg: a / -1 */
            skip_special = x_jmp32(&j->b);
        } else { /* a % -1 = 0 */
            x_rr(&j->b, 0, false, OPC(0x31), RDX, RDX, false);
            skip_special = x_jmp32(&j->b);
        }
        x_link(&j->b, normal, j->b.n);
        if (w)
            x_byte(&j->b, 0x48);
        x_byte(&j->b, 0x99);                         /* cdq / cqo */
        x_rr(&j->b, 0, w, OPC(0xF7), 7, RCX, false); /* idiv */
    } else {
        x_rr(&j->b, 0, false, OPC(0x31), RDX, RDX, false);
        x_rr(&j->b, 0, w, OPC(0xF7), 6, RCX, false); /* div */
    }
    if (skip_special)
        x_link(&j->b, skip_special, j->b.n);
    st64(j, k < 2 ? RAX : RDX, p[0]);
    if (in_rdx >= 0)
        load_one(j, (uint64_t)in_rdx);
    keep_x(j, (int64_t)p[0]);
}

/* SSE binops and compares; f64 when d */
static bool float_op(jc *j, unsigned op, const uint64_t *p)
{
    bool d = op >= 0xa0 || (op >= 0x61 && op <= 0x66) || op == 0x9f || op == 0x99 || op == 0x9a;
    uint8_t pfx = d ? 0xF2 : 0xF3;
    static const uint8_t arith[] = {0x58, 0x5C, 0x59, 0x5E}; /* add sub mul div */
    if ((op >= 0x92 && op <= 0x95) || (op >= 0xa0 && op <= 0xa3)) {
        unsigned k = op - (d ? 0xa0 : 0x92);
        int r = loc_of(j, p[0]);
        uint64_t a, b;
        if (r >= JREG_XMM && reg_order(p, k == 0 || k == 2, &a, &b)) { /* in dst's register */
            int x = r - JREG_XMM;
            if (a != p[0])
                get_x(j, x, a, d);
            const uint8_t opc[] = {0x0F, arith[k]};
            if (j->xin == (int64_t)b && loc_of(j, b) == JREG_NONE)
                x_rr(&j->b, pfx, false, opc, 2, x, 0, false);
            else
                slot_rm(j, pfx, false, opc, 2, x, b, true, false);
            keep_x(j, (int64_t)p[0]);
            keep_r(j, (int64_t)p[0]);
            return true;
        }
        need_x(j, p[1], d);
        slot_rm(j, pfx, false, (const uint8_t[]){0x0F, arith[k]}, 2, 0, p[2], true, false);
        st_x(j, p[0], d);
        keep_r(j, (int64_t)p[0]);
        return true;
    }
    if (op == 0x91 || op == 0x9f) { /* sqrt */
        if (j->xin == (int64_t)p[1])
            x_rr(&j->b, pfx, false, OPC(0x0F, 0x51), 0, 0, false);
        else
            slot_rm(j, pfx, false, OPC(0x0F, 0x51), 0, p[1], true, false);
        st_x(j, p[0], d);
        keep_r(j, (int64_t)p[0]);
        return true;
    }
    if ((op >= 0x5b && op <= 0x60) || (op >= 0x61 && op <= 0x66)) {
        unsigned k = op - (d ? 0x61 : 0x5b); /* eq ne lt gt le ge */
        bool swap = k == 2 || k == 4;        /* a < b is b > a */
        uint64_t first = swap ? p[2] : p[1];
        need_x(j, first, d);
        j->xcache = first != p[0] ? (int64_t)first : -1;
        slot_rm(j, d ? 0x66 : 0, false, OPC(0x0F, 0x2E), 0, swap ? p[1] : p[2], true,
                false); /* ucomis */
        if (k <= 1) {
            x_setcc(&j->b, k == 0 ? CC_E : CC_NE, RAX);
            x_setcc(&j->b, k == 0 ? CC_NP : CC_P, RCX);
            x_rr(&j->b, 0, false, OPC(k == 0 ? 0x20 : 0x08), RCX, RAX, false); /* and/or al, cl */
            x_movzx8_rr(&j->b, RAX, RAX);
            st64(j, RAX, p[0]);
        } else {
            set_result(j, k <= 3 ? CC_A : CC_AE, p[0]);
        }
        return true;
    }
    return false;
}

/* conversions and bit-level float ops with a direct instruction */
/* i32.trunc_f32_s / i32.trunc_f64_s: cvtts*2si gives INT32_MIN for NaN,
 * out of range and -2^31 itself; those go to the helper, which traps or
 * gives -2^31 with the interpreter's messages */
static void emit_trunc32(jc *j, const uint64_t *p, bool d)
{
    need_x(j, p[1], d);
    x_rr(&j->b, d ? 0xF2 : 0xF3, false, OPC(0x0F, 0x2C), RAX, 0, false); /* cvtts*2si eax */
    x_alu_ri(&j->b, false, ALU_CMP, RAX, INT32_MIN);
    size_t fast = x_jcc32(&j->b, CC_NE);
    spill_all(j);
    emit_helper(j, JH_OP, p - 1, false);
    reload_all(j);
    size_t done = x_jmp32(&j->b);
    x_link(&j->b, fast, j->b.n);
    st64(j, RAX, p[0]);
    x_link(&j->b, done, j->b.n);
}

static bool convert_op(jc *j, unsigned op, const uint64_t *p)
{
    switch (op) {
    case 0x67: /* i32.clz: 31 - bsr, 32 for 0 */
    case 0x79: /* i64.clz */
    case 0x68: /* i32.ctz: bsf, 32 for 0 */
    case 0x7a: {
        bool w = op >= 0x79, clz = op == 0x67 || op == 0x79;
        slot_rm(j, 0, w, OPC(0x0F, clz ? 0xBD : 0xBC), RAX, p[1], false, false); /* bsr/bsf */
        x_mov_imm(&j->b, RCX, clz ? (w ? 127 : 63) : (w ? 64 : 32));
        x_rr(&j->b, 0, false, OPC(0x0F, 0x44), RAX, RCX, false); /* cmove eax, ecx: zero */
        if (clz)
            x_alu_ri(&j->b, false, ALU_XOR, RAX, w ? 63 : 31);
        break;
    }
    case 0xa8: /* i32.trunc_f32_s */
    case 0xaa: /* i32.trunc_f64_s */
        emit_trunc32(j, p, op == 0xaa);
        return true;
    case 0xb3: /* f32.convert_i32_u */
    case 0xb8: /* f64.convert_i32_u: exact from the zero-extended 64-bit integer */
        ld32(j, RAX, p[1]);
        x_rr(&j->b, 0, false, OPC(0x0F, 0x57), 0, 0, false); /* xorps */
        x_rr(&j->b, op == 0xb8 ? 0xF2 : 0xF3, true, OPC(0x0F, 0x2A), 0, RAX, false);
        st_x(j, p[0], op == 0xb8);
        return true;
    case 0xa7: /* i32.wrap_i64 */
    case 0xad: /* i64.extend_i32_u */
        ld32(j, RAX, p[1]);
        break;
    case 0xac:                                                   /* i64.extend_i32_s */
    case 0xc4:                                                   /* i64.extend32_s */
        slot_rm(j, 0, true, OPC(0x63), RAX, p[1], false, false); /* movsxd */
        break;
    case 0xbc:
    case 0xbd:
    case 0xbe:
    case 0xbf: /* reinterpretations */
        ld64(j, RAX, p[1]);
        break;
    case 0xc0:
    case 0xc1:
    case 0xc2:
    case 0xc3: /* extend8/16_s */
        slot_rm(j, 0, op >= 0xc2, OPC(0x0F, (op & 1) ? 0xBF : 0xBE), RAX, p[1], false,
                !(op & 1)); /* movsx */
        break;
    case 0x8b: /* f32.abs */
    case 0x8c: /* f32.neg */
        ld32(j, RAX, p[1]);
        x_alu_ri(&j->b, false, op == 0x8b ? ALU_AND : ALU_XOR, RAX,
                 op == 0x8b ? 0x7fffffff : INT32_MIN);
        break;
    case 0x99: /* f64.abs: btr rax, 63 */
    case 0x9a: /* f64.neg: btc rax, 63 */
        ld64(j, RAX, p[1]);
        x_rr(&j->b, 0, true, OPC(0x0F, 0xBA), op == 0x99 ? 6 : 7, RAX, false);
        x_byte(&j->b, 63);
        break;
    case 0xb2:
    case 0xb4:
    case 0xb7:
    case 0xb9: { /* f32/f64.convert_i32/i64_s */
        uint8_t pfx = op >= 0xb7 ? 0xF2 : 0xF3;
        x_rr(&j->b, 0, false, OPC(0x0F, 0x57), 0, 0, false); /* xorps: no false dependency */
        slot_rm(j, pfx, op == 0xb4 || op == 0xb9, OPC(0x0F, 0x2A), 0, p[1], false,
                false); /* cvtsi2s */
        st_x(j, p[0], op >= 0xb7);
        keep_r(j, (int64_t)p[0]);
        return true;
    }
    case 0xb6: /* f32.demote_f64 */
    case 0xbb: /* f64.promote_f32 */
        slot_rm(j, op == 0xb6 ? 0xF2 : 0xF3, false, OPC(0x0F, 0x5A), 0, p[1], true,
                false); /* cvts2s */
        st_x(j, p[0], op == 0xbb);
        keep_r(j, (int64_t)p[0]);
        return true;
    default:
        return false;
    }
    st64(j, RAX, p[0]);
    keep_x(j, (int64_t)p[0]);
    return true;
}

/* A comparison into `dst` whose only reader is the next op, a br_if or
 * if (BR_UNLESS) on it: branch on the flags instead of materialising the
 * i32. Only for operand-stack slots (a local could be read again) and when
 * nothing else jumps to that branch. */
static bool fuse_branch(jc *j, uint64_t dst, int cc)
{
    const uint64_t *n = j->next;
    if (n == NULL || (n[0] != OP_BR_IF && n[0] != OP_BR_UNLESS) || n[1] != dst ||
        j->is_target[j->next_pos] || dst < (uint64_t)j->c->nlocals + j->c->npool)
        return false;
    size_t target = (size_t)((int64_t)(j->next_pos + 2) + (int64_t)n[2]);
    jcc_to(j, n[0] == OP_BR_IF ? cc : cc ^ 1, target, j->next_pos);
    j->took_next = true;
    return true;
}

/* cmp a, b (w: 64-bit): on a's register when it has one (returns true;
 * rax untouched), else in rax */
static bool cmp_a(jc *j, bool w, uint64_t a, uint64_t b)
{
    int l = loc_of(j, a);
    if (l != JREG_NONE && l < JREG_XMM) {
        alu_rb(j, w, ALU_CMP, 0x3B, l, b);
        return true;
    }
    if (w)
        need64(j, a);
    else
        need32(j, a);
    alu_b(j, w, ALU_CMP, 0x3B, b);
    return false;
}

/* a copy into a register: from a register, rax, xmm0 or an immediate */
static bool copy_reg(jc *j, const uint64_t *p)
{
    int d = loc_of(j, p[0]), s = loc_of(j, p[1]);
    if (d != JREG_NONE && d < JREG_XMM)
        get_int(j, d, p[1], !j->zx[p[0]]);
    else if (d >= JREG_XMM && (s >= JREG_XMM || j->xin == (int64_t)p[1]))
        get_x(j, d - JREG_XMM, p[1], true);
    else
        return false;
    keep_r(j, (int64_t)p[0]);
    keep_x(j, (int64_t)p[0]);
    return true;
}

/* rax = globals[idx], off rbp, or off the context when rbp holds a slot */
static void global_ptr(jc *j, uint64_t idx)
{
    int base = RBP;
    if (slot_in(j, RBP) >= 0) {
        x_load64(&j->b, RAX, R12, CTX(globals));
        base = RAX;
    }
    x_load64(&j->b, RAX, base, (int32_t)(8 * idx));
}

/* ---- one op ---- */

static void emit_op(jc *j, const uint64_t *pc, size_t pos)
{
    unsigned op = (unsigned)pc[0];
    if (j->is_target[pos] & LOOP_HEAD)
        fuel_tick(j);
    j->in = j->is_target[pos] ? -1 : j->cache;
    j->in_zx = j->cache_zx;
    j->cache = -1;
    j->xin = j->is_target[pos] ? -1 : j->xcache;
    j->xcache = -1;
    j->fin = j->is_target[pos] ? -1 : j->fcache;
    j->fcache = -1;
    const uint64_t *p = pc + 1;
#define TARGET(at) ((size_t)((int64_t)(pos + (at)) + (int64_t)pc[at]))
    switch (op) {
    case OP_UNREACHABLE:
        to_stub(j, x_jmp32(&j->b), JT_UNREACHABLE);
        return;
    case OP_BR:
        jump_to(j, TARGET(1), pos);
        return;
    case OP_BR_IF:
    case OP_BR_UNLESS:
        test32(j, p[0]);
        keep_x(j, -1);
        jcc_to(j, op == OP_BR_IF ? CC_NE : CC_E, TARGET(2), pos);
        return;
    case OP_BR_ADJ:
        move_slots(j, p[1], p[2], p[3]);
        jump_to(j, TARGET(1), pos);
        return;
    case OP_BR_IF_ADJ: {
        cmp0(j, false, p[0]);
        size_t skip = x_jcc32(&j->b, CC_E);
        move_slots(j, p[2], p[3], p[4]);
        jump_to(j, TARGET(2), pos);
        x_link(&j->b, skip, j->b.n);
        return;
    }
    case OP_BR_TABLE:
        emit_br_table(j, pc, pos);
        return;
    case OP_RETURN:
        emit_return(j, p[0], p[1]);
        return;
    case OP_CALL: {
        const wf_functype *ft = &j->m->types[j->m->func_type[p[0]]];
        spill_call(j, p[1], ft->nparams);
        emit_call(j, pc);
        reload_call(j, p[1], ft->nresults);
        return;
    }
    case OP_CALL_INDIRECT: { /* [typeidx][tableidx][base][i] */
        const wf_functype *ft = &j->m->types[p[0]];
        spill_call(j, p[2], ft->nparams);
        if (loc_of(j, p[3]) != JREG_NONE && p[3] >= p[2] + ft->nparams)
            spill_one(j, p[3]); /* the slow path's helper reads the index */
        emit_call_indirect(j, pc);
        reload_call(j, p[2], ft->nresults);
        return;
    }
    case OP_SELECT: /* [dst][a][b][cond] */
        ld64(j, RCX, p[1]);
        cmp0(j, false, p[3]);
        slot_rm(j, 0, true, OPC(0x0F, 0x44), RCX, p[2], false, false); /* cmove */
        st64(j, RCX, p[0]);
        return;
    case OP_COPY:
        if (copy_reg(j, p))
            return;
        keep_x(j, (int64_t)p[0]);
        need64(j, p[1]);
        st_rax(j, p[0], j->in == (int64_t)p[1] && j->in_zx);
        return;
    case OP_CONST:
        keep_x(j, (int64_t)p[0]);
        if (loc_of(j, p[0]) != JREG_NONE && loc_of(j, p[0]) < JREG_XMM) {
            x_mov_imm(&j->b, loc_of(j, p[0]), p[1]);
            keep_r(j, (int64_t)p[0]);
            return;
        }
        x_mov_imm(&j->b, RAX, p[1]);
        st_rax(j, p[0], p[1] <= 0xffffffffu);
        return;
    case OP_GLOBAL_GET:
        keep_x(j, (int64_t)p[0]);
        global_ptr(j, p[1]);
        x_load64(&j->b, RAX, RAX, (int32_t)offsetof(wf_global, val));
        st_rax(j, p[0], false);
        return;
    case OP_GLOBAL_SET:
        global_ptr(j, p[1]);
        ld64(j, RCX, p[0]);
        x_store64(&j->b, RCX, RAX, (int32_t)offsetof(wf_global, val));
        return;
    case 0x45: /* i32.eqz */
    case 0x50: /* i64.eqz */
        keep_x(j, (int64_t)p[0]);
        if (op == 0x45 && j->fin == (int64_t)p[1])
            ;                            /* the flags are the i32's */
        else if (j->in == (int64_t)p[1]) /* test eax / rax */
            x_rr(&j->b, 0, op == 0x50, OPC(0x85), RAX, RAX, false);
        else
            cmp0(j, op == 0x50, p[1]);
        set_result(j, CC_E, p[0]);
        return;
    }
    if (op >= 0x28 && op <= 0x3e) {
        emit_mem(j, pc, op - 0x28, false);
        return;
    }
    if (op >= OP_ADDR2 && op <= OP_ADDR2 + 0x16) {
        emit_mem(j, pc, op - OP_ADDR2, true);
        return;
    }
    if (op >= OP_BRC && op <= OP_BRC + 9) {
        bool reg = cmp_a(j, false, p[0], p[1]);
        jcc_to(j, cmp_cc[op - OP_BRC], TARGET(3), pos);
        keep_x(j, -1);
        if (reg) {
            keep_r(j, -1);
            return;
        }
        /* fall-through: rax holds a, the slot is unchanged */
        j->cache = (int64_t)p[0];
        j->cache_zx = j->in == (int64_t)p[0] ? j->in_zx : true;
        return;
    }
    if ((op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x5a)) {
        bool w = op >= 0x51;
        bool reg = cmp_a(j, w, p[1], p[2]);
        int cc = cmp_cc[op - (w ? 0x51 : 0x46)];
        if (fuse_branch(j, p[0], cc)) {
            keep_x(j, -1);
            if (reg) {
                keep_r(j, -1);
                return;
            }
            j->cache = (int64_t)p[1];
            j->cache_zx = j->in == (int64_t)p[1] ? j->in_zx : !w;
            return;
        }
        set_result(j, cc, p[0]);
        keep_x(j, (int64_t)p[0]);
        return;
    }
    if (int_binop(j, op, p, false) || int_binop(j, op, p, true))
        return;
    if (op >= 0x6d && op <= 0x70) {
        emit_div(j, p, op - 0x6d, false);
        return;
    }
    if (op >= 0x7f && op <= 0x82) {
        emit_div(j, p, op - 0x7f, true);
        return;
    }
    if (float_op(j, op, p) || convert_op(j, op, p))
        return;
    spill_all(j);
    emit_helper(j, JH_OP, pc, false);
    reload_all(j);
#undef TARGET
}

/* ---- functions ---- */

static void emit_stubs(jc *j, size_t err_exit)
{
    for (int k = 0; k < JT_COUNT; k++) {
        if (j->nstub[k] == 0 && !(k == JT_OOB && j->unchecked))
            continue;
        if (k == JT_OOB)
            j->oob_at = j->b.n;
        for (size_t i = 0; i < j->nstub[k]; i++)
            x_link(&j->b, j->stub_fix[k][i], j->b.n);
        if (k == JT_FUEL)
            x_store64(&j->b, R15, R12, CTX(fuel));
        x_mov_rr(&j->b, true, RDI, R12);
        x_mov_imm(&j->b, RSI, (uint64_t)k);
        x_mov_imm(&j->b, RDX, j->fidx);
        call_abs(j, JH_TRAP);
        x_link(&j->b, x_jmp32(&j->b), err_exit);
        j->nstub[k] = 0;
    }
    for (size_t i = 0; i < j->nstub[ERR_EXIT]; i++)
        x_link(&j->b, j->stub_fix[ERR_EXIT][i], err_exit);
    j->nstub[ERR_EXIT] = 0;
}

/* The prologue's slow path: wf_jit_grow(ctx, frame end, rsp, fidx) charges
 * another step of stack to the budget (0: check again) or records the trap. */
static void emit_grow(jc *j, size_t err_exit)
{
    x_link(&j->b, j->grow_fix[0], j->b.n);
    x_link(&j->b, j->grow_fix[1], j->b.n);
    x_mov_rr(&j->b, true, RDI, R12);
    x_mem(&j->b, 0, true, OPC(0x8D), RSI, RBX, NOIDX, 1, (int32_t)(8 * j->c->max_height), false);
    x_mov_rr(&j->b, true, RDX, RSP);
    x_mov_imm(&j->b, RCX, j->fidx);
    call_abs(j, JH_GROW);
    x_rr(&j->b, 0, false, OPC(0x85), RAX, RAX, false); /* test eax, eax */
    x_link(&j->b, x_jcc32(&j->b, CC_NE), err_exit);
    x_link(&j->b, x_jmp32(&j->b), j->check_at);
}

/* The guarded variant's last WF_JIT_TAIL bytes (jit.h): where the fault
 * handler resumes an unchecked access that faulted, a jump to the
 * out-of-bounds stub; ud2 (never reached) when there is none. */
static void emit_tail(jc *j)
{
    if (!j->guarded)
        return;
    if (j->unchecked) {
        x_link(&j->b, x_jmp32(&j->b), j->oob_at);
        return;
    }
    x_byte(&j->b, 0x0F), x_byte(&j->b, 0x0B);
    x_byte(&j->b, 0xCC), x_byte(&j->b, 0xCC), x_byte(&j->b, 0xCC);
}

static void emit_prologue(jc *j)
{
    const wf_code *c = j->c;
    x_push(&j->b, RBX);
    x_mov_rr(&j->b, true, RBX, RDI);
    /* below the soft ends of the machine stack and the slot stack, or grow
     * them (emit_grow) and check again */
    j->check_at = j->b.n;
    x_mem(&j->b, 0, true, OPC(0x3B), RSP, R12, NOIDX, 1, CTX(native_limit), false); /* cmp rsp */
    j->grow_fix[0] = x_jcc32(&j->b, CC_B);
    x_mem(&j->b, 0, true, OPC(0x8D), RAX, RBX, NOIDX, 1, SLOT(c->max_height), false);
    x_mem(&j->b, 0, true, OPC(0x3B), RAX, R12, NOIDX, 1, CTX(stack_end), false);
    j->grow_fix[1] = x_jcc32(&j->b, CC_A);
    fuel_tick(j);
    /* the declared locals without a register start at zero in memory */
    uint32_t n = c->nlocals - c->nparams, in_mem = n;
    for (size_t k = 0; k < j->nregs; k++)
        in_mem -= j->regs[k] >= c->nparams && j->regs[k] < c->nlocals;
    if (in_mem)
        x_rr(&j->b, 0, false, OPC(0x31), RAX, RAX, false);
    if (in_mem <= 16) {
        for (uint32_t k = 0; k < n; k++)
            if (loc_of(j, c->nparams + k) == JREG_NONE)
                st64(j, RAX, c->nparams + k);
    } else { /* rep stosq */
        x_mem(&j->b, 0, true, OPC(0x8D), RDI, RBX, NOIDX, 1, SLOT(c->nparams), false);
        x_mov_imm(&j->b, RCX, n);
        x_byte(&j->b, 0xF3), x_byte(&j->b, 0x48), x_byte(&j->b, 0xAB);
    }
    j->pool_at = 0;
    j->pool_need = 0;
    size_t at = j->b.n;
    for (uint32_t k = 0; k < c->npool; k++) {
        x_mov_imm(&j->b, RAX, c->pool[k]);
        st64(j, RAX, c->nlocals + k);
    }
    j->pool_at = at;
    j->pool_end = j->b.n;
    /* the locals that live in registers: params from their slots, the
     * others zero (operand-stack slots are written before they are read) */
    for (size_t k = 0; k < j->nregs; k++) {
        uint32_t s = j->regs[k];
        int r = j->loc[s];
        if (s < c->nparams)
            load_one(j, s);
        else if (s >= c->nlocals)
            continue;
        else if (r >= JREG_XMM)
            x_rr(&j->b, 0, false, OPC(0x0F, 0x57), r - JREG_XMM, r - JREG_XMM, false); /* xorps */
        else
            x_rr(&j->b, 0, false, OPC(0x31), r, r, false); /* xor r32, r32 */
    }
}

/* Takes len bytes at `at` out of the code emitted so far: what follows
 * moves down, and so does every position recorded after them (branch
 * fixes, trap stubs, relocations, where each op starts). Jumps inside the
 * code moved are relative, so they stay right. */
static void cut(jc *j, size_t at, size_t len)
{
    size_t end = at + len;
    memmove(j->b.p + at, j->b.p + end, j->b.n - end);
    j->b.n -= len;
    for (size_t i = 0; i < j->nfix; i++) {
        if (j->fix[i].at >= end)
            j->fix[i].at -= len;
        if (j->fix[i].kind == FIX_TABLE && j->fix[i].base >= end)
            j->fix[i].base -= len;
    }
    for (size_t i = 0; i < j->nrel; i++)
        if (j->rel[i].at >= end)
            j->rel[i].at -= (uint32_t)len;
    for (int t = 0; t <= JT_COUNT; t++)
        for (size_t i = 0; i < j->nstub[t]; i++)
            if (j->stub_fix[t][i] >= end)
                j->stub_fix[t][i] -= len;
    for (size_t k = 0; k < j->c->nops; k++)
        if (j->native_at[j->c->ops[k]] >= end)
            j->native_at[j->c->ops[k]] -= (uint32_t)len;
}

/* The prologue's copy of the pool keeps only the slots code reads from
 * memory (pool_need), rewritten in place; the rest is cut out. */
static void trim_pool(jc *j)
{
    const wf_code *c = j->c;
    uint64_t all = c->npool >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << c->npool) - 1;
    size_t len = j->pool_end - j->pool_at;
    if ((j->pool_need & all) == all || len == 0)
        return;
    xbuf t = {0};
    for (uint32_t k = 0; k < c->npool; k++)
        if (j->pool_need >> k & 1) {
            x_mov_imm(&t, RAX, c->pool[k]);
            x_store64(&t, RAX, RBX, (int32_t)(8 * ((uint64_t)c->nlocals + k)));
        }
    if (t.n)
        memcpy(j->b.p + j->pool_at, t.p, t.n);
    cut(j, j->pool_at + t.n, len - t.n);
    free(t.p);
}

static void mark(jc *j, size_t from, size_t target)
{
    j->is_target[target] |= IS_TARGET | (target <= from ? LOOP_HEAD : 0);
}

static void mark_one(void *arg, size_t from, size_t target)
{
    mark(arg, from, target);
}

/* where branches land: there, nothing is known about rax */
static void mark_targets(jc *j, const wf_code *c)
{
    memset(j->is_target, 0, c->code_len + 1);
    for (size_t k = 0; k < c->nops; k++)
        wf_jit_each_branch(c, c->ops[k], mark_one, j);
}

/* ---- stores nothing reads ----
 * An op's result stored to a frame slot and left in rax is often read by
 * the next op from rax alone and never again (an operand-stack temporary
 * consumed at once). The store is emitted as usual; once the next op is
 * emitted, it is taken back if that op did not address the slot in the
 * frame, nothing outside the function read the frame during it, and
 * liveness says the slot is dead after it. Taking it back moves the next
 * op's code down: every position recorded while it was emitted (branch
 * fixes, trap stubs, relocations, its native_at) moves with it. */

struct mark {
    size_t start, len, nfix, nrel, nstub[JT_COUNT + 1];
    bool on;
};

static void watch_store(jc *j, struct mark *mk)
{
    mk->on =
        j->pend_slot >= 0 && j->pend_at + j->pend_len == j->b.n && j->live.bit[j->pend_slot] >= 0;
    j->watch = mk->on ? j->pend_slot : -1;
    mk->len = j->pend_len;
    j->pend_slot = -1;
    j->touched = j->opaque = false;
    mk->start = j->b.n, mk->nfix = j->nfix, mk->nrel = j->nrel;
    for (int i = 0; i <= JT_COUNT; i++)
        mk->nstub[i] = j->nstub[i];
}

/* after op k (the last op emitted: a fused pair ends at k) that began at
 * code index pos */
static void drop_dead_store(jc *j, const struct mark *mk, size_t k, size_t pos)
{
    uint64_t s = (uint64_t)j->watch;
    j->watch = -1;
    if (!mk->on || j->touched || j->opaque || wf_jit_live_after(&j->live, j->c, k, s))
        return;
    size_t len = mk->len, at = mk->start - len;
    if (j->pend_slot >= 0 && j->pend_at >= mk->start)
        j->pend_at -= len; /* this op's own store moves too */
    memmove(j->b.p + at, j->b.p + mk->start, j->b.n - mk->start);
    j->b.n -= len;
    for (size_t i = mk->nfix; i < j->nfix; i++) {
        j->fix[i].at -= len;
        if (j->fix[i].kind == FIX_TABLE)
            j->fix[i].base -= len;
    }
    for (size_t i = mk->nrel; i < j->nrel; i++)
        j->rel[i].at -= (uint32_t)len;
    for (int t = 0; t <= JT_COUNT; t++)
        for (size_t i = mk->nstub[t]; i < j->nstub[t]; i++)
            j->stub_fix[t][i] -= len;
    j->native_at[pos] -= (uint32_t)len;
    if (j->took_next)
        j->native_at[j->c->ops[k]] -= (uint32_t)len;
}

/* Liveness for the register slots, and as many of the other operand-stack
 * slots as fit (the lowest, the most used), whose stores it may spare. */
static void track_live(jc *j)
{
    const wf_code *c = j->c;
    uint32_t t[JLIVE_MAX];
    size_t n = 0;
    for (size_t k = 0; k < j->nregs; k++)
        t[n++] = j->regs[k];
    for (uint32_t s = c->nlocals + c->npool; s < c->max_height && n < JLIVE_MAX; s++)
        if (j->loc[s] == JREG_NONE)
            t[n++] = s;
    wf_jit_live_free(&j->live);
    wf_jit_live_compute(j->m, c, t, n, &j->live);
}

static bool compile_func(jc *j, uint32_t i)
{
    const wf_code *c = &j->m->codes[i];
    j->c = c;
    j->fidx = j->m->n_func_imports + i;
    if (!wf_jit_fits(j->m, i))
        return false;
    j->native_at = xreallocarray(j->native_at, c->code_len + 1, sizeof *j->native_at);
    j->is_target = xrealloc(j->is_target, c->code_len + 1);
    mark_targets(j, c);
    j->loc = xrealloc(j->loc, c->max_height ? c->max_height : 1);
    j->nregs = wf_jit_alloc_regs(j->m, c, j->guarded, j->loc, j->regs);
    j->zx = xrealloc(j->zx, c->max_height ? c->max_height : 1);
    memset(j->zx, 0, c->max_height);
    for (size_t k = 0; k < j->nregs; k++) {
        uint32_t s = j->regs[k];
        j->zx[s] = s < c->nlocals && j->loc[s] < JREG_XMM && wf_local_type(c, s) == WF_I32;
    }
    track_live(j);
    j->cache = j->xcache = j->fcache = -1;
    j->nfix = 0;
    emit_prologue(j);
    j->pend_slot = -1;
    for (size_t k = 0; k < c->nops; k++) {
        size_t pos = c->ops[k];
        struct mark mk;
        watch_store(j, &mk);
        j->native_at[pos] = (uint32_t)j->b.n;
        j->next = k + 1 < c->nops ? c->code + c->ops[k + 1] : NULL;
        j->next_pos = k + 1 < c->nops ? c->ops[k + 1] : 0;
        j->took_next = false;
        j->k = k;
        emit_op(j, c->code + pos, pos);
        if (j->took_next) { /* not a branch target (see fuse_branch) */
            k++;
            j->native_at[c->ops[k]] = (uint32_t)j->b.n;
        }
        drop_dead_store(j, &mk, k, pos);
    }
    trim_pool(j);
    j->native_at[c->code_len] = (uint32_t)j->b.n; /* a branch to the very end */
    to_stub(j, x_jmp32(&j->b), JT_UNREACHABLE);
    size_t err_exit = j->b.n;
    pin_back(j); /* the caller's check_helper reads r14 */
    x_mov_imm(&j->b, RAX, 1);
    x_pop(&j->b, RBX);
    x_ret(&j->b);
    emit_stubs(j, err_exit);
    emit_grow(j, err_exit);
    emit_tail(j);
    for (size_t k = 0; k < j->nfix; k++) {
        const struct fix *f = &j->fix[k];
        size_t target = j->native_at[f->target];
        if (f->kind == FIX_REL32)
            x_link(&j->b, f->at, target);
        else
            x_patch32(&j->b, f->at, (uint32_t)(target - f->base));
    }
    return true;
}

bool wf_jit_fits(const wf_module *m, uint32_t i)
{
    /* word indexes are 32-bit in the tags position-independent code holds */
    return (uint64_t)m->codes[i].max_height * 8 + 8 <= INT32_MAX &&
           m->codes[i].code_len <= UINT32_MAX;
}

int wf_jit_compile_func(const wf_module *m, uint32_t i, bool guarded, uint8_t **code, size_t *len,
                        wf_jit_reloc **rel, size_t *nrel)
{
    jc j = {.m = m, .guarded = guarded, .pic = rel != NULL};
    bool ok = compile_func(&j, i) && j.b.n < INT32_MAX;
    free(j.native_at);
    free(j.is_target);
    free(j.loc);
    free(j.zx);
    wf_jit_live_free(&j.live);
    free(j.fix);
    for (int k = 0; k <= JT_COUNT; k++)
        free(j.stub_fix[k]);
    if (!ok) {
        free(j.b.p);
        free(j.rel);
        return -1;
    }
    *code = j.b.p;
    *len = j.b.n;
    if (rel) {
        *rel = j.rel;
        *nrel = j.nrel;
    } else {
        free(j.rel);
    }
    return 0;
}
