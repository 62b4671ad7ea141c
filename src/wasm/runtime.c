/* Modules, stores, runtime objects (memories, tables, globals) and calls
 * from the embedder: the public API of wasm.h except linking/instantiation
 * (instance.c) and host-call helpers (interp.c). */
#include "wasm/guard.h"
#include "wasm/jit/jit.h"
#include "wasm/module.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 65536ull
#define DEFAULT_DEPTH 200000u
#define DEFAULT_TABLE 10000000u

struct wf_store {
    wf_config cfg;
    uint64_t used; /* bytes charged against cfg.max_memory_bytes, the budget */
    void **objs;   /* everything to free: tagged pointers */
    int *kinds;
    size_t n, cap;
    void *exec;
};

enum { OBJ_INSTANCE, OBJ_MEMORY, OBJ_TABLE, OBJ_GLOBAL };

/* ---- modules ---- */

/* The compiled tier when it can; else the interpreter, with one log line
 * (once per process) saying why. */
static void jit_compile(wf_module *m)
{
    static bool told;
    weft_error *err = NULL;
    if (wf_jit_compile(m, &err) < 0 && !told) {
        log_warn("wasm: %s; running the interpreter", err->msg);
        told = true;
    }
    werr_free(err);
}

int wf_module_load_budget(const uint8_t *bytes, size_t len, const char *name, uint64_t budget,
                          wf_module **out, weft_error **err)
{
    return wf_module_load_trusting(bytes, len, name, budget, NULL, NULL, NULL, out, err);
}

/* The compiled tier set up before the bodies are validated, for `trust`
 * (the AOT cache's file) to be loaded into; true when it vouched. */
static bool trusted(wf_module *m, bool (*trust)(wf_module *m, void *arg), void *arg)
{
    if (trust == NULL || !wf_jit_enabled())
        return false;
    jit_compile(m);
    return m->jit && trust(m, arg);
}

int wf_module_load_trusting(const uint8_t *bytes, size_t len, const char *name, uint64_t budget,
                            bool (*trust)(wf_module *m, void *arg), void *arg, uint8_t *own,
                            wf_module **out, weft_error **err)
{
    wf_module *m = xzalloc(sizeof *m);
    m->name = xstrdup(name ? name : "module");
    m->budget = budget ? budget : WF_DEFAULT_BUDGET;
    /* the input is held while loading: it counts until the module is built */
    m->input_len = len;
    /* the local declarations of a module the trust may vouch for are
     * decoded on first need (checked now all the same) */
    m->lazy_heads = trust != NULL && wf_jit_enabled();
    if (len > m->budget) {
        werr_set(err, 0, "%s: %zu bytes of module exceed the memory budget of %llu bytes", m->name,
                 len, (unsigned long long)m->budget);
        wf_module_free(m);
        return werr_kind(err, WF_ERR_LIMIT);
    }
    if (!wf_module_charge(m, sizeof *m) || wf_decode(bytes, len, m, err) < 0) {
        wf_module_free(m);
        return -1;
    }
    if (wf_validate(m, err) < 0) {
        /* malformed local declarations (lazy headers) came first */
        wf_check_heads(m, bytes, err);
        wf_module_free(m);
        return -1;
    }
    bool vouched = trusted(m, trust, arg);
    if ((!vouched && (wf_check_heads(m, bytes, err) < 0 || wf_validate_code(m, bytes, err) < 0)) ||
        wf_keep_bodies(m, bytes, own, err) < 0) {
        m->bodies = NULL; /* the caller's still */
        wf_module_free(m);
        return -1;
    }
    m->input_len = 0;
    /* the compiled tier charges its entry slots to the footprint too; set
     * up already when trust was asked, whose functions may not fit yet */
    if (m->jit && !vouched && !wf_jit_fits_all(m)) {
        wf_jit_free(m->jit);
        m->jit = NULL;
    } else if (trust == NULL && wf_jit_enabled()) {
        jit_compile(m);
    }
    if (m->jit == NULL)
        wf_interp_prepare(m);
    *out = m;
    return 0;
}

int wf_module_load(const uint8_t *bytes, size_t len, const char *name, wf_module **out,
                   weft_error **err)
{
    return wf_module_load_budget(bytes, len, name, 0, out, err);
}

uint64_t wf_module_footprint(const wf_module *m)
{
    return m->footprint;
}

bool wf_module_charge(wf_module *m, uint64_t bytes)
{
    uint64_t held = m->footprint + m->input_len;
    if (bytes > m->budget || held > m->budget - bytes)
        return false;
    m->footprint += bytes;
    return true;
}

