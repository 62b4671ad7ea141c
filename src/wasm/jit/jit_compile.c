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
#include "wasm/jit/jit_compile.h"
#include "wasm/jit/jit_slots.h"

#include <stdlib.h>
#include <string.h>

/* ---- one op ---- */

static const uint8_t cmp_cc[10] = {CC_E, CC_NE, CC_L, CC_B, CC_G, CC_A, CC_LE, CC_BE, CC_GE, CC_AE};

static void emit_op(jc *j, const uint64_t *pc, size_t pos)
{
    unsigned op = (unsigned)pc[0];
    if (j->is_target[pos] & LOOP_HEAD)
        jc_fuel_tick(j);
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
        jc_jump_to(j, TARGET(1), pos);
        return;
    case OP_BR_IF:
    case OP_BR_UNLESS:
        test32(j, p[0]);
        keep_x(j, -1);
        jc_jcc_to(j, op == OP_BR_IF ? CC_NE : CC_E, TARGET(2), pos);
        return;
    case OP_BR_ADJ:
        move_slots(j, p[1], p[2], p[3]);
        jc_jump_to(j, TARGET(1), pos);
        return;
    case OP_BR_IF_ADJ: {
        cmp0(j, false, p[0]);
        size_t skip = x_jcc32(&j->b, CC_E);
        move_slots(j, p[2], p[3], p[4]);
        jc_jump_to(j, TARGET(2), pos);
        x_link(&j->b, skip, j->b.n);
        return;
    }
    case OP_BR_TABLE:
        jc_emit_br_table(j, pc, pos);
        return;
    case OP_RETURN:
        jc_emit_return(j, p[0], p[1]);
        return;
    case OP_CALL: {
        const wf_functype *ft = &j->m->types[j->m->func_type[p[0]]];
        spill_call(j, p[1], ft->nparams);
        jc_emit_call(j, pc);
        reload_call(j, p[1], ft->nresults);
        return;
    }
    case OP_CALL_INDIRECT: { /* [typeidx][tableidx][base][i] */
        const wf_functype *ft = &j->m->types[p[0]];
        spill_call(j, p[2], ft->nparams);
        if (loc_of(j, p[3]) != JREG_NONE && p[3] >= p[2] + ft->nparams)
            spill_one(j, p[3]); /* the slow path's helper reads the index */
        jc_emit_call_indirect(j, pc);
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
        if (jc_copy_reg(j, p))
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
        jc_global_ptr(j, p[1]);
        x_load64(&j->b, RAX, RAX, (int32_t)offsetof(wf_global, val));
        st_rax(j, p[0], false);
        return;
    case OP_GLOBAL_SET:
        jc_global_ptr(j, p[1]);
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
        jc_set_result(j, CC_E, p[0]);
        return;
    }
    if (op >= 0x28 && op <= 0x3e) {
        jc_emit_mem(j, pc, op - 0x28, false);
        return;
    }
    if (op >= OP_ADDR2 && op <= OP_ADDR2 + 0x16) {
        jc_emit_mem(j, pc, op - OP_ADDR2, true);
        return;
    }
    if (op >= OP_BRC && op <= OP_BRC + 9) {
        bool reg = jc_cmp_a(j, false, p[0], p[1]);
        jc_jcc_to(j, cmp_cc[op - OP_BRC], TARGET(3), pos);
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
        bool reg = jc_cmp_a(j, w, p[1], p[2]);
        int cc = cmp_cc[op - (w ? 0x51 : 0x46)];
        if (jc_fuse_branch(j, p[0], cc)) {
            keep_x(j, -1);
            if (reg) {
                keep_r(j, -1);
                return;
            }
            j->cache = (int64_t)p[1];
            j->cache_zx = j->in == (int64_t)p[1] ? j->in_zx : !w;
            return;
        }
        jc_set_result(j, cc, p[0]);
        keep_x(j, (int64_t)p[0]);
        return;
    }
    if (jc_int_binop(j, op, p, false) || jc_int_binop(j, op, p, true))
        return;
    if (op >= 0x6d && op <= 0x70) {
        jc_emit_div(j, p, op - 0x6d, false);
        return;
    }
    if (op >= 0x7f && op <= 0x82) {
        jc_emit_div(j, p, op - 0x7f, true);
        return;
    }
    if (jc_float_op(j, op, p) || jc_convert_op(j, op, p))
        return;
    spill_all(j);
    jc_emit_helper(j, JH_OP, pc, false);
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
    jc_fuel_tick(j);
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
        if (j->took_next) { /* not a branch target (see jc_fuse_branch) */
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
