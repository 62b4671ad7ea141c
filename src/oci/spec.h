/* The OCI runtime-spec 1.2 configuration (config.json) as typed C data.
 *
 * oci_spec_load() parses and validates; everything after it (container setup,
 * cgroups, handlers) reads only these structs, never JSON. Strings are owned
 * and NUL-terminated; string arrays are NULL-terminated (`char **`) with a
 * count beside them; an optional scalar has a `has_` flag. Unknown fields are
 * ignored, as the spec requires. Only Linux fields are modelled.
 */
#ifndef WEFT_OCI_SPEC_H
#define WEFT_OCI_SPEC_H

/* The runtime-spec version weft implements: the ociVersion of the state
 * documents it writes and the newest config version it reads. */
#define OCI_SPEC_VERSION "1.2.0"
/* The largest config.json (or exec --process file) weft reads. */
#define OCI_MAX_CONFIG (64u << 20)

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct oci_kv {
    char *key;
    char *value;
} oci_kv;

typedef struct oci_id_mapping {
    uint32_t container_id, host_id, size;
} oci_id_mapping;

typedef struct oci_mount {
    char *destination; /* required, absolute inside the container */
    char *type;        /* may be NULL (bind mounts) */
    char *source;      /* may be NULL */
    char **options;    /* raw option strings as written */
    size_t n_options;
    oci_id_mapping *uid_mappings; /* idmapped mounts */
    size_t n_uid_mappings;
    oci_id_mapping *gid_mappings;
    size_t n_gid_mappings;
    bool relative_destination; /* written relative (deprecated): taken from "/" */
} oci_mount;

typedef struct oci_rlimit {
    char *type;   /* "RLIMIT_NOFILE" ... */
    int resource; /* resolved RLIMIT_* number */
    uint64_t soft, hard;
} oci_rlimit;

typedef struct oci_capabilities {
    /* Each set is a list of "CAP_*" names; NULL means the set is absent. */
    char **bounding, **effective, **inheritable, **permitted, **ambient;
    size_t n_bounding, n_effective, n_inheritable, n_permitted, n_ambient;
} oci_capabilities;

typedef struct oci_user {
    uid_t uid;
    gid_t gid;
    bool has_umask;
    mode_t umask;
    gid_t *additional_gids;
    size_t n_additional_gids;
    char *username;
} oci_user;

typedef struct oci_console_size {
    unsigned height, width;
} oci_console_size;

typedef struct oci_process {
    bool terminal;
    bool has_console_size;
    oci_console_size console_size;
    char *cwd; /* required, absolute */
    char **env;
    size_t n_env;
    char **args; /* required non-empty unless the handler says otherwise */
    size_t n_args;
    oci_rlimit *rlimits;
    size_t n_rlimits;
    char *apparmor_profile;
    bool has_capabilities;
    oci_capabilities capabilities;
    bool no_new_privileges;
    bool has_oom_score_adj;
    int oom_score_adj;
    char *selinux_label;
    oci_user user;
    /* scheduler / ioPriority / execCPUAffinity are parsed for validation only */
    bool has_io_priority;
    int io_priority_class; /* IOPRIO_CLASS_* */
    int io_priority;
} oci_process;

typedef struct oci_hook {
    char *path; /* absolute, on the host */
    char **args;
    size_t n_args;
    char **env;
    size_t n_env;
    bool has_timeout;
    int timeout; /* seconds, > 0 */
} oci_hook;

enum oci_hook_kind {
    OCI_HOOK_PRESTART,
    OCI_HOOK_CREATE_RUNTIME,
    OCI_HOOK_CREATE_CONTAINER,
    OCI_HOOK_START_CONTAINER,
    OCI_HOOK_POSTSTART,
    OCI_HOOK_POSTSTOP,
    OCI_HOOK_KIND_COUNT
};

typedef struct oci_hooks {
    oci_hook *list[OCI_HOOK_KIND_COUNT];
    size_t n[OCI_HOOK_KIND_COUNT];
} oci_hooks;

