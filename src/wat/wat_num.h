/* Numeric literals of the WebAssembly text format. Each parser takes the raw
 * token text and returns 0, WAT_NUM_SYNTAX (not a literal of that kind) or
 * WAT_NUM_RANGE (well-formed but out of range for the type). */
#ifndef WEFT_WAT_WAT_NUM_H
#define WEFT_WAT_WAT_NUM_H

#include <stddef.h>
#include <stdint.h>

#define WAT_NUM_SYNTAX (-1)
#define WAT_NUM_RANGE (-2)

/* The value of a hexadecimal digit (either case), or -1: the one digit
 * reader of the text format, its strings and `TYPE:VALUE` arguments. */
int wat_hex_digit(int c);

/* Unsigned natural number (indices, limits, alignments): no sign. */
int wat_parse_nat(const char *s, size_t len, uint64_t *out);
/* i32/i64 literals: optional sign; unsigned values up to 2^N-1 are accepted
 * and wrap (0xffffffff == -1). */
int wat_parse_i32(const char *s, size_t len, uint32_t *out);
int wat_parse_i64(const char *s, size_t len, uint64_t *out);
/* Float literals to IEEE bits: decimal and hex forms, inf, nan, nan:0xP.
 * f32 is rounded once, directly from the text (strtof), never via double. */
int wat_parse_f32(const char *s, size_t len, uint32_t *bits);
int wat_parse_f64(const char *s, size_t len, uint64_t *bits);

#endif