/* ---- the code arena ---- */

/* Chunks start small (a tiny module is charged little) and double up to
 * 512 KiB; a body larger than that gets a chunk of its own. */
#define ARENA_MIN_WORDS 512u
#define ARENA_MAX_WORDS (64u << 10)

static uint64_t *arena_chunk(wf_module *m, size_t words, bool charge)
{
    wf_arena *a = &m->arena;
    if (charge && !wf_module_charge(m, (uint64_t)words * sizeof(uint64_t) + sizeof(uint64_t *)))
        return NULL;
    a->chunks = xreallocarray(a->chunks, a->n_chunks + 1, sizeof *a->chunks);
    uint64_t *p = xmalloc(words * sizeof(uint64_t));
    a->chunks[a->n_chunks++] = p;
    return p;
}

static uint64_t *arena_copy(wf_module *m, const uint64_t *words, size_t n, bool charge)
{
    wf_arena *a = &m->arena;
    uint64_t *p;
    if (n > ARENA_MAX_WORDS) {
        if ((p = arena_chunk(m, n, charge)) == NULL)
            return NULL;
        if (a->n_chunks > 1) { /* keep the chunk being filled last */
            a->chunks[a->n_chunks - 1] = a->chunks[a->n_chunks - 2];
            a->chunks[a->n_chunks - 2] = p;
        }
    } else {
        if (a->n_chunks == 0 || a->cap - a->used < n) {
            size_t cap = a->cap ? a->cap * 2 : ARENA_MIN_WORDS;
            while (cap < n)
                cap *= 2;
            cap = cap > ARENA_MAX_WORDS ? ARENA_MAX_WORDS : cap; /* n fits: n <= MAX */
            if (arena_chunk(m, cap, charge) == NULL)
                return NULL;
            a->used = 0;
            a->cap = cap;
        }
        p = a->chunks[a->n_chunks - 1] + a->used;
        a->used += n;
    }
    if (n > 0 && words)
        memcpy(p, words, n * sizeof *words);
    return p;
}

uint64_t *wf_arena_copy(wf_module *m, const uint64_t *words, size_t n)
{
    return arena_copy(m, words, n, true);
}

uint64_t *wf_arena_put(wf_module *m, const uint64_t *words, size_t n)
{
    return arena_copy(m, words, n, false);
}

uint64_t *wf_arena_alloc(wf_module *m, size_t n)
{
    return arena_copy(m, NULL, n, true);
}

void wf_arena_free(wf_arena *a)
{
    for (size_t i = 0; i < a->n_chunks; i++)
        free(a->chunks[i]);
    free(a->chunks);
    *a = (wf_arena){0};
}

void wf_module_compile_all(wf_module *m)
{
    weft_error *err = NULL;
    if (m->jit && wf_jit_compile_all(m, &err) < 0) {
        log_warn("wasm: %s; running the interpreter", err->msg);
        wf_jit_free(m->jit);
        m->jit = NULL;
        wf_interp_prepare(m);
    }
    werr_free(err);
}

void wf_module_free(wf_module *m)
{
    if (m == NULL)
        return;
    wf_jit_free(m->jit);
    wf_module_clear(m);
    free(m);
}

size_t wf_module_import_count(const wf_module *m)
{
    return m->n_imports;
}

wf_import_info wf_module_import(const wf_module *m, size_t i)
{
    const wf_import *im = &m->imports[i];
    return (wf_import_info){im->module, im->name, im->kind};
}

size_t wf_module_export_count(const wf_module *m)
{
    return m->n_exports;
}

wf_export_info wf_module_export(const wf_module *m, size_t i)
{
    return (wf_export_info){m->exports[i].name, m->exports[i].kind};
}

static int import_kind(const wf_module *m, size_t i, enum wf_extern_kind k, weft_error **err)
{
    static const char *const names[] = {"function", "table", "memory", "global"};
    if (i >= m->n_imports)
        return werr_set(err, 0, "%s: no import %zu", m->name, i);
    if (m->imports[i].kind != k)
        return werr_set(err, 0, "%s: import %zu is not a %s", m->name, i, names[k]);
    return 0;
}

