/* Internals of src/cgroup shared between its files and its unit tests.
 *
 * Every function takes directories as parameters (never a hard-coded
 * /sys/fs/cgroup), so tests can point them at a fake tree in a temp dir. */
#ifndef WEFT_CGROUP_CG_INTERNAL_H
#define WEFT_CGROUP_CG_INTERNAL_H

#include "cgroup/cgroup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cg_mode { CG_MODE_NONE = 0, CG_MODE_V1, CG_MODE_HYBRID, CG_MODE_V2 };

/* One mounted v1 hierarchy. */
typedef struct cg_hier {
    char *controllers; /* "memory", "cpu,cpuacct", "name=systemd" */
    char *mount;       /* where it is mounted */
    char *own;         /* the runtime's own cgroup in it, relative to the mount ("/" ...) */
} cg_hier;

/* What this machine has (or what a test pretends it has). */
typedef struct cg_layout {
    enum cg_mode mode;
    cg_hier *hier;
    size_t n_hier;
    char *unified_mount; /* cgroup2 mount (v2, hybrid), else NULL */
    char *unified_own;   /* own cgroup in it, relative to the mount */
    char *registry;      /* hybrid: where weft counts the controllers it enabled */
} cg_layout;

/* Where the registry of controllers weft enabled in a hybrid host's unified
 * tree lives (cg_enable.c); one for every --root. */
#define CG_REGISTRY "/run/weft-cgroup"

/* A controller weft enabled in a unified cgroup's subtree_control (hybrid),
 * to disable again with the last container that needs it. */
typedef struct cg_enabled {
    char *dir;
    char *ctrl;
} cg_enabled;

/* One directory of the container. `top` is the highest directory we created
 * (NULL if the leaf existed already). destroy removes the leaf, then the
 * empty parents up to `top`; a failed create removes only from `top` down. */
typedef struct cg_dir {
    char *controllers; /* v1 list, or "" for the unified directory */
    char *path;
    char *top;
} cg_dir;

/* A cgroup manager (--cgroup-manager): how a container's cgroup is made,
 * entered, updated and removed. Freezing, listing and signalling work on the
 * directories (cg_control.c), the same for every driver that has them. */
typedef struct cg_driver {
    const char *name; /* as --cgroup-manager and state.json's "manager" spell it */
    bool has_cgroup;  /* false: no directories (freeze and kill-all are refused) */
    int (*create)(const char *cgroups_path, const char *id, const oci_resources *res, cgroup **out,
                  weft_error **err);
    /* The handle create would return, made without creating anything
     * (cgroup_plan); NULL when create itself has no side effects before
     * enter, and is called with no resources instead. */
    int (*plan)(const char *cgroups_path, const char *id, cgroup **out, weft_error **err);
    int (*enter)(cgroup *cg, pid_t pid, weft_error **err);
    int (*update)(cgroup *cg, const oci_resources *res, weft_error **err);
    int (*destroy)(cgroup *cg, weft_error **err);
} cg_driver;

extern const cg_driver cg_driver_cgroupfs, cg_driver_systemd, cg_driver_disabled;
/* NULL names cgroupfs; an unknown name gives NULL. */
const cg_driver *cg_driver_find(const char *name);

struct cgroup {
    const cg_driver *drv;
    enum cg_mode mode;
    cg_dir *v1; /* v1 hierarchies (v1, hybrid) */
    size_t n_v1;
    cg_dir *unified;     /* v2 and hybrid (hybrid: may be NULL if it could not be made) */
    char *unified_mount; /* the unified tree's mount, to enable controllers from its root */
    char *registry;      /* hybrid: the registry of enabled controllers (cg_enable.c) */
    cg_enabled *enabled; /* hybrid: what this container holds in the registry */
    size_t n_enabled;
    /* the systemd driver */
    char *unit;                   /* the container's scope, "weft-<id>.scope" */
    char *slice;                  /* the slice it is in */
    bool user_bus;                /* the user's manager (rootless), else the system's */
    bool started;                 /* the scope exists (started at the first enter) */
    const oci_resources *pending; /* create -> enter: the resources to start the scope with */
};

