/* The AOT cache's file format: a module's machine code, compiled ahead of
 * time as position-independent code (jit.h), which a process maps as it is
 * (docs/wasm-engine.md, "The AOT cache").
 *
 * Layout, all integers little-endian:
 *   header (HEADER bytes)
 *     magic "WEFTAOT\0", u32 format version, u32 header size,
 *     weft version (32 bytes, NUL-padded), ABI fingerprint (32: SHA-256 of
 *     what the code assumes of this build: wf_jit_ctx and wf_memory offsets,
 *     the helper numbering, the table's layout), u64 CPU features the code
 *     needs, module hash (32: SHA-256 of the module's bytes), u32 functions,
 *     u32 the table's span (wf_jit_aot_span), u64 where the code starts in
 *     the file (the first page boundary after the function table), u64 code
 *     bytes, u64 file size, u64 flags (bit 0: the code is the variant for
 *     guarded memories, jit_module.c)
 *   function table: per defined function u32 code offset, u32 code length,
 *     u64 checksum of its code
 *   zeros up to the code's page
 *   code: each function 16-aligned, its rel32s to the table resolved for a
 *     table wf_jit_aot_span(functions) bytes before the code
 *   u64 checksum (wf_jit_aot_checksum) of everything before the code
 * Loading checks the header, the table's checksum and every function's
 * extent, then places the code (mapped from the file, else copied) after a
 * table of this process's helpers and entry slots; a function's own
 * checksum is checked when its code is first taken (wf_jit_aot_func): no
 * code runs unchecked, and a start that runs a few functions of a large
 * module reads only those. Any mismatch is an error and the caller
 * compiles instead (that function, or all). */
#include "wasm/jit/jit.h"
#include "util/log.h"
#include "util/sha256.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAGIC "WEFTAOT"
#define FORMAT_VERSION 4u /* 2: per-function checksums; 3: the flags; 4: mapped, not relocated */
#define VERSION_LEN 32
#define HEADER (8 + 4 + 4 + VERSION_LEN + SHA256_LEN + 8 + SHA256_LEN + 4 + 4 + 8 + 8 + 8 + 8)
#define FLAG_GUARDED 1ull
#define FLAGS_KNOWN FLAG_GUARDED
#define FUNC_ENTRY 16
#define SUM_LEN 8 /* the trailing checksum */

/* CPU features the generated code relies on. x86-64's baseline (SSE2) is
 * all the templates use today; a template using more adds its bit here, and
 * a cache file asking for a feature the loading CPU lacks is rejected. */
#define CPU_SSE2 (1ull << 0)
#define CPU_KNOWN CPU_SSE2
#define CPU_USED CPU_SSE2

static uint64_t host_cpu(void)
{
    uint64_t f = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse2"))
        f |= CPU_SSE2;
#endif
    return f;
}

static void abi_fingerprint(uint8_t out[SHA256_LEN])
{
    const uint64_t facts[] = {
        sizeof(wf_jit_ctx),
        offsetof(wf_jit_ctx, stack_end),
        offsetof(wf_jit_ctx, fuel),
        offsetof(wf_jit_ctx, depth),
        offsetof(wf_jit_ctx, native_limit),
        offsetof(wf_jit_ctx, inst),
        offsetof(wf_jit_ctx, mem),
        offsetof(wf_jit_ctx, globals),
        offsetof(wf_jit_ctx, err),
        sizeof(wf_memory),
        offsetof(wf_memory, base),
        offsetof(wf_memory, size),
        offsetof(wf_memory, guarded),
        WF_JIT_TAIL,
        sizeof(wf_func),
        offsetof(wf_func, jit),
        offsetof(wf_func, sig),
        sizeof(wf_instance),
        sizeof(wf_global),
        sizeof(wf_slot),
        JH_COUNT,
        JR_COUNT,
        WF_JIT_AOT_HELPERS,
        WF_JIT_AOT_SLOTS,
        WF_JIT_AOT_PAGE,
        JT_COUNT,
        FORMAT_VERSION,
    };
    sha256(facts, sizeof facts, out);
}

