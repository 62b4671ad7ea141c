/* wasm value text (src/wasm/value_text.c): parsing and exact printing. */
#include "unit.h"
#include "wast/value_text.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static uint32_t i32_of(const char *s, int *rc)
{
    weft_error *err = NULL;
    uint32_t v = 0xdeadbeef;
    *rc = wast_vt_parse_i32(s, &v, &err);
    werr_free(err);
    return v;
}

static uint64_t i64_of(const char *s, int *rc)
{
    weft_error *err = NULL;
    uint64_t v = 0xdeadbeef;
    *rc = wast_vt_parse_i64(s, &v, &err);
    werr_free(err);
    return v;
}

static uint32_t f32_of(const char *s, int *rc)
{
    weft_error *err = NULL;
    uint32_t v = 0xdeadbeef;
    *rc = wast_vt_parse_f32(s, &v, &err);
    werr_free(err);
    return v;
}

static uint64_t f64_of(const char *s, int *rc)
{
    weft_error *err = NULL;
    uint64_t v = 0xdeadbeef;
    *rc = wast_vt_parse_f64(s, &v, &err);
    werr_free(err);
    return v;
}

#define CHECK_I32(text, want)                                                                      \
    do {                                                                                           \
        int rc_;                                                                                   \
        uint32_t v_ = i32_of(text, &rc_);                                                          \
        CHECK_INT(rc_, 0);                                                                         \
        CHECK_INT(v_, (uint32_t)(want));                                                           \
    } while (0)
#define CHECK_I64(text, want)                                                                      \
    do {                                                                                           \
        int rc_;                                                                                   \
        uint64_t v_ = i64_of(text, &rc_);                                                          \
        CHECK_INT(rc_, 0);                                                                         \
        CHECK(v_ == (uint64_t)(want));                                                             \
    } while (0)
#define CHECK_F32(text, want)                                                                      \
    do {                                                                                           \
        int rc_;                                                                                   \
        uint32_t v_ = f32_of(text, &rc_);                                                          \
        CHECK_INT(rc_, 0);                                                                         \
        CHECK_INT(v_, (uint32_t)(want));                                                           \
    } while (0)
#define CHECK_F64(text, want)                                                                      \
    do {                                                                                           \
        int rc_;                                                                                   \
        uint64_t v_ = f64_of(text, &rc_);                                                          \
        CHECK_INT(rc_, 0);                                                                         \
        if (v_ != (uint64_t)(want))                                                                \
            fprintf(stderr, "  %s -> 0x%016" PRIx64 "\n", text, v_);                               \
        CHECK(v_ == (uint64_t)(want));                                                             \
    } while (0)
#define CHECK_BAD(fn, text)                                                                        \
    do {                                                                                           \
        int rc_;                                                                                   \
        (void)fn(text, &rc_);                                                                      \
        CHECK_INT(rc_, -1);                                                                        \
    } while (0)

TEST(i32_decimal_and_hex)
{
    CHECK_I32("0", 0);
    CHECK_I32("7", 7);
    CHECK_I32("+7", 7);
    CHECK_I32("-1", 0xffffffff);
    CHECK_I32("-0", 0);
    CHECK_I32("4294967295", 0xffffffff);
    CHECK_I32("2147483647", 0x7fffffff);
    CHECK_I32("2147483648", 0x80000000);
    CHECK_I32("-2147483648", 0x80000000);
    CHECK_I32("0x7fffffff", 0x7fffffff);
    CHECK_I32("0xFFFFFFFF", 0xffffffff);
    CHECK_I32("-0x1", 0xffffffff);
    CHECK_I32("-0x80000000", 0x80000000);
    CHECK_I32("1_000_000", 1000000);
    CHECK_I32("0xdead_beef", 0xdeadbeef);
    CHECK_I32("007", 7);
}

