/* The engine's compiled tier: on by default on x86-64, off with
 * WEFT_WASM_TIER=interp, and where executable memory is refused (here: a
 * seccomp filter that fails mmap/mprotect with PROT_EXEC) modules are
 * interpreted and still run. Compiled code keeps the memory budget: its
 * stacks grow in charged steps and stop at the budget or the call-depth
 * limit, and memory.grow follows the live cap. */
#include "unit.h"
#include "wat/wat.h"
#include "wasm/module.h"
#include "wasm/wasm.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* (module (func (export "inc") (param i32) (result i32)
 *   local.get 0 i32.const 1 i32.add)) */
static const uint8_t inc_mod[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f,
    0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x69, 0x6e, 0x63, 0x00,
    0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b,
};

static int refuse_exec_memory(void);

enum confine { FREE, COMPILE_THEN_FILTER, FILTER_THEN_COMPILE };

/* Load under tier (NULL: the default); with COMPILE_THEN_FILTER,
 * wf_module_compile_all and then the seccomp filter refusing executable
 * memory (as the wasm handler does for a container with a filter), with
 * FILTER_THEN_COMPILE the other way round. *compiled says whether the
 * compiled tier runs the module; returns inc(41) or -1. */
static int64_t load_confined(const char *tier, enum confine how, bool *compiled)
{
    if (tier)
        setenv("WEFT_WASM_TIER", tier, 1);
    else
        unsetenv("WEFT_WASM_TIER");
    weft_error *err = NULL;
    wf_module *m = NULL;
    wf_instance *inst = NULL;
    wf_store *s = wf_store_new(NULL);
    int64_t got = -1;
    int rc = wf_module_load(inc_mod, sizeof inc_mod, "inc.wasm", &m, &err);
    if (rc == 0 && how == COMPILE_THEN_FILTER)
        wf_module_compile_all(m);
    if (rc == 0 && how != FREE && refuse_exec_memory() < 0)
        rc = -1;
    if (rc == 0 && how == FILTER_THEN_COMPILE)
        wf_module_compile_all(m);
    if (rc == 0 && wf_instantiate(s, m, NULL, &inst, &err) == 0) {
        *compiled = m->jit != NULL;
        wf_value arg = {.type = WF_I32, .of.i32 = 41}, res[1];
        size_t n = 0;
        if (wf_invoke(inst, "inc", &arg, 1, res, &n, &err) == 0 && n == 1)
            got = res[0].of.i32;
    }
    werr_free(err);
    wf_store_free(s);
    wf_module_free(m);
    unsetenv("WEFT_WASM_TIER");
    return got;
}

static int64_t load_and_run(const char *tier, bool *compiled)
{
    return load_confined(tier, FREE, compiled);
}

TEST(default_tier)
{
    bool compiled = false;
    CHECK_INT(load_and_run(NULL, &compiled), 42);
#if defined(__x86_64__)
    CHECK(compiled);
#else
    CHECK(!compiled);
#endif
}

TEST(interp_on_request)
{
    bool compiled = true;
    CHECK_INT(load_and_run("interp", &compiled), 42);
    CHECK(!compiled);
}

/* EPERM for mmap and mprotect asking for PROT_EXEC */
static int refuse_exec_memory(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof f / sizeof *f, .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

TEST(refused_exec_memory_falls_back)
{
#if defined(__x86_64__)
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (refuse_exec_memory() < 0)
            _exit(2);
        bool compiled = true;
        int64_t got = load_and_run("jit", &compiled);
        _exit(got == 42 && !compiled ? 0 : 1);
    }
    int status = 0;
    CHECK_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_INT(WEXITSTATUS(status), 0);
#endif
}

/* ---- the budget in compiled code ---- */

static const char budget_wat[] =
    "(module (memory 1)"
    " (func $rec (export \"rec\") (param i32) (result i32)"
    "  local.get 0 i32.eqz if (result i32) i32.const 0 else"
    "  local.get 0 i32.const 1 i32.sub call $rec i32.const 1 i32.add end)"
    " (func (export \"grow\") (param i32) (result i32) local.get 0 memory.grow))";

struct jit_env {
    wf_module *m;
    wf_store *s;
    wf_instance *inst;
};

static void jit_setup(struct jit_env *e, const wf_config *cfg)
{
    uint8_t *bin = NULL;
    size_t len = 0;
    weft_error *err = NULL;
    setenv("WEFT_WASM_TIER", "jit", 1);
    CHECK_INT(wat_to_wasm(budget_wat, sizeof budget_wat - 1, "budget.wat", &bin, &len, &err), 0);
    CHECK_INT(wf_module_load(bin, len, "budget.wasm", &e->m, &err), 0);
    free(bin);
    unsetenv("WEFT_WASM_TIER");
#if defined(__x86_64__)
    CHECK(e->m->jit != NULL);
#endif
    e->s = wf_store_new(cfg);
    CHECK_INT(wf_instantiate(e->s, e->m, NULL, &e->inst, &err), 0);
}