int wf_module_import_func_type(const wf_module *m, size_t i, wf_valtype *params, size_t *n_params,
                               wf_valtype *results, size_t *n_results, size_t cap, weft_error **err)
{
    if (import_kind(m, i, WF_EXTERN_FUNC, err) < 0)
        return -1;
    const wf_functype *ft = &m->types[m->imports[i].type_idx];
    for (uint32_t k = 0; k < ft->nparams && k < cap; k++)
        params[k] = ft->types[k];
    for (uint32_t k = 0; k < ft->nresults && k < cap; k++)
        results[k] = wf_ft_results(ft)[k];
    *n_params = ft->nparams;
    *n_results = ft->nresults;
    return 0;
}

int wf_module_import_limits(const wf_module *m, size_t i, uint32_t *min, uint32_t *max,
                            wf_valtype *elem, weft_error **err)
{
    if (i < m->n_imports && m->imports[i].kind == WF_EXTERN_TABLE) {
        const wf_tabletype *t = &m->imports[i].table;
        *min = t->lim.min;
        *max = t->lim.has_max ? t->lim.max : UINT32_MAX;
        if (elem)
            *elem = t->elem;
        return 0;
    }
    if (i < m->n_imports && m->imports[i].kind != WF_EXTERN_MEMORY)
        return werr_set(err, 0, "%s: import %zu is neither a table nor a memory", m->name, i);
    if (import_kind(m, i, WF_EXTERN_MEMORY, err) < 0)
        return -1;
    const wf_limits *l = &m->imports[i].mem;
    *min = l->min;
    *max = l->has_max ? l->max : UINT32_MAX;
    return 0;
}

int wf_module_import_global_type(const wf_module *m, size_t i, wf_valtype *type, bool *mutable_,
                                 weft_error **err)
{
    if (import_kind(m, i, WF_EXTERN_GLOBAL, err) < 0)
        return -1;
    *type = m->imports[i].global.type;
    *mutable_ = m->imports[i].global.mut;
    return 0;
}

const uint8_t *wf_module_custom_section(const wf_module *m, const char *name, size_t *len)
{
    for (uint32_t i = 0; i < m->n_customs; i++) {
        if (strcmp(m->customs[i].name, name) == 0) {
            if (len)
                *len = m->customs[i].len;
            return m->customs[i].bytes;
        }
    }
    if (len)
        *len = 0;
    return NULL;
}

const char *wf_module_func_name(const wf_module *m, uint32_t idx)
{
    return idx < m->n_funcs && m->func_names ? m->func_names[idx] : NULL;
}

/* ---- stores ---- */

wf_store *wf_store_new(const wf_config *cfg)
{
    wf_store *s = xzalloc(sizeof *s);
    if (cfg)
        s->cfg = *cfg;
    if (s->cfg.max_call_depth == 0)
        s->cfg.max_call_depth = DEFAULT_DEPTH;
    if (s->cfg.max_memory_bytes == 0)
        s->cfg.max_memory_bytes = WF_DEFAULT_BUDGET;
    /* a depth whose frames cannot fit is cut to what fits (the CLI refuses
     * it first, through wf_config_check) */
    if (s->cfg.max_call_depth > s->cfg.max_memory_bytes / WF_MIN_FRAME_BYTES)
        s->cfg.max_call_depth = (uint32_t)(s->cfg.max_memory_bytes / WF_MIN_FRAME_BYTES);
    if (s->cfg.max_call_depth == 0)
        s->cfg.max_call_depth = 1;
    if (s->cfg.max_table_elems == 0)
        s->cfg.max_table_elems = DEFAULT_TABLE;
    return s;
}

void wf_store_own(wf_store *s, int kind, void *p)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->objs = xreallocarray(s->objs, s->cap, sizeof *s->objs);
        s->kinds = xreallocarray(s->kinds, s->cap, sizeof *s->kinds);
    }
    s->objs[s->n] = p;
    s->kinds[s->n++] = kind;
}

static void instance_free(wf_instance *inst)
{
    const wf_module *m = inst->mod;
    free(inst->defined);
    free(inst->funcs);
    free(inst->tables);
    free(inst->mems);
    free(inst->globals);
    free(inst->sigs);
    for (uint32_t i = 0; i < m->n_elems; i++)
        free(inst->elem_refs[i]);
    free(inst->elem_refs);
    free(inst->elem_len);
    free(inst->data_len);
    free(inst);
}