TEST(i32_rejects)
{
    CHECK_BAD(i32_of, "");
    CHECK_BAD(i32_of, "-");
    CHECK_BAD(i32_of, "0x");
    CHECK_BAD(i32_of, "4294967296");
    CHECK_BAD(i32_of, "-2147483649");
    CHECK_BAD(i32_of, "0x100000000");
    CHECK_BAD(i32_of, "-0x80000001");
    CHECK_BAD(i32_of, "99999999999999999999999");
    CHECK_BAD(i32_of, " 1");
    CHECK_BAD(i32_of, "1 ");
    CHECK_BAD(i32_of, "1.0");
    CHECK_BAD(i32_of, "12a");
    CHECK_BAD(i32_of, "_1");
    CHECK_BAD(i32_of, "1_");
    CHECK_BAD(i32_of, "1__0");
    CHECK_BAD(i32_of, "--1");
    CHECK_BAD(i32_of, "0xg");
}

TEST(i64_range)
{
    CHECK_I64("0", 0);
    CHECK_I64("42", 42);
    CHECK_I64("-1", UINT64_MAX);
    CHECK_I64("18446744073709551615", UINT64_MAX);
    CHECK_I64("9223372036854775807", INT64_MAX);
    CHECK_I64("-9223372036854775808", UINT64_C(0x8000000000000000));
    CHECK_I64("0xffffffffffffffff", UINT64_MAX);
    CHECK_I64("4294967296", UINT64_C(0x100000000));
    CHECK_BAD(i64_of, "18446744073709551616");
    CHECK_BAD(i64_of, "-9223372036854775809");
    CHECK_BAD(i64_of, "0x10000000000000000");
    CHECK_BAD(i64_of, "184467440737095516150");
    CHECK_BAD(i64_of, "x");
}

TEST(f32_ordinary)
{
    CHECK_F32("1.5", 0x3fc00000);
    CHECK_F32("+1.5", 0x3fc00000);
    CHECK_F32("-2", 0xc0000000);
    CHECK_F32("0.1", 0x3dcccccd);
    CHECK_F32(".5", 0x3f000000);
    CHECK_F32("5.", 0x40a00000);
    CHECK_F32("1e3", 0x447a0000);
    CHECK_F32("1E+3", 0x447a0000);
    CHECK_F32("25e-1", 0x40200000);
    CHECK_F32("1_000.5", 0x447a2000);
    CHECK_F32("0", 0);
    CHECK_F32("-0", 0x80000000);
    CHECK_F32("-0.0", 0x80000000);
}

TEST(f32_hex)
{
    CHECK_F32("0x1p-3", 0x3e000000);
    CHECK_F32("0x1.8p1", 0x40400000);
    CHECK_F32("0X1P0", 0x3f800000);
    CHECK_F32("-0x1p0", 0xbf800000);
    CHECK_F32("0x10", 0x41800000);
    CHECK_F32("0x1.fffffep127", 0x7f7fffff);
    CHECK_F32("0x1p-126", 0x00800000);
    CHECK_F32("0x1p-149", 0x00000001);
    /* Ties go to even: half the smallest subnormal is 0, 1.5 of it is 2. */
    CHECK_F32("0x1p-150", 0x00000000);
    CHECK_F32("0x1.8p-149", 0x00000002);
    CHECK_F32("0x1.000001p0", 0x3f800000); /* tie between 1 and 1+ulp: even */
    CHECK_F32("0x1.000003p0", 0x3f800002); /* tie: rounds up to even */
}

TEST(f32_edges)
{
    CHECK_F32("3.4028235e38", 0x7f7fffff);
    CHECK_F32("3.40282356e38", 0x7f7fffff); /* just below the halfway point to 2^128 */
    CHECK_BAD(f32_of, "3.4028236e38");      /* just above it: infinity */
    CHECK_F32("1.17549435e-38", 0x00800000);
    CHECK_F32("1.4e-45", 0x00000001);
    CHECK_F32("1e-50", 0x00000000); /* underflow is a value, not an error */
    CHECK_F32("-1e-50", 0x80000000);
    /* Decimal text just above the halfway point between 1 and 1+2^-23 whose
     * nearest double IS the halfway point: strtod-then-cast would give 1.0. */
    CHECK_F32("1.0000000596046447762579867", 0x3f800001);
    CHECK_F32("1.000000059604644775390625", 0x3f800000); /* exact tie: even */
    CHECK_BAD(f32_of, "3.5e38");
    CHECK_BAD(f32_of, "1e40");
    CHECK_BAD(f32_of, "-1e40");
    CHECK_BAD(f32_of, "0x1p128");
}

