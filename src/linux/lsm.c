/* Linux security modules: the AppArmor profile and SELinux label a process
 * asks for (process.apparmorProfile, process.selinuxLabel) and the SELinux
 * mount label (linux.mountLabel).
 *
 * A profile or label for an LSM the host does not run is an error: a
 * workload that asked for confinement is never run without it (runc does
 * the same for SELinux; crun fails too, less clearly). The mount label alone
 * is ignored without SELinux, as crun does: it only names files, it does not
 * confine anything, and runtime-tools expects such a container to run. */
#include "linux/security.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool apparmor_enabled(void)
{
    char c = 0;
    cleanup_close int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, &c, 1) != 1)
        return false;
    return c == 'Y';
}

bool selinux_enabled(void)
{
    /* selinuxfs is mounted only when the kernel runs SELinux with a policy */
    return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* Kernels with LSM stacking have a per-LSM directory; older ones only the
 * shared attr files. */
static const char *attr_path(const char *lsm, const char *file, char *buf, size_t size)
{
    snprintf(buf, size, "/proc/thread-self/attr/%s/%s", lsm, file);
    if (access(buf, F_OK) < 0)
        snprintf(buf, size, "/proc/thread-self/attr/%s", file);
    return buf;
}

static int apparmor_apply(const char *profile, bool on_exec, weft_error **err)
{
    char path[96];
    cleanup_free char *cmd = xasprintf("%s %s", on_exec ? "exec" : "changeprofile", profile);
    return write_text(attr_path("apparmor", on_exec ? "exec" : "current", path, sizeof path), cmd,
                      err);
}

static int selinux_apply(const char *label, bool on_exec, weft_error **err)
{
    char path[96];
    /* The session keyring weft joined is labelled like the process. */
    if (write_text(attr_path("selinux", "keycreate", path, sizeof path), label, err) < 0)
        return -1;
    return write_text(attr_path("selinux", on_exec ? "exec" : "current", path, sizeof path), label,
                      err);
}

int lsm_check(const oci_process *p, weft_error **err)
{
    if (p->apparmor_profile != NULL && p->apparmor_profile[0] != '\0' && !apparmor_enabled())
        return werr_set(err, 0,
                        "process.apparmorProfile: profile \"%s\" requested but AppArmor is not "
                        "enabled on this host",
                        p->apparmor_profile);
    if (p->selinux_label != NULL && p->selinux_label[0] != '\0' && !selinux_enabled())
        return werr_set(err, 0,
                        "process.selinuxLabel: label \"%s\" requested but SELinux is not enabled "
                        "on this host",
                        p->selinux_label);
    return 0;
}

int lsm_apply(const oci_process *p, bool on_exec, weft_error **err)
{
    if (lsm_check(p, err) < 0)
        return -1;
    if (p->apparmor_profile != NULL && p->apparmor_profile[0] != '\0' &&
        apparmor_apply(p->apparmor_profile, on_exec, err) < 0)
        return werr_prefix(err, "process.apparmorProfile");
    if (p->selinux_label != NULL && p->selinux_label[0] != '\0' &&
        selinux_apply(p->selinux_label, on_exec, err) < 0)
        return werr_prefix(err, "process.selinuxLabel");
    return 0;
}

bool selinux_takes_mount_label(const char *type)
{
    static const char *const types[] = {"tmpfs", "devpts", "mqueue", "ramfs", "shm"};
    for (size_t i = 0; type != NULL && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i]) == 0)
            return true;
    return false;
}

char *selinux_mount_data(const char *type, const char *data, const char *label, bool enabled)
{
    if (label == NULL || label[0] == '\0' || !enabled || !selinux_takes_mount_label(type) ||
        (data != NULL && strstr(data, "context=") != NULL))
        return NULL;
    if (data == NULL || data[0] == '\0')
        return xasprintf("context=\"%s\"", label);
    return xasprintf("%s,context=\"%s\"", data, label);
}
