/* Internal representation of a decoded, validated and translated module, and
 * of the runtime objects (functions, tables, memories, globals, instances).
 * Shared by the decoder, the validator/translator, the interpreter and the
 * runtime; not part of the public API (see wasm.h). */
#ifndef WEFT_WASM_MODULE_H
#define WEFT_WASM_MODULE_H

#include "wasm/wasm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One operand-stack / local slot. Every wasm value (no SIMD) fits in one. */
typedef union wf_slot {
    uint64_t u64;
    int64_t i64;
    uint32_t u32;
    int32_t i32;
    float f32;
    double f64;
    void *ref;
} wf_slot;

typedef struct wf_functype {
    uint32_t nparams, nresults;
    wf_valtype *types; /* params then results */
    uint32_t sig;      /* interned id: equal ids <=> equal types */
} wf_functype;

static inline const wf_valtype *wf_ft_results(const wf_functype *ft)
{
    return ft->types + ft->nparams;
}

typedef struct wf_limits {
    uint32_t min, max;
    bool has_max;
} wf_limits;

typedef struct wf_tabletype {
    wf_valtype elem;
    wf_limits lim;
} wf_tabletype;

typedef struct wf_globaltype {
    wf_valtype type;
    bool mut;
} wf_globaltype;

/* A constant expression (Wasm 2.0: one instruction). */
enum wf_const_kind { WF_CONST_VAL, WF_CONST_GLOBAL, WF_CONST_FUNC, WF_CONST_NULL };
typedef struct wf_constexpr {
    enum wf_const_kind kind;
    wf_valtype type;
    uint8_t ninstr; /* instructions before `end`; validation wants 1 */
    uint64_t val;   /* value bits, or global / function index */
} wf_constexpr;

typedef struct wf_import {
    char *module, *name;
    enum wf_extern_kind kind;
    uint32_t type_idx; /* func */
    wf_tabletype table;
    wf_limits mem;
    wf_globaltype global;
} wf_import;

typedef struct wf_export {
    char *name;
    enum wf_extern_kind kind;
    uint32_t idx;
} wf_export;

typedef struct wf_global_def {
    wf_globaltype type;
    wf_constexpr init;
} wf_global_def;

enum wf_seg_mode { WF_SEG_ACTIVE, WF_SEG_PASSIVE, WF_SEG_DECLARATIVE };

typedef struct wf_elem {
    enum wf_seg_mode mode;
    uint32_t table;
    wf_constexpr offset;
    wf_valtype type;
    uint32_t n;
    wf_constexpr *init;
} wf_elem;

typedef struct wf_data {
    enum wf_seg_mode mode;
    uint32_t mem;
    wf_constexpr offset;
    uint32_t len;
    uint8_t *bytes;
} wf_data;

#define WF_POOL_MAX 32

/* A run of declared locals of one type: locals up to `end` (exclusive). */
typedef struct wf_local_group {
    uint32_t end;
    wf_valtype type;
} wf_local_group;

/* A function body: validated at load, translated on its first call
 * (wf_translate_func; code is NULL until then, and code_len and nops are
 * bounds on what translation will emit). Kept small: a module of empty
 * functions has one of these per 4 bytes of input. */
typedef struct wf_code {
    uint32_t nlocals;    /* params + declared locals */
    uint32_t max_height; /* locals + pool + deepest operand stack, in slots */
    uint32_t npool;      /* constants copied to fp[nlocals..] at each call (known at load) */
    uint32_t nparams, ngroups;
    bool checked; /* validated (and pool, max_height, bounds set) */
    /* the local declarations decoded (nlocals, nparams, ngroups, groups,
     * param_types, body_off, body_len set): at load, or on first need when
     * the module's are lazy (wf_module.heads; wf_code_head) */
    bool headed;
    uint32_t body_len;
    uint32_t nops;
    uint64_t *pool; /* in the module's code arena */
    /* internal code (code.h), in the module's code arena; the interpreter
     * threads it in place (wf_interp_prepare), the compiled tier reads it */
    uint64_t *code;
    size_t code_len;
    uint32_t *ops;   /* code indices of the opcode words, ascending; in the arena */
    size_t body_off; /* offset of the body in the binary (messages, loading) */
    /* local types, without expanding them per local (a hostile module could
     * declare 50,000 locals in 4 bytes, in every function): params come from
     * the type, declared locals from (count, type) groups */
    const wf_valtype *param_types;
    wf_local_group *groups; /* NULL when there are none; in the arena */
} wf_code;

static inline wf_valtype wf_local_type(const wf_code *c, uint32_t idx)
{
    if (idx < c->nparams)
        return c->param_types[idx];
    uint32_t lo = 0, hi = c->ngroups; /* first group ending after idx */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->groups[mid].end > idx)
            hi = mid;
        else
            lo = mid + 1;
    }
    return c->groups[lo].type;
}

/* Translated code and constant pools of all functions, in a few large
 * chunks: one allocation per function cost more than the code itself. */
typedef struct wf_arena {
    uint64_t **chunks;
    size_t n_chunks;
    size_t used, cap; /* words in the last chunk */
} wf_arena;

