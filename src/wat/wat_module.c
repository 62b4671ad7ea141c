/* WAT modules: pass 1 (names, indices and explicit types of every field),
 * pass 2 (wat_fields.c), the final section layout, and the entry points. */
#include "wat/wat_fields.h"

#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *field_kw[] = {"func", "table", "memory", "global"};
static const enum wat_space field_sp[] = {WS_FUNC, WS_TABLE, WS_MEM, WS_GLOBAL};

static int define(wat_parser *p, enum wat_space sp, const char *what, weft_error **err)
{
    uint32_t idx = p->count[sp]++;
    const wat_token *id = wat_tok(p);
    if (id->kind != WAT_ID)
        return 0;
    if (wat_names_add(&p->names[sp], id->s, id->len, idx) < 0)
        return wat_fail(p, id, err, "duplicate %s %.*s", what, (int)id->len, id->s);
    return 0;
}

/* `(type $id? (func (param ...)* (result ...)*))` */
static int scan_type(wat_parser *p, weft_error **err)
{
    if (define(p, WS_TYPE, "type", err) < 0)
        return -1;
    if (wat_tok(p)->kind == WAT_ID)
        p->pos++;
    if (!wat_at_field(p, "func"))
        return wat_fail(p, wat_tok(p), err, "unexpected token, expected (func ...)");
    p->pos += 2;
    wat_sig sig = {0};
    int r = wat_parse_params_results(p, &sig, true, NULL, err);
    if (r == 0)
        r = wat_expect_rpar(p, err);
    if (r == 0 && wat_tok(p)->kind != WAT_RPAR) /* pass 2 skips types: check the end here */
        r = wat_fail(p, wat_tok(p), err, "unexpected token, expected ')' after the type");
    if (r == 0) {
        if (p->ntypes == p->captypes) {
            p->captypes = p->captypes ? p->captypes * 2 : 16;
            p->types = xreallocarray(p->types, p->captypes, sizeof *p->types);
        }
        p->types[p->ntypes++] = sig; /* explicit types are never merged */
        return 0;
    }
    wat_sig_free(&sig);
    return -1;
}

struct scan_state {
    const char *first_def; /* kind of the first non-import definition */
};

static int check_import_order(wat_parser *p, struct scan_state *st, const wat_token *at,
                              weft_error **err)
{
    if (st->first_def != NULL)
        return wat_fail(p, at, err, "import after %s", st->first_def);
    return 0;
}

/* func/table/memory/global with possible inline exports/imports/segments. */
static int scan_def(wat_parser *p, int k, struct scan_state *st, weft_error **err)
{
    const wat_token *kw = &p->t->v[p->pos - 1];
    if (define(p, field_sp[k], field_kw[k], err) < 0)
        return -1;
    if (wat_tok(p)->kind == WAT_ID)
        p->pos++;
    while (wat_at_field(p, "export"))
        if (wat_skip_sexpr(p, err) < 0)
            return -1;
    if (wat_at_field(p, "import"))
        return check_import_order(p, st, kw, err);
    if (st->first_def == NULL)
        st->first_def = k == 0 ? "function" : field_kw[k];
    uint8_t t;
    if (k == 1 && wat_valtype_of(wat_tok(p), &t) == 0 && wat_peek(p, 1)->kind == WAT_LPAR &&
        wat_tok_is(wat_peek(p, 2), "elem"))
        p->count[WS_ELEM]++;
    if (k == 2 && wat_at_field(p, "data"))
        p->count[WS_DATA]++;
    return 0;
}

static int scan_import(wat_parser *p, struct scan_state *st, weft_error **err)
{
    const wat_token *kw = &p->t->v[p->pos - 1];
    if (check_import_order(p, st, kw, err) < 0)
        return -1;
    if (wat_tok(p)->kind != WAT_STRING || wat_peek(p, 1)->kind != WAT_STRING)
        return wat_fail(p, wat_tok(p), err, "unexpected token, expected import names");
    p->pos += 2;
    for (int k = 0; k < 4; k++) {
        if (wat_at_field(p, field_kw[k])) {
            p->pos += 2;
            return define(p, field_sp[k], field_kw[k], err);
        }
    }
    return wat_fail(p, wat_tok(p), err, "unexpected token, expected an import description");
}

