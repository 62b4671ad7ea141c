#include "unit.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Run log_msg with stderr redirected to a pipe; return what stderr received. */
static char *capture_stderr(enum log_level lvl, const char *msg)
{
    int p[2];
    if (pipe(p) < 0)
        abort();
    int saved = dup(2);
    dup2(p[1], 2);
    close(p[1]);
    log_msg(lvl, "%s", msg);
    dup2(saved, 2);
    close(saved);
    char *buf = calloc(1, 4096);
    ssize_t n = read(p[0], buf, 4095);
    (void)n;
    close(p[0]);
    return buf;
}

static char *slurp(const char *path)
{
    char *buf = calloc(1, 4096);
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, 4095);
        (void)n;
        close(fd);
    }
    return buf;
}

TEST(errors_reach_stderr_and_the_json_log)
{
    char path[] = "/tmp/weft-test-log-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_INT(log_init(path, true, false), 0);

    /* go-runc reads a failed command's output: the error must be there (not a tty). */
    cleanup_free char *err = capture_stderr(LOG_LVL_ERROR, "container not running");
    CHECK_STR(err, "weft: container not running\n");
    /* Warnings go to the log file only. */
    cleanup_free char *warn = capture_stderr(LOG_LVL_WARN, "just a warning");
    CHECK_STR(warn, "");

    cleanup_free char *file = slurp(path);
    CHECK(strstr(file, "{\"level\":\"error\",\"msg\":\"container not running\"") == file);
    CHECK(strstr(file, "{\"level\":\"warning\",\"msg\":\"just a warning\"") != NULL);
    unlink(path);
}

UNIT_MAIN()