/* ---- little-endian fields ---- */

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* The file's checksum, against damage (a cut-short copy, a flipped bit):
 * fast enough for the tens of megabytes a large module's code takes, where
 * SHA-256 would cost more than compiling. Four lanes of 64-bit words, each
 * step injective in the word and the lane (odd multipliers, rotations), so
 * any one changed word or byte always changes the sum. Not a defence
 * against a forger: the files are writable by root alone. */
static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

uint64_t wf_jit_aot_checksum(const uint8_t *p, size_t n)
{
    const uint64_t k1 = 0x9E3779B185EBCA87ull, k2 = 0xC2B2AE3D27D4EB4Full;
    uint64_t lane[4] = {k1, k2, ~k1, ~k2};
    size_t i = 0;
    for (; n - i >= 32; i += 32)
        for (int l = 0; l < 4; l++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * l, 8);
            lane[l] = rotl(lane[l] + w * k2, 31) * k1;
        }
    uint64_t h = n;
    for (int l = 0; l < 4; l++)
        h = rotl(h, 17) * k1 + lane[l];
    for (; i < n; i++)
        h = rotl(h ^ p[i], 23) * k2;
    h ^= h >> 33, h *= k2, h ^= h >> 29, h *= k1, h ^= h >> 32;
    return h;
}

struct header {
    uint8_t abi[SHA256_LEN], hash[SHA256_LEN];
    char version[VERSION_LEN];
    uint64_t cpu, code_at, code_bytes, file_size, flags;
    uint32_t format, header_size, nfuncs, span;
};

static void put_header(uint8_t *p, const struct header *h)
{
    memcpy(p, MAGIC, 8), p += 8;
    put32(p, h->format), p += 4;
    put32(p, h->header_size), p += 4;
    memcpy(p, h->version, VERSION_LEN), p += VERSION_LEN;
    memcpy(p, h->abi, SHA256_LEN), p += SHA256_LEN;
    put64(p, h->cpu), p += 8;
    memcpy(p, h->hash, SHA256_LEN), p += SHA256_LEN;
    put32(p, h->nfuncs), p += 4;
    put32(p, h->span), p += 4;
    put64(p, h->code_at), p += 8;
    put64(p, h->code_bytes), p += 8;
    put64(p, h->file_size), p += 8;
    put64(p, h->flags);
}

static void get_header(const uint8_t *p, struct header *h)
{
    p += 8;
    h->format = get32(p), p += 4;
    h->header_size = get32(p), p += 4;
    memcpy(h->version, p, VERSION_LEN), p += VERSION_LEN;
    memcpy(h->abi, p, SHA256_LEN), p += SHA256_LEN;
    h->cpu = get64(p), p += 8;
    memcpy(h->hash, p, SHA256_LEN), p += SHA256_LEN;
    h->nfuncs = get32(p), p += 4;
    h->span = get32(p), p += 4;
    h->code_at = get64(p), p += 8;
    h->code_bytes = get64(p), p += 8;
    h->file_size = get64(p), p += 8;
    h->flags = get64(p);
}

static void our_header(struct header *h, const uint8_t hash[SHA256_LEN])
{
    memset(h, 0, sizeof *h);
    h->format = FORMAT_VERSION;
    h->header_size = HEADER;
    strncpy(h->version, WEFT_VERSION, VERSION_LEN - 1);
    abi_fingerprint(h->abi);
    h->cpu = CPU_USED;
    memcpy(h->hash, hash, SHA256_LEN);
}

void wf_jit_aot_key(const uint8_t hash[SHA256_LEN], uint8_t key[SHA256_LEN])
{
    struct header h;
    our_header(&h, hash);
    uint8_t cpu[8];
    put64(cpu, h.cpu);
    sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, h.hash, SHA256_LEN);
    sha256_update(&c, h.version, VERSION_LEN);
    sha256_update(&c, h.abi, SHA256_LEN);
    sha256_update(&c, cpu, sizeof cpu);
    sha256_final(&c, key);
}

/* where the code starts in a file of n functions: the page after the
 * function table */
