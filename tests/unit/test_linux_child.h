/* Helpers for the linux/ tests that drop privileges or load filters: run a function in a forked
 * child (so that dropping capabilities, changing uid or loading a seccomp filter never touches the
 * test runner) and bring the child's failed checks back.
 *
 * In the child use CCHECK / CCHECK_INT / CCHECK_STR: each failure is written
 * to a pipe; the parent prints them and counts one failed check per line, and
 * also fails when the child did not exit with status 0.
 */
#ifndef WEFT_TEST_LINUX_CHILD_H
#define WEFT_TEST_LINUX_CHILD_H

#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int child_report_fd = -1;

#define CCHECK(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            dprintf(child_report_fd, "%s:%d: child CHECK failed: %s (errno %d)\n", __FILE__,       \
                    __LINE__, #cond, errno);                                                       \
    } while (0)

#define CCHECK_INT(a, b)                                                                           \
    do {                                                                                           \
        long long ca_ = (long long)(a), cb_ = (long long)(b);                                      \
        if (ca_ != cb_)                                                                            \
            dprintf(child_report_fd, "%s:%d: child CHECK_INT failed: %s == %lld, expected %lld\n", \
                    __FILE__, __LINE__, #a, ca_, cb_);                                             \
    } while (0)

#define CCHECK_HEX(a, b)                                                                           \
    do {                                                                                           \
        unsigned long long ca_ = (unsigned long long)(a), cb_ = (unsigned long long)(b);           \
        if (ca_ != cb_)                                                                            \
            dprintf(child_report_fd, "%s:%d: child CHECK failed: %s == %#llx, expected %#llx\n",   \
                    __FILE__, __LINE__, #a, ca_, cb_);                                             \
    } while (0)

#define CCHECK_CONTAINS(hay, needle)                                                               \
    do {                                                                                           \
        const char *ch_ = (hay), *cn_ = (needle);                                                  \
        if (ch_ == NULL || strstr(ch_, cn_) == NULL)                                               \
            dprintf(child_report_fd,                                                               \
                    "%s:%d: child CHECK failed: \"%s\" does not contain \"%s\"\n", __FILE__,       \
                    __LINE__, ch_ ? ch_ : "(null)", cn_);                                          \
    } while (0)

/* Tests that change credentials need root; elsewhere they say so and pass. */
#define NEED_ROOT()                                                                                \
    do {                                                                                           \
        if (geteuid() != 0) {                                                                      \
            fprintf(stderr, "%s: skipped (needs root)\n", __func__);                               \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Fork; the child runs fn(arg) then _exit(0). Returns the raw wait status;
 * every line the child reported counts as a failed check here. */
static int run_child_status(void (*fn)(void *), void *arg)
{
    int p[2];
    if (pipe(p) < 0) {
        CHECK(!"pipe");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        CHECK(!"fork");
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        child_report_fd = p[1];
        fn(arg);
        _exit(0);
    }
    close(p[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf - 1)) > 0 || (n < 0 && errno == EINTR)) {
        if (n <= 0)
            continue;
        buf[n] = '\0';
        fputs(buf, stderr);
        for (char *s = buf; (s = strchr(s, '\n')) != NULL; s++)
            unit_failed_checks++;
    }
    close(p[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* As run_child_status, and the child must exit normally with status 0. */
static void run_child(void (*fn)(void *), void *arg)
{
    int status = run_child_status(fn, arg);
    CHECK(WIFEXITED(status));
    CHECK_INT(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
}

/* A hexadecimal field of /proc/self/status ("CapEff"), or ~0 if missing. */
static unsigned long long status_hex(const char *field)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (f == NULL)
        return ~0ULL;
    char line[256];
    size_t len = strlen(field);
    unsigned long long v = ~0ULL;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, len) == 0 && line[len] == ':') {
            v = strtoull(line + len + 1, NULL, 16);
            break;
        }
    }
    fclose(f);
    return v;
}

/* The whole content of a (small) file, malloc'd; NULL if unreadable. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

#endif
