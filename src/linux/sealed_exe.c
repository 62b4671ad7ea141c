/* The CVE-2019-5736 guard: weft re-executes itself from a copy of its
 * binary that no one can write, before any container process can see it.
 *
 * The copy is preferably not a copy at all: a read-only overlayfs mount,
 * detached (reachable by no path), whose top layer is the binary's
 * directory. Executing the binary through it costs a few system calls and
 * no memory, and /proc/PID/exe then names an overlay file that can never be
 * opened for writing (no upper layer, read-only mount) and is not the host's
 * inode. Where overlayfs or the new mount API is unavailable (older
 * kernels, no CAP_SYS_ADMIN), the loaded part of the binary is copied into
 * a sealed memfd (no write, grow, shrink or further seals). */
#include "linux/sealed_exe.h"
#include "util/cleanup.h"

#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define OVERLAYFS_MAGIC 0x794c7630
/* Set for the re-executed copy only ("DEV:INO" of the host binary, in hex),
 * and removed from the environment as soon as it is read. */
#define HOST_ENV "_WEFT_SEALED_FROM"

extern char **environ;

/* The host binary, and the running image: a container must execute
 * neither. */
static struct stat host_id, running_id;
static bool host_known, running_known, running_sealed;

static bool is_sealed_memfd(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

static bool is_readonly_overlay(int fd)
{
    struct statfs sf;
    return fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_MAGIC && (sf.f_flags & ST_RDONLY);
}

/* ---- the overlay ---- */

static int fsopen_created(const char *fstype, int lower1, int lower2)
{
    cleanup_close int fs = (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    int lowers[2] = {lower1, lower2};
    for (int i = 0; i < 2 && lowers[i] >= 0; i++) {
        char path[32];
        snprintf(path, sizeof path, "/proc/self/fd/%d", lowers[i]);
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", path, 0) < 0)
            return -1;
    }
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return -1;
    return (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                        MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
}

/* The binary, opened through a detached read-only overlay of its directory
 * (and an empty tmpfs: an overlay without an upper layer needs two lower
 * ones). -1 when that cannot be done or the path no longer names the
 * running binary. */
static int open_through_overlay(const struct stat *self)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return -1;
    path[n] = '\0';
    char dirbuf[PATH_MAX], basebuf[PATH_MAX];
    memcpy(dirbuf, path, (size_t)n + 1);
    memcpy(basebuf, path, (size_t)n + 1);
    cleanup_close int dir = open(dirname(dirbuf), O_PATH | O_DIRECTORY | O_CLOEXEC);
    const char *base = basename(basebuf);
    struct stat st;
    if (dir < 0 || fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != self->st_dev ||
        st.st_ino != self->st_ino)
        return -1;
    cleanup_close int empty = fsopen_created("tmpfs", -1, -1);
    if (empty < 0)
        return -1;
    cleanup_close int mnt = fsopen_created("overlay", dir, empty);
    if (mnt < 0)
        return -1;
    return openat(mnt, base, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

/* ---- the memfd ---- */

/* How much of the binary the kernel needs to execute it: up to the end of
 * the last segment the program headers name. Section headers and debug
 * information (more than half of a debugoptimized build) stay out of the
 * copy. The whole file when the headers are not the ones expected. */
static off_t loaded_size(int fd, off_t file_size)
{
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phnum == 0 || eh.e_phnum > 64)
        return file_size;
    Elf64_Phdr ph[64];
    size_t len = (size_t)eh.e_phnum * sizeof ph[0];
    if (pread(fd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len)
        return file_size;
    uint64_t end = eh.e_phoff + len;
    for (size_t i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_offset + ph[i].p_filesz > end)
            end = ph[i].p_offset + ph[i].p_filesz;
    return end < (uint64_t)file_size ? (off_t)end : file_size;
}

int sealed_exe_memfd_copy(int self, weft_error **err)
{
    struct stat st;
    if (fstat(self, &st) < 0)
        return werr_sys(err, "stat /proc/self/exe");
    cleanup_close int mfd = memfd_create("weft", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return werr_sys(err, "memfd_create");
    off_t size = loaded_size(self, st.st_size);
    for (off_t off = 0; off < size;) {
        ssize_t n = sendfile(mfd, self, &off, (size_t)(size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return werr_sys(err, "copy /proc/self/exe to a memfd");
    }
    if (fcntl(mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
        return werr_sys(err, "seal the memfd copy of weft");
    int fd = mfd;
    mfd = -1;
    return fd;
}

static void exec_sealed(int fd, char **argv, const struct stat *self)
{
    char id[64];
    snprintf(id, sizeof id, "%" PRIx64 ":%" PRIx64, (uint64_t)self->st_dev, (uint64_t)self->st_ino);
    setenv(HOST_ENV, id, 1);
    syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
    unsetenv(HOST_ENV);
}

int sealed_exe_ensure(char **argv, weft_error **err)
{
    if (running_sealed)
        return 0;
    cleanup_close int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return werr_sys(err, "open /proc/self/exe");
    if (is_sealed_memfd(self))
        return 0;
    struct stat st;
    if (fstat(self, &st) < 0)
        return werr_sys(err, "stat /proc/self/exe");
    int ov = open_through_overlay(&st);
    if (ov >= 0) {
        exec_sealed(ov, argv, &st);
        close(ov); /* e.g. a noexec mount under the binary: the memfd then */
    }
    cleanup_close int mfd = sealed_exe_memfd_copy(self, err);
    if (mfd < 0)
        return -1;
    exec_sealed(mfd, argv, &st);
    return werr_sys(err, "re-execute the sealed copy of weft");
}

/* ---- identity ---- */

static bool host_id_from_env(struct stat *id)
{
    const char *v = getenv(HOST_ENV);
    uint64_t dev, ino;
    char extra;
    bool ok = v != NULL && sscanf(v, "%" SCNx64 ":%" SCNx64 "%c", &dev, &ino, &extra) == 2;
    unsetenv(HOST_ENV); /* no hook or workload inherits it */
    if (ok) {
        id->st_dev = (dev_t)dev;
        id->st_ino = (ino_t)ino;
    }
    return ok;
}

void sealed_exe_remember_self(void)
{
    bool from_env = host_id_from_env(&host_id);
    cleanup_close int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &running_id) < 0)
        return;
    running_known = true;
    bool memfd = is_sealed_memfd(fd);
    running_sealed = memfd || (from_env && is_readonly_overlay(fd));
    if (running_sealed) {
        host_known = from_env;
    } else {
        host_id = running_id;
        host_known = true;
    }
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

bool sealed_exe_is_self(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return false;
    return (host_known && same_file(&st, &host_id)) ||
           (running_known && same_file(&st, &running_id));
}
