/* WAT instructions -> code bytes: flat and folded forms, block types, labels
 * and every immediate of WebAssembly 2.0 without SIMD. */
#include "wat/wat_internal.h"
#include "wat/wat_num.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static void put_op(wat_buf *out, const wat_op *op)
{
    if (op->code >= 0xfc00) {
        wat_buf_u8(out, 0xfc);
        wat_buf_uleb(out, op->code & 0xff);
    } else {
        wat_buf_u8(out, (uint8_t)op->code);
    }
}

/* ---- labels ------------------------------------------------------------ */

static void label_push(wat_parser *p, const wat_token *id)
{
    wat_func *f = p->fn;
    if (f == NULL)
        return;
    if (f->nlabels == f->caplabels) {
        f->caplabels = f->caplabels ? f->caplabels * 2 : 16;
        f->labels = xreallocarray(f->labels, f->caplabels, sizeof *f->labels);
    }
    f->labels[f->nlabels++] = id ? (wat_label){id->s, id->len} : (wat_label){NULL, 0};
}

static void label_pop(wat_parser *p)
{
    if (p->fn != NULL)
        p->fn->nlabels--;
}

static int take_label(wat_parser *p, uint32_t *depth, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    if (tok->kind == WAT_ID) {
        wat_func *f = p->fn;
        for (size_t i = f ? f->nlabels : 0; i-- > 0;) {
            if (f->labels[i].s && f->labels[i].len == tok->len &&
                memcmp(f->labels[i].s, tok->s, tok->len) == 0) {
                *depth = (uint32_t)(f->nlabels - 1 - i);
                p->pos++;
                return 0;
            }
        }
        return wat_fail(p, tok, err, "unknown label %.*s", (int)tok->len, tok->s);
    }
    return wat_take_u32(p, depth, err);
}

/* After `else`/`end`: an optional $id that must repeat the block's label. */
static int check_end_label(wat_parser *p, const wat_token *label, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    if (tok->kind != WAT_ID)
        return 0;
    if (label == NULL || label->len != tok->len || memcmp(label->s, tok->s, tok->len) != 0)
        return wat_fail(p, tok, err, "mismatching label %.*s", (int)tok->len, tok->s);
    p->pos++;
    return 0;
}

/* ---- block types ------------------------------------------------------- */

/* Like wabt: no params and at most one result is written inline (0x40 or a
 * value type) even when given as (type x); anything else is a type index. */
static int blocktype_emit(wat_parser *p, wat_typeuse *tu, wat_buf *out, weft_error **err)
{
    const wat_sig *s = &tu->sig;
    if (tu->has_type) {
        if (wat_typeuse_resolve(p, tu, err) < 0)
            return -1;
        if (tu->idx < p->ntypes)
            s = &p->types[tu->idx];
        else
            s = NULL;
    }
    if (s != NULL && s->np == 0 && s->nr <= 1) {
        wat_buf_u8(out, s->nr ? s->types[0] : 0x40);
        return 0;
    }
    if (!tu->has_type)
        tu->idx = wat_type_find_or_add(p, &tu->sig);
    wat_buf_sleb(out, tu->idx);
    return 0;
}

static const wat_token *take_opt_id(wat_parser *p)
{
    if (wat_tok(p)->kind != WAT_ID)
        return NULL;
    return &p->t->v[p->pos++];
}

/* ---- immediates -------------------------------------------------------- */

static int memarg(wat_parser *p, const wat_op *op, wat_buf *out, weft_error **err)
{
    uint64_t offset = 0, align = (uint64_t)1 << op->align;
    const wat_token *tok = wat_tok(p);
    if (tok->kind == WAT_KEYWORD && tok->len > 7 && memcmp(tok->s, "offset=", 7) == 0) {
        int r = wat_parse_nat(tok->s + 7, tok->len - 7, &offset);
        if (r == WAT_NUM_SYNTAX)
            return wat_fail(p, tok, err, "unknown operator %.*s", (int)tok->len, tok->s);
        if (r == WAT_NUM_RANGE || offset > UINT32_MAX)
            return wat_fail(p, tok, err, "i32 constant out of range: %.*s", (int)tok->len, tok->s);
        tok = &p->t->v[++p->pos];
    }
    if (tok->kind == WAT_KEYWORD && tok->len > 6 && memcmp(tok->s, "align=", 6) == 0) {
        int r = wat_parse_nat(tok->s + 6, tok->len - 6, &align);
        if (r == WAT_NUM_SYNTAX)
            return wat_fail(p, tok, err, "unknown operator %.*s", (int)tok->len, tok->s);
        if (r == WAT_NUM_RANGE || align == 0 || (align & (align - 1)) != 0 || align > UINT32_MAX)
            return wat_fail(p, tok, err, "alignment must be a power of two: %.*s", (int)tok->len,
                            tok->s);
        p->pos++;
    }
    unsigned lg = 0;
    while ((UINT64_C(1) << lg) < align)
        lg++;
    wat_buf_uleb(out, lg);
    wat_buf_uleb(out, offset);
    return 0;
}