static uint64_t code_start(uint32_t n)
{
    uint64_t t = HEADER + (uint64_t)n * FUNC_ENTRY;
    return (t + WF_JIT_AOT_PAGE - 1) / WF_JIT_AOT_PAGE * WF_JIT_AOT_PAGE;
}

/* ---- writing ---- */

struct compiled {
    uint8_t *code;
    size_t len;
    wf_jit_reloc *rel;
    size_t nrel;
};

static void free_compiled(struct compiled *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        free(c[i].code);
        free(c[i].rel);
    }
    free(c);
}

/* point function c's rel32s at the table's words, the function placed
 * `at` bytes into the code, the table span bytes before it */
static void link_func(uint8_t *code, const struct compiled *c, uint64_t at, uint64_t span)
{
    for (size_t k = 0; k < c->nrel; k++) {
        const wf_jit_reloc *x = &c->rel[k];
        uint64_t word = x->kind == JR_HELPER ? WF_JIT_AOT_HELPERS + 8 * (uint64_t)x->arg
                                             : WF_JIT_AOT_SLOTS + 8 * (uint64_t)x->arg;
        /* relative to the end of the rel32, both from the table's start */
        int64_t disp = (int64_t)word - (int64_t)(span + at + x->at + 4);
        put32(code + x->at, (uint32_t)(int32_t)disp);
    }
}

/* lay the compiled functions out as the file (see the top) */
static uint8_t *serialise(const struct compiled *c, uint32_t n, struct header *h, size_t *len)
{
    uint64_t code = 0;
    for (uint32_t i = 0; i < n; i++)
        code = ((code + 15) & ~15ull) + c[i].len;
    h->nfuncs = n;
    h->span = (uint32_t)wf_jit_aot_span(n);
    h->code_at = code_start(n);
    h->code_bytes = code;
    h->file_size = h->code_at + code + SUM_LEN;
    uint8_t *f = xzalloc(h->file_size);
    put_header(f, h);
    uint64_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        at = (at + 15) & ~15ull;
        uint8_t *e = f + HEADER + (size_t)i * FUNC_ENTRY, *dst = f + h->code_at + at;
        memcpy(dst, c[i].code, c[i].len);
        link_func(dst, &c[i], at, h->span);
        put32(e, (uint32_t)at), put32(e + 4, (uint32_t)c[i].len);
        put64(e + 8, wf_jit_aot_checksum(dst, c[i].len));
        at += c[i].len;
    }
    put64(f + h->file_size - SUM_LEN, wf_jit_aot_checksum(f, h->code_at));
    *len = h->file_size;
    return f;
}

int wf_jit_aot_build(const wf_module *m, const uint8_t hash[SHA256_LEN], uint8_t **out, size_t *len,
                     weft_error **err)
{
    if (m->jit == NULL)
        return werr_set(err, 0,
                        "%s: the compiled tier is off (WEFT_WASM_TIER=interp, no "
                        "executable memory, or not x86-64)",
                        m->name);
    uint32_t n = m->n_funcs - m->n_func_imports;
    struct compiled *c = xcalloc(n ? n : 1, sizeof *c);
    uint64_t total = wf_jit_aot_span(n);
    /* the variant the instances of a process like this one will run */
    bool guarded = wf_jit_guarded_expected(m);
    for (uint32_t i = 0; i < n; i++) {
        if (wf_translate_func((wf_module *)m, i, err) < 0) {
            free_compiled(c, n);
            return -1;
        }
        if (wf_jit_compile_func(m, i, guarded, &c[i].code, &c[i].len, &c[i].rel, &c[i].nrel) < 0) {
            free_compiled(c, n);
            return werr_set(err, 0, "%s: cannot compile function %u", m->name,
                            m->n_func_imports + i);
        }
        total += c[i].len + 16;
    }
    /* the rel32s reach the table across all of it; offsets are 32-bit */
    if (total > INT32_MAX) {
        free_compiled(c, n);
        return werr_set(err, 0, "%s: %llu bytes of machine code are too many for a cache file",
                        m->name, (unsigned long long)total);
    }
    struct header h;
    our_header(&h, hash);
    h.flags = guarded ? FLAG_GUARDED : 0;
    *out = serialise(c, n, &h, len);
    free_compiled(c, n);
    return 0;
}

