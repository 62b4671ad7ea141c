/* The AOT cache's file format: a module's machine code, compiled ahead of
 * time, with the relocations that make it runnable at whatever addresses the
 * loading process has (docs/wasm-engine.md, "The AOT cache").
 *
 * Layout, all integers little-endian:
 *   header (HEADER bytes)
 *     magic "WEFTAOT\0", u32 format version, u32 header size,
 *     weft version (32 bytes, NUL-padded), ABI fingerprint (32: SHA-256 of
 *     what the code assumes of this build: wf_jit_ctx and wf_memory offsets,
 *     the helper and relocation numbering), u64 CPU features the code needs,
 *     module hash (32: SHA-256 of the module's bytes), u32 functions,
 *     u32 relocations, u64 code bytes, u64 file size, u64 flags (bit 0: the
 *     code is the variant for guarded memories, jit_module.c)
 *   function table: per defined function u32 code offset, u32 code length,
 *     u32 first relocation, u32 relocation count, u64 checksum of its code
 *     and its relocations (wf_jit_aot_func_sum)
 *   relocations: u32 offset in the function's code, u32 kind, u32 argument
 *   code: each function 16-aligned, its relocated immediates zero
 *   u64 checksum (wf_jit_aot_checksum) of the header and the function table
 * Loading checks the header, the table's checksum and every function's
 * extent; a function's own checksum and relocations are checked when its
 * code is first taken (wf_jit_aot_func), or for all of them before
 * wf_jit_aot_map_all maps any: no code runs unchecked, and a start that
 * runs a few functions of a large module reads only those. Any mismatch is
 * an error and the caller compiles instead (that function, or all). */
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
#define FORMAT_VERSION 3u /* 2: per-function checksums; 3: the flags (the code's variant) */
#define VERSION_LEN 32
#define HEADER (8 + 4 + 4 + VERSION_LEN + SHA256_LEN + 8 + SHA256_LEN + 4 + 4 + 8 + 8 + 8)
#define FLAG_GUARDED 1ull
#define FLAGS_KNOWN FLAG_GUARDED
#define FUNC_ENTRY 24
#define RELOC_ENTRY 12
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
    uint64_t cpu, code_bytes, file_size, flags;
    uint32_t format, header_size, nfuncs, nrel;
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
    put32(p, h->nrel), p += 4;
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
    h->nrel = get32(p), p += 4;
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

/* A function's checksum: its code (relocated immediates zero) and its
 * relocation entries, each summed, the second rotated in so that swapping
 * the two parts' sums does not cancel. */
uint64_t wf_jit_aot_func_sum(const uint8_t *code, size_t len, const uint8_t *rel, size_t nrel)
{
    return wf_jit_aot_checksum(code, len) ^ rotl(wf_jit_aot_checksum(rel, nrel * RELOC_ENTRY), 1);
}

