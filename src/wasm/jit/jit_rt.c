/* The compiled tier's runtime: entering compiled code from C, the helpers
 * generated code calls (ops without a machine-code template, calls that
 * leave the module or go through a table, traps), and the tier switch. */
#include "wasm/code.h"
#include "wasm/jit/jit.h"
#include "wasm/numeric.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NATIVE_STACK (64u << 20)   /* machine stack of compiled code, touched lazily */
#define NATIVE_MARGIN (256u << 10) /* left for helpers and host functions */

static wf_memory no_memory;

bool wf_jit_enabled(void)
{
#if defined(__x86_64__)
    const char *t = getenv("WEFT_WASM_TIER");
    return t == NULL || strcmp(t, "interp") != 0;
#else
    return false;
#endif
}

/* ---- traps ---- */

static const char *const trap_msgs[JT_COUNT] = {
    [JT_UNREACHABLE] = "unreachable",        [JT_OOB] = "out of bounds memory access",
    [JT_DIV0] = "integer divide by zero",    [JT_OVERFLOW] = "integer overflow",
    [JT_EXHAUSTED] = "call stack exhausted",
};

static int trap_at(wf_jit_ctx *ctx, uint32_t fidx, const char *msg, int kind)
{
    wf_trap_error(ctx->inst->funcs[fidx], msg, kind, ctx->err);
    return 1;
}

void wf_jit_trap(wf_jit_ctx *ctx, uint32_t kind, uint32_t fidx)
{
    if (kind == JT_FUEL) {
        werr_set(ctx->err, 0, "fuel exhausted (in func %u)", fidx);
        werr_kind(ctx->err, WF_ERR_LIMIT);
        return;
    }
    trap_at(ctx, fidx, trap_msgs[kind], kind == JT_EXHAUSTED ? WF_ERR_EXHAUSTED : WF_ERR_TRAP);
}

/* ---- calls ---- */

static void use_instance(wf_jit_ctx *ctx, wf_instance *inst)
{
    ctx->inst = inst;
    ctx->mem = inst->mod->n_mems ? inst->mems[0] : &no_memory;
    ctx->globals = inst->globals;
}

/* callee's args are at nfp; its results go there */
static int call_func(wf_jit_ctx *ctx, wf_func *callee, wf_slot *nfp)
{
    if (callee->host) {
        wf_call call;
        if (wf_host_call(callee, ctx->inst, nfp, &call) < 0)
            return wf_host_error(&call, ctx->err), 1;
        return 0;
    }
    if (callee->jit == NULL) /* a module the interpreter runs */
        return wf_exec_call(ctx->inst->store, callee, nfp, ctx->err) < 0;
    wf_instance *saved = ctx->inst;
    use_instance(ctx, callee->inst);
    int rc = wf_jit_enter()(callee->jit, nfp, ctx, NULL);
    use_instance(ctx, saved);
    return rc;
}

int wf_jit_call(wf_jit_ctx *ctx, wf_slot *nfp, uint32_t callee, uint32_t fidx)
{
    (void)fidx;
    return call_func(ctx, ctx->inst->funcs[callee], nfp);
}

/* Code from the AOT cache's file names the op it hands a helper by its
 * word's index, tagged (2 * index + 1, never a word's address): its
 * function's internal code may not exist yet, nor ever be needed. Resolved
 * here, translating the function on the first such call; NULL with the
 * error recorded when that fails or the index is past the function's code
 * (a forged file: the checksum is no signature). */
static const uint64_t *op_words(wf_jit_ctx *ctx, const uint64_t *pc, uint32_t fidx)
{
    uintptr_t tag = (uintptr_t)pc;
    if (!(tag & 1))
        return pc;
    wf_module *m = (wf_module *)ctx->inst->mod; /* translation fills m's code */
    uint32_t i = fidx - m->n_func_imports;
    if (wf_translate_func(m, i, ctx->err) < 0)
        return NULL;
    if ((tag >> 1) >= m->codes[i].code_len) {
        werr_set(ctx->err, 0, "%s: function %u: AOT code refers past its internal code", m->name,
                 fidx);
        werr_kind(ctx->err, WF_ERR_LIMIT);
        return NULL;
    }
    return m->codes[i].code + (tag >> 1);
}

uint64_t wf_jit_pc_tag(uint32_t word)
{
    return 2 * (uint64_t)word + 1;
}

