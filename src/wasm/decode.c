/* Binary decoder: bytes -> struct wf_module (everything but function bodies,
 * which validate.c walks and translates). Every count is checked against the
 * bytes present before anything is allocated. */
#include "wasm/features.h"
#include "wasm/leb.h"
#include "wasm/module.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES 65536u
#define MAX_LOCALS 50000u
/* Implementation limits (the spec allows them): they bound the work that
 * validating a few bytes can cause (a branch checks every label's types). */
#define MAX_ARITY 1000u
#define LIMIT_PREFIX "implementation limit: "
/* bytes of the code section fetched ahead of a walk over its bodies' sizes */
#define PREFETCH_AHEAD 2048

bool wf_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* opcodes of Wasm 2.0 (without SIMD); anything else is malformed */
bool wf_known_opcode(uint8_t op)
{
    return op <= 0x05 || (op >= 0x0b && op <= 0x11) || (op >= 0x1a && op <= 0x1c) ||
           (op >= 0x20 && op <= 0x26) || (op >= 0x28 && op <= 0xc4) || (op >= 0xd0 && op <= 0xd2) ||
           op == 0xfc;
}

static char *rd_name(wf_reader *r)
{
    uint32_t n = wf_rd_count(r, 1);
    const uint8_t *p = wf_rd_bytes(r, n);
    if (r->err)
        return NULL;
    if (!wf_utf8_valid(p, n)) {
        r->p = p;
        wf_rd_fail(r, "malformed UTF-8 encoding");
        return NULL;
    }
    /* a name may contain U+0000; C strings cannot, so it is stored as the
     * (otherwise invalid, hence collision-free) overlong form C0 80 */
    size_t zeros = 0;
    for (uint32_t i = 0; i < n; i++)
        zeros += p[i] == 0;
    char *s = xmalloc(n + zeros + 1), *o = s;
    for (uint32_t i = 0; i < n; i++) {
        if (p[i] == 0) {
            *o++ = (char)0xc0;
            *o++ = (char)0x80;
        } else {
            *o++ = (char)p[i];
        }
    }
    *o = 0;
    return s;
}

static bool is_valtype(uint8_t b)
{
    return b == WF_I32 || b == WF_I64 || b == WF_F32 || b == WF_F64 || b == WF_FUNCREF ||
           b == WF_EXTERNREF || b == WF_V128;
}

static wf_valtype rd_valtype(wf_reader *r)
{
    uint8_t b = wf_rd_u8(r);
    if (!r->err && !is_valtype(b)) {
        r->p--;
        wf_rd_fail(r, "malformed value type");
    }
    return (wf_valtype)b;
}

static wf_valtype rd_reftype(wf_reader *r)
{
    uint8_t b = wf_rd_u8(r);
    if (!r->err && b != WF_FUNCREF && b != WF_EXTERNREF) {
        r->p--;
        wf_rd_fail(r, "malformed reference type");
    }
    return (wf_valtype)b;
}

static void rd_limits(wf_reader *r, wf_limits *l)
{
    uint8_t flag = wf_rd_u8(r);
    if (r->err)
        return;
    if (flag > 1) {
        r->p--;
        const char *f = wf_feature_of_limits(flag);
        wf_rd_fail(r, f ? f : "integer too large"); /* spec wording for limits flags */
        return;
    }
    l->min = wf_rd_u32(r);
    l->has_max = flag == 1;
    l->max = l->has_max ? wf_rd_u32(r) : UINT32_MAX;
}

static void rd_tabletype(wf_reader *r, wf_tabletype *t)
{
    t->elem = rd_reftype(r);
    rd_limits(r, &t->lim);
}

static void rd_globaltype(wf_reader *r, wf_globaltype *g)
{
    g->type = rd_valtype(r);
    uint8_t mut = wf_rd_u8(r);
    if (!r->err && mut > 1) {
        r->p--;
        wf_rd_fail(r, "malformed mutability");
    }
    g->mut = mut == 1;
}

/* Set when a constant expression holds a non-constant instruction: that is a
 * validation error, reported after decoding finishes. */
struct dec {
    wf_reader r;
    const char *invalid;
    size_t invalid_off;
    ptrdiff_t name_sec;     /* index of the name section in customs, -1: none */
    uint32_t heads_pending; /* functions whose local declarations are unchecked */
    char budget_msg[128];
};

