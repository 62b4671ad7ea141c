/* Pass 2 of the WAT parser: each module field, with its inline imports,
 * exports and segment abbreviations, encoded into its section buffer. */
#include "wat/wat_fields.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static void put_name(wat_buf *b, const wat_buf *name)
{
    wat_buf_uleb(b, name->len);
    wat_buf_put(b, name->d, name->len);
}

/* `(export "name")*` of a definition: exports of kind/idx, in text order. */
static int inline_exports(wat_parser *p, uint8_t kind, uint32_t idx, weft_error **err)
{
    while (wat_at_field(p, "export")) {
        p->pos += 2;
        wat_buf name = {0};
        if (wat_take_name(p, &name, err) < 0 || wat_expect_rpar(p, err) < 0) {
            wat_buf_free(&name);
            return -1;
        }
        put_name(&p->exports, &name);
        wat_buf_u8(&p->exports, kind);
        wat_buf_uleb(&p->exports, idx);
        p->n_exports++;
        wat_buf_free(&name);
    }
    return 0;
}

/* `(import "mod" "name")` of a definition (or the two strings of an import
 * field): writes the names and the kind to the import section. */
static int import_names(wat_parser *p, uint8_t kind, weft_error **err)
{
    wat_buf mod = {0}, name = {0};
    int r = wat_take_name(p, &mod, err);
    if (r == 0)
        r = wat_take_name(p, &name, err);
    if (r == 0) {
        put_name(&p->imports, &mod);
        put_name(&p->imports, &name);
        wat_buf_u8(&p->imports, kind);
        p->n_imports++;
    }
    wat_buf_free(&mod);
    wat_buf_free(&name);
    return r;
}

static int inline_import(wat_parser *p, uint8_t kind, bool *is_import, weft_error **err)
{
    *is_import = wat_at_field(p, "import");
    if (!*is_import)
        return 0;
    p->pos += 2;
    if (import_names(p, kind, err) < 0)
        return -1;
    return wat_expect_rpar(p, err);
}

static int limits(wat_parser *p, wat_buf *out, weft_error **err)
{
    uint32_t min, max;
    if (wat_take_u32(p, &min, err) < 0)
        return -1;
    if (wat_tok(p)->kind == WAT_RESERVED) {
        if (wat_take_u32(p, &max, err) < 0)
            return -1;
        wat_buf_u8(out, 1);
        wat_buf_uleb(out, min);
        wat_buf_uleb(out, max);
    } else {
        wat_buf_u8(out, 0);
        wat_buf_uleb(out, min);
    }
    return 0;
}

static int tabletype(wat_parser *p, wat_buf *out, weft_error **err)
{
    wat_buf lim = {0};
    uint8_t t;
    int r = limits(p, &lim, err);
    if (r == 0)
        r = wat_take_reftype(p, &t, err);
    if (r == 0) {
        wat_buf_u8(out, t);
        wat_buf_put(out, lim.d, lim.len);
    }
    wat_buf_free(&lim);
    return r;
}

static int globaltype(wat_parser *p, wat_buf *out, weft_error **err)
{
    uint8_t t;
    if (wat_at_field(p, "mut")) {
        p->pos += 2;
        if (wat_take_valtype(p, &t, err) < 0 || wat_expect_rpar(p, err) < 0)
            return -1;
        wat_buf_u8(out, t);
        wat_buf_u8(out, 1);
        return 0;
    }
    if (wat_take_valtype(p, &t, err) < 0)
        return -1;
    wat_buf_u8(out, t);
    wat_buf_u8(out, 0);
    return 0;
}

/* ---- functions --------------------------------------------------------- */

static void free_func(wat_func *f)
{
    wat_names_free(&f->locals);
    free(f->labels);
}

static int bind_local(wat_parser *p, wat_func *f, const wat_token *id, weft_error **err)
{
    if (id != NULL && wat_names_add(&f->locals, id->s, id->len, f->nlocals) < 0)
        return wat_fail(p, id, err, "duplicate local %.*s", (int)id->len, id->s);
    f->nlocals++;
    return 0;
}

/* `(local ...)*`, written as runs of equal types. */
static int locals(wat_parser *p, wat_func *f, wat_buf *out, weft_error **err)
{
    uint8_t *types = NULL;
    size_t n = 0;
    int r = 0;
    while (r == 0 && wat_at_field(p, "local")) {
        p->pos += 2;
        const wat_token *id = wat_tok(p)->kind == WAT_ID ? &p->t->v[p->pos++] : NULL;
        /* `(local $x t)` is one local, `(local t*)` any number */
        bool one = id != NULL;
        while (r == 0 && (one || wat_tok(p)->kind != WAT_RPAR)) {
            types = xrealloc(types, n + 1);
            r = wat_take_valtype(p, &types[n], err);
            if (r == 0)
                r = bind_local(p, f, id, err);
            n++;
            one = false;
            if (id != NULL)
                break;
        }
        if (r == 0)
            r = wat_expect_rpar(p, err);
    }
    if (r == 0) {
        size_t runs = 0;
        for (size_t i = 0; i < n; i++)
            runs += i == 0 || types[i] != types[i - 1];
        wat_buf_uleb(out, runs);
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && types[j] == types[i])
                j++;
            wat_buf_uleb(out, j - i);
            wat_buf_u8(out, types[i]);
            i = j;
        }
    }
    free(types);
    return r;
}

