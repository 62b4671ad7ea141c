/* util/xalloc.c: a large block allocated to be filled at once
 * (xcalloc_populated) comes back zeroed with its pages already in memory
 * (one MADV_POPULATE_WRITE instead of a fault a page), where the kernel
 * can populate; a small one is left to fault as usual. */
#include "unit.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* resident pages among the whole pages inside [p, p+n) */
static size_t resident(void *p, size_t n, size_t *whole)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1), hi = ((uintptr_t)p + n) & ~(page - 1);
    *whole = (hi - lo) / page;
    unsigned char *vec = calloc(*whole + 1, 1);
    size_t in = 0;
    if (mincore((void *)lo, hi - lo, vec) == 0)
        for (size_t i = 0; i < *whole; i++)
            in += vec[i] & 1;
    free(vec);
    return in;
}

/* whether this kernel populates on request (5.14+) */
static bool kernel_populates(void)
{
    size_t len = 4 * (size_t)sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bool ok = p != MAP_FAILED && madvise(p, len, MADV_POPULATE_WRITE) == 0;
    if (p != MAP_FAILED)
        munmap(p, len);
    return ok;
}

TEST(a_large_block_comes_back_zeroed_and_resident)
{
    size_t n = 8u << 20; /* mmap'd by malloc: fresh pages, none resident yet */
    unsigned char *p = xcalloc_populated(n / 64, 64);
    size_t whole = 0, in = resident(p, n, &whole);
    CHECK(whole > 0);
    if (kernel_populates())
        CHECK_INT(in, whole);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++)
        nonzero += p[i] != 0;
    CHECK_INT(nonzero, 0);
    free(p);
}

TEST(xpopulate_leaves_the_contents_alone)
{
    size_t n = 1u << 20;
    unsigned char *p = malloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7);
    xpopulate(p, n);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++)
        wrong += p[i] != (unsigned char)(i * 7);
    CHECK_INT(wrong, 0);
    free(p);
}

UNIT_MAIN()
