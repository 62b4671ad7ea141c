/* The interpreter: runs the internal code of code.h with computed-goto
 * dispatch. The wasm call stack lives on the heap (an array of frames and one
 * array of slots), so deep recursion ends in a trap, never in a host stack
 * overflow. Hot state (pc, fp, memory base and size) lives in locals. */
#include "wasm/code.h"
#include "wasm/exec.h"
#include "wasm/jit/jit.h"
#include "wasm/module.h"
#include "wasm/numeric.h"
#include "util/xalloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define STACK_SLOTS (16u << 20) /* 128 MiB of address space, touched lazily */

struct frame {
    const uint64_t *pc;
    wf_slot *fp;
    wf_func *func;
};

/* steps of the soft ends (exec.h) */
#define SLOT_STEP 2048u /* 16 KiB of slots */
#define FRAME_STEP 512u /* 12 KiB of frames */

static void *map_lazy(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* The wasm stacks, no larger than the budget could pay for. Under a tight
 * RLIMIT_AS smaller ones are taken (deep recursion then traps earlier); NULL
 * if not even a small one fits. */
static wf_exec *exec_new(wf_store *s)
{
    wf_exec *ex = xzalloc(sizeof *ex);
    ex->store = s;
    uint64_t budget_slots = wf_store_budget(s) / sizeof(wf_slot);
    size_t first = budget_slots < STACK_SLOTS ? (size_t)budget_slots : STACK_SLOTS;
    for (size_t slots = first; slots >= 1024 && ex->stack == NULL; slots /= 4) {
        ex->stack = map_lazy(slots * sizeof(wf_slot));
        ex->stack_slots = slots;
    }
    ex->stack_by_budget = first < STACK_SLOTS && ex->stack_slots == first;
    for (uint32_t n = wf_store_max_depth(s); ex->frames == NULL; n /= 4) {
        ex->frames_bytes = (size_t)n * sizeof(struct frame);
        ex->frames = map_lazy(ex->frames_bytes);
        ex->frames_cap = n;
        if (n < 1024)
            break;
    }
    if (ex->stack == NULL || ex->frames == NULL) {
        wf_exec_free(ex);
        return NULL;
    }
    ex->stack_end = ex->stack; /* nothing charged yet */
    return ex;
}

static bool exhausted(wf_exec *ex, bool budget)
{
    if (budget)
        snprintf(ex->why, sizeof ex->why,
                 "call stack exhausted: the stack reached the memory budget of %llu bytes",
                 (unsigned long long)wf_store_budget(ex->store));
    else
        snprintf(ex->why, sizeof ex->why, "call stack exhausted");
    return false;
}

/* Off the hot path: calls come here only when they cross a soft end (the
 * compiled tier's prologues too, through wf_jit_grow). */
bool wf_exec_extend(wf_exec *ex, uint64_t frames, const wf_slot *end)
{
    while (ex->max_frames < frames) {
        if (ex->max_frames >= ex->frames_cap)
            return exhausted(ex, false);
        uint32_t step = ex->frames_cap - ex->max_frames;
        step = step < FRAME_STEP ? step : FRAME_STEP;
        if (!wf_store_charge(ex->store, (uint64_t)step * sizeof(struct frame)))
            return exhausted(ex, true);
        ex->charged += (uint64_t)step * sizeof(struct frame);
        ex->max_frames += step;
    }
    wf_slot *cap = ex->stack + ex->stack_slots;
    while (ex->stack_end < end) {
        if (end > cap)
            return exhausted(ex, ex->stack_by_budget);
        size_t step = (size_t)(cap - ex->stack_end);
        step = step < SLOT_STEP ? step : SLOT_STEP;
        if (!wf_store_charge(ex->store, (uint64_t)step * sizeof(wf_slot)))
            return exhausted(ex, true);
        ex->charged += (uint64_t)step * sizeof(wf_slot);
        ex->stack_end += step;
    }
    return true;
}

void wf_exec_free(wf_exec *ex)
{
    if (ex == NULL)
        return;
    if (ex->store)
        wf_store_release(ex->store, ex->charged);
    if (ex->stack)
        munmap(ex->stack, ex->stack_slots * sizeof(wf_slot));
    if (ex->frames)
        munmap(ex->frames, ex->frames_bytes);
    if (ex->native)
        munmap(ex->native, ex->native_bytes);
    free(ex);
}

/* ---- host calls ---- */

static void slot_to_value(wf_valtype t, wf_slot s, wf_value *v)
{
    v->type = t;
    switch (t) {
    case WF_I32:
    case WF_F32:
        v->of.i32 = s.u32;
        break;
    case WF_FUNCREF:
    case WF_EXTERNREF:
        v->of.ref = s.ref;
        break;
    default:
        v->of.i64 = s.u64;
        break;
    }
}

static wf_slot value_to_slot(const wf_value *v)
{
    wf_slot s = {.u64 = 0};
    switch (v->type) {
    case WF_I32:
    case WF_F32:
        s.u32 = v->of.i32;
        break;
    case WF_FUNCREF:
    case WF_EXTERNREF:
        s.ref = v->of.ref;
        break;
    default:
        s.u64 = v->of.i64;
        break;
    }
    return s;
}

int wf_host_call(wf_func *f, wf_instance *caller, wf_slot *io, wf_call *call)
{
    const wf_functype *ft = f->type;
    wf_value small[16];
    size_t need = (size_t)ft->nparams + ft->nresults;
    wf_value *vals = need <= 16 ? small : xcalloc(need, sizeof *vals);
    wf_value *args = vals, *res = vals + ft->nparams;
    for (uint32_t i = 0; i < ft->nparams; i++)
        slot_to_value(ft->types[i], io[i], &args[i]);
    const wf_valtype *rt = wf_ft_results(ft);
    for (uint32_t i = 0; i < ft->nresults; i++) {
        memset(&res[i], 0, sizeof res[i]);
        res[i].type = rt[i];
    }
    *call = (wf_call){.inst = caller};
    int rc = f->host(call, f->env, args, res);
    if (rc == 0) {
        for (uint32_t i = 0; i < ft->nresults; i++) {
            res[i].type = rt[i];
            io[i] = value_to_slot(&res[i]);
        }
    } else if (call->trap_msg == NULL && !call->exited) {
        call->trap_msg = xstrdup("host function failed");
    }
    if (vals != small)
        free(vals);
    return rc == 0 ? 0 : -1;
}

uint8_t *wf_call_memory(wf_call *call, uint64_t *size)
{
    if (call->inst == NULL || call->inst->mod->n_mems == 0) {
        if (size)
            *size = 0;
        return NULL;
    }
    wf_memory *m = call->inst->mems[0];
    if (size)
        *size = m->size;
    return m->base;
}

wf_instance *wf_call_instance(wf_call *call)
{
    return call->inst;
}

int wf_call_trap(wf_call *call, const char *msg)
{
    free(call->trap_msg);
    call->trap_msg = xstrdup(msg);
    return -1;
}

int wf_call_exit(wf_call *call, int status)
{
    call->exited = true;
    call->status = status;
    return -1;
}

/* ---- the interpreter loop ---- */

static wf_memory no_memory;

int wf_trap_error(wf_func *f, const char *msg, int kind, weft_error **err)
{
    const char *name = f ? wf_func_name(f) : NULL;
    if (f == NULL || f->inst == NULL)
        werr_set(err, 0, "trap: %s", msg);
    else if (name)
        werr_set(err, 0, "trap: %s (in function $%s, func %u)", msg, name, f->idx);
    else
        werr_set(err, 0, "trap: %s (in func %u)", msg, f->idx);
    return werr_kind(err, kind);
}

int wf_host_error(wf_call *call, weft_error **err)
{
    if (call->exited) {
        werr_set(err, 0, "exit status %d", call->status);
        werr_status(err, call->status);
        free(call->trap_msg);
        return werr_kind(err, WF_ERR_EXIT);
    }
    werr_set(err, 0, "trap: %s", call->trap_msg);
    free(call->trap_msg);
    return werr_kind(err, WF_ERR_TRAP);
}

#define NEXT() goto *(const void *)(uintptr_t)(*pc++)
#define TRAP(msg)                                                                                  \
    do {                                                                                           \
        trap_msg = (msg);                                                                          \
        goto trap;                                                                                 \
    } while (0)
#define LOAD_INST()                                                                                \
    do {                                                                                           \
        memobj = inst->mod->n_mems ? inst->mems[0] : &no_memory;                                   \
        mem = memobj->base;                                                                        \
        memsize = memobj->size;                                                                    \
        globals = inst->globals;                                                                   \
    } while (0)

#define S(i) fp[pc[i]]
#define BIN(res, in, expr)                                                                         \
    do {                                                                                           \
        __typeof__(fp[0].in) a = S(1).in, b = S(2).in;                                             \
        (void)a, (void)b;                                                                          \
        S(0).res = (expr);                                                                         \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    } while (0)
#define UN(res, in, expr)                                                                          \
    do {                                                                                           \
        __typeof__(fp[0].in) a = S(1).in;                                                          \
        S(0).res = (expr);                                                                         \
        pc += 2;                                                                                   \
        NEXT();                                                                                    \
    } while (0)

/* [dst][x][y][offset]: address x + y (wrapping, as i32.add) */
#define LOAD2(field, T, N)                                                                         \
    do {                                                                                           \
        uint64_t ea = (uint64_t)(uint32_t)(S(1).u32 + S(2).u32) + pc[3];                           \
        if (ea + (N) > memsize)                                                                    \
            TRAP("out of bounds memory access");                                                   \
        T x;                                                                                       \
        memcpy(&x, mem + ea, N);                                                                   \
        S(0).field = x;                                                                            \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    } while (0)
/* [x][y][val][offset] */
#define STORE2(field, T, N)                                                                        \
    do {                                                                                           \
        uint64_t ea = (uint64_t)(uint32_t)(S(0).u32 + S(1).u32) + pc[3];                           \
        if (ea + (N) > memsize)                                                                    \
            TRAP("out of bounds memory access");                                                   \
        T x = (T)S(2).field;                                                                       \
        memcpy(mem + ea, &x, N);                                                                   \
        pc += 4;                                                                                   \
        NEXT();                                                                                    \
    } while (0)

/* [a][b][off]: fused i32 comparison and branch */
#define BRC(field, cmp)                                                                            \
    do {                                                                                           \
        if (S(0).field cmp S(1).field) {                                                           \
            FUEL();                                                                                \
            pc += 2 + (int64_t)pc[2];                                                              \
        } else {                                                                                   \
            pc += 3;                                                                               \
        }                                                                                          \
        NEXT();                                                                                    \
    } while (0)

/* Every taken branch and call burns one unit of fuel (when a budget is
 * set, else the counter starts out of reach). */
#define FUEL()                                                                                     \
    do {                                                                                           \
        if (__builtin_expect(--fuel == 0, 0))                                                      \
            goto out_of_fuel;                                                                      \
    } while (0)

/* [dst][addr][offset] */
#define LOAD(field, T, N)                                                                          \
    do {                                                                                           \
        uint64_t ea = (uint64_t)S(1).u32 + pc[2];                                                  \
        if (ea + (N) > memsize)                                                                    \
            TRAP("out of bounds memory access");                                                   \
        T x;                                                                                       \
        memcpy(&x, mem + ea, N);                                                                   \
        S(0).field = x;                                                                            \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    } while (0)
/* [addr][val][offset] */
#define STORE(field, T, N)                                                                         \
    do {                                                                                           \
        uint64_t ea = (uint64_t)S(0).u32 + pc[2];                                                  \
        if (ea + (N) > memsize)                                                                    \
            TRAP("out of bounds memory access");                                                   \
        T x = (T)S(1).field;                                                                       \
        memcpy(mem + ea, &x, N);                                                                   \
        pc += 3;                                                                                   \
        NEXT();                                                                                    \
    } while (0)

static const void *const *op_labels;

static int run(wf_exec *ex, wf_func *entry, weft_error **err)
{
/* the catch-all range is overridden per opcode on purpose */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
    static const void *const labels[OP_COUNT] = {
        [0 ... OP_COUNT - 1] = &&op_bad,
        [0x0] = &&op_unreachable,
        [0x4] = &&op_br_unless,
        [0xc] = &&op_br,
        [0xd] = &&op_br_if,
        [0xe] = &&op_br_table,
        [0xf] = &&op_return,
        [0x10] = &&op_call,
        [0x11] = &&op_call_indirect,
        [0x1b] = &&op_select,
        [0x21] = &&op_copy,
        [0x23] = &&op_global_get,
        [0x24] = &&op_global_set,
        [0x25] = &&op_table_get,
        [0x26] = &&op_table_set,
        [0x28] = &&op_i32_load,
        [0x29] = &&op_i64_load,
        [0x2a] = &&op_f32_load,
        [0x2b] = &&op_f64_load,
        [0x2c] = &&op_i32_load8_s,
        [0x2d] = &&op_i32_load8_u,
        [0x2e] = &&op_i32_load16_s,
        [0x2f] = &&op_i32_load16_u,
        [0x30] = &&op_i64_load8_s,
        [0x31] = &&op_i64_load8_u,
        [0x32] = &&op_i64_load16_s,
        [0x33] = &&op_i64_load16_u,
        [0x34] = &&op_i64_load32_s,
        [0x35] = &&op_i64_load32_u,
        [0x36] = &&op_i32_store,
        [0x37] = &&op_i64_store,
        [0x38] = &&op_f32_store,
        [0x39] = &&op_f64_store,
        [0x3a] = &&op_i32_store8,
        [0x3b] = &&op_i32_store16,
        [0x3c] = &&op_i64_store8,
        [0x3d] = &&op_i64_store16,
        [0x3e] = &&op_i64_store32,
        [0x3f] = &&op_memory_size,
        [0x40] = &&op_memory_grow,
        [0x41] = &&op_const,
        [0x45] = &&op_i32_eqz,
        [0x46] = &&op_i32_eq,
        [0x47] = &&op_i32_ne,
        [0x48] = &&op_i32_lt_s,
        [0x49] = &&op_i32_lt_u,
        [0x4a] = &&op_i32_gt_s,
        [0x4b] = &&op_i32_gt_u,
        [0x4c] = &&op_i32_le_s,
        [0x4d] = &&op_i32_le_u,
        [0x4e] = &&op_i32_ge_s,
        [0x4f] = &&op_i32_ge_u,
        [0x50] = &&op_i64_eqz,
        [0x51] = &&op_i64_eq,
        [0x52] = &&op_i64_ne,
        [0x53] = &&op_i64_lt_s,
        [0x54] = &&op_i64_lt_u,
        [0x55] = &&op_i64_gt_s,
        [0x56] = &&op_i64_gt_u,
        [0x57] = &&op_i64_le_s,
        [0x58] = &&op_i64_le_u,
        [0x59] = &&op_i64_ge_s,
        [0x5a] = &&op_i64_ge_u,
        [0x5b] = &&op_f32_eq,
        [0x5c] = &&op_f32_ne,
        [0x5d] = &&op_f32_lt,
        [0x5e] = &&op_f32_gt,
        [0x5f] = &&op_f32_le,
        [0x60] = &&op_f32_ge,
        [0x61] = &&op_f64_eq,
        [0x62] = &&op_f64_ne,
        [0x63] = &&op_f64_lt,
        [0x64] = &&op_f64_gt,
        [0x65] = &&op_f64_le,
        [0x66] = &&op_f64_ge,
        [0x67] = &&op_i32_clz,
        [0x68] = &&op_i32_ctz,
        [0x69] = &&op_i32_popcnt,
        [0x6a] = &&op_i32_add,
        [0x6b] = &&op_i32_sub,
        [0x6c] = &&op_i32_mul,
        [0x6d] = &&op_i32_div_s,
        [0x6e] = &&op_i32_div_u,
        [0x6f] = &&op_i32_rem_s,
        [0x70] = &&op_i32_rem_u,
        [0x71] = &&op_i32_and,
        [0x72] = &&op_i32_or,
        [0x73] = &&op_i32_xor,
        [0x74] = &&op_i32_shl,
        [0x75] = &&op_i32_shr_s,
        [0x76] = &&op_i32_shr_u,
        [0x77] = &&op_i32_rotl,
        [0x78] = &&op_i32_rotr,
        [0x79] = &&op_i64_clz,
        [0x7a] = &&op_i64_ctz,
        [0x7b] = &&op_i64_popcnt,
        [0x7c] = &&op_i64_add,
        [0x7d] = &&op_i64_sub,
        [0x7e] = &&op_i64_mul,
        [0x7f] = &&op_i64_div_s,
        [0x80] = &&op_i64_div_u,
        [0x81] = &&op_i64_rem_s,
        [0x82] = &&op_i64_rem_u,
        [0x83] = &&op_i64_and,
        [0x84] = &&op_i64_or,
        [0x85] = &&op_i64_xor,
        [0x86] = &&op_i64_shl,
        [0x87] = &&op_i64_shr_s,
        [0x88] = &&op_i64_shr_u,
        [0x89] = &&op_i64_rotl,
        [0x8a] = &&op_i64_rotr,
        [0x8b] = &&op_f32_abs,
        [0x8c] = &&op_f32_neg,
        [0x8d] = &&op_f32_ceil,
        [0x8e] = &&op_f32_floor,
        [0x8f] = &&op_f32_trunc,
        [0x90] = &&op_f32_nearest,
        [0x91] = &&op_f32_sqrt,
        [0x92] = &&op_f32_add,
        [0x93] = &&op_f32_sub,
        [0x94] = &&op_f32_mul,
        [0x95] = &&op_f32_div,
        [0x96] = &&op_f32_min,
        [0x97] = &&op_f32_max,
        [0x98] = &&op_f32_copysign,
        [0x99] = &&op_f64_abs,
        [0x9a] = &&op_f64_neg,
        [0x9b] = &&op_f64_ceil,
        [0x9c] = &&op_f64_floor,
        [0x9d] = &&op_f64_trunc,
        [0x9e] = &&op_f64_nearest,
        [0x9f] = &&op_f64_sqrt,
        [0xa0] = &&op_f64_add,
        [0xa1] = &&op_f64_sub,
        [0xa2] = &&op_f64_mul,
        [0xa3] = &&op_f64_div,
        [0xa4] = &&op_f64_min,
        [0xa5] = &&op_f64_max,
        [0xa6] = &&op_f64_copysign,
        [0xa7] = &&op_i32_wrap_i64,
        [0xa8] = &&op_i32_trunc_f32_s,
        [0xa9] = &&op_i32_trunc_f32_u,
        [0xaa] = &&op_i32_trunc_f64_s,
        [0xab] = &&op_i32_trunc_f64_u,
        [0xac] = &&op_i64_extend_i32_s,
        [0xad] = &&op_i64_extend_i32_u,
        [0xae] = &&op_i64_trunc_f32_s,
        [0xaf] = &&op_i64_trunc_f32_u,
        [0xb0] = &&op_i64_trunc_f64_s,
        [0xb1] = &&op_i64_trunc_f64_u,
        [0xb2] = &&op_f32_convert_i32_s,
        [0xb3] = &&op_f32_convert_i32_u,
        [0xb4] = &&op_f32_convert_i64_s,
        [0xb5] = &&op_f32_convert_i64_u,
        [0xb6] = &&op_f32_demote_f64,
        [0xb7] = &&op_f64_convert_i32_s,
        [0xb8] = &&op_f64_convert_i32_u,
        [0xb9] = &&op_f64_convert_i64_s,
        [0xba] = &&op_f64_convert_i64_u,
        [0xbb] = &&op_f64_promote_f32,
        [0xbc] = &&op_nop_reinterpret,
        [0xbd] = &&op_nop_reinterpret,
        [0xbe] = &&op_nop_reinterpret,
        [0xbf] = &&op_nop_reinterpret,
        [0xc0] = &&op_i32_extend8_s,
        [0xc1] = &&op_i32_extend16_s,
        [0xc2] = &&op_i64_extend8_s,
        [0xc3] = &&op_i64_extend16_s,
        [0xc4] = &&op_i64_extend32_s,
        [0xd1] = &&op_ref_is_null,
        [0xd2] = &&op_ref_func,
        [0x100] = &&op_i32_trunc_sat_f32_s,
        [0x101] = &&op_i32_trunc_sat_f32_u,
        [0x102] = &&op_i32_trunc_sat_f64_s,
        [0x103] = &&op_i32_trunc_sat_f64_u,
        [0x104] = &&op_i64_trunc_sat_f32_s,
        [0x105] = &&op_i64_trunc_sat_f32_u,
        [0x106] = &&op_i64_trunc_sat_f64_s,
        [0x107] = &&op_i64_trunc_sat_f64_u,
        [0x108] = &&op_memory_init,
        [0x109] = &&op_data_drop,
        [0x10a] = &&op_memory_copy,
        [0x10b] = &&op_memory_fill,
        [0x10c] = &&op_table_init,
        [0x10d] = &&op_elem_drop,
        [0x10e] = &&op_table_copy,
        [0x10f] = &&op_table_grow,
        [0x110] = &&op_table_size,
        [0x111] = &&op_table_fill,
        [0x120] = &&op_br_adj,
        [0x121] = &&op_br_if_adj,
        [0x130] = &&op_brc_eq,
        [0x131] = &&op_brc_ne,
        [0x132] = &&op_brc_lt_s,
        [0x133] = &&op_brc_lt_u,
        [0x134] = &&op_brc_gt_s,
        [0x135] = &&op_brc_gt_u,
        [0x136] = &&op_brc_le_s,
        [0x137] = &&op_brc_le_u,
        [0x138] = &&op_brc_ge_s,
        [0x139] = &&op_brc_ge_u,
        [0x140] = &&op_i32_load_x,
        [0x141] = &&op_i64_load_x,
        [0x142] = &&op_f32_load_x,
        [0x143] = &&op_f64_load_x,
        [0x144] = &&op_i32_load8_s_x,
        [0x145] = &&op_i32_load8_u_x,
        [0x146] = &&op_i32_load16_s_x,
        [0x147] = &&op_i32_load16_u_x,
        [0x148] = &&op_i64_load8_s_x,
        [0x149] = &&op_i64_load8_u_x,
        [0x14a] = &&op_i64_load16_s_x,
        [0x14b] = &&op_i64_load16_u_x,
        [0x14c] = &&op_i64_load32_s_x,
        [0x14d] = &&op_i64_load32_u_x,
        [0x14e] = &&op_i32_store_x,
        [0x14f] = &&op_i64_store_x,
        [0x150] = &&op_f32_store_x,
        [0x151] = &&op_f64_store_x,
        [0x152] = &&op_i32_store8_x,
        [0x153] = &&op_i32_store16_x,
        [0x154] = &&op_i64_store8_x,
        [0x155] = &&op_i64_store16_x,
        [0x156] = &&op_i64_store32_x,
    };
#pragma GCC diagnostic pop
    if (ex == NULL) { /* asked for the handler table only */
        op_labels = labels;
        return 0;
    }
    struct frame *frames = ex->frames;
    uint32_t depth = 0, max_frames = ex->max_frames;
    wf_func *func = entry;
    wf_instance *inst = entry->inst;
    wf_memory *memobj;
    uint8_t *mem;
    uint64_t memsize;
    wf_global **globals;
    const char *trap_msg = NULL;
    char trap_buf[64];
    int trap_kind = WF_ERR_TRAP;
    uint64_t fuel = ex->fuel ? ex->fuel : UINT64_MAX;
    wf_call call;
    LOAD_INST();

    const wf_code *code = entry->code;
    wf_slot *fp = ex->stack;
    if (fp + code->max_height > ex->stack_end && !wf_exec_extend(ex, 0, fp + code->max_height)) {
        trap_kind = WF_ERR_EXHAUSTED;
        TRAP(ex->why);
    }
    memset(fp + entry->type->nparams, 0, (code->nlocals - entry->type->nparams) * sizeof(wf_slot));
    for (uint32_t k = 0; k < code->npool; k++)
        fp[code->nlocals + k].u64 = code->pool[k];
    const uint64_t *pc = code->code;
    NEXT();

    /* ---- control ---- */
op_unreachable:
    TRAP("unreachable");
op_br:
    FUEL();
    pc += (int64_t)*pc;
    NEXT();
op_br_if:
    if (S(0).u32) {
        FUEL();
        pc += 1 + (int64_t)pc[1];
    } else {
        pc += 2;
    }
    NEXT();
op_br_unless:
    if (!S(0).u32) {
        FUEL();
        pc += 1 + (int64_t)pc[1];
    } else {
        pc += 2;
    }
    NEXT();
op_br_if_adj:
    if (!S(0).u32) {
        pc += 5;
        NEXT();
    }
    pc++;
    /* fall through */
op_br_adj:
    FUEL();
    memmove(fp + pc[3], fp + pc[2], pc[1] * sizeof(wf_slot));
    pc += (int64_t)*pc;
    NEXT();
op_brc_eq:
    BRC(u32, ==);
op_brc_ne:
    BRC(u32, !=);
op_brc_lt_s:
    BRC(i32, <);
op_brc_lt_u:
    BRC(u32, <);
op_brc_gt_s:
    BRC(i32, >);
op_brc_gt_u:
    BRC(u32, >);
op_brc_le_s:
    BRC(i32, <=);
op_brc_le_u:
    BRC(u32, <=);
op_brc_ge_s:
    BRC(i32, >=);
op_brc_ge_u:
    BRC(u32, >=);
op_br_table : {
    FUEL();
    uint32_t i = S(0).u32, n = (uint32_t)pc[1];
    if (i > n)
        i = n;
    const uint64_t *e = pc + 2 + 4 * (size_t)i;
    if (e[1])
        memmove(fp + e[3], fp + e[2], e[1] * sizeof(wf_slot));
    pc = e + (int64_t)e[0];
    NEXT();
}
op_return : {
    uint32_t n = (uint32_t)pc[0];
    wf_slot *src = fp + pc[1];
    for (uint32_t i = 0; i < n; i++)
        fp[i] = src[i];
    if (depth == 0)
        return 0;
    struct frame *fr = &frames[--depth];
    pc = fr->pc;
    fp = fr->fp;
    func = fr->func;
    if (func->inst != inst) {
        inst = func->inst;
        LOAD_INST();
    } else {
        memsize = memobj->size;
    }
    NEXT();
}
op_call : {
    wf_func *callee = inst->funcs[pc[0]];
    wf_slot *nfp = fp + pc[1];
    uint32_t np;
    pc += 2;
do_call:
    np = callee->nparams;
    if (callee->entry == NULL && callee->jit == NULL && callee->host == NULL) {
        /* first call of a function not translated yet */
        if (wf_func_ready(callee, err) < 0)
            return -1;
    }
    if (callee->entry == NULL) {
        if (callee->host == NULL) { /* compiled: its tier runs it */
            if (wf_exec_call(inst->store, callee, nfp, err) < 0)
                return -1;
            mem = memobj->base;
        } else if (wf_host_call(callee, inst, nfp, &call) < 0) {
            goto host_fail;
        }
        memsize = memobj->size;
        NEXT();
    }
    if (depth + 1 >= max_frames || nfp + callee->max_height > ex->stack_end) {
        if (!wf_exec_extend(ex, (uint64_t)depth + 2, nfp + callee->max_height)) {
            trap_kind = WF_ERR_EXHAUSTED;
            TRAP(ex->why);
        }
        max_frames = ex->max_frames;
    }
    FUEL();
    frames[depth++] = (struct frame){pc, fp, func};
    {
        wf_slot *l = nfp + np, *e = nfp + callee->nlocals;
        while (l < e)
            (l++)->u64 = 0;
        for (uint32_t k = 0; k < callee->npool; k++)
            e[k].u64 = callee->pool[k];
    }
    fp = nfp;
    pc = callee->entry;
    func = callee;
    if (callee->inst != inst) {
        inst = callee->inst;
        LOAD_INST();
    }
    NEXT();
op_call_indirect:;
    uint32_t ti = (uint32_t)pc[0];
    wf_table *t = inst->tables[pc[1]];
    nfp = fp + pc[2];
    uint32_t i = S(3).u32;
    pc += 4;
    if (i >= t->size)
        TRAP("undefined element");
    callee = t->elems[i];
    if (callee == NULL) {
        snprintf(trap_buf, sizeof trap_buf, "uninitialized element %u", i);
        TRAP(trap_buf);
    }
    if (callee->sig != inst->sigs[ti])
        TRAP("indirect call type mismatch");
    goto do_call;
}

    /* ---- parametric, variables ---- */
op_select:
    S(0) = S(3).u32 ? S(1) : S(2);
    pc += 4;
    NEXT();
op_copy:
    S(0) = S(1);
    pc += 2;
    NEXT();
op_global_get:
    S(0) = globals[pc[1]]->val;
    pc += 2;
    NEXT();
op_global_set:
    globals[pc[1]]->val = S(0);
    pc += 2;
    NEXT();
op_table_get : {
    wf_table *t = inst->tables[pc[2]];
    uint32_t i = S(1).u32;
    if (i >= t->size)
        TRAP("out of bounds table access");
    S(0).ref = t->elems[i];
    pc += 3;
    NEXT();
}
op_table_set : {
    wf_table *t = inst->tables[pc[2]];
    uint32_t i = S(0).u32;
    if (i >= t->size)
        TRAP("out of bounds table access");
    t->elems[i] = S(1).ref;
    pc += 3;
    NEXT();
}
op_const:
    S(0).u64 = pc[1];
    pc += 2;
    NEXT();
op_ref_is_null:
    UN(u32, ref, a == NULL);
op_ref_func:
    S(0).ref = inst->funcs[pc[1]];
    pc += 2;
    NEXT();

    /* ---- memory ---- */
op_i32_load:
    LOAD(u32, uint32_t, 4);
op_i64_load:
    LOAD(u64, uint64_t, 8);
op_f32_load:
    LOAD(u32, uint32_t, 4);
op_f64_load:
    LOAD(u64, uint64_t, 8);
op_i32_load8_s:
    LOAD(i32, int8_t, 1);
op_i32_load8_u:
    LOAD(u32, uint8_t, 1);
op_i32_load16_s:
    LOAD(i32, int16_t, 2);
op_i32_load16_u:
    LOAD(u32, uint16_t, 2);
op_i64_load8_s:
    LOAD(i64, int8_t, 1);
op_i64_load8_u:
    LOAD(u64, uint8_t, 1);
op_i64_load16_s:
    LOAD(i64, int16_t, 2);
op_i64_load16_u:
    LOAD(u64, uint16_t, 2);
op_i64_load32_s:
    LOAD(i64, int32_t, 4);
op_i64_load32_u:
    LOAD(u64, uint32_t, 4);
op_i32_store:
    STORE(u32, uint32_t, 4);
op_i64_store:
    STORE(u64, uint64_t, 8);
op_f32_store:
    STORE(u32, uint32_t, 4);
op_f64_store:
    STORE(u64, uint64_t, 8);
op_i32_store8:
    STORE(u32, uint8_t, 1);
op_i32_store16:
    STORE(u32, uint16_t, 2);
op_i64_store8:
    STORE(u64, uint8_t, 1);
op_i64_store16:
    STORE(u64, uint16_t, 2);
op_i64_store32:
    STORE(u64, uint32_t, 4);
op_i32_load_x:
    LOAD2(u32, uint32_t, 4);
op_i64_load_x:
    LOAD2(u64, uint64_t, 8);
op_f32_load_x:
    LOAD2(u32, uint32_t, 4);
op_f64_load_x:
    LOAD2(u64, uint64_t, 8);
op_i32_load8_s_x:
    LOAD2(i32, int8_t, 1);
op_i32_load8_u_x:
    LOAD2(u32, uint8_t, 1);
op_i32_load16_s_x:
    LOAD2(i32, int16_t, 2);
op_i32_load16_u_x:
    LOAD2(u32, uint16_t, 2);
op_i64_load8_s_x:
    LOAD2(i64, int8_t, 1);
op_i64_load8_u_x:
    LOAD2(u64, uint8_t, 1);
op_i64_load16_s_x:
    LOAD2(i64, int16_t, 2);
op_i64_load16_u_x:
    LOAD2(u64, uint16_t, 2);
op_i64_load32_s_x:
    LOAD2(i64, int32_t, 4);
op_i64_load32_u_x:
    LOAD2(u64, uint32_t, 4);
op_i32_store_x:
    STORE2(u32, uint32_t, 4);
op_i64_store_x:
    STORE2(u64, uint64_t, 8);
op_f32_store_x:
    STORE2(u32, uint32_t, 4);
op_f64_store_x:
    STORE2(u64, uint64_t, 8);
op_i32_store8_x:
    STORE2(u32, uint8_t, 1);
op_i32_store16_x:
    STORE2(u32, uint16_t, 2);
op_i64_store8_x:
    STORE2(u64, uint8_t, 1);
op_i64_store16_x:
    STORE2(u64, uint16_t, 2);
op_i64_store32_x:
    STORE2(u64, uint32_t, 4);
op_memory_size:
    S(0).u64 = memobj->pages;
    pc += 1;
    NEXT();
op_memory_grow:
    S(0).u64 = (uint32_t)wf_store_memory_grow(inst->store, memobj, S(1).u32);
    mem = memobj->base;
    memsize = memobj->size;
    pc += 2;
    NEXT();

    /* ---- i32 ---- */
op_i32_eqz:
    UN(u32, u32, a == 0);
op_i32_eq:
    BIN(u32, u32, a == b);
op_i32_ne:
    BIN(u32, u32, a != b);
op_i32_lt_s:
    BIN(u32, i32, a < b);
op_i32_lt_u:
    BIN(u32, u32, a < b);
op_i32_gt_s:
    BIN(u32, i32, a > b);
op_i32_gt_u:
    BIN(u32, u32, a > b);
op_i32_le_s:
    BIN(u32, i32, a <= b);
op_i32_le_u:
    BIN(u32, u32, a <= b);
op_i32_ge_s:
    BIN(u32, i32, a >= b);
op_i32_ge_u:
    BIN(u32, u32, a >= b);
    /* ---- i64 compare ---- */
op_i64_eqz:
    UN(u32, u64, a == 0);
op_i64_eq:
    BIN(u32, u64, a == b);
op_i64_ne:
    BIN(u32, u64, a != b);
op_i64_lt_s:
    BIN(u32, i64, a < b);
op_i64_lt_u:
    BIN(u32, u64, a < b);
op_i64_gt_s:
    BIN(u32, i64, a > b);
op_i64_gt_u:
    BIN(u32, u64, a > b);
op_i64_le_s:
    BIN(u32, i64, a <= b);
op_i64_le_u:
    BIN(u32, u64, a <= b);
op_i64_ge_s:
    BIN(u32, i64, a >= b);
op_i64_ge_u:
    BIN(u32, u64, a >= b);
    /* ---- float compare ---- */
op_f32_eq:
    BIN(u32, f32, a == b);
op_f32_ne:
    BIN(u32, f32, a != b);
op_f32_lt:
    BIN(u32, f32, a < b);
op_f32_gt:
    BIN(u32, f32, a > b);
op_f32_le:
    BIN(u32, f32, a <= b);
op_f32_ge:
    BIN(u32, f32, a >= b);
op_f64_eq:
    BIN(u32, f64, a == b);
op_f64_ne:
    BIN(u32, f64, a != b);
op_f64_lt:
    BIN(u32, f64, a < b);
op_f64_gt:
    BIN(u32, f64, a > b);
op_f64_le:
    BIN(u32, f64, a <= b);
op_f64_ge:
    BIN(u32, f64, a >= b);
    /* ---- i32 arithmetic ---- */
op_i32_clz:
    UN(u32, u32, a ? (uint32_t)__builtin_clz(a) : 32);
op_i32_ctz:
    UN(u32, u32, a ? (uint32_t)__builtin_ctz(a) : 32);
op_i32_popcnt:
    UN(u32, u32, (uint32_t)__builtin_popcount(a));
op_i32_add:
    BIN(u32, u32, a + b);
op_i32_sub:
    BIN(u32, u32, a - b);
op_i32_mul:
    BIN(u32, u32, a * b);
op_i32_div_s:
    if (S(2).i32 == 0)
        TRAP("integer divide by zero");
    if (S(2).i32 == -1 && S(1).i32 == INT32_MIN)
        TRAP("integer overflow");
    BIN(i32, i32, a / b);
op_i32_div_u:
    if (S(2).u32 == 0)
        TRAP("integer divide by zero");
    BIN(u32, u32, a / b);
op_i32_rem_s:
    if (S(2).i32 == 0)
        TRAP("integer divide by zero");
    BIN(i32, i32, b == -1 ? 0 : a % b);
op_i32_rem_u:
    if (S(2).u32 == 0)
        TRAP("integer divide by zero");
    BIN(u32, u32, a % b);
op_i32_and:
    BIN(u32, u32, a & b);
op_i32_or:
    BIN(u32, u32, a | b);
op_i32_xor:
    BIN(u32, u32, a ^ b);
op_i32_shl:
    BIN(u32, u32, a << (b & 31));
op_i32_shr_s:
    BIN(i32, i32, a >> (b & 31));
op_i32_shr_u:
    BIN(u32, u32, a >> (b & 31));
op_i32_rotl:
    BIN(u32, u32, rotl32(a, b));
op_i32_rotr:
    BIN(u32, u32, rotr32(a, b));
    /* ---- i64 arithmetic ---- */
op_i64_clz:
    UN(u64, u64, a ? (uint64_t)__builtin_clzll(a) : 64);
op_i64_ctz:
    UN(u64, u64, a ? (uint64_t)__builtin_ctzll(a) : 64);
op_i64_popcnt:
    UN(u64, u64, (uint64_t)__builtin_popcountll(a));
op_i64_add:
    BIN(u64, u64, a + b);
op_i64_sub:
    BIN(u64, u64, a - b);
op_i64_mul:
    BIN(u64, u64, a * b);
op_i64_div_s:
    if (S(2).i64 == 0)
        TRAP("integer divide by zero");
    if (S(2).i64 == -1 && S(1).i64 == INT64_MIN)
        TRAP("integer overflow");
    BIN(i64, i64, a / b);
op_i64_div_u:
    if (S(2).u64 == 0)
        TRAP("integer divide by zero");
    BIN(u64, u64, a / b);
op_i64_rem_s:
    if (S(2).i64 == 0)
        TRAP("integer divide by zero");
    BIN(i64, i64, b == -1 ? 0 : a % b);
op_i64_rem_u:
    if (S(2).u64 == 0)
        TRAP("integer divide by zero");
    BIN(u64, u64, a % b);
op_i64_and:
    BIN(u64, u64, a & b);
op_i64_or:
    BIN(u64, u64, a | b);
op_i64_xor:
    BIN(u64, u64, a ^ b);
op_i64_shl:
    BIN(u64, u64, a << (b & 63));
op_i64_shr_s:
    BIN(i64, i64, a >> (b & 63));
op_i64_shr_u:
    BIN(u64, u64, a >> (b & 63));
op_i64_rotl:
    BIN(u64, u64, rotl64(a, b));
op_i64_rotr:
    BIN(u64, u64, rotr64(a, b));
    /* ---- f32 arithmetic ---- */
op_f32_abs:
    UN(u32, u32, a & 0x7fffffffu);
op_f32_neg:
    UN(u32, u32, a ^ 0x80000000u);
op_f32_ceil:
    UN(f32, f32, a != a ? a + a : ceilf(a));
op_f32_floor:
    UN(f32, f32, a != a ? a + a : floorf(a));
op_f32_trunc:
    UN(f32, f32, a != a ? a + a : truncf(a));
op_f32_nearest:
    UN(f32, f32, a != a ? a + a : nearbyintf(a));
op_f32_sqrt:
    UN(f32, f32, sqrtf(a));
op_f32_add:
    BIN(f32, f32, a + b);
op_f32_sub:
    BIN(f32, f32, a - b);
op_f32_mul:
    BIN(f32, f32, a * b);
op_f32_div:
    BIN(f32, f32, a / b);
op_f32_min:
    BIN(f32, f32, f32_min(a, b));
op_f32_max:
    BIN(f32, f32, f32_max(a, b));
op_f32_copysign:
    BIN(u32, u32, (a & 0x7fffffffu) | (b & 0x80000000u));
    /* ---- f64 arithmetic ---- */
op_f64_abs:
    UN(u64, u64, a & 0x7fffffffffffffffull);
op_f64_neg:
    UN(u64, u64, a ^ 0x8000000000000000ull);
op_f64_ceil:
    UN(f64, f64, a != a ? a + a : ceil(a));
op_f64_floor:
    UN(f64, f64, a != a ? a + a : floor(a));
op_f64_trunc:
    UN(f64, f64, a != a ? a + a : trunc(a));
op_f64_nearest:
    UN(f64, f64, a != a ? a + a : nearbyint(a));
op_f64_sqrt:
    UN(f64, f64, sqrt(a));
op_f64_add:
    BIN(f64, f64, a + b);
op_f64_sub:
    BIN(f64, f64, a - b);
op_f64_mul:
    BIN(f64, f64, a * b);
op_f64_div:
    BIN(f64, f64, a / b);
op_f64_min:
    BIN(f64, f64, f64_min(a, b));
op_f64_max:
    BIN(f64, f64, f64_max(a, b));
op_f64_copysign:
    BIN(u64, u64, (a & 0x7fffffffffffffffull) | (b & 0x8000000000000000ull));
    /* ---- conversions ---- */
op_i32_wrap_i64:
    UN(u64, u64, (uint32_t)a);
op_i32_trunc_f32_s : {
    float x = S(1).f32;
    if (x != x)
        TRAP("invalid conversion to integer");
    if (!(x >= -2147483648.0f && x < 2147483648.0f))
        TRAP("integer overflow");
    S(0).i32 = (int32_t)x;
    pc += 2;
    NEXT();
}
op_i32_trunc_f32_u : {
    float x = S(1).f32;
    if (x != x)
        TRAP("invalid conversion to integer");
    if (!(x > -1.0f && x < 4294967296.0f))
        TRAP("integer overflow");
    S(0).u32 = (uint32_t)x;
    pc += 2;
    NEXT();
}
op_i32_trunc_f64_s : {
    double x = S(1).f64;
    if (x != x)
        TRAP("invalid conversion to integer");
    if (!(x > -2147483649.0 && x < 2147483648.0))
        TRAP("integer overflow");
    S(0).i32 = (int32_t)x;
    pc += 2;
    NEXT();
}
op_i32_trunc_f64_u : {
    double x = S(1).f64;
    if (x != x)
        TRAP("invalid conversion to integer");
    if (!(x > -1.0 && x < 4294967296.0))
        TRAP("integer overflow");
    S(0).u32 = (uint32_t)x;
    pc += 2;
    NEXT();
}
op_i64_extend_i32_s:
    UN(i64, i32, (int64_t)a);
op_i64_extend_i32_u:
    UN(u64, u32, (uint64_t)a);
op_i64_trunc_f32_s : {
    float x = S(1).f32;
    if (x != x)
        TRAP("invalid conversion to integer");
    if (!(x >= -9223372036854775808.0f && x < 9223372036854775808.0f))
        TRAP("integer overflow");
    S(0).i64 = (int64_t)x;
    pc += 2;
    NEXT();
}
op_i64_trunc_f32_u : {
    float x = S(1).f32;
    if (x != x)
        TRAP("invalid conversion to integer");
    if (!(x > -1.0f && x < 18446744073709551616.0f))
        TRAP("integer overflow");
    S(0).u64 = (uint64_t)x;
    pc += 2;
    NEXT();
}
op_i64_trunc_f64_s : {
    double x = S(1).f64;
    if (x != x)
        TRAP("invalid conversion to integer");
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
        TRAP("integer overflow");
    S(0).i64 = (int64_t)x;
    pc += 2;
    NEXT();
}
op_i64_trunc_f64_u : {
    double x = S(1).f64;
    if (x != x)
        TRAP("invalid conversion to integer");
    if (!(x > -1.0 && x < 18446744073709551616.0))
        TRAP("integer overflow");
    S(0).u64 = (uint64_t)x;
    pc += 2;
    NEXT();
}
op_f32_convert_i32_s:
    UN(f32, i32, (float)a);
op_f32_convert_i32_u:
    UN(f32, u32, (float)a);
op_f32_convert_i64_s:
    UN(f32, i64, (float)a);
op_f32_convert_i64_u:
    UN(f32, u64, (float)a);
op_f32_demote_f64:
    UN(f32, f64, (float)a);
op_f64_convert_i32_s:
    UN(f64, i32, (double)a);
op_f64_convert_i32_u:
    UN(f64, u32, (double)a);
op_f64_convert_i64_s:
    UN(f64, i64, (double)a);
op_f64_convert_i64_u:
    UN(f64, u64, (double)a);
op_f64_promote_f32:
    UN(f64, f32, (double)a);
op_nop_reinterpret:
    UN(u64, u64, a);
op_i32_extend8_s:
    UN(i32, u32, (int32_t)(int8_t)a);
op_i32_extend16_s:
    UN(i32, u32, (int32_t)(int16_t)a);
op_i64_extend8_s:
    UN(i64, u64, (int64_t)(int8_t)a);
op_i64_extend16_s:
    UN(i64, u64, (int64_t)(int16_t)a);
op_i64_extend32_s:
    UN(i64, u64, (int64_t)(int32_t)a);
    /* ---- saturating truncation ---- */
op_i32_trunc_sat_f32_s:
    UN(i32, f32, sat_i32(a));
op_i32_trunc_sat_f32_u:
    UN(u32, f32, sat_u32(a));
op_i32_trunc_sat_f64_s:
    UN(i32, f64, sat_i32(a));
op_i32_trunc_sat_f64_u:
    UN(u32, f64, sat_u32(a));
op_i64_trunc_sat_f32_s:
    UN(i64, f32, sat_i64(a));
op_i64_trunc_sat_f32_u:
    UN(u64, f32, sat_u64(a));
op_i64_trunc_sat_f64_s:
    UN(i64, f64, sat_i64(a));
op_i64_trunc_sat_f64_u:
    UN(u64, f64, sat_u64(a));

    /* ---- bulk memory and tables ---- */
op_memory_init : {
    uint64_t d = S(0).u32, s = S(1).u32, n = S(2).u32;
    uint32_t seg = (uint32_t)pc[3];
    pc += 4;
    if (s + n > inst->data_len[seg] || d + n > memsize)
        TRAP("out of bounds memory access");
    memcpy(mem + d, inst->mod->datas[seg].bytes + s, n);
    NEXT();
}
op_data_drop:
    inst->data_len[pc[0]] = 0;
    pc += 1;
    NEXT();
op_memory_copy : {
    uint64_t d = S(0).u32, s = S(1).u32, n = S(2).u32;
    pc += 3;
    if (s + n > memsize || d + n > memsize)
        TRAP("out of bounds memory access");
    memmove(mem + d, mem + s, n);
    NEXT();
}
op_memory_fill : {
    uint64_t d = S(0).u32, n = S(2).u32;
    int val = (int)(uint8_t)S(1).u32;
    pc += 3;
    if (d + n > memsize)
        TRAP("out of bounds memory access");
    memset(mem + d, val, n);
    NEXT();
}
op_table_init : {
    uint64_t d = S(0).u32, s = S(1).u32, n = S(2).u32;
    uint32_t seg = (uint32_t)pc[3];
    wf_table *t = inst->tables[pc[4]];
    pc += 5;
    if (s + n > inst->elem_len[seg] || d + n > t->size)
        TRAP("out of bounds table access");
    memcpy(t->elems + d, inst->elem_refs[seg] + s, n * sizeof(void *));
    NEXT();
}
op_elem_drop:
    inst->elem_len[pc[0]] = 0;
    pc += 1;
    NEXT();
op_table_copy : {
    uint64_t d = S(0).u32, s = S(1).u32, n = S(2).u32;
    wf_table *td = inst->tables[pc[3]], *ts = inst->tables[pc[4]];
    pc += 5;
    if (s + n > ts->size || d + n > td->size)
        TRAP("out of bounds table access");
    memmove(td->elems + d, ts->elems + s, n * sizeof(void *));
    NEXT();
}
op_table_grow : {
    wf_table *t = inst->tables[pc[3]];
    int32_t r = wf_table_grow(t, S(2).u32, S(1).ref, wf_store_max_table(inst->store));
    S(0).u64 = (uint32_t)r;
    pc += 4;
    NEXT();
}
op_table_size:
    S(0).u64 = inst->tables[pc[1]]->size;
    pc += 2;
    NEXT();
op_table_fill : {
    uint64_t d = S(0).u32, n = S(2).u32;
    void *val = S(1).ref;
    wf_table *t = inst->tables[pc[3]];
    pc += 4;
    if (d + n > t->size)
        TRAP("out of bounds table access");
    for (uint64_t k = 0; k < n; k++)
        t->elems[d + k] = val;
    NEXT();
}
op_bad:
    abort();

trap:
    return wf_trap_error(func, trap_msg, trap_kind, err);
out_of_fuel:
    werr_set(err, 0, "fuel exhausted (in func %u)", func->idx);
    return werr_kind(err, WF_ERR_LIMIT);
host_fail:
    return wf_host_error(&call, err);
}

void wf_interp_thread(wf_code *c)
{
    if (op_labels == NULL)
        run(NULL, NULL, NULL);
    for (size_t k = 0; k < c->nops; k++)
        c->code[c->ops[k]] = (uint64_t)(uintptr_t)op_labels[c->code[c->ops[k]]];
}

/* Functions not translated yet are threaded when they are (on first call). */
void wf_interp_prepare(wf_module *m)
{
    m->threaded = true;
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++) {
        if (m->codes[i].code != NULL)
            wf_interp_thread(&m->codes[i]);
    }
}