/* [typeidx][tableidx][base][i] */
int wf_jit_call_indirect(wf_jit_ctx *ctx, wf_slot *fp, const uint64_t *pc, uint32_t fidx)
{
    if ((pc = op_words(ctx, pc, fidx)) == NULL)
        return 1;
    wf_instance *inst = ctx->inst;
    wf_table *t = inst->tables[pc[2]];
    uint32_t i = fp[pc[4]].u32;
    if (i >= t->size)
        return trap_at(ctx, fidx, "undefined element", WF_ERR_TRAP);
    wf_func *callee = t->elems[i];
    if (callee == NULL) {
        char msg[64];
        snprintf(msg, sizeof msg, "uninitialized element %u", i);
        return trap_at(ctx, fidx, msg, WF_ERR_TRAP);
    }
    if (callee->sig != inst->sigs[pc[1]])
        return trap_at(ctx, fidx, "indirect call type mismatch", WF_ERR_TRAP);
    return call_func(ctx, callee, fp + pc[3]);
}

/* ---- entering compiled code ---- */

/* Under a tight RLIMIT_AS a smaller stack is taken (deep recursion then
 * traps earlier), as the interpreter does with its slot stack. */
static int map_native_stack(wf_exec *ex, weft_error **err)
{
    for (size_t size = NATIVE_STACK; size >= 4 * NATIVE_MARGIN; size /= 4) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            continue;
        mprotect(p, 4096, PROT_NONE); /* a guard page under the margin */
        ex->native = p;
        ex->native_bytes = size;
        return 0;
    }
    werr_set(err, errno, "cannot allocate the machine stack of compiled wasm");
    return werr_kind(err, WF_ERR_LIMIT);
}

/* The lowest rsp a compiled function may start with: the frames charged so
 * far (ex->max_frames), at 16 bytes each (return address, saved rbx; the
 * first starts 32 bytes under the top), so direct calls nest exactly as deep
 * as the interpreter's frames; never into the margin left for helpers and
 * host functions. Frames that pass through C helpers are larger and end the
 * recursion sooner. */
static const uint8_t *native_limit(const wf_exec *ex)
{
    uint8_t *top = ex->native + ex->native_bytes;
    uint8_t *floor = ex->native + NATIVE_MARGIN;
    if ((uint64_t)ex->max_frames * 16 + 16 >= ex->native_bytes - NATIVE_MARGIN)
        return floor;
    return top - 16 - (size_t)ex->max_frames * 16;
}

int wf_jit_grow(wf_jit_ctx *ctx, const wf_slot *end, const uint8_t *sp, uint32_t fidx)
{
    wf_exec *ex = ctx->ex;
    /* one frame beyond those charged: wf_exec_extend charges a whole step
     * (or stops at the call-depth limit); the prologue checks again */
    uint64_t frames = sp < ctx->native_limit ? (uint64_t)ex->max_frames + 1 : 0;
    bool ok = wf_exec_extend(ex, frames, end);
    ctx->stack_end = ex->stack_end;
    ctx->native_limit = native_limit(ex);
    if (ok && sp < ctx->native_limit && ctx->native_limit == ex->native + NATIVE_MARGIN) {
        snprintf(ex->why, sizeof ex->why, "call stack exhausted");
        ok = false;
    }
    if (ok)
        return 0;
    return trap_at(ctx, fidx, ex->why, WF_ERR_EXHAUSTED);
}

int wf_jit_run(wf_exec *ex, wf_func *f, weft_error **err)
{
    if (ex->native == NULL && map_native_stack(ex, err) < 0)
        return -1;
    wf_jit_ctx ctx = {
        .stack_end = ex->stack_end,
        .fuel = ex->fuel ? ex->fuel : UINT64_MAX,
        .native_limit = native_limit(ex),
        .store = f->inst->store,
        .ex = ex,
        .err = err,
    };
    use_instance(&ctx, f->inst);
    int rc = wf_jit_enter()(f->jit, ex->stack, &ctx, ex->native + ex->native_bytes);
    return rc ? -1 : 0;
}

/* ---- ops without a template: the interpreter's semantics, one at a time ---- */

#define A fp[pc[2]]
#define B fp[pc[3]]
#define D fp[pc[1]]
#define UN(res, in, expr)                                                                          \
    do {                                                                                           \
        __typeof__(fp[0].in) a = A.in;                                                             \
        D.res = (expr);                                                                            \
        return 0;                                                                                  \
    } while (0)
#define BIN(res, in, expr)                                                                         \
    do {                                                                                           \
        __typeof__(fp[0].in) a = A.in, b = B.in;                                                   \
        (void)a, (void)b;                                                                          \
        D.res = (expr);                                                                            \
        return 0;                                                                                  \
    } while (0)
#define TRAP(msg) return trap_at(ctx, fidx, (msg), WF_ERR_TRAP)
/* float -> int truncation with the checks the spec wants */
#define TRUNC(res, in, T, lo_ok, hi_ok)                                                            \
    do {                                                                                           \
        __typeof__(fp[0].in) x = A.in;                                                             \
        if (x != x)                                                                                \
            TRAP("invalid conversion to integer");                                                 \
        if (!((lo_ok) && (hi_ok)))                                                                 \
            TRAP("integer overflow");                                                              \
        D.res = (T)x;                                                                              \
        return 0;                                                                                  \
    } while (0)