/* Count n objects of `size` bytes against the load budget before allocating
 * them; over it, the reader fails with an implementation-limit message. */
static void over_budget(struct dec *d, wf_module *m)
{
    if (d->r.err == NULL) {
        snprintf(d->budget_msg, sizeof d->budget_msg,
                 LIMIT_PREFIX "the module needs more than the memory budget of %llu bytes",
                 (unsigned long long)m->budget);
        wf_rd_fail(&d->r, d->budget_msg);
    }
}

static bool charge(struct dec *d, wf_module *m, uint64_t n, uint64_t size)
{
    if (!d->r.err && wf_module_charge(m, n * size))
        return true;
    over_budget(d, m);
    return false;
}

static void rd_constexpr(struct dec *d, wf_constexpr *c)
{
    wf_reader *r = &d->r;
    memset(c, 0, sizeof *c);
    for (;;) {
        size_t at = (size_t)(r->p - r->base);
        uint8_t op = wf_rd_u8(r);
        if (r->err)
            return;
        if (op == 0x0b)
            return;
        if (c->ninstr < 255)
            c->ninstr++;
        switch (op) {
        case 0x41:
            c->kind = WF_CONST_VAL, c->type = WF_I32;
            c->val = (uint32_t)wf_rd_sleb(r, 32);
            break;
        case 0x42:
            c->kind = WF_CONST_VAL, c->type = WF_I64;
            c->val = (uint64_t)wf_rd_sleb(r, 64);
            break;
        case 0x43:
            c->kind = WF_CONST_VAL, c->type = WF_F32;
            c->val = wf_rd_fixed32(r);
            break;
        case 0x44:
            c->kind = WF_CONST_VAL, c->type = WF_F64;
            c->val = wf_rd_fixed64(r);
            break;
        case 0x23:
            c->kind = WF_CONST_GLOBAL;
            c->val = wf_rd_u32(r);
            break;
        case 0xd0:
            c->kind = WF_CONST_NULL;
            c->type = rd_reftype(r);
            break;
        case 0xd2:
            c->kind = WF_CONST_FUNC, c->type = WF_FUNCREF;
            c->val = wf_rd_u32(r);
            break;
        default:
            if (!wf_known_opcode(op)) {
                r->p--;
                const char *f = wf_feature_of_opcode(r->p, r->end);
                wf_rd_fail(r, f ? f : "illegal opcode");
                return;
            }
            if (d->invalid == NULL) {
                d->invalid = "constant expression required";
                d->invalid_off = at;
            }
            /* we cannot skip an arbitrary instruction's immediates; stop at
             * the next `end` byte (only the message position matters now) */
            while (r->p < r->end && *r->p != 0x0b)
                r->p++;
            break;
        }
    }
}

static void sec_types(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 3);
    if (!charge(d, m, (uint64_t)n + 1, sizeof *m->types))
        return;
    m->types = xcalloc(n ? n : 1, sizeof *m->types);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        uint8_t form = wf_rd_u8(r);
        if (!r->err && form != 0x60) {
            r->p--;
            wf_rd_fail(r, "integer representation too long"); /* malformed functype */
            return;
        }
        uint32_t np = wf_rd_count(r, 1);
        const uint8_t *pp = r->p;
        wf_rd_bytes(r, np);
        uint32_t nr = wf_rd_count(r, 1);
        if (r->err)
            return;
        if (np > MAX_ARITY || nr > MAX_ARITY) {
            wf_rd_fail(r, LIMIT_PREFIX "more than 1000 parameters or results");
            return;
        }
        if (!charge(d, m, (uint64_t)np + nr + 1, sizeof(wf_valtype)))
            return;
        wf_functype *ft = &m->types[i];
        ft->types = xcalloc((size_t)np + nr + 1, sizeof(wf_valtype));
        m->n_types = i + 1;
        wf_reader sub = *r;
        sub.p = pp;
        for (uint32_t k = 0; k < np && !sub.err; k++)
            ft->types[k] = rd_valtype(&sub);
        if (sub.err) {
            *r = sub;
            return;
        }
        for (uint32_t k = 0; k < nr && !r->err; k++)
            ft->types[np + k] = rd_valtype(r);
        ft->nparams = np, ft->nresults = nr;
        ft->sig = wf_intern_sig(ft->types, np, nr);
    }
}

