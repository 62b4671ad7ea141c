/* The documents weft writes: the starter config.json of `weft spec` and the runtime-spec
 * features document of `weft features`. */
#include "oci/parse_ctx.h"
#include "oci/spec.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <jansson.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#define OCI_VERSION_MIN "1.0.0"
#define OCI_VERSION_MAX OCI_SPEC_VERSION

static char *dump(json_t *doc)
{
    if (doc == NULL)
        xoom(); /* json_pack only fails on allocation or on a format bug */
    char *text = json_dumps(doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (text == NULL)
        xoom();
    char *out = xasprintf("%s\n", text);
    free(text);
    return out;
}

static json_t *strings(const char *const *list)
{
    json_t *arr = json_array();
    for (size_t i = 0; list[i] != NULL; i++)
        json_array_append_new(arr, json_string(list[i]));
    return arr;
}

static json_t *mount(const char *dest, const char *type, const char *src,
                     const char *const *options)
{
    json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", src);
    if (options != NULL)
        json_object_set_new(m, "options", strings(options));
    return m;
}

static json_t *default_mounts(bool rootless)
{
    static const char *const dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
    static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                      "mode=0620", "gid=5",  NULL};
    /* Without gid=5: a rootless container usually has no group 5 mapped. */
    static const char *const pts_rootless[] = {"nosuid",        "noexec",    "newinstance",
                                               "ptmxmode=0666", "mode=0620", NULL};
    static const char *const shm[] = {"nosuid",    "noexec",      "nodev",
                                      "mode=1777", "size=65536k", NULL};
    static const char *const mq[] = {"nosuid", "noexec", "nodev", NULL};
    static const char *const sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
    /* sysfs cannot be mounted in a user namespace without a network namespace. */
    static const char *const sys_rootless[] = {"rbind", "nosuid", "noexec", "nodev", "ro", NULL};
    static const char *const cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};

    json_t *arr = json_array();
    json_array_append_new(arr, mount("/proc", "proc", "proc", NULL));
    json_array_append_new(arr, mount("/dev", "tmpfs", "tmpfs", dev));
    json_array_append_new(arr,
                          mount("/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts));
    json_array_append_new(arr, mount("/dev/shm", "tmpfs", "shm", shm));
    json_array_append_new(arr, mount("/dev/mqueue", "mqueue", "mqueue", mq));
    if (rootless)
        json_array_append_new(arr, mount("/sys", "none", "/sys", sys_rootless));
    else
        json_array_append_new(arr, mount("/sys", "sysfs", "sysfs", sys));
    json_array_append_new(arr, mount("/sys/fs/cgroup", "cgroup", "cgroup", cg));
    return arr;
}

static json_t *default_process(void)
{
    static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
    static const char *const env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};
    /* terminal false: `weft run` then works without a console socket. */
    return json_pack("{s:b, s:{s:i, s:i}, s:[s], s:o, s:s,"
                     " s:{s:o, s:o, s:o, s:o},"
                     " s:[{s:s, s:i, s:i}], s:b}",
                     "terminal", 0, "user", "uid", 0, "gid", 0, "args", "sh", "env", strings(env),
                     "cwd", "/", "capabilities", "bounding", strings(caps), "effective",
                     strings(caps), "permitted", strings(caps), "ambient", strings(caps), "rlimits",
                     "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
}

static json_t *default_linux(bool rootless)
{
    static const char *const masked[] = {"/proc/acpi",
                                         "/proc/asound",
                                         "/proc/kcore",
                                         "/proc/keys",
                                         "/proc/latency_stats",
                                         "/proc/timer_list",
                                         "/proc/timer_stats",
                                         "/proc/sched_debug",
                                         "/sys/firmware",
                                         "/proc/scsi",
                                         NULL};
    static const char *const readonly[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};
    /* The network namespace goes in rootless mode: a fresh one would have no connectivity
     * and runc drops it too. */
    static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
    static const char *const ns_rootless[] = {"pid", "ipc", "uts", "mount", "cgroup", "user", NULL};
    json_t *l = json_object();
    if (rootless) {
        json_object_set_new(l, "uidMappings",
                            json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                      (json_int_t)getuid(), "size", 1));
        json_object_set_new(l, "gidMappings",
                            json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID",
                                      (json_int_t)getgid(), "size", 1));
    } else {
        /* A rootless container cannot program the devices controller. */
        json_object_set_new(l, "resources",
                            json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
    }
    json_t *nss = json_array();
    for (const char *const *t = rootless ? ns_rootless : ns; *t; t++)
        json_array_append_new(nss, json_pack("{s:s}", "type", *t));
    json_object_set_new(l, "namespaces", nss);
    json_object_set_new(l, "maskedPaths", strings(masked));
    json_object_set_new(l, "readonlyPaths", strings(readonly));
    return l;
}

