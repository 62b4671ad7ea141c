#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The safety net under werr_clip: a message that quotes a huge value
 * whole keeps its head (file, field) and its tail, joined by " ... ". */
static void clip_long_message(char *msg)
{
    size_t len = strlen(msg);
    if (len <= WERR_MSG_MAX)
        return;
    size_t head = WERR_MSG_MAX * 3 / 4, tail = WERR_MSG_MAX / 5;
    memcpy(msg + head, " ... ", 5);
    memmove(msg + head + 5, msg + len - tail, tail + 1);
}

int werr_vset(weft_error **err, int errnum, const char *fmt, va_list ap)
{
    if (err == NULL)
        return -1;
    char *msg = NULL;
    msg = xvasprintf(fmt, ap);
    clip_long_message(msg);
    if (errnum != 0) {
        char *full = xasprintf("%s: %s", msg, strerror(errnum));
        free(msg);
        msg = full;
    }
    werr_free(*err);
    weft_error *e = xzalloc(sizeof *e);
    e->errnum = errnum;
    e->msg = msg;
    *err = e;
    return -1;
}

int werr_set(weft_error **err, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    werr_vset(err, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

int werr_prefix(weft_error **err, const char *fmt, ...)
{
    if (err == NULL || *err == NULL)
        return -1;
    char *ctx = NULL;
    va_list ap;
    va_start(ap, fmt);
    ctx = xvasprintf(fmt, ap);
    va_end(ap);
    char *full = xasprintf("%s: %s", ctx, (*err)->msg);
    free(ctx);
    free((*err)->msg);
    (*err)->msg = full;
    return -1;
}

int werr_status(weft_error **err, int status)
{
    if (err != NULL && *err != NULL)
        (*err)->status = status;
    return -1;
}

int werr_kind(weft_error **err, int kind)
{
    if (err != NULL && *err != NULL)
        (*err)->kind = kind;
    return -1;
}

const char *werr_clip(char *buf, const char *s)
{
    size_t i = 0;
    for (; s[i] != '\0' && i < WERR_CLIP_MAX; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (s[i] != '\0') {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
    return buf;
}

void werr_free(weft_error *e)
{
    if (e == NULL)
        return;
    free(e->msg);
    free(e);
}

int werr_report(weft_error *e)
{
    if (e == NULL)
        return 0;
    int status = e->status != 0 ? e->status : 1;
    log_error("%s", e->msg);
    werr_free(e);
    return status;
}
