#include "util/readall.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <unistd.h>

int read_all(int fd, const char *path, size_t size_hint, size_t max, char **out, size_t *len,
             weft_error **err)
{
    size_t cap = size_hint > 0 ? size_hint + 1 : 4096, n = 0;
    cleanup_free char *buf = xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) { /* keep room for the NUL */
            if (cap > max)
                return werr_set(err, EFBIG, "read %s", path);
            buf = xrealloc(buf, cap *= 2);
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return werr_sys(err, "read %s", path);
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max)
        return werr_set(err, EFBIG, "read %s", path);
    buf[n] = '\0';
    *out = steal_ptr(buf);
    *len = n;
    return 0;
}
