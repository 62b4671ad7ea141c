/* wasm values <-> command-line text (see value_text.h). Pure functions:
 * no allocation survives a call, no global state besides the C locale that
 * strtod/snprintf read (weft never calls setlocale, so it is "C"). */
#include "wast/value_text.h"
#include "wat/wat_num.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *wast_vt_type_name(wf_valtype t)
{
    return wf_valtype_name(t);
}

int wast_vt_parse_type(const char *name, size_t len, wf_valtype *out, weft_error **err)
{
    static const wf_valtype types[] = {WF_I32, WF_I64, WF_F32, WF_F64};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const char *n = wast_vt_type_name(types[i]);
        if (strlen(n) == len && memcmp(n, name, len) == 0) {
            *out = types[i];
            return 0;
        }
    }
    return werr_set(err, 0, "unknown value type '%.*s' (i32, i64, f32 or f64)", (int)len, name);
}

/* ---- integers ---------------------------------------------------------- */

/* Digits in `base` with single '_' between digits (the WAT spelling, so a
 * value copied out of a .wat file parses). Fails on overflow of 64 bits. */
static int parse_magnitude(const char *p, int base, uint64_t *out, bool *overflow)
{
    uint64_t v = 0;
    bool prev_digit = false;
    *overflow = false;
    if (*p == '\0')
        return -1;
    for (; *p != '\0'; p++) {
        if (*p == '_') {
            if (!prev_digit || p[1] == '\0')
                return -1;
            prev_digit = false;
            continue;
        }
        int d = wat_hex_digit(*p);
        if (d < 0 || d >= base)
            return -1;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            *overflow = true;
        v = v * (uint64_t)base + (uint64_t)d;
        prev_digit = true;
    }
    *out = v;
    return 0;
}

/* An integer of `bits` bits: signed range for a '-' sign, otherwise up to
 * the unsigned maximum, so both "-1" and "4294967295" are the i32 -1. */
static int parse_int(const char *text, unsigned bits, uint64_t *out, weft_error **err)
{
    const char *p = text;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    int base = 10;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    uint64_t mag;
    bool overflow;
    if (parse_magnitude(p, base, &mag, &overflow) < 0)
        return werr_set(err, 0, "'%s' is not an integer", text);
    uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    uint64_t neg_max = UINT64_C(1) << (bits - 1);
    if (overflow || (neg ? mag > neg_max : mag > umax))
        return werr_set(err, 0, "'%s' is out of range for i%u", text, bits);
    *out = (neg ? (uint64_t)0 - mag : mag) & umax;
    return 0;
}

