/* Diagnostics. By default they go to stderr as "weft: MESSAGE". With the
 * global --log FILE they go to that file instead (errors to stderr as well, as
 * runc does), and --log-format json writes
 * one object a line ({"level":"error","msg":"...","time":"..."}), which is what
 * containerd's shim and conmon read back when a runtime command fails. */
#ifndef WEFT_UTIL_LOG_H
#define WEFT_UTIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* path may be NULL (stderr). json selects the JSON line format. Returns -1 and
 * prints to stderr if the file cannot be opened. */
int log_init(const char *path, bool json, bool debug);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
