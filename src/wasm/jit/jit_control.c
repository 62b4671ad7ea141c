/* The template compiler's control templates: fuel, branches, br_table,
 * returns, calls (inside the module through entry slots, else through a
 * helper) and the C helpers of rare ops. */
#include "wasm/jit/jit_compile.h"
#include "wasm/jit/jit_slots.h"

/* ---- control ---- */

void jc_fuel_tick(jc *j)
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
void jc_jump_to(jc *j, size_t target, size_t pos)
{
    (void)pos;
    add_fix(j, x_jmp32(&j->b), target, FIX_REL32, 0);
}

void jc_jcc_to(jc *j, int cc, size_t target, size_t pos)
{
    (void)pos;
    add_fix(j, x_jcc32(&j->b, cc), target, FIX_REL32, 0);
}

/* The results go to the frame's first slots in memory, where the caller
 * reads them, whether or not those slots' locals live in registers. */
void jc_emit_return(jc *j, uint64_t n, uint64_t from)
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
void jc_emit_br_table(jc *j, const uint64_t *pc, size_t pos)
{
    uint64_t n = pc[2];
    need32zx(j, pc[1]);
    x_mov_imm(&j->b, RCX, n);
    x_rr(&j->b, 0, false, OPC(0x3B), RAX, RCX, false);       /* cmp eax, ecx */
    x_rr(&j->b, 0, false, OPC(0x0F, 0x47), RAX, RCX, false); /* cmova eax, ecx */
    jc_fuel_tick(j);
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

void jc_emit_call(jc *j, const uint64_t *pc)
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
void jc_emit_helper(jc *j, enum wf_jit_helper fn, const uint64_t *pc, bool sync_fuel)
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
void jc_emit_call_indirect(jc *j, const uint64_t *pc)
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
    jc_emit_helper(j, JH_CALL_INDIRECT, pc, true);
    x_link(&j->b, done, j->b.n);
}
