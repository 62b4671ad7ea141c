/* W^X code memory: code is written into a private read+write mapping,
 * which then becomes read+execute; no page is ever writable and executable
 * at once. A kernel, LSM (SELinux execmem, ...) or seccomp filter that
 * refuses executable memory makes this fail; the caller then interprets. */
#include "wasm/jit/jit.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *wf_jit_map_code(const uint8_t *code, size_t len, size_t *mapped, weft_error **err)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t n = (len + page - 1) / page * page;
    void *p = mmap(NULL, n ? n : page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return werr_set(err, errno, "mapping %zu bytes of machine code", len), NULL;
    if (len)
        memcpy(p, code, len);
    if (mprotect(p, n ? n : page, PROT_READ | PROT_EXEC) < 0) {
        int e = errno;
        munmap(p, n ? n : page);
        return werr_set(err, e, "making machine code executable"), NULL;
    }
    *mapped = n ? n : page;
    return p;
}

void wf_jit_unmap_code(void *p, size_t mapped)
{
    if (p)
        munmap(p, mapped);
}
