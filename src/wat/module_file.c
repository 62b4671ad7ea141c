#include "wat/module_file.h"
#include "wasm/aot_cache.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"
#include "wat/wat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_MODULE_FILE (1u << 30)

enum wat_content wat_content_of(const uint8_t *b, size_t len)
{
    if (len >= 4 && memcmp(b, "\0asm", 4) == 0) {
        /* The component model keeps the magic and puts layer 1 in bytes 6-7
         * (core modules: layer 0). Any other version goes to the decoder,
         * which names it. */
        if (len >= 8 && b[6] == 1 && b[7] == 0)
            return WAT_CONTENT_COMPONENT;
        return WAT_CONTENT_MODULE;
    }
    if ((len >= 4 && memcmp(b, "\177ELF", 4) == 0) || (len >= 2 && b[0] == '#' && b[1] == '!'))
        return WAT_CONTENT_NATIVE;
    return WAT_CONTENT_OTHER;
}

int wat_read_module(const char *path, uint8_t **out, size_t *len, weft_error **err)
{
    return wat_read_module_seen(path, out, len, NULL, NULL, err);
}

int wat_read_module_seen(const char *path, uint8_t **out, size_t *len, struct stat *seen,
                         bool *still, weft_error **err)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return werr_sys(err, "open %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return werr_sys(err, "stat %s", path);
    if (S_ISDIR(st.st_mode))
        return werr_set(err, EISDIR, "read %s", path);
    if ((uint64_t)st.st_size > MAX_MODULE_FILE)
        return werr_set(err, EFBIG, "read %s", path);
    char *buf;
    if (read_all(fd, path, (size_t)st.st_size, MAX_MODULE_FILE, &buf, len, err) < 0)
        return -1;
    *out = (uint8_t *)buf;
    if (seen)
        *seen = st;
    if (still)
        *still = wf_aot_held_still(fd, &st, *len);
    return 0;
}

int wat_module_from_bytes(const uint8_t *bytes, size_t len, const char *origin, uint64_t budget,
                          wf_module **out, weft_error **err)
{
    switch (wat_content_of(bytes, len)) {
    case WAT_CONTENT_MODULE:
        return wf_module_load_budget(bytes, len, origin, budget, out, err);
    case WAT_CONTENT_COMPONENT:
        werr_set(err, 0, "%s: a WebAssembly component: components are not supported yet", origin);
        return werr_kind(err, WF_ERR_MALFORMED);
    case WAT_CONTENT_NATIVE:
        werr_set(err, 0, "%s: a native executable, not a WebAssembly module", origin);
        return werr_kind(err, WF_ERR_MALFORMED);
    default:
        break;
    }
    cleanup_free uint8_t *bin = NULL;
    size_t bin_len = 0;
    if (wat_text_to_wasm((const char *)bytes, len, origin, &bin, &bin_len, err) < 0)
        return -1;
    return wf_module_load_budget(bin, bin_len, origin, budget, out, err);
}

int wat_read_module_within(const char *path, uint64_t budget, uint8_t **out, size_t *len,
                           weft_error **err)
{
    if (wat_read_module(path, out, len, err) < 0)
        return -1;
    /* the file's bytes are held while loading: they count too */
    if (*len > (budget ? budget : WF_DEFAULT_BUDGET)) {
        free(*out);
        *out = NULL;
        werr_set(err, 0, "%s: %zu bytes exceed the memory budget of %llu bytes", path, *len,
                 (unsigned long long)(budget ? budget : WF_DEFAULT_BUDGET));
        return werr_kind(err, WF_ERR_LIMIT);
    }
    return 0;
}

int wat_module_load_file(const char *path, uint64_t budget, wf_module **out, weft_error **err)
{
    cleanup_free uint8_t *bytes = NULL;
    size_t len = 0;
    if (wat_read_module_within(path, budget, &bytes, &len, err) < 0)
        return -1;
    return wat_module_from_bytes(bytes, len, path, budget, out, err);
}
