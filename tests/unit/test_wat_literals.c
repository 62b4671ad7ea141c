/* Numeric literals of the WAT parser: integer ranges, underscores, and exact
 * float rounding (f32 rounded directly from the text, NaN payloads). */
#include "unit.h"
#include "wat/wat_num.h"

#define S(x) x, strlen(x)

static uint32_t i32(const char *s, int *r)
{
    uint32_t v = 0xdeadbeef;
    *r = wat_parse_i32(S(s), &v);
    return v;
}
static uint64_t i64(const char *s, int *r)
{
    uint64_t v = 0;
    *r = wat_parse_i64(S(s), &v);
    return v;
}
static uint32_t f32(const char *s, int *r)
{
    uint32_t v = 0;
    *r = wat_parse_f32(S(s), &v);
    return v;
}
static uint64_t f64(const char *s, int *r)
{
    uint64_t v = 0;
    *r = wat_parse_f64(S(s), &v);
    return v;
}

#define OK32(fn, s, want)                                                                          \
    do {                                                                                           \
        int r_;                                                                                    \
        uint64_t v_ = fn(s, &r_);                                                                  \
        CHECK_INT(r_, 0);                                                                          \
        CHECK_INT(v_, want);                                                                       \
    } while (0)
#define BAD(fn, s, code)                                                                           \
    do {                                                                                           \
        int r_;                                                                                    \
        (void)fn(s, &r_);                                                                          \
        CHECK_INT(r_, code);                                                                       \
    } while (0)

TEST(i32_ranges)
{
    OK32(i32, "0", 0);
    OK32(i32, "-1", 0xffffffff);
    OK32(i32, "+7", 7);
    OK32(i32, "4294967295", 0xffffffff);
    OK32(i32, "0xffffffff", 0xffffffff);
    OK32(i32, "-2147483648", 0x80000000);
    OK32(i32, "-0x80000000", 0x80000000);
    OK32(i32, "0x7fff_ffff", 0x7fffffff);
    OK32(i32, "1_000_000", 1000000);
    BAD(i32, "4294967296", WAT_NUM_RANGE);
    BAD(i32, "-2147483649", WAT_NUM_RANGE);
    BAD(i32, "0x1_0000_0000", WAT_NUM_RANGE);
    BAD(i32, "99999999999999999999999", WAT_NUM_RANGE);
}

TEST(int_syntax)
{
    BAD(i32, "", WAT_NUM_SYNTAX);
    BAD(i32, "-", WAT_NUM_SYNTAX);
    BAD(i32, "0x", WAT_NUM_SYNTAX);
    BAD(i32, "_1", WAT_NUM_SYNTAX);
    BAD(i32, "1_", WAT_NUM_SYNTAX);
    BAD(i32, "1__0", WAT_NUM_SYNTAX);
    BAD(i32, "0x_1", WAT_NUM_SYNTAX);
    BAD(i32, "1.0", WAT_NUM_SYNTAX);
    BAD(i32, "0X10", WAT_NUM_SYNTAX);
    BAD(i32, "0xg", WAT_NUM_SYNTAX);
    BAD(i32, "--1", WAT_NUM_SYNTAX);
    uint64_t v;
    CHECK_INT(wat_parse_nat(S("+1"), &v), WAT_NUM_SYNTAX);
    CHECK_INT(wat_parse_nat(S("0x10"), &v), 0);
    CHECK_INT(v, 16);
}

TEST(i64_ranges)
{
    OK32(i64, "18446744073709551615", UINT64_MAX);
    OK32(i64, "-9223372036854775808", (uint64_t)INT64_MIN);
    OK32(i64, "0x7fffffffffffffff", INT64_MAX);
    OK32(i64, "-1", UINT64_MAX);
    BAD(i64, "18446744073709551616", WAT_NUM_RANGE);
    BAD(i64, "-9223372036854775809", WAT_NUM_RANGE);
    BAD(i64, "0x1_0000_0000_0000_0000", WAT_NUM_RANGE);
}

TEST(f32_special)
{
    OK32(f32, "inf", 0x7f800000);
    OK32(f32, "+inf", 0x7f800000);
    OK32(f32, "-inf", 0xff800000);
    OK32(f32, "nan", 0x7fc00000);
    OK32(f32, "-nan", 0xffc00000);
    OK32(f32, "nan:0x1", 0x7f800001);
    OK32(f32, "-nan:0x7fffff", 0xffffffff);
    OK32(f32, "nan:0x20_0000", 0x7fa00000);
    BAD(f32, "nan:0x800000", WAT_NUM_RANGE);
    BAD(f32, "nan:0x0", WAT_NUM_RANGE);
    BAD(f32, "nan:1", WAT_NUM_SYNTAX);
    BAD(f32, "infinity", WAT_NUM_SYNTAX);
    OK32(f32, "-0", 0x80000000);
    OK32(f32, "-0.0", 0x80000000);
    OK32(f32, "0", 0);
}

