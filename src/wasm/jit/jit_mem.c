/* W^X code memory: code is written while its pages are read+write and runs
 * once they are read+execute; no page is ever both. Functions are compiled
 * one at a time (on first call) into an arena of chunks: the pages a new
 * function lands on are made writable for the copy and executable again
 * before anything runs (the engine is single-threaded, so no code on those
 * pages runs meanwhile). A kernel, LSM (SELinux execmem, ...) or seccomp
 * filter that refuses executable memory makes this fail; the caller then
 * interprets. */
#include "wasm/jit/jit.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK (1u << 20)

struct wf_jit_arena {
    struct wf_jit_arena *next;
    uint8_t *base;
    size_t size, used;
};

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

void *wf_jit_map_code(const uint8_t *code, size_t len, size_t *mapped, weft_error **err)
{
    size_t page = page_size();
    size_t n = len ? (len + page - 1) / page * page : page;
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return werr_set(err, errno, "mapping %zu bytes of machine code", len), NULL;
    if (len)
        memcpy(p, code, len);
    if (mprotect(p, n, PROT_READ | PROT_EXEC) < 0) {
        int e = errno;
        munmap(p, n);
        return werr_set(err, e, "making machine code executable"), NULL;
    }
    *mapped = n;
    return p;
}

static wf_jit_arena *new_chunk(size_t len, weft_error **err)
{
    size_t page = page_size();
    size_t size = len > CHUNK ? (len + page - 1) / page * page : CHUNK;
    void *p =
        mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return werr_set(err, errno, "mapping %zu bytes of machine code", size), NULL;
    wf_jit_arena *a = xzalloc(sizeof *a);
    *a = (wf_jit_arena){.base = p, .size = size};
    return a;
}

int wf_jit_arena_new(wf_jit_arena **ap, weft_error **err)
{
    wf_jit_arena *c = new_chunk(0, err);
    if (c == NULL)
        return -1;
    c->next = *ap;
    *ap = c;
    return 0;
}

void *wf_jit_arena_add(wf_jit_arena **ap, const uint8_t *code, size_t len, weft_error **err)
{
    wf_jit_arena *a = *ap;
    size_t at = a ? (a->used + 15) & ~(size_t)15 : 0;
    if (a == NULL || at + len > a->size) {
        wf_jit_arena *c = new_chunk(len, err);
        if (c == NULL)
            return NULL;
        c->next = a;
        *ap = a = c;
        at = 0;
    }
    size_t page = page_size();
    uint8_t *lo = a->base + at / page * page;
    uint8_t *hi = a->base + (at + len + page - 1) / page * page;
    if (mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_WRITE) < 0)
        return werr_set(err, errno, "writing machine code"), NULL;
    memcpy(a->base + at, code, len);
    if (mprotect(lo, (size_t)(hi - lo), PROT_READ | PROT_EXEC) < 0)
        return werr_set(err, errno, "making machine code executable"), NULL;
    a->used = at + len;
    return a->base + at;
}

void wf_jit_arena_free(wf_jit_arena *a)
{
    while (a) {
        wf_jit_arena *next = a->next;
        munmap(a->base, a->size);
        free(a);
        a = next;
    }
}