char *oci_spec_default_json(bool rootless)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "ociVersion", json_string(OCI_VERSION_MAX));
    json_object_set_new(doc, "process", default_process());
    json_object_set_new(doc, "root", json_pack("{s:s, s:b}", "path", "rootfs", "readonly", 1));
    json_object_set_new(doc, "hostname", json_string("weft"));
    json_object_set_new(doc, "mounts", default_mounts(rootless));
    json_object_set_new(doc, "linux", default_linux(rootless));
    return dump(doc);
}

/* Every capability this libcap names, upper-cased ("CAP_CHOWN"). */
static json_t *capability_names(void)
{
    json_t *arr = json_array();
    for (int v = 0; v <= CAP_LAST_CAP; v++) {
        char *name = cap_to_name((cap_value_t)v);
        if (name == NULL)
            continue;
        if (strncasecmp(name, "cap_", 4) == 0) {
            for (char *p = name; *p; p++)
                *p = (char)toupper((unsigned char)*p);
            json_array_append_new(arr, json_string(name));
        }
        cap_free(name);
    }
    return arr;
}

static json_t *seccomp_archs(void)
{
    json_t *arr = json_array();
    for (size_t i = 0; oci_seccomp_arch_names[i] != NULL; i++)
        if (oci_seccomp_arch_known(oci_seccomp_arch_names[i]))
            json_array_append_new(arr, json_string(oci_seccomp_arch_names[i]));
    return arr;
}

static json_t *features_linux(bool systemd)
{
    static const char *const ns[] = {"cgroup", "ipc",  "mount", "network", "pid",
                                     "time",   "user", "uts",   NULL};
    json_t *seccomp =
        json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions",
                  strings(oci_seccomp_action_names), "operators", strings(oci_seccomp_op_names),
                  "archs", seccomp_archs(), "knownFlags", strings(oci_seccomp_flag_names),
                  "supportedFlags", strings(oci_seccomp_supported_flag_names));
    /* Only what weft does: the systemd driver when built with it, no RDT. AppArmor
     * and SELinux are supported (used when the host runs them, refused when it
     * does not: linux/lsm.c); idmapped bind mounts too. */
    return json_pack("{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}, s:{s:b},"
                     " s:{s:{s:b}}}",
                     "namespaces", strings(ns), "capabilities", capability_names(), "cgroup", "v1",
                     1, "v2", 1, "systemd", systemd, "systemdUser", systemd, "rdma", 1, "seccomp",
                     seccomp, "apparmor", "enabled", 1, "selinux", "enabled", 1, "intelRdt",
                     "enabled", 0, "mountExtensions", "idmap", "enabled", 1);
}

static const char *const mount_options[] = {
    "acl",
    "async",
    "atime",
    "bind",
    "defaults",
    "dev",
    "diratime",
    "dirsync",
    "exec",
    "iversion",
    "lazytime",
    "loud",
    "mand",
    "noacl",
    "noatime",
    "nodev",
    "nodiratime",
    "noexec",
    "noiversion",
    "nolazytime",
    "nomand",
    "norelatime",
    "nostrictatime",
    "nosuid",
    "nosymfollow",
    "private",
    "ratime",
    "rbind",
    "rdev",
    "rdiratime",
    "relatime",
    "remount",
    "rexec",
    "rnoatime",
    "rnodev",
    "rnodiratime",
    "rnoexec",
    "rnorelatime",
    "rnostrictatime",
    "rnosuid",
    "rnosymfollow",
    "ro",
    "rprivate",
    "rrelatime",
    "rro",
    "rrw",
    "rshared",
    "rslave",
    "rstrictatime",
    "rsuid",
    "rsymfollow",
    "runbindable",
    "rw",
    "shared",
    "silent",
    "slave",
    "strictatime",
    "suid",
    "symfollow",
    "sync",
    "tmpcopyup",
    "unbindable",
    NULL,
};

static json_t *hook_names(void)
{
    json_t *arr = json_array();
    for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++)
        json_array_append_new(arr, json_string(oci_hook_names[k]));
    return arr;
}

char *oci_features_json(bool systemd)
{
    const struct scmp_version *v = seccomp_version();
    char *libseccomp = xasprintf("%u.%u.%u", v->major, v->minor, v->micro);
    json_t *doc =
        json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s, s:s, s:s}}", "ociVersionMin", OCI_VERSION_MIN,
                  "ociVersionMax", OCI_VERSION_MAX, "hooks", hook_names(), "mountOptions",
                  strings(mount_options), "linux", features_linux(systemd), "annotations",
                  "io.github.seccomp.libseccomp.version", libseccomp, "org.weft.version",
                  WEFT_VERSION, "run.oci.handler", "wasm");
    free(libseccomp);
    return dump(doc);
}