static int const_imm(wat_parser *p, const wat_op *op, wat_buf *out, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    int r = WAT_NUM_SYNTAX;
    uint32_t u32 = 0;
    uint64_t u64 = 0;
    if (tok->kind == WAT_RESERVED || tok->kind == WAT_KEYWORD) {
        switch (op->imm) {
        case IM_I32:
            r = wat_parse_i32(tok->s, tok->len, &u32);
            break;
        case IM_I64:
            r = wat_parse_i64(tok->s, tok->len, &u64);
            break;
        case IM_F32:
            r = wat_parse_f32(tok->s, tok->len, &u32);
            break;
        default:
            r = wat_parse_f64(tok->s, tok->len, &u64);
            break;
        }
    }
    if (r == WAT_NUM_SYNTAX)
        return wat_fail(p, tok, err, "unexpected token %.*s, expected a %s literal", (int)tok->len,
                        tok->s, op->name);
    if (r == WAT_NUM_RANGE)
        return wat_fail(p, tok, err, "constant out of range: %.*s", (int)tok->len, tok->s);
    p->pos++;
    switch (op->imm) {
    case IM_I32:
        wat_buf_sleb(out, (int32_t)u32);
        break;
    case IM_I64:
        wat_buf_sleb(out, (int64_t)u64);
        break;
    case IM_F32:
        wat_buf_le(out, u32, 4);
        break;
    default:
        wat_buf_le(out, u64, 8);
        break;
    }
    return 0;
}

static int local_imm(wat_parser *p, wat_buf *out, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    uint32_t idx;
    if (tok->kind == WAT_ID) {
        if (p->fn == NULL || wat_names_get(&p->fn->locals, tok->s, tok->len, &idx) < 0)
            return wat_fail(p, tok, err, "unknown local %.*s", (int)tok->len, tok->s);
        p->pos++;
    } else if (wat_take_u32(p, &idx, err) < 0) {
        return -1;
    }
    wat_buf_uleb(out, idx);
    return 0;
}

static int index_imm(wat_parser *p, enum wat_space sp, wat_buf *out, weft_error **err)
{
    uint32_t idx;
    if (wat_take_index(p, sp, &idx, err) < 0)
        return -1;
    wat_buf_uleb(out, idx);
    return 0;
}

/* An optional table index (defaults to 0). */
static int opt_table(wat_parser *p, wat_buf *out, weft_error **err)
{
    if (wat_at_index(p))
        return index_imm(p, WS_TABLE, out, err);
    wat_buf_u8(out, 0);
    return 0;
}

static int br_table_imm(wat_parser *p, wat_buf *out, weft_error **err)
{
    uint32_t *v = NULL;
    size_t n = 0;
    while (wat_at_index(p)) {
        v = xreallocarray(v, n + 1, sizeof *v);
        if (take_label(p, &v[n], err) < 0) {
            free(v);
            return -1;
        }
        n++;
    }
    if (n == 0) {
        free(v);
        return wat_fail(p, wat_tok(p), err, "br_table needs at least one label");
    }
    wat_buf_uleb(out, n - 1);
    for (size_t i = 0; i < n; i++)
        wat_buf_uleb(out, v[i]);
    free(v);
    return 0;
}

