/* The container process's security settings: rlimits, oom_score_adj, io
 * priority, personality, AppArmor, capabilities, user and groups, umask,
 * no_new_privs and the seccomp filter.
 *
 * All of it runs IN the container process (init or `weft exec`), after
 * pivot_root and just before execve. The order matters and is fixed here:
 *
 *   caller                                   what it does
 *   ------------------------------------------------------------------------
 *   seccomp_prepare(spec seccomp, &f)        build the filter (no syscalls
 *                                            that matter; may run earlier,
 *                                            even before pivot_root)
 *   personality_apply(linux.personality)     optional, any time before execve
 *   if (!process.noNewPrivileges)
 *       seccomp_load_prepared(f)             loading without no_new_privs
 *                                            needs CAP_SYS_ADMIN, which the
 *                                            next call may drop: load first.
 *                                            The filter must then allow the
 *                                            syscalls used by the next call
 *                                            (prctl, capset, setresuid, ...)
 *                                            exactly as with runc.
 *   process_apply_security(process, execs)   steps 1-6 below
 *   ... close fds, chdir, etc.
 *   if (process.noNewPrivileges)
 *       seccomp_load_prepared(f)             as late as possible: fewest
 *                                            syscalls run under the filter
 *   execve
 *
 * process_apply_security():
 *   1. rlimits (raising a hard limit needs CAP_SYS_RESOURCE: before the drop)
 *   2. oom_score_adj, io priority; AppArmor profile and SELinux label for
 *      the next execve (lsm_on_exec; a workload that runs in this process,
 *      the wasm handler, calls lsm_apply(p, false) itself at the last moment)
 *   3. capability bounding set: drop every cap not listed
 *   4. PR_SET_KEEPCAPS 1, setgroups(additionalGids), setresgid, setresuid,
 *      PR_SET_KEEPCAPS 0
 *   5. capset (effective, permitted, inheritable), ambient set, umask
 *   6. PR_SET_NO_NEW_PRIVS when noNewPrivileges
 *
 * Capability names that this build or the running kernel does not know are
 * skipped with a debug log, as runc does ("ignoring unknown or unavailable
 * capabilities"); runc warns, we log at debug level because by this point
 * stderr is the container's own stderr. A process without a `capabilities`
 * object gets empty sets (every capability dropped), as runc does.
 */
#ifndef WEFT_LINUX_SECURITY_H
#define WEFT_LINUX_SECURITY_H

#include "oci/spec.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- process_attrs.c ---------------------------------------------------- */

/* Steps 1-6 above, in that order. Errors name the field: "process.rlimits:
 * RLIMIT_NOFILE: setrlimit(soft 1024, hard 2048): Operation not permitted". */
int process_apply_security(const oci_process *p, bool lsm_on_exec, weft_error **err);

/* Write /proc/self/oom_score_adj. */
int oom_score_adj_apply(int value, weft_error **err);
/* ioprio_set(IOPRIO_WHO_PROCESS, 0, class << 13 | prio). */
int io_priority_apply(int ioprio_class, int prio, weft_error **err);
/* linux.personality: "LINUX" -> PER_LINUX, "LINUX32" -> PER_LINUX32; a NULL
 * personality is a no-op. Not part of process_apply_security because it
 * lives in `linux`, not in `process`. */
int personality_apply(const oci_personality *pers, weft_error **err);
/* PR_SET_NO_NEW_PRIVS 1. */
int no_new_privs_apply(weft_error **err);
/* ---- lsm.c ---------------------------------------------------------------- */

bool apparmor_enabled(void);
bool selinux_enabled(void);
/* process.apparmorProfile and process.selinuxLabel: on_exec, for the next
 * execve; otherwise at once (a workload that runs in this process). A
 * profile or label for an LSM the host does not run is an error (we refuse
 * to run unconfined what asked for confinement). */
int lsm_apply(const oci_process *p, bool on_exec, weft_error **err);
/* lsm_apply's refusal alone, for a workload that applies its labels later
 * (after `start`): so the error still fails `create`. */
int lsm_check(const oci_process *p, weft_error **err);
/* Whether a filesystem takes SELinux's context= mount option. */
bool selinux_takes_mount_label(const char *type);
/* linux.mountLabel as mount data: `data` plus context="LABEL" when SELinux
 * is enabled and the type takes it (and data has no context= of its own);
 * NULL when nothing changes (the label is ignored without SELinux). */
