/* A module in the compiled tier: one entry slot per function, filled on the
 * function's first call (so loading stays as fast as for the interpreter and
 * only code that runs is compiled), the code arena, and the two pieces of
 * machine code every module shares: the trampoline from C and the stub that
 * compiles a function when it is first called.
 *
 * The code comes in two variants, each with its own entry slots: for a
 * guarded memory 0 (guard.h: accesses unchecked, faults turned into traps by
 * jit_fault.c) and for any other (every access checked). Compiled code is
 * shared by every instance of the module, and a memory may come from
 * another module or the host, so each instance picks the variant its memory
 * 0 allows (instance.c, wf_jit_guarded) and calls only into that variant's
 * slots; a variant no instance uses is never compiled. */
#include "wasm/guard.h"
#include "wasm/jit/jit.h"
#include "wasm/jit/jit_perfmap.h"
#include "wasm/jit/x64_emit.h"
#include "util/log.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct wf_jit_module {
    void **entry[2]; /* per variant (checked, guarded): machine code, or the compiling stub */
    uint32_t *len;   /* the guarded variant's code lengths (0: not compiled), for jit_fault.c */
    wf_jit_code_map map;
    uint32_t n, ncompiled;
    size_t code_bytes;
    wf_jit_arena *arena;
    wf_jit_aot *aot; /* the AOT cache's file, when there is one */
    uint32_t nfrom_aot;
    /* the file's table and code (wf_jit_aot.region), kept when the file is
     * dropped: one variant's entry slots live there */
    void *region;
    size_t region_size;
};

#define CTX(field) ((int32_t)offsetof(wf_jit_ctx, field))

static wf_jit_enter_fn enter_fn;
static void *lazy_stub;

/* push the callee-saved registers, switch stacks when asked, load the pinned
 * registers from ctx, call [slot] with the frame in rdi, store fuel back */
static void emit_enter(xbuf *b)
{
    static const int saved[] = {RBP, RBX, R12, R13, R14, R15};
    for (int i = 0; i < 6; i++)
        x_push(b, saved[i]);
    x_mov_rr(b, true, R12, RDX);
    x_mov_rr(b, true, RAX, RSP);
    x_rr(b, 0, true, OPC(0x85), RCX, RCX, false);                /* test rcx, rcx */
    x_byte(b, 0x74), x_byte(b, 4);                               /* jz +4 */
    x_mem(b, 0, true, OPC(0x8D), RSP, RCX, NOIDX, 1, -8, false); /* lea rsp, [rcx-8] */
    x_push(b, RAX);
    x_load64(b, R14, R12, CTX(mem));
    x_load64(b, R13, R14, (int32_t)offsetof(wf_memory, base));
    x_load64(b, R15, R12, CTX(fuel));
    x_load64(b, RBP, R12, CTX(globals));
    x_mov_rr(b, true, RAX, RDI);
    x_mov_rr(b, true, RDI, RSI);
    x_mem(b, 0, false, OPC(0xFF), 2, RAX, NOIDX, 1, 0, false); /* call [rax] */
    x_store64(b, R15, R12, CTX(fuel));
    x_byte(b, 0x5C); /* pop rsp */
    for (int i = 5; i >= 0; i--)
        x_pop(b, saved[i]);
    x_ret(b);
}

/* Reached by `call [slot]` with the slot in rax and the frame in rdi:
 * compile, then jump to the code as if it had been called. */
static void emit_lazy(xbuf *b)
{
    x_push(b, RDI); /* also aligns the stack for the C call */
    x_mov_rr(b, true, RDI, R12);
    x_mov_rr(b, true, RSI, RAX);
    x_mov_imm(b, RAX, (uint64_t)(uintptr_t)wf_jit_lazy);
    x_call_r(b, RAX);
    x_pop(b, RDI);
    x_rr(b, 0, true, OPC(0x85), RAX, RAX, false); /* test rax, rax */
    x_byte(b, 0x74), x_byte(b, 2);                /* jz +2 */
    x_jmp_r(b, RAX);                              /* 2 bytes */
    x_mov_imm(b, RAX, 1);                         /* failed: a trap for the caller */
    x_ret(b);
}

static void build_shared(void)
{
    xbuf b = {0};
    emit_enter(&b);
    while (b.n % 16)
        x_byte(&b, 0xCC);
    size_t lazy_at = b.n;
    emit_lazy(&b);
    size_t mapped;
    weft_error *err = NULL;
    uint8_t *p = wf_jit_map_code(b.p, b.n, &mapped, &err);
    werr_free(err);
    free(b.p);
    if (p) {
        enter_fn = (wf_jit_enter_fn)(void *)p;
        lazy_stub = p + lazy_at;
    }
}

