/* Validation of function bodies and their one-pass translation into the
 * register-style internal code of code.h.
 *
 * The spec's operand/control stack algorithm runs as usual; each operand
 * entry also records WHERE its value lives: in its home slot (locals count +
 * stack position), or still in a local when it came from local.get (the copy
 * is deferred, so `local.get` costs nothing). Deferred entries are
 * materialised into their home slots when that local is overwritten, before
 * calls and branches that carry them, and at block boundaries. */
#include "wasm/code.h"
#include "wasm/features.h"
#include "wasm/leb.h"
#include "wasm/module.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_UNKNOWN ((wf_valtype)0)
#define NO_PATCH SIZE_MAX
#define PEND_MAX 32

enum ctl_kind { C_BLOCK, C_LOOP, C_IF, C_ELSE, C_FUNC };

typedef struct ctl {
    enum ctl_kind kind;
    uint32_t nparams, nresults;
    const wf_valtype *params, *results;
    uint32_t height; /* operand count at entry (params excluded) */
    bool unreachable;
    size_t loop_pc;    /* loop: code index of the start */
    size_t patch;      /* head of the forward-branch patch chain */
    size_t else_patch; /* if: the BR_UNLESS offset word */
} ctl;

typedef struct opnd {
    wf_valtype t;
    uint32_t loc; /* slot holding the value */
} opnd;

/* Buffers one translation fills, kept from one function to the next (a
 * module of 200,000 functions would otherwise allocate them 200,000 times). */
typedef struct fv_scratch {
    opnd *vals;
    size_t capvals;
    ctl *ctls;
    size_t capctls;
    uint64_t *code;
    size_t capcode;
    size_t *ops;
    size_t capops;
} fv_scratch;

typedef struct fv {
    wf_module *m;
    /* validate only: nothing is emitted (only counted: ncode and nops bound
     * what the translation will take), no instruction is fused */
    bool check_only;
    wf_code *c;
    uint32_t fidx;
    wf_reader r;
    const char *err;
    size_t err_off;
    char errbuf[96];
    const uint8_t *instr; /* start of the instruction being validated */
    opnd *vals;
    size_t nvals, capvals;
    /* positions of the deferred entries, ascending; capped so that every
     * scan for them is O(1) whatever the module does */
    size_t pend[PEND_MAX];
    uint32_t npend;
    ctl *ctls;
    size_t nctls, capctls;
    uint64_t *code;
    size_t ncode, capcode;
    size_t *ops; /* code indices of opcode words (kept in wf_code) */
    size_t nops, capops;
    uint32_t max_height;
    uint32_t base; /* first operand-stack slot: locals + constant pool */
    /* constants kept in frame slots (copied in at each call) instead of
     * being materialised by instructions; pass 1 collects them */
    const uint64_t *pool;
    uint32_t npool;
    uint64_t seen[WF_POOL_MAX];
    uint32_t nseen;
    /* the last instruction's result slot word may be retargeted by a
     * following local.set/tee when nothing jumps in between */
    size_t fold_dst, fold_end;
} fv;

static const wf_valtype one_type[256] = {
    [WF_I32] = WF_I32,
    [WF_I64] = WF_I64,
    [WF_F32] = WF_F32,
    [WF_F64] = WF_F64,
    [WF_V128] = WF_V128,
    [WF_FUNCREF] = WF_FUNCREF,
    [WF_EXTERNREF] = WF_EXTERNREF,
};

static bool fail(fv *v, const char *msg)
{
    if (v->err == NULL) {
        v->err = msg;
        v->err_off = (size_t)(v->instr - v->r.base);
    }
    return false;
}

/* "type mismatch: expected i32, got i64" */
static bool fail_mismatch(fv *v, wf_valtype want, wf_valtype got)
{
    if (v->err != NULL)
        return false;
    snprintf(v->errbuf, sizeof v->errbuf, "type mismatch: expected %s, got %s",
             wf_valtype_name(want), wf_valtype_name(got));
    return fail(v, v->errbuf);
}

/* ---- code emission ---- */

/* The buffers grow out of line: emit and push run for every instruction,
 * and stay small enough to be inlined. */
static __attribute__((noinline)) void grow(void **p, size_t *cap, size_t size)
{
    *cap = *cap ? *cap * 2 : 64;
    *p = xreallocarray(*p, *cap, size);
}

static inline size_t emit(fv *v, uint64_t w)
{
    if (v->check_only)
        return v->ncode++;
    if (v->ncode == v->capcode)
        grow((void **)&v->code, &v->capcode, sizeof *v->code);
    v->code[v->ncode] = w;
    return v->ncode++;
}

static inline size_t emit_op(fv *v, unsigned op)
{
    if (v->check_only) {
        v->nops++;
        return v->ncode++;
    }
    if (v->nops == v->capops)
        grow((void **)&v->ops, &v->capops, sizeof *v->ops);
    v->ops[v->nops++] = v->ncode;
    return emit(v, op);
}

/* A jump target is placed here: no folding across it. */
static void label_here(fv *v)
{
    v->fold_end = NO_PATCH;
}

static uint32_t home(fv *v, size_t pos)
{
    return v->base + (uint32_t)pos;
}

/* ---- operand stack ---- */

static void materialize_all(fv *v);

static void pend_remove(fv *v, size_t pos)
{
    for (uint32_t k = v->npend; k-- > 0;) {
        if (v->pend[k] == pos) {
            memmove(&v->pend[k], &v->pend[k + 1], (v->npend - k - 1) * sizeof *v->pend);
            v->npend--;
            return;
        }
    }
}

/* drop the stack to n entries (unreachable code, end of a block) */
static void truncate_vals(fv *v, size_t n)
{
    while (v->npend > 0 && v->pend[v->npend - 1] >= n)
        v->npend--;
    v->nvals = n;
}

static inline void push_at(fv *v, wf_valtype t, uint32_t loc)
{
    if (loc != home(v, v->nvals)) {
        if (v->npend == PEND_MAX)
            materialize_all(v);
        v->pend[v->npend++] = v->nvals;
    }
    if (v->nvals == v->capvals)
        grow((void **)&v->vals, &v->capvals, sizeof *v->vals);
    v->vals[v->nvals++] = (opnd){t, loc};
    uint32_t h = v->base + (uint32_t)v->nvals;
    if (h > v->max_height)
        v->max_height = h;
}

