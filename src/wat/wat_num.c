/* Numeric literal parsing (see wat_num.h). Digits may be separated by single
 * underscores between two digits; everything else is checked by hand first so
 * that the C library only ever sees a clean, already-valid literal. */
#include "wat/wat_num.h"

#include "util/xalloc.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int wat_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_digit(char c, bool hex)
{
    int d = wat_hex_digit(c);
    return d >= 0 && (hex || d < 10);
}

/* Length of a digit run (with legal underscores) at s; 0 if none or if an
 * underscore is misplaced. Digits (without underscores) are appended to
 * out (at index *o) when out is not NULL. */
static size_t digits(const char *s, size_t len, bool hex, char *out, size_t *o)
{
    size_t i = 0;
    while (i < len) {
        if (is_digit(s[i], hex)) {
            if (out)
                out[(*o)++] = s[i];
            i++;
        } else if (s[i] == '_' && i > 0 && i + 1 < len && is_digit(s[i + 1], hex)) {
            i++;
        } else {
            break;
        }
    }
    return i;
}

/* Unsigned magnitude of a nat: decimal or 0x hex. */
static int parse_mag(const char *s, size_t len, uint64_t *out)
{
    bool hex = len > 2 && s[0] == '0' && s[1] == 'x';
    size_t start = hex ? 2 : 0;
    size_t n = digits(s + start, len - start, hex, NULL, NULL);
    if (n == 0 || start + n != len)
        return WAT_NUM_SYNTAX;
    uint64_t v = 0;
    bool over = false;
    for (size_t i = start; i < len; i++) {
        if (s[i] == '_')
            continue;
        unsigned d = (unsigned)wat_hex_digit(s[i]);
        unsigned base = hex ? 16 : 10;
        if (v > (UINT64_MAX - d) / base)
            over = true;
        v = v * base + d;
    }
    *out = v;
    return over ? WAT_NUM_RANGE : 0;
}

int wat_parse_nat(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || s[0] == '+' || s[0] == '-')
        return WAT_NUM_SYNTAX;
    return parse_mag(s, len, out);
}

static int parse_int(const char *s, size_t len, unsigned bits, uint64_t *out)
{
    bool neg = false;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++;
        len--;
    }
    uint64_t mag;
    int r = parse_mag(s, len, &mag);
    if (r < 0)
        return r;
    uint64_t umax = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    uint64_t nmax = UINT64_C(1) << (bits - 1); /* magnitude of the most negative value */
    if (neg) {
        if (mag > nmax)
            return WAT_NUM_RANGE;
        *out = (0 - mag) & umax;
    } else {
        if (mag > umax)
            return WAT_NUM_RANGE;
        *out = mag;
    }
    return 0;
}

int wat_parse_i32(const char *s, size_t len, uint32_t *out)
{
    uint64_t v;
    int r = parse_int(s, len, 32, &v);
    if (r == 0)
        *out = (uint32_t)v;
    return r;
}

int wat_parse_i64(const char *s, size_t len, uint64_t *out)
{
    return parse_int(s, len, 64, out);
}

/* Check the float syntax after the sign and build a clean copy (no
 * underscores) in buf for strtod/strtof. Returns 0 or WAT_NUM_SYNTAX. */
static int clean_float(const char *s, size_t len, char *buf)
{
    size_t o = 0, i = 0, n;
    bool hex = len > 2 && s[0] == '0' && s[1] == 'x';
    if (hex) {
        buf[o++] = '0';
        buf[o++] = 'x';
        i = 2;
    }
    n = digits(s + i, len - i, hex, buf, &o);
    if (n == 0)
        return WAT_NUM_SYNTAX;
    i += n;
    if (i < len && s[i] == '.') {
        buf[o++] = '.';
        i++;
        i += digits(s + i, len - i, hex, buf, &o);
    }
    if (i < len && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
        buf[o++] = s[i++];
        if (i < len && (s[i] == '+' || s[i] == '-'))
            buf[o++] = s[i++];
        n = digits(s + i, len - i, false, buf, &o);
        if (n == 0)
            return WAT_NUM_SYNTAX;
        i += n;
    }
    if (i != len)
        return WAT_NUM_SYNTAX;
    buf[o] = '\0';
    return 0;
}

/* Shared front end: sign, inf, nan[:0x...]. *kind: 0 number (clean text in
 * *buf), 1 inf, 2 nan with *payload (0 = canonical). */
static int float_front(const char *s, size_t len, bool *neg, int *kind, uint64_t *payload,
                       char **buf)
{
    *neg = false;
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        *neg = s[0] == '-';
        s++;
        len--;
    }
    if (len == 3 && memcmp(s, "inf", 3) == 0) {
        *kind = 1;
        return 0;
    }
    if (len == 3 && memcmp(s, "nan", 3) == 0) {
        *kind = 2;
        *payload = 0;
        return 0;
    }
    if (len > 6 && memcmp(s, "nan:0x", 6) == 0) {
        *kind = 2;
        if (digits(s + 6, len - 6, true, NULL, NULL) != len - 6)
            return WAT_NUM_SYNTAX;
        int r = parse_mag(s + 4, len - 4, payload);
        if (r < 0 || *payload == 0)
            return WAT_NUM_RANGE;
        return 0;
    }
    *kind = 0;
    *buf = xmalloc(len + 4);
    int r = clean_float(s, len, *buf);
    if (r < 0) {
        free(*buf);
        *buf = NULL;
    }
    return r;
}

int wat_parse_f32(const char *s, size_t len, uint32_t *bits)
{
    bool neg;
    int kind;
    uint64_t payload = 0;
    char *buf = NULL;
    int r = float_front(s, len, &neg, &kind, &payload, &buf);
    if (r < 0)
        return r;
    uint32_t sign = neg ? 0x80000000u : 0;
    if (kind == 1) {
        *bits = sign | 0x7f800000u;
        return 0;
    }
    if (kind == 2) {
        if (payload >= (UINT64_C(1) << 23))
            return WAT_NUM_RANGE;
        *bits = sign | 0x7f800000u | (payload ? (uint32_t)payload : 0x400000u);
        return 0;
    }
    float f = strtof(buf, NULL);
    free(buf);
    if (isinf(f))
        return WAT_NUM_RANGE;
    uint32_t u;
    memcpy(&u, &f, 4);
    *bits = sign | u;
    return 0;
}

int wat_parse_f64(const char *s, size_t len, uint64_t *bits)
{
    bool neg;
    int kind;
    uint64_t payload = 0;
    char *buf = NULL;
    int r = float_front(s, len, &neg, &kind, &payload, &buf);
    if (r < 0)
        return r;
    uint64_t sign = neg ? UINT64_C(1) << 63 : 0;
    uint64_t exp = UINT64_C(0x7ff0000000000000);
    if (kind == 1) {
        *bits = sign | exp;
        return 0;
    }
    if (kind == 2) {
        if (payload >= (UINT64_C(1) << 52))
            return WAT_NUM_RANGE;
        *bits = sign | exp | (payload ? payload : UINT64_C(1) << 51);
        return 0;
    }
    double d = strtod(buf, NULL);
    free(buf);
    if (isinf(d))
        return WAT_NUM_RANGE;
    uint64_t u;
    memcpy(&u, &d, 8);
    *bits = sign | u;
    return 0;
}
