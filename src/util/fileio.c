#include "util/fileio.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int read_all(int fd, const char *path, size_t size_hint, size_t max, char **out, size_t *len,
             weft_error **err)
{
    /* room for the size hinted, the NUL, and the read that finds the end
     * without growing the buffer (which moved a large one: an mremap) */
    size_t cap = size_hint > 0 && size_hint < SIZE_MAX - 2 ? size_hint + 2 : 4096, n = 0;
    cleanup_free char *buf = xmalloc(cap);
    if (size_hint > 0) /* filled at once: populated, not faulted a page at a time */
        xpopulate(buf, cap);
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

int read_file(const char *path, size_t max, char **out, size_t *len, weft_error **err)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "open %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return werr_sys(err, "stat %s", path);
    if (!S_ISREG(st.st_mode))
        return werr_set(err, 0, "%s: not a regular file", path);
    if ((uint64_t)st.st_size > max)
        return werr_set(err, 0, "%s: too large (%lld bytes, limit %zu)", path,
                        (long long)st.st_size, max);
    return read_all(fd, path, (size_t)st.st_size, max, out, len, err);
}

int write_text(const char *path, const char *text, weft_error **err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "open %s", path);
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    if (n < 0)
        return werr_sys(err, "write \"%s\" to %s", text, path);
    if ((size_t)n != len)
        return werr_set(err, EIO, "write \"%s\" to %s: short write", text, path);
    return 0;
}
