#include "util/log.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1; /* -1: stderr */
static bool log_json;
static bool log_debug_on;

int log_init(const char *path, bool json, bool debug)
{
    log_json = json;
    log_debug_on = debug;
    if (path == NULL || *path == '\0')
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        fprintf(stderr, "weft: open log file %s: %s\n", path, strerror(errno));
        return -1;
    }
    log_fd = fd;
    return 0;
}

static const char *level_name(enum log_level lvl)
{
    switch (lvl) {
    case LOG_LVL_ERROR:
        return "error";
    case LOG_LVL_WARN:
        return "warning";
    case LOG_LVL_INFO:
        return "info";
    default:
        return "debug";
    }
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

static char *format_json(enum log_level lvl, const char *msg)
{
    char stamp[64];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    char *when = xasprintf("%s.%09ldZ", stamp, ts.tv_nsec);
    json_t *o = json_pack("{s:s, s:s, s:s}", "level", level_name(lvl), "msg", msg, "time", when);
    free(when);
    char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (line == NULL)
        xoom();
    char *out = xasprintf("%s\n", line);
    free(line);
    return out;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    if (lvl == LOG_LVL_DEBUG && !log_debug_on)
        return;
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);

    char *line;
    if (log_json && log_fd >= 0)
        line = format_json(lvl, msg);
    else if (lvl == LOG_LVL_ERROR)
        line = xasprintf("weft: %s\n", msg);
    else
        line = xasprintf("weft: %s: %s\n", level_name(lvl), msg);
    write_all(log_fd >= 0 ? log_fd : 2, line, strlen(line));
    /* With a log file, errors still go to stderr too, like runc: containerd's
     * shim (go-runc) only sees a failed command's output, and matches it
     * ("container not running", "does not exist") to tell an already-stopped
     * or already-deleted container from a real failure. */
    if (log_fd >= 0 && lvl == LOG_LVL_ERROR) {
        char *plain = xasprintf("weft: %s\n", msg);
        write_all(2, plain, strlen(plain));
        free(plain);
    }
    free(line);
    free(msg);
}