void wf_store_free(wf_store *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++) {
        void *p = s->objs[i];
        switch (s->kinds[i]) {
        case OBJ_INSTANCE:
            instance_free(p);
            break;
        case OBJ_MEMORY: {
            wf_memory *mem = p;
            if (mem->base)
                munmap(mem->base, mem->reserved);
            free(mem);
            break;
        }
        case OBJ_TABLE:
            free(((wf_table *)p)->elems);
            free(p);
            break;
        default:
            free(p);
            break;
        }
    }
    free(s->objs);
    free(s->kinds);
    wf_exec_free(s->exec);
    free(s);
}

int wf_config_check(const wf_config *cfg, weft_error **err)
{
    uint64_t budget = cfg->max_memory_bytes ? cfg->max_memory_bytes : WF_DEFAULT_BUDGET;
    uint64_t depth = cfg->max_call_depth;
    if (depth > budget / WF_MIN_FRAME_BYTES) {
        werr_set(err, 0,
                 "a call depth of %llu frames needs at least %llu bytes of stack (%u per frame), "
                 "more than the memory budget of %llu bytes",
                 (unsigned long long)depth, (unsigned long long)depth * WF_MIN_FRAME_BYTES,
                 WF_MIN_FRAME_BYTES, (unsigned long long)budget);
        return werr_kind(err, WF_ERR_LIMIT);
    }
    return 0;
}

/* The budget for a store that would hold `want` bytes: the configured one,
 * or the embedder's live cap when that is lower (a container's memory
 * limit, which `weft update` may change while the module runs). */
static uint64_t live_budget(const wf_store *s, uint64_t want)
{
    uint64_t budget = s->cfg.max_memory_bytes;
    if (s->cfg.memory_cap != NULL) {
        uint64_t live = s->cfg.memory_cap(s->cfg.memory_cap_arg, want);
        if (live < budget)
            budget = live;
    }
    return budget;
}

bool wf_store_charge(wf_store *s, uint64_t bytes)
{
    uint64_t budget = live_budget(s, s->used + bytes);
    if (bytes > budget || s->used > budget - bytes)
        return false;
    s->used += bytes;
    return true;
}

void wf_store_release(wf_store *s, uint64_t bytes)
{
    s->used -= bytes < s->used ? bytes : s->used;
}

uint64_t wf_store_budget(const wf_store *s)
{
    return s->cfg.max_memory_bytes;
}

uint64_t wf_store_used(const wf_store *s)
{
    return s->used;
}

uint32_t wf_store_max_depth(const wf_store *s)
{
    return s->cfg.max_call_depth;
}
uint64_t wf_store_max_mem(const wf_store *s)
{
    return s->cfg.max_memory_bytes;
}
int32_t wf_store_memory_grow(const wf_store *s, wf_memory *mem, uint32_t delta)
{
    uint64_t cap = s->cfg.max_memory_bytes;
    if (s->cfg.memory_cap != NULL) {
        uint64_t live =
            s->cfg.memory_cap(s->cfg.memory_cap_arg, ((uint64_t)mem->pages + delta) * PAGE);
        if (live < cap)
            cap = live;
    }
    return wf_memory_grow(mem, delta, cap);
}
uint64_t wf_store_max_fuel(const wf_store *s)
{
    return s->cfg.max_fuel;
}
uint32_t wf_store_max_table(const wf_store *s)
{
    return s->cfg.max_table_elems;
}
void **wf_store_exec_cache(wf_store *s)
{
    return &s->exec;
}

/* ---- memories ---- */

/* Address space for the whole maximum is reserved up front, so the base never
 * moves (host pointers stay valid) and growing is an mprotect. */
