/* Validation of a decoded module and one-pass translation of every function
 * body into internal code (code.h): the spec's operand/control stack
 * algorithm, extended to track slot heights so that branches get their
 * targets and stack adjustments precomputed. */
#include "wasm/code.h"
#include "wasm/leb.h"
#include "wasm/module.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define T_UNKNOWN ((wf_valtype)0)

enum ctl_kind { C_BLOCK, C_LOOP, C_IF, C_ELSE, C_FUNC };

typedef struct ctl {
    enum ctl_kind kind;
    uint32_t nparams, nresults;
    const wf_valtype *params, *results;
    uint32_t height; /* operand count at entry (params excluded) */
    bool unreachable;
    size_t loop_pc;       /* loop: code index of the start */
    size_t patch;         /* head of the forward-branch patch chain */
    size_t else_patch;    /* if: the BR_UNLESS offset word */
} ctl;

#define NO_PATCH SIZE_MAX

typedef struct fv {
    wf_module *m;
    wf_code *c;
    uint32_t fidx;
    wf_reader r;
    const char *err;
    size_t err_off;
    wf_valtype *vals;
    size_t nvals, capvals;
    ctl *ctls;
    size_t nctls, capctls;
    uint64_t *code;
    size_t ncode, capcode;
    uint32_t max_height;
} fv;

static const wf_valtype one_type[256] = {
    [WF_I32] = WF_I32,         [WF_I64] = WF_I64,           [WF_F32] = WF_F32,
    [WF_F64] = WF_F64,         [WF_V128] = WF_V128,         [WF_FUNCREF] = WF_FUNCREF,
    [WF_EXTERNREF] = WF_EXTERNREF,
};

static bool fail(fv *v, const char *msg)
{
    if (v->err == NULL) {
        v->err = msg;
        v->err_off = (size_t)(v->r.p - v->r.base);
    }
    return false;
}

/* ---- code emission ---- */

static size_t emit(fv *v, uint64_t w)
{
    if (v->ncode == v->capcode) {
        v->capcode = v->capcode ? v->capcode * 2 : 64;
        v->code = xreallocarray(v->code, v->capcode, sizeof *v->code);
    }
    v->code[v->ncode] = w;
    return v->ncode++;
}

/* ---- operand stack ---- */

static void push(fv *v, wf_valtype t)
{
    if (v->nvals == v->capvals) {
        v->capvals = v->capvals ? v->capvals * 2 : 64;
        v->vals = xreallocarray(v->vals, v->capvals, sizeof *v->vals);
    }
    v->vals[v->nvals++] = t;
    uint32_t h = v->c->nlocals + (uint32_t)v->nvals;
    if (h > v->max_height)
        v->max_height = h;
}

static wf_valtype pop(fv *v)
{
    ctl *c = &v->ctls[v->nctls - 1];
    if (v->nvals == c->height) {
        if (c->unreachable)
            return T_UNKNOWN;
        fail(v, "type mismatch");
        return T_UNKNOWN;
    }
    return v->vals[--v->nvals];
}

/* pops and checks; returns the popped type as is (T_UNKNOWN for bottom) */
static wf_valtype pop_check(fv *v, wf_valtype want)
{
    wf_valtype got = pop(v);
    if (got != want && got != T_UNKNOWN && want != T_UNKNOWN)
        fail(v, "type mismatch");
    return got;
}

static wf_valtype pop_expect(fv *v, wf_valtype want)
{
    wf_valtype got = pop(v);
    if (got != want && got != T_UNKNOWN && want != T_UNKNOWN)
        fail(v, "type mismatch");
    return got == T_UNKNOWN ? want : got;
}

static void pop_vals(fv *v, const wf_valtype *ts, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        pop_expect(v, ts[i]);
}

static void push_vals(fv *v, const wf_valtype *ts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        push(v, ts[i]);
}

static void push_ctl(fv *v, enum ctl_kind kind, const wf_valtype *params, uint32_t np,
                     const wf_valtype *results, uint32_t nr)
{
    if (v->nctls == v->capctls) {
        v->capctls = v->capctls ? v->capctls * 2 : 16;
        v->ctls = xreallocarray(v->ctls, v->capctls, sizeof *v->ctls);
    }
    ctl *c = &v->ctls[v->nctls++];
    *c = (ctl){.kind = kind, .nparams = np, .nresults = nr, .params = params,
               .results = results, .height = (uint32_t)v->nvals, .loop_pc = v->ncode,
               .patch = NO_PATCH, .else_patch = NO_PATCH};
    push_vals(v, params, np);
}

