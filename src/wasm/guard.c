/* Guarded reservations for linear memories (guard.h). A reservation is
 * PROT_NONE and MAP_NORESERVE: it costs address space only, never memory or
 * commit charge; the memory's pages are made read+write as it grows
 * (runtime.c), and only those count against the store's budget. Under a
 * limit on the address space (RLIMIT_AS, as weft's own budget tests and
 * some container setups impose) the reservation fails and the memory is
 * reserved at its maximum only, as before: the compiled tier then runs
 * bounds-checked code for the instances using it (jit/jit_module.c). */
#include "wasm/guard.h"
#include "wasm/jit/jit.h"
#include "wasm/wasm.h"
#include "util/log.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static bool regions_off;

void wf_guard_regions(bool on)
{
    regions_off = !on;
}

void *wf_guard_reserve(void)
{
#if defined(__x86_64__)
    /* only compiled code relies on the guard; the interpreter checks */
    if (regions_off || !wf_jit_enabled())
        return NULL;
    void *p =
        mmap(NULL, WF_GUARD_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED)
        return p;
    static bool told;
    if (!told)
        log_debug("wasm: no guarded reservation for linear memories (%s); compiled code checks "
                  "their accesses",
                  strerror(errno));
    told = true;
    return NULL;
#else
    return NULL;
#endif
}

bool wf_guard_probe(void)
{
    void *p = wf_guard_reserve();
    if (p == NULL)
        return false;
    munmap(p, WF_GUARD_RESERVE);
    return true;
}
