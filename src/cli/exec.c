#include "cli/args.h"
#include "container/container.h"
#include "util/strv.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_CONSOLE = 256,
    OPT_PIDFILE,
    OPT_CWD,
    OPT_NNP,
    OPT_PRESERVE,
    OPT_APPARMOR,
    OPT_LABEL,
    OPT_IGNORE_PAUSED,
};

static const struct option opts[] = {
    {"process", required_argument, NULL, 'p'},
    {"tty", no_argument, NULL, 't'},
    {"console-socket", required_argument, NULL, OPT_CONSOLE},
    {"detach", no_argument, NULL, 'd'},
    {"pid-file", required_argument, NULL, OPT_PIDFILE},
    {"env", required_argument, NULL, 'e'},
    {"cwd", required_argument, NULL, OPT_CWD},
    {"user", required_argument, NULL, 'u'},
    {"additional-gids", required_argument, NULL, 'g'},
    {"cap", required_argument, NULL, 'c'},
    {"no-new-privs", no_argument, NULL, OPT_NNP},
    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
    {"apparmor", required_argument, NULL, OPT_APPARMOR},
    {"process-label", required_argument, NULL, OPT_LABEL},
    {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
    {"help", no_argument, NULL, 'h'},
    {0},
};

/* What the flags say, applied over the container's own process settings. */
struct exec_flags {
    const char *process_file;
    bool tty, nnp;
    const char *cwd, *user;
    char **env, **caps, **gids;
    size_t n_env, n_caps, n_gids;
};

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = xstrdup(v);
}

/* An id the kernel accepts as a uid or gid: 0 to 4294967294. 4294967295 is
 * -1, "unchanged" to setresuid(2): the process would stay root. */
#define MAX_ID 4294967294L
#define SPECIAL_ID_MSG "4294967295 is the id -1, which the kernel reads as \"unchanged\""