static int func_body(wat_parser *p, uint32_t tidx, const wat_token **ids, weft_error **err)
{
    wat_func f = {0};
    wat_buf body = {0};
    uint32_t np = tidx < p->ntypes ? p->types[tidx].np : 0;
    int r = 0;
    for (uint32_t i = 0; r == 0 && i < np; i++)
        r = bind_local(p, &f, ids ? ids[i] : NULL, err);
    if (r == 0)
        r = locals(p, &f, &body, err);
    if (r == 0) {
        p->fn = &f;
        r = wat_parse_expr(p, &body, err);
        p->fn = NULL;
    }
    if (r == 0) {
        wat_buf_uleb(&p->code, body.len);
        wat_buf_put(&p->code, body.d, body.len);
    }
    wat_buf_free(&body);
    free_func(&f);
    return r;
}

int wat_field_func(wat_parser *p, weft_error **err)
{
    uint32_t idx = p->count[WS_FUNC]++, tidx;
    bool imp;
    const wat_token **ids = NULL;
    if (wat_tok(p)->kind == WAT_ID)
        p->pos++;
    if (inline_exports(p, 0, idx, err) < 0 || inline_import(p, 0, &imp, err) < 0)
        return -1;
    int r = wat_parse_typeuse(p, &tidx, true, &ids, err);
    if (r == 0 && imp) {
        wat_buf_uleb(&p->imports, tidx);
    } else if (r == 0) {
        wat_buf_uleb(&p->funcs, tidx);
        p->n_funcs++;
        /* ids only name inline params; with a bare (type x) there are none */
        uint32_t ninline = 0;
        if (ids != NULL && tidx < p->ntypes)
            ninline = p->types[tidx].np;
        r = func_body(p, tidx, ninline ? ids : NULL, err);
    }
    free(ids);
    return r;
}

/* ---- tables, memories, globals ----------------------------------------- */

static void active_offset_zero(wat_buf *b)
{
    wat_buf_u8(b, 0x41);
    wat_buf_u8(b, 0);
    wat_buf_u8(b, 0x0b);
}

int wat_field_table(wat_parser *p, weft_error **err)
{
    uint32_t idx = p->count[WS_TABLE]++;
    bool imp;
    uint8_t t;
    if (wat_tok(p)->kind == WAT_ID)
        p->pos++;
    if (inline_exports(p, 1, idx, err) < 0 || inline_import(p, 1, &imp, err) < 0)
        return -1;
    if (imp)
        return tabletype(p, &p->imports, err);
    if (wat_valtype_of(wat_tok(p), &t) < 0 || (t != 0x70 && t != 0x6f)) {
        p->n_tables++;
        return tabletype(p, &p->tables, err);
    }
    /* table reftype (elem ...): sized by its elements, plus an active segment */
    p->pos++;
    if (!wat_at_field(p, "elem"))
        return wat_fail(p, wat_tok(p), err, "unexpected token, expected (elem ...)");
    p->pos += 2;
    wat_elem seg = {.mode = WAT_ELEM_ACTIVE, .table = idx, .type = t};
    active_offset_zero(&seg.offset);
    int r = wat_elem_items(p, &seg, t == 0x70 && !(wat_tok(p)->kind == WAT_LPAR), err);
    if (r == 0)
        r = wat_expect_rpar(p, err);
    if (r == 0) {
        wat_buf_u8(&p->tables, t);
        wat_buf_u8(&p->tables, 1);
        wat_buf_uleb(&p->tables, seg.nitems);
        wat_buf_uleb(&p->tables, seg.nitems);
        p->n_tables++;
        p->count[WS_ELEM]++;
        wat_elem_emit(p, &seg);
    }
    wat_elem_free(&seg);
    return r;
}

