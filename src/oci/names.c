/* Name tables of the runtime-spec: rlimits, namespaces, capabilities, seccomp, scheduler. */
#include "oci/parse_ctx.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

struct name_val {
    const char *name;
    int val;
};

static int lookup(const struct name_val *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].val;
    return -1;
}
#define LOOKUP(t, name) lookup((t), sizeof(t) / sizeof((t)[0]), (name))

static const char *const ns_names[OCI_NS_COUNT] = {
    [OCI_NS_PID] = "pid",       [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
    [OCI_NS_IPC] = "ipc",       [OCI_NS_UTS] = "uts",         [OCI_NS_USER] = "user",
    [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

const char *oci_ns_name(enum oci_ns_type type)
{
    return (unsigned)type < OCI_NS_COUNT ? ns_names[type] : NULL;
}

int oci_ns_from_name(const char *name)
{
    for (int i = 0; i < OCI_NS_COUNT; i++)
        if (name != NULL && strcmp(ns_names[i], name) == 0)
            return i;
    return -1;
}

const char *const oci_hook_names[OCI_HOOK_KIND_COUNT] = {
    [OCI_HOOK_PRESTART] = "prestart",
    [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [OCI_HOOK_START_CONTAINER] = "startContainer",
    [OCI_HOOK_POSTSTART] = "poststart",
    [OCI_HOOK_POSTSTOP] = "poststop",
};

static const struct name_val rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int oci_rlimit_from_name(const char *name)
{
    return LOOKUP(rlimits, name);
}

const char *oci_rlimit_name(int resource)
{
    for (size_t i = 0; i < sizeof rlimits / sizeof rlimits[0]; i++)
        if (rlimits[i].val == resource)
            return rlimits[i].name;
    return NULL;
}

/* Values of linux/ioprio.h (not every libc ships that header). */
static const struct name_val ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
};

int oci_ioprio_class_from_name(const char *name)
{
    return LOOKUP(ioprio_classes, name);
}

static const struct name_val sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};

int oci_sched_policy_from_name(const char *name)
{
    return LOOKUP(sched_policies, name);
}

static const struct name_val sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

bool oci_sched_flag_known(const char *name)
{
    return LOOKUP(sched_flags, name) >= 0;
}

bool oci_cap_known(const char *name)
{
    if (strncmp(name, "CAP_", 4) != 0 || name[4] == '\0')
        return false;
    for (const char *p = name + 4; *p; p++)
        if (!isupper((unsigned char)*p) && *p != '_' && !isdigit((unsigned char)*p))
            return false;
    cap_value_t v;
    if (cap_from_name(name, &v) != 0)
        return false;
    /* libcap also parses bare numbers; only names it knows count. */
    char *back = cap_to_name(v);
    bool named = back != NULL && strcasecmp(back, name) == 0;
    cap_free(back);
    return named;
}

const char *const oci_seccomp_action_names[] = {
    "SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO",
    "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",      "SCMP_ACT_TRACE",
    "SCMP_ACT_TRAP",        NULL,
};

/* 1: the action carries an errno/trace value (errnoRet), 0: plain, -1: unknown. */
int oci_seccomp_action_from_name(const char *name, uint32_t *base)
{
    static const struct {
        const char *name;
        uint32_t act;
        int takes_ret;
    } acts[] = {
        {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, 0},
        {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), 1},
        {"SCMP_ACT_KILL", SCMP_ACT_KILL, 0},
        {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, 0},
        {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, 0},
        {"SCMP_ACT_LOG", SCMP_ACT_LOG, 0},
        {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, 0},
        {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), 1},
        {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, 0},
    };
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        if (strcmp(acts[i].name, name) == 0) {
            *base = acts[i].act;
            return acts[i].takes_ret;
        }
    }
    return -1;
}

const char *const oci_seccomp_op_names[] = {
    "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
    "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL,
};

int oci_seccomp_op_from_name(const char *name)
{
    static const struct name_val ops[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},
        {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    };
    return LOOKUP(ops, name);
}

/* Every name the runtime-spec defines; oci_seccomp_arch_known() keeps those this
 * libseccomp can resolve, so a config never names an arch the filter cannot add. */
const char *const oci_seccomp_arch_names[] = {
    "SCMP_ARCH_AARCH64",   "SCMP_ARCH_ARM",      "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_RISCV64",  "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
    "SCMP_ARCH_X32",       "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",   NULL,
};

bool oci_seccomp_arch_known(const char *name)
{
    bool listed = false;
    for (size_t i = 0; oci_seccomp_arch_names[i] != NULL; i++)
        listed = listed || strcmp(oci_seccomp_arch_names[i], name) == 0;
    if (!listed)
        return false;
    char lower[32];
    size_t n = 0;
    for (const char *p = name + strlen("SCMP_ARCH_"); *p && n + 1 < sizeof lower; p++)
        lower[n++] = (char)tolower((unsigned char)*p);
    lower[n] = '\0';
    return seccomp_arch_resolve_name(lower) != 0;
}

const char *const oci_seccomp_flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    NULL,
};

/* Those libseccomp 2.5 can set (WAIT_KILLABLE_RECV needs 2.6). */
const char *const oci_seccomp_supported_flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    NULL,
};

bool oci_seccomp_flag_known(const char *name)
{
    for (size_t i = 0; oci_seccomp_flag_names[i] != NULL; i++)
        if (strcmp(oci_seccomp_flag_names[i], name) == 0)
            return true;
    return false;
}
