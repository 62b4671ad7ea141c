/* The template compiler's loads and stores of linear memory: bounds-checked,
 * or unchecked in a guarded memory (the fault is the trap). */
#include "wasm/guard.h"
#include "wasm/jit/jit_compile.h"
#include "wasm/jit/jit_slots.h"

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
void jc_emit_mem(jc *j, const uint64_t *pc, unsigned k, bool two)
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