TEST(f32_inf_nan)
{
    CHECK_F32("inf", 0x7f800000);
    CHECK_F32("+inf", 0x7f800000);
    CHECK_F32("-inf", 0xff800000);
    CHECK_F32("infinity", 0x7f800000);
    CHECK_F32("nan", 0x7fc00000);
    CHECK_F32("-nan", 0xffc00000);
    CHECK_F32("+nan", 0x7fc00000);
    CHECK_F32("nan:0x200000", 0x7fa00000);
    CHECK_F32("nan:0x400000", 0x7fc00000);
    CHECK_F32("nan:0x1", 0x7f800001);
    CHECK_F32("nan:0x7fffff", 0x7fffffff);
    CHECK_F32("-nan:0x7fffff", 0xffffffff);
    CHECK_F32("nan:0x40_0001", 0x7fc00001);
    CHECK_BAD(f32_of, "nan:0x800000");
    CHECK_BAD(f32_of, "nan:0x0");
    CHECK_BAD(f32_of, "nan:1");
    CHECK_BAD(f32_of, "nan:0x");
    CHECK_BAD(f32_of, "nan:");
    CHECK_BAD(f32_of, "nan(1)");
    CHECK_BAD(f32_of, "nanx");
    CHECK_BAD(f32_of, "in");
    CHECK_BAD(f32_of, "infinit");
    CHECK_BAD(f32_of, "Inf");
}

TEST(f32_rejects)
{
    CHECK_BAD(f32_of, "");
    CHECK_BAD(f32_of, "-");
    CHECK_BAD(f32_of, ".");
    CHECK_BAD(f32_of, "e5");
    CHECK_BAD(f32_of, "1e");
    CHECK_BAD(f32_of, "1e+");
    CHECK_BAD(f32_of, "1.5x");
    CHECK_BAD(f32_of, "1.2.3");
    CHECK_BAD(f32_of, " 1");
    CHECK_BAD(f32_of, "1 ");
    CHECK_BAD(f32_of, "0x");
    CHECK_BAD(f32_of, "0xp1");
    CHECK_BAD(f32_of, "0x1e+1"); /* hex floats use p for the exponent */
    CHECK_BAD(f32_of, "1__0");
    CHECK_BAD(f32_of, "1_.0");
    CHECK_BAD(f32_of, "1e_5");
    CHECK_BAD(f32_of, "--1");
}

TEST(f64_parse)
{
    CHECK_F64("0x1p-3", UINT64_C(0x3fc0000000000000));
    CHECK_F64("1.5", UINT64_C(0x3ff8000000000000));
    CHECK_F64("0.1", UINT64_C(0x3fb999999999999a));
    CHECK_F64("-0", UINT64_C(0x8000000000000000));
    CHECK_F64("4.9e-324", UINT64_C(1));
    CHECK_F64("5e-324", UINT64_C(1));
    CHECK_F64("2e-324", UINT64_C(0)); /* below half the smallest subnormal */
    CHECK_F64("2.2250738585072014e-308", UINT64_C(0x0010000000000000));
    CHECK_F64("2.2250738585072009e-308", UINT64_C(0x000fffffffffffff));
    CHECK_F64("1.7976931348623157e308", UINT64_C(0x7fefffffffffffff));
    CHECK_F64("0x1.fffffffffffffp1023", UINT64_C(0x7fefffffffffffff));
    CHECK_F64("0x1p-1074", UINT64_C(1));
    CHECK_F64("9007199254740993", UINT64_C(0x4340000000000000)); /* 2^53+1: tie to even */
    CHECK_F64("inf", UINT64_C(0x7ff0000000000000));
    CHECK_F64("-inf", UINT64_C(0xfff0000000000000));
    CHECK_F64("nan", UINT64_C(0x7ff8000000000000));
    CHECK_F64("-nan", UINT64_C(0xfff8000000000000));
    CHECK_F64("nan:0x4000000000000", UINT64_C(0x7ff4000000000000));
    CHECK_F64("nan:0xfffffffffffff", UINT64_C(0x7fffffffffffffff));
    CHECK_F64("-nan:0x1", UINT64_C(0xfff0000000000001));
    CHECK_BAD(f64_of, "nan:0x10000000000000");
    CHECK_BAD(f64_of, "1e309");
    CHECK_BAD(f64_of, "1.7976931348623159e308"); /* rounds to infinity */
    CHECK_BAD(f64_of, "0x1p1024");
    CHECK_BAD(f64_of, "1..0");
    CHECK_BAD(f64_of, "NaN");
}

