/* What `ps`, `podman top` and `kubectl exec ps` show for a container that
 * runs a module: the module and its arguments, not the `weft create ...`
 * command line (bundle and log paths) the engine's process started with.
 *
 * The kernel shows /proc/PID/cmdline from the process's argument area.
 * With CAP_SYS_RESOURCE (a rootful container before its capabilities are
 * dropped) the area is pointed at a new buffer of the exact size
 * (PR_SET_MM); otherwise the original area is overwritten in place, cut
 * to its length. */
#include "handler/handler.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

/* Fields 48 and 49 of /proc/self/stat: arg_start and arg_end. */
static int arg_area(unsigned long *start, unsigned long *end)
{
    char buf[2048];
    FILE *f = fopen("/proc/self/stat", "re");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* comm may hold spaces and parentheses: count fields after the last ')' */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    int field = 2;
    for (char *save = NULL, *tok = strtok_r(p + 1, " ", &save); tok != NULL;
         tok = strtok_r(NULL, " ", &save)) {
        field++;
        if (field == 48)
            *start = strtoul(tok, NULL, 10);
        else if (field == 49) {
            *end = strtoul(tok, NULL, 10);
            return *start < *end ? 0 : -1;
        }
    }
    return -1;
}

static char *join_args(const oci_process *p, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_args; i++)
        n += strlen(p->args[i]) + 1;
    char *buf = xmalloc(n ? n : 1);
    size_t off = 0;
    for (size_t i = 0; i < p->n_args; i++) {
        size_t l = strlen(p->args[i]) + 1;
        memcpy(buf + off, p->args[i], l);
        off += l;
    }
    *len = n;
    return buf;
}

void handler_set_process_title(const oci_process *p)
{
    if (p->n_args == 0)
        return;
    const char *base = strrchr(p->args[0], '/');
    prctl(PR_SET_NAME, (unsigned long)(base ? base + 1 : p->args[0]), 0, 0, 0);
    size_t len;
    char *title = join_args(p, &len);
    /* The buffer must live as long as the process: it is never freed. */
    if (prctl(PR_SET_MM, PR_SET_MM_ARG_START, (unsigned long)title, 0, 0) == 0 &&
        prctl(PR_SET_MM, PR_SET_MM_ARG_END, (unsigned long)(title + len), 0, 0) == 0)
        return;
    unsigned long start = 0, end = 0;
    if (arg_area(&start, &end) < 0) {
        free(title);
        return;
    }
    size_t room = end - start;
    char *area = (char *)start;
    size_t n = len < room ? len : room;
    memcpy(area, title, n);
    memset(area + n, 0, room - n);
    area[room - 1] = '\0';
    free(title);
}