/* ---- loading ---- */

bool wf_jit_aot_module_hash(const uint8_t *f, size_t len, uint8_t hash[SHA256_LEN])
{
    struct header h;
    if (len < HEADER || memcmp(f, MAGIC, 8) != 0)
        return false;
    get_header(f, &h);
    if (h.format != FORMAT_VERSION)
        return false;
    memcpy(hash, h.hash, SHA256_LEN);
    return true;
}

/* what this weft, this CPU and m need of the header */
static int check_ours(const wf_module *m, const struct header *h, const uint8_t hash[SHA256_LEN],
                      weft_error **err)
{
    struct header ours;
    our_header(&ours, hash);
    if (h->format != FORMAT_VERSION || h->header_size != HEADER)
        return werr_set(err, 0, "format version %u, this weft reads %u", h->format, FORMAT_VERSION);
    if (memcmp(h->version, ours.version, VERSION_LEN) != 0 || h->version[VERSION_LEN - 1])
        return werr_set(err, 0, "written by weft %.31s, this is weft %s", h->version, WEFT_VERSION);
    if (memcmp(h->abi, ours.abi, SHA256_LEN) != 0)
        return werr_set(err, 0, "written by another build of weft %s", WEFT_VERSION);
    if ((h->cpu & ~CPU_KNOWN) || (h->cpu & ~host_cpu()))
        return werr_set(err, 0, "needs CPU features 0x%llx, this CPU has 0x%llx",
                        (unsigned long long)h->cpu, (unsigned long long)host_cpu());
    if (memcmp(h->hash, hash, SHA256_LEN) != 0)
        return werr_set(err, 0, "compiled from another module");
    if (h->flags & ~FLAGS_KNOWN)
        return werr_set(err, 0, "unknown flags 0x%llx", (unsigned long long)h->flags);
    /* code for guarded memories where this process gets none (a limit on
     * its address space), or the other way round: compile the right one */
    bool guarded = wf_jit_guarded_expected(m);
    if (!!(h->flags & FLAG_GUARDED) != guarded)
        return werr_set(err, 0, "compiled for %s memories, this process has %s ones",
                        guarded ? "unguarded" : "guarded", guarded ? "guarded" : "unguarded");
    if (h->nfuncs != m->n_funcs - m->n_func_imports)
        return werr_set(err, 0, "%u functions, the module has %u", h->nfuncs,
                        m->n_funcs - m->n_func_imports);
    return 0;
}

static int check_header(const wf_module *m, const uint8_t *f, size_t len,
                        const uint8_t hash[SHA256_LEN], struct header *h, weft_error **err)
{
    if (len < 8 || memcmp(f, MAGIC, 8) != 0)
        return werr_set(err, 0, "not a weft AOT file");
    if (len < HEADER + SUM_LEN)
        return werr_set(err, 0, "truncated (%zu bytes, less than its header)", len);
    get_header(f, h);
    /* the code's start from the header, which the checksum then covers */
    uint64_t code_at = code_start(h->nfuncs);
    if (code_at > len - SUM_LEN ||
        wf_jit_aot_checksum(f, (size_t)code_at) != get64(f + len - SUM_LEN))
        return werr_set(err, 0, "checksum mismatch (corrupt or truncated)");
    if (check_ours(m, h, hash, err) < 0)
        return -1;
    if (h->file_size != len || h->code_at != code_at || h->span != wf_jit_aot_span(h->nfuncs) ||
        h->code_bytes != len - SUM_LEN - code_at || h->span + h->code_bytes > INT32_MAX)
        return werr_set(err, 0, "sizes do not add up (%zu bytes, header says %llu)", len,
                        (unsigned long long)h->file_size);
    return 0;
}

/* every function's extent (its checksum is checked when its code is taken:
 * wf_jit_aot_func) */
