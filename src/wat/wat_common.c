/* WAT parser plumbing: byte buffers, $name maps, token helpers, value types
 * and type uses (including the implicit types the spec adds for inline
 * `(param)`/`(result)` without a matching `(type)`). */
#include "wat/wat_internal.h"
#include "wat/wat_num.h"

#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffers ----------------------------------------------------------- */

void wat_buf_put(wat_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        b->d = xrealloc(b->d, cap);
        b->cap = cap;
    }
    memcpy(b->d + b->len, p, n);
    b->len += n;
}

void wat_buf_u8(wat_buf *b, uint8_t v)
{
    wat_buf_put(b, &v, 1);
}

void wat_buf_uleb(wat_buf *b, uint64_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        if (v)
            byte |= 0x80;
        wat_buf_u8(b, byte);
    } while (v);
}

void wat_buf_sleb(wat_buf *b, int64_t v)
{
    while (true) {
        uint8_t byte = v & 0x7f;
        v >>= 7; /* arithmetic shift: gcc and clang guarantee it */
        bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        wat_buf_u8(b, done ? byte : (uint8_t)(byte | 0x80));
        if (done)
            return;
    }
}

void wat_buf_le(wat_buf *b, uint64_t v, int nbytes)
{
    for (int i = 0; i < nbytes; i++)
        wat_buf_u8(b, (uint8_t)(v >> (8 * i)));
}

void wat_buf_free(wat_buf *b)
{
    free(b->d);
    *b = (wat_buf){0};
}

/* ---- name maps (open addressing, FNV-1a) -------------------------------- */

static size_t name_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return (size_t)h;
}

static wat_name_slot *name_slot(const wat_names *m, const char *s, size_t len)
{
    size_t i = name_hash(s, len) & (m->cap - 1);
    while (m->slots[i].s != NULL) {
        if (m->slots[i].len == len && memcmp(m->slots[i].s, s, len) == 0)
            break;
        i = (i + 1) & (m->cap - 1);
    }
    return &m->slots[i];
}

int wat_names_add(wat_names *m, const char *s, size_t len, uint32_t idx)
{
    if ((m->n + 1) * 2 > m->cap) {
        wat_names old = *m;
        m->cap = old.cap ? old.cap * 2 : 16;
        m->slots = xcalloc(m->cap, sizeof *m->slots);
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.slots[i].s)
                *name_slot(m, old.slots[i].s, old.slots[i].len) = old.slots[i], m->n++;
        free(old.slots);
    }
    wat_name_slot *slot = name_slot(m, s, len);
    if (slot->s != NULL)
        return -1;
    *slot = (wat_name_slot){s, len, idx};
    m->n++;
    return 0;
}

int wat_names_get(const wat_names *m, const char *s, size_t len, uint32_t *idx)
{
    if (m->cap == 0)
        return -1;
    wat_name_slot *slot = name_slot(m, s, len);
    if (slot->s == NULL)
        return -1;
    *idx = slot->idx;
    return 0;
}

void wat_names_free(wat_names *m)
{
    free(m->slots);
    *m = (wat_names){0};
}

/* ---- tokens ------------------------------------------------------------ */

bool wat_tok_is(const wat_token *tok, const char *kw)
{
    size_t n = strlen(kw);
    return tok->kind == WAT_KEYWORD && tok->len == n && memcmp(tok->s, kw, n) == 0;
}

bool wat_at_field(const wat_parser *p, const char *kw)
{
    return wat_tok(p)->kind == WAT_LPAR && wat_tok_is(wat_peek(p, 1), kw);
}

int wat_fail(const wat_parser *p, const wat_token *tok, weft_error **err, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    wat_error_at(p->t, tok, err, "%s", msg);
    free(msg);
    return -1;
}

static const char *tok_desc(const wat_token *tok)
{
    switch (tok->kind) {
    case WAT_EOF:
        return "end of input";
    case WAT_LPAR:
        return "'('";
    case WAT_RPAR:
        return "')'";
    default:
        return NULL;
    }
}

static int unexpected(const wat_parser *p, const char *wanted, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    const char *d = tok_desc(tok);
    if (d)
        return wat_fail(p, tok, err, "unexpected token %s, expected %s", d, wanted);
    return wat_fail(p, tok, err, "unexpected token '%.*s', expected %s", (int)tok->len, tok->s,
                    wanted);
}

int wat_expect_lpar(wat_parser *p, weft_error **err)
{
    if (wat_tok(p)->kind != WAT_LPAR)
        return unexpected(p, "'('", err);
    p->pos++;
    return 0;
}

int wat_expect_rpar(wat_parser *p, weft_error **err)
{
    if (wat_tok(p)->kind != WAT_RPAR)
        return unexpected(p, "')'", err);
    p->pos++;
    return 0;
}