static int select_imm(wat_parser *p, const wat_op *op, wat_buf *out, weft_error **err)
{
    if (!wat_at_field(p, "result")) {
        put_op(out, op);
        return 0;
    }
    wat_sig sig = {0};
    int r = wat_parse_params_results(p, &sig, false, NULL, err);
    if (r == 0 && sig.np > 0)
        r = wat_fail(p, wat_tok(p), err, "select cannot have params");
    if (r == 0 && sig.nr == 0) {
        put_op(out, op); /* `select (result)`: wabt writes the untyped form */
    } else if (r == 0) {
        wat_buf_u8(out, 0x1c);
        wat_buf_uleb(out, sig.nr);
        wat_buf_put(out, sig.types, sig.nr);
    }
    wat_sig_free(&sig);
    return r;
}

static int table_init_imm(wat_parser *p, wat_buf *out, weft_error **err)
{
    uint32_t a, b;
    p->pos++;
    bool two = wat_at_index(p);
    p->pos--;
    if (two) {
        /* `table.init table elem`; with one index it is the segment */
        if (wat_take_index(p, WS_TABLE, &a, err) < 0 || wat_take_index(p, WS_ELEM, &b, err) < 0)
            return -1;
        wat_buf_uleb(out, b);
        wat_buf_uleb(out, a);
        return 0;
    }
    if (wat_take_index(p, WS_ELEM, &a, err) < 0)
        return -1;
    wat_buf_uleb(out, a);
    wat_buf_u8(out, 0);
    return 0;
}

static int table_copy_imm(wat_parser *p, wat_buf *out, weft_error **err)
{
    if (!wat_at_index(p)) {
        wat_buf_u8(out, 0);
        wat_buf_u8(out, 0);
        return 0;
    }
    if (index_imm(p, WS_TABLE, out, err) < 0)
        return -1;
    return index_imm(p, WS_TABLE, out, err);
}

/* call_indirect: an optional table then a type use; `tu` is resolved by the
 * caller once the operands of a folded form have been parsed. */
static int call_indirect_parse(wat_parser *p, uint32_t *table, wat_typeuse *tu, weft_error **err)
{
    *table = 0;
    *tu = (wat_typeuse){0};
    if (wat_at_index(p) && wat_take_index(p, WS_TABLE, table, err) < 0)
        return -1;
    return wat_typeuse_parse(p, tu, false, NULL, err);
}

static int call_indirect_emit(wat_parser *p, uint32_t table, wat_typeuse *tu, wat_buf *out,
                              weft_error **err)
{
    int r = wat_typeuse_resolve(p, tu, err);
    if (r == 0) {
        wat_buf_u8(out, 0x11);
        wat_buf_uleb(out, tu->idx);
        wat_buf_uleb(out, table);
    }
    wat_sig_free(&tu->sig);
    return r;
}

/* Opcode and immediates of a plain (non-block) instruction. */
static int plain_instr(wat_parser *p, const wat_op *op, wat_buf *out, weft_error **err)
{
    uint32_t v;
    uint8_t t;
    if (op->imm == IM_SELECT)
        return select_imm(p, op, out, err);
    if (op->imm == IM_CALL_INDIRECT) {
        wat_typeuse tu;
        if (call_indirect_parse(p, &v, &tu, err) < 0) {
            wat_sig_free(&tu.sig);
            return -1;
        }
        return call_indirect_emit(p, v, &tu, out, err);
    }
    put_op(out, op);
    switch (op->imm) {
    case IM_NONE:
        return 0;
    case IM_LABEL:
        if (take_label(p, &v, err) < 0)
            return -1;
        wat_buf_uleb(out, v);
        return 0;
    case IM_BR_TABLE:
        return br_table_imm(p, out, err);
    case IM_FUNC:
        return index_imm(p, WS_FUNC, out, err);
    case IM_LOCAL:
        return local_imm(p, out, err);
    case IM_GLOBAL:
        return index_imm(p, WS_GLOBAL, out, err);
    case IM_TABLE:
        return opt_table(p, out, err);
    case IM_MEMARG:
        return memarg(p, op, out, err);
    case IM_MEM0:
        wat_buf_u8(out, 0);
        return 0;
    case IM_MEM00:
        wat_buf_u8(out, 0);
        wat_buf_u8(out, 0);
        return 0;
    case IM_I32:
    case IM_I64:
    case IM_F32:
    case IM_F64:
        return const_imm(p, op, out, err);
    case IM_REFNULL:
        if (wat_take_heaptype(p, &t, err) < 0)
            return -1;
        wat_buf_u8(out, t);
        return 0;
    case IM_MEMINIT:
        p->needs_datacount = true;
        if (index_imm(p, WS_DATA, out, err) < 0)
            return -1;
        wat_buf_u8(out, 0);
        return 0;
    case IM_DATA:
        p->needs_datacount = true;
        return index_imm(p, WS_DATA, out, err);
    case IM_ELEM:
        return index_imm(p, WS_ELEM, out, err);
    case IM_TABLE_INIT:
        return table_init_imm(p, out, err);
    case IM_TABLE_COPY:
        return table_copy_imm(p, out, err);
    default:
        return wat_fail(p, wat_tok(p), err, "unexpected %s", op->name);
    }
}