static void sec_imports(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 4);
    if (!charge(d, m, (uint64_t)n + 1, sizeof *m->imports))
        return;
    m->imports = xcalloc(n ? n : 1, sizeof *m->imports);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        wf_import *im = &m->imports[i];
        m->n_imports = i + 1;
        const uint8_t *at = r->p;
        im->module = rd_name(r);
        im->name = rd_name(r);
        /* a name costs at most twice its bytes (U+0000 is widened) */
        if (!charge(d, m, 2, (uint64_t)(r->p - at)))
            return;
        uint8_t kind = wf_rd_u8(r);
        if (r->err)
            return;
        switch (kind) {
        case 0:
            im->kind = WF_EXTERN_FUNC;
            im->type_idx = wf_rd_u32(r);
            m->n_func_imports++;
            break;
        case 1:
            im->kind = WF_EXTERN_TABLE;
            rd_tabletype(r, &im->table);
            m->n_table_imports++;
            break;
        case 2:
            im->kind = WF_EXTERN_MEMORY;
            rd_limits(r, &im->mem);
            m->n_mem_imports++;
            break;
        case 3:
            im->kind = WF_EXTERN_GLOBAL;
            rd_globaltype(r, &im->global);
            m->n_global_imports++;
            break;
        default:
            r->p--;
            wf_rd_fail(r, "malformed import kind");
            return;
        }
    }
}

/* Fill the index spaces' imported prefix once the imports are known. */
static void index_imports(wf_module *m)
{
    m->n_funcs = m->n_func_imports;
    m->n_tables = m->n_table_imports;
    m->n_mems = m->n_mem_imports;
    m->n_globals = m->n_global_imports;
    m->func_type = xcalloc(m->n_funcs + 1, sizeof *m->func_type);
    m->tables = xcalloc(m->n_tables + 1, sizeof *m->tables);
    m->mems = xcalloc(m->n_mems + 1, sizeof *m->mems);
    m->globals = xcalloc(m->n_globals + 1, sizeof *m->globals);
    uint32_t f = 0, t = 0, me = 0, g = 0;
    for (uint32_t i = 0; i < m->n_imports; i++) {
        wf_import *im = &m->imports[i];
        switch (im->kind) {
        case WF_EXTERN_FUNC:
            m->func_type[f++] = im->type_idx;
            break;
        case WF_EXTERN_TABLE:
            m->tables[t++] = im->table;
            break;
        case WF_EXTERN_MEMORY:
            m->mems[me++] = im->mem;
            break;
        case WF_EXTERN_GLOBAL:
            m->globals[g++].type = im->global;
            break;
        }
    }
}

static void sec_funcs(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 1);
    if (!charge(d, m, n, sizeof(uint32_t)))
        return;
    m->func_type = xreallocarray(m->func_type, (size_t)m->n_funcs + n + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < n && !r->err; i++)
        m->func_type[m->n_funcs + i] = wf_rd_u32(r);
    if (!r->err)
        m->n_funcs += n;
}

static void sec_tables(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 3);
    if (!charge(d, m, n, sizeof *m->tables))
        return;
    m->tables = xreallocarray(m->tables, (size_t)m->n_tables + n + 1, sizeof *m->tables);
    for (uint32_t i = 0; i < n && !r->err; i++)
        rd_tabletype(r, &m->tables[m->n_tables + i]);
    if (!r->err)
        m->n_tables += n;
}

static void sec_mems(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 2);
    if (!charge(d, m, n, sizeof *m->mems))
        return;
    m->mems = xreallocarray(m->mems, (size_t)m->n_mems + n + 1, sizeof *m->mems);
    for (uint32_t i = 0; i < n && !r->err; i++)
        rd_limits(r, &m->mems[m->n_mems + i]);
    if (!r->err)
        m->n_mems += n;
}

