/* The template compiler's integer, float and conversion templates,
 * comparisons (fused with the branch that reads them), copies and globals. */
#include "wasm/jit/jit_compile.h"
#include "wasm/jit/jit_slots.h"

/* ---- arithmetic ---- */

void jc_set_result(jc *j, int cc, uint64_t dst)
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

/* the ALU ops, imul and shifts of jc_int_binop into dst's general register */
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
bool jc_int_binop(jc *j, unsigned op, const uint64_t *p, bool w)
{
    unsigned base = w ? 0x7c : 0x6a;
    static const uint8_t alu[] = {0x03, 0x2B, 0, 0, 0, 0, 0, 0x23, 0x0B, 0x33};
    unsigned k =
        op - base; /* add sub mul div_s div_u rem_s rem_u and or xor shl shr_s shr_u rotl rotr */
    if (op < base || k > 14)
        return false;
    if (k >= 3 && k <= 6)
        return false; /* division: jc_emit_div */
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
void jc_emit_div(jc *j, const uint64_t *p, unsigned k, bool w)
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
bool jc_float_op(jc *j, unsigned op, const uint64_t *p)
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
            jc_set_result(j, k <= 3 ? CC_A : CC_AE, p[0]);
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
    jc_emit_helper(j, JH_OP, p - 1, false);
    reload_all(j);
    size_t done = x_jmp32(&j->b);
    x_link(&j->b, fast, j->b.n);
    st64(j, RAX, p[0]);
    x_link(&j->b, done, j->b.n);
}

bool jc_convert_op(jc *j, unsigned op, const uint64_t *p)
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
bool jc_fuse_branch(jc *j, uint64_t dst, int cc)
{
    const uint64_t *n = j->next;
    if (n == NULL || (n[0] != OP_BR_IF && n[0] != OP_BR_UNLESS) || n[1] != dst ||
        j->is_target[j->next_pos] || dst < (uint64_t)j->c->nlocals + j->c->npool)
        return false;
    size_t target = (size_t)((int64_t)(j->next_pos + 2) + (int64_t)n[2]);
    jc_jcc_to(j, n[0] == OP_BR_IF ? cc : cc ^ 1, target, j->next_pos);
    j->took_next = true;
    return true;
}

/* cmp a, b (w: 64-bit): on a's register when it has one (returns true;
 * rax untouched), else in rax */
bool jc_cmp_a(jc *j, bool w, uint64_t a, uint64_t b)
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
bool jc_copy_reg(jc *j, const uint64_t *p)
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
void jc_global_ptr(jc *j, uint64_t idx)
{
    int base = RBP;
    if (slot_in(j, RBP) >= 0) {
        x_load64(&j->b, RAX, R12, CTX(globals));
        base = RAX;
    }
    x_load64(&j->b, RAX, base, (int32_t)(8 * idx));
}
