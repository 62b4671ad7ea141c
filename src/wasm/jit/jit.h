/* The compiled tier: the interface the rest of the engine sees.
 *
 * wf_jit_compile() turns every function of a validated module into machine
 * code (one template per internal op of code.h) in one W^X code buffer;
 * wf_jit_run() runs a compiled function on the interpreter's slot stack, so
 * arguments, results and frames have the same layout in both tiers. A
 * backend for another architecture implements these functions; where none
 * exists (or executable memory is refused) the interpreter runs everything. */
#ifndef WEFT_WASM_JIT_JIT_H
#define WEFT_WASM_JIT_JIT_H

#include "wasm/exec.h"
#include "wasm/module.h"

typedef struct wf_jit_module wf_jit_module;

/* Per-run state the compiled code reads off a pinned register. The offsets
 * are part of the generated code (jit_compile.c uses offsetof). */
typedef struct wf_jit_ctx {
    wf_slot *stack_end; /* end of the slot stack */
    uint64_t fuel;      /* synced with the fuel register around helpers */
    uint32_t depth, max_depth;
    const uint8_t *native_limit; /* lowest rsp a function may start with */
    wf_instance *inst;           /* the running instance, its memory 0 and globals */
    wf_memory *mem;
    wf_global **globals;
    wf_store *store;
    wf_exec *ex; /* its soft ends grow through wf_jit_grow */
    weft_error **err;
} wf_jit_ctx;

/* Whether the compiled tier runs modules loaded from now on: the
 * WEFT_WASM_TIER environment variable ("interp" or "jit"), else on where a
 * backend exists and executable memory is granted. */
bool wf_jit_enabled(void);
/* jit_module.c: set m up for the compiled tier (sets m->jit); functions are
 * compiled on their first call. -1 when executable memory is refused or a
 * function is beyond the compiler; the caller then interprets m. */
int wf_jit_compile(wf_module *m, weft_error **err);
/* Compile every function not compiled yet (wf_module_compile_all). */
int wf_jit_compile_all(wf_module *m, weft_error **err);
void wf_jit_free(wf_jit_module *j);
/* The entry slot of defined function i (0-based after the imports) in the
 * variant of the code for guarded memories (guarded: no bounds checks, see
 * guard.h) or for the others: it holds the function's machine code, or the
 * stub that compiles it. Compiled code and the trampoline call through it
 * (`call [slot]`, the slot in rax). An instance uses one variant, by its
 * memory 0 (wf_jit_guarded). */
void **wf_jit_entry(const wf_jit_module *j, bool guarded, uint32_t i);
/* whether instances with these memories run the guarded variant: memory 0
 * has a guarded reservation, or there is no memory */
bool wf_jit_guarded(wf_memory *const *mems, uint32_t n_mems);
/* the variant code compiled before any instance exists should be (an AOT
 * cache file, wf_module_compile_all): what a memory created now would get */
bool wf_jit_guarded_expected(const wf_module *m);
/* Run compiled f: params at ex->stack[0..], results written there. */
int wf_jit_run(wf_exec *ex, wf_func *f, weft_error **err);
/* called by the stub: compile the function of `slot`, return its code (NULL
 * with ctx->err set when that fails) */
void *wf_jit_lazy(wf_jit_ctx *ctx, void **slot);

/* The C functions compiled code calls, by number (a cached copy of the code
 * names them so: their addresses change from one weft binary or run to the
 * next). */
enum wf_jit_helper { JH_OP, JH_CALL, JH_CALL_INDIRECT, JH_TRAP, JH_GROW, JH_COUNT };
const void *wf_jit_helper_addr(enum wf_jit_helper h);

