/* Device access rules: v1 devices.allow/deny lists, v2 an eBPF program.
 *
 * The v2 program is assembled here by hand (no libbpf): it reads the
 * bpf_cgroup_dev_ctx, then tests the rules from the LAST to the first and
 * returns the verdict of the first that matches, so the last matching rule
 * wins as in the v1 list; no match denies. */
#include "cgroup/cg_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* What every container may use whatever its spec says (runc's list):
 * mknod of any node, null, random, full, tty, zero, urandom, pts, ptmx, tun. */
static const oci_device_rule default_rules[] = {
    {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},    {true, 'c', 1, 3, "rwm"},
    {true, 'c', 1, 8, "rwm"}, {true, 'c', 1, 7, "rwm"},    {true, 'c', 5, 0, "rwm"},
    {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 9, "rwm"},    {true, 'c', 136, -1, "rwm"},
    {true, 'c', 5, 2, "rwm"}, {true, 'c', 10, 200, "rwm"},
};
#define N_DEFAULT (sizeof default_rules / sizeof default_rules[0])

oci_device_rule *cg_device_rules(const oci_resources *res, size_t *n)
{
    *n = 0;
    if (res == NULL || res->n_devices == 0)
        return NULL;
    oci_device_rule *v = xcalloc(res->n_devices + N_DEFAULT, sizeof *v);
    memcpy(v, res->devices, res->n_devices * sizeof *v);
    memcpy(v + res->n_devices, default_rules, sizeof default_rules);
    *n = res->n_devices + N_DEFAULT;
    return v;
}

static void fmt_num(char *buf, size_t n, int64_t v)
{
    if (v < 0)
        snprintf(buf, n, "*");
    else
        snprintf(buf, n, "%lld", (long long)v);
}

int cg_devices_v1(const char *dir, const oci_device_rule *rules, size_t n, weft_error **err)
{
    if (cg_write(dir, "devices.deny", "a", err) < 0)
        return werr_prefix(err, "linux.resources.devices");
    for (size_t i = 0; i < n; i++) {
        const oci_device_rule *r = &rules[i];
        char maj[24], min[24];
        fmt_num(maj, sizeof maj, r->major);
        fmt_num(min, sizeof min, r->minor);
        char type = r->type ? r->type : 'a';
        const char *acc = r->access[0] ? r->access : "rwm";
        if (cg_writef(dir, r->allow ? "devices.allow" : "devices.deny", err, "%c %s:%s %s", type,
                      maj, min, acc) < 0)
            return werr_prefix(err, "linux.resources.devices[%zu]", i);
    }
    return 0;
}

/* ---- eBPF assembly ---------------------------------------------------- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
    return i;
}
#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define MOV_REG(dst, src) insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define ALU_IMM(op, dst, imm) insn(BPF_ALU64 | (op) | BPF_K, dst, 0, 0, imm)
#define JMP_IMM(op, dst, imm, off) insn(BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_bits(const char *acc)
{
    int bits = 0;
    for (const char *p = acc[0] ? acc : "rwm"; *p; p++)
        bits |= *p == 'r'   ? BPF_DEVCG_ACC_READ
                : *p == 'w' ? BPF_DEVCG_ACC_WRITE
                : *p == 'm' ? BPF_DEVCG_ACC_MKNOD
                            : 0;
    return bits;
}

/* Emit one rule's block; returns true if it matches unconditionally (then
 * nothing after it is reachable, and the verifier rejects dead code). */