/* push a result computed into its home slot; returns that slot */
static uint32_t push(fv *v, wf_valtype t)
{
    uint32_t slot = home(v, v->nvals);
    push_at(v, t, slot);
    return slot;
}

static opnd pop(fv *v)
{
    ctl *c = &v->ctls[v->nctls - 1];
    if (v->nvals == c->height) {
        if (!c->unreachable)
            fail(v, "type mismatch: a value is missing");
        return (opnd){T_UNKNOWN, home(v, v->nvals)};
    }
    opnd o = v->vals[--v->nvals];
    if (o.loc != home(v, v->nvals))
        pend_remove(v, v->nvals);
    return o;
}

/* pops and checks; the type is returned as is (T_UNKNOWN for bottom) */
static opnd pop_check(fv *v, wf_valtype want)
{
    opnd o = pop(v);
    if (o.t != want && o.t != T_UNKNOWN && want != T_UNKNOWN)
        fail_mismatch(v, want, o.t);
    return o;
}

/* pops an operand of type `want` and returns the slot holding it */
static uint32_t use(fv *v, wf_valtype want)
{
    return pop_check(v, want).loc;
}

static void pop_vals(fv *v, const wf_valtype *ts, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        pop_check(v, ts[i]);
}

static void push_vals(fv *v, const wf_valtype *ts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        push(v, ts[i]);
}

static void emit_copy(fv *v, uint32_t dst, uint32_t src)
{
    emit_op(v, OP_COPY);
    emit(v, dst);
    emit(v, src);
}

/* copy a deferred entry (pend[k]) into its home slot */
static void materialize_at(fv *v, uint32_t k)
{
    size_t pos = v->pend[k];
    uint32_t h = home(v, pos);
    emit_copy(v, h, v->vals[pos].loc);
    v->vals[pos].loc = h;
    memmove(&v->pend[k], &v->pend[k + 1], (v->npend - k - 1) * sizeof *v->pend);
    v->npend--;
}

/* the top n entries */
static void materialize_top(fv *v, uint32_t n)
{
    size_t lo = v->nvals > n ? v->nvals - n : 0;
    while (v->npend > 0 && v->pend[v->npend - 1] >= lo)
        materialize_at(v, v->npend - 1);
}

static void materialize_all(fv *v)
{
    while (v->npend > 0)
        materialize_at(v, v->npend - 1);
}

/* before local `idx` is overwritten: entries still reading it get copies */
static bool materialize_local(fv *v, uint32_t idx)
{
    bool any = false;
    for (uint32_t k = v->npend; k-- > 0;) {
        if (v->vals[v->pend[k]].loc == idx) {
            materialize_at(v, k);
            any = true;
        }
    }
    return any;
}

/* an instruction writing one result into `dst` (a word just emitted) */
static void foldable(fv *v, size_t dst_word)
{
    v->fold_dst = dst_word;
    v->fold_end = v->ncode;
}

/* A conditional branch on `cond` (just popped): when the last instruction
 * was the i32 comparison computing it, remove that instruction and hand its
 * opcode and operands to the caller for a fused compare-and-branch. */
static bool take_last(fv *v, uint32_t slot, unsigned lo, unsigned hi, unsigned *op, uint32_t *a,
                      uint32_t *b)
{
    if (v->check_only || v->fold_end != v->ncode || slot != home(v, v->nvals) || v->nops == 0)
        return false;
    size_t at = v->fold_dst - 1;
    unsigned cop = (unsigned)v->code[at];
    if (cop < lo || cop > hi || v->code[at + 1] != slot || v->ops[v->nops - 1] != at)
        return false;
    *op = cop;
    *a = (uint32_t)v->code[at + 2];
    *b = cop == 0x45 ? 0 : (uint32_t)v->code[at + 3];
    v->ncode = at;
    v->nops--;
    v->fold_end = NO_PATCH;
    return true;
}

static bool take_compare(fv *v, uint32_t cond, unsigned *op, uint32_t *a, uint32_t *b)
{
    return take_last(v, cond, 0x45, 0x4f, op, a, b);
}

/* Emits the fused branch for comparison `cop` (negated when `unless`);
 * returns the index of its offset word. */