/* lay the compiled functions out as the file (see the top) */
static uint8_t *serialise(const struct compiled *c, uint32_t n, struct header *h, size_t *len)
{
    uint64_t code = 0, nrel = 0;
    for (uint32_t i = 0; i < n; i++) {
        code = ((code + 15) & ~15ull) + c[i].len;
        nrel += c[i].nrel;
    }
    h->nfuncs = n;
    h->nrel = (uint32_t)nrel;
    h->code_bytes = code;
    size_t rel_at = HEADER + (size_t)n * FUNC_ENTRY, code_at = rel_at + nrel * RELOC_ENTRY;
    h->file_size = code_at + code + SUM_LEN;
    uint8_t *f = xzalloc(h->file_size);
    put_header(f, h);
    uint64_t at = 0, r = 0;
    for (uint32_t i = 0; i < n; i++) {
        at = (at + 15) & ~15ull;
        uint8_t *e = f + HEADER + (size_t)i * FUNC_ENTRY;
        put32(e, (uint32_t)at), put32(e + 4, (uint32_t)c[i].len);
        put32(e + 8, (uint32_t)r), put32(e + 12, (uint32_t)c[i].nrel);
        memcpy(f + code_at + at, c[i].code, c[i].len);
        uint64_t first = r;
        for (size_t k = 0; k < c[i].nrel; k++, r++) {
            const wf_jit_reloc *x = &c[i].rel[k];
            uint8_t *re = f + rel_at + r * RELOC_ENTRY;
            put32(re, x->at), put32(re + 4, x->kind), put32(re + 8, x->arg);
            memset(f + code_at + at + x->at, 0, 8); /* this process's address */
        }
        put64(e + 16, wf_jit_aot_func_sum(f + code_at + at, c[i].len,
                                          f + rel_at + first * RELOC_ENTRY, c[i].nrel));
        at += c[i].len;
    }
    size_t table_end = HEADER + (size_t)n * FUNC_ENTRY;
    put64(f + h->file_size - SUM_LEN, wf_jit_aot_checksum(f, table_end));
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
    uint64_t total = 0;
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
        total += c[i].len + 16 + c[i].nrel * RELOC_ENTRY;
    }
    if (total > UINT32_MAX) {
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

static int check_header(const wf_module *m, const uint8_t *f, size_t len,
                        const uint8_t hash[SHA256_LEN], struct header *h, weft_error **err)
{
    if (len < 8 || memcmp(f, MAGIC, 8) != 0)
        return werr_set(err, 0, "not a weft AOT file");
    if (len < HEADER + SUM_LEN)
        return werr_set(err, 0, "truncated (%zu bytes, less than its header)", len);
    get_header(f, h);
    /* the table's extent from the header, which the checksum then covers */
    uint64_t table_end = HEADER + (uint64_t)h->nfuncs * FUNC_ENTRY;
    if (table_end > len - SUM_LEN ||
        wf_jit_aot_checksum(f, (size_t)table_end) != get64(f + len - SUM_LEN))
        return werr_set(err, 0, "checksum mismatch (corrupt or truncated)");
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
    uint64_t need = HEADER + (uint64_t)h->nfuncs * FUNC_ENTRY + (uint64_t)h->nrel * RELOC_ENTRY +
                    h->code_bytes + SUM_LEN;
    if (h->file_size != len || need != len || h->code_bytes > UINT32_MAX)
        return werr_set(err, 0, "sizes do not add up (%zu bytes, header says %llu)", len,
                        (unsigned long long)h->file_size);
    return 0;
}

/* one relocation of function i (code `len` bytes at `code`) */
static int check_reloc(const wf_module *m, uint32_t i, const uint8_t *code, uint32_t len,
                       const uint8_t *re, weft_error **err)
{
    uint32_t at = get32(re), kind = get32(re + 4), arg = get32(re + 8);
    bool ok = at >= 2 && at <= len && len - at >= 8 && (code[at - 2] & 0xFE) == 0x48 &&
              (code[at - 1] & 0xF8) == 0xB8 && get64(code + at) == 0;
    if (ok && kind == JR_HELPER)
        ok = arg < JH_COUNT;
    else if (ok && kind == JR_ENTRY)
        ok = arg < m->n_funcs - m->n_func_imports;
    else if (ok && kind == JR_PC) /* a bound until translation, checked again then */
        ok = !m->codes[i].checked || arg < m->codes[i].code_len;
    else
        ok = false;
    if (!ok)
        return werr_set(err, 0, "function %u: bad relocation (kind %u at %u)",
                        m->n_func_imports + i, kind, at);
    return 0;
}

/* every function's extent (its checksum and relocations are checked when
 * its code is taken: check_func) */
static int check_extents(const wf_module *m, const uint8_t *f, const struct header *h,
                         weft_error **err)
{
    for (uint32_t i = 0; i < h->nfuncs; i++) {
        const uint8_t *e = f + HEADER + (size_t)i * FUNC_ENTRY;
        uint64_t off = get32(e), len = get32(e + 4), r = get32(e + 8), nr = get32(e + 12);
        if (len == 0 || off % 16 || off + len > h->code_bytes || r + nr > h->nrel)
            return werr_set(err, 0, "function %u: bad extent", m->n_func_imports + i);
    }
    return 0;
}

/* function i's checksum and relocations, before its code is used */
static int check_func(const wf_jit_aot *a, const wf_module *m, uint32_t i, weft_error **err)
{
    const uint8_t *e = a->table + (size_t)i * FUNC_ENTRY;
    uint32_t off = get32(e), len = get32(e + 4), r = get32(e + 8), nr = get32(e + 12);
    const uint8_t *rel = a->rel + (size_t)r * RELOC_ENTRY;
    if (wf_jit_aot_func_sum(a->code + off, len, rel, nr) != get64(e + 16))
        return werr_set(err, 0, "function %u: checksum mismatch (corrupt)", m->n_func_imports + i);
    for (uint32_t k = 0; k < nr; k++)
        if (check_reloc(m, i, a->code + off, len, rel + (size_t)k * RELOC_ENTRY, err) < 0)
            return -1;
    return 0;
}

int wf_jit_aot_load(wf_module *m, const uint8_t hash[SHA256_LEN], const uint8_t *f, size_t len,
                    void (*release)(void *), void *arg, weft_error **err)
{
    struct header h;
    if (m->jit == NULL)
        return werr_set(err, 0, "the module is interpreted");
    if (check_header(m, f, len, hash, &h, err) < 0 || check_extents(m, f, &h, err) < 0)
        return -1;
    wf_jit_aot *a = xzalloc(sizeof *a);
    a->table = f + HEADER;
    a->rel = a->table + (size_t)h.nfuncs * FUNC_ENTRY;
    a->code = a->rel + (size_t)h.nrel * RELOC_ENTRY;
    a->nfuncs = h.nfuncs;
    a->guarded = h.flags & FLAG_GUARDED;
    a->release = release;
    a->release_arg = arg;
    wf_jit_use_aot(m->jit, a);
    return 0;
}

static uint64_t reloc_value(const wf_jit_aot *a, const wf_module *m, uint32_t i, uint32_t kind,
                            uint32_t arg)
{
    if (kind == JR_HELPER)
        return (uint64_t)(uintptr_t)wf_jit_helper_addr(arg);
    if (kind == JR_ENTRY) /* the slots of the file's variant */
        return (uint64_t)(uintptr_t)wf_jit_entry(m->jit, a->guarded, arg);
    (void)i; /* the internal code is translated when a helper first needs it */
    return wf_jit_pc_tag(arg);
}

int wf_jit_aot_check_all(const wf_jit_aot *a, const wf_module *m, weft_error **err)
{
    for (uint32_t i = 0; i < a->nfuncs; i++)
        if (check_func(a, m, i, err) < 0)
            return -1;
    return 0;
}

int wf_jit_aot_func(const wf_jit_aot *a, const wf_module *m, uint32_t i, uint8_t **code,
                    size_t *len, weft_error **err)
{
    if (check_func(a, m, i, err) < 0)
        return -1;
    const uint8_t *e = a->table + (size_t)i * FUNC_ENTRY;
    uint32_t off = get32(e), n = get32(e + 4), r = get32(e + 8), nr = get32(e + 12);
    uint8_t *c = xmalloc(n);
    memcpy(c, a->code + off, n);
    for (uint32_t k = 0; k < nr; k++) {
        const uint8_t *re = a->rel + (size_t)(r + k) * RELOC_ENTRY;
        put64(c + get32(re), reloc_value(a, m, i, get32(re + 4), get32(re + 8)));
    }
    *code = c;
    *len = n;
    return 0;
}

void *wf_jit_aot_map_all(const wf_jit_aot *a, const wf_module *m, void **entry, uint32_t *len,
                         size_t *size, weft_error **err)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uint64_t total = 0;
    if (wf_jit_aot_check_all(a, m, err) < 0)
        return NULL;
    for (uint32_t i = 0; i < a->nfuncs; i++) {
        const uint8_t *e = a->table + (size_t)i * FUNC_ENTRY;
        total =
            get32(e) + (uint64_t)get32(e + 4) > total ? get32(e) + (uint64_t)get32(e + 4) : total;
    }
    size_t n = total ? (total + page - 1) / page * page : page;
    uint8_t *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return werr_set(err, errno, "mapping %zu bytes of machine code", n), NULL;
    memcpy(p, a->code, total);
    for (uint32_t i = 0; i < a->nfuncs; i++) {
        const uint8_t *e = a->table + (size_t)i * FUNC_ENTRY;
        uint32_t off = get32(e), r = get32(e + 8), nr = get32(e + 12);
        len[i] = get32(e + 4);
        for (uint32_t k = 0; k < nr; k++) {
            const uint8_t *re = a->rel + (size_t)(r + k) * RELOC_ENTRY;
            put64(p + off + get32(re), reloc_value(a, m, i, get32(re + 4), get32(re + 8)));
        }
        entry[i] = p + off;
    }
    if (mprotect(p, n, PROT_READ | PROT_EXEC) < 0) {
        int e = errno;
        munmap(p, n);
        return werr_set(err, e, "making machine code executable"), NULL;
    }
    *size = n;
    return p;
}
