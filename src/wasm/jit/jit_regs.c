/* Register allocation for the template compiler: which frame slots (the
 * locals, params included, and the operand-stack slots; not the constant
 * pool, whose values become immediates) live in a register for the whole
 * function instead of in memory. The choice is by weighted use: each
 * operand use of a slot counts 8^d, d being how many loops (a backward
 * branch's range of code) enclose it, weighed against what calls cost it
 * where it is live (jit_live.c, for the 64 most used candidates): a store
 * before a call or helper call that reads the slot or across which it
 * lives, a load after one where it is live after (jit_slots.h spills and
 * reloads exactly those), a call in a loop counting one loop level less.
 * Integer slots get the general registers no template needs (r8-r11, rsi,
 * rdi, rdx, rbp, and r14 in the guarded variant), float slots xmm1-xmm15
 * (templates use xmm0): a local by its type, an operand-stack slot (which
 * holds values of several types over the body) by how its uses read it. */
#include "wasm/jit/jit_regs.h"
#include "wasm/code.h"
#include "wasm/jit/jit_live.h"
#include "wasm/jit/x64_emit.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* the general registers in the order they are given out: rdx (which
 * division and helper calls clobber), rbp and r14 (pinned between
 * functions: jit_slots.h puts their values back before calls and
 * returns; r14 only in the guarded variant, the checked one reads the
 * memory's size off it) come last */
static const int8_t gprs[] = {R8, R9, R10, R11, RSI, RDI, RDX, RBP, R14};

void wf_jit_each_branch(const wf_code *c, size_t pos, void (*f)(void *, size_t, size_t), void *arg)
{
    const uint64_t *pc = c->code + pos;
    size_t at = 0;
    switch (pc[0]) {
    case OP_BR:
    case OP_BR_ADJ:
        at = 1;
        break;
    case OP_BR_IF:
    case OP_BR_UNLESS:
    case OP_BR_IF_ADJ:
        at = 2;
        break;
    case OP_BR_TABLE:
        for (uint64_t e = 0; e <= pc[2]; e++) {
            size_t w = pos + 3 + 4 * e;
            f(arg, pos, (size_t)((int64_t)w + (int64_t)c->code[w]));
        }
        break;
    default:
        if (pc[0] >= OP_BRC && pc[0] <= OP_BRC + 9)
            at = 3;
    }
    if (at)
        f(arg, pos, (size_t)((int64_t)(pos + at) + (int64_t)pc[at]));
}

/* How many of the op's first immediates are slots it reads or writes, as
 * far as weighing goes (-1: a call or a helper call). */
static int nslots(unsigned op)
{
    /* the numeric ops jit_compile.c leaves to its helper (popcnt, rounding,
     * min max copysign, most trapping truncations, unsigned i64 converts) */
    static const uint8_t helper[256] = {
        [0x69] = 1, [0x7b] = 1, [0x8d] = 1, [0x8e] = 1, [0x8f] = 1, [0x90] = 1,
        [0x96] = 1, [0x97] = 1, [0x98] = 1, [0x9b] = 1, [0x9c] = 1, [0x9d] = 1,
        [0x9e] = 1, [0xa4] = 1, [0xa5] = 1, [0xa6] = 1, [0xa9] = 1, [0xab] = 1,
        [0xae] = 1, [0xaf] = 1, [0xb0] = 1, [0xb1] = 1, [0xb5] = 1, [0xba] = 1,
    };
    if (op < 256 && helper[op])
        return -1;
    switch (op) {
    case OP_BR_IF:
    case OP_BR_UNLESS:
    case OP_BR_IF_ADJ:
    case OP_BR_TABLE:
    case OP_CONST:
    case OP_GLOBAL_GET:
    case OP_GLOBAL_SET:
        return 1;
    case OP_COPY:
        return 2;
    case OP_SELECT:
        return 4;
    case OP_CALL:
    case OP_CALL_INDIRECT:
    case OP_TABLE_GET:
    case OP_TABLE_SET:
    case OP_MEMORY_SIZE:
    case OP_MEMORY_GROW:
    case OP_REF_IS_NULL:
    case OP_REF_FUNC:
        return -1;
    }
    if (op >= OP_FC && op < OP_BR_ADJ)
        return -1;
    if (op >= OP_ADDR2 && op <= OP_ADDR2 + 0x16)
        return 3;
    if (op >= OP_BRC && op <= OP_BRC + 9)
        return 2;
    if (op >= 0x28 && op <= 0x3e)
        return 2; /* loads [dst][addr], stores [addr][val] */
    if (op == 0x45 || op == 0x50 || (op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b) ||
        (op >= 0x8b && op <= 0x91) || (op >= 0x99 && op <= 0x9f) || (op >= 0xa7 && op <= 0xc4))
        return 2; /* unary */
    if (op >= 0x46 && op <= 0xa6)
        return 3; /* binary */
    return 0;
}

/* How the op uses its i-th slot: as an integer (C_INT), a float (C_FLOAT)
 * or either (C_ANY: copies, select). */
enum { C_INT, C_FLOAT, C_ANY };
static int operand_class(unsigned op, int i)
{
    if (op == OP_COPY || (op == OP_SELECT && i < 3))
        return C_ANY;
    if (op >= OP_ADDR2 && op <= OP_ADDR2 + 0x16)
        op = op - OP_ADDR2 + 0x28, i = i == 0 ? 0 : i - 1; /* [x][y]: both addresses */
    if (op == 0x2a || op == 0x2b)                          /* float loads [dst][addr] */
        return i == 0 ? C_FLOAT : C_INT;
    if (op == 0x38 || op == 0x39) /* float stores [addr][val] */
        return i == 1 ? C_FLOAT : C_INT;
    if ((op >= 0x8b && op <= 0xa6) || (op >= 0x5b && op <= 0x66 && i > 0))
        return C_FLOAT;             /* float arithmetic, compares' operands */
    if (op >= 0xa7 && op <= 0xbf) { /* conversions [dst][src] */
        static const char dst_float[] = "0000000000011111111110011";
        static const char src_float[] = "0111100111100000111111100";
        return (i == 0 ? dst_float : src_float)[op - 0xa7] == '1' ? C_FLOAT : C_INT;
    }
    return C_INT;
}

/* the furthest backward branch to each loop head */
static void note_back(void *arg, size_t from, size_t target)
{
    size_t *end = arg;
    if (target <= from && from > end[target])
        end[target] = from;
}

struct cand {
    uint64_t use;
    uint32_t slot;
};

static int by_use(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->use != y->use)
        return x->use < y->use ? 1 : -1;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Weighs slot i's uses into use[i] (iuse[i] and fuse[i] of them as an
 * integer and as a float), and op k's weight into w[k]. */