static size_t emit_fused(fv *v, unsigned cop, uint32_t a, uint32_t b, bool unless)
{
    /* eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u, and their negations */
    static const uint8_t negate[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
    if (cop == 0x45) { /* eqz */
        emit_op(v, unless ? OP_BR_IF : OP_BR_UNLESS);
        emit(v, a);
        return emit(v, NO_PATCH);
    }
    unsigned k = cop - 0x46;
    emit_op(v, OP_BRC + (unless ? negate[k] : k));
    emit(v, a);
    emit(v, b);
    return emit(v, NO_PATCH);
}

static void push_ctl(fv *v, enum ctl_kind kind, const wf_valtype *params, uint32_t np,
                     const wf_valtype *results, uint32_t nr)
{
    if (v->nctls == v->capctls) {
        v->capctls = v->capctls ? v->capctls * 2 : 16;
        v->ctls = xreallocarray(v->ctls, v->capctls, sizeof *v->ctls);
    }
    ctl *c = &v->ctls[v->nctls++];
    *c = (ctl){.kind = kind,
               .nparams = np,
               .nresults = nr,
               .params = params,
               .results = results,
               .height = (uint32_t)v->nvals,
               .loop_pc = v->ncode,
               .patch = NO_PATCH,
               .else_patch = NO_PATCH};
}

static void set_unreachable(fv *v)
{
    ctl *c = &v->ctls[v->nctls - 1];
    truncate_vals(v, c->height);
    c->unreachable = true;
}

static void label_types(const ctl *c, const wf_valtype **ts, uint32_t *n)
{
    if (c->kind == C_LOOP) {
        *ts = c->params, *n = c->nparams;
    } else {
        *ts = c->results, *n = c->nresults;
    }
}

static uint32_t label_arity(const ctl *c)
{
    return c->kind == C_LOOP ? c->nparams : c->nresults;
}

/* Emit the offset word of a branch to label `c`. */
static void emit_target(fv *v, ctl *c)
{
    size_t at = v->ncode;
    if (c->kind == C_LOOP) {
        emit(v, (uint64_t)((int64_t)c->loop_pc - (int64_t)at));
    } else {
        emit(v, c->patch);
        c->patch = at;
    }
}

/* The stack move a branch to `c` needs: values at from..from+arity go to
 * to..to+arity. Returns false when they are already in place. */
static bool branch_move(fv *v, ctl *c, uint32_t *arity, uint32_t *from, uint32_t *to)
{
    *arity = label_arity(c);
    *to = v->base + c->height;
    *from = home(v, v->nvals >= *arity ? v->nvals - *arity : 0);
    return *from != *to && *arity != 0;
}

static void emit_branch(fv *v, ctl *c, uint64_t op_plain, uint64_t op_adj, int64_t cond)
{
    uint32_t arity, from, to;
    bool adj = branch_move(v, c, &arity, &from, &to);
    emit_op(v, adj ? op_adj : op_plain);
    if (cond >= 0)
        emit(v, (uint64_t)cond);
    emit_target(v, c);
    if (adj) {
        emit(v, arity);
        emit(v, from);
        emit(v, to);
    }
}

static void patch_chain(fv *v, size_t head, size_t target)
{
    if (v->check_only)
        return;
    while (head != NO_PATCH) {
        size_t next = (size_t)v->code[head];
        v->code[head] = (uint64_t)((int64_t)target - (int64_t)head);
        head = next;
    }
}

/* ---- immediates ---- */

static uint32_t rd_idx(fv *v)
{
    return wf_rd_u32(&v->r);
}

static bool rd_blocktype(fv *v, const wf_valtype **params, uint32_t *np, const wf_valtype **results,
                         uint32_t *nr)
{
    int64_t bt = wf_rd_sleb(&v->r, 33);
    if (v->r.err)
        return false;
    *params = NULL, *np = 0, *results = NULL, *nr = 0;
    if (bt == -64)
        return true;
    if (bt < 0) {
        uint8_t b = (uint8_t)(bt & 0x7f);
        if (b != WF_I32 && b != WF_I64 && b != WF_F32 && b != WF_F64 && b != WF_FUNCREF &&
            b != WF_EXTERNREF) {
            wf_rd_fail(&v->r,
                       b == WF_V128 ? "uses SIMD (a v128 block type)" : "malformed value type");
            return false;
        }
        *results = &one_type[b], *nr = 1;
        return true;
    }
    if ((uint64_t)bt >= v->m->n_types)
        return fail(v, "unknown type");
    const wf_functype *ft = &v->m->types[bt];
    *params = ft->types, *np = ft->nparams;
    *results = wf_ft_results(ft), *nr = ft->nresults;
    return true;
}

static bool zero_byte(fv *v)
{
    uint8_t b = wf_rd_u8(&v->r);
    if (!v->r.err && b != 0) {
        v->r.p--;
        wf_rd_fail(&v->r, "zero byte expected");
    }
    return !v->r.err;
}

static bool need_memory(fv *v)
{
    if (v->m->n_mems == 0)
        return fail(v, "unknown memory 0");
    return true;
}

/* ---- numeric signatures: "ab:c" = pops a, b (b on top), pushes c ---- */

static const char *numeric_sig(unsigned op)
{
    if (op == 0x45)
        return "i:i";
    if (op >= 0x46 && op <= 0x4f)
        return "ii:i";
    if (op == 0x50)
        return "I:i";
    if (op >= 0x51 && op <= 0x5a)
        return "II:i";
    if (op >= 0x5b && op <= 0x60)
        return "ff:i";
    if (op >= 0x61 && op <= 0x66)
        return "FF:i";
    if (op >= 0x67 && op <= 0x69)
        return "i:i";
    if (op >= 0x6a && op <= 0x78)
        return "ii:i";
    if (op >= 0x79 && op <= 0x7b)
        return "I:I";
    if (op >= 0x7c && op <= 0x8a)
        return "II:I";
    if (op >= 0x8b && op <= 0x91)
        return "f:f";
    if (op >= 0x92 && op <= 0x98)
        return "ff:f";
    if (op >= 0x99 && op <= 0x9f)
        return "F:F";
    if (op >= 0xa0 && op <= 0xa6)
        return "FF:F";
    static const char *const conv[] = {
        "I:i", "f:i", "f:i", "F:i", "F:i", "i:I", "i:I", "f:I", "f:I", "F:I",
        "F:I", "i:f", "i:f", "I:f", "I:f", "F:f", "i:F", "i:F", "I:F", "I:F",
        "f:F", "f:i", "F:I", "i:f", "I:F", "i:i", "i:i", "I:I", "I:I", "I:I",
    };
    if (op >= 0xa7 && op <= 0xc4)
        return conv[op - 0xa7];
    static const char *const sat[] = {"f:i", "f:i", "F:i", "F:i", "f:I", "f:I", "F:I", "F:I"};
    if (op >= OP_FC && op <= OP_FC + 7)
        return sat[op - OP_FC];
    return NULL;
}

static wf_valtype letter_type(char c)
{
    switch (c) {
    case 'i':
        return WF_I32;
    case 'I':
        return WF_I64;
    case 'f':
        return WF_F32;
    default:
        return WF_F64;
    }
}

/* [op][dst][a] or [op][dst][a][b] */
static void apply_sig(fv *v, unsigned op, const char *sig)
{
    uint32_t src[2] = {0, 0};
    int n = sig[1] == ':' ? 1 : 2;
    for (int i = n; i-- > 0;)
        src[i] = use(v, letter_type(sig[i]));
    uint32_t dst = push(v, letter_type(sig[n + 1]));
    emit_op(v, op);
    size_t at = emit(v, dst);
    for (int i = 0; i < n; i++)
        emit(v, src[i]);
    foldable(v, at);
}

/* ---- control ---- */

static bool op_block(fv *v, enum ctl_kind kind)
{
    const wf_valtype *ps, *rs;
    uint32_t np, nr;
    if (!rd_blocktype(v, &ps, &np, &rs, &nr))
        return false;
    uint32_t cond = 0, a = 0, b = 0;
    unsigned cop = 0;
    bool fused = false;
    if (kind == C_IF) {
        cond = use(v, WF_I32);
        fused = take_compare(v, cond, &cop, &a, &b);
    }
    /* nothing deferred may cross a block boundary: paths must agree */
    materialize_all(v);
    pop_vals(v, ps, np);
    push_ctl(v, kind, ps, np, rs, nr);
    push_vals(v, ps, np);
    if (kind == C_IF && fused) {
        v->ctls[v->nctls - 1].else_patch = emit_fused(v, cop, a, b, true);
    } else if (kind == C_IF) {
        emit_op(v, OP_BR_UNLESS);
        emit(v, cond);
        v->ctls[v->nctls - 1].else_patch = emit(v, NO_PATCH);
    }
    label_here(v);
    return true;
}

/* Checks the frame's results at else/end; leaves them in their home slots. */
static bool close_results(fv *v, ctl *c)
{
    materialize_top(v, c->nresults);
    pop_vals(v, c->results, c->nresults);
    if (v->nvals != c->height)
        return fail(v, "type mismatch: values left on the stack");
    return true;
}

static bool op_end(fv *v)
{
    ctl *c = &v->ctls[v->nctls - 1];
    if (!close_results(v, c))
        return false;
    if (c->kind == C_IF) {
        /* an if without else: the empty else must turn params into results
         * (reachable, whatever the then-branch ended with) */
        c->unreachable = false;
        push_vals(v, c->params, c->nparams);
        pop_vals(v, c->results, c->nresults);
        if (v->nvals != c->height)
            return fail(v, "type mismatch: values left on the stack");
        patch_chain(v, c->else_patch, v->ncode);
    }
    patch_chain(v, c->patch, v->ncode);
    label_here(v);
    if (c->kind == C_FUNC) {
        emit_op(v, OP_RETURN);
        emit(v, c->nresults);
        emit(v, home(v, c->height));
    }
    ctl done = *c;
    v->nctls--;
    truncate_vals(v, done.height);
    push_vals(v, done.results, done.nresults);
    return true;
}

static bool op_else(fv *v)
{
    ctl *c = &v->ctls[v->nctls - 1];
    if (c->kind != C_IF)
        return fail(v, "else without if");
    if (!close_results(v, c))
        return false;
    emit_op(v, OP_BR);
    emit_target(v, c);
    patch_chain(v, c->else_patch, v->ncode);
    label_here(v);
    c->else_patch = NO_PATCH;
    c->kind = C_ELSE;
    c->unreachable = false;
    push_vals(v, c->params, c->nparams);
    return true;
}

static bool op_branch(fv *v, uint8_t op)
{
    uint32_t l = rd_idx(v);
    if (v->r.err)
        return false;
    if (l >= v->nctls)
        return fail(v, "unknown label");
    ctl *c = &v->ctls[v->nctls - 1 - l];
    const wf_valtype *ts;
    uint32_t n;
    label_types(c, &ts, &n);
    if (op == 0x0c) {
        materialize_top(v, n);
        emit_branch(v, c, OP_BR, OP_BR_ADJ, -1);
        pop_vals(v, ts, n);
        set_unreachable(v);
        return true;
    }
    uint32_t cond = use(v, WF_I32), a, b, arity, from, to;
    unsigned cop;
    bool fused = !branch_move(v, c, &arity, &from, &to) && take_compare(v, cond, &cop, &a, &b);
    materialize_top(v, n);
    pop_vals(v, ts, n);
    push_vals(v, ts, n); /* checked, and in their home slots */
    if (!fused) {
        emit_branch(v, c, OP_BR_IF, OP_BR_IF_ADJ, cond);
        return true;
    }
    size_t at = emit_fused(v, cop, a, b, false);
    if (c->kind == C_LOOP) {
        v->code[at] = (uint64_t)((int64_t)c->loop_pc - (int64_t)at);
    } else {
        v->code[at] = c->patch;
        c->patch = at;
    }
    return true;
}

static bool op_br_table(fv *v)
{
    uint32_t n = wf_rd_count(&v->r, 1);
    if (v->r.err)
        return false;
    uint32_t *labels = xcalloc((size_t)n + 1, sizeof *labels);
    for (uint32_t i = 0; i <= n && !v->r.err; i++)
        labels[i] = rd_idx(v);
    if (v->r.err) {
        free(labels);
        return false;
    }
    uint32_t idx = use(v, WF_I32);
    for (uint32_t i = 0; i <= n; i++) {
        if (labels[i] >= v->nctls) {
            free(labels);
            return fail(v, "unknown label");
        }
    }
    const wf_valtype *dts;
    uint32_t arity;
    label_types(&v->ctls[v->nctls - 1 - labels[n]], &dts, &arity);
    materialize_top(v, arity);
    emit_op(v, OP_BR_TABLE);
    emit(v, idx);
    emit(v, n);
    for (uint32_t i = 0; i <= n; i++) {
        ctl *c = &v->ctls[v->nctls - 1 - labels[i]];
        const wf_valtype *ts;
        uint32_t na, from, to;
        label_types(c, &ts, &na);
        if (na != arity) {
            free(labels);
            return fail(v, "type mismatch");
        }
        /* check, then restore the operand stack against this label */
        opnd *copy = xmalloc((size_t)na * sizeof *copy + 1);
        for (uint32_t k = na; k-- > 0;)
            copy[k] = pop_check(v, ts[k]);
        for (uint32_t k = 0; k < na; k++)
            push_at(v, copy[k].t, copy[k].loc);
        free(copy);
        branch_move(v, c, &na, &from, &to);
        emit_target(v, c);
        emit(v, na);
        emit(v, from);
        emit(v, to);
    }
    free(labels);
    pop_vals(v, dts, arity);
    set_unreachable(v);
    return true;
}

static bool op_return(fv *v)
{
    ctl *f = &v->ctls[0];
    materialize_top(v, f->nresults);
    uint32_t from = home(v, v->nvals >= f->nresults ? v->nvals - f->nresults : 0);
    pop_vals(v, f->results, f->nresults);
    emit_op(v, OP_RETURN);
    emit(v, f->nresults);
    emit(v, from);
    set_unreachable(v);
    return true;
}

/* arguments in place for a call: returns the slot of the first */
static uint32_t call_args(fv *v, const wf_functype *ft)
{
    materialize_top(v, ft->nparams);
    uint32_t base = home(v, v->nvals >= ft->nparams ? v->nvals - ft->nparams : 0);
    pop_vals(v, ft->types, ft->nparams);
    return base;
}

static bool op_call(fv *v)
{
    uint32_t f = rd_idx(v);
    if (v->r.err)
        return false;
    if (f >= v->m->n_funcs)
        return fail(v, "unknown function");
    const wf_functype *ft = &v->m->types[v->m->func_type[f]];
    uint32_t base = call_args(v, ft);
    emit_op(v, OP_CALL);
    emit(v, f);
    emit(v, base);
    /* results land from `base` on, which is where pushes put them */
    push_vals(v, wf_ft_results(ft), ft->nresults);
    return true;
}

static bool op_call_indirect(fv *v)
{
    uint32_t ti = rd_idx(v);
    uint32_t tab = rd_idx(v);
    if (v->r.err)
        return false;
    if (tab >= v->m->n_tables)
        return fail(v, "unknown table");
    if (v->m->tables[tab].elem != WF_FUNCREF)
        return fail(v, "type mismatch");
    if (ti >= v->m->n_types)
        return fail(v, "unknown type");
    uint32_t idx = use(v, WF_I32);
    const wf_functype *ft = &v->m->types[ti];
    uint32_t base = call_args(v, ft);
    emit_op(v, OP_CALL_INDIRECT);
    emit(v, ti);
    emit(v, tab);
    emit(v, base);
    emit(v, idx);
    push_vals(v, wf_ft_results(ft), ft->nresults);
    return true;
}

/* ---- parametric and variables ---- */

static bool op_select(fv *v, bool typed)
{
    wf_valtype want = T_UNKNOWN;
    if (typed) {
        uint32_t n = wf_rd_u32(&v->r);
        if (v->r.err)
            return false;
        if (n != 1)
            return fail(v, "invalid result arity");
        uint8_t b = wf_rd_u8(&v->r);
        if (v->r.err)
            return false;
        if (one_type[b] == 0 || b == WF_V128) {
            wf_rd_fail(&v->r, b == WF_V128 ? "uses SIMD (a v128 operand)" : "malformed value type");
            return false;
        }
        want = (wf_valtype)b;
    }
    uint32_t c = use(v, WF_I32);
    opnd b = pop_check(v, want);
    opnd a = pop_check(v, want);
    wf_valtype t = want;
    if (!typed) {
        if (wf_is_ref(a.t) || wf_is_ref(b.t))
            return fail(v, "type mismatch");
        if (a.t != b.t && a.t != T_UNKNOWN && b.t != T_UNKNOWN)
            return fail(v, "type mismatch");
        t = a.t == T_UNKNOWN ? b.t : a.t;
    }
    uint32_t dst = push(v, t);
    emit_op(v, OP_SELECT);
    size_t at = emit(v, dst);
    emit(v, a.loc);
    emit(v, b.loc);
    emit(v, c);
    foldable(v, at);
    return true;
}

/* local.set / local.tee: write the popped value into local idx */
static void set_local(fv *v, uint32_t idx, bool tee)
{
    wf_valtype t = wf_local_type(v->c, idx);
    opnd o = pop_check(v, t);
    bool pending = materialize_local(v, idx);
    if (o.loc != idx) {
        bool fold = !v->check_only && !pending && v->fold_end == v->ncode &&
                    v->code[v->fold_dst] == o.loc && o.loc == home(v, v->nvals);
        if (fold)
            v->code[v->fold_dst] = idx;
        else
            emit_copy(v, idx, o.loc);
    }
    label_here(v); /* the last instruction no longer writes a stack slot */
    if (tee)
        push_at(v, t, idx);
}

static bool op_local(fv *v, uint8_t op)
{
    uint32_t idx = rd_idx(v);
    if (v->r.err)
        return false;
    if (idx >= v->c->nlocals)
        return fail(v, "unknown local");
    if (op == 0x20)
        push_at(v, wf_local_type(v->c, idx), idx);
    else
        set_local(v, idx, op == 0x22);
    return true;
}

static bool need_table(fv *v, uint32_t t)
{
    if (t >= v->m->n_tables)
        return fail(v, "unknown table");
    return true;
}

static bool op_global_table(fv *v, uint8_t op)
{
    uint32_t idx = rd_idx(v);
    if (v->r.err)
        return false;
    wf_module *m = v->m;
    if ((op == 0x23 || op == 0x24) && idx >= m->n_globals)
        return fail(v, "unknown global");
    if ((op == 0x25 || op == 0x26) && !need_table(v, idx))
        return false;
    uint32_t a, b;
    size_t at;
    switch (op) {
    case 0x23:
        a = push(v, m->globals[idx].type.type);
        emit_op(v, op), at = emit(v, a), emit(v, idx);
        foldable(v, at);
        break;
    case 0x24:
        if (!m->globals[idx].type.mut)
            return fail(v, "global is immutable");
        a = use(v, m->globals[idx].type.type);
        emit_op(v, op), emit(v, a), emit(v, idx);
        break;
    case 0x25:
        a = use(v, WF_I32);
        b = push(v, m->tables[idx].elem);
        emit_op(v, op), at = emit(v, b), emit(v, a), emit(v, idx);
        foldable(v, at);
        break;
    default:
        b = use(v, m->tables[idx].elem);
        a = use(v, WF_I32);
        emit_op(v, op), emit(v, a), emit(v, b), emit(v, idx);
        break;
    }
    return true;
}

/* ---- memory ---- */

static const uint8_t natural_align[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1,
                                        2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2};
static const char load_result[] = "iIfFiiiiIIIIII";
static const char store_type[] = "iIfFiiIII";

static bool op_load_store(fv *v, uint8_t op)
{
    uint32_t align = wf_rd_u32(&v->r);
    uint32_t off = wf_rd_u32(&v->r);
    if (v->r.err)
        return false;
    if (align >= 32) {
        wf_rd_fail(&v->r, "malformed memop flags");
        return false;
    }
    if (!need_memory(v))
        return false;
    if (align > natural_align[op - 0x28])
        return fail(v, "alignment must not be larger than natural");
    /* an address just computed by i32.add is fused into the access */
    unsigned add;
    uint32_t x, y;
    if (op <= 0x35) {
        uint32_t addr = use(v, WF_I32);
        bool fused = take_last(v, addr, 0x6a, 0x6a, &add, &x, &y);
        uint32_t dst = push(v, letter_type(load_result[op - 0x28]));
        emit_op(v, fused ? OP_ADDR2 + (op - 0x28) : op);
        size_t at = emit(v, dst);
        emit(v, fused ? x : addr);
        if (fused)
            emit(v, y);
        emit(v, off);
        foldable(v, at);
    } else {
        uint32_t val = use(v, letter_type(store_type[op - 0x36]));
        uint32_t addr = use(v, WF_I32);
        bool fused = take_last(v, addr, 0x6a, 0x6a, &add, &x, &y);
        emit_op(v, fused ? OP_ADDR2 + (op - 0x28) : op);
        emit(v, fused ? x : addr);
        if (fused)
            emit(v, y);
        emit(v, val);
        emit(v, off);
    }
    return true;
}

static bool op_memory(fv *v, uint8_t op)
{
    if (!zero_byte(v) || !need_memory(v))
        return false;
    uint32_t a = op == 0x40 ? use(v, WF_I32) : 0;
    uint32_t dst = push(v, WF_I32);
    emit_op(v, op);
    size_t at = emit(v, dst);
    if (op == 0x40)
        emit(v, a);
    foldable(v, at);
    return true;
}

/* ---- constants and references ---- */

static bool op_const(fv *v, uint8_t op)
{
    uint64_t bits;
    wf_valtype t;
    switch (op) {
    case 0x41:
        bits = (uint32_t)wf_rd_sleb(&v->r, 32), t = WF_I32;
        break;
    case 0x42:
        bits = (uint64_t)wf_rd_sleb(&v->r, 64), t = WF_I64;
        break;
    case 0x43:
        bits = wf_rd_fixed32(&v->r), t = WF_F32;
        break;
    default:
        bits = wf_rd_fixed64(&v->r), t = WF_F64;
        break;
    }
    if (v->r.err)
        return false;
    for (uint32_t k = 0; k < v->npool; k++) {
        if (v->pool[k] == bits) {
            push_at(v, t, v->c->nlocals + k);
            return true;
        }
    }
    if (v->pool == NULL && v->nseen < WF_POOL_MAX) {
        uint32_t k = 0;
        while (k < v->nseen && v->seen[k] != bits)
            k++;
        if (k == v->nseen)
            v->seen[v->nseen++] = bits;
    }
    uint32_t dst = push(v, t);
    emit_op(v, OP_CONST);
    size_t at = emit(v, dst);
    emit(v, bits);
    foldable(v, at);
    return true;
}

static bool op_ref(fv *v, uint8_t op)
{
    size_t at;
    if (op == 0xd0) {
        uint8_t b = wf_rd_u8(&v->r);
        if (v->r.err)
            return false;
        if (b != WF_FUNCREF && b != WF_EXTERNREF) {
            v->r.p--;
            wf_rd_fail(&v->r, "malformed reference type");
            return false;
        }
        uint32_t dst = push(v, (wf_valtype)b);
        emit_op(v, OP_CONST), at = emit(v, dst), emit(v, 0);
        foldable(v, at);
        return true;
    }
    if (op == 0xd1) {
        opnd o = pop(v);
        if (o.t != T_UNKNOWN && !wf_is_ref(o.t))
            return fail(v, "type mismatch");
        uint32_t dst = push(v, WF_I32);
        emit_op(v, OP_REF_IS_NULL), at = emit(v, dst), emit(v, o.loc);
        foldable(v, at);
        return true;
    }
    uint32_t f = rd_idx(v);
    if (v->r.err)
        return false;
    if (f >= v->m->n_funcs)
        return fail(v, "unknown function");
    if (!v->m->func_declared[f])
        return fail(v, "undeclared function reference");
    uint32_t dst = push(v, WF_FUNCREF);
    emit_op(v, OP_REF_FUNC), at = emit(v, dst), emit(v, f);
    foldable(v, at);
    return true;
}

/* ---- 0xFC: saturating truncation, bulk memory, tables ---- */

static bool need_data(fv *v, uint32_t d)
{
    if (!v->m->has_datacount && v->m->n_datas == 0)
        return fail(v, "unknown data segment");
    if (!v->m->has_datacount) {
        wf_rd_fail(&v->r, "data count section required");
        return false;
    }
    if (d >= v->m->datacount)
        return fail(v, "unknown data segment");
    return true;
}

static bool need_elem(fv *v, uint32_t e)
{
    if (e >= v->m->n_elems)
        return fail(v, "unknown elem segment");
    return true;
}

/* pops three i32 operands (the last on top) and emits their slots */
static void emit_three(fv *v, unsigned op, wf_valtype t1)
{
    uint32_t c = use(v, WF_I32), b = use(v, t1), a = use(v, WF_I32);
    emit_op(v, op), emit(v, a), emit(v, b), emit(v, c);
}

static bool op_fc_table(fv *v, uint32_t sub, unsigned op)
{
    uint32_t a, b;
    wf_module *m = v->m;
    switch (sub) {
    case 12: /* table.init elem table */
        a = rd_idx(v), b = rd_idx(v);
        if (v->r.err || !need_table(v, b) || !need_elem(v, a))
            return false;
        if (m->elems[a].type != m->tables[b].elem)
            return fail(v, "type mismatch");
        emit_three(v, op, WF_I32);
        emit(v, a), emit(v, b);
        return true;
    case 13: /* elem.drop */
        a = rd_idx(v);
        if (v->r.err || !need_elem(v, a))
            return false;
        emit_op(v, op), emit(v, a);
        return true;
    case 14: /* table.copy dst src */
        a = rd_idx(v), b = rd_idx(v);
        if (v->r.err || !need_table(v, a) || !need_table(v, b))
            return false;
        if (m->tables[a].elem != m->tables[b].elem)
            return fail(v, "type mismatch");
        emit_three(v, op, WF_I32);
        emit(v, a), emit(v, b);
        return true;
    case 15: { /* table.grow */
        a = rd_idx(v);
        if (v->r.err || !need_table(v, a))
            return false;
        uint32_t n = use(v, WF_I32), init = use(v, m->tables[a].elem);
        uint32_t dst = push(v, WF_I32);
        emit_op(v, op), emit(v, dst), emit(v, init), emit(v, n), emit(v, a);
        return true;
    }
    case 16: { /* table.size */
        a = rd_idx(v);
        if (v->r.err || !need_table(v, a))
            return false;
        uint32_t dst = push(v, WF_I32);
        emit_op(v, op), emit(v, dst), emit(v, a);
        return true;
    }
    case 17: /* table.fill */
        a = rd_idx(v);
        if (v->r.err || !need_table(v, a))
            return false;
        emit_three(v, op, m->tables[a].elem);
        emit(v, a);
        return true;
    default:
        v->r.p--;
        wf_rd_fail(&v->r, "illegal opcode");
        return false;
    }
}

static bool op_fc(fv *v)
{
    uint32_t sub = wf_rd_u32(&v->r);
    if (v->r.err)
        return false;
    unsigned op = OP_FC + sub;
    if (sub <= 7) {
        apply_sig(v, op, numeric_sig(op));
        return true;
    }
    uint32_t a;
    switch (sub) {
    case 8: /* memory.init */
        a = rd_idx(v);
        if (!zero_byte(v) || !need_memory(v) || !need_data(v, a))
            return false;
        emit_three(v, op, WF_I32);
        emit(v, a);
        return true;
    case 9: /* data.drop */
        a = rd_idx(v);
        if (v->r.err || !need_data(v, a))
            return false;
        emit_op(v, op), emit(v, a);
        return true;
    case 10: /* memory.copy */
        if (!zero_byte(v) || !zero_byte(v) || !need_memory(v))
            return false;
        emit_three(v, op, WF_I32);
        return true;
    case 11: /* memory.fill */
        if (!zero_byte(v) || !need_memory(v))
            return false;
        emit_three(v, op, WF_I32);
        return true;
    default:
        return op_fc_table(v, sub, op);
    }
}

static bool instr(fv *v, uint8_t op)
{
    switch (op) {
    case 0x00:
        emit_op(v, OP_UNREACHABLE);
        set_unreachable(v);
        return true;
    case 0x01:
        return true;
    case 0x02:
        return op_block(v, C_BLOCK);
    case 0x03:
        return op_block(v, C_LOOP);
    case 0x04:
        return op_block(v, C_IF);
    case 0x05:
        return op_else(v);
    case 0x0b:
        return op_end(v);
    case 0x0c:
    case 0x0d:
        return op_branch(v, op);
    case 0x0e:
        return op_br_table(v);
    case 0x0f:
        return op_return(v);
    case 0x10:
        return op_call(v);
    case 0x11:
        return op_call_indirect(v);
    case 0x1a:
        pop(v); /* values live in slots: dropping needs no code */
        return true;
    case 0x1b:
    case 0x1c:
        return op_select(v, op == 0x1c);
    case 0x20:
    case 0x21:
    case 0x22:
        return op_local(v, op);
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
        return op_global_table(v, op);
    case 0x3f:
    case 0x40:
        return op_memory(v, op);
    case 0x41:
    case 0x42:
    case 0x43:
    case 0x44:
        return op_const(v, op);
    case 0xd0:
    case 0xd1:
    case 0xd2:
        return op_ref(v, op);
    case 0xfc:
        return op_fc(v);
    default:
        break;
    }
    if (op >= 0x28 && op <= 0x3e)
        return op_load_store(v, op);
    const char *sig = numeric_sig(op);
    if (sig == NULL) {
        v->r.p--;
        const char *f = wf_feature_of_opcode(v->r.p, v->r.end);
        wf_rd_fail(&v->r, f ? f : "illegal opcode");
        return false;
    }
    apply_sig(v, op, sig);
    return true;
}

/* adj: the offset in the binary of the reader's base */
static int func_error(fv *v, size_t adj, weft_error **err)
{
    bool malformed = v->r.err != NULL;
    const char *msg = malformed ? v->r.err : v->err;
    size_t off = adj + (malformed ? v->r.err_off : v->err_off);
    werr_set(err, 0, "%s: function %u at offset 0x%zx: %s", v->m->name, v->fidx, off, msg);
    return werr_kind(err, malformed ? WF_ERR_MALFORMED : WF_ERR_INVALID);
}

/* One pass over function i's body at `body` (`base`: where offsets in
 * messages count from). Validates; unless check_only, also translates into
 * v->code / v->ops (scratch buffers, valid until the next pass). pool may be
 * NULL (then constants are collected in v->seen). */
static bool translate(fv *v, fv_scratch *s, wf_module *m, uint32_t i, const uint8_t *base,
                      const uint8_t *body, bool check_only, const uint64_t *pool, uint32_t npool)
{
    wf_code *c = &m->codes[i];
    *v = (fv){.m = m,
              .c = c,
              .fidx = m->n_func_imports + i,
              .fold_end = NO_PATCH,
              .check_only = check_only,
              .vals = s->vals,
              .capvals = s->capvals,
              .ctls = s->ctls,
              .capctls = s->capctls,
              .code = s->code,
              .capcode = s->capcode,
              .ops = s->ops,
              .capops = s->capops};
    v->r = (wf_reader){.base = base, .p = body, .end = body + c->body_len};
    v->instr = body;
    v->pool = pool;
    v->npool = npool;
    v->base = c->nlocals + npool;
    const wf_functype *ft = &m->types[m->func_type[v->fidx]];
    v->max_height = v->base;
    push_ctl(v, C_FUNC, NULL, 0, wf_ft_results(ft), ft->nresults);
    label_here(v);
    while (v->nctls > 0 && !v->err && !v->r.err) {
        v->instr = v->r.p;
        uint8_t op = wf_rd_u8(&v->r);
        if (v->r.err)
            break;
        instr(v, op);
    }
    if (!v->err && !v->r.err && v->nctls > 0)
        wf_rd_fail(&v->r, "unexpected end of section or function");
    if (!v->err && !v->r.err && v->r.p != v->r.end)
        wf_rd_fail(&v->r, "section size mismatch");
    *s = (fv_scratch){.vals = v->vals,
                      .capvals = v->capvals,
                      .ctls = v->ctls,
                      .capctls = v->capctls,
                      .code = v->code,
                      .capcode = v->capcode,
                      .ops = v->ops,
                      .capops = v->capops};
    return !v->err && !v->r.err;
}

static void scratch_free(fv_scratch *s)
{
    free(s->vals);
    free(s->ctls);
    free(s->code);
    free(s->ops);
}

static int budget_error(const wf_module *m, weft_error **err)
{
    werr_set(err, 0, "%s: the module needs more than the memory budget of %llu bytes", m->name,
             (unsigned long long)m->budget);
    return werr_kind(err, WF_ERR_LIMIT);
}

/* Words a function's translation keeps: its code and its opcode positions
 * (32-bit indices, two to a word). */
static uint64_t kept_words(uint64_t ncode, uint64_t nops)
{
    return ncode + (nops + 1) / 2;
}

/* The opcode positions (kept for the tiers: the interpreter threads them,
 * the compiler walks them), as 32-bit indices packed two to an arena word.
 * Code is charged to the budget, so its length fits 32 bits. */
static uint32_t *arena_ops(wf_module *m, const size_t *ops, size_t n)
{
    size_t words = (n + 1) / 2;
    uint32_t *packed = xcalloc(2 * words + 2, sizeof *packed);
    for (size_t k = 0; k < n; k++)
        packed[k] = (uint32_t)ops[k];
    uint64_t *p = wf_arena_put(m, (const uint64_t *)(void *)packed, words);
    free(packed);
    return (uint32_t *)(void *)p;
}

/* Validate function i without translating it: what translation will need
 * is recorded in its wf_code (its constant pool, its exact frame height,
 * and bounds on its code: code_len and nops, while code is NULL), and the
 * budget is charged for that code now, so that a module whose code would
 * not fit is refused at load as before. */
static int check_func(wf_module *m, uint32_t i, const uint8_t *base, const uint8_t *body,
                      size_t adj, fv_scratch *s, weft_error **err)
{
    fv v;
    wf_code *c = &m->codes[i];
    if (!translate(&v, s, m, i, base, body, true, NULL, 0))
        return func_error(&v, adj, err);
    if (v.nseen > 0) {
        if ((c->pool = wf_arena_copy(m, v.seen, v.nseen)) == NULL)
            return budget_error(m, err);
        c->npool = v.nseen;
    }
    /* stack heights do not depend on the code emitted: exact */
    c->max_height = v.max_height + v.nseen + 1;
    c->code_len = v.ncode;
    c->nops = (uint32_t)v.nops;
    if (!wf_module_charge(m, kept_words(v.ncode, v.nops) * sizeof(uint64_t)))
        return budget_error(m, err);
    c->checked = true;
    m->n_checked++;
    return 0;
}

/* The bodies are kept (one copy of the code section, or the input itself
 * when the module may have it) for translation on first call. */
int wf_keep_bodies(wf_module *m, const uint8_t *base, uint8_t *own, weft_error **err)
{
    uint32_t n = m->n_funcs - m->n_func_imports;
    if (own) { /* counted as input while loading; held from now on */
        uint64_t input = m->input_len;
        m->input_len = 0;
        if (!wf_module_charge(m, input))
            return budget_error(m, err);
        m->bodies = own;
        m->bodies_off = 0;
        return 0;
    }
    if (n == 0)
        return 0;
    size_t from, to;
    if (m->heads) { /* lazy headers: from the first body's size field */
        from = m->code_off + m->heads[0];
        to = m->code_off + m->heads[n];
    } else {
        from = m->codes[0].body_off;
        to = m->codes[n - 1].body_off + m->codes[n - 1].body_len;
    }
    if (!wf_module_charge(m, to - from + 1))
        return budget_error(m, err);
    m->bodies = xmalloc(to - from + 1);
    memcpy(m->bodies, base + from, to - from);
    m->bodies_off = from;
    return 0;
}

int wf_validate_code(wf_module *m, const uint8_t *base, weft_error **err)
{
    fv_scratch s = {0};
    int rc = 0;
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports && rc == 0; i++) {
        rc = wf_code_head(m, i, base, 0, err);
        if (rc == 0)
            rc = check_func(m, i, base, base + m->codes[i].body_off, 0, &s, err);
    }
    scratch_free(&s);
    return rc;
}