static int parse_id(const char *s, char **end, long *out)
{
    errno = 0;
    long v = strtol(s, end, 10);
    if (*end == s || v < 0 || v > MAX_ID + 1 || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

static int apply_user(oci_process *p, const char *spec, weft_error **err)
{
    char q[WERR_CLIP_BUF];
    char *end;
    long uid, gid = p->user.gid;
    if (parse_id(spec, &end, &uid) < 0 || (*end != '\0' && *end != ':'))
        return werr_set(err, 0, "exec: --user: expected UID[:GID], got '%s'", werr_clip(q, spec));
    if (*end == ':') {
        const char *g = end + 1;
        if (parse_id(g, &end, &gid) < 0 || *end != '\0')
            return werr_set(err, 0, "exec: --user: expected UID[:GID], got '%s'",
                            werr_clip(q, spec));
    }
    if (uid > MAX_ID || gid > MAX_ID)
        return werr_set(err, 0, "exec: --user %s: " SPECIAL_ID_MSG " (the process would stay root)",
                        werr_clip(q, spec));
    p->user.uid = (uid_t)uid;
    p->user.gid = (gid_t)gid;
    return 0;
}

static int apply_flags(oci_process *p, const struct exec_flags *f, char **args, int n_args,
                       weft_error **err)
{
    if (n_args > 0) {
        strv_free(p->args);
        p->args = NULL;
        p->n_args = 0;
        for (int i = 0; i < n_args; i++)
            strv_append(&p->args, &p->n_args, args[i]);
    }
    for (size_t i = 0; i < f->n_env; i++)
        strv_env_set(&p->env, &p->n_env, f->env[i]);
    if (f->cwd != NULL)
        set_str(&p->cwd, f->cwd);
    if (f->user != NULL && apply_user(p, f->user, err) < 0)
        return -1;
    for (size_t i = 0; i < f->n_gids; i++) {
        long gid;
        if (cli_parse_int("--additional-gids", f->gids[i], 0, MAX_ID + 1, &gid, err) < 0)
            return -1;
        if (gid > MAX_ID)
            return werr_set(err, 0, "exec: --additional-gids %s: " SPECIAL_ID_MSG, f->gids[i]);
        p->user.additional_gids =
            xreallocarray(p->user.additional_gids, p->user.n_additional_gids + 1, sizeof(gid_t));
        p->user.additional_gids[p->user.n_additional_gids++] = (gid_t)gid;
    }
    if (f->n_caps > 0)
        p->has_capabilities = true;
    for (size_t i = 0; i < f->n_caps; i++) {
        oci_capabilities *c = &p->capabilities;
        strv_append(&c->bounding, &c->n_bounding, f->caps[i]);
        strv_append(&c->effective, &c->n_effective, f->caps[i]);
        strv_append(&c->permitted, &c->n_permitted, f->caps[i]);
    }
    if (f->tty)
        p->terminal = true;
    if (f->nnp)
        p->no_new_privileges = true;
    if (p->n_args == 0)
        return werr_set(err, 0, "exec: no command given (args or --process)");
    return 0;
}

static int parse_exec_flags(int argc, char **argv, struct exec_flags *f, struct exec_opts *o,
                            weft_error **err)
{
    int c;
    long n;
    while ((c = getopt_long(argc, argv, "+p:tde:u:g:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            cli_print_usage(&cmd_exec);
            return 1;
        case 'p':
            f->process_file = optarg;
            break;
        case 't':
            f->tty = true;
            break;
        case OPT_CONSOLE:
            if (cli_check_console_socket(optarg, err) < 0)
                return -1;
            o->console_socket = optarg;
            break;
        case 'd':
            o->detach = true;
            break;
        case OPT_PIDFILE:
            o->pid_file = optarg;
            break;
        case 'e':
            strv_append(&f->env, &f->n_env, optarg);
            break;
        case OPT_CWD:
            f->cwd = optarg;
            break;
        case 'u':
            f->user = optarg;
            break;
        case 'g':
            strv_append(&f->gids, &f->n_gids, optarg);
            break;
        case 'c':
            strv_append(&f->caps, &f->n_caps, optarg);
            break;
        case OPT_NNP:
            f->nnp = true;
            break;
        case OPT_PRESERVE:
            if (cli_parse_int("--preserve-fds", optarg, 0, 1 << 20, &n, err) < 0 ||
                cli_check_preserve_fds(n, err) < 0)
                return -1;
            o->preserve_fds = (int)n;
            break;
        case OPT_APPARMOR:
        case OPT_LABEL:
        case OPT_IGNORE_PAUSED:
            break; /* accepted for runc compatibility; no LSM on this build */
        default:
            return cli_bad_option(&cmd_exec, argc, argv, err);
        }
    }
    return 0;
}

/* The process: from --process FILE, or the container's own process with
 * the command line's args and flags over it (as runc does). */
static int build_process(const struct container_ctx *g, const char *id, const struct exec_flags *f,
                         char **args, int n_args, oci_process **out, oci_spec **spec,
                         weft_error **err)
{
    if (f->process_file != NULL) {
        if (oci_process_parse_file(f->process_file, out, err) < 0)
            return -1;
        if (f->tty)
            (*out)->terminal = true;
        return 0;
    }
    if (container_config(g, id, spec, err) < 0)
        return -1;
    if (!(*spec)->has_process)
        return werr_set(err, 0,
                        "exec: the container has no process to take defaults from; "
                        "use --process");
    (*spec)->process.terminal = false;
    if (apply_flags(&(*spec)->process, f, args, n_args, err) < 0)
        return -1;
    *out = &(*spec)->process;
    return 0;
}

static int run_exec(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    struct exec_flags f = {0};
    struct exec_opts o = {0};
    oci_spec *spec = NULL;
    oci_process *proc = NULL;
    int status = 0;
    int parsed = parse_exec_flags(argc, argv, &f, &o, err);
    int r = parsed < 0 ? -1 : 0; /* parsed == 1: --help was printed */
    if (parsed != 0)
        goto out;
    r = -1;
    if (optind >= argc) {
        werr_set(err, 0, "exec: missing container ID (see weft exec --help)");
        werr_status(err, 2);
        goto out;
    }
    o.id = argv[optind];
    if (build_process(g, o.id, &f, argv + optind + 1, argc - optind - 1, &proc, &spec, err) < 0) {
        container_explain_gone(g, o.id, "exec", err);
        goto out;
    }
    o.process = proc;
    if (container_exec(g, &o, &status, err) == 0)
        r = status;
    else
        container_explain_gone(g, o.id, "exec", err);
out:
    if (spec == NULL)
        oci_process_free(proc);
    oci_spec_free(spec);
    strv_free(f.env);
    strv_free(f.caps);
    strv_free(f.gids);
    return r;
}

const struct weft_command cmd_exec = {
    .name = "exec",
    .summary = "run a new process inside a running container",
    .usage = "usage: weft exec [OPTIONS] ID [COMMAND [ARG...]]\n\n"
             "Run COMMAND (or the process described by --process) inside the container ID:\n"
             "its namespaces, cgroup, capabilities and seccomp filter. Settings not given\n"
             "come from the container's own process. In the foreground weft waits and\n"
             "exits with the process's status.\n\n"
             "Options:\n"
             "  -p, --process FILE        a runtime-spec process object (JSON)\n"
             "  -t, --tty                 allocate a terminal\n"
             "      --console-socket SOCK send the terminal master to the unix socket SOCK\n"
             "  -d, --detach              do not wait for the process\n"
             "      --pid-file FILE       write the process's pid to FILE\n"
             "  -e, --env KEY=VALUE       set an environment variable (repeatable)\n"
             "      --cwd DIR             working directory inside the container\n"
             "  -u, --user UID[:GID]      run as this user\n"
             "  -g, --additional-gids GID add a supplementary group (repeatable)\n"
             "  -c, --cap CAP             add a capability (repeatable)\n"
             "      --no-new-privs        set no_new_privs\n"
             "      --preserve-fds N      pass N more fds (3 .. 3+N-1) into the process\n"
             "  -h, --help                print this help\n",
    .run = run_exec,
};