static int scan_field(wat_parser *p, struct scan_state *st, weft_error **err)
{
    const wat_token *kw = wat_peek(p, 1);
    size_t start = p->pos;
    p->pos += 2;
    int r = -2;
    if (wat_tok_is(kw, "type"))
        r = scan_type(p, err);
    else if (wat_tok_is(kw, "import"))
        r = scan_import(p, st, err);
    else if (wat_tok_is(kw, "elem"))
        r = define(p, WS_ELEM, "elem", err);
    else if (wat_tok_is(kw, "data"))
        r = define(p, WS_DATA, "data", err);
    else if (wat_tok_is(kw, "export") || wat_tok_is(kw, "start"))
        r = 0;
    for (int k = 0; k < 4 && r == -2; k++)
        if (wat_tok_is(kw, field_kw[k]))
            r = scan_def(p, k, st, err);
    if (r == -2) {
        if (kw->kind == WAT_KEYWORD)
            return wat_fail(p, kw, err, "unknown module field %.*s", (int)kw->len, kw->s);
        return wat_fail(p, kw, err, "unexpected token, expected a module field");
    }
    if (r < 0)
        return -1;
    p->pos = start;
    return wat_skip_sexpr(p, err);
}

static int parse_field(wat_parser *p, weft_error **err)
{
    static const struct {
        const char *kw;
        int (*fn)(wat_parser *, weft_error **);
    } fields[] = {
        {"func", wat_field_func},     {"table", wat_field_table},   {"memory", wat_field_memory},
        {"global", wat_field_global}, {"import", wat_field_import}, {"export", wat_field_export},
        {"start", wat_field_start},   {"elem", wat_field_elem},     {"data", wat_field_data},
    };
    const wat_token *kw = wat_peek(p, 1);
    p->pos += 2;
    if (wat_tok_is(kw, "type")) { /* done in pass 1 */
        p->pos -= 2;
        return wat_skip_sexpr(p, err);
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (wat_tok_is(kw, fields[i].kw))
            return fields[i].fn(p, err) < 0 ? -1 : wat_expect_rpar(p, err);
    return wat_fail(p, kw, err, "unknown module field");
}

/* ---- layout ------------------------------------------------------------ */

static void section(wat_buf *out, uint8_t id, uint32_t count, const wat_buf *body)
{
    wat_buf tmp = {0};
    wat_buf_uleb(&tmp, count);
    wat_buf_put(&tmp, body->d, body->len);
    wat_buf_u8(out, id);
    wat_buf_uleb(out, tmp.len);
    wat_buf_put(out, tmp.d, tmp.len);
    wat_buf_free(&tmp);
}

static void layout(wat_parser *p, wat_buf *out)
{
    static const uint8_t header[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    wat_buf_put(out, header, sizeof header);
    if (p->ntypes) {
        wat_buf types = {0};
        for (size_t i = 0; i < p->ntypes; i++) {
            const wat_sig *s = &p->types[i];
            wat_buf_u8(&types, 0x60);
            wat_buf_uleb(&types, s->np);
            wat_buf_put(&types, s->types, s->np);
            wat_buf_uleb(&types, s->nr);
            if (s->nr > 0) /* types is NULL for an empty signature */
                wat_buf_put(&types, s->types + s->np, s->nr);
        }
        section(out, 1, (uint32_t)p->ntypes, &types);
        wat_buf_free(&types);
    }
    if (p->n_imports)
        section(out, 2, p->n_imports, &p->imports);
    if (p->n_funcs)
        section(out, 3, p->n_funcs, &p->funcs);
    if (p->n_tables)
        section(out, 4, p->n_tables, &p->tables);
    if (p->n_mems)
        section(out, 5, p->n_mems, &p->mems);
    if (p->n_globals)
        section(out, 6, p->n_globals, &p->globals);
    if (p->n_exports)
        section(out, 7, p->n_exports, &p->exports);
    if (p->has_start) {
        wat_buf s = {0};
        wat_buf_uleb(&s, p->start);
        wat_buf_u8(out, 8);
        wat_buf_uleb(out, s.len);
        wat_buf_put(out, s.d, s.len);
        wat_buf_free(&s);
    }
    if (p->n_elems)
        section(out, 9, p->n_elems, &p->elems);
    if (p->needs_datacount && p->n_datas > 0) {
        wat_buf none = {0};
        section(out, 12, p->n_datas, &none);
    }
    if (p->n_funcs)
        section(out, 10, p->n_funcs, &p->code);
    if (p->n_datas)
        section(out, 11, p->n_datas, &p->datas);
}

static void parser_free(wat_parser *p)
{
    for (int i = 0; i < WS_COUNT; i++)
        wat_names_free(&p->names[i]);
    for (size_t i = 0; i < p->ntypes; i++)
        wat_sig_free(&p->types[i]);
    free(p->types);
    wat_buf *bufs[] = {&p->imports, &p->funcs, &p->tables, &p->mems, &p->globals,
                       &p->exports, &p->elems, &p->code,   &p->datas};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        wat_buf_free(bufs[i]);
}

/* Parse the fields from *pos up to a ')' or the end; both passes. */
static int parse_fields(const wat_tokens *t, size_t *pos, uint8_t **out, size_t *out_len,
                        weft_error **err)
{
    wat_parser p = {.t = t, .pos = *pos};
    struct scan_state st = {0};
    int r = 0;
    while (r == 0 && wat_tok(&p)->kind == WAT_LPAR)
        r = scan_field(&p, &st, err);
    if (r == 0 && wat_tok(&p)->kind != WAT_RPAR && wat_tok(&p)->kind != WAT_EOF)
        r = wat_fail(&p, wat_tok(&p), err, "unexpected token, expected a module field");
    if (r == 0) {
        memset(p.count, 0, sizeof p.count);
        p.pos = *pos;
        while (r == 0 && wat_tok(&p)->kind == WAT_LPAR)
            r = parse_field(&p, err);
    }
    if (r == 0) {
        wat_buf bin = {0};
        layout(&p, &bin);
        *out = bin.d ? bin.d : xmalloc(1);
        *out_len = bin.len;
        *pos = p.pos;
    }
    parser_free(&p);
    return r;
}

/* ---- entry points ------------------------------------------------------ */

wat_module_form wat_module_form_at(const wat_tokens *t, size_t pos)
{
    size_t i = pos + 2;
    if (i < t->n && t->v[i].kind == WAT_ID)
        i++;
    if (i < t->n && t->v[i].kind == WAT_KEYWORD) {
        wat_token *k = &t->v[i];
        if (k->len == 6 && memcmp(k->s, "binary", 6) == 0)
            return WAT_FORM_BINARY;
        if (k->len == 5 && memcmp(k->s, "quote", 5) == 0)
            return WAT_FORM_QUOTE;
    }
    return WAT_FORM_TEXT;
}

/* The concatenated strings of a binary/quote module, up to its ')'. */
static int module_strings(wat_parser *p, wat_buf *b, weft_error **err)
{
    while (wat_tok(p)->kind == WAT_STRING)
        if (wat_take_string(p, b, err) < 0)
            return -1;
    return wat_expect_rpar(p, err);
}

int wat_parse_module_at(const wat_tokens *t, size_t *pos, wat_module_result *out, weft_error **err)
{
    wat_parser p = {.t = t, .pos = *pos};
    *out = (wat_module_result){0};
    if (!wat_at_field(&p, "module"))
        return wat_fail(&p, wat_tok(&p), err, "unexpected token, expected (module ...)");
    out->form = wat_module_form_at(t, p.pos);
    p.pos += 2;
    if (wat_tok(&p)->kind == WAT_ID)
        out->id = &t->v[p.pos++];
    if (out->form != WAT_FORM_TEXT) {
        p.pos++;
        wat_buf b = {0};
        if (module_strings(&p, &b, err) < 0) {
            wat_buf_free(&b);
            return -1;
        }
        if (out->form == WAT_FORM_BINARY) {
            out->bytes = b.d ? b.d : xmalloc(1);
            out->len = b.len;
        } else {
            /* positions inside the quoted text, after where the module is */
            const wat_token *at = &t->v[*pos];
            int r = wat_to_wasm((const char *)b.d, b.len, "(module quote)", &out->bytes, &out->len,
                                err);
            wat_buf_free(&b);
            if (r < 0)
                return werr_prefix(err, "%s:%u:%u", t->origin ? t->origin : "<wat>", at->line,
                                   at->col);
        }
        *pos = p.pos;
        return 0;
    }
    if (parse_fields(t, &p.pos, &out->bytes, &out->len, err) < 0)
        return -1;
    if (wat_expect_rpar(&p, err) < 0) {
        free(out->bytes);
        out->bytes = NULL;
        return -1;
    }
    *pos = p.pos;
    return 0;
}

int wat_to_wasm(const char *text, size_t len, const char *origin, uint8_t **out, size_t *out_len,
                weft_error **err)
{
    wat_tokens t;
    if (wat_lex(text ? text : "", text ? len : 0, origin, &t, err) < 0)
        return -1;
    size_t pos = 0;
    int r;
    wat_parser p = {.t = &t};
    if (wat_at_field(&p, "module")) {
        wat_module_result m;
        r = wat_parse_module_at(&t, &pos, &m, err);
        if (r == 0 && m.form != WAT_FORM_TEXT) {
            free(m.bytes);
            r = wat_fail(&p, &t.v[0], err, "expected a text module, not a %s module",
                         m.form == WAT_FORM_BINARY ? "binary" : "quote");
        }
        if (r == 0) {
            *out = m.bytes;
            *out_len = m.len;
        }
    } else {
        r = parse_fields(&t, &pos, out, out_len, err);
    }
    p.pos = pos;
    if (r == 0 && wat_tok(&p)->kind != WAT_EOF) {
        free(*out);
        *out = NULL;
        r = wat_fail(&p, wat_tok(&p), err, "unexpected token after the module");
    }
    wat_tokens_free(&t);
    return r;
}