int wf_translate_func(wf_module *m, uint32_t i, weft_error **err)
{
    wf_code *c = &m->codes[i];
    if (c->code != NULL)
        return 0;
    if (wf_code_head(m, i, m->bodies, m->bodies_off, err) < 0)
        return -1;
    fv v;
    fv_scratch s = {0};
    const uint8_t *body = m->bodies + (c->body_off - m->bodies_off);
    /* not validated at load when the AOT cache vouched for the module
     * (docs/wasm-engine.md): validated now, as loading would have */
    if (!c->checked && check_func(m, i, m->bodies, body, m->bodies_off, &s, err) < 0) {
        scratch_free(&s);
        return -1;
    }
    if (!translate(&v, &s, m, i, m->bodies, body, false, c->pool, c->npool)) {
        /* validated: only a bug gets here */
        func_error(&v, m->bodies_off, err);
        scratch_free(&s);
        return -1;
    }
    /* charged at load from bounds; anything over them now */
    uint64_t est = kept_words(c->code_len, c->nops), need = kept_words(v.ncode, v.nops);
    if (need > est && !wf_module_charge(m, (need - est) * sizeof(uint64_t))) {
        scratch_free(&s);
        return budget_error(m, err);
    }
    c->code = wf_arena_put(m, v.code, v.ncode);
    c->ops = arena_ops(m, v.ops, v.nops);
    c->nops = (uint32_t)v.nops;
    c->code_len = v.ncode;
    scratch_free(&s);
    if (m->threaded)
        wf_interp_thread(c);
    return 0;
}

int wf_translate_all(wf_module *m, weft_error **err)
{
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++)
        if (wf_translate_func(m, i, err) < 0)
            return -1;
    return 0;
}