char *selinux_mount_data(const char *type, const char *data, const char *label, bool enabled);

/* ---- rlimits.c ------------------------------------------------------------ */

/* Names of rlimits: oci_rlimit_from_name() / oci_rlimit_name() in oci/spec.h. */
/* setrlimit each entry (soft/hard; UINT64_MAX = unlimited). */
int rlimits_apply(const oci_rlimit *rl, size_t n, weft_error **err);

/* ---- caps.c ------------------------------------------------------------- */

/* "CAP_SYS_ADMIN" (case-insensitive) -> CAP_SYS_ADMIN; -1 if unknown. */
int caps_from_name(const char *name);
/* "CAP_SYS_ADMIN" for a number this build knows, else NULL. */
const char *caps_name(int cap);
/* Highest capability number the running kernel supports
 * (/proc/sys/kernel/cap_last_cap; falls back to the highest we know). */
int caps_last_cap(void);
/* A set of names as a bitmask (bit n = cap n); unknown or unavailable names
 * are skipped with a debug log naming `what` ("bounding"...). */
uint64_t caps_mask_from_names(char *const *names, size_t n, const char *what);
/* Step 3: PR_CAPBSET_DROP every capability not in `bounding`. */
int caps_drop_bounding(uint64_t bounding, weft_error **err);
/* Step 5 (capabilities part): capset E/P/I, then clear and raise ambient. */
int caps_apply_sets(uint64_t effective, uint64_t permitted, uint64_t inheritable, uint64_t ambient,
                    weft_error **err);

/* ---- user.c ------------------------------------------------------------- */

/* True when /proc/self/setgroups says "deny" (a user namespace whose gid map
 * was written without CAP_SETGID in the parent). */
bool setgroups_denied(void);
/* Step 4: keepcaps, setgroups, setresgid, setresuid, keepcaps off. With
 * setgroups denied, an empty additionalGids is fine (nothing to set) and a
 * non-empty one is an error, as in runc: we never silently drop groups. */
int user_apply(const oci_user *u, weft_error **err);

/* ---- seccomp.c ------------------------------------------------------------ */

struct weft_seccomp;

/* Build a libseccomp filter from linux.seccomp: default action, architectures
 * ("SCMP_ARCH_X86_64" -> x86_64), flags, and every rule. Unknown syscall
 * names are skipped (debug log), as runc does; a rule whose action equals the
 * default action is skipped (libseccomp rejects it and it changes nothing).
 * Several conditions on the SAME argument become one rule per condition
 * (libseccomp forbids them in one rule; this is runc's behaviour: they act
 * as OR). An unknown architecture or flag is an error naming it.
 * The filter never sets no_new_privs by itself (process_apply_security does,
 * when asked). */
int seccomp_prepare(const oci_seccomp *s, struct weft_seccomp **out, weft_error **err);
/* Load into the calling thread (see the order at the top of this file). When
 * the filter has SCMP_ACT_NOTIFY rules, the notify fd is kept in `f` (take it
 * with seccomp_take_notify_fd). */
int seccomp_load_prepared(struct weft_seccomp *f, weft_error **err);
/* True when some rule (or the default) is SCMP_ACT_NOTIFY. */
bool seccomp_uses_notify(const struct weft_seccomp *f);
/* After a load with notify: the listener fd (caller owns it), else -1. */
int seccomp_take_notify_fd(struct weft_seccomp *f);
void seccomp_free(struct weft_seccomp *f);

/* runtime-spec "containerProcessState" for the seccomp agent:
 * {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": STATE}.
 * `state_json` is the container's state object (as `weft state` prints it);
 * `metadata` may be NULL. Returns a new string, or NULL (and *err) if
 * state_json is not a JSON object. */
char *seccomp_process_state_json(const char *oci_version, pid_t pid, const char *metadata,
                                 const char *state_json, weft_error **err);
/* Connect to the seccomp agent's unix socket at `listener_path` and send
 * `payload` with `notify_fd` attached (SCM_RIGHTS), as runtime-spec asks.
 * Runs on the host side (the runtime), since listenerPath is a host path:
 * the container process hands its notify fd to the runtime first. */
int seccomp_send_to_listener(const char *listener_path, int notify_fd, const char *payload,
                             weft_error **err);

#endif
