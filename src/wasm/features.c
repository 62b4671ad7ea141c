/* Which WebAssembly feature beyond 2.0 a module uses, for the one error a
 * user can act on: "uses SIMD (v128.const)" says what to rebuild without,
 * "illegal opcode" does not. Only messages come from here: what is
 * accepted is decided by the decoder and validator. */
#include "wasm/features.h"

#include <stddef.h>

#define SIMD(n, name) [n] = "uses SIMD (" name ")"

static const char *const simd_names[] = {
    SIMD(0x00, "v128.load"),
    SIMD(0x01, "v128.load8x8_s"),
    SIMD(0x02, "v128.load8x8_u"),
    SIMD(0x03, "v128.load16x4_s"),
    SIMD(0x04, "v128.load16x4_u"),
    SIMD(0x05, "v128.load32x2_s"),
    SIMD(0x06, "v128.load32x2_u"),
    SIMD(0x07, "v128.load8_splat"),
    SIMD(0x08, "v128.load16_splat"),
    SIMD(0x09, "v128.load32_splat"),
    SIMD(0x0a, "v128.load64_splat"),
    SIMD(0x0b, "v128.store"),
    SIMD(0x0c, "v128.const"),
    SIMD(0x0d, "i8x16.shuffle"),
    SIMD(0x0e, "i8x16.swizzle"),
    SIMD(0x0f, "i8x16.splat"),
    SIMD(0x10, "i16x8.splat"),
    SIMD(0x11, "i32x4.splat"),
    SIMD(0x12, "i64x2.splat"),
    SIMD(0x13, "f32x4.splat"),
    SIMD(0x14, "f64x2.splat"),
    SIMD(0x15, "i8x16.extract_lane_s"),
    SIMD(0x16, "i8x16.extract_lane_u"),
    SIMD(0x17, "i8x16.replace_lane"),
    SIMD(0x18, "i16x8.extract_lane_s"),
    SIMD(0x19, "i16x8.extract_lane_u"),
    SIMD(0x1a, "i16x8.replace_lane"),
    SIMD(0x1b, "i32x4.extract_lane"),
    SIMD(0x1c, "i32x4.replace_lane"),
    SIMD(0x1d, "i64x2.extract_lane"),
    SIMD(0x1e, "i64x2.replace_lane"),
    SIMD(0x1f, "f32x4.extract_lane"),
    SIMD(0x20, "f32x4.replace_lane"),
    SIMD(0x21, "f64x2.extract_lane"),
    SIMD(0x22, "f64x2.replace_lane"),
    SIMD(0x4d, "v128.not"),
    SIMD(0x4e, "v128.and"),
    SIMD(0x4f, "v128.andnot"),
    SIMD(0x50, "v128.or"),
    SIMD(0x51, "v128.xor"),
    SIMD(0x52, "v128.bitselect"),
    SIMD(0x53, "v128.any_true"),
    SIMD(0x54, "v128.load8_lane"),
    SIMD(0x55, "v128.load16_lane"),
    SIMD(0x56, "v128.load32_lane"),
    SIMD(0x57, "v128.load64_lane"),
    SIMD(0x58, "v128.store8_lane"),
    SIMD(0x59, "v128.store16_lane"),
    SIMD(0x5a, "v128.store32_lane"),
    SIMD(0x5b, "v128.store64_lane"),
    SIMD(0x5c, "v128.load32_zero"),
    SIMD(0x5d, "v128.load64_zero"),
};

/* the sub-opcode after a prefix byte (LEB128; UINT32_MAX if unreadable) */
static uint32_t sub_opcode(const uint8_t *p, const uint8_t *end)
{
    uint32_t v = 0;
    for (unsigned shift = 0; p < end && shift < 35; shift += 7) {
        uint8_t b = *p++;
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    return UINT32_MAX;
}

static const char *prefixed(uint8_t prefix, uint32_t sub)
{
    switch (prefix) {
    case 0xfd:
        if (sub < sizeof simd_names / sizeof *simd_names && simd_names[sub] != NULL)
            return simd_names[sub];
        return "uses SIMD (a 0xfd-prefixed vector instruction)";
    case 0xfe:
        return "uses threads (atomic memory instructions, prefix 0xfe)";
    case 0xfb:
        return "uses garbage collection (GC instructions, prefix 0xfb)";
    default:
        return NULL;
    }
}

const char *wf_feature_of_opcode(const uint8_t *p, const uint8_t *end)
{
    if (p >= end)
        return NULL;
    switch (*p) {
    case 0x06:
        return "uses exception handling (try)";
    case 0x07:
        return "uses exception handling (catch)";
    case 0x08:
        return "uses exception handling (throw)";
    case 0x09:
        return "uses exception handling (rethrow)";
    case 0x0a:
        return "uses exception handling (throw_ref)";
    case 0x18:
        return "uses exception handling (delegate)";
    case 0x19:
        return "uses exception handling (catch_all)";
    case 0x1f:
        return "uses exception handling (try_table)";
    case 0x12:
        return "uses tail calls (return_call)";
    case 0x13:
        return "uses tail calls (return_call_indirect)";
    case 0x14:
        return "uses typed function references (call_ref)";
    case 0x15:
        return "uses typed function references (return_call_ref)";
    case 0xd3:
        return "uses garbage collection (ref.eq)";
    case 0xd4:
        return "uses typed function references (ref.as_non_null)";
    case 0xd5:
        return "uses typed function references (br_on_null)";
    case 0xd6:
        return "uses typed function references (br_on_non_null)";
    case 0xfb:
    case 0xfc:
    case 0xfd:
    case 0xfe:
        return prefixed(*p, sub_opcode(p + 1, end));
    default:
        return NULL;
    }
}

const char *wf_feature_of_section(uint8_t id)
{
    return id == 13 ? "uses exception handling (tag section)" : NULL;
}

const char *wf_feature_of_limits(uint8_t flag)
{
    if (flag == 2 || flag == 3)
        return "uses threads (shared memory)";
    if (flag >= 4 && flag <= 7)
        return "uses memory64 (64-bit memory limits)";
    return NULL;
}
