/* The internal code that validate.c emits and interp.c runs.
 *
 * A function is an array of 64-bit words: an opcode word followed by its
 * pre-decoded immediates. Opcodes below 0x100 keep the wasm numbering for
 * instructions that need no translation (numeric ops, loads/stores with the
 * offset as immediate, ...); 0xFC-prefixed ops are 0x100 + sub-opcode; the
 * rest are internal. Blocks, loops, nops and `end` emit nothing: branches
 * carry a relative target (added to the address of the offset word) and, when
 * the stack must be compacted, the kept value count and the target height
 * (slots above the frame pointer). Locals and the operand stack share one
 * array of wf_slot per frame: fp[0..nlocals) are locals, operands follow.
 */
#ifndef WEFT_WASM_CODE_H
#define WEFT_WASM_CODE_H

enum {
    OP_UNREACHABLE = 0x00,
    OP_BR_UNLESS = 0x04,     /* [off]: pop i32; jump if zero (if / else) */
    OP_BR = 0x0c,            /* [off] */
    OP_BR_IF = 0x0d,         /* [off] */
    OP_BR_TABLE = 0x0e,      /* [n] then n+1 entries [off][arity][height] */
    OP_RETURN = 0x0f,        /* [nresults] */
    OP_CALL = 0x10,          /* [funcidx] */
    OP_CALL_INDIRECT = 0x11, /* [typeidx][tableidx] */
    OP_DROP = 0x1a,
    OP_SELECT = 0x1b,
    OP_LOCAL_GET = 0x20, /* [idx] */
    OP_LOCAL_SET = 0x21,
    OP_LOCAL_TEE = 0x22,
    OP_GLOBAL_GET = 0x23,
    OP_GLOBAL_SET = 0x24,
    OP_TABLE_GET = 0x25, /* [table] */
    OP_TABLE_SET = 0x26,
    /* 0x28..0x3e loads/stores: [offset] */
    OP_MEMORY_SIZE = 0x3f,
    OP_MEMORY_GROW = 0x40,
    OP_CONST = 0x41, /* [bits] any 64-bit constant (also ref.null) */
    OP_REF_IS_NULL = 0xd1,
    OP_REF_FUNC = 0xd2, /* [funcidx] */
    OP_FC = 0x100,      /* + sub-opcode; immediates as in the binary */
    OP_BR_ADJ = 0x120,  /* [off][arity][height] */
    OP_BR_IF_ADJ = 0x121,
    OP_COUNT = 0x130,
};

#endif