/* Replace *err by e (err may be NULL). Returns -1. */
static inline int cg_err_move(weft_error **err, weft_error *e)
{
    if (err == NULL) {
        werr_free(e);
        return -1;
    }
    werr_free(*err);
    *err = e;
    return -1;
}

/* cgroup.c: cgroup_create() on a given layout (tests pass a fake one). */
int cg_create_in(const cg_layout *l, const char *cgroups_path, const char *id,
                 const oci_resources *res, cgroup **out, weft_error **err);

/* cg_cgroupfs.c: wait ~1 s for the cgroup's processes to be gone; fail naming one. */
int cg_wait_no_pids(cgroup *cg, weft_error **err);

/* cg_unit.c: systemd unit names and properties (no D-Bus here). */
typedef struct cg_prop {
    const char *name;
    char type; /* 't' u64, 'b' bool, 's' string, 'y' bytes (ay), 'u' one pid (au) */
    uint64_t t;
    char *s;
    unsigned char *bytes;
    size_t n_bytes;
} cg_prop;
typedef struct cg_props {
    cg_prop *v;
    size_t n;
} cg_props;
void cg_props_add(cg_props *p, const char *name, char type, uint64_t t, const char *s);
void cg_props_free(cg_props *p);
/* The unit properties systemd has for `res` (the rest goes to files). */
int cg_unit_resource_props(const oci_resources *res, cg_props *p, weft_error **err);
/* runc's systemd cgroupsPath "slice:prefix:name"; empty: `default_slice`
 * and "weft-<id>.scope". */
int cg_unit_names(const char *cgroups_path, const char *id, const char *default_slice, char **slice,
                  char **unit, weft_error **err);
/* "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "" */
char *cg_slice_path(const char *slice);
/* A cpuset list ("0-3,5") as systemd's AllowedCPUs byte mask. */
int cg_cpuset_mask(const char *list, unsigned char **mask, size_t *n, weft_error **err);

/* cg_dbus.c: the calls to systemd's manager (cg_dbus_none.c without libdbus). */
typedef struct cg_bus cg_bus;
int cg_bus_open(bool user, cg_bus **out, weft_error **err);
void cg_bus_close(cg_bus *b);
/* The manager's own cgroup ("" for the system's, user@UID.service's for a user's). */
int cg_bus_manager_cgroup(cg_bus *b, char **out, weft_error **err);
/* ActiveState of a unit; "" when systemd has no such unit loaded. */
int cg_bus_unit_state(cg_bus *b, const char *unit, char **out, weft_error **err);
/* A string property of org.freedesktop.systemd1.Unit; "" when there is no such unit. */
int cg_bus_unit_prop(cg_bus *b, const char *unit, const char *prop, char **out, weft_error **err);
/* StartTransientUnit (mode "fail"), then wait until the unit is active. */
int cg_bus_start(cg_bus *b, const char *unit, const cg_props *p, weft_error **err);
int cg_bus_set(cg_bus *b, const char *unit, const cg_props *p, weft_error **err);
/* StopUnit and wait until it is gone (no such unit is success). */
int cg_bus_stop(cg_bus *b, const char *unit, weft_error **err);

/* cg_layout.c */
int cg_layout_detect(cg_layout **out, weft_error **err);
/* Parse text of /proc/self/mountinfo and /proc/self/cgroup (tests feed fixtures). */
int cg_layout_parse(const char *mountinfo, const char *proc_cgroup, cg_layout **out,
                    weft_error **err);
cg_layout *cg_layout_new_v2(const char *mount, const char *own);
cg_layout *cg_layout_new_v1(void);
void cg_layout_add_v1(cg_layout *l, const char *controllers, const char *mount, const char *own);
void cg_layout_free(cg_layout *l);
/* Normalize a cgroupsPath: collapse "//" and "/./", reject "..". *abs tells if
 * it was absolute; the result has no leading or trailing '/' ("" = the root). */