static void weigh(const wf_code *c, uint64_t *use, uint64_t *iuse, uint64_t *fuse, uint64_t *wt)
{
    size_t *end = xcalloc(c->code_len + 1, sizeof *end);
    int32_t *depth = xcalloc(c->code_len + 2, sizeof *depth);
    for (size_t k = 0; k < c->nops; k++)
        wf_jit_each_branch(c, c->ops[k], note_back, end);
    for (size_t t = 0; t <= c->code_len; t++)
        if (end[t]) {
            depth[t]++;
            depth[end[t] + 1]--;
        }
    int32_t d = 0;
    size_t at = 0;
    for (size_t k = 0; k < c->nops; k++) {
        size_t pos = c->ops[k];
        while (at <= pos)
            d += depth[at++];
        uint64_t w = (uint64_t)1 << (3 * (d < 7 ? d : 7));
        wt[k] = w;
        const uint64_t *pc = c->code + pos;
        int n = nslots((unsigned)pc[0]);
        for (int i = 0; i < n; i++) {
            uint64_t s = pc[1 + i];
            if (s >= c->max_height)
                continue;
            use[s] += w;
            int cl = operand_class((unsigned)pc[0], i);
            if (cl == C_FLOAT)
                fuse[s] += w;
            else if (cl == C_INT)
                iuse[s] += w;
        }
    }
    free(end);
    free(depth);
}

/* What calls and helper calls cost the candidates lv tracks, as
 * jit_slots.h spills and reloads around them (by liveness): at a call, a
 * store when the call reads the slot or it is live across the call below
 * the arguments, a load when it is live after, below the end of the
 * results; at a helper, a store when the op reads it or it is live after
 * (and not overwritten), a load when live after. cost[b] for bit b. */