wf_jit_enter_fn wf_jit_enter(void)
{
    if (enter_fn == NULL)
        build_shared();
    return enter_fn;
}

int wf_jit_compile(wf_module *m, weft_error **err)
{
    if (wf_jit_enter() == NULL)
        return werr_set(err, 0, "executable memory is refused");
    uint32_t n = m->n_funcs - m->n_func_imports;
    if (!wf_jit_fits_all(m))
        return werr_set(err, 0, "%s: a function is too large for the compiler", m->name);
    /* the entry slots count against the module's load budget, as its
     * translated code does (the machine code, compiled at run time, does not:
     * see docs/wasm-engine.md) */
    if (!wf_module_charge(m, sizeof(wf_jit_module) + ((uint64_t)n + 1) * (2 * sizeof(void *) + 4)))
        return werr_set(err, 0, "%s: the compiled tier's entry slots exceed the memory budget",
                        m->name);
    wf_jit_arena *arena = NULL;
    if (wf_jit_arena_new(&arena, err) < 0)
        return -1;
    wf_jit_module *jm = xzalloc(sizeof *jm);
    jm->arena = arena;
    /* the entry slots of each variant come with its first use (slots) */
    jm->len = xcalloc(n ? n : 1, sizeof *jm->len);
    jm->n = n;
    jm->map = (wf_jit_code_map){.len = jm->len, .n = n};
    wf_jit_fault_track(&jm->map);
    m->jit = jm;
    return 0;
}

/* A variant's entry slots, each the compiling stub to begin with: made on
 * the variant's first use, since an instance uses one variant and an AOT
 * cache's file brings its own slots. */
static void **slots(wf_jit_module *jm, bool guarded)
{
    if (jm->entry[guarded] == NULL) {
        void **e = xmalloc((jm->n ? jm->n : 1) * sizeof *e);
        for (uint32_t i = 0; i < jm->n; i++)
            e[i] = lazy_stub;
        jm->entry[guarded] = e;
        if (guarded)
            jm->map.entry = e;
    }
    return jm->entry[guarded];
}

/* Functions not validated yet (the AOT cache vouched for the module) are
 * checked when they are translated (compile_one). */
bool wf_jit_fits_all(const wf_module *m)
{
    if (m->n_checked == 0) /* none yet: spare touching every wf_code */
        return true;
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++)
        if (m->codes[i].checked && !wf_jit_fits(m, i))
            return false;
    return true;
}

/* function i's code in the AOT cache's file; false (logged) when its
 * checksum fails, and it is compiled instead */
static bool aot_func(const wf_module *m, uint32_t i, void **code, size_t *len)
{
    weft_error *err = NULL;
    if (wf_jit_aot_func(m->jit->aot, m, i, code, len, &err) == 0)
        return true;
    log_debug("wasm: %s: AOT cache file: %s; compiling it instead", m->name, err->msg);
    werr_free(err);
    return false;
}

bool wf_jit_guarded(wf_memory *const *mems, uint32_t n_mems)
{
    return n_mems == 0 || mems[0]->guarded;
}

bool wf_jit_guarded_expected(const wf_module *m)
{
    return m->n_mems == 0 || wf_guard_probe();
}

/* a function's code is in place: the fault handler learns of the guarded
 * variant's */
static void placed(wf_jit_module *jm, bool guarded, uint32_t i, void *at, size_t len)
{
    slots(jm, guarded)[i] = at;
    if (guarded) {
        jm->len[i] = (uint32_t)len;
        wf_jit_fault_placed(&jm->map, at, len);
    }
}

/* compile defined function i of a variant into the arena and its entry
 * slot, or take its code where the AOT cache's file put it */
static void *compile_one(const wf_module *m, bool guarded, uint32_t i, weft_error **err)
{
    wf_jit_module *jm = m->jit;
    void *at;
    size_t len;
    if (jm->aot && jm->aot->guarded == guarded && i < jm->aot->nfuncs &&
        aot_func(m, i, &at, &len)) {
        jm->nfrom_aot++;
    } else {
        /* from the internal code (translated now; translation fills m's
         * code arena) */
        uint8_t *code;
        if (wf_translate_func((wf_module *)m, i, err) < 0)
            return NULL;
        if (!wf_jit_fits(m, i) || wf_jit_compile_func(m, i, guarded, &code, &len, NULL, NULL) < 0) {
            werr_set(err, 0, "%s: cannot compile function %u", m->name, m->n_func_imports + i);
            return NULL;
        }
        at = wf_jit_arena_add(&jm->arena, code, len, err);
        free(code);
        if (at == NULL)
            return NULL;
    }
    placed(jm, guarded, i, at, len);
    wf_jit_perfmap_placed(m, m->n_func_imports + i, at, len);
    jm->ncompiled++;
    jm->code_bytes += len;
    return at;
}

