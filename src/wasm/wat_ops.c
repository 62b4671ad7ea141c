/* The instruction names of WebAssembly 2.0 (without SIMD) and what follows
 * each of them in the text (enum wat_imm). */
#include "wasm/wat_internal.h"

#include <string.h>

#define OP(n, c) {n, c, IM_NONE, 0}
#define OPI(n, c, i) {n, c, i, 0}
#define MEM(n, c, a) {n, c, IM_MEMARG, a}

static const wat_op ops[] = {
    OP("unreachable", 0x00), OP("nop", 0x01), OPI("block", 0x02, IM_BLOCK),
    OPI("loop", 0x03, IM_BLOCK), OPI("if", 0x04, IM_IF), OPI("else", 0x05, IM_ELSE),
    OPI("end", 0x0b, IM_END), OPI("br", 0x0c, IM_LABEL), OPI("br_if", 0x0d, IM_LABEL),
    OPI("br_table", 0x0e, IM_BR_TABLE), OP("return", 0x0f), OPI("call", 0x10, IM_FUNC),
    OPI("call_indirect", 0x11, IM_CALL_INDIRECT), OP("drop", 0x1a),
    OPI("select", 0x1b, IM_SELECT), OPI("local.get", 0x20, IM_LOCAL),
    OPI("local.set", 0x21, IM_LOCAL), OPI("local.tee", 0x22, IM_LOCAL),
    OPI("global.get", 0x23, IM_GLOBAL), OPI("global.set", 0x24, IM_GLOBAL),
    OPI("table.get", 0x25, IM_TABLE), OPI("table.set", 0x26, IM_TABLE),
    MEM("i32.load", 0x28, 2), MEM("i64.load", 0x29, 3), MEM("f32.load", 0x2a, 2),
    MEM("f64.load", 0x2b, 3), MEM("i32.load8_s", 0x2c, 0), MEM("i32.load8_u", 0x2d, 0),
    MEM("i32.load16_s", 0x2e, 1), MEM("i32.load16_u", 0x2f, 1), MEM("i64.load8_s", 0x30, 0),
    MEM("i64.load8_u", 0x31, 0), MEM("i64.load16_s", 0x32, 1), MEM("i64.load16_u", 0x33, 1),
    MEM("i64.load32_s", 0x34, 2), MEM("i64.load32_u", 0x35, 2), MEM("i32.store", 0x36, 2),
    MEM("i64.store", 0x37, 3), MEM("f32.store", 0x38, 2), MEM("f64.store", 0x39, 3),
    MEM("i32.store8", 0x3a, 0), MEM("i32.store16", 0x3b, 1), MEM("i64.store8", 0x3c, 0),
    MEM("i64.store16", 0x3d, 1), MEM("i64.store32", 0x3e, 2), OPI("memory.size", 0x3f, IM_MEM0),
    OPI("memory.grow", 0x40, IM_MEM0), OPI("i32.const", 0x41, IM_I32),
    OPI("i64.const", 0x42, IM_I64), OPI("f32.const", 0x43, IM_F32),
    OPI("f64.const", 0x44, IM_F64),
    /* comparisons */
    OP("i32.eqz", 0x45), OP("i32.eq", 0x46), OP("i32.ne", 0x47), OP("i32.lt_s", 0x48),
    OP("i32.lt_u", 0x49), OP("i32.gt_s", 0x4a), OP("i32.gt_u", 0x4b), OP("i32.le_s", 0x4c),
    OP("i32.le_u", 0x4d), OP("i32.ge_s", 0x4e), OP("i32.ge_u", 0x4f), OP("i64.eqz", 0x50),
    OP("i64.eq", 0x51), OP("i64.ne", 0x52), OP("i64.lt_s", 0x53), OP("i64.lt_u", 0x54),
    OP("i64.gt_s", 0x55), OP("i64.gt_u", 0x56), OP("i64.le_s", 0x57), OP("i64.le_u", 0x58),
    OP("i64.ge_s", 0x59), OP("i64.ge_u", 0x5a), OP("f32.eq", 0x5b), OP("f32.ne", 0x5c),
    OP("f32.lt", 0x5d), OP("f32.gt", 0x5e), OP("f32.le", 0x5f), OP("f32.ge", 0x60),
    OP("f64.eq", 0x61), OP("f64.ne", 0x62), OP("f64.lt", 0x63), OP("f64.gt", 0x64),
    OP("f64.le", 0x65), OP("f64.ge", 0x66),
    /* integer arithmetic */
    OP("i32.clz", 0x67), OP("i32.ctz", 0x68), OP("i32.popcnt", 0x69), OP("i32.add", 0x6a),
    OP("i32.sub", 0x6b), OP("i32.mul", 0x6c), OP("i32.div_s", 0x6d), OP("i32.div_u", 0x6e),
    OP("i32.rem_s", 0x6f), OP("i32.rem_u", 0x70), OP("i32.and", 0x71), OP("i32.or", 0x72),
    OP("i32.xor", 0x73), OP("i32.shl", 0x74), OP("i32.shr_s", 0x75), OP("i32.shr_u", 0x76),
    OP("i32.rotl", 0x77), OP("i32.rotr", 0x78), OP("i64.clz", 0x79), OP("i64.ctz", 0x7a),
    OP("i64.popcnt", 0x7b), OP("i64.add", 0x7c), OP("i64.sub", 0x7d), OP("i64.mul", 0x7e),
    OP("i64.div_s", 0x7f), OP("i64.div_u", 0x80), OP("i64.rem_s", 0x81), OP("i64.rem_u", 0x82),
    OP("i64.and", 0x83), OP("i64.or", 0x84), OP("i64.xor", 0x85), OP("i64.shl", 0x86),
    OP("i64.shr_s", 0x87), OP("i64.shr_u", 0x88), OP("i64.rotl", 0x89), OP("i64.rotr", 0x8a),
    /* float arithmetic */
    OP("f32.abs", 0x8b), OP("f32.neg", 0x8c), OP("f32.ceil", 0x8d), OP("f32.floor", 0x8e),
    OP("f32.trunc", 0x8f), OP("f32.nearest", 0x90), OP("f32.sqrt", 0x91), OP("f32.add", 0x92),
    OP("f32.sub", 0x93), OP("f32.mul", 0x94), OP("f32.div", 0x95), OP("f32.min", 0x96),
    OP("f32.max", 0x97), OP("f32.copysign", 0x98), OP("f64.abs", 0x99), OP("f64.neg", 0x9a),
    OP("f64.ceil", 0x9b), OP("f64.floor", 0x9c), OP("f64.trunc", 0x9d), OP("f64.nearest", 0x9e),
    OP("f64.sqrt", 0x9f), OP("f64.add", 0xa0), OP("f64.sub", 0xa1), OP("f64.mul", 0xa2),
    OP("f64.div", 0xa3), OP("f64.min", 0xa4), OP("f64.max", 0xa5), OP("f64.copysign", 0xa6),
    /* conversions */
    OP("i32.wrap_i64", 0xa7), OP("i32.trunc_f32_s", 0xa8), OP("i32.trunc_f32_u", 0xa9),
    OP("i32.trunc_f64_s", 0xaa), OP("i32.trunc_f64_u", 0xab), OP("i64.extend_i32_s", 0xac),
    OP("i64.extend_i32_u", 0xad), OP("i64.trunc_f32_s", 0xae), OP("i64.trunc_f32_u", 0xaf),
    OP("i64.trunc_f64_s", 0xb0), OP("i64.trunc_f64_u", 0xb1), OP("f32.convert_i32_s", 0xb2),
    OP("f32.convert_i32_u", 0xb3), OP("f32.convert_i64_s", 0xb4), OP("f32.convert_i64_u", 0xb5),
    OP("f32.demote_f64", 0xb6), OP("f64.convert_i32_s", 0xb7), OP("f64.convert_i32_u", 0xb8),
    OP("f64.convert_i64_s", 0xb9), OP("f64.convert_i64_u", 0xba), OP("f64.promote_f32", 0xbb),
    OP("i32.reinterpret_f32", 0xbc), OP("i64.reinterpret_f64", 0xbd),
    OP("f32.reinterpret_i32", 0xbe), OP("f64.reinterpret_i64", 0xbf),
    /* sign extension */
    OP("i32.extend8_s", 0xc0), OP("i32.extend16_s", 0xc1), OP("i64.extend8_s", 0xc2),
    OP("i64.extend16_s", 0xc3), OP("i64.extend32_s", 0xc4),
    /* reference types */
    OPI("ref.null", 0xd0, IM_REFNULL), OP("ref.is_null", 0xd1), OPI("ref.func", 0xd2, IM_FUNC),
    /* 0xfc prefix: saturating truncation, bulk memory, tables */
    OP("i32.trunc_sat_f32_s", 0xfc00), OP("i32.trunc_sat_f32_u", 0xfc01),
    OP("i32.trunc_sat_f64_s", 0xfc02), OP("i32.trunc_sat_f64_u", 0xfc03),
    OP("i64.trunc_sat_f32_s", 0xfc04), OP("i64.trunc_sat_f32_u", 0xfc05),
    OP("i64.trunc_sat_f64_s", 0xfc06), OP("i64.trunc_sat_f64_u", 0xfc07),
    OPI("memory.init", 0xfc08, IM_MEMINIT), OPI("data.drop", 0xfc09, IM_DATA),
    OPI("memory.copy", 0xfc0a, IM_MEM00), OPI("memory.fill", 0xfc0b, IM_MEM0),
    OPI("table.init", 0xfc0c, IM_TABLE_INIT), OPI("elem.drop", 0xfc0d, IM_ELEM),
    OPI("table.copy", 0xfc0e, IM_TABLE_COPY), OPI("table.grow", 0xfc0f, IM_TABLE),
    OPI("table.size", 0xfc10, IM_TABLE), OPI("table.fill", 0xfc11, IM_TABLE),
};

const wat_op *wat_op_find(const char *s, size_t len)
{
    /* Linear, but the first-character and length tests reject almost every
     * entry without a memcmp; ~200 entries. */
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const char *n = ops[i].name;
        if (n[0] == s[0] && strlen(n) == len && memcmp(n, s, len) == 0)
            return &ops[i];
    }
    return NULL;
}
