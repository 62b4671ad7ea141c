/* Linking and instantiation: the linker maps (module, name) to externs; an
 * instance is built in the spec's order (imports, allocation, globals,
 * element and data segments in order, start function). */
#include "wasm/jit/jit.h"
#include "wasm/module.h"
#include "util/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 65536ull

int wf_memory_new(wf_store *s, const wf_limits *lim, wf_memory **out, weft_error **err);
int wf_table_new(wf_store *s, const wf_tabletype *tt, wf_table **out, weft_error **err);
wf_global *wf_global_new(wf_store *s, wf_globaltype type);
void wf_store_own(wf_store *s, int kind, void *p);

struct lk_entry {
    char *module, *name;
    enum wf_extern_kind kind;
    void *obj;
};

/* Entries in definition order, found through an open-addressing hash of
 * (module, name): WASI alone defines about a hundred names, and a linear
 * search with a redefinition check made linking quadratic, a tenth of a
 * hello-world's start-up. */
struct wf_linker {
    struct lk_entry *e;
    size_t n, cap;
    uint32_t *slot; /* index+1 into e, 0 = empty; n_slot is a power of two */
    size_t n_slot;
    wf_func **hosts; /* host functions owned by the linker */
    size_t n_hosts;
};

wf_linker *wf_linker_new(void)
{
    return xzalloc(sizeof(wf_linker));
}

void wf_linker_free(wf_linker *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->e[i].module);
        free(l->e[i].name);
    }
    free(l->e);
    free(l->slot);
    for (size_t i = 0; i < l->n_hosts; i++)
        free(l->hosts[i]);
    free(l->hosts);
    free(l);
}

