/* The one error convention of weft.
 *
 * Every fallible function returns an int: >= 0 on success, -1 on failure, and
 * takes `weft_error **err` as its LAST parameter. On failure it fills *err with
 * a message (and the errno that caused it, if any). Callers that add context
 * call werr_prefix() and return -1 again; exactly one place (the CLI's main)
 * prints the message and frees it. Messages name the file, the JSON field or
 * the byte offset: "config.json: process.args: must be a non-empty array".
 */
#ifndef WEFT_UTIL_ERROR_H
#define WEFT_UTIL_ERROR_H

#include <errno.h>
#include <stdarg.h>

typedef struct weft_error {
    int errnum; /* errno behind the failure, 0 when it is not a system error */
    int status; /* exit status the CLI should use (0 = default of 1) */
    int kind;   /* subsystem classification (e.g. WF_ERR_TRAP), 0 = generic */
    char *msg;  /* full message, owned */
} weft_error;

/* Set *err to a new error; when errnum != 0 ": strerror(errnum)" is appended.
 * Always returns -1 so callers can `return werr_set(err, ...)`. If *err is
 * already set, the old error is freed first (the newest failure wins). */
int werr_set(weft_error **err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int werr_vset(weft_error **err, int errnum, const char *fmt, va_list ap);

/* Shorthand for a failed system call: uses the current errno. */
#define werr_sys(err, ...) werr_set((err), errno, __VA_ARGS__)

/* Prepend context: "CONTEXT: previous message". Returns -1. */
int werr_prefix(weft_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Attach the exit status the CLI should use for this error. Returns -1. */
int werr_status(weft_error **err, int status);

/* Attach a subsystem classification (see `kind`). Returns -1. */
int werr_kind(weft_error **err, int kind);

void werr_free(weft_error *e);

/* A value the user gave, fit to quote in a one-line message: control
 * characters become '?' and past WERR_CLIP_MAX bytes it is cut, ending in
 * "...". Writes into buf (WERR_CLIP_BUF bytes) and returns it:
 *   char q[WERR_CLIP_BUF]; werr_set(err, 0, "bad id '%s'", werr_clip(q, id)); */
#define WERR_CLIP_MAX 64
/* werr_set keeps messages under about this many bytes (plus strerror),
 * cutting out the middle of longer ones. */
#define WERR_MSG_MAX 1024
#define WERR_CLIP_BUF (WERR_CLIP_MAX + 4)
const char *werr_clip(char *buf, const char *s);

/* Print "weft: MESSAGE" (or through the log, see log.h), free, return status. */
int werr_report(weft_error *e);

#endif
