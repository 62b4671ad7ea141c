/* Liveness of frame slots over the internal code (code.h), for the template
 * compiler. A wrong answer is a silent miscompile (a call would lose a
 * value it had to keep), so every approximation here errs towards live:
 * each op's reads are exact or a superset (an op whose format this file
 * does not know reads every immediate word), its writes exact or a subset
 * (a write counts only when it happens on every path out of the op: a
 * branch's stack move does not kill, a br_table's neither), and an op whose
 * length differs from what its format says is treated as unknown.
 *
 * Up to 64 slots are tracked, one bit each; any other slot is always live.
 * The tables are the usual backward dataflow (in = use | (out & ~def), out
 * = the union of the successors' in) over the ops, iterated to a fixed
 * point: loops' back edges make a few passes. */
#include "wasm/jit/jit_live.h"
#include "wasm/code.h"
#include "wasm/jit/jit_regs.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef void (*slot_fn)(void *, uint64_t, uint64_t, bool);

/* the numeric ops (0x45..0xc4) with one operand: [dst][a] */
static bool unary(unsigned op)
{
    return op == 0x45 || op == 0x50 || (op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b) ||
           (op >= 0x8b && op <= 0x91) || (op >= 0x99 && op <= 0x9f) || (op >= 0xa7 && op <= 0xc4);
}

/* The length in words of the op at pc (len words up to the next op): 0
 * when its format is not one this file knows. */
static size_t op_len(const uint64_t *pc, size_t len)
{
    static const uint8_t fc[18] = {3, 3, 3, 3, 3, 3, 3, 3, 5, 2, 4, 4, 6, 2, 6, 5, 3, 5};
    unsigned op = (unsigned)pc[0];
    switch (op) {
    case OP_UNREACHABLE:
        return 1;
    case OP_BR:
    case OP_MEMORY_SIZE:
        return 2;
    case OP_BR_IF:
    case OP_BR_UNLESS:
    case OP_RETURN:
    case OP_CALL:
    case OP_COPY:
    case OP_GLOBAL_GET:
    case OP_GLOBAL_SET:
    case OP_MEMORY_GROW:
    case OP_CONST:
    case OP_REF_IS_NULL:
    case OP_REF_FUNC:
        return 3;
    case OP_TABLE_GET:
    case OP_TABLE_SET:
        return 4;
    case OP_BR_ADJ:
    case OP_CALL_INDIRECT:
    case OP_SELECT:
        return 5;
    case OP_BR_IF_ADJ:
        return 6;
    case OP_BR_TABLE:
        return len >= 3 && pc[2] < len / 4 ? 3 + 4 * ((size_t)pc[2] + 1) : 0;
    }
    if (op >= 0x28 && op <= 0x3e)
        return 4;
    if (op >= 0x45 && op <= 0xc4)
        return unary(op) ? 3 : 4;
    if (op >= OP_FC && op < OP_FC + sizeof fc)
        return fc[op - OP_FC];
    if (op >= OP_BRC && op <= OP_BRC + 9)
        return 4;
    if (op >= OP_ADDR2 && op <= OP_ADDR2 + 0x16)
        return 5;
    return 0;
}

static void rd(slot_fn f, void *arg, uint64_t s)
{
    f(arg, s, 1, false);
}

/* 0xFC ops: [dst][a] (saturating truncations), then bulk memory and tables */
static void fc_slots(unsigned sub, const uint64_t *pc, slot_fn f, void *arg)
{
    if (sub <= 7 || sub == 15 ||
        sub == 16) { /* [dst][a]; table.grow [dst][init][n]; table.size [dst] */
        if (sub != 16)
            rd(f, arg, pc[2]);
        if (sub == 15)
            rd(f, arg, pc[3]);
        f(arg, pc[1], 1, true);
    } else if (sub != 9 && sub != 13) { /* [d][s or v][n]..., not data.drop / elem.drop */
        rd(f, arg, pc[1]), rd(f, arg, pc[2]), rd(f, arg, pc[3]);
    }
}

/* whether the call's function or type is one of the module's */
static bool call_known(const wf_module *m, const uint64_t *pc)
{
    return pc[0] == OP_CALL ? pc[1] < m->n_funcs : pc[1] < m->n_types;
}

/* the calls: arguments read, results written from `base` on (the callee's
 * frame starts there) */