static uint32_t lk_hash(const char *module, const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a over module, a separator, name */
    for (const char *p = module; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h;
}

/* The slot holding (module, name), or the empty slot where it would go. */
static uint32_t *lk_slot(const wf_linker *l, const char *module, const char *name)
{
    size_t mask = l->n_slot - 1;
    for (size_t i = lk_hash(module, name) & mask;; i = (i + 1) & mask) {
        uint32_t *s = &l->slot[i];
        if (*s == 0)
            return s;
        const struct lk_entry *e = &l->e[*s - 1];
        if (strcmp(e->name, name) == 0 && strcmp(e->module, module) == 0)
            return s;
    }
}

static void lk_rehash(wf_linker *l)
{
    free(l->slot);
    l->n_slot = l->n_slot ? l->n_slot * 2 : 64;
    l->slot = xcalloc(l->n_slot, sizeof *l->slot);
    for (size_t i = 0; i < l->n; i++)
        *lk_slot(l, l->e[i].module, l->e[i].name) = (uint32_t)(i + 1);
}

static void lk_add(wf_linker *l, const char *module, const char *name, enum wf_extern_kind kind,
                   void *obj)
{
    if (2 * (l->n + 1) > l->n_slot) /* load factor at most 1/2 */
        lk_rehash(l);
    uint32_t *s = lk_slot(l, module, name);
    if (*s != 0) { /* redefinition replaces */
        l->e[*s - 1].kind = kind;
        l->e[*s - 1].obj = obj;
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->e = xreallocarray(l->e, l->cap, sizeof *l->e);
    }
    l->e[l->n++] = (struct lk_entry){xstrdup(module), xstrdup(name), kind, obj};
    *s = (uint32_t)l->n;
}

static const struct lk_entry *lk_find(const wf_linker *l, const char *module, const char *name)
{
    if (l == NULL || l->n == 0)
        return NULL;
    uint32_t s = *lk_slot(l, module, name);
    return s ? &l->e[s - 1] : NULL;
}

static int sig_letters(const char *s, wf_valtype *out, uint32_t *n, weft_error **err)
{
    *n = 0;
    for (; s && *s; s++) {
        switch (*s) {
        case 'i':
            out[(*n)++] = WF_I32;
            break;
        case 'I':
            out[(*n)++] = WF_I64;
            break;
        case 'f':
            out[(*n)++] = WF_F32;
            break;
        case 'F':
            out[(*n)++] = WF_F64;
            break;
        case 'r':
            out[(*n)++] = WF_FUNCREF;
            break;
        case 'x':
            out[(*n)++] = WF_EXTERNREF;
            break;
        default:
            return werr_set(err, 0, "bad type letter '%c' in host function signature", *s);
        }
    }
    return 0;
}

int wf_linker_define_func(wf_linker *l, const char *module, const char *name, const char *params,
                          const char *results, wf_host_fn fn, void *env, weft_error **err)
{
    size_t np = params ? strlen(params) : 0, nr = results ? strlen(results) : 0;
    wf_valtype *types = xcalloc(np + nr + 1, sizeof *types);
    uint32_t a, b;
    if (sig_letters(params, types, &a, err) < 0 || sig_letters(results, types + a, &b, err) < 0) {
        free(types);
        return werr_prefix(err, "%s.%s", module, name);
    }
    uint32_t sig = wf_intern_sig(types, a, b);
    free(types);
    wf_func *f = xzalloc(sizeof *f);
    f->type = wf_sig_type(sig);
    f->nparams = f->type->nparams;
    f->sig = sig;
    f->host = fn;
    f->env = env;
    l->hosts = xreallocarray(l->hosts, l->n_hosts + 1, sizeof *l->hosts);
    l->hosts[l->n_hosts++] = f;
    lk_add(l, module, name, WF_EXTERN_FUNC, f);
    return 0;
}

int wf_linker_define_instance(wf_linker *l, const char *module_name, wf_instance *inst,
                              weft_error **err)
{
    (void)err;
    const wf_module *m = inst->mod;
    for (uint32_t i = 0; i < m->n_exports; i++) {
        const wf_export *e = &m->exports[i];
        void *obj = NULL;
        switch (e->kind) {
        case WF_EXTERN_FUNC:
            obj = inst->funcs[e->idx];
            break;
        case WF_EXTERN_TABLE:
            obj = inst->tables[e->idx];
            break;
        case WF_EXTERN_MEMORY:
            obj = inst->mems[e->idx];
            break;
        case WF_EXTERN_GLOBAL:
            obj = inst->globals[e->idx];
            break;
        }
        lk_add(l, module_name, e->name, e->kind, obj);
    }
    return 0;
}

int wf_linker_define_memory(wf_linker *l, wf_store *s, const char *module, const char *name,
                            uint32_t min_pages, uint32_t max_pages, weft_error **err)
{
    wf_limits lim = {min_pages, max_pages, max_pages != UINT32_MAX};
    wf_memory *mem;
    if (wf_memory_new(s, &lim, &mem, err) < 0)
        return -1;
    lk_add(l, module, name, WF_EXTERN_MEMORY, mem);
    return 0;
}

int wf_linker_define_table(wf_linker *l, wf_store *s, const char *module, const char *name,
                           wf_valtype elem, uint32_t min, uint32_t max, weft_error **err)
{
    wf_tabletype tt = {elem, {min, max, max != UINT32_MAX}};
    wf_table *t;
    if (wf_table_new(s, &tt, &t, err) < 0)
        return -1;
    lk_add(l, module, name, WF_EXTERN_TABLE, t);
    return 0;
}

int wf_linker_define_global(wf_linker *l, wf_store *s, const char *module, const char *name,
                            wf_value value, bool mutable_, weft_error **err)
{
    (void)err;
    wf_global *g = wf_global_new(s, (wf_globaltype){value.type, mutable_});
    if (value.type == WF_I32 || value.type == WF_F32)
        g->val.u32 = value.of.i32;
    else if (wf_is_ref(value.type))
        g->val.ref = value.of.ref;
    else
        g->val.u64 = value.of.i64;
    lk_add(l, module, name, WF_EXTERN_GLOBAL, g);
    return 0;
}

/* ---- import matching ---- */

static bool limits_match(uint64_t size, bool has_max, uint64_t max, const wf_limits *want)
{
    if (size < want->min)
        return false;
    if (want->has_max && (!has_max || max > want->max))
        return false;
    return true;
}

static const char *match_import(const wf_module *m, const wf_import *im, const struct lk_entry *e)
{
    if (e->kind != im->kind)
        return "incompatible import type";
    switch (im->kind) {
    case WF_EXTERN_FUNC: {
        const wf_func *f = e->obj;
        return f->type->sig == m->types[im->type_idx].sig ? NULL : "incompatible import type";
    }
    case WF_EXTERN_TABLE: {
        const wf_table *t = e->obj;
        if (t->elem != im->table.elem || !limits_match(t->size, t->has_max, t->max, &im->table.lim))
            return "incompatible import type";
        return NULL;
    }
    case WF_EXTERN_MEMORY: {
        const wf_memory *mem = e->obj;
        return limits_match(mem->pages, mem->has_max, mem->decl_max, &im->mem)
                   ? NULL
                   : "incompatible import type";
    }
    case WF_EXTERN_GLOBAL: {
        const wf_global *g = e->obj;
        if (g->type.type != im->global.type || g->type.mut != im->global.mut)
            return "incompatible import type";
        return NULL;
    }
    }
    return "incompatible import type";
}

static int link_imports(wf_instance *inst, const wf_linker *l, weft_error **err)
{
    const wf_module *m = inst->mod;
    uint32_t f = 0, t = 0, me = 0, g = 0;
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const wf_import *im = &m->imports[i];
        const struct lk_entry *e = lk_find(l, im->module, im->name);
        const char *why = e ? match_import(m, im, e) : "unknown import";
        if (why) {
            werr_set(err, 0, "%s: import %s.%s: %s", m->name, im->module, im->name, why);
            return werr_kind(err, WF_ERR_UNLINKABLE);
        }
        switch (im->kind) {
        case WF_EXTERN_FUNC:
            inst->funcs[f++] = e->obj;
            break;
        case WF_EXTERN_TABLE:
            inst->tables[t++] = e->obj;
            break;
        case WF_EXTERN_MEMORY:
            inst->mems[me++] = e->obj;
            break;
        case WF_EXTERN_GLOBAL:
            inst->globals[g++] = e->obj;
            break;
        }
    }
    return 0;
}