static void call_costs(const wf_module *m, const wf_code *c, const wf_jit_live *lv,
                       const uint64_t *wt, uint64_t *cost)
{
    for (size_t k = 0; k < c->nops; k++) {
        const uint64_t *pc = c->code + c->ops[k];
        if (nslots((unsigned)pc[0]) >= 0)
            continue;
        const wf_functype *ft = NULL;
        uint64_t base = 0;
        if (pc[0] == OP_CALL && pc[1] < m->n_funcs)
            ft = &m->types[m->func_type[pc[1]]], base = pc[2];
        else if (pc[0] == OP_CALL_INDIRECT && pc[1] < m->n_types)
            ft = &m->types[pc[1]], base = pc[3];
        uint64_t st, ld = lv->out[k];
        if (ft) {
            uint64_t below = wf_jit_live_range(lv, c, 0, base);
            st = lv->use[k] | (lv->out[k] & below);
            ld &= below | wf_jit_live_range(lv, c, base, ft->nresults);
        } else {
            st = lv->use[k] | (lv->out[k] & ~lv->def[k]);
        }
        /* a call in a loop is weighed one loop level lower than its
         * loop's other ops: most calls in hot loops sit on paths rarely
         * taken (growing a buffer, an error), and a call costs more than
         * the stores and loads around it anyway */
        uint64_t w = wt[k] >= 8 ? wt[k] / 8 : 1;
        for (uint32_t b = 0; b < lv->ntrack; b++)
            cost[b] += w * ((st >> b & 1) + (ld >> b & 1));
    }
}

/* whether slot s is best held in an xmm register: a float local, or an
 * operand-stack slot used as a float more than as an integer (-1: neither,
 * a reference or a v128) */
static int wants_xmm(const wf_code *c, uint32_t s, const uint64_t *iuse, const uint64_t *fuse)
{
    if (s >= c->nlocals)
        return fuse[s] > iuse[s];
    wf_valtype t = wf_local_type(c, s);
    if (t == WF_I32 || t == WF_I64)
        return 0;
    if (t == WF_F32 || t == WF_F64)
        return 1;
    return -1;
}

size_t wf_jit_alloc_regs(const wf_module *m, const wf_code *c, bool guarded, int8_t *loc,
                         uint32_t slots[JREG_MAX])
{
    uint32_t h = c->max_height;
    memset(loc, JREG_NONE, h);
    if (h == 0)
        return 0;
    uint64_t *use = xcalloc(3 * (size_t)h + c->nops + 1, sizeof *use), *iuse = use + h;
    uint64_t *fuse = iuse + h, *wt = fuse + h;
    weigh(c, use, iuse, fuse, wt);
    /* the most used slots that could take a register, as many as liveness
     * tracks: what calls cost them depends on where they are live */
    struct cand *cand = xcalloc(h, sizeof *cand);
    size_t nc = 0;
    for (uint32_t i = 0; i < h; i++) {
        bool pool = i >= c->nlocals && i < c->nlocals + c->npool; /* constants: immediates */
        if (!pool && use[i] >= 2 && wants_xmm(c, i, iuse, fuse) >= 0)
            cand[nc++] = (struct cand){use[i], i};
    }
    qsort(cand, nc, sizeof *cand, by_use);
    if (nc > JLIVE_MAX)
        nc = JLIVE_MAX;
    uint32_t t[JLIVE_MAX];
    for (size_t k = 0; k < nc; k++)
        t[k] = cand[k].slot;
    wf_jit_live lv;
    wf_jit_live_compute(m, c, t, nc, &lv);
    uint64_t cost[JLIVE_MAX] = {0};
    call_costs(m, c, &lv, wt, cost);
    size_t n = 0, ng = 0, nx = 0;
    for (size_t k = 0; k < nc && n < JREG_MAX; k++) {
        if (cand[k].use <= cost[lv.bit[cand[k].slot]])
            continue; /* its stores and loads at calls would outweigh its uses */
        int x = wants_xmm(c, cand[k].slot, iuse, fuse);
        if (x == 0 && ng < sizeof gprs - !guarded)
            loc[cand[k].slot] = gprs[ng++];
        else if (x == 1 && nx < 15)
            loc[cand[k].slot] = (int8_t)(JREG_XMM + 1 + nx++);
        else
            continue;
        slots[n++] = cand[k].slot;
    }
    wf_jit_live_free(&lv);
    free(cand);
    free(use);
    return n;
}
