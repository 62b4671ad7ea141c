/* The template compiler's private state and bookkeeping, shared by its
 * files: jit_compile.c (the function driver: prologue, one op, stubs, the
 * stores nothing reads), jit_slots.h (slot access), jit_control.c (calls,
 * helpers, branches, returns), jit_ops_mem.c (loads and stores) and
 * jit_ops_arith.c (integer, float and conversion templates). See
 * jit_compile.c for the machine state the code keeps. */
#ifndef WEFT_WASM_JIT_COMPILE_H
#define WEFT_WASM_JIT_COMPILE_H

#include "wasm/code.h"
#include "wasm/jit/jit.h"
#include "wasm/jit/jit_live.h"
#include "wasm/jit/jit_regs.h"
#include "wasm/jit/x64_emit.h"

#include <stddef.h>

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
static inline int32_t slot_disp(jc *j, uint64_t i)
{
    if ((int64_t)i == j->watch)
        j->touched = true;
    if (i >= j->c->nlocals && i < (uint64_t)j->c->nlocals + j->c->npool && j->pool_at)
        j->pool_need |= (uint64_t)1 << (i - j->c->nlocals);
    return (int32_t)(8 * i);
}

static inline void add_fix(jc *j, size_t at, size_t target, enum fix_kind kind, size_t base)
{
    if (j->nfix == j->capfix) {
        j->capfix = j->capfix ? j->capfix * 2 : 64;
        j->fix = xreallocarray(j->fix, j->capfix, sizeof *j->fix);
    }
    j->fix[j->nfix++] = (struct fix){at, target, base, kind};
}

static inline void to_stub(jc *j, size_t at, int kind)
{
    if (j->nstub[kind] == j->capstub[kind]) {
        j->capstub[kind] = j->capstub[kind] ? j->capstub[kind] * 2 : 16;
        j->stub_fix[kind] = xreallocarray(j->stub_fix[kind], j->capstub[kind], sizeof(size_t));
    }
    j->stub_fix[kind][j->nstub[kind]++] = at;
}

static inline void jcc_stub(jc *j, int cc, int kind)
{
    to_stub(j, x_jcc32(&j->b, cc), kind);
}

/* A link fixup of position-independent code (jc.pic): the rel32 just
 * emitted, at the current end, is to be pointed at a helper's or an entry
 * slot's word of the table the code is mapped after (jit.h). */
static inline void add_link(jc *j, uint32_t kind, uint32_t arg)
{
    if (j->nrel == j->caprel) {
        j->caprel = j->caprel ? 2 * j->caprel : 16;
        j->rel = xreallocarray(j->rel, j->caprel, sizeof *j->rel);
    }
    j->rel[j->nrel++] = (wf_jit_reloc){.at = (uint32_t)j->b.n - 4, .kind = kind, .arg = arg};
}

/* rax = the address of defined function k's entry slot */
static inline void entry_addr(jc *j, uint32_t k)
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
static inline void op_words_arg(jc *j, const uint64_t *pc)
{
    uint32_t word = (uint32_t)(pc - j->c->code);
    x_mov_imm(&j->b, RDX, j->pic ? wf_jit_pc_tag(word) : (uint64_t)(uintptr_t)pc);
}

static inline void call_abs(jc *j, enum wf_jit_helper h)
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

/* ---- shared by the files of the compiler ---- */

/* jit_control.c */
void jc_fuel_tick(jc *j);
void jc_jump_to(jc *j, size_t target, size_t pos);
void jc_jcc_to(jc *j, int cc, size_t target, size_t pos);
void jc_emit_return(jc *j, uint64_t n, uint64_t from);
void jc_emit_br_table(jc *j, const uint64_t *pc, size_t pos);
void jc_emit_call(jc *j, const uint64_t *pc);
void jc_emit_helper(jc *j, enum wf_jit_helper fn, const uint64_t *pc, bool sync_fuel);
void jc_emit_call_indirect(jc *j, const uint64_t *pc);

/* jit_ops_mem.c */
void jc_emit_mem(jc *j, const uint64_t *pc, unsigned k, bool two);

/* jit_ops_arith.c */
void jc_set_result(jc *j, int cc, uint64_t dst);
bool jc_int_binop(jc *j, unsigned op, const uint64_t *p, bool w);
void jc_emit_div(jc *j, const uint64_t *p, unsigned k, bool w);
bool jc_float_op(jc *j, unsigned op, const uint64_t *p);
bool jc_convert_op(jc *j, unsigned op, const uint64_t *p);
bool jc_fuse_branch(jc *j, uint64_t dst, int cc);
bool jc_cmp_a(jc *j, bool w, uint64_t a, uint64_t b);
bool jc_copy_reg(jc *j, const uint64_t *p);
void jc_global_ptr(jc *j, uint64_t idx);

#endif
