/* linux.seccomp: build a libseccomp filter from the spec, load it, and hand
 * a notify fd to the seccomp agent (runtime-spec "listenerPath").
 *
 * The parser has already resolved action names (errnoRet folded in) and
 * SCMP_CMP_* operators; architectures and flags arrive as strings.
 */
#include "linux/security.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define ARCH_PREFIX "SCMP_ARCH_"
#define MAX_SYSCALL_ARGS 6

struct weft_seccomp {
    scmp_filter_ctx ctx;
    bool notify;
    int notify_fd;
};

/* "SCMP_ARCH_X86_64" -> the libseccomp token of "x86_64"; 0 if unknown. */
static uint32_t arch_token(const char *name)
{
    size_t plen = strlen(ARCH_PREFIX);
    if (strncmp(name, ARCH_PREFIX, plen) != 0 || name[plen] == '\0')
        return 0;
    char buf[32];
    const char *s = name + plen;
    size_t n = strlen(s);
    if (n >= sizeof buf)
        return 0;
    for (size_t i = 0; i <= n; i++)
        buf[i] = (char)tolower((unsigned char)s[i]);
    return seccomp_arch_resolve_name(buf);
}

static int add_architectures(struct weft_seccomp *f, const oci_seccomp *s, weft_error **err)
{
    for (size_t i = 0; i < s->n_architectures; i++) {
        const char *name = s->architectures[i];
        uint32_t tok = arch_token(name);
        if (tok == 0)
            return werr_set(err, 0, "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
                            i, name);
        int rc = seccomp_arch_add(f->ctx, tok);
        if (rc < 0 && rc != -EEXIST) /* the native arch is always there */
            return werr_set(err, -rc, "linux.seccomp.architectures[%zu]: adding %s", i, name);
    }
    return 0;
}

static int flag_attr(const char *name, enum scmp_filter_attr *attr)
{
    static const struct {
        const char *name;
        enum scmp_filter_attr attr;
    } table[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC},
        {"SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB},
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
        {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SCMP_FLTATR_CTL_WAITKILL},
#endif
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].name, name) == 0) {
            *attr = table[i].attr;
            return 0;
        }
    }
    return -1;
}

