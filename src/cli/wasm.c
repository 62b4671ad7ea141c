/* `weft wasm`: run and check WebAssembly modules outside any container.
 *
 *   weft wasm run [OPTIONS] MODULE [ARGS...]   WASI command, or --invoke an export
 *   weft wasm validate MODULE                  decode + validate only
 *
 * MODULE is a binary (starts with "\0asm") or WAT text, decided by content.
 * Exit statuses: 0 ok, N from proc_exit, 1 load/validation/link error,
 * 2 usage error, 134 trap (what a shell reports for SIGABRT, as wasmtime's
 * CLI does for a trap).
 */
#include "cli/cli.h"
#include "cli/wasm_wast.h"
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "wasi/wasi.h"
#include "wast/value_text.h"
#include "wasm/aot_cache.h"
#include "wasm/wasm.h"
#include "wat/module_file.h"

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_LOAD = 1, EXIT_USAGE = 2, EXIT_TRAP = 134 };

#define WASM_USAGE                                                                                 \
    "usage: weft wasm run [OPTIONS] MODULE [ARGS...]\n"                                            \
    "       weft wasm validate MODULE\n"                                                           \
    "       weft wasm compile MODULE [-o FILE]\n"                                                  \
    "       weft wasm wast [-v] FILE...   (spec-test scripts; see weft wasm wast --help)\n"        \
    "\n"                                                                                           \
    "Run or check a WebAssembly module with weft's engine, outside any container.\n"               \
    "MODULE is a binary .wasm (starts with \\0asm) or WAT text, decided by content.\n"             \
    "\n"                                                                                           \
    "run: without --invoke, run MODULE as a WASI command: it sees argv = MODULE's\n"               \
    "basename then ARGS, only the environment given with --env, and only the\n"                    \
    "directories given with --dir. With --invoke NAME, instantiate MODULE (WASI\n"                 \
    "imports available) and call the export NAME with ARGS written TYPE:VALUE\n"                   \
    "(i32:-1, i64:0x2a, f32:1.5, f64:0x1p-3, f32:nan:0x200000, f64:-inf; a bare\n"                 \
    "VALUE takes the parameter's type); each result is printed on its own line in\n"               \
    "the same form (floats as the shortest decimal that reads back exactly).\n"                    \
    "\n"                                                                                           \
    "  --invoke NAME        call the exported function NAME instead of _start\n"                   \
    "  --dir HOST[:GUEST]   preopen directory HOST, seen by the guest as GUEST\n"                  \
    "                       (default: HOST as written, e.g. --dir . or --dir /data:/d)\n"          \
    "  --env KEY=VALUE      add a variable to the guest's (otherwise empty) environment\n"         \
    "  --max-stack N        at most N nested wasm calls (default: 200000); refused\n"              \
    "                       if N frames cannot fit --max-memory (32 bytes a frame)\n"              \
    "  --max-memory BYTES   the memory budget (suffix K, M or G: x1024; default 4G):\n"            \
    "                       linear memories, tables, the wasm stack, the instance\n"               \
    "                       and the loaded module together; growing past it fails\n"               \
    "  --aot FILE           use the machine code in FILE (from weft wasm compile -o)\n"            \
    "                       instead of the AOT cache's file for MODULE\n"                          \
    "  -h, --help           print this help\n"                                                     \
    "\n"                                                                                           \
    "compile: compile all of MODULE to machine code ahead of time, into the AOT\n"                 \
    "cache (run then loads it instead of compiling) or into FILE with -o. The\n"                   \
    "cache is $WEFT_WASM_CACHE if set (\"off\": none), else /var/cache/weft/aot\n"                 \
    "for root, else $XDG_CACHE_HOME/weft/aot or ~/.cache/weft/aot; remove the\n"                   \
    "directory to clear it. A file that does not match MODULE, this weft or this\n"                \
    "CPU, or is damaged, is ignored (weft --debug says why) and MODULE compiles.\n"                \
    "\n"                                                                                           \
    "validate: decode and validate MODULE; print nothing and exit 0 if it is valid,\n"             \
    "else print one line naming the byte offset and exit 1.\n"                                     \
    "\n"                                                                                           \
    "Exit status: 0 success; N the guest's proc_exit(N); 1 the module cannot be read,\n"           \
    "decoded, validated or linked; 2 usage error (bad option, wrong --invoke\n"                    \
    "arguments); 134 the guest trapped (\"trap: REASON\" on stderr).\n"