static void call_slots(const wf_module *m, const uint64_t *pc, slot_fn f, void *arg)
{
    const wf_functype *ft;
    uint64_t base;
    if (pc[0] == OP_CALL) {
        ft = &m->types[m->func_type[pc[1]]], base = pc[2];
    } else {
        ft = &m->types[pc[1]], base = pc[3];
        rd(f, arg, pc[4]); /* the table index */
    }
    f(arg, base, ft->nparams, false);
    f(arg, base, ft->nresults, true);
}

/* the branches and returns; false when pc is none */
static bool control_slots(const uint64_t *pc, slot_fn f, void *arg)
{
    switch (pc[0]) {
    case OP_UNREACHABLE:
    case OP_BR:
        return true;
    case OP_BR_IF:
    case OP_BR_UNLESS:
        rd(f, arg, pc[1]);
        return true;
    case OP_BR_ADJ: /* [off][arity][from][to]: the move happens on the only path */
        f(arg, pc[3], pc[2], false), f(arg, pc[4], pc[2], true);
        return true;
    case OP_BR_IF_ADJ: /* [cond][off][arity][from][to]: moved when taken */
        rd(f, arg, pc[1]), f(arg, pc[4], pc[3], false);
        return true;
    case OP_BR_TABLE: /* [i][n] then n+1 entries [off][arity][from][to] */
        rd(f, arg, pc[1]);
        for (uint64_t e = 0; e <= pc[2]; e++)
            f(arg, pc[3 + 4 * e + 2], pc[3 + 4 * e + 1], false);
        return true;
    case OP_RETURN: /* [n][from] */
        f(arg, pc[2], pc[1], false);
        return true;
    }
    return false;
}

/* the ops with a destination and up to three operands, and the stores and
 * compare-and-branches (operands only) */
static void value_slots(const uint64_t *pc, slot_fn f, void *arg)
{
    unsigned op = (unsigned)pc[0];
    int n = 0; /* operands after [dst] */
    if (op == OP_COPY || op == OP_REF_IS_NULL || op == OP_MEMORY_GROW || op == OP_TABLE_GET ||
        (op >= 0x28 && op <= 0x35) || (op >= 0x45 && op <= 0xc4 && unary(op)))
        n = 1;
    else if ((op >= OP_ADDR2 && op <= OP_ADDR2 + 0x0d) || (op >= 0x45 && op <= 0xc4))
        n = 2;
    else if (op == OP_SELECT)
        n = 3;
    else if (op != OP_CONST && op != OP_GLOBAL_GET && op != OP_REF_FUNC && op != OP_MEMORY_SIZE)
        n = -1;
    if (n >= 0) {
        for (int i = 0; i < n; i++)
            rd(f, arg, pc[2 + i]);
        f(arg, pc[1], 1, true);
        return;
    }
    /* [src][idx], [i][val][table], stores [addr][val], [a][b][off], [x][y][val] */
    n = op == OP_GLOBAL_SET ? 1 : op >= OP_ADDR2 ? 3 : 2;
    for (int i = 0; i < n; i++)
        rd(f, arg, pc[1 + i]);
}

void wf_jit_op_slots(const wf_module *m, const wf_code *c, size_t pos, size_t end, slot_fn f,
                     void *arg)
{
    const uint64_t *pc = c->code + pos;
    unsigned op = (unsigned)pc[0];
    size_t len = end - pos;
    if (len == 0 || op_len(pc, len) != len ||
        ((op == OP_CALL || op == OP_CALL_INDIRECT) && !call_known(m, pc))) {
        for (size_t w = pos + 1; w < end; w++) /* unknown: every word may be a slot read */
            rd(f, arg, c->code[w]);
        return;
    }
    if (op == OP_CALL || op == OP_CALL_INDIRECT)
        call_slots(m, pc, f, arg);
    else if (op >= OP_FC && op < OP_BR_ADJ)
        fc_slots(op - OP_FC, pc, f, arg);
    else if (!control_slots(pc, f, arg))
        value_slots(pc, f, arg);
}

/* ---- the tables ---- */

struct masks {
    const wf_jit_live *lv;
    const wf_code *c;
    uint64_t use, def;
};

uint64_t wf_jit_live_range(const wf_jit_live *lv, const wf_code *c, uint64_t lo, uint64_t n)
{
    uint64_t m = 0;
    if (n == 1) /* the common case */
        return lo < c->max_height && lv->bit[lo] >= 0 ? (uint64_t)1 << lv->bit[lo] : 0;
    for (uint32_t b = 0; b < lv->ntrack; b++)
        if (lv->track[b] >= lo && lv->track[b] - lo < n)
            m |= (uint64_t)1 << b;
    return m;
}