int wf_memory_new(wf_store *s, const wf_limits *lim, wf_memory **out, weft_error **err)
{
    uint64_t host_pages = s->cfg.max_memory_bytes / PAGE;
    uint64_t max = lim->has_max ? lim->max : 65536;
    if (max > host_pages)
        max = host_pages;
    if (lim->min > max || !wf_store_charge(s, lim->min * PAGE)) {
        werr_set(err, 0, "memory of %u pages exceeds the memory budget of %llu bytes", lim->min,
                 (unsigned long long)s->cfg.max_memory_bytes);
        return werr_kind(err, WF_ERR_LIMIT);
    }
    wf_memory *mem = xzalloc(sizeof *mem);
    /* a guarded reservation first (guard.h: compiled code then needs no
     * bounds checks); under a tight RLIMIT_AS the full reservation may fail:
     * settle for less (growing then stops earlier), but never below the
     * minimum */
    void *p = wf_guard_reserve();
    if (p != NULL) {
        mem->reserved = WF_GUARD_RESERVE;
        mem->guarded = true;
    } else {
        p = MAP_FAILED;
    }
    for (uint64_t want = max ? max : 1; p == MAP_FAILED; want /= 2) {
        if (want < lim->min || want == 0)
            break;
        mem->reserved = (size_t)(want * PAGE);
        p = mmap(NULL, mem->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                 0);
        if (p != MAP_FAILED)
            max = want;
    }
    if (p == MAP_FAILED) {
        free(mem);
        wf_store_release(s, lim->min * PAGE);
        werr_sys(err, "reserving %zu bytes for a linear memory", (size_t)(max * PAGE));
        return werr_kind(err, WF_ERR_LIMIT);
    }
    mem->store = s;
    mem->base = p;
    mem->max_pages = (uint32_t)max;
    mem->decl_max = lim->max;
    mem->has_max = lim->has_max;
    if (lim->min && mprotect(p, lim->min * PAGE, PROT_READ | PROT_WRITE) < 0) {
        munmap(p, mem->reserved);
        free(mem);
        wf_store_release(s, lim->min * PAGE);
        werr_sys(err, "allocating %u pages of linear memory", lim->min);
        return werr_kind(err, WF_ERR_LIMIT);
    }
    mem->pages = lim->min;
    mem->size = lim->min * PAGE;
    wf_store_own(s, OBJ_MEMORY, mem);
    *out = mem;
    return 0;
}

int32_t wf_memory_grow(wf_memory *mem, uint32_t delta, uint64_t host_max)
{
    uint32_t old = mem->pages;
    if ((uint64_t)old + delta > mem->max_pages || ((uint64_t)old + delta) * PAGE > host_max)
        return -1;
    if (delta == 0)
        return (int32_t)old;
    /* at the budget growing fails as the spec lets it: -1, not a trap */
    if (!wf_store_charge(mem->store, delta * PAGE))
        return -1;
    if (mprotect(mem->base + mem->size, delta * PAGE, PROT_READ | PROT_WRITE) < 0) {
        wf_store_release(mem->store, delta * PAGE);
        return -1;
    }
    mem->pages = old + delta;
    mem->size = mem->pages * PAGE;
    return (int32_t)old;
}

/* ---- tables ---- */

int wf_table_new(wf_store *s, const wf_tabletype *tt, wf_table **out, weft_error **err)
{
    if (tt->lim.min > s->cfg.max_table_elems) {
        werr_set(err, 0, "table of %u elements exceeds the host limit of %u", tt->lim.min,
                 s->cfg.max_table_elems);
        return werr_kind(err, WF_ERR_LIMIT);
    }
    if (!wf_store_charge(s, sizeof(wf_table) + ((uint64_t)tt->lim.min + 1) * sizeof(void *))) {
        werr_set(err, 0, "table of %u elements exceeds the memory budget of %llu bytes",
                 tt->lim.min, (unsigned long long)s->cfg.max_memory_bytes);
        return werr_kind(err, WF_ERR_LIMIT);
    }
    wf_table *t = xzalloc(sizeof *t);
    t->store = s;
    t->elem = tt->elem;
    t->size = tt->lim.min;
    t->has_max = tt->lim.has_max;
    t->max = tt->lim.has_max ? tt->lim.max : UINT32_MAX;
    t->elems = xcalloc((size_t)t->size + 1, sizeof(void *));
    wf_store_own(s, OBJ_TABLE, t);
    *out = t;
    return 0;
}

int32_t wf_table_grow(wf_table *t, uint32_t delta, void *init, uint32_t host_max)
{
    uint32_t old = t->size;
    uint64_t n = (uint64_t)old + delta;
    if (n > t->max || n > host_max)
        return -1;
    if (delta == 0)
        return (int32_t)old;
    /* table.grow reports failure to the program (-1) instead of aborting,
     * at the memory budget as when the host is out of memory */
    if (!wf_store_charge(t->store, (uint64_t)delta * sizeof(void *)))
        return -1;
    void **grown = reallocarray(t->elems, (size_t)n + 1, sizeof(void *));
    if (grown == NULL) {
        wf_store_release(t->store, (uint64_t)delta * sizeof(void *));
        return -1;
    }
    t->elems = grown;
    for (uint64_t i = old; i < n; i++)
        t->elems[i] = init;
    t->size = (uint32_t)n;
    return (int32_t)old;
}

/* Globals are charged by the instance that makes them (instance.c) or are a
 * host's few (wf_linker_define_global). */
