/* libFuzzer target for the WAT parser: any input must either convert or fail
 * with a malformed-module error, without crashing, leaking or looping; a
 * successful conversion must look like a module and be deterministic.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *       fuzz/fuzz_wat.c src/wasm/wat_*.c src/util/error.c src/util/xalloc.c \
 *       src/util/log.c -ljansson -o fuzz_wat && ./fuzz_wat -max_len=4096 CORPUS
 */
#include "wat/wat.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *out = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    weft_error *err = NULL;
    if (wat_to_wasm((const char *)data, size, "fuzz.wat", &out, &len, &err) < 0) {
        if (err == NULL || err->kind != WF_ERR_MALFORMED || err->msg == NULL)
            abort();
        werr_free(err);
        return 0;
    }
    if (len < 8 || memcmp(out, "\0asm\1\0\0\0", 8) != 0)
        abort();
    if (wat_to_wasm((const char *)data, size, "fuzz.wat", &again, &len2, &err) < 0 || len2 != len ||
        memcmp(out, again, len) != 0)
        abort();
    free(out);
    free(again);
    return 0;
}