static void set_unreachable(fv *v)
{
    ctl *c = &v->ctls[v->nctls - 1];
    v->nvals = c->height;
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

/* Emit the target words of a branch to label `c` ([off] or
 * [off][arity][height]) after an opcode chosen by the caller. */
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

static bool needs_adjust(fv *v, ctl *c, uint32_t *arity, uint32_t *height)
{
    const wf_valtype *ts;
    label_types(c, &ts, arity);
    *height = v->c->nlocals + c->height;
    return v->c->nlocals + v->nvals - *arity != *height;
}

static void emit_branch(fv *v, ctl *c, uint64_t op_plain, uint64_t op_adj)
{
    uint32_t arity, height;
    if (needs_adjust(v, c, &arity, &height)) {
        emit(v, op_adj);
        emit_target(v, c);
        emit(v, arity);
        emit(v, height);
    } else {
        emit(v, op_plain);
        emit_target(v, c);
    }
}

static void patch_chain(fv *v, size_t head, size_t target)
{
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

static bool rd_blocktype(fv *v, const wf_valtype **params, uint32_t *np,
                         const wf_valtype **results, uint32_t *nr)
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
            wf_rd_fail(&v->r, "malformed value type");
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

/* Reads a memarg, checks alignment, emits the opcode and offset. */
static bool memarg(fv *v, unsigned op, unsigned natural)
{
    uint32_t align = wf_rd_u32(&v->r);
    uint32_t off = wf_rd_u32(&v->r);
    if (v->r.err)
        return false;
    if (align >= 32) {
        wf_rd_fail(&v->r, "malformed memop flags");
        return false;
    }
    if (v->m->n_mems == 0)
        return fail(v, "unknown memory 0");
    if (align > natural)
        return fail(v, "alignment must not be larger than natural");
    emit(v, op);
    emit(v, off);
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
        "I:i", "f:i", "f:i", "F:i", "F:i", "i:I", "i:I", "f:I", "f:I", "F:I", "F:I",
        "i:f", "i:f", "I:f", "I:f", "F:f", "i:F", "i:F", "I:F", "I:F", "f:F", "f:i",
        "F:I", "i:f", "I:F", "i:i", "i:i", "I:I", "I:I", "I:I",
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

static void apply_sig(fv *v, const char *sig)
{
    const char *colon = strchr(sig, ':');
    for (const char *p = colon; p-- > sig;)
        pop_expect(v, letter_type(*p));
    push(v, letter_type(colon[1]));
}

/* ---- instructions ---- */

static bool check_local(fv *v, uint32_t idx)
{
    if (idx >= v->c->nlocals)
        return fail(v, "unknown local");
    return true;
}

static bool op_end(fv *v)
{
    ctl *c = &v->ctls[v->nctls - 1];
    pop_vals(v, c->results, c->nresults);
    if (v->nvals != c->height)
        return fail(v, "type mismatch");
    if (c->kind == C_IF) {
        /* an if without else: the empty else must turn params into results */
        v->nvals = c->height;
        push_vals(v, c->params, c->nparams);
        pop_vals(v, c->results, c->nresults);
        if (v->nvals != c->height)
            return fail(v, "type mismatch");
        patch_chain(v, c->else_patch, v->ncode);
    }
    if (c->kind == C_FUNC) {
        patch_chain(v, c->patch, v->ncode);
        emit(v, OP_RETURN);
        emit(v, c->nresults);
    } else {
        patch_chain(v, c->patch, v->ncode);
    }
    ctl done = *c;
    v->nctls--;
    v->nvals = done.height;
    push_vals(v, done.results, done.nresults);
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
    pop_expect(v, WF_I32);
    for (uint32_t i = 0; i <= n; i++) {
        if (labels[i] >= v->nctls) {
            free(labels);
            return fail(v, "unknown label");
        }
    }
    const wf_valtype *dts;
    uint32_t arity;
    label_types(&v->ctls[v->nctls - 1 - labels[n]], &dts, &arity);
    emit(v, OP_BR_TABLE);
    emit(v, n);
    for (uint32_t i = 0; i <= n; i++) {
        ctl *c = &v->ctls[v->nctls - 1 - labels[i]];
        const wf_valtype *ts;
        uint32_t na, height;
        label_types(c, &ts, &na);
        if (na != arity) {
            free(labels);
            return fail(v, "type mismatch");
        }
        /* check then restore the operand stack against this label */
        size_t saved = v->nvals;
        wf_valtype *copy = xmalloc((size_t)na * sizeof *copy + 1);
        for (uint32_t k = na; k-- > 0;)
            copy[k] = pop_check(v, ts[k]);
        push_vals(v, copy, na);
        free(copy);
        (void)saved;
        needs_adjust(v, c, &na, &height);
        emit_target(v, c);
        emit(v, na);
        emit(v, height);
    }
    free(labels);
    pop_vals(v, dts, arity);
    set_unreachable(v);
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
    pop_expect(v, WF_I32);
    const wf_functype *ft = &v->m->types[ti];
    pop_vals(v, ft->types, ft->nparams);
    emit(v, OP_CALL_INDIRECT);
    emit(v, ti);
    emit(v, tab);
    push_vals(v, wf_ft_results(ft), ft->nresults);
    return true;
}

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
            wf_rd_fail(&v->r, "malformed value type");
            return false;
        }
        want = (wf_valtype)b;
    }
    pop_expect(v, WF_I32);
    wf_valtype t1 = pop_expect(v, want);
    wf_valtype t2 = pop_expect(v, want);
    if (!typed) {
        if (wf_is_ref(t1) || wf_is_ref(t2))
            return fail(v, "type mismatch");
        if (t1 != t2 && t1 != T_UNKNOWN && t2 != T_UNKNOWN)
            return fail(v, "type mismatch");
        want = t1 == T_UNKNOWN ? t2 : t1;
    }
    emit(v, OP_SELECT);
    push(v, want);
    return true;
}