static bool emit_rule(const oci_device_rule *r, struct bpf_insn *out, size_t *len)
{
    struct bpf_insn b[12];
    size_t n = 0;
    int jumps[8], nj = 0;
    char type = r->type ? r->type : 'a';
    const int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
    int acc = access_bits(r->access);
    if (type != 'a') {
        jumps[nj++] = (int)n;
        b[n++] = JMP_IMM(BPF_JNE, 3, type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
    }
    /* allow: the request must be inside the rule's access; deny: it must
     * touch the rule's access */
    int mask = r->allow ? (~acc & all) : acc;
    if (mask != 0 && !(!r->allow && acc == all)) {
        b[n++] = MOV_REG(1, 2);
        b[n++] = ALU_IMM(BPF_AND, 1, mask);
        jumps[nj++] = (int)n;
        b[n++] = JMP_IMM(r->allow ? BPF_JNE : BPF_JEQ, 1, 0, 0);
    }
    if (r->major >= 0) {
        jumps[nj++] = (int)n;
        b[n++] = JMP_IMM(BPF_JNE, 4, (int32_t)r->major, 0);
    }
    if (r->minor >= 0) {
        jumps[nj++] = (int)n;
        b[n++] = JMP_IMM(BPF_JNE, 5, (int32_t)r->minor, 0);
    }
    b[n++] = MOV_IMM(0, r->allow ? 1 : 0);
    b[n++] = EXIT();
    for (int j = 0; j < nj; j++)
        b[jumps[j]].off = (int16_t)(n - (size_t)jumps[j] - 1);
    memcpy(out + *len, b, n * sizeof *b);
    *len += n;
    return nj == 0;
}

struct bpf_insn *cg_devices_bpf_program(const oci_device_rule *rules, size_t n, size_t *len)
{
    struct bpf_insn *p = xcalloc(6 + 12 * n + 2, sizeof *p);
    size_t k = 0;
    p[k++] = LDX_W(2, 1, 0); /* access_type */
    p[k++] = MOV_REG(3, 2);
    p[k++] = ALU_IMM(BPF_AND, 3, 0xffff); /* r3 = device type */
    p[k++] = ALU_IMM(BPF_RSH, 2, 16);     /* r2 = requested access */
    p[k++] = LDX_W(4, 1, 4);              /* major */
    p[k++] = LDX_W(5, 1, 8);              /* minor */
    bool total = false;
    for (size_t i = n; i-- > 0 && !total;)
        total = emit_rule(&rules[i], p, &k);
    if (!total) {
        p[k++] = MOV_IMM(0, 0);
        p[k++] = EXIT();
    }
    *len = k;
    return p;
}

static int bpf_sys(int cmd, union bpf_attr *attr)
{
    return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int prog_load(const struct bpf_insn *prog, size_t len, char *log, uint32_t log_size)
{
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)prog;
    a.insn_cnt = (uint32_t)len;
    a.license = (uint64_t)(uintptr_t) "Apache-2.0";
    if (log != NULL) {
        log[0] = '\0';
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = log_size;
        a.log_level = 1;
    }
    return bpf_sys(BPF_PROG_LOAD, &a);
}

static int load_program(const oci_device_rule *rules, size_t n, weft_error **err)
{
    size_t len;
    cleanup_free struct bpf_insn *prog = cg_devices_bpf_program(rules, n, &len);
    int fd = prog_load(prog, len, NULL, 0);
    if (fd >= 0)
        return fd;
    int saved = errno;
    /* load again with the verifier's log, only to explain the failure */
    cleanup_free char *log = xzalloc(1 << 16);
    if (prog_load(prog, len, log, 1 << 16) >= 0)
        log[0] = '\0';
    size_t l = strlen(log);
    while (l > 0 && log[l - 1] == '\n')
        log[--l] = '\0';
    const char *last = strrchr(log, '\n');
    if (log[0] == '\0')
        return werr_set(err, saved, "bpf(BPF_PROG_LOAD) of the device program");
    return werr_set(err, saved, "bpf(BPF_PROG_LOAD) of the device program (verifier: %.200s)",
                    last ? last + 1 : log);
}

int cg_devices_v2(const char *dir, const oci_device_rule *rules, size_t n, weft_error **err)
{
    cleanup_close int prog = load_program(rules, n, err);
    if (prog < 0)
        return -1;
    cleanup_close int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgfd < 0)
        return werr_sys(err, "open %s", dir);
    uint32_t old_ids[64];
    union bpf_attr q;
    memset(&q, 0, sizeof q);
    q.query.target_fd = (uint32_t)cgfd;
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = (uint64_t)(uintptr_t)old_ids;
    q.query.prog_cnt = 64;
    if (bpf_sys(BPF_PROG_QUERY, &q) < 0)
        return werr_sys(err, "bpf(BPF_PROG_QUERY) on %s", dir);
    /* A lone program attached without ALLOW_MULTI is replaced by attaching
     * without it; otherwise attach ours then detach the old ones, so that the
     * cgroup is never left without a filter. */
    bool multi = q.query.prog_cnt == 0 || (q.query.attach_flags & BPF_F_ALLOW_MULTI);
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)cgfd;
    a.attach_bpf_fd = (uint32_t)prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = multi ? BPF_F_ALLOW_MULTI : 0;
    if (bpf_sys(BPF_PROG_ATTACH, &a) < 0)
        return werr_sys(err, "bpf(BPF_PROG_ATTACH) to %s", dir);
    for (uint32_t i = 0; multi && i < q.query.prog_cnt; i++) {
        union bpf_attr g;
        memset(&g, 0, sizeof g);
        g.prog_id = old_ids[i];
        cleanup_close int old = bpf_sys(BPF_PROG_GET_FD_BY_ID, &g);
        if (old < 0)
            continue; /* already gone */
        memset(&a, 0, sizeof a);
        a.target_fd = (uint32_t)cgfd;
        a.attach_bpf_fd = (uint32_t)old;
        a.attach_type = BPF_CGROUP_DEVICE;
        if (bpf_sys(BPF_PROG_DETACH, &a) < 0)
            return werr_sys(err, "bpf(BPF_PROG_DETACH) of the previous device program on %s", dir);
    }
    return 0;
}