enum oci_ns_type {
    OCI_NS_PID,
    OCI_NS_NETWORK,
    OCI_NS_MOUNT,
    OCI_NS_IPC,
    OCI_NS_UTS,
    OCI_NS_USER,
    OCI_NS_CGROUP,
    OCI_NS_TIME,
    OCI_NS_COUNT
};

typedef struct oci_namespace {
    enum oci_ns_type type;
    char *path; /* NULL: create a new one; else join by path */
} oci_namespace;

typedef struct oci_device {
    char type; /* 'c', 'b', 'u', 'p' */
    char *path;
    int64_t major, minor; /* required except for 'p' */
    bool has_file_mode;
    mode_t file_mode;
    bool has_uid, has_gid;
    uid_t uid;
    gid_t gid;
} oci_device;

typedef struct oci_device_rule {
    bool allow;
    char type;            /* 'a', 'c', 'b'; 'a' when absent */
    int64_t major, minor; /* -1 = wildcard */
    char access[4];       /* subset of "rwm"; "rwm" when absent */
} oci_device_rule;

/* An optional signed/unsigned resource value. */
typedef struct oci_opt_i64 {
    bool set;
    int64_t v;
} oci_opt_i64;
typedef struct oci_opt_u64 {
    bool set;
    uint64_t v;
} oci_opt_u64;

typedef struct oci_memory {
    oci_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
    oci_opt_u64 swappiness;
    bool has_disable_oom_killer;
    bool disable_oom_killer;
    bool has_use_hierarchy;
    bool use_hierarchy;
    bool check_before_update;
} oci_memory;

typedef struct oci_cpu {
    oci_opt_u64 shares, period, realtime_period, burst;
    oci_opt_i64 quota, realtime_runtime, idle;
    char *cpus; /* cpuset list, NULL if absent */
    char *mems;
} oci_cpu;

typedef struct oci_weight_device {
    int64_t major, minor;
    bool has_weight, has_leaf_weight;
    uint16_t weight, leaf_weight;
} oci_weight_device;

typedef struct oci_throttle_device {
    int64_t major, minor;
    uint64_t rate;
} oci_throttle_device;

typedef struct oci_blkio {
    bool has_weight, has_leaf_weight;
    uint16_t weight, leaf_weight;
    oci_weight_device *weight_device;
    size_t n_weight_device;
    /* read_bps, write_bps, read_iops, write_iops */
    oci_throttle_device *throttle[4];
    size_t n_throttle[4];
} oci_blkio;

typedef struct oci_hugepage_limit {
    char *page_size; /* "2MB" */
    uint64_t limit;
} oci_hugepage_limit;

typedef struct oci_net_priority {
    char *name;
    uint32_t priority;
} oci_net_priority;

/* linux.resources.rdma["<device>"] */
typedef struct oci_rdma {
    char *device;
    bool has_handles, has_objects;
    uint32_t handles, objects;
} oci_rdma;

typedef struct oci_resources {
    oci_device_rule *devices;
    size_t n_devices;
    bool has_memory;
    oci_memory memory;
    bool has_cpu;
    oci_cpu cpu;
    bool has_pids;
    int64_t pids_limit; /* <= 0: unlimited */
    bool has_blkio;
    oci_blkio blkio;
    oci_hugepage_limit *hugepage_limits;
    size_t n_hugepage_limits;
    bool has_network;
    bool has_class_id;
    uint32_t class_id;
    oci_net_priority *net_priorities;
    size_t n_net_priorities;
    oci_kv *unified; /* cgroup v2 "file": "value" */
    size_t n_unified;
    oci_rdma *rdma; /* cgroup v2 rdma.max; v1 has no rdma support in weft */
    size_t n_rdma;
} oci_resources;

typedef struct oci_seccomp_arg {
    unsigned index;
    uint64_t value, value_two;
    int op; /* SCMP_CMP_* from seccomp.h */
} oci_seccomp_arg;

typedef struct oci_seccomp_rule {
    char **names;
    size_t n_names;
    uint32_t action; /* SCMP_ACT_* value, errno folded in */
    oci_seccomp_arg *args;
    size_t n_args;
} oci_seccomp_rule;