static int mem_op(wf_jit_ctx *ctx, wf_slot *fp, const uint64_t *pc, uint32_t fidx);
static int table_op(wf_jit_ctx *ctx, wf_slot *fp, const uint64_t *pc, uint32_t fidx);

int wf_jit_op(wf_jit_ctx *ctx, wf_slot *fp, const uint64_t *pc, uint32_t fidx)
{
    if ((pc = op_words(ctx, pc, fidx)) == NULL)
        return 1;
    switch (pc[0]) {
    case 0x67:
        UN(u32, u32, a ? (uint32_t)__builtin_clz(a) : 32);
    case 0x68:
        UN(u32, u32, a ? (uint32_t)__builtin_ctz(a) : 32);
    case 0x69:
        UN(u32, u32, (uint32_t)__builtin_popcount(a));
    case 0x79:
        UN(u64, u64, a ? (uint64_t)__builtin_clzll(a) : 64);
    case 0x7a:
        UN(u64, u64, a ? (uint64_t)__builtin_ctzll(a) : 64);
    case 0x7b:
        UN(u64, u64, (uint64_t)__builtin_popcountll(a));
    case 0x8d:
        UN(f32, f32, a != a ? a + a : ceilf(a));
    case 0x8e:
        UN(f32, f32, a != a ? a + a : floorf(a));
    case 0x8f:
        UN(f32, f32, a != a ? a + a : truncf(a));
    case 0x90:
        UN(f32, f32, a != a ? a + a : nearbyintf(a));
    case 0x96:
        BIN(f32, f32, f32_min(a, b));
    case 0x97:
        BIN(f32, f32, f32_max(a, b));
    case 0x98:
        BIN(u32, u32, (a & 0x7fffffffu) | (b & 0x80000000u));
    case 0x9b:
        UN(f64, f64, a != a ? a + a : ceil(a));
    case 0x9c:
        UN(f64, f64, a != a ? a + a : floor(a));
    case 0x9d:
        UN(f64, f64, a != a ? a + a : trunc(a));
    case 0x9e:
        UN(f64, f64, a != a ? a + a : nearbyint(a));
    case 0xa4:
        BIN(f64, f64, f64_min(a, b));
    case 0xa5:
        BIN(f64, f64, f64_max(a, b));
    case 0xa6:
        BIN(u64, u64, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull));
    case 0xa8:
        TRUNC(i32, f32, int32_t, x >= -2147483648.0f, x < 2147483648.0f);
    case 0xa9:
        TRUNC(u32, f32, uint32_t, x > -1.0f, x < 4294967296.0f);
    case 0xaa:
        TRUNC(i32, f64, int32_t, x > -2147483649.0, x < 2147483648.0);
    case 0xab:
        TRUNC(u32, f64, uint32_t, x > -1.0, x < 4294967296.0);
    case 0xae:
        TRUNC(i64, f32, int64_t, x >= -9223372036854775808.0f, x < 9223372036854775808.0f);
    case 0xaf:
        TRUNC(u64, f32, uint64_t, x > -1.0f, x < 18446744073709551616.0f);
    case 0xb0:
        TRUNC(i64, f64, int64_t, x >= -9223372036854775808.0, x < 9223372036854775808.0);
    case 0xb1:
        TRUNC(u64, f64, uint64_t, x > -1.0, x < 18446744073709551616.0);
    case 0xb3:
        UN(f32, u32, (float)a);
    case 0xb5:
        UN(f32, u64, (float)a);
    case 0xb8:
        UN(f64, u32, (double)a);
    case 0xba:
        UN(f64, u64, (double)a);
    case OP_FC + 0:
        UN(i32, f32, sat_i32(a));
    case OP_FC + 1:
        UN(u32, f32, sat_u32(a));
    case OP_FC + 2:
        UN(i32, f64, sat_i32(a));
    case OP_FC + 3:
        UN(u32, f64, sat_u32(a));
    case OP_FC + 4:
        UN(i64, f32, sat_i64(a));
    case OP_FC + 5:
        UN(u64, f32, sat_u64(a));
    case OP_FC + 6:
        UN(i64, f64, sat_i64(a));
    case OP_FC + 7:
        UN(u64, f64, sat_u64(a));
    case OP_REF_IS_NULL:
        UN(u32, ref, a == NULL);
    case OP_REF_FUNC:
        D.ref = ctx->inst->funcs[pc[2]];
        return 0;
    case OP_TABLE_GET:
    case OP_TABLE_SET:
        return table_op(ctx, fp, pc, fidx);
    default:
        return mem_op(ctx, fp, pc, fidx);
    }
}