int wat_field_memory(wat_parser *p, weft_error **err)
{
    uint32_t idx = p->count[WS_MEM]++;
    bool imp;
    if (wat_tok(p)->kind == WAT_ID)
        p->pos++;
    if (inline_exports(p, 2, idx, err) < 0 || inline_import(p, 2, &imp, err) < 0)
        return -1;
    if (imp)
        return limits(p, &p->imports, err);
    p->n_mems++;
    if (!wat_at_field(p, "data"))
        return limits(p, &p->mems, err);
    /* memory (data "..."): sized by its data, plus an active segment */
    p->pos += 2;
    wat_buf bytes = {0};
    while (wat_tok(p)->kind == WAT_STRING)
        if (wat_take_string(p, &bytes, err) < 0) {
            wat_buf_free(&bytes);
            return -1;
        }
    uint64_t pages = (bytes.len + 65535) / 65536;
    wat_buf_u8(&p->mems, 1);
    wat_buf_uleb(&p->mems, pages);
    wat_buf_uleb(&p->mems, pages);
    wat_buf_u8(&p->datas, idx == 0 ? 0 : 2);
    if (idx != 0)
        wat_buf_uleb(&p->datas, idx);
    active_offset_zero(&p->datas);
    wat_buf_uleb(&p->datas, bytes.len);
    wat_buf_put(&p->datas, bytes.d, bytes.len);
    p->n_datas++;
    p->count[WS_DATA]++;
    wat_buf_free(&bytes);
    return wat_expect_rpar(p, err);
}

int wat_field_global(wat_parser *p, weft_error **err)
{
    uint32_t idx = p->count[WS_GLOBAL]++;
    bool imp;
    if (wat_tok(p)->kind == WAT_ID)
        p->pos++;
    if (inline_exports(p, 3, idx, err) < 0 || inline_import(p, 3, &imp, err) < 0)
        return -1;
    if (imp)
        return globaltype(p, &p->imports, err);
    if (globaltype(p, &p->globals, err) < 0 || wat_parse_expr(p, &p->globals, err) < 0)
        return -1;
    p->n_globals++;
    return 0;
}

/* ---- import, export, start --------------------------------------------- */

int wat_field_import(wat_parser *p, weft_error **err)
{
    static const char *kinds[] = {"func", "table", "memory", "global"};
    static const enum wat_space spaces[] = {WS_FUNC, WS_TABLE, WS_MEM, WS_GLOBAL};
    /* the kind comes after the names: look ahead to write the entry in order */
    const wat_token *k = wat_peek(p, 3);
    int kind = -1;
    for (int i = 0; i < 4; i++)
        if (wat_peek(p, 2)->kind == WAT_LPAR && wat_tok_is(k, kinds[i]))
            kind = i;
    if (kind < 0) {
        if (wat_tok(p)->kind != WAT_STRING || wat_peek(p, 1)->kind != WAT_STRING)
            return wat_fail(p, wat_tok(p), err, "unexpected token, expected import names");
        return wat_fail(p, k, err, "unexpected token, expected an import description");
    }
    if (import_names(p, (uint8_t)kind, err) < 0)
        return -1;
    p->pos += 2;
    p->count[spaces[kind]]++;
    if (wat_tok(p)->kind == WAT_ID)
        p->pos++;
    int r;
    uint32_t tidx;
    switch (kind) {
    case 0: {
        r = wat_parse_typeuse(p, &tidx, true, NULL, err);
        if (r == 0)
            wat_buf_uleb(&p->imports, tidx);
        break;
    }
    case 1:
        r = tabletype(p, &p->imports, err);
        break;
    case 2:
        r = limits(p, &p->imports, err);
        break;
    default:
        r = globaltype(p, &p->imports, err);
        break;
    }
    if (r < 0 || wat_expect_rpar(p, err) < 0)
        return -1;
    return 0;
}

int wat_field_export(wat_parser *p, weft_error **err)
{
    static const char *kinds[] = {"func", "table", "memory", "global"};
    static const enum wat_space spaces[] = {WS_FUNC, WS_TABLE, WS_MEM, WS_GLOBAL};
    wat_buf name = {0};
    if (wat_take_name(p, &name, err) < 0) {
        wat_buf_free(&name);
        return -1;
    }
    int kind = -1;
    for (int i = 0; i < 4; i++)
        if (wat_at_field(p, kinds[i]))
            kind = i;
    uint32_t idx;
    int r = -1;
    if (kind < 0)
        wat_fail(p, wat_tok(p), err, "unexpected token, expected an export description");
    else
        p->pos += 2, r = wat_take_index(p, spaces[kind], &idx, err);
    if (r == 0)
        r = wat_expect_rpar(p, err);
    if (r == 0) {
        put_name(&p->exports, &name);
        wat_buf_u8(&p->exports, (uint8_t)kind);
        wat_buf_uleb(&p->exports, idx);
        p->n_exports++;
    }
    wat_buf_free(&name);
    return r;
}

int wat_field_start(wat_parser *p, weft_error **err)
{
    const wat_token *at = &p->t->v[p->pos - 1];
    if (p->has_start)
        return wat_fail(p, at, err, "multiple start sections");
    if (wat_take_index(p, WS_FUNC, &p->start, err) < 0)
        return -1;
    p->has_start = true;
    return 0;
}
