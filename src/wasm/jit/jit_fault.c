/* Out-of-bounds accesses in guarded memories (guard.h): compiled code of
 * the guarded variant loads and stores at base + zero-extended index +
 * offset without a check, and an access beyond the memory's size lands in
 * the inaccessible rest of its 8 GiB reservation. The SIGSEGV it raises is
 * turned here into the trap a check would have taken: the handler resumes
 * the function at its landing (its last WF_JIT_TAIL bytes, a jump to its
 * out-of-bounds trap stub), which records "out of bounds memory access (in
 * func N)" and returns 1 like every other trap stub. Nothing else is needed:
 * at an access the function's stack is at its body level (nothing is
 * pushed between ops) and the pinned registers hold the run's context, as
 * when a check jumps to the stub. x86-64 faults are precise, so a store
 * straddling the end of the memory writes none of its bytes.
 *
 * A fault is ours only when its pc lies in a tracked function of the
 * guarded variant that has a landing and its address lies in the
 * inaccessible part of the reservation of the memory that code runs on
 * (the context in r12, pinned in compiled code). Anything else (a bug in
 * weft's C code, a fault outside the reservation, another thread's fault)
 * goes to the handler that was there before, or gets the default action: a
 * crash, as without this handler. The engine is single-threaded: the maps
 * change only while no compiled code runs on this thread. The handler is
 * (re)installed whenever a module is set up for the compiled tier, before
 * any of its code can run. */
#include "wasm/jit/jit.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define ALT_STACK (64u << 10)

static wf_jit_code_map *maps;
static struct sigaction old_segv, old_bus;
static bool alt_done;

/* the landing of the tracked function whose code holds pc, or 0 */
static uintptr_t landing(uintptr_t pc)
{
    for (const wf_jit_code_map *c = maps; c; c = c->next) {
        if (pc < c->lo || pc >= c->hi)
            continue;
        for (uint32_t i = 0; i < c->n; i++) {
            uintptr_t at = (uintptr_t)c->entry[i];
            if (c->len[i] == 0 || pc < at || pc - at >= c->len[i])
                continue;
            uintptr_t tail = at + c->len[i] - WF_JIT_TAIL;
            return pc < tail && *(const uint8_t *)tail == 0xE9 ? tail : 0;
        }
    }
    return 0;
}

/* the fault address lies past the memory's size, inside its reservation */
static bool in_guard(const ucontext_t *uc, const void *addr)
{
    const wf_jit_ctx *ctx = (const wf_jit_ctx *)uc->uc_mcontext.gregs[REG_R12];
    const wf_memory *mem = ctx->mem;
    uintptr_t a = (uintptr_t)addr, base = (uintptr_t)mem->base;
    return mem->guarded && a >= base + mem->size && a - base < mem->reserved;
}

/* not ours: what would have happened without this handler */
static void pass_on(int sig, siginfo_t *si, void *uc)
{
    const struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;
    if (old->sa_flags & SA_SIGINFO) {
        old->sa_sigaction(sig, si, uc);
    } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
    } else {
        /* the default action: the faulting instruction runs again, and
         * the kernel ends the process as it would have (a fault cannot be
         * ignored) */
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);
    }
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uintptr_t to = landing((uintptr_t)uc->uc_mcontext.gregs[REG_RIP]);
    if (sig == SIGSEGV && to && in_guard(uc, si->si_addr)) {
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)to;
        return;
    }
    pass_on(sig, si, ucv);
}

/* A fault from an overflowing C stack can only be handled (passed on) on
 * another stack; keep one a runtime or sanitizer set up already. */
static void alt_stack(void)
{
    stack_t cur;
    if (sigaltstack(NULL, &cur) < 0 || !(cur.ss_flags & SS_DISABLE))
        return;
    void *p = mmap(NULL, ALT_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    stack_t ss = {.ss_sp = p, .ss_size = ALT_STACK};
    if (sigaltstack(&ss, NULL) < 0)
        munmap(p, ALT_STACK);
}

/* Install the handler for sig unless it is there: the first time, and
 * again when an embedder replaced it since (that handler is then the one
 * faults not ours go to). */
static void install(int sig, struct sigaction *old)
{
    struct sigaction cur;
    if (sigaction(sig, NULL, &cur) < 0 ||
        ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_fault))
        return;
    struct sigaction sa = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, old);
}

void wf_jit_fault_track(wf_jit_code_map *c)
{
    if (!alt_done)
        alt_stack();
    alt_done = true;
    install(SIGSEGV, &old_segv);
    install(SIGBUS, &old_bus);
    c->prev = NULL;
    c->next = maps;
    if (maps)
        maps->prev = c;
    maps = c;
}

void wf_jit_fault_untrack(wf_jit_code_map *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (maps == c)
        maps = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

void wf_jit_fault_placed(wf_jit_code_map *c, const void *at, size_t len)
{
    uintptr_t lo = (uintptr_t)at, hi = lo + len;
    if (c->lo == c->hi) {
        c->lo = lo, c->hi = hi;
        return;
    }
    if (lo < c->lo)
        c->lo = lo;
    if (hi > c->hi)
        c->hi = hi;
}