static int table_op(wf_jit_ctx *ctx, wf_slot *fp, const uint64_t *pc, uint32_t fidx)
{
    wf_instance *inst = ctx->inst;
    const uint64_t *p = pc + 1; /* the interpreter's view: p[0] is the first immediate */
    switch (pc[0]) {
    case OP_TABLE_GET: {
        wf_table *t = inst->tables[p[2]];
        uint32_t i = fp[p[1]].u32;
        if (i >= t->size)
            TRAP("out of bounds table access");
        fp[p[0]].ref = t->elems[i];
        return 0;
    }
    case OP_TABLE_SET: {
        wf_table *t = inst->tables[p[2]];
        uint32_t i = fp[p[0]].u32;
        if (i >= t->size)
            TRAP("out of bounds table access");
        t->elems[i] = fp[p[1]].ref;
        return 0;
    }
    case OP_FC + 12: { /* table.init [d][s][n][seg][table] */
        uint64_t d = fp[p[0]].u32, s = fp[p[1]].u32, n = fp[p[2]].u32;
        uint32_t seg = (uint32_t)p[3];
        wf_table *t = inst->tables[p[4]];
        if (s + n > inst->elem_len[seg] || d + n > t->size)
            TRAP("out of bounds table access");
        memcpy(t->elems + d, inst->elem_refs[seg] + s, n * sizeof(void *));
        return 0;
    }
    case OP_FC + 13:
        inst->elem_len[p[0]] = 0;
        return 0;
    case OP_FC + 14: { /* table.copy [d][s][n][dst table][src table] */
        uint64_t d = fp[p[0]].u32, s = fp[p[1]].u32, n = fp[p[2]].u32;
        wf_table *td = inst->tables[p[3]], *ts = inst->tables[p[4]];
        if (s + n > ts->size || d + n > td->size)
            TRAP("out of bounds table access");
        memmove(td->elems + d, ts->elems + s, n * sizeof(void *));
        return 0;
    }
    case OP_FC + 15: { /* table.grow [dst][init][delta][table] */
        wf_table *t = inst->tables[p[3]];
        int32_t r = wf_table_grow(t, fp[p[2]].u32, fp[p[1]].ref, wf_store_max_table(inst->store));
        fp[p[0]].u64 = (uint32_t)r;
        return 0;
    }
    case OP_FC + 16:
        fp[p[0]].u64 = inst->tables[p[1]]->size;
        return 0;
    case OP_FC + 17: { /* table.fill [d][val][n][table] */
        uint64_t d = fp[p[0]].u32, n = fp[p[2]].u32;
        void *val = fp[p[1]].ref;
        wf_table *t = inst->tables[p[3]];
        if (d + n > t->size)
            TRAP("out of bounds table access");
        for (uint64_t k = 0; k < n; k++)
            t->elems[d + k] = val;
        return 0;
    }
    }
    abort(); /* the compiler sends no other op here */
}

static int mem_op(wf_jit_ctx *ctx, wf_slot *fp, const uint64_t *pc, uint32_t fidx)
{
    wf_instance *inst = ctx->inst;
    wf_memory *m = ctx->mem;
    const uint64_t *p = pc + 1;
    switch (pc[0]) {
    case OP_MEMORY_SIZE:
        fp[p[0]].u64 = m->pages;
        return 0;
    case OP_MEMORY_GROW:
        /* under the budget and the live cap (wf_config.memory_cap), as in the interpreter */
        fp[p[0]].u64 = (uint32_t)wf_store_memory_grow(inst->store, m, fp[p[1]].u32);
        return 0;
    case OP_FC + 8: { /* memory.init [d][s][n][seg] */
        uint64_t d = fp[p[0]].u32, s = fp[p[1]].u32, n = fp[p[2]].u32;
        uint32_t seg = (uint32_t)p[3];
        if (s + n > inst->data_len[seg] || d + n > m->size)
            TRAP("out of bounds memory access");
        memcpy(m->base + d, inst->mod->datas[seg].bytes + s, n);
        return 0;
    }
    case OP_FC + 9:
        inst->data_len[p[0]] = 0;
        return 0;
    case OP_FC + 10: { /* memory.copy [d][s][n] */
        uint64_t d = fp[p[0]].u32, s = fp[p[1]].u32, n = fp[p[2]].u32;
        if (s + n > m->size || d + n > m->size)
            TRAP("out of bounds memory access");
        memmove(m->base + d, m->base + s, n);
        return 0;
    }
    case OP_FC + 11: { /* memory.fill [d][val][n] */
        uint64_t d = fp[p[0]].u32, n = fp[p[2]].u32;
        if (d + n > m->size)
            TRAP("out of bounds memory access");
        memset(m->base + d, (int)(uint8_t)fp[p[1]].u32, n);
        return 0;
    }
    }
    return table_op(ctx, fp, pc, fidx);
}