static int usage_error(weft_error **err, const char *fmt, const char *arg)
{
    werr_set(err, 0, fmt, arg);
    return werr_status(err, EXIT_USAGE);
}

/* ---- options ----------------------------------------------------------- */

struct run_opts {
    const char *invoke;
    char **dirs; /* --dir values as written */
    size_t n_dirs;
    char **envs;
    size_t n_envs;
    const char *aot; /* --aot FILE */
    wf_config limits;
};

/* "64M" -> 67108864. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0':
        break;
    case 'K':
    case 'k':
        shift = 10;
        break;
    case 'M':
    case 'm':
        shift = 20;
        break;
    case 'G':
    case 'g':
        shift = 30;
        break;
    default:
        return -1;
    }
    if (*end != '\0' && end[1] != '\0')
        return -1;
    if (v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

enum { OPT_INVOKE = 256, OPT_DIR, OPT_ENV, OPT_MAX_STACK, OPT_MAX_MEMORY, OPT_AOT };

/* Options stop at MODULE ('+'), so the guest's own flags pass through. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o, weft_error **err)
{
    static const struct option opts[] = {
        {"invoke", required_argument, NULL, OPT_INVOKE},
        {"dir", required_argument, NULL, OPT_DIR},
        {"env", required_argument, NULL, OPT_ENV},
        {"max-stack", required_argument, NULL, OPT_MAX_STACK},
        {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
        {"aot", required_argument, NULL, OPT_AOT},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    int c;
    uint64_t n;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_INVOKE:
            o->invoke = optarg;
            break;
        case OPT_DIR:
            o->dirs = xreallocarray(o->dirs, o->n_dirs + 1, sizeof *o->dirs);
            o->dirs[o->n_dirs++] = optarg;
            break;
        case OPT_ENV:
            if (strchr(optarg, '=') == NULL || optarg[0] == '=')
                return usage_error(err, "--env '%s': write KEY=VALUE", optarg);
            o->envs = xreallocarray(o->envs, o->n_envs + 1, sizeof *o->envs);
            o->envs[o->n_envs++] = optarg;
            break;
        case OPT_MAX_STACK:
            if (parse_size(optarg, &n) < 0 || n == 0 || n > UINT32_MAX)
                return usage_error(err, "--max-stack '%s': expected a number of calls", optarg);
            o->limits.max_call_depth = (uint32_t)n;
            break;
        case OPT_MAX_MEMORY:
            if (parse_size(optarg, &n) < 0 || n == 0)
                return usage_error(err, "--max-memory '%s': expected bytes (e.g. 65536, 64M)",
                                   optarg);
            o->limits.max_memory_bytes = n;
            break;
        case OPT_AOT:
            o->aot = optarg;
            break;
        case 'h':
            fputs(WASM_USAGE, stdout);
            return -2;
        case ':':
            return usage_error(err, "wasm run: option '%s' needs a value", argv[optind - 1]);
        default:
            return usage_error(err, "wasm run: unknown option '%s' (see weft wasm --help)",
                               argv[optind - 1]);
        }
    }
    /* a depth the budget cannot hold is a contradiction: say so now, not
     * with a host out of memory later */
    if (wf_config_check(&o->limits, err) < 0) {
        werr_prefix(err, "--max-stack %u", o->limits.max_call_depth);
        return werr_status(err, EXIT_USAGE);
    }
    return optind;
}

/* ---- WASI setup -------------------------------------------------------- */

struct wasi_setup {
    wasi_config cfg;
    char **argv;
    wasi_preopen *preopens;
    int *fds;
    size_t n_fds;
};

static void wasi_setup_free(struct wasi_setup *w)
{
    for (size_t i = 0; i < w->n_fds; i++)
        close(w->fds[i]);
    free(w->fds);
    free(w->preopens);
    free(w->argv);
}

/* --dir HOST[:GUEST] (or HOST::GUEST): the guest name defaults to HOST as written, so
 * `--dir .` lets a guest open "./x" as wasmtime does. */