static void sec_globals(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 3);
    if (!charge(d, m, n, sizeof *m->globals))
        return;
    m->globals = xreallocarray(m->globals, (size_t)m->n_globals + n + 1, sizeof *m->globals);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        wf_global_def *g = &m->globals[m->n_globals + i];
        memset(g, 0, sizeof *g);
        rd_globaltype(r, &g->type);
        rd_constexpr(d, &g->init);
    }
    if (!r->err)
        m->n_globals += n;
}

static void sec_exports(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 3);
    if (!charge(d, m, (uint64_t)n + 1, sizeof *m->exports))
        return;
    m->exports = xcalloc(n ? n : 1, sizeof *m->exports);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        wf_export *e = &m->exports[i];
        m->n_exports = i + 1;
        const uint8_t *at = r->p;
        e->name = rd_name(r);
        if (!charge(d, m, 2, (uint64_t)(r->p - at)))
            return;
        uint8_t kind = wf_rd_u8(r);
        e->idx = wf_rd_u32(r);
        if (!r->err && kind > 3) {
            wf_rd_fail(r, "malformed export kind");
            return;
        }
        e->kind = (enum wf_extern_kind)kind;
    }
}

static void elem_funcs(struct dec *d, wf_module *m, wf_elem *e)
{
    wf_reader *r = &d->r;
    e->n = wf_rd_count(r, 1);
    if (!charge(d, m, (uint64_t)e->n + 1, sizeof *e->init)) {
        e->n = 0;
        return;
    }
    e->init = xcalloc(e->n + 1, sizeof *e->init);
    for (uint32_t k = 0; k < e->n && !r->err; k++) {
        e->init[k].kind = WF_CONST_FUNC;
        e->init[k].type = WF_FUNCREF;
        e->init[k].ninstr = 1;
        e->init[k].val = wf_rd_u32(r);
    }
}

static void elem_exprs(struct dec *d, wf_module *m, wf_elem *e)
{
    wf_reader *r = &d->r;
    e->n = wf_rd_count(r, 1);
    if (!charge(d, m, (uint64_t)e->n + 1, sizeof *e->init)) {
        e->n = 0;
        return;
    }
    e->init = xcalloc(e->n + 1, sizeof *e->init);
    for (uint32_t k = 0; k < e->n && !r->err; k++)
        rd_constexpr(d, &e->init[k]);
}

static void sec_elems(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 1);
    if (!charge(d, m, (uint64_t)n + 1, sizeof *m->elems))
        return;
    m->elems = xcalloc(n ? n : 1, sizeof *m->elems);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        wf_elem *e = &m->elems[i];
        m->n_elems = i + 1;
        uint32_t flags = wf_rd_u32(r);
        if (r->err)
            return;
        if (flags > 7) {
            wf_rd_fail(r, "malformed elements segment kind");
            return;
        }
        e->mode = (flags & 1) ? ((flags & 2) ? WF_SEG_DECLARATIVE : WF_SEG_PASSIVE) : WF_SEG_ACTIVE;
        e->type = WF_FUNCREF;
        if (e->mode == WF_SEG_ACTIVE) {
            if (flags & 2)
                e->table = wf_rd_u32(r);
            rd_constexpr(d, &e->offset);
        }
        bool has_type = (flags & 3) != 0;
        if (flags & 4) {
            if (has_type)
                e->type = rd_reftype(r);
            elem_exprs(d, m, e);
        } else {
            if (has_type) {
                uint8_t kind = wf_rd_u8(r);
                if (!r->err && kind != 0) {
                    r->p--;
                    wf_rd_fail(r, "malformed element kind");
                    return;
                }
            }
            elem_funcs(d, m, e);
        }
    }
}

static void sec_datacount(struct dec *d, wf_module *m)
{
    m->datacount = wf_rd_u32(&d->r);
    m->has_datacount = true;
}

