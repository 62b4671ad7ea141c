/* The engine's compiled tier: on by default on x86-64, off with
 * WEFT_WASM_TIER=interp, and where executable memory is refused (here: a
 * seccomp filter that fails mmap/mprotect with PROT_EXEC) modules are
 * interpreted and still run. */
#include "unit.h"
#include "wasm/module.h"
#include "wasm/wasm.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
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
