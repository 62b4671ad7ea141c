/* Guarded memories (wasm/guard.h, wasm/jit/jit_fault.c): a memory gets an
 * 8 GiB reservation of which only its size is accessible and charged; the
 * compiled code of one module runs unchecked on instances whose memory 0 is
 * guarded and checked on the others, both at once; a fault in compiled code
 * inside a reservation is the out-of-bounds trap, and any other fault (here:
 * weft's own C code touching the guard) still crashes the process or
 * reaches the handler that was there before. */
#include "unit.h"
#include "wat/wat.h"
#include "wasm/guard.h"
#include "wasm/jit/jit.h"
#include "wasm/module.h"
#include "wasm/wasm.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char acc_wat[] =
    "(module (import \"env\" \"mem\" (memory 1 2))"
    " (func (export \"ld\") (param i32) (result i64) (i64.load offset=8 (local.get 0)))"
    " (func (export \"st\") (param i32 i64) (i64.store offset=8 (local.get 0) (local.get 1)))"
    " (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0))))";

static const char own_wat[] =
    "(module (memory 1 2)"
    " (func (export \"ld\") (param i32) (result i64) (i64.load offset=8 (local.get 0))))";

static wf_module *load_wat(const char *text)
{
    uint8_t *bin = NULL;
    size_t len = 0;
    weft_error *err = NULL;
    wf_module *m = NULL;
    setenv("WEFT_WASM_TIER", "jit", 1);
    CHECK_INT(wat_to_wasm(text, strlen(text), "guard.wat", &bin, &len, &err), 0);
    CHECK_INT(wf_module_load(bin, len, "guard.wasm", &m, &err), 0);
    free(bin);
    return m;
}

/* ld(addr): its value, or -1 with *trap holding the message */
static int64_t ld(wf_instance *inst, uint32_t addr, char *trap, size_t n)
{
    wf_value a = {.type = WF_I32, .of.i32 = addr}, r[1];
    size_t nr = 0;
    weft_error *err = NULL;
    if (wf_invoke(inst, "ld", &a, 1, r, &nr, &err) < 0) {
        snprintf(trap, n, "%s", err->msg);
        werr_free(err);
        return -1;
    }
    return (int64_t)r[0].of.i64;
}

static int st(wf_instance *inst, uint32_t addr, uint64_t v)
{
    wf_value a[2] = {{.type = WF_I32, .of.i32 = addr}, {.type = WF_I64, .of.i64 = v}}, r[1];
    size_t nr = 0;
    weft_error *err = NULL;
    int rc = wf_invoke(inst, "st", a, 2, r, &nr, &err);
    werr_free(err);
    return rc;
}

static bool oob(wf_instance *inst, uint32_t addr)
{
    char trap[256] = "";
    return ld(inst, addr, trap, sizeof trap) == -1 &&
           strstr(trap, "trap: out of bounds memory access (in func") != NULL;
}

/* RLIMIT_AS just above what the process maps now: the next 8 GiB
 * reservation fails (also under ASan, whose shadow is mapped already) */
static void limit_address_space(struct rlimit *saved)
{
    getrlimit(RLIMIT_AS, saved);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmSize: %llu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    CHECK(kib > 0);
    struct rlimit lim = {(rlim_t)(kib << 10) + (1ull << 30), saved->rlim_max};
    CHECK_INT(setrlimit(RLIMIT_AS, &lim), 0);
}

TEST(reservation_is_address_space_only)
{
#if defined(__x86_64__)
    wf_module *m = load_wat(own_wat);
    wf_store *s = wf_store_new(NULL);
    wf_instance *inst = NULL;
    weft_error *err = NULL;
    uint64_t before = wf_store_used(s);
    CHECK_INT(wf_instantiate(s, m, NULL, &inst, &err), 0);
    wf_memory *mem = inst->mems[0];
    CHECK(mem->guarded);
    CHECK(mem->reserved == WF_GUARD_RESERVE);
    /* the budget counts the one page in use, not the reservation */
    CHECK(wf_store_used(s) - before < (1u << 20));
    CHECK(inst->funcs[0]->jit == wf_jit_entry(m->jit, true, 0));
    CHECK(!oob(inst, 65536 - 16));
    CHECK(oob(inst, 65536 - 15));
    CHECK(oob(inst, UINT32_MAX));
    wf_store_free(s);
    wf_module_free(m);
#endif
}

/* One module's code, two instances: one imports a memory made while the
 * reservation was refused (checked code), the other a guarded one. */