static bool need_table(fv *v, uint32_t t)
{
    if (t >= v->m->n_tables)
        return fail(v, "unknown table");
    return true;
}

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

static bool op_fc(fv *v)
{
    uint32_t sub = wf_rd_u32(&v->r);
    if (v->r.err)
        return false;
    unsigned op = OP_FC + sub;
    if (sub <= 7) {
        apply_sig(v, numeric_sig(op));
        emit(v, op);
        return true;
    }
    uint32_t a, b;
    switch (sub) {
    case 8: /* memory.init */
        a = rd_idx(v);
        if (!zero_byte(v))
            return false;
        if (v->m->n_mems == 0)
            return fail(v, "unknown memory 0");
        if (!need_data(v, a))
            return false;
        pop_expect(v, WF_I32), pop_expect(v, WF_I32), pop_expect(v, WF_I32);
        emit(v, op), emit(v, a);
        return true;
    case 9: /* data.drop */
        a = rd_idx(v);
        if (v->r.err || !need_data(v, a))
            return false;
        emit(v, op), emit(v, a);
        return true;
    case 10: /* memory.copy */
        if (!zero_byte(v) || !zero_byte(v))
            return false;
        if (v->m->n_mems == 0)
            return fail(v, "unknown memory 0");
        pop_expect(v, WF_I32), pop_expect(v, WF_I32), pop_expect(v, WF_I32);
        emit(v, op);
        return true;
    case 11: /* memory.fill */
        if (!zero_byte(v))
            return false;
        if (v->m->n_mems == 0)
            return fail(v, "unknown memory 0");
        pop_expect(v, WF_I32), pop_expect(v, WF_I32), pop_expect(v, WF_I32);
        emit(v, op);
        return true;
    case 12: /* table.init elem table */
        a = rd_idx(v), b = rd_idx(v);
        if (v->r.err || !need_table(v, b))
            return false;
        if (a >= v->m->n_elems)
            return fail(v, "unknown elem segment");
        if (v->m->elems[a].type != v->m->tables[b].elem)
            return fail(v, "type mismatch");
        pop_expect(v, WF_I32), pop_expect(v, WF_I32), pop_expect(v, WF_I32);
        emit(v, op), emit(v, a), emit(v, b);
        return true;
    case 13: /* elem.drop */
        a = rd_idx(v);
        if (v->r.err)
            return false;
        if (a >= v->m->n_elems)
            return fail(v, "unknown elem segment");
        emit(v, op), emit(v, a);
        return true;
    case 14: /* table.copy dst src */
        a = rd_idx(v), b = rd_idx(v);
        if (v->r.err || !need_table(v, a) || !need_table(v, b))
            return false;
        if (v->m->tables[a].elem != v->m->tables[b].elem)
            return fail(v, "type mismatch");
        pop_expect(v, WF_I32), pop_expect(v, WF_I32), pop_expect(v, WF_I32);
        emit(v, op), emit(v, a), emit(v, b);
        return true;
    case 15: /* table.grow */
        a = rd_idx(v);
        if (v->r.err || !need_table(v, a))
            return false;
        pop_expect(v, WF_I32), pop_expect(v, v->m->tables[a].elem);
        push(v, WF_I32);
        emit(v, op), emit(v, a);
        return true;
    case 16: /* table.size */
        a = rd_idx(v);
        if (v->r.err || !need_table(v, a))
            return false;
        push(v, WF_I32);
        emit(v, op), emit(v, a);
        return true;
    case 17: /* table.fill */
        a = rd_idx(v);
        if (v->r.err || !need_table(v, a))
            return false;
        pop_expect(v, WF_I32), pop_expect(v, v->m->tables[a].elem), pop_expect(v, WF_I32);
        emit(v, op), emit(v, a);
        return true;
    default:
        v->r.p--;
        wf_rd_fail(&v->r, "illegal opcode");
        return false;
    }
}