typedef struct wf_custom {
    char *name;
    uint8_t *bytes;
    size_t len;
} wf_custom;

struct wf_module {
    char *name;
    wf_functype *types;
    uint32_t n_types;
    wf_import *imports;
    uint32_t n_imports;
    uint32_t *func_type; /* every function (imports first): type index */
    uint32_t n_funcs, n_func_imports;
    wf_tabletype *tables;
    uint32_t n_tables, n_table_imports;
    wf_limits *mems;
    uint32_t n_mems, n_mem_imports;
    wf_global_def *globals; /* imported ones have no init */
    uint32_t n_globals, n_global_imports;
    wf_export *exports;
    uint32_t n_exports;
    int64_t start; /* -1: none */
    wf_elem *elems;
    uint32_t n_elems;
    wf_data *datas;
    uint32_t n_datas;
    bool has_datacount;
    uint32_t datacount;
    wf_code *codes; /* n_funcs - n_func_imports */
    /* lazy function headers (docs/wasm-engine.md, "Loading"): set before
     * decoding when the module may be vouched for (wf_module_load_trusting
     * with a trust callback); then the code section's decoding only walks
     * the bodies' sizes: heads[i] is the offset of function i's size field
     * from code_off, heads[n] the section's end; wf_check_heads checks the
     * local declarations (heads_unchecked until then) unless the module is
     * vouched for, and wf_code_head decodes one when first needed */
    bool lazy_heads, heads_unchecked;
    uint32_t *heads;
    size_t code_off;
    uint32_t n_checked; /* functions validated (wf_code.checked) */
    char **func_names;  /* n_funcs entries, NULL when unnamed */
    wf_custom *customs;
    uint32_t n_customs;
    bool *func_declared;       /* C.refs: ref.func allowed */
    struct wf_jit_module *jit; /* machine code when the compiled tier runs it */
    wf_arena arena;
    /* the function bodies (a copy of the code section, from offset
     * bodies_off of the binary), translated on first call */
    uint8_t *bodies;
    size_t bodies_off;
    bool threaded; /* run by the interpreter: translated code is threaded */
    /* bytes held (charged to each store that instantiates the module), and
     * the budget loading may not exceed (counting the input bytes too) */
    uint64_t footprint, budget, input_len;
};

/* ---- runtime objects ---------------------------------------------------- */

typedef struct wf_func {
    /* hot fields for calls, copied from the type and code */
    const uint64_t *entry; /* threaded code; NULL for host and compiled functions */
    void *jit;             /* machine code (jit/jit.h) when compiled */
    const uint64_t *pool;
    uint32_t nparams, nlocals, npool, max_height, sig;
    const wf_functype *type;
    wf_instance *inst; /* NULL for host functions */
    const wf_code *code;
    uint32_t idx; /* index in its module */
    wf_host_fn host;
    void *env;
} wf_func;

typedef struct wf_table {
    wf_store *store; /* charged for the elements */
    wf_valtype elem;
    uint32_t size, max; /* max: effective (module max, config) */
    bool has_max;
    void **elems;
} wf_table;

typedef struct wf_memory {
    wf_store *store; /* charged for the pages in use */
    uint8_t *base;
    uint64_t size;             /* bytes */
    uint32_t pages, max_pages; /* max_pages: what growing may reach here */
    uint32_t decl_max;         /* the declared maximum (import matching) */
    bool has_max;
    size_t reserved; /* bytes of address space reserved at base */
    bool guarded;    /* reserved is guard.h's WF_GUARD_RESERVE: the compiled tier skips checks */
} wf_memory;

typedef struct wf_global {
    wf_globaltype type;
    wf_slot val;
} wf_global;

struct wf_instance {
    wf_store *store;
    const wf_module *mod;
    wf_func **funcs;
    wf_func *defined; /* the module's own functions, in one block */
    wf_table **tables;
    wf_memory **mems;
    wf_global **globals;
    uint32_t *sigs;     /* interned sig per module type index */
    void ***elem_refs;  /* evaluated element segments */
    uint32_t *elem_len; /* 0 once dropped */
    uint32_t *data_len; /* 0 once dropped */
};

struct wf_call {
    wf_instance *inst;
    char *trap_msg;
    bool exited;
    int status;
};

/* The module's running total against its load budget (wf_module_load_budget):
 * false, and nothing counted, when `bytes` more would exceed it. */
bool wf_module_charge(wf_module *m, uint64_t bytes);
/* A copy of n words in m's code arena (charged). NULL over the budget. */
uint64_t *wf_arena_copy(wf_module *m, const uint64_t *words, size_t n);
/* The same for words charged already (translation on first call). */
uint64_t *wf_arena_put(wf_module *m, const uint64_t *words, size_t n);
/* n words of the arena, uninitialised (charged; NULL over the budget). */
uint64_t *wf_arena_alloc(wf_module *m, size_t n);
void wf_arena_free(wf_arena *a);

/* decode.c */
int wf_decode(const uint8_t *bytes, size_t len, wf_module *m, weft_error **err);
void wf_module_clear(wf_module *m);

