/* `weft wasm wast`, dispatched from cli/wasm.c. */
#ifndef WEFT_CLI_WASM_WAST_H
#define WEFT_CLI_WASM_WAST_H

#include "util/error.h"

/* argv[0] is "wast". Returns the exit status, or -1 with err (usage). */
int wasm_wast_main(int argc, char **argv, weft_error **err);

#endif