int wat_skip_sexpr(wat_parser *p, weft_error **err)
{
    if (wat_tok(p)->kind != WAT_LPAR) {
        if (wat_tok(p)->kind == WAT_EOF || wat_tok(p)->kind == WAT_RPAR)
            return unexpected(p, "a token", err);
        p->pos++;
        return 0;
    }
    size_t depth = 0;
    do {
        const wat_token *tok = wat_tok(p);
        if (tok->kind == WAT_EOF)
            return unexpected(p, "')'", err);
        if (tok->kind == WAT_LPAR)
            depth++;
        else if (tok->kind == WAT_RPAR)
            depth--;
        p->pos++;
    } while (depth > 0);
    return 0;
}

int wat_take_string(wat_parser *p, wat_buf *out, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    if (tok->kind != WAT_STRING)
        return unexpected(p, "a string", err);
    char *s = NULL;
    size_t n = 0;
    if (wat_string_decode(p->t, tok, &s, &n, err) < 0)
        return -1;
    wat_buf_put(out, s, n);
    free(s);
    p->pos++;
    return 0;
}

int wat_take_name(wat_parser *p, wat_buf *out, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    size_t before = out->len;
    if (wat_take_string(p, out, err) < 0)
        return -1;
    if (out->len > before && !wat_utf8_valid(out->d + before, out->len - before))
        return wat_fail(p, tok, err, "malformed UTF-8 encoding");
    return 0;
}

int wat_take_u32(wat_parser *p, uint32_t *out, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    uint64_t v;
    int r = tok->kind == WAT_RESERVED ? wat_parse_nat(tok->s, tok->len, &v) : WAT_NUM_SYNTAX;
    if (r == WAT_NUM_SYNTAX)
        return unexpected(p, "a natural number", err);
    if (r == WAT_NUM_RANGE || v > UINT32_MAX)
        return wat_fail(p, tok, err, "constant out of range: %.*s", (int)tok->len, tok->s);
    *out = (uint32_t)v;
    p->pos++;
    return 0;
}

bool wat_at_index(const wat_parser *p)
{
    const wat_token *tok = wat_tok(p);
    uint64_t v;
    if (tok->kind == WAT_ID)
        return true;
    return tok->kind == WAT_RESERVED && wat_parse_nat(tok->s, tok->len, &v) != WAT_NUM_SYNTAX;
}

static const char *space_name[WS_COUNT] = {"type",   "function", "table", "memory",
                                           "global", "elem",     "data"};

int wat_take_index(wat_parser *p, enum wat_space sp, uint32_t *out, weft_error **err)
{
    const wat_token *tok = wat_tok(p);
    if (tok->kind == WAT_ID) {
        if (wat_names_get(&p->names[sp], tok->s, tok->len, out) < 0)
            return wat_fail(p, tok, err, "unknown %s %.*s", space_name[sp], (int)tok->len, tok->s);
        p->pos++;
        return 0;
    }
    if (tok->kind != WAT_RESERVED)
        return unexpected(p, "an index", err);
    return wat_take_u32(p, out, err);
}

/* ---- value types ------------------------------------------------------- */

int wat_valtype_of(const wat_token *tok, uint8_t *out)
{
    static const struct {
        const char *name;
        uint8_t code;
    } vt[] = {{"i32", 0x7f}, {"i64", 0x7e},     {"f32", 0x7d},
              {"f64", 0x7c}, {"funcref", 0x70}, {"externref", 0x6f}};
    for (size_t i = 0; i < sizeof vt / sizeof vt[0]; i++) {
        if (wat_tok_is(tok, vt[i].name)) {
            *out = vt[i].code;
            return 0;
        }
    }
    return -1;
}

int wat_take_valtype(wat_parser *p, uint8_t *out, weft_error **err)
{
    if (wat_valtype_of(wat_tok(p), out) < 0)
        return unexpected(p, "a value type", err);
    p->pos++;
    return 0;
}

int wat_take_reftype(wat_parser *p, uint8_t *out, weft_error **err)
{
    if (wat_tok_is(wat_tok(p), "funcref"))
        *out = 0x70;
    else if (wat_tok_is(wat_tok(p), "externref"))
        *out = 0x6f;
    else
        return unexpected(p, "a reference type", err);
    p->pos++;
    return 0;
}

int wat_take_heaptype(wat_parser *p, uint8_t *out, weft_error **err)
{
    if (wat_tok_is(wat_tok(p), "func"))
        *out = 0x70;
    else if (wat_tok_is(wat_tok(p), "extern"))
        *out = 0x6f;
    else
        return unexpected(p, "a heap type (func or extern)", err);
    p->pos++;
    return 0;
}

/* ---- signatures -------------------------------------------------------- */

void wat_sig_free(wat_sig *s)
{
    free(s->types);
    *s = (wat_sig){0};
}