static void sec_datas(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 1);
    if (r->err)
        return;
    if (m->has_datacount && n != m->datacount) {
        wf_rd_fail(r, "data count and data section have inconsistent lengths");
        return;
    }
    if (!charge(d, m, (uint64_t)n + 1, sizeof *m->datas))
        return;
    m->datas = xcalloc(n ? n : 1, sizeof *m->datas);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        wf_data *s = &m->datas[i];
        m->n_datas = i + 1;
        uint32_t flags = wf_rd_u32(r);
        if (r->err)
            return;
        if (flags > 2) {
            wf_rd_fail(r, "malformed data segment kind");
            return;
        }
        s->mode = flags == 1 ? WF_SEG_PASSIVE : WF_SEG_ACTIVE;
        if (flags == 2)
            s->mem = wf_rd_u32(r);
        if (flags != 1)
            rd_constexpr(d, &s->offset);
        s->len = wf_rd_count(r, 1);
        const uint8_t *p = wf_rd_bytes(r, s->len);
        if (r->err || !charge(d, m, (uint64_t)s->len + 1, 1))
            return;
        s->bytes = xmalloc(s->len + 1);
        memcpy(s->bytes, p, s->len);
    }
}

/* Checks a function's local declarations (the reader at the start of its
 * body): a count, then (count, type) groups totalling at most MAX_LOCALS.
 * Leaves the reader after them; the number of groups, and their total. */
static uint32_t rd_locals(wf_reader *body, uint64_t *total)
{
    uint32_t groups = wf_rd_count(body, 2);
    *total = 0;
    for (uint32_t g = 0; g < groups && !body->err; g++) {
        *total += wf_rd_u32(body);
        rd_valtype(body);
        if (*total > MAX_LOCALS) {
            wf_rd_fail(body, "too many locals");
            break;
        }
    }
    return groups;
}

enum head_rc { HEAD_OK, HEAD_MALFORMED, HEAD_BUDGET };

/* Fill function i's wf_code from its body (the reader spans it; base: the
 * binary's offset body_base): its locals and where its instructions are.
 * HEAD_MALFORMED with the error in the reader; HEAD_BUDGET when the local
 * groups do not fit the budget. */
static enum head_rc fill_head(wf_module *m, uint32_t i, wf_reader *body, size_t body_base)
{
    wf_code *c = &m->codes[i];
    const uint8_t *start = body->p;
    uint64_t total;
    uint32_t groups = rd_locals(body, &total);
    if (body->err)
        return HEAD_MALFORMED;
    /* an unknown type index is a validation error, reported later */
    uint32_t ti = m->func_type[m->n_func_imports + i];
    uint32_t np = ti < m->n_types ? m->types[ti].nparams : 0;
    c->nlocals = np + (uint32_t)total;
    c->nparams = np;
    c->param_types = np ? m->types[ti].types : NULL;
    c->ngroups = groups;
    if (groups > 0) { /* in the code arena: one allocation each cost more */
        size_t words = ((size_t)groups * sizeof *c->groups + 7) / 8;
        c->groups = (wf_local_group *)(void *)wf_arena_alloc(m, words);
        if (c->groups == NULL)
            return HEAD_BUDGET;
    }
    body->p = start;
    wf_rd_count(body, 2);
    uint32_t at = np;
    for (uint32_t g = 0; g < groups; g++) {
        at += wf_rd_u32(body);
        c->groups[g] = (wf_local_group){at, rd_valtype(body)};
    }
    c->body_len = (uint32_t)(body->end - body->p);
    c->body_off = body_base + (size_t)(body->p - body->base);
    c->headed = true;
    return HEAD_OK;
}

/* The code section when its headers are lazy (wf_module.lazy_heads): only
 * the position of each body is kept, 4 bytes a function, instead of
 * decoding its local declarations into its wf_code (about 100 bytes, and
 * an arena allocation per function with locals) for functions that may
 * never run. The declarations are checked later (heads_ok) wherever the
 * eager decoding would have reported one of them malformed: before any
 * error that comes after them, and before validation unless the module is
 * vouched for. */
static void code_positions(struct dec *d, wf_module *m, uint32_t n)
{
    wf_reader *r = &d->r;
    if (!charge(d, m, (uint64_t)n + 1, sizeof *m->heads))
        return;
    const uint8_t *sec = r->p;
    m->code_off = (size_t)(sec - r->base);
    m->heads = xmalloc(((size_t)n + 1) * sizeof *m->heads);
    size_t ahead = 0; /* offset in the section fetched up to */
    for (uint32_t i = 0; i < n; i++) {
        /* each size gives where the next one is: a chain of dependent
         * loads, one cache miss a function, unless the bytes ahead are
         * being fetched already (the walk only goes forward) */
        size_t at = (size_t)(r->p - sec), end = (size_t)(r->end - sec);
        if (ahead < at) /* past a large body */
            ahead = at;
        for (; ahead < end && ahead - at < PREFETCH_AHEAD; ahead += 64)
            __builtin_prefetch(sec + ahead);
        m->heads[i] = (uint32_t)at;
        uint32_t size = wf_rd_u32(r);
        if (!wf_rd_bytes(r, size))
            return;
        d->heads_pending = i + 1; /* heads[i + 1] follows */
        m->heads[i + 1] = (uint32_t)(r->p - sec);
    }
}

