/* The container process's attributes (oom_score_adj, io priority,
 * personality, no_new_privs) and process_apply_security(), which
 * applies everything about credentials and limits in the one safe order
 * (see linux/security.h).
 */
#include "linux/security.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* From linux/ioprio.h, which older uapi headers lack. */
#define WEFT_IOPRIO_WHO_PROCESS 1
#define WEFT_IOPRIO_CLASS_SHIFT 13

int oom_score_adj_apply(int value, weft_error **err)
{
    if (value < -1000 || value > 1000)
        return werr_set(err, 0, "process.oomScoreAdj: %d is outside [-1000, 1000]", value);
    char buf[16];
    snprintf(buf, sizeof buf, "%d", value);
    if (write_text("/proc/self/oom_score_adj", buf, err) < 0)
        return werr_prefix(err, "process.oomScoreAdj");
    return 0;
}

int io_priority_apply(int ioprio_class, int prio, weft_error **err)
{
    if (ioprio_class < 1 || ioprio_class > 3)
        return werr_set(err, 0, "process.ioPriority.class: unknown class %d", ioprio_class);
    if (prio < 0 || prio > 7)
        return werr_set(err, 0, "process.ioPriority.priority: %d is outside [0, 7]", prio);
    int value = (ioprio_class << WEFT_IOPRIO_CLASS_SHIFT) | prio;
    if (syscall(SYS_ioprio_set, WEFT_IOPRIO_WHO_PROCESS, 0, value) < 0)
        return werr_sys(err, "process.ioPriority: ioprio_set(class %d, priority %d)", ioprio_class,
                        prio);
    return 0;
}

int personality_apply(const oci_personality *pers, weft_error **err)
{
    if (pers == NULL || pers->domain == NULL)
        return 0;
    unsigned long persona;
    if (strcmp(pers->domain, "LINUX") == 0)
        persona = PER_LINUX;
    else if (strcmp(pers->domain, "LINUX32") == 0)
        persona = PER_LINUX32;
    else
        return werr_set(err, 0, "linux.personality.domain: unknown domain \"%s\"", pers->domain);
    if (personality(persona) < 0)
        return werr_sys(err, "linux.personality: personality(%s)", pers->domain);
    return 0;
}

int no_new_privs_apply(weft_error **err)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return werr_sys(err, "process.noNewPrivileges: prctl(PR_SET_NO_NEW_PRIVS)");
    return 0;
}

struct cap_masks {
    uint64_t bounding, effective, permitted, inheritable, ambient;
};

/* No `capabilities` object means empty sets: everything dropped (runc). */
static struct cap_masks cap_masks_of(const oci_process *p)
{
    struct cap_masks m = {0};
    if (!p->has_capabilities)
        return m;
    const oci_capabilities *c = &p->capabilities;
    m.bounding = caps_mask_from_names(c->bounding, c->n_bounding, "bounding");
    m.effective = caps_mask_from_names(c->effective, c->n_effective, "effective");
    m.permitted = caps_mask_from_names(c->permitted, c->n_permitted, "permitted");
    m.inheritable = caps_mask_from_names(c->inheritable, c->n_inheritable, "inheritable");
    m.ambient = caps_mask_from_names(c->ambient, c->n_ambient, "ambient");
    return m;
}

/* Steps 1-2: everything that may need privileges we are about to drop. */
static int apply_privileged_attrs(const oci_process *p, weft_error **err)
{
    if (rlimits_apply(p->rlimits, p->n_rlimits, err) < 0)
        return -1;
    if (p->has_oom_score_adj && oom_score_adj_apply(p->oom_score_adj, err) < 0)
        return -1;
    if (p->has_io_priority && io_priority_apply(p->io_priority_class, p->io_priority, err) < 0)
        return -1;
    return 0;
}

int process_apply_security(const oci_process *p, bool lsm_on_exec, weft_error **err)
{
    if (apply_privileged_attrs(p, err) < 0)
        return -1;
    if (lsm_on_exec && lsm_apply(p, true, err) < 0)
        return -1;
    struct cap_masks m = cap_masks_of(p);
    if (caps_drop_bounding(m.bounding, err) < 0)
        return -1;
    if (user_apply(&p->user, err) < 0)
        return -1;
    if (caps_apply_sets(m.effective, m.permitted, m.inheritable, m.ambient, err) < 0)
        return -1;
    if (p->user.has_umask)
        umask(p->user.umask);
    if (p->no_new_privileges && no_new_privs_apply(err) < 0)
        return -1;
    return 0;
}
