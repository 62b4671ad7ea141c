/* wat2bin FILE.wat OUT.wasm: the WAT parser on one file, for tests/wat/.
 * The file is a text module, or one script-level `(module ...)` of any form
 * (binary, quote) as cut out of a .wast file. Exit 0 and the binary on
 * success; exit 1 and the message on stderr. */
#include "util/cleanup.h"
#include "wat/wat.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: wat2bin FILE.wat OUT.wasm\n");
        return 2;
    }
    weft_error *err = NULL;
    cleanup_free uint8_t *bin = NULL;
    size_t len = 0;
    if (wat_file_to_wasm(argv[1], &bin, &len, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        werr_free(err);
        return 1;
    }
    cleanup_fclose FILE *o = fopen(argv[2], "wb");
    if (o == NULL || fwrite(bin, 1, len, o) != len) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