/* The local declarations of the first n functions whose positions
 * code_positions recorded in the binary `bytes`, checked as the eager
 * decoding checks them; false with the first error in *out (at the offset
 * the eager decoding names). */
static bool heads_ok(const wf_module *m, const uint8_t *bytes, uint32_t n, wf_reader *out)
{
    const uint8_t *sec = bytes + m->code_off;
    for (uint32_t i = 0; i < n; i++) {
        wf_reader body = {.base = bytes, .p = sec + m->heads[i], .end = sec + m->heads[i + 1]};
        wf_rd_u32(&body); /* the size, read before: the body spans the rest */
        uint64_t total;
        rd_locals(&body, &total);
        if (body.err) {
            *out = body;
            return false;
        }
    }
    return true;
}

/* Before reporting an error found after some lazily skipped local
 * declarations: the first malformed one of those, if any, is the error
 * (the eager decoding stops there). True when it replaced d's. */
static bool pending_heads_fail(struct dec *d, wf_module *m)
{
    wf_reader h;
    if (d->heads_pending == 0 || heads_ok(m, d->r.base, d->heads_pending, &h))
        return false;
    d->r = h;
    return true;
}

static void sec_code(struct dec *d, wf_module *m)
{
    wf_reader *r = &d->r;
    uint32_t n = wf_rd_count(r, 1);
    if (r->err)
        return;
    uint32_t defined = m->n_funcs - m->n_func_imports;
    if (n != defined) {
        wf_rd_fail(r, "function and code section have inconsistent lengths");
        return;
    }
    if (!charge(d, m, (uint64_t)n + 1, sizeof *m->codes))
        return;
    /* calloc'd: pages of it no function touches stay unmapped (lazy) */
    m->codes = xcalloc(n + 1, sizeof *m->codes);
    if (m->lazy_heads) {
        code_positions(d, m, n);
        return;
    }
    for (uint32_t i = 0; i < n && !r->err; i++) {
        uint32_t size = wf_rd_u32(r);
        const uint8_t *start = r->p;
        if (!wf_rd_bytes(r, size))
            return;
        wf_reader body = *r;
        body.p = start;
        body.end = start + size;
        enum head_rc rc = fill_head(m, i, &body, 0);
        if (rc == HEAD_MALFORMED) {
            *r = body;
            return;
        }
        if (rc == HEAD_BUDGET) {
            over_budget(d, m);
            return;
        }
    }
}

static void sec_names(wf_reader r, wf_module *m)
{
    /* errors in the name section never make the module malformed */
    while (wf_rd_left(&r) > 0 && !r.err) {
        uint8_t id = wf_rd_u8(&r);
        uint32_t size = wf_rd_u32(&r);
        const uint8_t *p = wf_rd_bytes(&r, size);
        if (r.err || id != 1)
            continue;
        wf_reader sub = r;
        sub.p = p, sub.end = p + size;
        uint32_t n = wf_rd_count(&sub, 2);
        for (uint32_t i = 0; i < n && !sub.err; i++) {
            uint32_t idx = wf_rd_u32(&sub);
            char *name = rd_name(&sub);
            if (sub.err || idx >= m->n_funcs || m->func_names[idx]) {
                free(name);
                continue;
            }
            m->func_names[idx] = name;
        }
    }
}

static void sec_custom(struct dec *d, wf_module *m, const uint8_t *end)
{
    wf_reader *r = &d->r;
    const uint8_t *at = r->p;
    char *name = rd_name(r);
    if (r->err)
        return;
    if (!charge(d, m, 2, (uint64_t)(end - at) + sizeof *m->customs)) {
        free(name);
        return;
    }
    m->customs = xreallocarray(m->customs, m->n_customs + 1, sizeof *m->customs);
    wf_custom *c = &m->customs[m->n_customs++];
    c->name = name;
    c->len = (size_t)(end - r->p);
    c->bytes = xmalloc(c->len + 1);
    memcpy(c->bytes, r->p, c->len);
    r->p = end;
}