/* ---- instantiation ---- */

static wf_slot eval_const(const wf_instance *inst, const wf_constexpr *c)
{
    wf_slot s = {.u64 = 0};
    switch (c->kind) {
    case WF_CONST_VAL:
        s.u64 = c->val;
        break;
    case WF_CONST_GLOBAL:
        s = inst->globals[c->val]->val;
        break;
    case WF_CONST_FUNC:
        s.ref = inst->funcs[c->val];
        break;
    case WF_CONST_NULL:
        break;
    }
    return s;
}

/* The fields of f the interpreter reads at a call (the compiled tier's
 * code holds them), set on f's first call (wf_func_ready: the interpreter
 * calls it while f->entry is NULL), not at instantiation: a module's wf_code
 * need not be read, nor its header decoded, for a function never called. */
static void func_fields(wf_func *f)
{
    f->entry = f->jit ? NULL : f->code->code;
    f->pool = f->code->pool;
    f->nlocals = f->code->nlocals;
    f->npool = f->code->npool;
    f->max_height = f->code->max_height;
}

int wf_func_ready(wf_func *f, weft_error **err)
{
    wf_module *m = (wf_module *)f->inst->mod; /* translation fills m's code */
    if (wf_translate_func(m, f->idx - m->n_func_imports, err) < 0)
        return -1;
    func_fields(f);
    return 0;
}

/* The module's own functions, in one block filled in one pass (tables and
 * memories are made first: the compiled code's variant depends on memory
 * 0). Each function's type is looked up once per module type, not once
 * per function (wf_sig_type takes the interning table's lock). */
static void define_funcs(wf_instance *inst)
{
    const wf_module *m = inst->mod;
    uint32_t n = m->n_funcs - m->n_func_imports;
    const wf_functype **types = xcalloc((size_t)m->n_types + 1, sizeof *types);
    for (uint32_t t = 0; t < m->n_types; t++)
        types[t] = wf_sig_type(m->types[t].sig);
    /* filled at once: populated with one call instead of a fault a page */
    inst->defined = xcalloc_populated((size_t)n + 1, sizeof(wf_func));
    bool guarded = wf_jit_guarded(inst->mems, m->n_mems);
    void **slots = m->jit && n ? wf_jit_entry(m->jit, guarded, 0) : NULL; /* one array */
    for (uint32_t k = 0; k < n; k++) {
        wf_func *f = &inst->defined[k];
        f->type = types[m->func_type[m->n_func_imports + k]];
        f->inst = inst;
        f->code = &m->codes[k];
        f->idx = m->n_func_imports + k;
        f->nparams = f->type->nparams;
        f->sig = f->type->sig;
        f->jit = slots ? slots + k : NULL;
        inst->funcs[f->idx] = f;
    }
    free(types);
}

static int allocate(wf_instance *inst, wf_store *s, weft_error **err)
{
    const wf_module *m = inst->mod;
    for (uint32_t i = m->n_table_imports; i < m->n_tables; i++) {
        if (wf_table_new(s, &m->tables[i], &inst->tables[i], err) < 0)
            return -1;
    }
    for (uint32_t i = m->n_mem_imports; i < m->n_mems; i++) {
        if (wf_memory_new(s, &m->mems[i], &inst->mems[i], err) < 0)
            return -1;
    }
    define_funcs(inst);
    for (uint32_t i = m->n_global_imports; i < m->n_globals; i++) {
        inst->globals[i] = wf_global_new(s, m->globals[i].type);
        inst->globals[i]->val = eval_const(inst, &m->globals[i].init);
    }
    for (uint32_t i = 0; i < m->n_elems; i++) {
        const wf_elem *e = &m->elems[i];
        inst->elem_refs[i] = xcalloc(e->n + 1, sizeof(void *));
        for (uint32_t k = 0; k < e->n; k++)
            inst->elem_refs[i][k] = eval_const(inst, &e->init[k]).ref;
        inst->elem_len[i] = e->mode == WF_SEG_PASSIVE ? e->n : 0;
    }
    for (uint32_t i = 0; i < m->n_datas; i++)
        inst->data_len[i] = m->datas[i].mode == WF_SEG_PASSIVE ? m->datas[i].len : 0;
    return 0;
}