/* ---- blocks ------------------------------------------------------------ */

static const wat_op *find_op(wat_parser *p, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    const wat_op *op = NULL;
    if (tok->kind == WAT_KEYWORD)
        op = wat_op_find(tok->s, tok->len);
    if (op == NULL) {
        if (tok->kind == WAT_RPAR || tok->kind == WAT_EOF || tok->kind == WAT_LPAR)
            wat_fail(p, tok, err, "unexpected token, expected an instruction");
        else
            wat_fail(p, tok, err, "unknown operator %.*s", (int)tok->len, tok->s);
        return NULL;
    }
    p->pos++;
    return op;
}

/* block/loop/if header: label and block type (the type is emitted later). */
static int block_head(wat_parser *p, const wat_token **label, wat_typeuse *tu, weft_error **err)
{
    *label = take_opt_id(p);
    return wat_typeuse_parse(p, tu, false, NULL, err);
}

/* The common start of a flat and a folded block: label and block type,
 * the opcode, then the instructions of its body (or of `if`'s then-arm). */
static int open_block(wat_parser *p, const wat_op *op, wat_buf *out, const wat_token **label,
                      weft_error **err)
{
    wat_typeuse tu;
    int r = block_head(p, label, &tu, err);
    if (r == 0) {
        put_op(out, op);
        r = blocktype_emit(p, &tu, out, err);
    }
    wat_sig_free(&tu.sig);
    if (r < 0)
        return -1;
    label_push(p, *label);
    return wat_parse_instrs(p, out, err);
}

/* Flat `block`/`loop`/`if` after its keyword, up to and including `end`. */
static int flat_block(wat_parser *p, const wat_op *op, wat_buf *out, weft_error **err)
{
    const wat_token *label;
    if (open_block(p, op, out, &label, err) < 0)
        return -1;
    if (op->imm == IM_IF && wat_tok_is(wat_tok(p), "else")) {
        p->pos++;
        if (check_end_label(p, label, err) < 0)
            return -1;
        wat_buf els = {0};
        if (wat_parse_instrs(p, &els, err) < 0) {
            wat_buf_free(&els);
            return -1;
        }
        if (els.len > 0) { /* wabt drops an empty else */
            wat_buf_u8(out, 0x05);
            wat_buf_put(out, els.d, els.len);
        }
        wat_buf_free(&els);
    }
    if (!wat_tok_is(wat_tok(p), "end"))
        return wat_fail(p, wat_tok(p), err, "unexpected token, expected end of %s", op->name);
    p->pos++;
    if (check_end_label(p, label, err) < 0)
        return -1;
    label_pop(p);
    wat_buf_u8(out, 0x0b);
    return 0;
}

/* `(if label? bt (cond)* (then ...) (else ...)?)` after the keyword. */
static int folded_if(wat_parser *p, const wat_op *op, wat_buf *out, weft_error **err)
{
    const wat_token *label;
    wat_typeuse tu;
    int r = block_head(p, &label, &tu, err);
    while (r == 0 && wat_tok(p)->kind == WAT_LPAR && !wat_at_field(p, "then"))
        r = wat_parse_folded(p, out, err);
    if (r == 0) {
        put_op(out, op);
        r = blocktype_emit(p, &tu, out, err);
    }
    wat_sig_free(&tu.sig);
    if (r < 0)
        return -1;
    label_push(p, label);
    if (!wat_at_field(p, "then"))
        return wat_fail(p, wat_tok(p), err, "unexpected token, expected (then ...)");
    p->pos += 2;
    if (wat_parse_instrs(p, out, err) < 0 || wat_expect_rpar(p, err) < 0)
        return -1;
    if (wat_at_field(p, "else")) {
        p->pos += 2;
        wat_buf els = {0};
        if (wat_parse_instrs(p, &els, err) < 0 || wat_expect_rpar(p, err) < 0) {
            wat_buf_free(&els);
            return -1;
        }
        if (els.len > 0) {
            wat_buf_u8(out, 0x05);
            wat_buf_put(out, els.d, els.len);
        }
        wat_buf_free(&els);
    }
    label_pop(p);
    wat_buf_u8(out, 0x0b);
    return wat_expect_rpar(p, err);
}