static void jit_teardown(struct jit_env *e)
{
    wf_store_free(e->s);
    wf_module_free(e->m);
}

static int call_i32(struct jit_env *e, const char *name, int32_t arg, int32_t *out,
                    weft_error **err)
{
    wf_value a = {.type = WF_I32, .of.i32 = (uint32_t)arg}, r[1];
    size_t n = 0;
    if (wf_invoke(e->inst, name, &a, 1, r, &n, err) < 0)
        return -1;
    *out = (int32_t)r[0].of.i32;
    return 0;
}

TEST(compiled_stack_is_charged_and_bounded_by_the_budget)
{
    struct jit_env e;
    wf_config cfg = {.max_memory_bytes = 1u << 20};
    jit_setup(&e, &cfg);
    weft_error *err = NULL;
    int32_t v = 0;
    uint64_t before = wf_store_used(e.s);
    CHECK_INT(call_i32(&e, "rec", 5000, &v, &err), 0);
    CHECK_INT(v, 5000);
    /* 5000 frames were paid for: at least 16 bytes each of machine stack */
    CHECK(wf_store_used(e.s) >= before + 5000 * 16);
    CHECK_INT(call_i32(&e, "rec", 1000000, &v, &err), -1);
    CHECK_INT(err->kind, WF_ERR_EXHAUSTED);
    CHECK(strstr(err->msg, "the stack reached the memory budget of 1048576 bytes") != NULL);
    werr_free(err), err = NULL;
    CHECK(wf_store_used(e.s) <= cfg.max_memory_bytes);
    /* the engine is usable after it */
    CHECK_INT(call_i32(&e, "rec", 10, &v, &err), 0);
    CHECK_INT(v, 10);
    jit_teardown(&e);
}

TEST(compiled_call_depth_limit)
{
    struct jit_env e;
    wf_config cfg = {.max_call_depth = 1000};
    jit_setup(&e, &cfg);
    weft_error *err = NULL;
    int32_t v = 0;
    CHECK_INT(call_i32(&e, "rec", 900, &v, &err), 0);
    CHECK_INT(call_i32(&e, "rec", 1100, &v, &err), -1);
    CHECK_INT(err->kind, WF_ERR_EXHAUSTED);
    CHECK(strstr(err->msg, "call stack exhausted") != NULL);
    CHECK(strstr(err->msg, "budget") == NULL); /* the depth stopped it */
    werr_free(err);
    jit_teardown(&e);
}

/* a container's limit of 4 MiB, as the handler's memory cap reads it; it
 * keeps the last size asked about (the handler logs a refused grow's size) */
static uint64_t four_mib(void *arg, uint64_t want)
{
    *(uint64_t *)arg = want;
    return 4u << 20;
}

TEST(compiled_memory_grow_follows_the_live_cap)
{
    struct jit_env e;
    uint64_t asked = 0;
    wf_config cfg = {.memory_cap = four_mib, .memory_cap_arg = &asked};
    jit_setup(&e, &cfg);
    weft_error *err = NULL;
    int32_t v = 0;
    CHECK_INT(call_i32(&e, "grow", 10, &v, &err), 0);
    CHECK_INT(v, 1);
    CHECK_INT(call_i32(&e, "grow", 100, &v, &err), 0);
    CHECK_INT(v, -1);               /* 111 pages are over the cap */
    CHECK(asked == 111 * 65536ull); /* asked with the memory's new size */
    CHECK_INT(call_i32(&e, "grow", 1, &v, &err), 0);
    CHECK_INT(v, 11);
    jit_teardown(&e);
}

/* in a child (the filter stays with it): 0 when inc(41) ran on the tier
 * expected */
static int confined_child(enum confine how, bool want_compiled)
{
    pid_t pid = fork();
    if (pid == 0) {
        bool compiled = !want_compiled;
        int64_t got = load_confined("jit", how, &compiled);
        _exit(got == 42 && compiled == want_compiled ? 0 : 1);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

TEST(compiled_before_the_filter_runs_compiled)
{
#if defined(__x86_64__)
    CHECK_INT(confined_child(COMPILE_THEN_FILTER, true), 0);
#endif
}

TEST(compile_refused_falls_back_to_interp)
{
#if defined(__x86_64__)
    CHECK_INT(confined_child(FILTER_THEN_COMPILE, false), 0);
#endif
}

UNIT_MAIN()