static void sig_push(wat_sig *s, uint8_t t, bool result)
{
    s->types = xrealloc(s->types, s->np + s->nr + 1);
    if (result) {
        s->types[s->np + s->nr] = t;
        s->nr++;
    } else {
        memmove(s->types + s->np + 1, s->types + s->np, s->nr);
        s->types[s->np] = t;
        s->np++;
    }
}

static void push_id(const wat_token ***ids, size_t at, const wat_token *id)
{
    *ids = xreallocarray(*ids, at + 1, sizeof **ids);
    (*ids)[at] = id;
}

int wat_parse_params_results(wat_parser *p, wat_sig *sig, bool allow_ids, const wat_token ***ids,
                             weft_error **err)
{
    while (wat_at_field(p, "param")) {
        p->pos += 2;
        if (wat_tok(p)->kind == WAT_ID) {
            if (!allow_ids)
                return wat_fail(p, wat_tok(p), err, "unexpected token: no $name allowed here");
            const wat_token *id = wat_tok(p);
            p->pos++;
            uint8_t t;
            if (wat_take_valtype(p, &t, err) < 0)
                return -1;
            if (ids)
                push_id(ids, sig->np, id);
            sig_push(sig, t, false);
        } else {
            while (wat_tok(p)->kind != WAT_RPAR) {
                uint8_t t;
                if (wat_take_valtype(p, &t, err) < 0)
                    return -1;
                if (ids)
                    push_id(ids, sig->np, NULL);
                sig_push(sig, t, false);
            }
        }
        if (wat_expect_rpar(p, err) < 0)
            return -1;
    }
    while (wat_at_field(p, "result")) {
        p->pos += 2;
        while (wat_tok(p)->kind != WAT_RPAR) {
            uint8_t t;
            if (wat_take_valtype(p, &t, err) < 0)
                return -1;
            sig_push(sig, t, true);
        }
        p->pos++;
    }
    if (wat_at_field(p, "param") || wat_at_field(p, "type"))
        return wat_fail(p, wat_peek(p, 1), err, "unexpected token %.*s after (result)",
                        (int)wat_peek(p, 1)->len, wat_peek(p, 1)->s);
    return 0;
}

static bool sig_eq(const wat_sig *a, const wat_sig *b)
{
    if (a->np != b->np || a->nr != b->nr)
        return false;
    return a->np + a->nr == 0 || memcmp(a->types, b->types, a->np + a->nr) == 0;
}

uint32_t wat_type_find_or_add(wat_parser *p, wat_sig *sig)
{
    for (size_t i = 0; i < p->ntypes; i++)
        if (sig_eq(&p->types[i], sig))
            return (uint32_t)i;
    if (p->ntypes == p->captypes) {
        p->captypes = p->captypes ? p->captypes * 2 : 16;
        p->types = xreallocarray(p->types, p->captypes, sizeof *p->types);
    }
    wat_sig copy = {xmalloc(sig->np + sig->nr + 1), sig->np, sig->nr};
    if (sig->np + sig->nr > 0)
        memcpy(copy.types, sig->types, sig->np + sig->nr);
    p->types[p->ntypes] = copy;
    return (uint32_t)p->ntypes++;
}

int wat_typeuse_parse(wat_parser *p, wat_typeuse *tu, bool allow_ids, const wat_token ***ids,
                      weft_error **err)
{
    *tu = (wat_typeuse){0};
    if (wat_at_field(p, "type")) {
        p->pos += 2;
        if (wat_take_index(p, WS_TYPE, &tu->idx, err) < 0 || wat_expect_rpar(p, err) < 0)
            return -1;
        tu->has_type = true;
    }
    tu->at = wat_tok(p);
    if (wat_parse_params_results(p, &tu->sig, allow_ids, ids, err) < 0) {
        wat_sig_free(&tu->sig);
        return -1;
    }
    tu->has_inline = tu->at != wat_tok(p);
    return 0;
}

int wat_typeuse_resolve(wat_parser *p, wat_typeuse *tu, weft_error **err)
{
    if (!tu->has_type) {
        tu->idx = wat_type_find_or_add(p, &tu->sig);
    } else if (tu->has_inline) {
        /* inline params/results next to (type x) must repeat x exactly */
        if (tu->idx >= p->ntypes || !sig_eq(&p->types[tu->idx], &tu->sig))
            return wat_fail(p, tu->at, err, "inline function type does not match (type %u)",
                            tu->idx);
    }
    return 0;
}

int wat_parse_typeuse(wat_parser *p, uint32_t *idx, bool allow_ids, const wat_token ***ids,
                      weft_error **err)
{
    wat_typeuse tu;
    int r = wat_typeuse_parse(p, &tu, allow_ids, ids, err);
    if (r == 0)
        r = wat_typeuse_resolve(p, &tu, err);
    *idx = tu.idx;
    wat_sig_free(&tu.sig);
    return r;
}