static const char *fmt32(uint32_t bits)
{
    static char buf[WAST_VT_MAX];
    return wast_vt_format_f32(bits, buf);
}

static const char *fmt64(uint64_t bits)
{
    static char buf[WAST_VT_MAX];
    return wast_vt_format_f64(bits, buf);
}

TEST(f32_format_shortest)
{
    CHECK_STR(fmt32(0x3fc00000), "1.5");
    CHECK_STR(fmt32(0x3dcccccd), "0.1");
    CHECK_STR(fmt32(0x3f800000), "1");
    CHECK_STR(fmt32(0x00000000), "0");
    CHECK_STR(fmt32(0x80000000), "-0");
    CHECK_STR(fmt32(0x00000001), "1e-45");
    CHECK_STR(fmt32(0x00800000), "1.1754944e-38");
    CHECK_STR(fmt32(0x7f7fffff), "3.4028235e+38");
    CHECK_STR(fmt32(0x4b800000), "16777216");
    CHECK_STR(fmt32(0x3eaaaaab), "0.33333334");
    CHECK_STR(fmt32(0xc0490fdb), "-3.1415927");
    CHECK_STR(fmt32(0x3f800001), "1.0000001");
}

TEST(f32_format_special)
{
    CHECK_STR(fmt32(0x7f800000), "inf");
    CHECK_STR(fmt32(0xff800000), "-inf");
    CHECK_STR(fmt32(0x7fc00000), "nan");
    CHECK_STR(fmt32(0xffc00000), "-nan");
    CHECK_STR(fmt32(0x7fa00000), "nan:0x200000");
    CHECK_STR(fmt32(0x7f800001), "nan:0x1");
    CHECK_STR(fmt32(0x7fc00001), "nan:0x400001");
    CHECK_STR(fmt32(0xffffffff), "-nan:0x7fffff");
}

TEST(f64_format)
{
    CHECK_STR(fmt64(UINT64_C(0x3fb999999999999a)), "0.1");
    CHECK_STR(fmt64(UINT64_C(0x3fc0000000000000)), "0.125");
    CHECK_STR(fmt64(UINT64_C(0x3fd5555555555555)), "0.3333333333333333");
    CHECK_STR(fmt64(UINT64_C(0x3fd3333333333333)), "0.3");
    CHECK_STR(fmt64(UINT64_C(0x3fd3333333333334)), "0.30000000000000004");
    CHECK_STR(fmt64(UINT64_C(1)), "5e-324");
    CHECK_STR(fmt64(UINT64_C(0x000fffffffffffff)), "2.225073858507201e-308");
    CHECK_STR(fmt64(UINT64_C(0x7fefffffffffffff)), "1.7976931348623157e+308");
    CHECK_STR(fmt64(UINT64_C(0x8000000000000000)), "-0");
    CHECK_STR(fmt64(UINT64_C(0x4340000000000000)), "9007199254740992");
    CHECK_STR(fmt64(UINT64_C(0x44b52d02c7e14af6)), "1e+23");
    CHECK_STR(fmt64(UINT64_C(0x7ff0000000000000)), "inf");
    CHECK_STR(fmt64(UINT64_C(0xfff0000000000000)), "-inf");
    CHECK_STR(fmt64(UINT64_C(0x7ff8000000000000)), "nan");
    CHECK_STR(fmt64(UINT64_C(0xfff8000000000000)), "-nan");
    CHECK_STR(fmt64(UINT64_C(0x7ff4000000000000)), "nan:0x4000000000000");
    CHECK_STR(fmt64(UINT64_C(0x7ff0000000000001)), "nan:0x1");
}