static const uint8_t load_natural[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2,
                                       2, 3, 2, 3, 0, 1, 0, 1, 2};
static const char *const load_sig[] = {"i:i", "i:I", "i:f", "i:F", "i:i", "i:i", "i:i", "i:i",
                                       "i:I", "i:I", "i:I", "i:I", "i:I", "i:I"};
static const char store_type[] = {'i', 'I', 'f', 'F', 'i', 'i', 'I', 'I', 'I'};

static bool op_block(fv *v, enum ctl_kind kind)
{
    const wf_valtype *ps, *rs;
    uint32_t np, nr;
    if (!rd_blocktype(v, &ps, &np, &rs, &nr))
        return false;
    if (kind == C_IF)
        pop_expect(v, WF_I32);
    pop_vals(v, ps, np);
    push_ctl(v, kind, ps, np, rs, nr);
    if (kind == C_IF) {
        emit(v, OP_BR_UNLESS);
        ctl *c = &v->ctls[v->nctls - 1];
        c->else_patch = emit(v, NO_PATCH);
    }
    return true;
}

static bool op_else(fv *v)
{
    ctl *c = &v->ctls[v->nctls - 1];
    if (c->kind != C_IF)
        return fail(v, "else without if");
    pop_vals(v, c->results, c->nresults);
    if (v->nvals != c->height)
        return fail(v, "type mismatch");
    emit(v, OP_BR);
    emit_target(v, c);
    patch_chain(v, c->else_patch, v->ncode);
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
        emit_branch(v, c, OP_BR, OP_BR_ADJ);
        pop_vals(v, ts, n);
        set_unreachable(v);
        return true;
    }
    pop_expect(v, WF_I32);
    pop_vals(v, ts, n);
    push_vals(v, ts, n);
    emit_branch(v, c, OP_BR_IF, OP_BR_IF_ADJ);
    return true;
}

