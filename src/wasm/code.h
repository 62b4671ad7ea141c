/* The internal code that validate.c emits and the execution tiers run
 * (interp.c threads it in place; a compiler reads the opcode numbers).
 *
 * A register-style code over the frame's slots: locals and operand-stack
 * positions share one array of wf_slot per frame (fp[0..nlocals) are the
 * locals, operand position p lives in fp[nlocals + p]). Every instruction is
 * an opcode word followed by pre-decoded immediates, most of them slot
 * numbers (dst, operands), so no operand-stack pointer exists at run time and
 * local.get/drop/nop/block/loop/end cost nothing. Opcodes below 0x100 keep
 * the wasm numbering; 0xFC-prefixed ops are 0x100 + sub-opcode. Branch
 * offsets are relative to the address of the offset word.
 */
#ifndef WEFT_WASM_CODE_H
#define WEFT_WASM_CODE_H

enum {
    OP_UNREACHABLE = 0x00,
    OP_BR_UNLESS = 0x04,     /* [cond][off]: jump if zero (if / else) */
    OP_BR = 0x0c,            /* [off] */
    OP_BR_IF = 0x0d,         /* [cond][off] */
    OP_BR_TABLE = 0x0e,      /* [i][n] then n+1 entries [off][arity][from][to] */
    OP_RETURN = 0x0f,        /* [nresults][from] */
    OP_CALL = 0x10,          /* [funcidx][base]: args and results at fp[base..] */
    OP_CALL_INDIRECT = 0x11, /* [typeidx][tableidx][base][i] */
    OP_SELECT = 0x1b,        /* [dst][a][b][cond] */
    OP_COPY = 0x21,          /* [dst][src] (local.set, materialisation) */
    OP_GLOBAL_GET = 0x23,    /* [dst][idx] */
    OP_GLOBAL_SET = 0x24,    /* [src][idx] */
    OP_TABLE_GET = 0x25,     /* [dst][i][table] */
    OP_TABLE_SET = 0x26,     /* [i][val][table] */
    /* 0x28..0x35 loads: [dst][addr][offset]; 0x36..0x3e stores: [addr][val][offset] */
    OP_MEMORY_SIZE = 0x3f, /* [dst] */
    OP_MEMORY_GROW = 0x40, /* [dst][delta] */
    OP_CONST = 0x41,       /* [dst][bits] any 64-bit constant (also ref.null) */
    OP_REF_IS_NULL = 0xd1, /* [dst][a] */
    OP_REF_FUNC = 0xd2,    /* [dst][funcidx] */
    OP_FC = 0x100,         /* + sub-opcode, see validate.c op_fc */
    OP_BR_ADJ = 0x120,     /* [off][arity][from][to] */
    OP_BR_IF_ADJ = 0x121,  /* [cond][off][arity][from][to] */
    OP_BRC = 0x130,        /* + 0..9: i32 eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u,
                              [a][b][off]: jump if the comparison holds */
    OP_ADDR2 = 0x140,      /* + (load/store opcode - 0x28): the address is x + y,
                              loads [dst][x][y][offset], stores [x][y][val][offset] */
    OP_COUNT = 0x160,
};

#endif