static int folded_block(wat_parser *p, const wat_op *op, wat_buf *out, weft_error **err)
{
    const wat_token *label;
    if (open_block(p, op, out, &label, err) < 0)
        return -1;
    label_pop(p);
    wat_buf_u8(out, 0x0b);
    return wat_expect_rpar(p, err);
}

/* Folded operands `(...)*` then `)`. */
static int folded_operands(wat_parser *p, wat_buf *out, weft_error **err)
{
    while (wat_tok(p)->kind == WAT_LPAR)
        if (wat_parse_folded(p, out, err) < 0)
            return -1;
    return wat_expect_rpar(p, err);
}

/* Nesting deeper than this is refused instead of exhausting the C stack. */
#define WAT_MAX_DEPTH 4000

static int folded(wat_parser *p, wat_buf *out, weft_error **err);

int wat_parse_folded(wat_parser *p, wat_buf *out, weft_error **err)
{
    if (p->depth >= WAT_MAX_DEPTH)
        return wat_fail(p, wat_tok(p), err, "instructions nested too deeply");
    p->depth++;
    int r = folded(p, out, err);
    p->depth--;
    return r;
}

static int folded(wat_parser *p, wat_buf *out, weft_error **err)
{
    if (wat_expect_lpar(p, err) < 0)
        return -1;
    const wat_op *op = find_op(p, err);
    if (op == NULL)
        return -1;
    if (op->imm == IM_BLOCK)
        return folded_block(p, op, out, err);
    if (op->imm == IM_IF)
        return folded_if(p, op, out, err);
    if (op->imm == IM_ELSE || op->imm == IM_END)
        return wat_fail(p, &p->t->v[p->pos - 1], err, "unexpected %s", op->name);
    if (op->imm == IM_CALL_INDIRECT) {
        uint32_t table;
        wat_typeuse tu;
        if (call_indirect_parse(p, &table, &tu, err) < 0 || folded_operands(p, out, err) < 0) {
            wat_sig_free(&tu.sig);
            return -1;
        }
        return call_indirect_emit(p, table, &tu, out, err);
    }
    wat_buf tmp = {0};
    int r = plain_instr(p, op, &tmp, err);
    if (r == 0)
        r = folded_operands(p, out, err);
    if (r == 0)
        wat_buf_put(out, tmp.d, tmp.len);
    wat_buf_free(&tmp);
    return r;
}

int wat_parse_instrs(wat_parser *p, wat_buf *out, weft_error **err)
{
    while (true) {
        const wat_token *tok = wat_tok(p);
        if (tok->kind == WAT_LPAR) {
            if (wat_parse_folded(p, out, err) < 0)
                return -1;
            continue;
        }
        if (tok->kind != WAT_KEYWORD || wat_tok_is(tok, "end") || wat_tok_is(tok, "else"))
            return 0;
        const wat_op *op = find_op(p, err);
        if (op == NULL)
            return -1;
        int r;
        if (op->imm == IM_BLOCK || op->imm == IM_IF) {
            if (p->depth >= WAT_MAX_DEPTH)
                return wat_fail(p, tok, err, "instructions nested too deeply");
            p->depth++;
            r = flat_block(p, op, out, err);
            p->depth--;
        } else {
            r = plain_instr(p, op, out, err);
        }
        if (r < 0)
            return -1;
    }
}

int wat_parse_expr(wat_parser *p, wat_buf *out, weft_error **err)
{
    if (wat_parse_instrs(p, out, err) < 0)
        return -1;
    if (wat_tok(p)->kind != WAT_RPAR) {
        const wat_token *tok = wat_tok(p);
        return wat_fail(p, tok, err, "unexpected token %.*s", (int)tok->len, tok->s);
    }
    wat_buf_u8(out, 0x0b);
    return 0;
}