static int check_extents(const wf_module *m, const uint8_t *f, const struct header *h,
                         weft_error **err)
{
    for (uint32_t i = 0; i < h->nfuncs; i++) {
        const uint8_t *e = f + HEADER + (size_t)i * FUNC_ENTRY;
        uint64_t off = get32(e), len = get32(e + 4);
        if (len == 0 || off % 16 || off + len > h->code_bytes)
            return werr_set(err, 0, "function %u: bad extent", m->n_func_imports + i);
    }
    return 0;
}

/* The table and the code, at the distance the code was linked for: an
 * anonymous read+write mapping of both, the code's part replaced by the
 * file's pages (read+execute; nothing copied, and only the pages a start
 * runs are read), or where the kernel refuses that (a noexec mount, no fd)
 * a copy made read+execute. */
static int place_code(wf_jit_aot *a, const uint8_t *f, const struct header *h, int fd,
                      weft_error **err)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (page != WF_JIT_AOT_PAGE)
        return werr_set(err, 0, "the file's code is laid out for %u-byte pages, these are %zu",
                        WF_JIT_AOT_PAGE, page);
    size_t text = (size_t)((h->code_bytes + page - 1) / page * page);
    size_t n = h->span + (text ? text : page);
    uint8_t *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return werr_set(err, errno, "mapping %zu bytes for the machine code", n);
    a->region = p;
    a->region_size = n;
    a->text = p + h->span;
    if (fd >= 0 && text &&
        mmap(a->text, text, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd,
             (off_t)h->code_at) != MAP_FAILED) {
        a->mapped = true;
        return 0;
    }
    if (fd >= 0 && text)
        log_debug("wasm: mapping the AOT cache file's code: %s; copying it", strerror(errno));
    memcpy(a->text, f + h->code_at, h->code_bytes);
    if (mprotect(a->text, n - h->span, PROT_READ | PROT_EXEC) < 0) {
        int e = errno;
        munmap(p, n);
        return werr_set(err, e, "making machine code executable");
    }
    return 0;
}

int wf_jit_aot_load(wf_module *m, const uint8_t hash[SHA256_LEN], const uint8_t *f, size_t len,
                    int fd, void (*release)(void *), void *arg, weft_error **err)
{
    struct header h;
    if (m->jit == NULL)
        return werr_set(err, 0, "the module is interpreted");
    if (check_header(m, f, len, hash, &h, err) < 0 || check_extents(m, f, &h, err) < 0)
        return -1;
    wf_jit_aot *a = xzalloc(sizeof *a);
    a->table = f + HEADER;
    a->nfuncs = h.nfuncs;
    a->guarded = h.flags & FLAG_GUARDED;
    if (place_code(a, f, &h, fd, err) < 0) {
        free(a);
        return -1;
    }
    uint8_t *words = a->region + WF_JIT_AOT_HELPERS;
    for (int k = 0; k < JH_COUNT; k++) {
        const void *helper = wf_jit_helper_addr((enum wf_jit_helper)k);
        memcpy(words + 8 * k, &helper, sizeof helper);
    }
    if (wf_jit_use_aot(m->jit, a, err) < 0) {
        munmap(a->region, a->region_size);
        free(a);
        return -1;
    }
    a->release = release;
    a->release_arg = arg;
    log_debug("wasm: %s: the AOT cache file's code %s (%llu bytes)", m->name,
              a->mapped ? "mapped in place" : "copied", (unsigned long long)h.code_bytes);
    return 0;
}

int wf_jit_aot_func(const wf_jit_aot *a, const wf_module *m, uint32_t i, void **code, size_t *len,
                    weft_error **err)
{
    const uint8_t *e = a->table + (size_t)i * FUNC_ENTRY;
    uint32_t off = get32(e), n = get32(e + 4);
    if (wf_jit_aot_checksum(a->text + off, n) != get64(e + 8))
        return werr_set(err, 0, "function %u: checksum mismatch (corrupt)", m->n_func_imports + i);
    *code = a->text + off;
    *len = n;
    return 0;
}