/* An absolute address embedded in a function's machine code: the 8 bytes
 * at `at` (the immediate of a `mov r64, imm64`) hold
 *   JR_HELPER  the address of helper `arg`
 *   JR_ENTRY   the address of the entry slot of defined function `arg`
 *   JR_PC      the address of word `arg` of the function's internal code
 *              (code.h; the helpers read the op's immediates there), or
 *              in code from a cache file wf_jit_pc_tag(arg): so compiled
 *              code must only hand it to wf_jit_op / wf_jit_call_indirect
 *              (which resolve a tagged one), never read through it.
 * Everything else in the code is position independent (rel32 branches
 * inside the function, rip-relative br_table tables, offsets off the pinned
 * registers). */
enum wf_jit_reloc_kind { JR_HELPER, JR_ENTRY, JR_PC, JR_COUNT };
typedef struct wf_jit_reloc {
    uint32_t at, kind, arg;
} wf_jit_reloc;

/* jit_compile.c: machine code of defined function i of m in a heap buffer,
 * runnable where it is copied (its absolute addresses are this process's),
 * and, when rel is not NULL, its relocations (*rel malloc'd, *nrel of them);
 * -1 if beyond the compiler. guarded: for a guarded memory 0, accesses
 * unchecked (their faults become the trap, jit_fault.c). */
int wf_jit_compile_func(const wf_module *m, uint32_t i, bool guarded, uint8_t **code, size_t *len,
                        wf_jit_reloc **rel, size_t *nrel);
/* The last WF_JIT_TAIL bytes of every function of the guarded variant: a
 * `jmp rel32` (0xE9) to its out-of-bounds trap stub when it has unchecked
 * accesses (where the fault handler resumes it), else ud2 and int3s. */
#define WF_JIT_TAIL 5
bool wf_jit_fits(const wf_module *m, uint32_t i);
/* jit_module.c: wf_jit_fits for every function validated so far */
bool wf_jit_fits_all(const wf_module *m);

/* jit_aot.c: the AOT cache's file format (docs/wasm-engine.md). Build: the
 * whole module's machine code and relocations as one file's bytes (*out
 * malloc'd), keyed by hash (SHA-256 of the module's bytes). Load: check
 * the file (the header against this weft, this CPU, hash and m, the
 * table's checksum, every function's extent; each function's checksum and
 * relocations when its code is taken) and hand it to m->jit (set
 * up by wf_jit_compile), whose functions then take their code from it on
 * their first call instead of compiling; -1 naming the first mismatch, m
 * unchanged. The file's bytes must outlive m: on success m calls
 * release(arg) (unless NULL) when it no longer needs them. */
int wf_jit_aot_build(const wf_module *m, const uint8_t hash[32], uint8_t **out, size_t *len,
                     weft_error **err);
int wf_jit_aot_load(wf_module *m, const uint8_t hash[32], const uint8_t *file, size_t len,
                    void (*release)(void *), void *arg, weft_error **err);
/* the file's trailing checksum (the last 8 bytes, little-endian) of the
 * n bytes before it */
uint64_t wf_jit_aot_checksum(const uint8_t *p, size_t n);
/* a function's checksum in the file's table: over its code (len bytes)
 * and its nrel relocation entries (12 bytes each) */
uint64_t wf_jit_aot_func_sum(const uint8_t *code, size_t len, const uint8_t *rel, size_t nrel);
/* the cache key of a module of that hash for this weft and CPU */
void wf_jit_aot_key(const uint8_t hash[32], uint8_t key[32]);
/* A checked file's tables (wf_jit_aot_load). */
typedef struct wf_jit_aot {
    const uint8_t *table, *rel, *code;
    uint32_t nfuncs;
    bool guarded;               /* compiled for the guarded variant (jit_module.c) */
    void (*release)(void *arg); /* of the file's bytes, with the module (may be NULL) */
    void *release_arg;
} wf_jit_aot;
/* defined function i's code from the file, its checksum and relocations
 * checked, relocated for m, in a heap buffer as wf_jit_compile_func gives
 * it; -1 naming the mismatch */
int wf_jit_aot_func(const wf_jit_aot *a, const wf_module *m, uint32_t i, uint8_t **code,
                    size_t *len, weft_error **err);