/* A deterministic generator, so a failure reproduces. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);
static uint64_t next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

TEST(f32_round_trip_random_bits)
{
    int bad = 0;
    for (int i = 0; i < 200000 && bad < 5; i++) {
        uint32_t bits = (uint32_t)next_rand();
        if (i < 64)
            bits = (uint32_t)i; /* the smallest subnormals too */
        char buf[WAST_VT_MAX];
        wast_vt_format_f32(bits, buf);
        int rc;
        uint32_t back = f32_of(buf, &rc);
        if (rc != 0 || back != bits) {
            fprintf(stderr, "  f32 0x%08x -> %s -> 0x%08x\n", bits, buf, back);
            bad++;
        }
    }
    CHECK_INT(bad, 0);
}

TEST(f64_round_trip_random_bits)
{
    int bad = 0;
    for (int i = 0; i < 200000 && bad < 5; i++) {
        uint64_t bits = next_rand();
        if (i < 64)
            bits = (uint64_t)i;
        char buf[WAST_VT_MAX];
        wast_vt_format_f64(bits, buf);
        int rc;
        uint64_t back = f64_of(buf, &rc);
        if (rc != 0 || back != bits) {
            fprintf(stderr, "  f64 0x%016" PRIx64 " -> %s -> 0x%016" PRIx64 "\n", bits, buf, back);
            bad++;
        }
    }
    CHECK_INT(bad, 0);
}

/* The printed text is the shortest: with one significant digit fewer no
 * decimal reads back (checked through %.{n-1}g, which is the closest one). */
TEST(f64_format_is_shortest)
{
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = next_rand() & ~UINT64_C(0x7ff0000000000000);
        bits |= (next_rand() % 0x7ff) << 52; /* finite */
        char buf[WAST_VT_MAX], shorter[400];
        wast_vt_format_f64(bits, buf);
        int digits = 0; /* significant digits: leading zeros do not count */
        for (const char *p = buf; *p && *p != 'e'; p++)
            digits += (*p >= '1' && *p <= '9') || (*p == '0' && digits > 0);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (digits > 1) {
            snprintf(shorter, sizeof shorter, "%.*g", digits - 1, v);
            double back = strtod(shorter, NULL);
            if (memcmp(&back, &v, sizeof v) == 0 && strcmp(shorter, buf) != 0) {
                fprintf(stderr, "  %s is not shortest: %s\n", buf, shorter);
                bad++;
            }
        }
    }
    CHECK_INT(bad, 0);
}

TEST(f32_format_is_shortest)
{
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        uint32_t bits = (uint32_t)next_rand();
        if ((bits & 0x7f800000) == 0x7f800000)
            continue; /* inf and NaN have no digits */
        char buf[WAST_VT_MAX], shorter[400];
        wast_vt_format_f32(bits, buf);
        int digits = 0;
        for (const char *p = buf; *p && *p != 'e'; p++)
            digits += (*p >= '1' && *p <= '9') || (*p == '0' && digits > 0);
        float v;
        memcpy(&v, &bits, sizeof v);
        if (digits > 1) {
            snprintf(shorter, sizeof shorter, "%.*g", digits - 1, (double)v);
            float back = strtof(shorter, NULL);
            if (memcmp(&back, &v, sizeof v) == 0) {
                fprintf(stderr, "  %s is not shortest: %s\n", buf, shorter);
                bad++;
            }
        }
        if (digits > 9)
            bad++;
    }
    CHECK_INT(bad, 0);
}