wf_global *wf_global_new(wf_store *s, wf_globaltype type)
{
    wf_global *g = xzalloc(sizeof *g);
    g->type = type;
    wf_store_own(s, OBJ_GLOBAL, g);
    return g;
}

/* ---- calls from the embedder ---- */

const char *wf_func_name(const wf_func *f)
{
    if (f->inst == NULL || f->inst->mod->func_names == NULL)
        return NULL;
    return f->inst->mod->func_names[f->idx];
}

static const wf_export *find_export(wf_instance *inst, const char *name, enum wf_extern_kind kind)
{
    const wf_module *m = inst->mod;
    for (uint32_t i = 0; i < m->n_exports; i++) {
        if (m->exports[i].kind == kind && strcmp(m->exports[i].name, name) == 0)
            return &m->exports[i];
    }
    return NULL;
}

static wf_slot to_slot(const wf_value *v)
{
    wf_slot s = {.u64 = 0};
    if (v->type == WF_I32 || v->type == WF_F32)
        s.u32 = v->of.i32;
    else if (wf_is_ref(v->type))
        s.ref = v->of.ref;
    else
        s.u64 = v->of.i64;
    return s;
}

static wf_value to_value(wf_valtype t, wf_slot s)
{
    wf_value v = {.type = t};
    if (t == WF_I32 || t == WF_F32)
        v.of.i32 = s.u32;
    else if (wf_is_ref(t))
        v.of.ref = s.ref;
    else
        v.of.i64 = s.u64;
    return v;
}

int wf_invoke(wf_instance *inst, const char *name, const wf_value *args, size_t n_args,
              wf_value *results, size_t *n_results, weft_error **err)
{
    const wf_export *e = find_export(inst, name, WF_EXTERN_FUNC);
    if (e == NULL)
        return werr_set(err, 0, "%s: no exported function \"%s\"", inst->mod->name, name);
    wf_func *f = inst->funcs[e->idx];
    const wf_functype *ft = f->type;
    if (n_args != ft->nparams)
        return werr_set(err, 0, "%s: function \"%s\" takes %u arguments, %zu given",
                        inst->mod->name, name, ft->nparams, n_args);
    for (size_t i = 0; i < n_args; i++) {
        if (args[i].type != ft->types[i])
            return werr_set(err, 0, "%s: function \"%s\": argument %zu has the wrong type",
                            inst->mod->name, name, i);
    }
    size_t n = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
    wf_slot *io = xcalloc(n + 1, sizeof *io);
    for (size_t i = 0; i < n_args; i++)
        io[i] = to_slot(&args[i]);
    int rc = wf_exec_call(inst->store, f, io, err);
    if (rc == 0) {
        const wf_valtype *rt = wf_ft_results(ft);
        for (uint32_t i = 0; i < ft->nresults; i++)
            results[i] = to_value(rt[i], io[i]);
        if (n_results)
            *n_results = ft->nresults;
    }
    free(io);
    return rc;
}

int wf_export_func_type(wf_instance *inst, const char *name, wf_valtype *params, size_t *n_params,
                        wf_valtype *results, size_t *n_results, size_t cap, weft_error **err)
{
    const wf_export *e = find_export(inst, name, WF_EXTERN_FUNC);
    if (e == NULL)
        return werr_set(err, 0, "%s: no exported function \"%s\"", inst->mod->name, name);
    const wf_functype *ft = inst->funcs[e->idx]->type;
    for (uint32_t i = 0; i < ft->nparams && i < cap; i++)
        params[i] = ft->types[i];
    for (uint32_t i = 0; i < ft->nresults && i < cap; i++)
        results[i] = wf_ft_results(ft)[i];
    *n_params = ft->nparams;
    *n_results = ft->nresults;
    return 0;
}

int wf_export_global(wf_instance *inst, const char *name, wf_value *out, weft_error **err)
{
    const wf_export *e = find_export(inst, name, WF_EXTERN_GLOBAL);
    if (e == NULL)
        return werr_set(err, 0, "%s: no exported global \"%s\"", inst->mod->name, name);
    wf_global *g = inst->globals[e->idx];
    *out = to_value(g->type.type, g->val);
    return 0;
}

uint8_t *wf_export_memory(wf_instance *inst, const char *name, uint64_t *size)
{
    const wf_export *e = find_export(inst, name, WF_EXTERN_MEMORY);
    if (e == NULL) {
        if (size)
            *size = 0;
        return NULL;
    }
    wf_memory *mem = inst->mems[e->idx];
    if (size)
        *size = mem->size;
    return mem->base;
}
