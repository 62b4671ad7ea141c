/* Register allocation for the template compiler: which locals (params and
 * declared locals) live in a register for the whole function instead of in
 * their frame slot. The choice is by weighted use: each operand use of a
 * local counts 8^d, d being how many loops (a backward branch's range of
 * code) enclose it, and every call or helper call costs each allocated
 * local a store and a load (jit_compile.c spills and reloads them around
 * it), so a local is taken only when its uses outweigh twice the calls'
 * weight. Integer locals get the caller-saved general registers no template
 * uses (r8-r11, rsi, rdi), float locals xmm1-xmm15 (templates use xmm0). */
#include "wasm/jit/jit_regs.h"
#include "wasm/code.h"
#include "wasm/jit/x64_emit.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const int8_t gprs[] = {R8, R9, R10, R11, RSI, RDI};

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

/* use[i]: local i's weighted uses; returns the calls' weight */
static uint64_t weigh(const wf_code *c, uint64_t *use)
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
    uint64_t calls = 0;
    int32_t d = 0;
    size_t at = 0;
    for (size_t k = 0; k < c->nops; k++) {
        size_t pos = c->ops[k];
        while (at <= pos)
            d += depth[at++];
        uint64_t w = (uint64_t)1 << (3 * (d < 7 ? d : 7));
        const uint64_t *pc = c->code + pos;
        int n = nslots((unsigned)pc[0]);
        if (n < 0)
            calls += w;
        for (int i = 0; i < n; i++)
            if (pc[1 + i] < c->nlocals)
                use[pc[1 + i]] += w;
    }
    free(end);
    free(depth);
    return calls;
}

size_t wf_jit_alloc_regs(const wf_code *c, int8_t *loc, uint32_t slots[JREG_MAX])
{
    memset(loc, JREG_NONE, c->nlocals);
    if (c->nlocals == 0)
        return 0;
    uint64_t *use = xcalloc(c->nlocals, sizeof *use);
    uint64_t calls = weigh(c, use);
    struct cand *cand = xcalloc(c->nlocals, sizeof *cand);
    size_t nc = 0;
    for (uint32_t i = 0; i < c->nlocals; i++)
        if (use[i] >= 2 && use[i] > 2 * calls)
            cand[nc++] = (struct cand){use[i], i};
    qsort(cand, nc, sizeof *cand, by_use);
    size_t n = 0, ng = 0, nx = 0;
    for (size_t k = 0; k < nc && n < JREG_MAX; k++) {
        wf_valtype t = wf_local_type(c, cand[k].slot);
        if ((t == WF_I32 || t == WF_I64) && ng < sizeof gprs)
            loc[cand[k].slot] = gprs[ng++];
        else if ((t == WF_F32 || t == WF_F64) && nx < 15)
            loc[cand[k].slot] = (int8_t)(JREG_XMM + 1 + nx++);
        else
            continue;
        slots[n++] = cand[k].slot;
    }
    free(cand);
    free(use);
    return n;
}
