/* `weft wasm wast [-v] FILE...`: run WebAssembly spec-test scripts with
 * weft's own text parser and engine (as `wasmtime wast` does), so the
 * conformance suite needs no external wast2json. */
#include "cli/wasm_wast.h"

#include "wast/wast.h"

#include <stdio.h>
#include <string.h>

#define WAST_USAGE                                                                                 \
    "usage: weft wasm wast [-v] FILE...\n"                                                         \
    "\n"                                                                                           \
    "Run each WebAssembly spec-test script (.wast) and print one line per failed\n"                \
    "command (FILE:LINE:COL) and \"FILE: N passed, N failed, N skipped\".\n"                       \
    "SIMD (v128) commands are skipped.\n"                                                          \
    "\n"                                                                                           \
    "  -v, --verbose   also list skipped commands\n"                                               \
    "\n"                                                                                           \
    "Exit status: 0 every command passed; 1 a command failed or a file could not\n"                \
    "be read; 2 usage error.\n"

int wasm_wast_main(int argc, char **argv, weft_error **err)
{
    bool verbose = false;
    int ai = 1;
    for (; ai < argc && argv[ai][0] == '-'; ai++) {
        if (strcmp(argv[ai], "-h") == 0 || strcmp(argv[ai], "--help") == 0) {
            fputs(WAST_USAGE, stdout);
            return 0;
        }
        if (strcmp(argv[ai], "-v") == 0 || strcmp(argv[ai], "--verbose") == 0) {
            verbose = true;
            continue;
        }
        werr_set(err, 0, "wasm wast: unknown option '%s' (see weft wasm wast --help)", argv[ai]);
        return werr_status(err, 2);
    }
    if (ai >= argc) {
        werr_set(err, 0, "%s", "wasm wast: missing FILE (see weft wasm wast --help)");
        return werr_status(err, 2);
    }
    int status = 0;
    for (; ai < argc; ai++) {
        wast_counts c = {0};
        weft_error *e = NULL;
        int r = wast_run_file(argv[ai], stdout, verbose, &c, &e);
        if (r < 0) {
            /* a file that cannot be read or tokenised is one failure; the
             * other files still run */
            printf("%s: FAIL: %s\n", argv[ai], e->msg);
            werr_free(e);
            c.failed++;
        }
        printf("%s: %d passed, %d failed, %d skipped\n", argv[ai], c.passed, c.failed, c.skipped);
        fflush(stdout);
        if (c.failed)
            status = 1;
    }
    return status;
}