typedef struct oci_seccomp {
    uint32_t default_action; /* SCMP_ACT_* value */
    char **architectures;    /* "SCMP_ARCH_X86_64" ... */
    size_t n_architectures;
    char **flags; /* "SECCOMP_FILTER_FLAG_*" */
    size_t n_flags;
    char *listener_path;
    char *listener_metadata;
    oci_seccomp_rule *syscalls;
    size_t n_syscalls;
} oci_seccomp;

typedef struct oci_time_offset {
    int64_t secs;
    uint32_t nanosecs;
} oci_time_offset;

typedef struct oci_personality {
    char *domain; /* "LINUX" or "LINUX32" */
} oci_personality;

typedef struct oci_linux {
    oci_namespace *namespaces;
    size_t n_namespaces;
    oci_id_mapping *uid_mappings;
    size_t n_uid_mappings;
    oci_id_mapping *gid_mappings;
    size_t n_gid_mappings;
    bool has_time_offsets;
    oci_time_offset monotonic, boottime;
    oci_device *devices;
    size_t n_devices;
    char *cgroups_path; /* NULL if absent */
    bool has_resources;
    oci_resources resources;
    oci_kv *sysctl;
    size_t n_sysctl;
    bool has_seccomp;
    oci_seccomp seccomp;
    char *rootfs_propagation; /* "shared", "slave", "private", "unbindable" or NULL */
    char **masked_paths;
    size_t n_masked_paths;
    char **readonly_paths;
    size_t n_readonly_paths;
    char *mount_label;
    bool has_personality;
    oci_personality personality;
    bool has_intel_rdt; /* parsed, rejected at create if asked for */
} oci_linux;

typedef struct oci_spec {
    char *oci_version;
    char *root_path; /* absolute (resolved against the bundle) */
    bool root_readonly;
    oci_mount *mounts;
    size_t n_mounts;
    bool has_process;
    oci_process process;
    char *hostname; /* NULL if absent */
    char *domainname;
    oci_hooks hooks;
    oci_kv *annotations;
    size_t n_annotations;
    bool has_linux;
    oci_linux linux_;

    /* Where it came from, for error messages: "BUNDLE/config.json". */
    char *path;
    char *bundle; /* absolute bundle directory */
} oci_spec;

/* Read BUNDLE/config.json, parse and validate. Errors name the file and field:
 * "/b/config.json: process.args: must be a non-empty array". */
int oci_spec_load(const char *bundle, oci_spec **out, weft_error **err);

/* Parse from a string already in memory; `origin` names it in errors. The
 * bundle is used to resolve a relative root.path. */
int oci_spec_parse(const char *json, size_t len, const char *origin, const char *bundle,
                   oci_spec **out, weft_error **err);

/* Parse a lone `process` object (for `weft exec --process FILE`). */
int oci_process_parse_file(const char *path, oci_process **out, weft_error **err);
void oci_process_free(oci_process *p);

void oci_spec_free(oci_spec *spec);

/* Parse a lone LinuxResources object (for `weft update --resources FILE`). */
int oci_resources_parse(const char *json, size_t len, const char *origin, oci_resources *out,
                        weft_error **err);
void oci_resources_free(oci_resources *r);

/* Annotation value or NULL. */
const char *oci_spec_annotation(const oci_spec *spec, const char *key);

/* The namespace entry of that type, or NULL if the spec does not ask for it. */
const oci_namespace *oci_spec_namespace(const oci_spec *spec, enum oci_ns_type type);

/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE (exact spelling, as runc); -1 if unknown.
 * And back: the name of an RLIMIT_* number, or NULL. */
int oci_rlimit_from_name(const char *name);
const char *oci_rlimit_name(int resource);

/* "pid", "network", ... and back; -1 if unknown. */
const char *oci_ns_name(enum oci_ns_type type);
int oci_ns_from_name(const char *name);

/* The default config.json `weft spec` writes (root: rootless variant).
 * Returns a newly allocated, pretty-printed JSON text. */
char *oci_spec_default_json(bool rootless);

/* The runtime-spec "features" document for `weft features`; `systemd`:
 * this build has the systemd cgroup driver. */
char *oci_features_json(bool systemd);

#endif