static bool op_var(fv *v, uint8_t op)
{
    uint32_t idx = rd_idx(v);
    if (v->r.err)
        return false;
    wf_module *m = v->m;
    switch (op) {
    case 0x20:
        if (!check_local(v, idx))
            return false;
        push(v, v->c->local_types[idx]);
        break;
    case 0x21:
        if (!check_local(v, idx))
            return false;
        pop_expect(v, v->c->local_types[idx]);
        break;
    case 0x22:
        if (!check_local(v, idx))
            return false;
        pop_expect(v, v->c->local_types[idx]);
        push(v, v->c->local_types[idx]);
        break;
    case 0x23:
        if (idx >= m->n_globals)
            return fail(v, "unknown global");
        push(v, m->globals[idx].type.type);
        break;
    case 0x24:
        if (idx >= m->n_globals)
            return fail(v, "unknown global");
        if (!m->globals[idx].type.mut)
            return fail(v, "global is immutable");
        pop_expect(v, m->globals[idx].type.type);
        break;
    case 0x25:
        if (!need_table(v, idx))
            return false;
        pop_expect(v, WF_I32);
        push(v, m->tables[idx].elem);
        break;
    case 0x26:
        if (!need_table(v, idx))
            return false;
        pop_expect(v, m->tables[idx].elem);
        pop_expect(v, WF_I32);
        break;
    }
    emit(v, op);
    emit(v, idx);
    return true;
}

static bool op_call(fv *v)
{
    uint32_t f = rd_idx(v);
    if (v->r.err)
        return false;
    if (f >= v->m->n_funcs)
        return fail(v, "unknown function");
    const wf_functype *ft = &v->m->types[v->m->func_type[f]];
    pop_vals(v, ft->types, ft->nparams);
    emit(v, OP_CALL);
    emit(v, f);
    push_vals(v, wf_ft_results(ft), ft->nresults);
    return true;
}

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
    emit(v, OP_CONST);
    emit(v, bits);
    push(v, t);
    return true;
}

static bool op_ref(fv *v, uint8_t op)
{
    if (op == 0xd0) {
        uint8_t b = wf_rd_u8(&v->r);
        if (v->r.err)
            return false;
        if (b != WF_FUNCREF && b != WF_EXTERNREF) {
            v->r.p--;
            wf_rd_fail(&v->r, "malformed reference type");
            return false;
        }
        emit(v, OP_CONST);
        emit(v, 0);
        push(v, (wf_valtype)b);
        return true;
    }
    if (op == 0xd1) {
        wf_valtype t = pop(v);
        if (t != T_UNKNOWN && !wf_is_ref(t))
            return fail(v, "type mismatch");
        emit(v, OP_REF_IS_NULL);
        push(v, WF_I32);
        return true;
    }
    uint32_t f = rd_idx(v);
    if (v->r.err)
        return false;
    if (f >= v->m->n_funcs)
        return fail(v, "unknown function");
    if (!v->m->func_declared[f])
        return fail(v, "undeclared function reference");
    emit(v, OP_REF_FUNC);
    emit(v, f);
    push(v, WF_FUNCREF);
    return true;
}

static bool op_memory(fv *v, uint8_t op)
{
    if (!zero_byte(v))
        return false;
    if (v->m->n_mems == 0)
        return fail(v, "unknown memory 0");
    if (op == 0x40)
        pop_expect(v, WF_I32);
    push(v, WF_I32);
    emit(v, op);
    return true;
}