static int open_preopens(const struct run_opts *o, struct wasi_setup *w, weft_error **err)
{
    w->preopens = xcalloc(o->n_dirs + 1, sizeof *w->preopens);
    w->fds = xcalloc(o->n_dirs + 1, sizeof *w->fds);
    for (size_t i = 0; i < o->n_dirs; i++) {
        char *spec = o->dirs[i];
        /* wasmtime 14+ spells it HOST::GUEST; accept both. */
        char *colon = strchr(spec, ':');
        const char *guest = colon ? colon + 1 + (colon[1] == ':') : spec;
        cleanup_free char *host = colon ? xstrndup(spec, (size_t)(colon - spec)) : xstrdup(spec);
        if (*host == '\0' || *guest == '\0')
            return usage_error(err, "--dir '%s': write HOST or HOST:GUEST", spec);
        int fd = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return werr_sys(err, "--dir %s", host);
        w->fds[w->n_fds++] = fd;
        w->preopens[i] = (wasi_preopen){.guest_path = guest, .host_fd = fd};
    }
    return 0;
}

static int wasi_setup_init(const char *module_path, int argc, char **argv, const struct run_opts *o,
                           struct wasi_setup *w, weft_error **err)
{
    /* argv[0] is the module's basename: what a program prints as its name. */
    w->argv = xcalloc((size_t)argc + 2, sizeof *w->argv);
    const char *slash = strrchr(module_path, '/');
    w->argv[0] = (char *)(slash ? slash + 1 : module_path);
    for (int i = 0; i < argc; i++)
        w->argv[i + 1] = argv[i];
    if (open_preopens(o, w, err) < 0)
        return -1;
    w->cfg = (wasi_config){
        .argv = w->argv,
        .argc = (size_t)argc + 1,
        .envp = o->envs,
        .envc = o->n_envs,
        .preopens = w->preopens,
        .n_preopens = o->n_dirs,
        .stdin_fd = 0,
        .stdout_fd = 1,
        .stderr_fd = 2,
    };
    return 0;
}

/* ---- run --------------------------------------------------------------- */

/* A trap is the guest's outcome, not weft's error: report it as wasmtime does
 * and give the status a shell shows for an abort. */
static int report_trap(weft_error *e)
{
    const char *msg = e->msg;
    /* The engine's message may already say "trap"; do not say it twice. */
    const char *t = strstr(msg, "trap: ");
    if (t != NULL)
        msg = t + 6;
    fflush(stdout);
    fprintf(stderr, "trap: %s\n", msg);
    werr_free(e);
    return EXIT_TRAP;
}

/* The outcome of a failed instantiate or invoke, as an exit status or -1. */
static int run_failure(weft_error **err)
{
    switch ((*err)->kind) {
    case WF_ERR_TRAP:
    case WF_ERR_EXHAUSTED: {
        int r = report_trap(*err);
        *err = NULL;
        return r;
    }
    case WF_ERR_EXIT: {
        int status = (*err)->status;
        werr_free(*err);
        *err = NULL;
        return status;
    }
    default:
        return -1;
    }
}

#define MAX_VALUES 64

static int parse_invoke_args(const char *name, const wf_valtype *params, size_t n_params, int argc,
                             char **argv, wf_value *args, weft_error **err)
{
    if ((size_t)argc != n_params) {
        werr_set(err, 0, "--invoke %s: expected %zu argument%s, got %d", name, n_params,
                 n_params == 1 ? "" : "s", argc);
        return werr_status(err, EXIT_USAGE);
    }
    for (int i = 0; i < argc; i++) {
        const wf_valtype want = params[i];
        const char *colon = strchr(argv[i], ':');
        const char *text = argv[i];
        if (colon != NULL && colon - argv[i] <= 9 && argv[i][0] >= 'a' && argv[i][0] <= 'z' &&
            strncmp(argv[i], "nan:", 4) != 0) {
            wf_valtype got;
            if (wast_vt_parse_type(argv[i], (size_t)(colon - argv[i]), &got, err) < 0)
                goto bad;
            if (got != want) {
                werr_set(err, 0, "argument %d is %s, but the parameter is %s", i + 1,
                         wast_vt_type_name(got), wast_vt_type_name(want));
                goto bad;
            }
            text = colon + 1;
        }
        if (wast_vt_parse_as(want, text, &args[i], err) < 0)
            goto bad;
    }
    return 0;
bad:
    werr_prefix(err, "--invoke %s", name);
    return werr_status(err, EXIT_USAGE);
}

