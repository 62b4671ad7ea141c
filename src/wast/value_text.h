/* wasm values as command-line text: `TYPE:VALUE` (i32:-1, f32:nan:0x200000,
 * f64:0x1p-3) for `weft wasm run --invoke`, its results, and the tools.
 *
 * Parsing accepts what a person types: signed or unsigned decimal, hex
 * integers (an i32 "4294967295" is -1), decimal and hex floats, inf, nan and
 * nan:0xPAYLOAD with an optional sign. Printing is canonical and exact:
 * integers in signed decimal, floats in the shortest decimal that reads back
 * to the same bits, NaNs with their payload, so print(parse(x)) round-trips.
 */
#ifndef WEFT_WAST_VALUE_TEXT_H
#define WEFT_WAST_VALUE_TEXT_H

#include "util/error.h"
#include "wasm/wasm.h"

#include <stdint.h>

/* Enough for any value printed by wast_vt_format ("-nan:0x" + 13 hex digits,
 * or a 17-digit double with exponent), with room to spare. */
#define WAST_VT_MAX 48

/* "i32", "i64", "f32", "f64", "funcref", "externref", "v128"; "?" otherwise. */
const char *wast_vt_type_name(wf_valtype t);

/* Parse a type name (the four number types only): returns -1 if unknown. */
int wast_vt_parse_type(const char *name, size_t len, wf_valtype *out, weft_error **err);

/* Parse VALUE text for a number type. */
int wast_vt_parse_i32(const char *text, uint32_t *out, weft_error **err);
int wast_vt_parse_i64(const char *text, uint64_t *out, weft_error **err);
int wast_vt_parse_f32(const char *text, uint32_t *bits, weft_error **err);
int wast_vt_parse_f64(const char *text, uint64_t *bits, weft_error **err);
int wast_vt_parse_as(wf_valtype type, const char *text, wf_value *out, weft_error **err);

/* Parse `TYPE:VALUE`. */
int wast_vt_parse(const char *text, wf_value *out, weft_error **err);

/* Print into buf (at least WAST_VT_MAX bytes); returns buf. No type prefix. */
char *wast_vt_format_f32(uint32_t bits, char *buf);
char *wast_vt_format_f64(uint64_t bits, char *buf);
char *wast_vt_format_value(const wf_value *v, char *buf);
/* The same with the `TYPE:` prefix, as --invoke prints results. */
char *wast_vt_format(const wf_value *v, char *buf);

#endif
