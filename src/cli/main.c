/* weft's entry point: global options, then dispatch to one verb. */
#include "cli/args.h"
#include "linux/sealed_exe.h"
#include "util/error.h"
#include "util/log.h"

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
/* The sanitizer build (make check-asan) is also run by podman, conmon and
 * containerd, which do not pass our ASAN_OPTIONS on: the settings live in
 * the binary. Leak reports at exit are off: a short-lived CLI frees nothing
 * on its way out by design, and the suites test memory errors, not that. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

static const struct weft_command *const commands[] = {
    &cmd_create, &cmd_start,  &cmd_run,  &cmd_state,    &cmd_kill,
    &cmd_delete, &cmd_list,   &cmd_exec, &cmd_ps,       &cmd_pause,
    &cmd_resume, &cmd_update, &cmd_spec, &cmd_features, &cmd_wasm,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: weft [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
                 "An OCI container runtime that also runs WebAssembly (WASI) workloads.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\nGlobal options:\n"
                 "  --root DIR             state directory (default /run/weft; for an ordinary\n"
                 "                         user $XDG_RUNTIME_DIR/weft)\n"
                 "  --log FILE             write diagnostics to FILE instead of stderr\n"
                 "  --log-format FORMAT    text (default) or json\n"
                 "  --debug                also log debug messages\n"
                 "  --systemd-cgroup       use the systemd cgroup driver\n"
                 "  --cgroup-manager NAME  cgroupfs (default), systemd or disabled\n"
                 "  --rootless VALUE       accepted for runc compatibility\n"
                 "  -v, --version          print the version\n"
                 "  -h, --help             print this help\n\n"
                 "Run 'weft COMMAND --help' for a command's options.\n");
}

static void version(void)
{
    printf("weft version %s\nspec: 1.2.0\n+SECCOMP +CAP +WASM:builtin\n", WEFT_VERSION);
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_CGMGR, OPT_ROOTLESS };

static int parse_globals(struct weft_globals *g, bool *root_given, int argc, char **argv,
                         weft_error **err)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, OPT_ROOT},
        {"log", required_argument, NULL, OPT_LOG},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
        {"cgroup-manager", required_argument, NULL, OPT_CGMGR},
        {"rootless", required_argument, NULL, OPT_ROOTLESS},
        {"version", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    int c;
    opterr = 0;
    /* '+' stops at the first non-option: the verb. */
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        switch (c) {
        case OPT_ROOT:
            g->ctx.root = optarg;
            *root_given = true;
            break;
        case OPT_LOG:
            g->log_path = optarg;
            break;
        case OPT_LOG_FORMAT:
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                return werr_set(err, 0, "--log-format: unknown format '%s' (text or json)", optarg);
            g->log_json = strcmp(optarg, "json") == 0;
            break;
        case OPT_DEBUG:
            g->debug = true;
            break;
        case OPT_SYSTEMD:
            g->ctx.cgroup_manager = "systemd";
            break;
        case OPT_CGMGR:
            if (strcmp(optarg, "cgroupfs") != 0 && strcmp(optarg, "systemd") != 0 &&
                strcmp(optarg, "disabled") != 0)
                return werr_set(err, 0, "--cgroup-manager: unknown manager '%s'", optarg);
            g->ctx.cgroup_manager = optarg;
            break;
        case OPT_ROOTLESS:
            break;
        case 'v':
            version();
            exit(0);
        case 'h':
            usage(stdout);
            exit(0);
        default: {
            char q[WERR_CLIP_BUF];
            return werr_set(err, 0,
                            "unknown global option or missing value: '%s' (see weft --help)",
                            werr_clip(q, cli_bad_arg(argc, argv)));
        }
        }
    }
    return optind;
}

/* The verbs that never touch the state directory. */
static bool stateless(const struct weft_command *c)
{
    return c == &cmd_spec || c == &cmd_features || c == &cmd_wasm;
}

static bool runs_in_containers(const struct weft_command *c)
{
    return c == &cmd_exec || c == &cmd_create || c == &cmd_run;
}

int main(int argc, char **argv)
{
    struct weft_globals g = {.ctx = {.root = "/run/weft", .cgroup_manager = "cgroupfs"}};
    weft_error *err = NULL;

    /* Installed as "weft-wasm" (a RuntimeClass handler): every container that
     * is not a pod sandbox runs as wasm-smart. */
    g.ctx.wasm_smart_default = strcmp(basename(argv[0]), "weft-wasm") == 0;

    sealed_exe_remember_self();
    bool root_given = false;
    int first = parse_globals(&g, &root_given, argc, argv, &err);
    if (first < 0)
        return werr_report(err);
    if (log_init(g.log_path, g.log_json, g.debug) < 0)
        return 1;
    if (first >= argc) {
        usage(stderr);
        return 1;
    }
    const char *verb = argv[first];
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(commands[i]->name, verb) != 0)
            continue;
        /* exec, create and run put weft processes where a container's
         * processes can see them (the exec'd child, the init of a created
         * container, a wasm container's engine for its whole life): they
         * run from a sealed copy of the binary (CVE-2019-5736). */
        if (runs_in_containers(commands[i]) && sealed_exe_ensure(argv, &err) < 0)
            return werr_report(err);
        g.ctx.argv = argv;
        if (!root_given && !stateless(commands[i]) && cli_default_root(&g, &err) < 0)
            return werr_report(err);
        /* Each verb parses its own options from argv[first..]. */
        optind = 0;
        int r = commands[i]->run(&g.ctx, argc - first, argv + first, &err);
        if (r < 0)
            return werr_report(err);
        return r;
    }
    log_error("unknown command '%s' (see weft --help)", verb);
    return 1;
}