/* section order (custom sections excepted), data count between elem and code */
static int section_rank(uint8_t id)
{
    static const int rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return rank[id];
}

static int fail(wf_reader *r, const wf_module *m, weft_error **err)
{
    werr_set(err, 0, "%s: at offset 0x%zx: %s", m->name, r->err_off, r->err);
    bool limit = strncmp(r->err, LIMIT_PREFIX, strlen(LIMIT_PREFIX)) == 0;
    return werr_kind(err, limit ? WF_ERR_LIMIT : WF_ERR_MALFORMED);
}

static void sec_start(struct dec *d, wf_module *m)
{
    m->start = wf_rd_u32(&d->r);
}

typedef void (*section_fn)(struct dec *d, wf_module *m);
static const section_fn sections[13] = {
    NULL,        sec_types, sec_imports, sec_funcs, sec_tables, sec_mems,      sec_globals,
    sec_exports, sec_start, sec_elems,   sec_code,  sec_datas,  sec_datacount,
};

static int check_header(wf_reader *r, const wf_module *m, weft_error **err)
{
    const uint8_t *magic = wf_rd_bytes(r, 4);
    if (magic == NULL || memcmp(magic, "\0asm", 4) != 0) {
        *r = (wf_reader){.base = r->base, .p = r->base, .end = r->end};
        wf_rd_fail(r, "magic header not detected");
        return fail(r, m, err);
    }
    const uint8_t *ver = wf_rd_bytes(r, 4);
    if (ver == NULL || memcmp(ver, "\1\0\0\0", 4) != 0) {
        *r = (wf_reader){.base = r->base, .p = r->base + 4, .end = r->end};
        wf_rd_fail(r, "unknown binary version");
        return fail(r, m, err);
    }
    return 0;
}

/* Reads one section (id and size already checked); remembers the name
 * section, which is parsed once the function count is known. */
static void decode_section(struct dec *d, wf_module *m, uint8_t id, const uint8_t *end)
{
    wf_reader *r = &d->r;
    const uint8_t *saved_end = r->end;
    r->end = end;
    if (id == 0) {
        sec_custom(d, m, end);
        if (!r->err && strcmp(m->customs[m->n_customs - 1].name, "name") == 0)
            d->name_sec = &m->customs[m->n_customs - 1] - m->customs;
    } else {
        sections[id](d, m);
    }
    if (!r->err && r->p != end)
        wf_rd_fail(r, "section size mismatch");
    r->end = saved_end;
    if (r->err)
        r->p = r->end;
}

/* Checks that need the whole module: counts of related sections. */
static int check_counts(wf_reader *r, const wf_module *m, size_t len, weft_error **err)
{
    if (m->codes == NULL && m->n_funcs != m->n_func_imports) {
        r->err_off = len;
        r->err = "function and code section have inconsistent lengths";
        return fail(r, m, err);
    }
    if (m->datas == NULL && m->has_datacount && m->datacount != 0) {
        r->err_off = len;
        r->err = "data count and data section have inconsistent lengths";
        return fail(r, m, err);
    }
    return 0;
}