TEST(f32_rounding)
{
    OK32(f32, "0x1p-149", 1);              /* smallest subnormal */
    OK32(f32, "0x1p-150", 0);              /* tie -> even (zero) */
    OK32(f32, "0x1.000002p-150", 1);       /* just above the tie */
    OK32(f32, "0x1.000001p0", 0x3f800000); /* tie -> even */
    OK32(f32, "0x1.000003p0", 0x3f800002); /* tie -> even, upwards */
    OK32(f32, "0x1.000001000000000001p0", 0x3f800001);
    OK32(f32, "3.4028235e38", 0x7f7fffff);
    OK32(f32, "0x1.fffffefp127", 0x7f7fffff);  /* below the tie to 2^128 */
    BAD(f32, "0x1.ffffffp127", WAT_NUM_RANGE); /* tie rounds to 2^128 */
    BAD(f32, "1e39", WAT_NUM_RANGE);
    BAD(f32, "-1e39", WAT_NUM_RANGE);
    OK32(f32, "1e-50", 0);
    OK32(f32, "0.1", 0x3dcccccd);
    OK32(f32, "1.5", 0x3fc00000);
    OK32(f32, "1_000.000_1", 0x447a0002);
    OK32(f32, "1e1_0", 0x501502f9);
    /* 1 + 2^-24 + tiny: just above the halfway point between 1 and the next
     * float, by less than half a double ulp. Rounding through double lands
     * exactly on the tie and gives 1.0; rounding directly gives 1 + 2^-23. */
    OK32(f32, "1.000000059604644775390625001", 0x3f800001);
    OK32(f32, "1.000000059604644775390625", 0x3f800000);
}

TEST(f64_values)
{
    OK32(f64, "0x1p-1074", 1);
    OK32(f64, "0x1p-1075", 0);
    OK32(f64, "1.7976931348623157e308", 0x7fefffffffffffffull);
    BAD(f64, "1.7976931348623159e308", WAT_NUM_RANGE);
    OK32(f64, "0x1.fffffffffffff7ffp1023", 0x7fefffffffffffffull);
    OK32(f64, "nan", 0x7ff8000000000000ull);
    OK32(f64, "-nan", 0xfff8000000000000ull);
    OK32(f64, "nan:0xfffffffffffff", 0x7fffffffffffffffull);
    BAD(f64, "nan:0x10000000000000", WAT_NUM_RANGE);
    OK32(f64, "-inf", 0xfff0000000000000ull);
    OK32(f64, "0.1", 0x3fb999999999999aull);
    OK32(f64, "1.", 0x3ff0000000000000ull);
    OK32(f64, "0x1.p1", 0x4000000000000000ull);
    OK32(f64, "0x10", 0x4030000000000000ull);
    OK32(f64, "-0x0.8p0", 0xbfe0000000000000ull);
    OK32(f64, "1E2", 0x4059000000000000ull);
    OK32(f64, "123456789012345678901234567890", 0x45f8ee90ff6c373eull);
}

TEST(float_syntax)
{
    BAD(f64, ".5", WAT_NUM_SYNTAX);
    BAD(f64, "1e", WAT_NUM_SYNTAX);
    BAD(f64, "1e+", WAT_NUM_SYNTAX);
    BAD(f64, "0x1p", WAT_NUM_SYNTAX);
    BAD(f64, "0x", WAT_NUM_SYNTAX);
    BAD(f64, "0x.1", WAT_NUM_SYNTAX);
    BAD(f64, "1._5", WAT_NUM_SYNTAX);
    BAD(f64, "1_.5", WAT_NUM_SYNTAX);
    BAD(f64, "1e_5", WAT_NUM_SYNTAX);
    BAD(f64, "0x1.0p1_", WAT_NUM_SYNTAX);
    BAD(f64, "1.0f", WAT_NUM_SYNTAX);
    BAD(f64, "0x1e1p1x", WAT_NUM_SYNTAX);
    BAD(f64, "nan(1)", WAT_NUM_SYNTAX);
}

UNIT_MAIN()