/* every function's checksum and relocations */
int wf_jit_aot_check_all(const wf_jit_aot *a, const wf_module *m, weft_error **err);
/* all of a's code, every function checked, relocated for m, in one
 * read+execute mapping (returned, *size bytes); entry[i] set to function
 * i's code, len[i] to its length */
void *wf_jit_aot_map_all(const wf_jit_aot *a, const wf_module *m, void **entry, uint32_t *len,
                         size_t *size, weft_error **err);
/* jit_module.c: m's functions take their code from a (owned by j) */
void wf_jit_use_aot(wf_jit_module *j, wf_jit_aot *a);
/* whether j has a cache file, and how many functions came from it */
uint32_t wf_jit_from_aot(const wf_jit_module *j, bool *has_aot);

/* jit_fault.c: the SIGSEGV handler that turns the fault of an unchecked
 * access into the out-of-bounds trap. It knows the guarded variant's code
 * of every live module by these maps (entry slots and code lengths, 0 for a
 * function not compiled yet; lo..hi bounds all of it). */
typedef struct wf_jit_code_map {
    struct wf_jit_code_map *prev, *next;
    void *const *entry;
    const uint32_t *len;
    uint32_t n;
    uintptr_t lo, hi;
} wf_jit_code_map;
/* start tracking c (installs the handler on first use) / stop */
void wf_jit_fault_track(wf_jit_code_map *c);
void wf_jit_fault_untrack(wf_jit_code_map *c);
/* function code at..at+len of c was placed (its entry slot and len set) */
void wf_jit_fault_placed(wf_jit_code_map *c, const void *at, size_t len);

/* jit_mem.c: W^X code memory. Code is written while its pages are
 * read+write and runs once they are read+execute, never both. */
typedef struct wf_jit_arena wf_jit_arena;
void *wf_jit_map_code(const uint8_t *code, size_t len, size_t *mapped, weft_error **err);
/* Add an empty chunk (also a probe: fails where executable memory is
 * refused). */
int wf_jit_arena_new(wf_jit_arena **a, weft_error **err);
/* Copy code into the arena, return its address. */
void *wf_jit_arena_add(wf_jit_arena **a, const uint8_t *code, size_t len, weft_error **err);
void wf_jit_arena_free(wf_jit_arena *a);

/* jit_rt.c: what a JR_PC relocation holds in code from a cache file: word
 * `word` of the function's internal code, tagged (the helpers translate the
 * function when they first need it) */
uint64_t wf_jit_pc_tag(uint32_t word);
/* jit_rt.c: called from the generated code */
int wf_jit_op(wf_jit_ctx *ctx, wf_slot *fp, const uint64_t *pc, uint32_t fidx);
int wf_jit_call(wf_jit_ctx *ctx, wf_slot *nfp, uint32_t callee, uint32_t fidx);
int wf_jit_call_indirect(wf_jit_ctx *ctx, wf_slot *fp, const uint64_t *pc, uint32_t fidx);
void wf_jit_trap(wf_jit_ctx *ctx, uint32_t kind, uint32_t fidx);
/* A prologue whose frame crosses a soft end (rsp below native_limit, or its
 * slots up to `end` past stack_end): advance them, charging the store's
 * budget (exec.h), and return 0 for the prologue to check again; 1 with the
 * trap recorded at the call-depth limit or the budget. */
int wf_jit_grow(wf_jit_ctx *ctx, const wf_slot *end, const uint8_t *sp, uint32_t fidx);
/* the entry trampoline (jit_module.c): calls through an entry slot with the
 * pinned registers loaded, on stack_top's stack unless it is NULL */
typedef int (*wf_jit_enter_fn)(void **slot, wf_slot *fp, wf_jit_ctx *ctx, void *stack_top);
wf_jit_enter_fn wf_jit_enter(void);

enum wf_jit_trap_kind {
    JT_UNREACHABLE,
    JT_OOB,
    JT_DIV0,
    JT_OVERFLOW,
    JT_EXHAUSTED,
    JT_FUEL,
    JT_COUNT
};

#endif