static void note_slots(void *arg, uint64_t lo, uint64_t n, bool write)
{
    struct masks *k = arg;
    uint64_t m = wf_jit_live_range(k->lv, k->c, lo, n);
    if (write)
        k->def |= m;
    else
        k->use |= m;
}

/* successors in CSR form: op k's are succ[first[k]..first[k + 1]), op
 * indices, nops standing for the end of the code (a trap: nothing live) */
struct flow {
    uint32_t *first, *succ, *op_at; /* op_at: code index -> op index + 1 (0: none) */
    size_t n, cap;
    bool bad; /* a branch into the middle of an op: everything live */
};

static void add_succ(struct flow *g, uint32_t k)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        g->succ = xreallocarray(g->succ, g->cap, sizeof *g->succ);
    }
    g->succ[g->n++] = k;
}

struct target_arg {
    struct flow *g;
    const wf_code *c;
};

static void note_target(void *arg, size_t from, size_t target)
{
    struct target_arg *t = arg;
    (void)from;
    if (target == t->c->code_len)
        add_succ(t->g, t->c->nops);
    else if (target < t->c->code_len && t->g->op_at[target])
        add_succ(t->g, t->g->op_at[target] - 1);
    else
        t->g->bad = true;
}

static bool falls_through(unsigned op)
{
    return op != OP_UNREACHABLE && op != OP_BR && op != OP_BR_ADJ && op != OP_BR_TABLE &&
           op != OP_RETURN;
}

static void build_flow(const wf_code *c, struct flow *g)
{
    g->op_at = xcalloc(c->code_len + 1, sizeof *g->op_at);
    for (uint32_t k = 0; k < c->nops; k++)
        g->op_at[c->ops[k]] = k + 1;
    g->first = xcalloc((size_t)c->nops + 1, sizeof *g->first);
    struct target_arg t = {g, c};
    for (uint32_t k = 0; k < c->nops; k++) {
        g->first[k] = (uint32_t)g->n;
        if (falls_through((unsigned)c->code[c->ops[k]]))
            add_succ(g, k + 1);
        wf_jit_each_branch(c, c->ops[k], note_target, &t);
    }
    g->first[c->nops] = (uint32_t)g->n;
}

void wf_jit_live_compute(const wf_module *m, const wf_code *c, const uint32_t *slots, size_t n,
                         wf_jit_live *lv)
{
    memset(lv, 0, sizeof *lv);
    lv->bit = xmalloc(c->max_height ? c->max_height : 1);
    memset(lv->bit, -1, c->max_height);
    for (size_t i = 0; i < n && lv->ntrack < JLIVE_MAX; i++)
        if (slots[i] < c->max_height && lv->bit[slots[i]] < 0) {
            lv->bit[slots[i]] = (int8_t)lv->ntrack;
            lv->track[lv->ntrack++] = slots[i];
        }
    size_t nops = c->nops;
    lv->use = xcalloc(3 * nops + 1, sizeof *lv->use);
    lv->def = lv->use + nops;
    lv->out = lv->def + nops;
    uint64_t *in = xcalloc(nops + 1, sizeof *in); /* in[nops] = 0: the end */
    for (size_t k = 0; k < nops; k++) {
        struct masks mk = {lv, c, 0, 0};
        size_t end = k + 1 < nops ? c->ops[k + 1] : c->code_len;
        wf_jit_op_slots(m, c, c->ops[k], end, note_slots, &mk);
        lv->use[k] = mk.use, lv->def[k] = mk.def;
    }
    struct flow g = {0};
    build_flow(c, &g);
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t k = nops; k-- > 0;) {
            uint64_t out = g.bad ? ~(uint64_t)0 : 0;
            for (uint32_t e = g.first[k]; e < g.first[k + 1]; e++)
                out |= in[g.succ[e]];
            uint64_t i = lv->use[k] | (out & ~lv->def[k]);
            lv->out[k] = out;
            if (i != in[k])
                in[k] = i, changed = true;
        }
    }
    free(in);
    free(g.op_at);
    free(g.first);
    free(g.succ);
}

void wf_jit_live_free(wf_jit_live *lv)
{
    free(lv->bit);
    free(lv->use);
    lv->bit = NULL;
    lv->use = lv->def = lv->out = NULL;
}
