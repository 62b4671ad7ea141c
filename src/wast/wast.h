/* WebAssembly spec-test scripts (.wast) read with weft's own text parser.
 *
 * A script is a sequence of commands: (module ...) in text, `binary` or
 * `quote` form, (register ...), (invoke ...), (get ...) and the assertions
 * assert_return, assert_trap, assert_exhaustion, assert_invalid,
 * assert_malformed, assert_unlinkable, assert_uninstantiable. The script is
 * tokenised once with the WAT lexer; each (module ...) is compiled with
 * wat_parse_module_at() and every command runs through the script engine
 * (wasm/script.h), so its meaning is the same as in the wast2json runner.
 */
#ifndef WEFT_WAST_WAST_H
#define WEFT_WAST_WAST_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct wast_counts {
    int passed, failed, skipped;
} wast_counts;

/* Run a script held in memory. Each failed command is one line on `report`
 * ("ORIGIN:LINE:COL: FAIL assert_return: result 0: got i32:1, expected
 * i32:2"); with `verbose`, skipped ones too. A command that cannot be parsed
 * counts as failed and the script goes on with the next command. Returns -1
 * (err "ORIGIN:LINE:COL: ...") only when the text cannot be tokenised or its
 * parentheses do not balance, so no command can be told apart. */
int wast_run(const char *text, size_t len, const char *origin, FILE *report, bool verbose,
             wast_counts *counts, weft_error **err);

/* The same for a file (messages name the path). */
int wast_run_file(const char *path, FILE *report, bool verbose, wast_counts *counts,
                  weft_error **err);

#endif