int cg_path_normalize(const char *in, char **out, bool *abs, weft_error **err);
/* true if comma-separated `list` contains `name` */
bool cg_list_has(const char *list, const char *name);

/* cg_fs.c */
int cg_write(const char *dir, const char *file, const char *value, weft_error **err);
int cg_writef(const char *dir, const char *file, weft_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Read a whole small file, trailing newline stripped. */
int cg_read(const char *dir, const char *file, char **out, weft_error **err);
bool cg_exists(const char *dir, const char *file);
/* mkdir -p of `path` below existing `base`; *top = first created dir or NULL.
 * `cpuset`: copy cpuset.cpus/mems from the parent into each new level (v1). */
int cg_mkdir_below(const char *base, const char *path, bool cpuset, char **top, weft_error **err);
/* rmdir the leaf (and any sub-cgroups) then its parents up to `top`. */
int cg_rmdir_tree(const char *leaf, const char *top, weft_error **err);
/* memory.checkBeforeUpdate: refuse a limit at or below the usage file's value. */
int cg_check_usage(const char *dir, const char *usage_file, int64_t limit, weft_error **err);
/* Append the pids of cgroup.procs of dir and every sub-directory. */
int cg_collect_pids(const char *dir, pid_t **pids, size_t *n, weft_error **err);

/* cg_v1.c: apply resources to the v1 directories of cg (and, in hybrid, the
 * unified directory for controllers only attached there). */
int cg_v1_apply(cgroup *cg, const oci_resources *res, weft_error **err);
const char *cg_v1_dir(const cgroup *cg, const char *controller);

/* cg_v2.c: apply resources to one unified directory. */
int cg_v2_apply(const char *dir, const oci_resources *res, weft_error **err);
/* Only parts (hybrid uses these for controllers attached to v2 alone). */
int cg_v2_hugetlb(const char *dir, const oci_resources *res, weft_error **err);
int cg_v2_unified(const char *dir, const oci_resources *res, weft_error **err);
int cg_v2_rdma(const char *dir, const oci_resources *res, weft_error **err);
/* The v2 controllers `res` needs (NULL-terminated, free with strv_free); in
 * hybrid only those v1 does not serve (`v1_has` tells; NULL: pure v2). */
char **cg_v2_needed(const oci_resources *res, const cgroup *cg);

/* cg_enable.c: make `ctrls` usable in cg->unified: enable each in the
 * subtree_control of every level from the mount root to the leaf's parent.
 * Fails naming the controller and the level. `best_effort_all`: also try every
 * controller the root offers (pure v2, as other runtimes do), ignoring refusals. */
int cg_v2_enable(cgroup *cg, char *const *ctrls, bool best_effort_all, weft_error **err);
/* Hybrid: give back what cg holds; the last holder disables the controller. */
void cg_v2_release(cgroup *cg);
uint64_t cg_v2_cpu_weight(uint64_t shares);
uint64_t cg_v2_io_weight(uint64_t blkio_weight);
/* swap for memory.swap.max from OCI's memory+swap; -1 = "max", 0 = leave unset */
int cg_v2_swap(int64_t swap, int64_t limit, int64_t *out, weft_error **err);

/* cg_devices.c */
/* The rules to enforce: the spec's, then the devices every container gets
 * (as runc). n == 0 when the spec gives none (then nothing is restricted). */
oci_device_rule *cg_device_rules(const oci_resources *res, size_t *n);
/* v1: deny all, then each rule in order, to devices.deny / devices.allow. */
int cg_devices_v1(const char *dir, const oci_device_rule *rules, size_t n, weft_error **err);
/* v2: an eBPF BPF_PROG_TYPE_CGROUP_DEVICE program (the last matching rule
 * wins, no match denies), attached to dir; replaces the one we attached before. */
struct bpf_insn;
struct bpf_insn *cg_devices_bpf_program(const oci_device_rule *rules, size_t n, size_t *len);
int cg_devices_v2(const char *dir, const oci_device_rule *rules, size_t n, weft_error **err);

#endif
