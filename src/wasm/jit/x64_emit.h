/* A small x86-64 instruction encoder for the template compiler: only the
 * forms its templates use (register/memory operands with base + disp,
 * optional index, rel32 branches). Hand-written: Debian has no maintained
 * C library for emitting x86-64 that suits an embedded runtime. */
#ifndef WEFT_WASM_JIT_X64_EMIT_H
#define WEFT_WASM_JIT_X64_EMIT_H

#include "util/xalloc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum x_reg { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };
enum x_cc {
    CC_O,
    CC_NO,
    CC_B,
    CC_AE,
    CC_E,
    CC_NE,
    CC_BE,
    CC_A,
    CC_S,
    CC_NS,
    CC_P,
    CC_NP,
    CC_L,
    CC_GE,
    CC_LE,
    CC_G
};
#define NOIDX (-1)

typedef struct xbuf {
    uint8_t *p;
    size_t n, cap;
} xbuf;

static inline void x_byte(xbuf *b, uint8_t v)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = xrealloc(b->p, b->cap);
    }
    b->p[b->n++] = v;
}
static inline void x_u32(xbuf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        x_byte(b, (uint8_t)(v >> (8 * i)));
}
static inline void x_u64(xbuf *b, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        x_byte(b, (uint8_t)(v >> (8 * i)));
}
static inline void x_patch32(xbuf *b, size_t at, uint32_t v)
{
    memcpy(b->p + at, &v, 4);
}

/* prefix (0 = none; 0x66/0xF2/0xF3), REX, opcode bytes */
static inline void x_head(xbuf *b, uint8_t pfx, bool w, int reg, int idx, int base, bool force_rex,
                          const uint8_t *opc, int nopc)
{
    if (pfx)
        x_byte(b, pfx);
    uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) |
                            ((idx >= 0 && (idx & 8)) ? 2 : 0) | ((base & 8) ? 1 : 0));
    if (rex != 0x40 || force_rex)
        x_byte(b, rex);
    for (int i = 0; i < nopc; i++)
        x_byte(b, opc[i]);
}

/* op reg, [base + idx*scale + disp] */
static inline void x_mem(xbuf *b, uint8_t pfx, bool w, const uint8_t *opc, int nopc, int reg,
                         int base, int idx, int scale, int32_t disp, bool force_rex)
{
    x_head(b, pfx, w, reg, idx, base, force_rex, opc, nopc);
    int mod = (disp == 0 && (base & 7) != RBP) ? 0 : (disp >= -128 && disp <= 127) ? 1 : 2;
    bool sib = idx >= 0 || (base & 7) == RSP;
    x_byte(b, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (sib ? 4 : (base & 7))));
    if (sib) {
        int ss = scale == 8 ? 3 : scale == 4 ? 2 : scale == 2 ? 1 : 0;
        x_byte(b, (uint8_t)((ss << 6) | ((idx >= 0 ? idx & 7 : 4) << 3) | (base & 7)));
    }
    if (mod == 1)
        x_byte(b, (uint8_t)(int8_t)disp);
    else if (mod == 2)
        x_u32(b, (uint32_t)disp);
}

/* op reg, rm (register direct) */
static inline void x_rr(xbuf *b, uint8_t pfx, bool w, const uint8_t *opc, int nopc, int reg, int rm,
                        bool force_rex)
{
    x_head(b, pfx, w, reg, -1, rm, force_rex, opc, nopc);
    x_byte(b, (uint8_t)(0xC0 | ((reg & 7) << 3) | (rm & 7)));
}

#define OPC(...) ((const uint8_t[]){__VA_ARGS__}), (int)sizeof((const uint8_t[]){__VA_ARGS__})

