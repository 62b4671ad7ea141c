#include "linux/sealed_exe.h"
#include "util/cleanup.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool is_sealed(int fd)
{
    int seals = fcntl(fd, F_GET_SEALS);
    return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

int sealed_exe_ensure(char **argv, weft_error **err)
{
    cleanup_close int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return werr_sys(err, "open /proc/self/exe");
    if (is_sealed(self))
        return 0;
    struct stat st;
    if (fstat(self, &st) < 0)
        return werr_sys(err, "stat /proc/self/exe");
    cleanup_close int mfd = memfd_create("weft", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return werr_sys(err, "memfd_create");
    for (off_t off = 0; off < st.st_size;) {
        ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return werr_sys(err, "copy /proc/self/exe to a memfd");
    }
    if (fcntl(mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
        return werr_sys(err, "seal the memfd copy of weft");
    fexecve(mfd, argv, environ);
    return werr_sys(err, "re-execute the sealed copy of weft");
}

static dev_t self_dev;
static ino_t self_ino;
static bool self_known;

void sealed_exe_remember_self(void)
{
    struct stat st;
    if (stat("/proc/self/exe", &st) == 0) {
        self_dev = st.st_dev;
        self_ino = st.st_ino;
        self_known = true;
    }
}

bool sealed_exe_is_self(const char *path)
{
    struct stat st;
    return self_known && stat(path, &st) == 0 && st.st_dev == self_dev && st.st_ino == self_ino;
}