int wf_exec_call(wf_store *s, wf_func *f, wf_slot *io, weft_error **err)
{
    if (f->host) {
        wf_call call;
        if (wf_host_call(f, NULL, io, &call) < 0)
            return wf_host_error(&call, err);
        return 0;
    }
    void **cache = wf_store_exec_cache(s);
    wf_exec *ex = *cache;
    bool temp = false;
    if (ex == NULL) {
        ex = exec_new(s);
        *cache = ex;
    } else if (ex->busy) { /* a host function re-entered the engine */
        ex = exec_new(s);
        temp = true;
    }
    if (ex == NULL) {
        werr_set(err, 0, "cannot allocate the wasm call stack");
        return werr_kind(err, WF_ERR_LIMIT);
    }
    if (f->jit == NULL && f->entry == NULL && wf_func_ready(f, err) < 0) {
        if (temp)
            wf_exec_free(ex);
        return -1;
    }
    /* the frame's height from the code: f's own copy is set on its first
     * call (instance.c), never for a compiled function */
    if ((f->code ? f->code->max_height : f->max_height) >= ex->stack_slots) {
        if (temp)
            wf_exec_free(ex);
        werr_set(err, 0, "trap: call stack exhausted");
        return werr_kind(err, WF_ERR_EXHAUSTED);
    }
    ex->busy = true;
    ex->fuel = wf_store_max_fuel(s);
    memcpy(ex->stack, io, f->type->nparams * sizeof(wf_slot));
    int rc = f->jit ? wf_jit_run(ex, f, err) : run(ex, f, err);
    if (rc == 0)
        memcpy(io, ex->stack, f->type->nresults * sizeof(wf_slot));
    ex->busy = false;
    if (temp)
        wf_exec_free(ex);
    return rc;
}
