/* Shared state of the WAT parser (private to the wat_*.c files).
 *
 * A module is parsed in two passes over its tokens. Pass 1 (wat_module.c)
 * records every definition's $name and index and every explicit type, so
 * pass 2 can resolve forward references while it encodes each field straight
 * into its section buffer. Implicit types (from inline `(param)`/`(result)`)
 * are appended to the type list in text order, as the spec and wabt do.
 */
#ifndef WEFT_WAT_WAT_INTERNAL_H
#define WEFT_WAT_WAT_INTERNAL_H

#include "wat/wat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- byte buffers ----------------------------------------------------- */

typedef struct wat_buf {
    uint8_t *d;
    size_t len, cap;
} wat_buf;

void wat_buf_put(wat_buf *b, const void *p, size_t n);
void wat_buf_u8(wat_buf *b, uint8_t v);
void wat_buf_uleb(wat_buf *b, uint64_t v);
void wat_buf_sleb(wat_buf *b, int64_t v);
void wat_buf_le(wat_buf *b, uint64_t v, int nbytes);
void wat_buf_free(wat_buf *b);

/* ---- name -> index maps ------------------------------------------------ */

typedef struct wat_name_slot {
    const char *s; /* the $id text (with '$'), NULL for an empty slot */
    size_t len;
    uint32_t idx;
} wat_name_slot;

typedef struct wat_names {
    wat_name_slot *slots;
    size_t cap, n;
} wat_names;

/* 0, or -1 if the name is already bound. */
int wat_names_add(wat_names *m, const char *s, size_t len, uint32_t idx);
/* 0 and *idx, or -1 when unbound. */
int wat_names_get(const wat_names *m, const char *s, size_t len, uint32_t *idx);
void wat_names_free(wat_names *m);

/* ---- the parser -------------------------------------------------------- */

enum wat_space { WS_TYPE, WS_FUNC, WS_TABLE, WS_MEM, WS_GLOBAL, WS_ELEM, WS_DATA, WS_COUNT };

/* A function type: types[0..np) are the params, types[np..np+nr) results. */
typedef struct wat_sig {
    uint8_t *types;
    uint32_t np, nr;
} wat_sig;

typedef struct wat_label {
    const char *s; /* NULL when the block has no $label */
    size_t len;
} wat_label;

/* Per-function state for instructions (NULL in constant expressions). */
typedef struct wat_func {
    wat_names locals;
    uint32_t nlocals;
    wat_label *labels;
    size_t nlabels, caplabels;
} wat_func;

typedef struct wat_parser {
    const wat_tokens *t;
    size_t pos;
    wat_names names[WS_COUNT];
    uint32_t count[WS_COUNT]; /* during pass 2: next index of each space */
    wat_sig *types;
    size_t ntypes, captypes, nexplicit;
    wat_buf imports, funcs, tables, mems, globals, exports, elems, code, datas;
    uint32_t n_imports, n_funcs, n_tables, n_mems, n_globals, n_exports, n_elems, n_datas;
    bool has_start;
    uint32_t start;
    bool needs_datacount; /* memory.init / data.drop seen (wabt writes the section only then) */
    wat_func *fn;
    unsigned depth; /* nesting of blocks and folded instructions */
} wat_parser;

/* token access */
static inline const wat_token *wat_tok(const wat_parser *p)
{
    return &p->t->v[p->pos];
}
static inline const wat_token *wat_peek(const wat_parser *p, size_t k)
{
    size_t i = p->pos + k;
    return &p->t->v[i < p->t->n ? i : p->t->n - 1];
}
bool wat_tok_is(const wat_token *tok, const char *kw);
/* current token is '(' followed by keyword kw */
bool wat_at_field(const wat_parser *p, const char *kw);
int wat_fail(const wat_parser *p, const wat_token *tok, weft_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int wat_expect_lpar(wat_parser *p, weft_error **err);
int wat_expect_rpar(wat_parser *p, weft_error **err);
/* Skip a balanced s-expression starting at the current '(' (or one token). */
int wat_skip_sexpr(wat_parser *p, weft_error **err);
int wat_take_string(wat_parser *p, wat_buf *out, weft_error **err);
/* A string that must be valid UTF-8 (import and export names). */
int wat_take_name(wat_parser *p, wat_buf *out, weft_error **err);
bool wat_utf8_valid(const uint8_t *s, size_t len);

/* numbers at the current token */
int wat_take_u32(wat_parser *p, uint32_t *out, weft_error **err);
/* an index: a nat or a $name bound in space sp */
bool wat_at_index(const wat_parser *p);
int wat_take_index(wat_parser *p, enum wat_space sp, uint32_t *out, weft_error **err);

/* types */
int wat_valtype_of(const wat_token *tok, uint8_t *out);
int wat_take_valtype(wat_parser *p, uint8_t *out, weft_error **err);
int wat_take_reftype(wat_parser *p, uint8_t *out, weft_error **err);
int wat_take_heaptype(wat_parser *p, uint8_t *out, weft_error **err);
/* `(param ...)* (result ...)*`; param ids go to names/nnames when
 * allow_ids (else an id is an error). */
int wat_parse_params_results(wat_parser *p, wat_sig *sig, bool allow_ids, const wat_token ***ids,
                             weft_error **err);
/* Full type use: `(type x)? (param)* (result)*`. *idx receives the type
 * index, adding an implicit type when needed. */
int wat_parse_typeuse(wat_parser *p, uint32_t *idx, bool allow_ids, const wat_token ***ids,
                      weft_error **err);
/* The same in two steps, for folded instructions whose operands must have
 * their implicit types added first (text order, as wabt does). */
typedef struct wat_typeuse {
    bool has_type, has_inline;
    uint32_t idx;
    wat_sig sig;
    const wat_token *at;
} wat_typeuse;
int wat_typeuse_parse(wat_parser *p, wat_typeuse *tu, bool allow_ids, const wat_token ***ids,
                      weft_error **err);
int wat_typeuse_resolve(wat_parser *p, wat_typeuse *tu, weft_error **err);
uint32_t wat_type_find_or_add(wat_parser *p, wat_sig *sig);
void wat_sig_free(wat_sig *s);

/* instructions */
int wat_parse_instrs(wat_parser *p, wat_buf *out, weft_error **err);
/* An expression up to the closing ')' (not consumed), then `end` (0x0b). */
int wat_parse_expr(wat_parser *p, wat_buf *out, weft_error **err);
/* One folded instruction `( ... )` (used by offsets and elem items). */
int wat_parse_folded(wat_parser *p, wat_buf *out, weft_error **err);

/* opcode table */
enum wat_imm {
    IM_NONE,
    IM_BLOCK,
    IM_IF,
    IM_ELSE,
    IM_END,
    IM_LABEL,
    IM_BR_TABLE,
    IM_FUNC,
    IM_CALL_INDIRECT,
    IM_LOCAL,
    IM_GLOBAL,
    IM_TABLE,
    IM_MEMARG,
    IM_MEM0,
    IM_MEM00,
    IM_I32,
    IM_I64,
    IM_F32,
    IM_F64,
    IM_SELECT,
    IM_REFNULL,
    IM_MEMINIT,
    IM_DATA,
    IM_ELEM,
    IM_TABLE_INIT,
    IM_TABLE_COPY,
};

typedef struct wat_op {
    const char *name;
    uint16_t code; /* one byte, or 0xfc00 | n for the 0xfc prefix */
    uint8_t imm;   /* enum wat_imm */
    uint8_t align; /* log2 natural alignment of loads and stores */
} wat_op;

const wat_op *wat_op_find(const char *s, size_t len);

#endif