static int init_fail(const wf_module *m, const char *what, weft_error **err)
{
    werr_set(err, 0, "trap: %s (initialising %s)", what, m->name);
    return werr_kind(err, WF_ERR_TRAP);
}

static int init_segments(wf_instance *inst, weft_error **err)
{
    const wf_module *m = inst->mod;
    for (uint32_t i = 0; i < m->n_elems; i++) {
        const wf_elem *e = &m->elems[i];
        if (e->mode != WF_SEG_ACTIVE)
            continue;
        wf_table *t = inst->tables[e->table];
        uint64_t off = eval_const(inst, &e->offset).u32;
        if (off + e->n > t->size)
            return init_fail(m, "out of bounds table access", err);
        memcpy(t->elems + off, inst->elem_refs[i], (size_t)e->n * sizeof(void *));
    }
    for (uint32_t i = 0; i < m->n_datas; i++) {
        const wf_data *d = &m->datas[i];
        if (d->mode != WF_SEG_ACTIVE)
            continue;
        wf_memory *mem = inst->mems[d->mem];
        uint64_t off = eval_const(inst, &d->offset).u32;
        if (off + d->len > mem->size)
            return init_fail(m, "out of bounds memory access", err);
        memcpy(mem->base + off, d->bytes, d->len);
    }
    return 0;
}

/* What instantiating m allocates, the module itself included (a store pays
 * for each module it instantiates: loading already cost that much). */
static uint64_t instance_bytes(const wf_module *m)
{
    uint64_t n = sizeof(wf_instance) + m->footprint;
    n += ((uint64_t)m->n_funcs + 1) * sizeof(wf_func *);
    n += ((uint64_t)m->n_funcs - m->n_func_imports + 1) * sizeof(wf_func);
    n += ((uint64_t)m->n_tables + m->n_mems + m->n_globals + m->n_types + 4) * sizeof(void *);
    n += ((uint64_t)m->n_globals - m->n_global_imports) * sizeof(wf_global);
    n += ((uint64_t)m->n_elems + 1) * (sizeof(void **) + sizeof(uint32_t));
    for (uint32_t i = 0; i < m->n_elems; i++)
        n += ((uint64_t)m->elems[i].n + 1) * sizeof(void *);
    n += ((uint64_t)m->n_datas + 1) * sizeof(uint32_t);
    return n;
}

int wf_instantiate(wf_store *s, const wf_module *m, wf_linker *l, wf_instance **out,
                   weft_error **err)
{
    uint64_t need = instance_bytes(m);
    if (!wf_store_charge(s, need)) {
        werr_set(err, 0, "%s: instantiating needs %llu bytes, over the memory budget of %llu bytes",
                 m->name, (unsigned long long)need, (unsigned long long)wf_store_budget(s));
        return werr_kind(err, WF_ERR_LIMIT);
    }
    wf_instance *inst = xzalloc(sizeof *inst);
    inst->store = s;
    inst->mod = m;
    inst->funcs = xcalloc(m->n_funcs + 1, sizeof *inst->funcs);
    inst->tables = xcalloc(m->n_tables + 1, sizeof *inst->tables);
    inst->mems = xcalloc(m->n_mems + 1, sizeof *inst->mems);
    inst->globals = xcalloc(m->n_globals + 1, sizeof *inst->globals);
    inst->sigs = xcalloc(m->n_types + 1, sizeof *inst->sigs);
    inst->elem_refs = xcalloc(m->n_elems + 1, sizeof *inst->elem_refs);
    inst->elem_len = xcalloc(m->n_elems + 1, sizeof *inst->elem_len);
    inst->data_len = xcalloc(m->n_datas + 1, sizeof *inst->data_len);
    for (uint32_t i = 0; i < m->n_types; i++)
        inst->sigs[i] = m->types[i].sig;
    /* owned by the store from here on, even if instantiation fails below:
     * segments already written into shared tables may reference its funcs */
    wf_store_own(s, 0 /* OBJ_INSTANCE */, inst);
    if (link_imports(inst, l, err) < 0 || allocate(inst, s, err) < 0 ||
        init_segments(inst, err) < 0)
        return -1;
    if (m->start >= 0) {
        wf_slot io[1];
        if (wf_exec_call(s, inst->funcs[m->start], io, err) < 0)
            return -1;
    }
    *out = inst;
    return 0;
}