TEST(one_module_runs_checked_and_unchecked_code_at_once)
{
#if defined(__x86_64__)
    wf_module *m = load_wat(acc_wat);
    wf_store *s = wf_store_new(NULL);
    weft_error *err = NULL;
    wf_linker *lo = wf_linker_new(), *hi = wf_linker_new();
    struct rlimit saved;
    limit_address_space(&saved);
    CHECK_INT(wf_linker_define_memory(lo, s, "env", "mem", 1, 2, &err), 0);
    CHECK_INT(setrlimit(RLIMIT_AS, &saved), 0);
    CHECK_INT(wf_linker_define_memory(hi, s, "env", "mem", 1, 2, &err), 0);
    wf_instance *a = NULL, *b = NULL;
    CHECK_INT(wf_instantiate(s, m, lo, &a, &err), 0);
    CHECK_INT(wf_instantiate(s, m, hi, &b, &err), 0);
    CHECK(!a->mems[0]->guarded);
    CHECK(a->mems[0]->reserved == 2 * 65536);
    CHECK(b->mems[0]->guarded);
    CHECK(a->funcs[0]->jit == wf_jit_entry(m->jit, false, 0));
    CHECK(b->funcs[0]->jit == wf_jit_entry(m->jit, true, 0));
    for (int round = 0; round < 2; round++) { /* before and after growing */
        uint32_t end = (uint32_t)(65536 * (round + 1));
        for (int k = 0; k < 2; k++) {
            wf_instance *inst = k ? b : a;
            char trap[256] = "";
            CHECK_INT(st(inst, end - 16, 0x1122334455667788ull + (uint64_t)k), 0);
            CHECK(ld(inst, end - 16, trap, sizeof trap) == (int64_t)(0x1122334455667788ull + k));
            CHECK(oob(inst, end - 15));
            CHECK(oob(inst, end));
            CHECK(oob(inst, UINT32_MAX - 7));
            CHECK_INT(st(inst, end - 12, 1), -1); /* across the end: nothing written */
            CHECK(ld(inst, end - 16, trap, sizeof trap) == (int64_t)(0x1122334455667788ull + k));
            wf_value d = {.type = WF_I32, .of.i32 = 1}, r[1];
            size_t nr = 0;
            if (round == 0) {
                CHECK_INT(wf_invoke(inst, "grow", &d, 1, r, &nr, &err), 0);
                CHECK_INT(r[0].of.i32, 1);
            }
        }
    }
    wf_store_free(s);
    wf_linker_free(lo);
    wf_linker_free(hi);
    wf_module_free(m);
#endif
}

/* an embedder that will lower RLIMIT_AS turns the reservations off: its
 * memories and the code compiled ahead are the checked ones */
TEST(guard_regions_off)
{
#if defined(__x86_64__)
    wf_guard_regions(false);
    wf_module *m = load_wat(own_wat);
    CHECK(!wf_jit_guarded_expected(m));
    wf_module_compile_all(m);
    wf_store *s = wf_store_new(NULL);
    wf_instance *inst = NULL;
    weft_error *err = NULL;
    CHECK_INT(wf_instantiate(s, m, NULL, &inst, &err), 0);
    wf_guard_regions(true);
    CHECK(!inst->mems[0]->guarded);
    CHECK(inst->funcs[0]->jit == wf_jit_entry(m->jit, false, 0));
    CHECK(*wf_jit_entry(m->jit, false, 0) != *wf_jit_entry(m->jit, true, 0));
    CHECK(!oob(inst, 65536 - 16));
    CHECK(oob(inst, 65536 - 15));
    wf_store_free(s);
    wf_module_free(m);
#endif
}

/* in a child: an out-of-bounds trap (the handler is in place and has run),
 * then C code writing into the guard of the same memory */
static volatile sig_atomic_t trapped;

static void trap_then_touch_guard(void)
{
    wf_module *m = load_wat(own_wat);
    wf_store *s = wf_store_new(NULL);
    wf_instance *inst = NULL;
    weft_error *err = NULL;
    if (wf_instantiate(s, m, NULL, &inst, &err) < 0 || !inst->mems[0]->guarded)
        _exit(3);
    if (!oob(inst, 65536))
        _exit(4);
    trapped = 1;
    volatile uint8_t *guard = inst->mems[0]->base + inst->mems[0]->size;
    *guard = 1;
    _exit(0); /* the fault was swallowed */
}

static int child_status(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    return status;
}

TEST(a_fault_in_weft_itself_still_crashes)
{
#if defined(__x86_64__)
    int status = child_status(trap_then_touch_guard);
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's handler (there before the engine's) reports the SEGV and
     * exits 1 (or aborts, with abort_on_error) */
    CHECK(WIFSIGNALED(status) || WEXITSTATUS(status) == 1);
#else
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
#endif
#endif
}

/* an embedder's handler: 42 for the fault in C, after the trap */
static void exit_42(int sig)
{
    (void)sig;
    _exit(trapped ? 42 : 5);
}

static void own_handler_first(void)
{
    struct sigaction sa = {.sa_handler = exit_42};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    trap_then_touch_guard();
}

TEST(faults_not_ours_reach_the_previous_handler)
{
#if defined(__x86_64__)
    int status = child_status(own_handler_first);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42);
#endif
}

UNIT_MAIN()