int wf_decode(const uint8_t *bytes, size_t len, wf_module *m, weft_error **err)
{
    struct dec d = {.r = {.base = bytes, .p = bytes, .end = bytes + len}, .name_sec = -1};
    wf_reader *r = &d.r;
    m->start = -1;
    if (check_header(r, m, err) < 0)
        return -1;
    int last = 0;
    bool imports_indexed = false;
    while (r->p < r->end && !r->err) {
        uint8_t id = wf_rd_u8(r);
        if (id > 12) {
            r->p--;
            const char *f = wf_feature_of_section(id);
            wf_rd_fail(r, f ? f : "malformed section id");
            break;
        }
        uint32_t size = wf_rd_u32(r);
        if (r->err)
            break;
        if (size > wf_rd_left(r)) {
            wf_rd_fail(r, "unexpected end of section or function");
            break;
        }
        if (id != 0) {
            if (section_rank(id) <= last) {
                r->p -= 2;
                wf_rd_fail(r, "unexpected content after last section");
                break;
            }
            last = section_rank(id);
        }
        if (id > 2 && !imports_indexed) {
            index_imports(m);
            imports_indexed = true;
        }
        decode_section(&d, m, id, r->p + size);
    }
    if (r->err) {
        pending_heads_fail(&d, m);
        return fail(r, m, err);
    }
    if (!imports_indexed)
        index_imports(m);
    if (check_counts(r, m, len, err) < 0) {
        if (pending_heads_fail(&d, m)) /* the newest error wins */
            return fail(r, m, err);
        return -1;
    }
    /* names only when there is a name section: the array is 8 bytes per
     * function, twice what an empty function takes in the binary */
    if (d.name_sec >= 0 && wf_module_charge(m, ((uint64_t)m->n_funcs + 1) * sizeof(char *))) {
        m->func_names = xcalloc(m->n_funcs + 1, sizeof(char *));
        const wf_custom *c = &m->customs[d.name_sec];
        sec_names((wf_reader){.base = c->bytes, .p = c->bytes, .end = c->bytes + c->len}, m);
    }
    if (d.invalid && pending_heads_fail(&d, m))
        return fail(r, m, err);
    if (d.invalid) {
        werr_set(err, 0, "%s: at offset 0x%zx: %s", m->name, d.invalid_off, d.invalid);
        return werr_kind(err, WF_ERR_INVALID);
    }
    m->heads_unchecked = d.heads_pending > 0;
    return 0;
}

int wf_check_heads(wf_module *m, const uint8_t *bytes, weft_error **err)
{
    wf_reader h;
    if (!m->heads_unchecked)
        return 0;
    if (!heads_ok(m, bytes, m->n_funcs - m->n_func_imports, &h))
        return fail(&h, m, err);
    m->heads_unchecked = false;
    return 0;
}

int wf_code_head(wf_module *m, uint32_t i, const uint8_t *base, size_t base_off, weft_error **err)
{
    if (m->codes[i].headed)
        return 0;
    size_t at = m->code_off + m->heads[i] - base_off;
    size_t end = m->code_off + m->heads[i + 1] - base_off;
    wf_reader body = {.base = base, .p = base + at, .end = base + end};
    uint32_t size = wf_rd_u32(&body);
    body.end = body.p + size;
    switch (fill_head(m, i, &body, base_off)) {
    case HEAD_OK:
        return 0;
    case HEAD_MALFORMED: /* unchecked only when vouched for: a forged file */
        werr_set(err, 0, "%s: function %u at offset 0x%zx: %s", m->name, m->n_func_imports + i,
                 base_off + body.err_off, body.err);
        return werr_kind(err, WF_ERR_MALFORMED);
    case HEAD_BUDGET:
        break;
    }
    werr_set(err, 0, "%s: the module needs more than the memory budget of %llu bytes", m->name,
             (unsigned long long)m->budget);
    return werr_kind(err, WF_ERR_LIMIT);
}

void wf_module_clear(wf_module *m)
{
    for (uint32_t i = 0; i < m->n_types; i++)
        free(m->types[i].types);
    free(m->types);
    for (uint32_t i = 0; i < m->n_imports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    free(m->func_type);
    free(m->tables);
    free(m->mems);
    free(m->globals);
    for (uint32_t i = 0; i < m->n_exports; i++)
        free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->n_elems; i++)
        free(m->elems[i].init);
    free(m->elems);
    for (uint32_t i = 0; i < m->n_datas; i++)
        free(m->datas[i].bytes);
    free(m->datas);
    wf_arena_free(&m->arena);
    free(m->codes);
    free(m->heads);
    if (m->func_names) {
        for (uint32_t i = 0; i < m->n_funcs; i++)
            free(m->func_names[i]);
    }
    free(m->func_names);
    for (uint32_t i = 0; i < m->n_customs; i++) {
        free(m->customs[i].name);
        free(m->customs[i].bytes);
    }
    free(m->customs);
    free(m->func_declared);
    free(m->bodies);
    free(m->name);
}
