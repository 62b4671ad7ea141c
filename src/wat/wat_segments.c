/* Element and data segments of the WAT parser, encoded with the same segment
 * flags wabt chooses: the function-index form when every item is a plain
 * `ref.func` of a funcref segment, an explicit table/memory index only when it
 * is not 0. */
#include "wat/wat_fields.h"
#include "wat/wat_num.h"

#include <string.h>

void wat_elem_free(wat_elem *seg)
{
    wat_buf_free(&seg->offset);
    wat_buf_free(&seg->exprs);
    wat_buf_free(&seg->funcs);
}

/* If expr is exactly `ref.func x; end`, append x's LEB to funcs. */
static bool plain_ref_func(const wat_buf *e, wat_buf *funcs)
{
    if (e->len < 3 || e->d[0] != 0xd2 || e->d[e->len - 1] != 0x0b)
        return false;
    size_t i = 1;
    while (i < e->len - 1 && (e->d[i] & 0x80))
        i++;
    if (i != e->len - 2)
        return false;
    wat_buf_put(funcs, e->d + 1, e->len - 2);
    return true;
}

static void add_item(wat_elem *seg, const wat_buf *e)
{
    wat_buf_put(&seg->exprs, e->d, e->len);
    if (!plain_ref_func(e, &seg->funcs))
        seg->not_all_funcs = true;
    seg->nitems++;
}

int wat_elem_items(wat_parser *p, wat_elem *seg, bool funclist, weft_error **err)
{
    while (funclist ? wat_at_index(p) : wat_tok(p)->kind == WAT_LPAR) {
        wat_buf e = {0};
        int r;
        if (funclist) {
            uint32_t idx;
            r = wat_take_index(p, WS_FUNC, &idx, err);
            wat_buf_u8(&e, 0xd2);
            wat_buf_uleb(&e, idx);
            wat_buf_u8(&e, 0x0b);
        } else if (wat_at_field(p, "item")) {
            p->pos += 2;
            r = wat_parse_expr(p, &e, err);
            if (r == 0)
                r = wat_expect_rpar(p, err);
        } else {
            r = wat_parse_folded(p, &e, err);
            wat_buf_u8(&e, 0x0b);
        }
        if (r == 0)
            add_item(seg, &e);
        wat_buf_free(&e);
        if (r < 0)
            return -1;
    }
    return 0;
}

void wat_elem_emit(wat_parser *p, const wat_elem *seg)
{
    bool exprs = seg->not_all_funcs || seg->type != 0x70;
    uint8_t flags = exprs ? 4 : 0;
    if (seg->mode == WAT_ELEM_PASSIVE)
        flags |= 1;
    else if (seg->mode == WAT_ELEM_DECLARE)
        flags |= 3;
    else if (seg->table != 0 || seg->type != 0x70)
        flags |= 2; /* wabt also spells out table 0 for non-funcref segments */
    wat_buf *b = &p->elems;
    wat_buf_u8(b, flags);
    if (seg->mode == WAT_ELEM_ACTIVE && (flags & 2))
        wat_buf_uleb(b, seg->table);
    if (seg->mode == WAT_ELEM_ACTIVE)
        wat_buf_put(b, seg->offset.d, seg->offset.len);
    if (flags & 3)
        wat_buf_u8(b, exprs ? seg->type : 0x00);
    wat_buf_uleb(b, seg->nitems);
    if (exprs)
        wat_buf_put(b, seg->exprs.d, seg->exprs.len);
    else
        wat_buf_put(b, seg->funcs.d, seg->funcs.len);
    p->n_elems++;
}

/* `(offset expr)` or one folded instruction. */
static int offset_expr(wat_parser *p, wat_buf *out, weft_error **err)
{
    if (wat_at_field(p, "offset")) {
        p->pos += 2;
        if (wat_parse_expr(p, out, err) < 0)
            return -1;
        return wat_expect_rpar(p, err);
    }
    if (wat_parse_folded(p, out, err) < 0)
        return -1;
    wat_buf_u8(out, 0x0b);
    return 0;
}

static bool at_nat(const wat_parser *p)
{
    return wat_tok(p)->kind == WAT_RESERVED && wat_at_index(p);
}

int wat_field_elem(wat_parser *p, weft_error **err)
{
    wat_elem seg = {.mode = WAT_ELEM_PASSIVE, .type = 0x70};
    int r = 0;
    p->count[WS_ELEM]++;
    if (wat_tok(p)->kind == WAT_ID)
        p->pos++;
    if (wat_tok_is(wat_tok(p), "declare")) {
        seg.mode = WAT_ELEM_DECLARE;
        p->pos++;
    } else if (wat_at_field(p, "table")) {
        seg.mode = WAT_ELEM_ACTIVE;
        p->pos += 2;
        r = wat_take_index(p, WS_TABLE, &seg.table, err);
        if (r == 0)
            r = wat_expect_rpar(p, err);
    } else if (at_nat(p)) { /* MVP form: (elem tableidx offset ...) */
        seg.mode = WAT_ELEM_ACTIVE;
        r = wat_take_index(p, WS_TABLE, &seg.table, err);
    } else if (wat_tok(p)->kind == WAT_LPAR) {
        seg.mode = WAT_ELEM_ACTIVE;
    }
    if (r == 0 && seg.mode == WAT_ELEM_ACTIVE)
        r = offset_expr(p, &seg.offset, err);
    if (r == 0) {
        bool funclist = true;
        if (wat_tok_is(wat_tok(p), "func"))
            p->pos++;
        else if (wat_tok(p)->kind == WAT_KEYWORD)
            r = wat_take_reftype(p, &seg.type, err), funclist = false;
        else if (seg.mode != WAT_ELEM_ACTIVE && wat_tok(p)->kind != WAT_RPAR)
            r = wat_fail(p, wat_tok(p), err, "unexpected token, expected func or a reference type");
        if (r == 0)
            r = wat_elem_items(p, &seg, funclist, err);
    }
    if (r == 0)
        wat_elem_emit(p, &seg);
    wat_elem_free(&seg);
    return r;
}

int wat_field_data(wat_parser *p, weft_error **err)
{
    uint32_t mem = 0;
    bool active = false;
    wat_buf offset = {0}, bytes = {0};
    int r = 0;
    p->count[WS_DATA]++;
    if (wat_tok(p)->kind == WAT_ID)
        p->pos++;
    if (wat_at_field(p, "memory")) {
        p->pos += 2;
        active = true;
        r = wat_take_index(p, WS_MEM, &mem, err);
        if (r == 0)
            r = wat_expect_rpar(p, err);
    } else if (at_nat(p)) { /* MVP form: (data memidx offset ...) */
        active = true;
        r = wat_take_index(p, WS_MEM, &mem, err);
    } else if (wat_tok(p)->kind == WAT_LPAR) {
        active = true;
    }
    if (r == 0 && active)
        r = offset_expr(p, &offset, err);
    while (r == 0 && wat_tok(p)->kind == WAT_STRING)
        r = wat_take_string(p, &bytes, err);
    if (r == 0) {
        wat_buf *b = &p->datas;
        if (!active) {
            wat_buf_u8(b, 1);
        } else if (mem != 0) {
            wat_buf_u8(b, 2);
            wat_buf_uleb(b, mem);
        } else {
            wat_buf_u8(b, 0);
        }
        wat_buf_put(b, offset.d, offset.len);
        wat_buf_uleb(b, bytes.len);
        wat_buf_put(b, bytes.d, bytes.len);
        p->n_datas++;
    }
    wat_buf_free(&offset);
    wat_buf_free(&bytes);
    return r;
}
