/* process.rlimits: names <-> RLIMIT_* numbers and setrlimit. */
#include "linux/security.h"

#include <inttypes.h>
#include <string.h>
#include <sys/resource.h>

static const struct {
    const char *name;
    int resource;
} rlimit_table[] = {
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

#define N_RLIMITS (sizeof rlimit_table / sizeof rlimit_table[0])

int rlimit_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    /* The spec spells them in upper case; runc is exact. We are exact too, so
     * a config that works here works with runc. */
    for (size_t i = 0; i < N_RLIMITS; i++)
        if (strcmp(rlimit_table[i].name, name) == 0)
            return rlimit_table[i].resource;
    return -1;
}

const char *rlimit_name(int resource)
{
    for (size_t i = 0; i < N_RLIMITS; i++)
        if (rlimit_table[i].resource == resource)
            return rlimit_table[i].name;
    return NULL;
}

/* The parser resolves `resource`, but an oci_rlimit built by hand (tests, exec
 * --process) may carry only the name: prefer the name when there is one. */
static int resolve_resource(const oci_rlimit *r)
{
    if (r->type != NULL)
        return rlimit_from_name(r->type);
    return rlimit_name(r->resource) != NULL ? r->resource : -1;
}

int rlimits_apply(const oci_rlimit *rl, size_t n, weft_error **err)
{
    for (size_t i = 0; i < n; i++) {
        const char *label = rl[i].type ? rl[i].type : "?";
        int res = resolve_resource(&rl[i]);
        if (res < 0)
            return werr_set(err, 0, "process.rlimits[%zu]: unknown rlimit type \"%s\"", i, label);
        if (rl[i].soft > rl[i].hard)
            return werr_set(err, 0,
                            "process.rlimits[%zu]: %s: soft limit %" PRIu64
                            " is above the hard limit %" PRIu64,
                            i, label, rl[i].soft, rl[i].hard);
        /* RLIM_INFINITY is all ones on Linux, as is the spec's UINT64_MAX. */
        struct rlimit lim = {.rlim_cur = (rlim_t)rl[i].soft, .rlim_max = (rlim_t)rl[i].hard};
        if (setrlimit((__rlimit_resource_t)res, &lim) < 0)
            return werr_sys(
                err, "process.rlimits[%zu]: %s: setrlimit(soft %" PRIu64 ", hard %" PRIu64 ")", i,
                label, rl[i].soft, rl[i].hard);
    }
    return 0;
}