void *wf_jit_lazy(wf_jit_ctx *ctx, void **slot)
{
    const wf_module *m = ctx->inst->mod;
    void **g = m->jit->entry[1];
    bool guarded = g && slot >= g && slot < g + m->jit->n;
    void *at = compile_one(m, guarded, (uint32_t)(slot - m->jit->entry[guarded]), ctx->err);
    if (at == NULL)
        werr_kind(ctx->err, WF_ERR_LIMIT);
    return at;
}

int wf_jit_take_all(wf_module *m, weft_error **err)
{
    bool guarded = wf_jit_guarded_expected(m);
    for (uint32_t i = 0; i < m->jit->n; i++)
        if (slots(m->jit, guarded)[i] == lazy_stub && compile_one(m, guarded, i, err) == NULL)
            return -1;
    return 0;
}

/* The AOT cache's file needs nothing: its code is executable already, each
 * function taken (its checksum checked) on first call without a system
 * call. */
int wf_jit_compile_all(wf_module *m, weft_error **err)
{
    if (m->jit->aot && m->jit->aot->guarded == wf_jit_guarded_expected(m))
        return 0;
    return wf_jit_take_all(m, err);
}

void wf_jit_free(wf_jit_module *j)
{
    if (j == NULL)
        return;
    if (j->aot)
        log_debug("wasm: %u of %u functions taken from the AOT cache, %u compiled, %zu bytes of "
                  "x86-64 code",
                  j->nfrom_aot, j->n, j->ncompiled - j->nfrom_aot, j->code_bytes);
    else
        log_debug("wasm: %u of %u functions compiled to %zu bytes of x86-64 code", j->ncompiled,
                  j->n, j->code_bytes);
    wf_jit_fault_untrack(&j->map);
    wf_jit_arena_free(j->arena);
    if (j->aot && j->aot->release)
        j->aot->release(j->aot->release_arg);
    free(j->aot);
    for (int v = 0; v < 2; v++)
        if (j->region == NULL || (void *)j->entry[v] != (char *)j->region + WF_JIT_AOT_SLOTS)
            free(j->entry[v]);
    if (j->region)
        munmap(j->region, j->region_size);
    free(j->len);
    free(j);
}

/* Each entry slot of the file's variant moves into the file's table (the
 * file's code calls through it there). Nothing of that variant may have
 * been compiled yet: its code would call through the old slots. */
int wf_jit_use_aot(wf_jit_module *j, wf_jit_aot *a, weft_error **err)
{
    if (a && (j->region || j->ncompiled))
        return werr_set(err, 0, "the module has compiled code already");
    if (j->aot && j->aot->release)
        j->aot->release(j->aot->release_arg);
    free(j->aot);
    j->aot = a;
    if (a == NULL)
        return 0;
    void **table = (void **)(void *)(a->region + WF_JIT_AOT_SLOTS);
    for (uint32_t i = 0; i < j->n; i++) /* nothing is compiled yet */
        table[i] = lazy_stub;
    free(j->entry[a->guarded]);
    j->entry[a->guarded] = table;
    if (a->guarded)
        j->map.entry = table;
    j->region = a->region;
    j->region_size = a->region_size;
    return 0;
}

uint32_t wf_jit_from_aot(const wf_jit_module *j, bool *has_aot)
{
    *has_aot = j->aot != NULL;
    return j->nfrom_aot;
}

const void *wf_jit_helper_addr(enum wf_jit_helper h)
{
    static const void *const addr[JH_COUNT] = {
        [JH_OP] = (const void *)wf_jit_op,
        [JH_CALL] = (const void *)wf_jit_call,
        [JH_CALL_INDIRECT] = (const void *)wf_jit_call_indirect,
        [JH_TRAP] = (const void *)wf_jit_trap,
        [JH_GROW] = (const void *)wf_jit_grow,
    };
    return addr[h];
}

void **wf_jit_entry(wf_jit_module *j, bool guarded, uint32_t i)
{
    return &slots(j, guarded)[i];
}
