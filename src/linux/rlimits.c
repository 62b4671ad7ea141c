/* process.rlimits: names <-> RLIMIT_* numbers and setrlimit. */
#include "linux/security.h"

#include <inttypes.h>
#include <string.h>
#include <sys/resource.h>

/* The parser resolves `resource`, but an oci_rlimit built by hand (tests, exec
 * --process) may carry only the name: prefer the name when there is one. */
static int resolve_resource(const oci_rlimit *r)
{
    if (r->type != NULL)
        return oci_rlimit_from_name(r->type);
    return oci_rlimit_name(r->resource) != NULL ? r->resource : -1;
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
