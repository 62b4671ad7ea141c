#include "cli/args.h"
#include "container/container.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    OPT_BLKIO = 256,
    OPT_CPU_PERIOD,
    OPT_CPU_QUOTA,
    OPT_CPU_RT_PERIOD,
    OPT_CPU_RT_RUNTIME,
    OPT_CPU_SHARE,
    OPT_CPUSET_CPUS,
    OPT_CPUSET_MEMS,
    OPT_MEMORY,
    OPT_MEMORY_RES,
    OPT_MEMORY_SWAP,
    OPT_PIDS,
};

static const struct option opts[] = {
    {"resources", required_argument, NULL, 'r'},
    {"blkio-weight", required_argument, NULL, OPT_BLKIO},
    {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
    {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
    {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
    {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
    {"cpu-share", required_argument, NULL, OPT_CPU_SHARE},
    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
    {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"memory-reservation", required_argument, NULL, OPT_MEMORY_RES},
    {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
    {"pids-limit", required_argument, NULL, OPT_PIDS},
    {"help", no_argument, NULL, 'h'},
    {0},
};

/* "512m", "1g", "1048576", "-1" (unlimited), as runc's units accept. */
static int parse_bytes(const char *flag, const char *s, int64_t *out, weft_error **err)
{
    char *end;
    double v = strtod(s, &end);
    int64_t mult = 1;
    switch (tolower((unsigned char)*end)) {
    case 'k':
        mult = 1LL << 10;
        end++;
        break;
    case 'm':
        mult = 1LL << 20;
        end++;
        break;
    case 'g':
        mult = 1LL << 30;
        end++;
        break;
    case 't':
        mult = 1LL << 40;
        end++;
        break;
    default:
        break;
    }
    if (tolower((unsigned char)*end) == 'b')
        end++;
    if (end == s || *end != '\0' || v < -1 || v * (double)mult > 9.2e18)
        return werr_set(err, 0, "update: %s: invalid size '%s'", flag, s);
    *out = v < 0 ? -1 : (int64_t)(v * (double)mult);
    return 0;
}

static int set_i64(const char *flag, const char *s, oci_opt_i64 *o, weft_error **err)
{
    long v;
    if (cli_parse_int(flag, s, -1, 0x7fffffffffffffffL, &v, err) < 0)
        return -1;
    o->set = true;
    o->v = v;
    return 0;
}

static int set_u64(const char *flag, const char *s, oci_opt_u64 *o, weft_error **err)
{
    long v;
    if (cli_parse_int(flag, s, 0, 0x7fffffffffffffffL, &v, err) < 0)
        return -1;
    o->set = true;
    o->v = (uint64_t)v;
    return 0;
}

/* A file or "-" (stdin): read_all, not read_file, so that a pipe or
 * /dev/stdin works too; the limit is config.json's. */
static int read_resources(const char *path, oci_resources *r, weft_error **err)
{
    bool from_stdin = strcmp(path, "-") == 0;
    const char *name = from_stdin ? "<stdin>" : path;
    cleanup_close int fd = from_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "update: --resources: open %s", path);
    cleanup_free char *buf = NULL;
    size_t len = 0;
    if (read_all(fd, name, 0, OCI_MAX_CONFIG, &buf, &len, err) < 0)
        return werr_prefix(err, "update: --resources");
    return oci_resources_parse(buf, len, name, r, err);
}

/* One flag into the resources; 0 when handled. */
static int apply_flag(int c, oci_resources *r, weft_error **err)
{
    char flag[64] = "--resources";
    for (const struct option *o = opts; o->name; o++)
        if (o->val == c)
            snprintf(flag, sizeof flag, "--%s", o->name);
    long v;
    switch (c) {
    case OPT_BLKIO:
        if (cli_parse_int("--blkio-weight", optarg, 10, 1000, &v, err) < 0)
            return -1;
        r->has_blkio = r->blkio.has_weight = true;
        r->blkio.weight = (uint16_t)v;
        return 0;
    case OPT_CPU_PERIOD:
        r->has_cpu = true;
        return set_u64(flag, optarg, &r->cpu.period, err);
    case OPT_CPU_QUOTA:
        r->has_cpu = true;
        return set_i64(flag, optarg, &r->cpu.quota, err);
    case OPT_CPU_RT_PERIOD:
        r->has_cpu = true;
        return set_u64(flag, optarg, &r->cpu.realtime_period, err);
    case OPT_CPU_RT_RUNTIME:
        r->has_cpu = true;
        return set_i64(flag, optarg, &r->cpu.realtime_runtime, err);
    case OPT_CPU_SHARE:
        r->has_cpu = true;
        return set_u64(flag, optarg, &r->cpu.shares, err);
    case OPT_CPUSET_CPUS:
        r->has_cpu = true;
        free(r->cpu.cpus);
        r->cpu.cpus = xstrdup(optarg);
        return 0;
    case OPT_CPUSET_MEMS:
        r->has_cpu = true;
        free(r->cpu.mems);
        r->cpu.mems = xstrdup(optarg);
        return 0;
    case OPT_MEMORY:
        r->has_memory = r->memory.limit.set = true;
        return parse_bytes(flag, optarg, &r->memory.limit.v, err);
    case OPT_MEMORY_RES:
        r->has_memory = r->memory.reservation.set = true;
        return parse_bytes(flag, optarg, &r->memory.reservation.v, err);
    case OPT_MEMORY_SWAP:
        r->has_memory = r->memory.swap.set = true;
        return parse_bytes(flag, optarg, &r->memory.swap.v, err);
    case OPT_PIDS:
        if (cli_parse_int("--pids-limit", optarg, -1, 0x7fffffffffffffffL, &v, err) < 0)
            return -1;
        r->has_pids = true;
        r->pids_limit = v;
        return 0;
    default:
        return 1;
    }
}

static int run_update(const struct container_ctx *g, int argc, char **argv, weft_error **err)
{
    oci_resources r = {0};
    const char *file = NULL;
    int c, rc = -1;
    /* the file is read first so flags given with it override its values */
    for (int i = 1; i < argc; i++)
        if ((strcmp(argv[i], "-r") == 0 || strcmp(argv[i], "--resources") == 0) && i + 1 < argc)
            file = argv[i + 1];
        else if (strncmp(argv[i], "--resources=", 12) == 0)
            file = argv[i] + 12;
    if (file != NULL && read_resources(file, &r, err) < 0)
        return -1;
    while ((c = getopt_long(argc, argv, "+r:h", opts, NULL)) != -1) {
        if (c == 'h') {
            cli_print_usage(&cmd_update);
            rc = 0;
            goto out;
        }
        if (c == 'r')
            continue;
        int a = apply_flag(c, &r, err);
        if (a < 0)
            goto out;
        if (a > 0) {
            cli_bad_option(&cmd_update, argc, argv, err);
            goto out;
        }
    }
    const char *id;
    if (cli_take_id(&cmd_update, argc, argv, &id, err) < 0)
        goto out;
    rc = container_update(g, id, &r, err);
out:
    oci_resources_free(&r);
    return rc;
}

const struct weft_command cmd_update = {
    .name = "update",
    .summary = "change the cgroup resources of a running container",
    .usage =
        "usage: weft update [OPTIONS] ID\n\n"
        "Change the resource limits of the container ID.\n\n"
        "Options:\n"
        "  -r, --resources FILE        a runtime-spec LinuxResources object (JSON; - for stdin)\n"
        "      --memory SIZE           memory limit (bytes, or 512k, 64m, 1g; -1 unlimited)\n"
        "      --memory-reservation SIZE  soft memory limit\n"
        "      --memory-swap SIZE      memory + swap limit\n"
        "      --cpu-share N           CPU shares (relative weight)\n"
        "      --cpu-quota N           CPU CFS quota in microseconds (-1 unlimited)\n"
        "      --cpu-period N          CPU CFS period in microseconds\n"
        "      --cpu-rt-period N       realtime period in microseconds\n"
        "      --cpu-rt-runtime N      realtime runtime in microseconds\n"
        "      --cpuset-cpus LIST      CPUs allowed (0-3,5)\n"
        "      --cpuset-mems LIST      memory nodes allowed\n"
        "      --pids-limit N          maximum number of processes (-1 unlimited)\n"
        "      --blkio-weight N        block IO weight (10-1000)\n"
        "  -h, --help                  print this help\n",
    .run = run_update,
};