static bool instr(fv *v, uint8_t op)
{
    switch (op) {
    case 0x00:
        emit(v, OP_UNREACHABLE);
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
    case 0x0f: {
        ctl *f = &v->ctls[0];
        pop_vals(v, f->results, f->nresults);
        emit(v, OP_RETURN);
        emit(v, f->nresults);
        set_unreachable(v);
        return true;
    }
    case 0x10:
        return op_call(v);
    case 0x11:
        return op_call_indirect(v);
    case 0x1a: {
        pop(v);
        emit(v, OP_DROP);
        return true;
    }
    case 0x1b:
    case 0x1c:
        return op_select(v, op == 0x1c);
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
        return op_var(v, op);
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
    if (op >= 0x28 && op <= 0x35) {
        if (!memarg(v, op, load_natural[op - 0x28]))
            return false;
        apply_sig(v, load_sig[op - 0x28]);
        return true;
    }
    if (op >= 0x36 && op <= 0x3e) {
        if (!memarg(v, op, load_natural[op - 0x28]))
            return false;
        pop_expect(v, letter_type(store_type[op - 0x36]));
        pop_expect(v, WF_I32);
        return true;
    }
    const char *sig = numeric_sig(op);
    if (sig == NULL) {
        v->r.p--;
        wf_rd_fail(&v->r, "illegal opcode");
        return false;
    }
    apply_sig(v, sig);
    emit(v, op);
    return true;
}

static int func_error(fv *v, weft_error **err)
{
    bool malformed = v->r.err != NULL;
    const char *msg = malformed ? v->r.err : v->err;
    size_t off = malformed ? v->r.err_off : v->err_off;
    werr_set(err, 0, "%s: function %u at offset 0x%zx: %s", v->m->name, v->fidx, off, msg);
    return werr_kind(err, malformed ? WF_ERR_MALFORMED : WF_ERR_INVALID);
}

static int validate_func(wf_module *m, uint32_t i, const uint8_t *base, weft_error **err)
{
    wf_code *c = &m->codes[i];
    fv v = {.m = m, .c = c, .fidx = m->n_func_imports + i};
    v.r = (wf_reader){.base = base, .p = c->body, .end = c->body + c->body_len};
    const wf_functype *ft = &m->types[m->func_type[v.fidx]];
    v.max_height = c->nlocals;
    push_ctl(&v, C_FUNC, NULL, 0, wf_ft_results(ft), ft->nresults);
    while (v.nctls > 0 && !v.err && !v.r.err) {
        uint8_t op = wf_rd_u8(&v.r);
        if (v.r.err)
            break;
        instr(&v, op);
    }
    if (!v.err && !v.r.err && v.nctls > 0)
        wf_rd_fail(&v.r, "unexpected end of section or function");
    if (!v.err && !v.r.err && v.r.p != v.r.end)
        wf_rd_fail(&v.r, "section size mismatch");
    free(v.vals);
    free(v.ctls);
    if (v.err || v.r.err) {
        free(v.code);
        return func_error(&v, err);
    }
    c->code = v.code;
    c->code_len = v.ncode;
    c->max_height = v.max_height + 1;
    c->body = NULL;
    return 0;
}

/* ---- module-level rules ---- */

static int invalid(wf_module *m, weft_error **err, const char *fmt, const char *what, uint32_t n)
{
    werr_set(err, 0, "%s: %s %u: %s", m->name, what, n, fmt);
    return werr_kind(err, WF_ERR_INVALID);
}

static const char *check_limits(const wf_limits *l, uint64_t bound, const char *too_big)
{
    if (l->min > bound || (l->has_max && l->max > bound))
        return too_big;
    if (l->has_max && l->min > l->max)
        return "size minimum must not be greater than maximum";
    return NULL;
}

static const char *check_const(const wf_module *m, const wf_constexpr *c, wf_valtype want)
{
    if (c->ninstr != 1)
        return "type mismatch";
    wf_valtype t = c->type;
    switch (c->kind) {
    case WF_CONST_GLOBAL:
        if (c->val >= m->n_global_imports)
            return "unknown global";
        if (m->globals[c->val].type.mut)
            return "constant expression required";
        t = m->globals[c->val].type.type;
        break;
    case WF_CONST_FUNC:
        if (c->val >= m->n_funcs)
            return "unknown function";
        break;
    default:
        break;
    }
    return t == want ? NULL : "type mismatch";
}

static void mark_declared(wf_module *m, const wf_constexpr *c)
{
    if (c->kind == WF_CONST_FUNC && c->val < m->n_funcs)
        m->func_declared[c->val] = true;
}

static int validate_imports(wf_module *m, weft_error **err)
{
    for (uint32_t i = 0; i < m->n_imports; i++) {
        const wf_import *im = &m->imports[i];
        const char *e = NULL;
        if (im->kind == WF_EXTERN_FUNC && im->type_idx >= m->n_types)
            e = "unknown type";
        else if (im->kind == WF_EXTERN_MEMORY)
            e = check_limits(&im->mem, 65536, "memory size must be at most 65536 pages (4GiB)");
        else if (im->kind == WF_EXTERN_TABLE)
            e = check_limits(&im->table.lim, UINT32_MAX, "table size");
        if (e)
            return invalid(m, err, e, "import", i);
    }
    return 0;
}

static int validate_defs(wf_module *m, weft_error **err)
{
    for (uint32_t f = m->n_func_imports; f < m->n_funcs; f++) {
        if (m->func_type[f] >= m->n_types)
            return invalid(m, err, "unknown type", "function", f);
    }
    for (uint32_t t = m->n_table_imports; t < m->n_tables; t++) {
        const char *e = check_limits(&m->tables[t].lim, UINT32_MAX, "table size");
        if (e)
            return invalid(m, err, e, "table", t);
    }
    if (m->n_mems > 1)
        return invalid(m, err, "multiple memories", "memory", 1);
    for (uint32_t i = m->n_mem_imports; i < m->n_mems; i++) {
        const char *e =
            check_limits(&m->mems[i], 65536, "memory size must be at most 65536 pages (4GiB)");
        if (e)
            return invalid(m, err, e, "memory", i);
    }
    for (uint32_t g = m->n_global_imports; g < m->n_globals; g++) {
        const char *e = check_const(m, &m->globals[g].init, m->globals[g].type.type);
        if (e)
            return invalid(m, err, e, "global", g);
    }
    return 0;
}

static int validate_exports(wf_module *m, weft_error **err)
{
    static const char *const unknown[] = {"unknown function", "unknown table", "unknown memory",
                                          "unknown global"};
    for (uint32_t i = 0; i < m->n_exports; i++) {
        const wf_export *e = &m->exports[i];
        uint32_t n[] = {m->n_funcs, m->n_tables, m->n_mems, m->n_globals};
        if (e->idx >= n[e->kind])
            return invalid(m, err, unknown[e->kind], "export", i);
        for (uint32_t k = 0; k < i; k++) {
            if (strcmp(m->exports[k].name, e->name) == 0)
                return invalid(m, err, "duplicate export name", "export", i);
        }
    }
    if (m->start >= 0) {
        if ((uint64_t)m->start >= m->n_funcs)
            return invalid(m, err, "unknown function", "start function", (uint32_t)m->start);
        const wf_functype *ft = &m->types[m->func_type[m->start]];
        if (ft->nparams || ft->nresults)
            return invalid(m, err, "start function", "start function", (uint32_t)m->start);
    }
    return 0;
}

static int validate_segments(wf_module *m, weft_error **err)
{
    for (uint32_t i = 0; i < m->n_elems; i++) {
        const wf_elem *e = &m->elems[i];
        if (e->mode == WF_SEG_ACTIVE) {
            if (e->table >= m->n_tables)
                return invalid(m, err, "unknown table", "elem segment", i);
            const char *x = check_const(m, &e->offset, WF_I32);
            if (x)
                return invalid(m, err, x, "elem segment", i);
            if (m->tables[e->table].elem != e->type)
                return invalid(m, err, "type mismatch", "elem segment", i);
        }
        for (uint32_t k = 0; k < e->n; k++) {
            const char *x = check_const(m, &e->init[k], e->type);
            if (x)
                return invalid(m, err, x, "elem segment", i);
        }
    }
    for (uint32_t i = 0; i < m->n_datas; i++) {
        const wf_data *d = &m->datas[i];
        if (d->mode != WF_SEG_ACTIVE)
            continue;
        if (d->mem >= m->n_mems)
            return invalid(m, err, "unknown memory", "data segment", i);
        const char *x = check_const(m, &d->offset, WF_I32);
        if (x)
            return invalid(m, err, x, "data segment", i);
    }
    return 0;
}

int wf_validate(wf_module *m, weft_error **err)
{
    if (validate_imports(m, err) < 0 || validate_defs(m, err) < 0 ||
        validate_exports(m, err) < 0 || validate_segments(m, err) < 0)
        return -1;
    m->func_declared = xcalloc(m->n_funcs + 1, sizeof(bool));
    for (uint32_t i = 0; i < m->n_exports; i++) {
        if (m->exports[i].kind == WF_EXTERN_FUNC)
            m->func_declared[m->exports[i].idx] = true;
    }
    for (uint32_t g = m->n_global_imports; g < m->n_globals; g++)
        mark_declared(m, &m->globals[g].init);
    for (uint32_t i = 0; i < m->n_elems; i++) {
        for (uint32_t k = 0; k < m->elems[i].n; k++)
            mark_declared(m, &m->elems[i].init[k]);
    }
    return 0;
}

int wf_validate_code(wf_module *m, const uint8_t *base, weft_error **err)
{
    for (uint32_t i = 0; i < m->n_funcs - m->n_func_imports; i++) {
        if (validate_func(m, i, base, err) < 0)
            return -1;
    }
    return 0;
}