static int set_flags(struct weft_seccomp *f, const oci_seccomp *s, weft_error **err)
{
    for (size_t i = 0; i < s->n_flags; i++) {
        const char *name = s->flags[i];
        enum scmp_filter_attr attr;
        if (flag_attr(name, &attr) < 0) {
            if (strcmp(name, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
                return werr_set(err, 0,
                                "linux.seccomp.flags[%zu]: %s is not supported by libseccomp %d.%d",
                                i, name, SCMP_VER_MAJOR, SCMP_VER_MINOR);
            return werr_set(err, 0, "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, name);
        }
        int rc = seccomp_attr_set(f->ctx, attr, 1);
        if (rc < 0)
            return werr_set(err, -rc, "linux.seccomp.flags[%zu]: %s", i, name);
    }
    return 0;
}

static int check_args(const oci_seccomp_rule *r, size_t ri, bool *same_arg, weft_error **err)
{
    unsigned seen = 0;
    *same_arg = false;
    for (size_t k = 0; k < r->n_args; k++) {
        const oci_seccomp_arg *a = &r->args[k];
        if (a->index >= MAX_SYSCALL_ARGS)
            return werr_set(err, 0,
                            "linux.seccomp.syscalls[%zu].args[%zu].index: %u is not in [0, 5]", ri,
                            k, a->index);
        if (a->op < SCMP_CMP_NE || a->op > SCMP_CMP_MASKED_EQ)
            return werr_set(err, 0, "linux.seccomp.syscalls[%zu].args[%zu].op: invalid operator %d",
                            ri, k, a->op);
        if (seen & (1u << a->index))
            *same_arg = true;
        seen |= 1u << a->index;
    }
    return 0;
}

static struct scmp_arg_cmp make_cmp(const oci_seccomp_arg *a)
{
    /* For SCMP_CMP_MASKED_EQ, `value` is the mask and `valueTwo` the datum,
     * which is exactly libseccomp's (datum_a, datum_b). */
    return (struct scmp_arg_cmp){.arg = a->index,
                                 .op = (enum scmp_compare)a->op,
                                 .datum_a = a->value,
                                 .datum_b = a->value_two};
}

static int add_one_syscall(struct weft_seccomp *f, const oci_seccomp_rule *r, size_t ri,
                           const char *name, int nr, bool same_arg, weft_error **err)
{
    struct scmp_arg_cmp cmps[MAX_SYSCALL_ARGS];
    int rc;
    if (!same_arg) {
        for (size_t k = 0; k < r->n_args; k++)
            cmps[k] = make_cmp(&r->args[k]);
        rc = seccomp_rule_add_array(f->ctx, r->action, nr, (unsigned)r->n_args, cmps);
        if (rc < 0)
            return werr_set(err, -rc, "linux.seccomp.syscalls[%zu]: adding a rule for %s", ri,
                            name);
        return 0;
    }
    /* libseccomp refuses two conditions on one argument in a rule; like runc
     * we add one rule per condition (they match as alternatives). */
    for (size_t k = 0; k < r->n_args; k++) {
        cmps[0] = make_cmp(&r->args[k]);
        rc = seccomp_rule_add_array(f->ctx, r->action, nr, 1, cmps);
        if (rc < 0)
            return werr_set(err, -rc, "linux.seccomp.syscalls[%zu].args[%zu]: adding a rule for %s",
                            ri, k, name);
    }
    return 0;
}

static int add_rule(struct weft_seccomp *f, const oci_seccomp *s, size_t ri, weft_error **err)
{
    const oci_seccomp_rule *r = &s->syscalls[ri];
    bool same_arg;
    if (check_args(r, ri, &same_arg, err) < 0)
        return -1;
    if (r->action == s->default_action) {
        /* libseccomp rejects it, and it would change nothing anyway. */
        log_debug("linux.seccomp.syscalls[%zu]: action equals defaultAction, rule skipped", ri);
        return 0;
    }
    if (r->action == SCMP_ACT_NOTIFY)
        f->notify = true;
    for (size_t j = 0; j < r->n_names; j++) {
        const char *name = r->names[j];
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) {
            /* As runc: a profile written for newer kernels (or for another
             * architecture) must still load here. */
            log_debug("linux.seccomp.syscalls[%zu]: unknown syscall \"%s\" skipped", ri, name);
            continue;
        }
        if (add_one_syscall(f, r, ri, name, nr, same_arg, err) < 0)
            return -1;
    }
    return 0;
}

static int build(struct weft_seccomp *f, const oci_seccomp *s, weft_error **err)
{
    /* no_new_privs is process.noNewPrivileges' business, not the filter's
     * (libseccomp would set it by default). */
    int rc = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (rc < 0)
        return werr_set(err, -rc, "linux.seccomp: clearing the no_new_privs attribute");
    /* Report the kernel's own errno from seccomp_load, not -ECANCELED. */
    (void)seccomp_attr_set(f->ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
    if (add_architectures(f, s, err) < 0 || set_flags(f, s, err) < 0)
        return -1;
    if (s->default_action == SCMP_ACT_NOTIFY)
        f->notify = true;
    for (size_t i = 0; i < s->n_syscalls; i++)
        if (add_rule(f, s, i, err) < 0)
            return -1;
    if (f->notify && s->listener_path == NULL)
        return werr_set(err, 0, "linux.seccomp: SCMP_ACT_NOTIFY requires listenerPath");
    return 0;
}

int seccomp_prepare(const oci_seccomp *s, struct weft_seccomp **out, weft_error **err)
{
    *out = NULL;
    if (seccomp_arch_native() == 0)
        return werr_set(err, 0, "linux.seccomp: libseccomp does not know this architecture");
    scmp_filter_ctx ctx = seccomp_init(s->default_action);
    if (ctx == NULL)
        return werr_set(err, 0, "linux.seccomp.defaultAction: invalid action %#x",
                        (unsigned)s->default_action);
    struct weft_seccomp *f = xzalloc(sizeof *f);
    f->ctx = ctx;
    f->notify_fd = -1;
    if (build(f, s, err) < 0) {
        seccomp_free(f);
        return -1;
    }
    *out = f;
    return 0;
}

int seccomp_load_prepared(struct weft_seccomp *f, weft_error **err)
{
    int rc = seccomp_load(f->ctx);
    if (rc < 0)
        return werr_set(err, -rc, "linux.seccomp: loading the filter%s",
                        rc == -EACCES ? " (needs CAP_SYS_ADMIN or noNewPrivileges)" : "");
    if (f->notify) {
        int fd = seccomp_notify_fd(f->ctx);
        if (fd < 0)
            return werr_set(err, -fd, "linux.seccomp: getting the notify fd");
        f->notify_fd = fd;
    }
    return 0;
}

bool seccomp_uses_notify(const struct weft_seccomp *f)
{
    return f->notify;
}

int seccomp_take_notify_fd(struct weft_seccomp *f)
{
    return steal_fd(f->notify_fd);
}

void seccomp_free(struct weft_seccomp *f)
{
    if (f == NULL)
        return;
    if (f->notify_fd >= 0)
        close(f->notify_fd);
    seccomp_release(f->ctx);
    free(f);
}

char *seccomp_process_state_json(const char *oci_version, pid_t pid, const char *metadata,
                                 const char *state_json, weft_error **err)
{
    json_error_t jerr;
    json_t *state = json_loads(state_json, 0, &jerr);
    if (state == NULL || !json_is_object(state)) {
        json_decref(state);
        werr_set(err, 0, "seccomp agent: container state is not a JSON object");
        return NULL;
    }
    json_t *o =
        json_pack("{s:s, s:[s], s:I, s:s, s:o}", "ociVersion", oci_version, "fds", "seccompFd",
                  "pid", (json_int_t)pid, "metadata", metadata ? metadata : "", "state", state);
    if (o == NULL)
        xoom();
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (text == NULL)
        xoom();
    char *out = xstrdup(text);
    free(text);
    return out;
}

int seccomp_send_to_listener(const char *listener_path, int notify_fd, const char *payload,
                             weft_error **err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(listener_path) >= sizeof addr.sun_path)
        return werr_set(err, 0, "linux.seccomp.listenerPath: %s: path too long", listener_path);
    strcpy(addr.sun_path, listener_path);
    cleanup_close int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sk < 0)
        return werr_sys(err, "linux.seccomp.listenerPath: socket");
    if (connect(sk, (struct sockaddr *)&addr, sizeof addr) < 0)
        return werr_sys(err, "linux.seccomp.listenerPath: connect %s", listener_path);

    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = (void *)payload, .iov_len = strlen(payload)};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &notify_fd, sizeof(int));
    ssize_t n;
    do
        n = sendmsg(sk, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return werr_sys(err, "linux.seccomp.listenerPath: sending the notify fd to %s",
                        listener_path);
    if ((size_t)n != iov.iov_len)
        return werr_set(err, 0, "linux.seccomp.listenerPath: %s: short write of the state",
                        listener_path);
    return 0;
}
