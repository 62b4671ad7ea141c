/* process.capabilities: names, the bounding set, and the five process sets.
 *
 * Sets are handled as 64-bit masks (bit n = capability n): Linux has 41
 * capabilities today and its capset ABI caps them at 64.
 */
#include "linux/security.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#define CAP_ENTRY(c) [c] = #c
/* Indexed by number; every name the runtime-spec "features" document lists. */
static const char *const cap_names[] = {
    CAP_ENTRY(CAP_CHOWN),
    CAP_ENTRY(CAP_DAC_OVERRIDE),
    CAP_ENTRY(CAP_DAC_READ_SEARCH),
    CAP_ENTRY(CAP_FOWNER),
    CAP_ENTRY(CAP_FSETID),
    CAP_ENTRY(CAP_KILL),
    CAP_ENTRY(CAP_SETGID),
    CAP_ENTRY(CAP_SETUID),
    CAP_ENTRY(CAP_SETPCAP),
    CAP_ENTRY(CAP_LINUX_IMMUTABLE),
    CAP_ENTRY(CAP_NET_BIND_SERVICE),
    CAP_ENTRY(CAP_NET_BROADCAST),
    CAP_ENTRY(CAP_NET_ADMIN),
    CAP_ENTRY(CAP_NET_RAW),
    CAP_ENTRY(CAP_IPC_LOCK),
    CAP_ENTRY(CAP_IPC_OWNER),
    CAP_ENTRY(CAP_SYS_MODULE),
    CAP_ENTRY(CAP_SYS_RAWIO),
    CAP_ENTRY(CAP_SYS_CHROOT),
    CAP_ENTRY(CAP_SYS_PTRACE),
    CAP_ENTRY(CAP_SYS_PACCT),
    CAP_ENTRY(CAP_SYS_ADMIN),
    CAP_ENTRY(CAP_SYS_BOOT),
    CAP_ENTRY(CAP_SYS_NICE),
    CAP_ENTRY(CAP_SYS_RESOURCE),
    CAP_ENTRY(CAP_SYS_TIME),
    CAP_ENTRY(CAP_SYS_TTY_CONFIG),
    CAP_ENTRY(CAP_MKNOD),
    CAP_ENTRY(CAP_LEASE),
    CAP_ENTRY(CAP_AUDIT_WRITE),
    CAP_ENTRY(CAP_AUDIT_CONTROL),
    CAP_ENTRY(CAP_SETFCAP),
    CAP_ENTRY(CAP_MAC_OVERRIDE),
    CAP_ENTRY(CAP_MAC_ADMIN),
    CAP_ENTRY(CAP_SYSLOG),
    CAP_ENTRY(CAP_WAKE_ALARM),
    CAP_ENTRY(CAP_BLOCK_SUSPEND),
    CAP_ENTRY(CAP_AUDIT_READ),
    [38] = "CAP_PERFMON",
    [39] = "CAP_BPF",
    [40] = "CAP_CHECKPOINT_RESTORE",
};
#define N_CAP_NAMES ((int)(sizeof cap_names / sizeof cap_names[0]))

int caps_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < N_CAP_NAMES; i++)
        if (cap_names[i] != NULL && strcasecmp(cap_names[i], name) == 0)
            return i;
    return -1;
}

const char *caps_name(int cap)
{
    return cap >= 0 && cap < N_CAP_NAMES ? cap_names[cap] : NULL;
}

int caps_last_cap(void)
{
    static int cached = -1;
    if (cached >= 0)
        return cached;
    int last = N_CAP_NAMES - 1;
    cleanup_fclose FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int v;
    if (f != NULL && fscanf(f, "%d", &v) == 1 && v >= 0 && v < 64)
        last = v;
    cached = last;
    return last;
}

uint64_t caps_mask_from_names(char *const *names, size_t n, const char *what)
{
    uint64_t mask = 0;
    int last = caps_last_cap();
    for (size_t i = 0; i < n; i++) {
        int c = caps_from_name(names[i]);
        if (c < 0 || c > last) {
            /* runc ignores unknown or unavailable capabilities (a newer name
             * on an older kernel must not make the container fail). */
            log_debug("process.capabilities.%s: ignoring unknown or unavailable capability %s",
                      what, names[i]);
            continue;
        }
        mask |= UINT64_C(1) << c;
    }
    return mask;
}

static const char *cap_label(int c)
{
    const char *n = caps_name(c);
    return n ? n : "unnamed capability";
}

int caps_drop_bounding(uint64_t bounding, weft_error **err)
{
    int last = caps_last_cap();
    for (int c = 0; c <= last; c++) {
        if (bounding & (UINT64_C(1) << c))
            continue;
        int in = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
        if (in == 0 || (in < 0 && errno == EINVAL))
            continue; /* already gone, or unknown to this kernel */
        if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0)
            return werr_sys(err, "process.capabilities.bounding: dropping %s (%d)", cap_label(c),
                            c);
    }
    return 0;
}

static int set_flags(cap_t caps, cap_flag_t flag, uint64_t mask, int last)
{
    for (int c = 0; c <= last; c++) {
        if (!(mask & (UINT64_C(1) << c)))
            continue;
        cap_value_t v = c;
        if (cap_set_flag(caps, flag, 1, &v, CAP_SET) < 0)
            return -1;
    }
    return 0;
}

static int apply_ambient(uint64_t ambient, int last, weft_error **err)
{
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
        /* Kernels before 4.3 have no ambient set: fine unless one is asked. */
        if (errno == EINVAL && ambient == 0)
            return 0;
        return werr_sys(err, "process.capabilities.ambient: clearing the ambient set");
    }
    for (int c = 0; c <= last; c++) {
        if (!(ambient & (UINT64_C(1) << c)))
            continue;
        /* runc only warns here, and configs in the wild (runc's own default
         * spec) list ambient caps without making them inheritable: an
         * ambient cap the kernel refuses is logged and skipped. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0, 0) < 0)
            log_debug("process.capabilities.ambient: cannot raise %s (an ambient capability "
                      "must also be permitted and inheritable): %s",
                      cap_label(c), strerror(errno));
    }
    return 0;
}

int caps_apply_sets(uint64_t effective, uint64_t permitted, uint64_t inheritable, uint64_t ambient,
                    weft_error **err)
{
    int last = caps_last_cap();
    cap_t caps = cap_init(); /* all three sets clear */
    if (caps == NULL)
        return werr_sys(err, "process.capabilities: cap_init");
    int rc = 0;
    if (set_flags(caps, CAP_EFFECTIVE, effective, last) < 0 ||
        set_flags(caps, CAP_PERMITTED, permitted, last) < 0 ||
        set_flags(caps, CAP_INHERITABLE, inheritable, last) < 0)
        rc = werr_sys(err, "process.capabilities: cap_set_flag");
    else if (cap_set_proc(caps) < 0)
        rc = werr_sys(err,
                      "process.capabilities: capset(effective %#" PRIx64 ", permitted %#" PRIx64
                      ", inheritable %#" PRIx64
                      ") (effective must be within permitted, inheritable within bounding)",
                      effective, permitted, inheritable);
    cap_free(caps);
    if (rc < 0)
        return rc;
    return apply_ambient(ambient, last, err);
}