static int invoke_export(wf_instance *inst, const char *name, int argc, char **argv,
                         weft_error **err)
{
    wf_valtype params[MAX_VALUES], results[MAX_VALUES];
    size_t n_params, n_results;
    if (wf_export_func_type(inst, name, params, &n_params, results, &n_results, MAX_VALUES, err) <
        0) {
        werr_set(err, 0, "--invoke %s: the module exports no function of that name", name);
        return werr_status(err, EXIT_USAGE);
    }
    if (n_params > MAX_VALUES || n_results > MAX_VALUES)
        return werr_set(err, 0, "--invoke %s: more than %d parameters or results", name,
                        MAX_VALUES);
    wf_value args[MAX_VALUES], res[MAX_VALUES];
    if (parse_invoke_args(name, params, n_params, argc, argv, args, err) < 0)
        return -1;
    size_t got = 0;
    if (wf_invoke(inst, name, args, n_params, res, &got, err) < 0)
        return run_failure(err);
    for (size_t i = 0; i < got; i++) {
        char buf[WAST_VT_MAX];
        printf("%s\n", wast_vt_format(&res[i], buf));
    }
    return fflush(stdout) == 0 ? 0 : werr_sys(err, "write results");
}

/* A WASI reactor (clang -mexec-model=reactor) exports _initialize, which
 * must run once before any other export, as wasmtime does. */
static int init_reactor(wf_instance *inst, const char *invoked, weft_error **err)
{
    wf_valtype params[1], results[1];
    size_t np, nr;
    weft_error *probe = NULL;
    if (strcmp(invoked, "_initialize") == 0 ||
        wf_export_func_type(inst, "_initialize", params, &np, results, &nr, 1, &probe) < 0 ||
        np != 0 || nr != 0) {
        werr_free(probe);
        return 0;
    }
    wf_value none[1];
    size_t got = 0;
    return wf_invoke(inst, "_initialize", NULL, 0, none, &got, err);
}

/* --invoke: WASI imports are there (a module built by a C toolchain imports
 * them even when the export never calls one), but _start is not run. */
static int run_invoke(const wf_module *m, struct wasi_setup *w, const struct run_opts *o, int argc,
                      char **argv, weft_error **err)
{
    wasi_ctx *ctx = NULL;
    if (wasi_ctx_new(&w->cfg, &ctx, err) < 0)
        return -1;
    wf_store *store = wf_store_new(&o->limits);
    wf_linker *linker = wf_linker_new();
    wf_instance *inst = NULL;
    int r = wasi_define(linker, ctx, m, err);
    if (r == 0 && wf_instantiate(store, m, linker, &inst, err) < 0)
        r = run_failure(err);
    else if (r == 0 && init_reactor(inst, o->invoke, err) < 0)
        r = run_failure(err);
    else if (r == 0)
        r = invoke_export(inst, o->invoke, argc, argv, err);
    wf_linker_free(linker);
    wf_store_free(store);
    wasi_ctx_free(ctx);
    return r;
}

/* MODULE, running the AOT cache's code for it when there is some */
static int load_module(const char *path, uint64_t budget, const char *aot, wf_module **m,
                       weft_error **err)
{
    cleanup_free uint8_t *bytes = NULL;
    size_t len = 0;
    if (wat_read_module_within(path, budget, &bytes, &len, err) < 0)
        return -1;
    /* a binary module's cache file is tried before its bodies are
     * validated, which it spares (text is not cached) */
    if (len >= 8 && memcmp(bytes, "\0asm\1\0\0\0", 8) == 0) {
        if (wf_aot_load_module(bytes, len, path, budget, -1, aot, false, m, err) < 0)
            return -1;
        bytes = NULL; /* the module's now */
        return 0;
    }
    if (wat_module_from_bytes(bytes, len, path, budget, m, err) < 0)
        return -1;
    wf_aot_try(*m, bytes, len, aot);
    return 0;
}

