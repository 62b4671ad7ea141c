/* wat2bin FILE.wat OUT.wasm: the WAT parser on one file, for tests/wat/.
 * Exit 0 and the binary on success; exit 1 and the message on stderr. */
#include "util/cleanup.h"
#include "util/xalloc.h"
#include "wasm/wat.h"

#include <stdio.h>
#include <stdlib.h>

static int read_all(const char *path, char **out, size_t *len, weft_error **err)
{
    cleanup_fclose FILE *f = fopen(path, "rb");
    if (f == NULL)
        return werr_sys(err, "%s", path);
    size_t cap = 4096, n = 0;
    cleanup_free char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    if (ferror(f))
        return werr_sys(err, "%s", path);
    *out = steal_ptr(buf);
    *len = n;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: wat2bin FILE.wat OUT.wasm\n");
        return 2;
    }
    weft_error *err = NULL;
    cleanup_free char *text = NULL;
    cleanup_free uint8_t *bin = NULL;
    size_t len = 0, bin_len = 0;
    if (read_all(argv[1], &text, &len, &err) < 0 ||
        wat_to_wasm(text, len, argv[1], &bin, &bin_len, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        werr_free(err);
        return 1;
    }
    cleanup_fclose FILE *o = fopen(argv[2], "wb");
    if (o == NULL || fwrite(bin, 1, bin_len, o) != bin_len) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