TEST(typed_text)
{
    weft_error *err = NULL;
    wf_value v;
    CHECK_INT(wast_vt_parse("i32:-1", &v, &err), 0);
    CHECK_INT(v.type, WF_I32);
    CHECK_INT(v.of.i32, 0xffffffff);
    CHECK_INT(wast_vt_parse("i64:42", &v, &err), 0);
    CHECK_INT(v.type, WF_I64);
    CHECK(v.of.i64 == 42);
    CHECK_INT(wast_vt_parse("f32:nan:0x200000", &v, &err), 0);
    CHECK_INT(v.type, WF_F32);
    CHECK_INT(v.of.f32, 0x7fa00000);
    CHECK_INT(wast_vt_parse("f64:-inf", &v, &err), 0);
    CHECK_INT(v.type, WF_F64);
    CHECK(v.of.f64 == UINT64_C(0xfff0000000000000));
    CHECK(err == NULL);

    CHECK_INT(wast_vt_parse("i32", &v, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "TYPE:VALUE") != NULL);
    CHECK_INT(wast_vt_parse("u32:1", &v, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "unknown value type 'u32'") != NULL);
    CHECK_INT(wast_vt_parse("I32:1", &v, &err), -1);
    CHECK_INT(wast_vt_parse("i32:", &v, &err), -1);
    CHECK_INT(wast_vt_parse("i32:1.5", &v, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "'1.5' is not an integer") != NULL);
    CHECK_INT(wast_vt_parse("i32:4294967296", &v, &err), -1);
    CHECK(err != NULL && strstr(err->msg, "out of range for i32") != NULL);
    CHECK_INT(wast_vt_parse(":1", &v, &err), -1);
    werr_free(err);
}

TEST(typed_format)
{
    char buf[WAST_VT_MAX];
    wf_value v = {.type = WF_I32, .of.i32 = 0xffffffff};
    CHECK_STR(wast_vt_format(&v, buf), "i32:-1");
    v = (wf_value){.type = WF_I32, .of.i32 = 0x80000000};
    CHECK_STR(wast_vt_format(&v, buf), "i32:-2147483648");
    v = (wf_value){.type = WF_I64, .of.i64 = UINT64_C(0x8000000000000000)};
    CHECK_STR(wast_vt_format(&v, buf), "i64:-9223372036854775808");
    v = (wf_value){.type = WF_I64, .of.i64 = 42};
    CHECK_STR(wast_vt_format(&v, buf), "i64:42");
    v = (wf_value){.type = WF_F32, .of.f32 = 0x7fa00000};
    CHECK_STR(wast_vt_format(&v, buf), "f32:nan:0x200000");
    v = (wf_value){.type = WF_F64, .of.f64 = UINT64_C(0xbfc0000000000000)};
    CHECK_STR(wast_vt_format(&v, buf), "f64:-0.125");
    v = (wf_value){.type = WF_FUNCREF, .of.ref = NULL};
    CHECK_STR(wast_vt_format(&v, buf), "funcref:null");
    CHECK_STR(wast_vt_format_value(&v, buf), "null");
}

TEST(type_names)
{
    weft_error *err = NULL;
    wf_valtype t;
    CHECK_INT(wast_vt_parse_type("f64", 3, &t, &err), 0);
    CHECK_INT(t, WF_F64);
    CHECK_INT(wast_vt_parse_type("f6", 2, &t, &err), -1);
    CHECK_INT(wast_vt_parse_type("funcref", 7, &t, &err), -1);
    werr_free(err);
    CHECK_STR(wast_vt_type_name(WF_EXTERNREF), "externref");
    CHECK_STR(wast_vt_type_name((wf_valtype)0), "?");
    wf_value v;
    err = NULL;
    CHECK_INT(wast_vt_parse_as(WF_EXTERNREF, "null", &v, &err), 0);
    CHECK(v.of.ref == NULL);
    CHECK_INT(wast_vt_parse_as(WF_EXTERNREF, "1", &v, &err), -1);
    werr_free(err);
}

UNIT_MAIN()