/* the common forms */
static inline void x_load64(xbuf *b, int r, int base, int32_t d)
{
    x_mem(b, 0, true, OPC(0x8B), r, base, NOIDX, 1, d, false);
}
static inline void x_load32(xbuf *b, int r, int base, int32_t d)
{
    x_mem(b, 0, false, OPC(0x8B), r, base, NOIDX, 1, d, false);
}
static inline void x_store64(xbuf *b, int r, int base, int32_t d)
{
    x_mem(b, 0, true, OPC(0x89), r, base, NOIDX, 1, d, false);
}
static inline void x_store32(xbuf *b, int r, int base, int32_t d)
{
    x_mem(b, 0, false, OPC(0x89), r, base, NOIDX, 1, d, false);
}
static inline void x_mov_rr(xbuf *b, bool w, int dst, int src)
{
    x_rr(b, 0, w, OPC(0x89), src, dst, false);
}
static inline void x_mov_imm(xbuf *b, int r, uint64_t v)
{
    if (v <= 0xffffffffu) { /* mov r32, imm32 zero-extends */
        if (r & 8)
            x_byte(b, 0x41);
        x_byte(b, (uint8_t)(0xB8 + (r & 7)));
        x_u32(b, (uint32_t)v);
    } else {
        x_byte(b, (uint8_t)(0x48 | ((r & 8) ? 1 : 0)));
        x_byte(b, (uint8_t)(0xB8 + (r & 7)));
        x_u64(b, v);
    }
}
/* ALU op /digit with imm32 on a register (81 /n) */
static inline void x_alu_ri(xbuf *b, bool w, int digit, int r, int32_t imm)
{
    if (imm >= -128 && imm <= 127) {
        x_rr(b, 0, w, OPC(0x83), digit, r, false);
        x_byte(b, (uint8_t)(int8_t)imm);
    } else {
        x_rr(b, 0, w, OPC(0x81), digit, r, false);
        x_u32(b, (uint32_t)imm);
    }
}
/* ALU op /digit with imm on memory */
static inline void x_alu_mi(xbuf *b, bool w, int digit, int base, int32_t d, int32_t imm)
{
    if (imm >= -128 && imm <= 127) {
        x_mem(b, 0, w, OPC(0x83), digit, base, NOIDX, 1, d, false);
        x_byte(b, (uint8_t)(int8_t)imm);
    } else {
        x_mem(b, 0, w, OPC(0x81), digit, base, NOIDX, 1, d, false);
        x_u32(b, (uint32_t)imm);
    }
}
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };

static inline void x_push(xbuf *b, int r)
{
    if (r & 8)
        x_byte(b, 0x41);
    x_byte(b, (uint8_t)(0x50 + (r & 7)));
}
static inline void x_pop(xbuf *b, int r)
{
    if (r & 8)
        x_byte(b, 0x41);
    x_byte(b, (uint8_t)(0x58 + (r & 7)));
}
static inline void x_ret(xbuf *b)
{
    x_byte(b, 0xC3);
}
/* call/jmp through a register */
static inline void x_call_r(xbuf *b, int r)
{
    x_rr(b, 0, false, OPC(0xFF), 2, r, false);
}
static inline void x_jmp_r(xbuf *b, int r)
{
    x_rr(b, 0, false, OPC(0xFF), 4, r, false);
}
/* rel32 branches: return the position of the rel32 field to patch */
static inline size_t x_jmp32(xbuf *b)
{
    x_byte(b, 0xE9);
    x_u32(b, 0);
    return b->n - 4;
}
static inline size_t x_jcc32(xbuf *b, int cc)
{
    x_byte(b, 0x0F);
    x_byte(b, (uint8_t)(0x80 + cc));
    x_u32(b, 0);
    return b->n - 4;
}
static inline size_t x_call32(xbuf *b)
{
    x_byte(b, 0xE8);
    x_u32(b, 0);
    return b->n - 4;
}
/* point the rel32 at `at` to `target` (both buffer offsets) */
static inline void x_link(xbuf *b, size_t at, size_t target)
{
    x_patch32(b, at, (uint32_t)(int32_t)((int64_t)target - (int64_t)(at + 4)));
}
static inline void x_setcc(xbuf *b, int cc, int r)
{
    x_rr(b, 0, false, OPC(0x0F, (uint8_t)(0x90 + cc)), 0, r, r >= 4);
}
static inline void x_movzx8_rr(xbuf *b, int dst, int src)
{
    x_rr(b, 0, false, OPC(0x0F, 0xB6), dst, src, src >= 4);
}

#endif
