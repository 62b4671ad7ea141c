/* The WebAssembly text format (WAT) -> binary encoding.
 *
 * The engine only loads binaries; this turns a .wat module (WebAssembly 2.0
 * without SIMD) into the bytes wabt's wat2wasm would write, so the engine, the
 * CLI and the spec-test runner can take text. Errors have kind
 * WF_ERR_MALFORMED and read "origin:LINE:COL: message".
 *
 * The lexer and the module parser are exposed separately so that a .wast
 * script parser can tokenise a whole script once and parse each
 * `(module ...)` in it with wat_parse_module_at().
 */
#ifndef WEFT_WAT_WAT_H
#define WEFT_WAT_WAT_H

#include "util/error.h"
#include "wasm/wasm.h"

#include <stddef.h>
#include <stdint.h>

/* Convert a whole text module: either `(module ...)` or bare module fields.
 * On success *out (malloc'd) and *out_len receive the binary. */
int wat_to_wasm(const char *text, size_t len, const char *origin, uint8_t **out, size_t *out_len,
                weft_error **err);

/* Like wat_to_wasm, but the text may also be one script-level
 * `(module $id? binary "..."*)` or `(module $id? quote "..."*)`. */
int wat_text_to_wasm(const char *text, size_t len, const char *origin, uint8_t **out,
                     size_t *out_len, weft_error **err);
/* The largest text file (module or .wast script) weft reads. */
#define WAT_MAX_FILE (1u << 30)
/* wat_text_to_wasm on a file's contents (messages name the path). */
int wat_file_to_wasm(const char *path, uint8_t **out, size_t *out_len, weft_error **err);

/* ---- tokens (for script parsers) ------------------------------------- */

typedef enum wat_tok_kind {
    WAT_EOF = 0,
    WAT_LPAR,
    WAT_RPAR,
    WAT_KEYWORD,  /* starts with a lower-case letter: i32.add, offset=4, nan:0x1 */
    WAT_ID,       /* $name */
    WAT_STRING,   /* "..." (text includes the quotes; escapes already checked) */
    WAT_RESERVED, /* anything else, e.g. numbers: 42, -0x1p3 */
} wat_tok_kind;

typedef struct wat_token {
    wat_tok_kind kind;
    const char *s; /* points into the source text */
    size_t len;
    uint32_t line, col;
} wat_token;

typedef struct wat_tokens {
    wat_token *v; /* the last one is WAT_EOF */
    size_t n;
    const char *origin;
} wat_tokens;

/* Tokenise `text` (comments and white space dropped). The text must outlive
 * the tokens. */
int wat_lex(const char *text, size_t len, const char *origin, wat_tokens *out, weft_error **err);
void wat_tokens_free(wat_tokens *t);

/* Decode a WAT_STRING token into bytes (malloc'd, NUL-terminated for
 * convenience; *n excludes the NUL). */
int wat_string_decode(const wat_tokens *t, const wat_token *tok, char **out, size_t *n,
                      weft_error **err);

/* What a `(module ...)` in a script was. */
typedef enum wat_module_form {
    WAT_FORM_TEXT = 0, /* ordinary text module */
    WAT_FORM_BINARY,   /* (module $id? binary "..."*) */
    WAT_FORM_QUOTE,    /* (module $id? quote "..."*) */
} wat_module_form;

typedef struct wat_module_result {
    wat_module_form form;
    const wat_token *id; /* the module's $name, NULL if none */
    uint8_t *bytes;      /* the binary (for quote: the quoted text was parsed as a module) */
    size_t len;
} wat_module_result;

/* Parse the `(module ...)` whose '(' is token *pos; on success *pos is just
 * past its ')'. For `quote` modules the quoted text is parsed too, so a
 * malformed quote module fails here (the script runner can tell by first
 * checking wat_module_form_at()). */
int wat_parse_module_at(const wat_tokens *t, size_t *pos, wat_module_result *out, weft_error **err);

/* The form of the `(module ...)` at token `pos` without parsing it. */
wat_module_form wat_module_form_at(const wat_tokens *t, size_t pos);

/* Error helper shared by the wat_* files: "origin:LINE:COL: message", kind
 * WF_ERR_MALFORMED. Returns -1. */
int wat_error_at(const wat_tokens *t, const wat_token *tok, weft_error **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