/* Check every function's local declarations if decoding left them for
 * later (wf_module.lazy_heads): the error the eager decoding would have
 * reported for them, if any (bytes: the module's binary). */
int wf_check_heads(wf_module *m, const uint8_t *bytes, weft_error **err);
/* Decode defined function i's local declarations into m->codes[i] if that
 * was left for later (wf_module.lazy_heads): base holds the binary from
 * offset base_off (the input while loading, m->bodies after). -1 when
 * they are malformed (which only a module vouched for without being
 * checked can be) or over the budget. */
int wf_code_head(wf_module *m, uint32_t i, const uint8_t *base, size_t base_off, weft_error **err);

/* validate_module.c: everything but the function bodies */
int wf_validate(wf_module *m, weft_error **err);
/* validate.c: validate every function body (an invalid one is refused here,
 * naming the function and offset) */
int wf_validate_code(wf_module *m, const uint8_t *base, weft_error **err);
/* runtime.c: wf_module_load_budget, where trust(m, arg) may vouch for the
 * module once it is decoded and its module-level rules checked (the
 * compiled tier set up): then function bodies are validated on first call
 * instead of at load (the AOT cache's file for these exact bytes, written
 * by this weft after loading them: docs/wasm-engine.md). */
/* `own`, when not NULL, is `bytes`, malloc'd: on success the module keeps
 * it (and frees it) instead of copying its code section; on failure it is
 * still the caller's. */
int wf_module_load_trusting(const uint8_t *bytes, size_t len, const char *name, uint64_t budget,
                            bool (*trust)(wf_module *m, void *arg), void *arg, uint8_t *own,
                            wf_module **out, weft_error **err);
/* Keep the function bodies for translation on first call: a copy of the
 * code section of base, or own (the input, malloc'd) itself. */
int wf_keep_bodies(wf_module *m, const uint8_t *base, uint8_t *own, weft_error **err);
/* Translate defined function i (validating it first if loading did not) (0-based after the imports)
 * into internal code, once; -1 over the module's budget (or when it is invalid). */
int wf_translate_func(wf_module *m, uint32_t i, weft_error **err);
int wf_translate_all(wf_module *m, weft_error **err);
/* A function's internal code and the fields its wf_func copies from it,
 * translating it first if it was not (instance.c). */
int wf_func_ready(wf_func *f, weft_error **err);

/* types.c */
uint32_t wf_intern_sig(const wf_valtype *types, uint32_t nparams, uint32_t nresults);
const wf_functype *wf_sig_type(uint32_t sig);

/* interp.c */
/* Prepare every function of m for the interpreter: opcode words become the
 * addresses of their handlers (direct threading). */
void wf_interp_prepare(wf_module *m);
/* the same for one function translated later */
void wf_interp_thread(wf_code *c);
typedef struct wf_exec wf_exec;
void wf_exec_free(wf_exec *ex);
/* Run `f` with args in/results out of `io` (room for max(params, results)).
 * On failure sets err (TRAP / EXHAUSTED / EXIT). */
int wf_exec_call(wf_store *s, wf_func *f, wf_slot *io, weft_error **err);
/* The error of a trap in f ("trap: MSG (in func N)"), of kind `kind`;
 * and of a failed host call. Both return -1. */
int wf_trap_error(wf_func *f, const char *msg, int kind, weft_error **err);
int wf_host_error(wf_call *call, weft_error **err);
/* Call host function f (arity from its type) with slots. Returns 0, or -1
 * with call->trap_msg / exited set. */
int wf_host_call(wf_func *f, wf_instance *caller, wf_slot *io, wf_call *call);

/* runtime.c helpers used by the interpreter */
int32_t wf_memory_grow(wf_memory *mem, uint32_t delta, uint64_t host_max);
int32_t wf_table_grow(wf_table *t, uint32_t delta, void *init, uint32_t host_max);
uint32_t wf_store_max_depth(const wf_store *s);
uint64_t wf_store_max_mem(const wf_store *s);
/* memory.grow under the store's cap, the live one (wf_config.memory_cap) included */
int32_t wf_store_memory_grow(const wf_store *s, wf_memory *mem, uint32_t delta);
uint32_t wf_store_max_table(const wf_store *s);
uint64_t wf_store_max_fuel(const wf_store *s);
/* The store's memory budget (wasm.h): charge fails, counting nothing, when
 * `bytes` more would exceed it; release gives bytes back. */
bool wf_store_charge(wf_store *s, uint64_t bytes);
void wf_store_release(wf_store *s, uint64_t bytes);
uint64_t wf_store_budget(const wf_store *s);
uint64_t wf_store_used(const wf_store *s);
void **wf_store_exec_cache(wf_store *s);

const char *wf_func_name(const wf_func *f);

static inline bool wf_is_ref(wf_valtype t)
{
    return t == WF_FUNCREF || t == WF_EXTERNREF;
}
static inline bool wf_is_num(wf_valtype t)
{
    return t == WF_I32 || t == WF_I64 || t == WF_F32 || t == WF_F64;
}

#endif
