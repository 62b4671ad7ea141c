/* linux/sealed_exe.c: the memfd fallback of the CVE-2019-5736 guard. The
 * copy must be sealed against writes, and still executable although it
 * leaves out the debug information. */
#include "linux/sealed_exe.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_ENV "WEFT_UNIT_SEALED_CHILD"

/* Run as the executed copy: prove it started, before any test runs. */
__attribute__((constructor)) static void child_exits(void)
{
    if (getenv(CHILD_ENV) != NULL)
        _exit(42);
}

TEST(memfd_copy_is_sealed_and_runs)
{
    weft_error *err = NULL;
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    CHECK(self >= 0);
    int mfd = sealed_exe_memfd_copy(self, &err);
    CHECK(mfd >= 0 && err == NULL);
    if (mfd < 0)
        return;
    int seals = fcntl(mfd, F_GET_SEALS);
    CHECK(seals >= 0 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_SEAL));
    /* Neither a write on the fd nor one through a reopened /proc path. */
    CHECK(pwrite(mfd, "X", 1, 0) < 0 && errno == EPERM);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", mfd);
    int w = open(path, O_WRONLY | O_CLOEXEC);
    CHECK(w < 0 || (write(w, "X", 1) < 0 && errno == EPERM));
    if (w >= 0)
        close(w);
    struct stat a, b;
    CHECK(fstat(self, &a) == 0 && fstat(mfd, &b) == 0);
    CHECK(b.st_size > 0 && b.st_size <= a.st_size);
    char head[4];
    CHECK(pread(mfd, head, 4, 0) == 4 && memcmp(head, "\177ELF", 4) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = {"sealed-copy", NULL};
        char *envp[] = {CHILD_ENV "=1", NULL};
        syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
        _exit(1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42);
    close(mfd);
    close(self);
}

UNIT_MAIN()