int wast_vt_parse_i32(const char *text, uint32_t *out, weft_error **err)
{
    uint64_t v = 0;
    if (parse_int(text, 32, &v, err) < 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int wast_vt_parse_i64(const char *text, uint64_t *out, weft_error **err)
{
    return parse_int(text, 64, out, err);
}

/* ---- floats ------------------------------------------------------------ */

/* The layout of one IEEE-754 binary format. */
struct fmt {
    unsigned mant_bits; /* 23 or 52 */
    uint64_t exp_mask;  /* all-ones exponent, in place */
    uint64_t sign;      /* sign bit */
    const char *name;
};
static const struct fmt F32 = {23, UINT64_C(0x7f800000), UINT64_C(0x80000000), "f32"};
static const struct fmt F64 = {52, UINT64_C(0x7ff0000000000000), UINT64_C(0x8000000000000000),
                               "f64"};

static bool is_digit_of(char c, bool hex)
{
    return hex ? wat_hex_digit(c) >= 0 : (c >= '0' && c <= '9');
}

/* Copy the finite number in `p` to `out` without underscores, checking the
 * whole syntax: digits [. digits] [e|p [sign] digits], hex after "0x". The
 * strto* functions accept more (leading spaces, "infinity", "nan(...)"),
 * so they only ever see text that passed here. */
static int clean_finite(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    if (hex) {
        out[n++] = *p++;
        out[n++] = *p++;
    }
    int mant_digits = 0, exp_digits = 0;
    bool dot = false, in_exp = false, prev_digit = false;
    for (; *p != '\0'; p++) {
        char c = *p;
        if (n + 2 >= cap)
            return -1;
        if (c == '_') {
            if (!prev_digit || !is_digit_of(p[1], hex && !in_exp))
                return -1;
            continue;
        }
        prev_digit = false;
        if (!in_exp && is_digit_of(c, hex)) {
            mant_digits++;
            prev_digit = true;
        } else if (!in_exp && c == '.' && !dot) {
            dot = true;
        } else if (!in_exp && mant_digits > 0 &&
                   (hex ? (c == 'p' || c == 'P') : (c == 'e' || c == 'E'))) {
            in_exp = true;
            if (p[1] == '+' || p[1] == '-')
                out[n++] = c, c = *++p;
        } else if (in_exp && c >= '0' && c <= '9') {
            exp_digits++;
            prev_digit = true;
        } else {
            return -1;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    if (mant_digits == 0 || (in_exp && exp_digits == 0))
        return -1;
    return 0;
}

/* Parse into bits of format `f`. binary32 goes through strtof so decimal text
 * rounds once, straight to binary32 (strtod then a cast would round twice). */
static int parse_float(const char *text, const struct fmt *f, uint64_t *bits, weft_error **err)
{
    const char *p = text;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    uint64_t sign = neg ? f->sign : 0;
    uint64_t mant_mask = (UINT64_C(1) << f->mant_bits) - 1;

    if (strcmp(p, "inf") == 0 || strcmp(p, "infinity") == 0) {
        *bits = sign | f->exp_mask;
        return 0;
    }
    if (strncmp(p, "nan", 3) == 0) {
        uint64_t payload = UINT64_C(1) << (f->mant_bits - 1); /* canonical: quiet bit */
        if (p[3] == ':') {
            bool overflow;
            if (p[4] != '0' || p[5] != 'x' || parse_magnitude(p + 6, 16, &payload, &overflow) < 0)
                return werr_set(err, 0, "'%s': a NaN payload is written nan:0xHEX", text);
            if (overflow || payload == 0 || payload > mant_mask)
                return werr_set(err, 0, "'%s': NaN payload must be 1..0x%" PRIx64 " for %s", text,
                                mant_mask, f->name);
        } else if (p[3] != '\0') {
            return werr_set(err, 0, "'%s' is not a %s", text, f->name);
        }
        *bits = sign | f->exp_mask | payload;
        return 0;
    }

    char clean[512];
    clean[0] = neg ? '-' : '+';
    if (clean_finite(p, clean + 1, sizeof clean - 1) < 0)
        return werr_set(err, 0, "'%s' is not a %s", text, f->name);
    char *end;
    errno = 0;
    if (f == &F32) {
        float v = strtof(clean, &end);
        uint32_t b;
        memcpy(&b, &v, sizeof b);
        *bits = b;
    } else {
        double v = strtod(clean, &end);
        memcpy(bits, &v, sizeof *bits);
    }
    if (*end != '\0')
        return werr_set(err, 0, "'%s' is not a %s", text, f->name);
    /* Finite text that rounds to infinity is a mistake, not a value (as in
     * WAT, where it is "constant out of range"). Underflow to a subnormal or
     * zero is fine: that is the correctly rounded value. */
    if ((*bits & f->exp_mask) == f->exp_mask)
        return werr_set(err, 0, "'%s' is out of range for %s", text, f->name);
    return 0;
}

int wast_vt_parse_f32(const char *text, uint32_t *bits, weft_error **err)
{
    uint64_t b;
    if (parse_float(text, &F32, &b, err) < 0)
        return -1;
    *bits = (uint32_t)b;
    return 0;
}

int wast_vt_parse_f64(const char *text, uint64_t *bits, weft_error **err)
{
    return parse_float(text, &F64, bits, err);
}

int wast_vt_parse_as(wf_valtype type, const char *text, wf_value *out, weft_error **err)
{
    out->type = type;
    switch (type) {
    case WF_I32:
        return wast_vt_parse_i32(text, &out->of.i32, err);
    case WF_I64:
        return wast_vt_parse_i64(text, &out->of.i64, err);
    case WF_F32:
        return wast_vt_parse_f32(text, &out->of.f32, err);
    case WF_F64:
        return wast_vt_parse_f64(text, &out->of.f64, err);
    case WF_FUNCREF:
    case WF_EXTERNREF:
        if (strcmp(text, "null") == 0) {
            out->of.ref = NULL;
            return 0;
        }
        return werr_set(err, 0, "'%s': only null can be written for a %s", text,
                        wast_vt_type_name(type));
    default:
        return werr_set(err, 0, "values of type %s cannot be written", wast_vt_type_name(type));
    }
}

int wast_vt_parse(const char *text, wf_value *out, weft_error **err)
{
    const char *colon = strchr(text, ':');
    if (colon == NULL)
        return werr_set(err, 0, "'%s': write a value as TYPE:VALUE (e.g. i32:7, f64:1.5)", text);
    wf_valtype t;
    if (wast_vt_parse_type(text, (size_t)(colon - text), &t, err) < 0)
        return werr_prefix(err, "'%s'", text);
    return wast_vt_parse_as(t, colon + 1, out, err);
}

/* ---- printing ---------------------------------------------------------- */

/* inf, nan and nan:0xPAYLOAD (after the sign), or NULL for a finite value. */
static char *format_special(uint64_t bits, const struct fmt *f, char *buf)
{
    if ((bits & f->exp_mask) != f->exp_mask)
        return NULL;
    const char *sign = (bits & f->sign) ? "-" : "";
    uint64_t payload = bits & ((UINT64_C(1) << f->mant_bits) - 1);
    if (payload == 0)
        snprintf(buf, WAST_VT_MAX, "%sinf", sign);
    else if (payload == UINT64_C(1) << (f->mant_bits - 1))
        snprintf(buf, WAST_VT_MAX, "%snan", sign);
    else
        snprintf(buf, WAST_VT_MAX, "%snan:0x%" PRIx64, sign, payload);
    return buf;
}

/* The shortest %.Ng that reads back to the same bits. %g of the exact value
 * is correctly rounded by glibc and strtof/strtod read correctly, so the
 * first N that round-trips is the shortest decimal with that property. */
char *wast_vt_format_f32(uint32_t bits, char *buf)
{
    if (format_special(bits, &F32, buf) != NULL)
        return buf;
    float v;
    memcpy(&v, &bits, sizeof v);
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf, WAST_VT_MAX, "%.*g", prec, (double)v);
        float back = strtof(buf, NULL);
        uint32_t bb;
        memcpy(&bb, &back, sizeof bb);
        if (bb == bits)
            break;
    }
    return buf; /* %.9g always round-trips a binary32 */
}

char *wast_vt_format_f64(uint64_t bits, char *buf)
{
    if (format_special(bits, &F64, buf) != NULL)
        return buf;
    double v;
    memcpy(&v, &bits, sizeof v);
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, WAST_VT_MAX, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        uint64_t bb;
        memcpy(&bb, &back, sizeof bb);
        if (bb == bits)
            break;
    }
    return buf; /* %.17g always round-trips a binary64 */
}

char *wast_vt_format_value(const wf_value *v, char *buf)
{
    switch (v->type) {
    case WF_I32:
        snprintf(buf, WAST_VT_MAX, "%" PRId32, (int32_t)v->of.i32);
        return buf;
    case WF_I64:
        snprintf(buf, WAST_VT_MAX, "%" PRId64, (int64_t)v->of.i64);
        return buf;
    case WF_F32:
        return wast_vt_format_f32(v->of.f32, buf);
    case WF_F64:
        return wast_vt_format_f64(v->of.f64, buf);
    case WF_FUNCREF:
    case WF_EXTERNREF:
        if (v->of.ref == NULL)
            snprintf(buf, WAST_VT_MAX, "null");
        else
            snprintf(buf, WAST_VT_MAX, "%p", v->of.ref);
        return buf;
    default:
        snprintf(buf, WAST_VT_MAX, "?");
        return buf;
    }
}

char *wast_vt_format(const wf_value *v, char *buf)
{
    /* The longest name (10 bytes with ':') plus the longest value (24) fit. */
    char val[WAST_VT_MAX];
    wast_vt_format_value(v, val);
    const char *name = wast_vt_type_name(v->type);
    size_t n = strlen(name), m = strnlen(val, WAST_VT_MAX - n - 2);
    memcpy(buf, name, n);
    buf[n] = ':';
    memcpy(buf + n + 1, val, m);
    buf[n + 1 + m] = '\0';
    return buf;
}
