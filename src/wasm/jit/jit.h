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
 * are part of the generated code (jit_compile.h's CTX uses offsetof). */
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
/* Make sure instances created from now on need no new executable memory
 * (wf_module_compile_all: before a seccomp filter applies): compile every
 * function of the variant they are expected to use (a guarded reservation
 * can be had) that is not compiled yet, unless an AOT cache file holds
 * that variant (its code is executable already; each function is taken,
 * its checksum checked, on first call, with no system call). An instance
 * that gets the other variant compiles it on first call as usual. */
int wf_jit_compile_all(wf_module *m, weft_error **err);
/* Take every function's code of that variant now: from the AOT cache's
 * file (checksum checked) or compiled. */
int wf_jit_take_all(wf_module *m, weft_error **err);
void wf_jit_free(wf_jit_module *j);
/* The entry slot of defined function i (0-based after the imports) in the
 * variant of the code for guarded memories (guarded: no bounds checks, see
 * guard.h) or for the others: it holds the function's machine code, or the
 * stub that compiles it. Compiled code and the trampoline call through it
 * (`call [slot]`, the slot in rax). An instance uses one variant, by its
 * memory 0 (wf_jit_guarded). */
void **wf_jit_entry(wf_jit_module *j, bool guarded, uint32_t i);
/* (A variant's slots are one array: wf_jit_entry(j, g, 0) + i is slot i.) */
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

/* Code for the AOT cache's file is position independent, so that a process
 * maps the file's code as it is, never copying or patching it. It reaches
 * what differs from one process to the next through a table that the
 * loading process places just before the code (the file's layout, jit_aot.c):
 *   WF_JIT_AOT_HELPERS   the helpers' addresses, JH_COUNT words
 *   WF_JIT_AOT_SLOTS     the entry slots of the file's variant, a word per
 *                        defined function
 * and the code starts wf_jit_aot_span(n) bytes after the table (whole
 * pages, so that the table stays read+write and the code read+execute).
 * Helper calls are `call [rip+rel32]`, the callee's slot `lea rax,
 * [rip+rel32]`, and where code freshly compiled for this process embeds the
 * address of an op's internal code (code.h) it holds its tag,
 * wf_jit_pc_tag(word), which the helpers resolve. Each rel32 to the table is
 * a link fixup the file's writer resolves once it has laid the functions
 * out: the 4 bytes at `at` point to the word of
 *   JR_HELPER  helper `arg`
 *   JR_ENTRY   the entry slot of defined function `arg`.
 * Everything else in compiled code is position independent anyway (rel32
 * branches inside the function, rip-relative br_table tables, offsets off
 * the pinned registers). */
enum wf_jit_reloc_kind { JR_HELPER, JR_ENTRY, JR_COUNT };
typedef struct wf_jit_reloc {
    uint32_t at, kind, arg;
} wf_jit_reloc;
#define WF_JIT_AOT_HELPERS 0
#define WF_JIT_AOT_SLOTS 64 /* JH_COUNT words fit before it */
#define WF_JIT_AOT_PAGE 4096
/* the table's span before the code, for n defined functions */
static inline uint64_t wf_jit_aot_span(uint32_t n)
{
    uint64_t t = WF_JIT_AOT_SLOTS + 8 * (uint64_t)n;
    return (t + WF_JIT_AOT_PAGE - 1) / WF_JIT_AOT_PAGE * WF_JIT_AOT_PAGE;
}

/* jit_compile.c: machine code of defined function i of m in a heap buffer;
 * -1 if beyond the compiler. When rel is NULL the code is for this process
 * and runnable wherever it is copied; else it is position independent (see
 * above) and *rel (malloc'd, *nrel of them) lists its link fixups. guarded:
 * for a guarded memory 0, accesses unchecked (their faults become the trap,
 * jit_fault.c). */
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
 * whole module's position-independent machine code, linked to the table
 * it will be mapped after, as one file's bytes (*out malloc'd), keyed by
 * hash (SHA-256 of the module's bytes). Load: check the file (the header
 * against this weft, this CPU, hash and m, the checksum of the header and
 * the function table, every function's extent), place its code after a
 * table of this process's helper addresses and m's entry slots (mapped
 * from fd, read+execute, when fd >= 0 and the kernel allows it, else
 * copied) and hand it to m->jit (set up by wf_jit_compile, nothing
 * compiled yet), whose functions then take their code from there on their
 * first call, each function's checksum checked then; -1 naming the first
 * mismatch, m unchanged. The file's bytes must outlive m: on success m
 * calls release(arg) (unless NULL) when it no longer needs them. */
int wf_jit_aot_build(const wf_module *m, const uint8_t hash[32], uint8_t **out, size_t *len,
                     weft_error **err);
int wf_jit_aot_load(wf_module *m, const uint8_t hash[32], const uint8_t *file, size_t len, int fd,
                    void (*release)(void *), void *arg, weft_error **err);
/* the module hash a file's header names (false: not a file of this
 * format); nothing else of the file is checked */
bool wf_jit_aot_module_hash(const uint8_t *file, size_t len, uint8_t hash[32]);
/* the checksum of n bytes: the file's trailing one (the last 8 bytes,
 * little-endian) is of its header and function table, each function's in
 * the table of its code */
uint64_t wf_jit_aot_checksum(const uint8_t *p, size_t n);
/* the cache key of a module of that hash for this weft and CPU */
void wf_jit_aot_key(const uint8_t hash[32], uint8_t key[32]);
/* A checked file (wf_jit_aot_load): its function table, and its code
 * placed after the table of helper addresses and entry slots. */
typedef struct wf_jit_aot {
    const uint8_t *table;
    uint32_t nfuncs;
    bool guarded; /* compiled for the guarded variant (jit_module.c) */
    bool mapped;  /* the code is the file's pages, not a copy */
    /* table + code: the helpers' words, the entry slots (the variant's own
     * from now on), the code at text */
    uint8_t *region, *text;
    size_t region_size;
    void (*release)(void *arg); /* of the file's bytes, with the module (may be NULL) */
    void *release_arg;
} wf_jit_aot;
/* defined function i's code in a's text, its checksum checked; -1 naming
 * the mismatch */
int wf_jit_aot_func(const wf_jit_aot *a, const wf_module *m, uint32_t i, void **code, size_t *len,
                    weft_error **err);
/* jit_module.c: m's functions take their code from a (owned by j), whose
 * entry slots become the variant's; -1 when j has compiled code already
 * (which points at the old slots). NULL: the file is dropped (its region
 * stays, holding the slots). */
int wf_jit_use_aot(wf_jit_module *j, wf_jit_aot *a, weft_error **err);
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

/* jit_rt.c: what position-independent code (a cache file's) holds where
 * a helper needs word `word` of the function's internal code: its index,
 * tagged (the helpers translate the function when they first need it) */
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
