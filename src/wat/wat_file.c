/* File-level entry point of the WAT parser, for the CLI (a hidden `weft wasm`
 * debugging verb) and the conformance helper: reads a file holding a text
 * module or one script-level `(module ...)` of any form. */
#include "wat/wat.h"

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>

int wat_text_to_wasm(const char *text, size_t len, const char *origin, uint8_t **out,
                     size_t *out_len, weft_error **err)
{
    wat_tokens t;
    if (wat_lex(text, len, origin, &t, err) < 0)
        return -1;
    int r;
    if (t.n > 2 && wat_module_form_at(&t, 0) != WAT_FORM_TEXT) {
        size_t pos = 0;
        wat_module_result m;
        r = wat_parse_module_at(&t, &pos, &m, err);
        if (r == 0 && t.v[pos].kind != WAT_EOF) {
            free(m.bytes);
            r = wat_error_at(&t, &t.v[pos], err, "unexpected token after the module");
        }
        if (r == 0) {
            *out = m.bytes;
            *out_len = m.len;
        }
    } else {
        r = wat_to_wasm(text, len, origin, out, out_len, err);
    }
    wat_tokens_free(&t);
    return r;
}

int wat_file_to_wasm(const char *path, uint8_t **out, size_t *out_len, weft_error **err)
{
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (read_file(path, WAT_MAX_FILE, &text, &len, err) < 0)
        return -1;
    return wat_text_to_wasm(text, len, path, out, out_len, err);
}