static int wasm_run(int argc, char **argv, weft_error **err)
{
    struct run_opts o = {0};
    int first = parse_run_opts(argc, argv, &o, err);
    int r = -1;
    if (first == -2) {
        r = 0;
        goto out;
    }
    if (first < 0)
        goto out;
    if (first >= argc) {
        usage_error(err, "%s", "wasm run: missing MODULE (see weft wasm --help)");
        goto out;
    }
    const char *path = argv[first];
    wf_module *m = NULL;
    if (load_module(path, o.limits.max_memory_bytes, o.aot, &m, err) < 0)
        goto out;
    struct wasi_setup w = {0};
    if (wasi_setup_init(path, argc - first - 1, argv + first + 1, &o, &w, err) == 0) {
        if (o.invoke != NULL) {
            r = run_invoke(m, &w, &o, argc - first - 1, argv + first + 1, err);
        } else {
            int status = 0;
            fflush(stdout);
            r = wasi_run_module(m, &w.cfg, &o.limits, &status, err);
            if (r == 0)
                r = status;
        }
    }
    wasi_setup_free(&w);
    wf_module_free(m);
out:
    free(o.dirs);
    free(o.envs);
    return r;
}

/* ---- validate ---------------------------------------------------------- */

static int wasm_validate(int argc, char **argv, weft_error **err)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(WASM_USAGE, stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-')
        return usage_error(err, "%s", "usage: weft wasm validate MODULE");
    wf_module *m = NULL;
    if (wat_module_load_file(argv[1], 0, &m, err) < 0)
        return werr_status(err, EXIT_LOAD);
    wf_module_free(m);
    return 0;
}

/* ---- compile ----------------------------------------------------------- */

static int wasm_compile(int argc, char **argv, weft_error **err)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *out = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        if (c == 'o') {
            out = optarg;
        } else if (c == 'h') {
            fputs(WASM_USAGE, stdout);
            return 0;
        } else {
            return usage_error(err, "%s", "usage: weft wasm compile MODULE [-o FILE]");
        }
    }
    if (optind != argc - 1)
        return usage_error(err, "%s", "usage: weft wasm compile MODULE [-o FILE]");
    const char *path = argv[optind];
    cleanup_free uint8_t *bytes = NULL;
    size_t len = 0;
    if (wat_read_module(path, &bytes, &len, err) < 0)
        return werr_status(err, EXIT_LOAD);
    cleanup_free char *dir = NULL, *cached = NULL;
    if (out == NULL) {
        if ((dir = wf_aot_cache_dir()) == NULL) {
            werr_set(err, 0, "%s",
                     "wasm compile: no AOT cache directory (WEFT_WASM_CACHE is off, "
                     "or HOME is unset); use -o FILE");
            return werr_status(err, EXIT_USAGE);
        }
        out = cached = wf_aot_cache_path(dir, bytes, len);
    }
    wf_module *m = NULL;
    if (wat_module_from_bytes(bytes, len, path, 0, &m, err) < 0)
        return werr_status(err, EXIT_LOAD);
    cleanup_free uint8_t *file = NULL;
    size_t flen = 0;
    int r = 0;
    if (wf_aot_build(m, bytes, len, &file, &flen, err) < 0 ||
        wf_aot_write(out, file, flen, err) < 0)
        r = werr_status(err, EXIT_LOAD);
    wf_module_free(m);
    return r;
}

/* ---- the verb ---------------------------------------------------------- */

static int run_wasm(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    (void)g;
    if (argc < 2)
        return usage_error(err, "%s",
                           "wasm: missing subcommand (run, validate, compile or wast; see --help)");
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        fputs(WASM_USAGE, stdout);
        return 0;
    }
    /* The subcommand parses argv[1..] as its own argv[0..]. */
    if (strcmp(sub, "run") == 0)
        return wasm_run(argc - 1, argv + 1, err);
    if (strcmp(sub, "validate") == 0)
        return wasm_validate(argc - 1, argv + 1, err);
    if (strcmp(sub, "wast") == 0)
        return wasm_wast_main(argc - 1, argv + 1, err);
    if (strcmp(sub, "compile") == 0)
        return wasm_compile(argc - 1, argv + 1, err);
    return usage_error(err, "wasm: unknown subcommand '%s' (run, validate, compile or wast)", sub);
}

const struct weft_command cmd_wasm = {
    .name = "wasm",
    .summary = "run, validate or test WebAssembly modules outside a container",
    .usage = WASM_USAGE,
    .run = run_wasm,
};
