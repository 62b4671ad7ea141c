/* Modules from files: binary (`\0asm`) or WebAssembly text, told apart by
 * content, never by name. Shared by `weft wasm` and the container handler. */
#ifndef WEFT_WAT_MODULE_FILE_H
#define WEFT_WAT_MODULE_FILE_H

#include "util/error.h"
#include "wasm/wasm.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

enum wat_content {
    WAT_CONTENT_MODULE,    /* \0asm, version 1 */
    WAT_CONTENT_COMPONENT, /* \0asm with the component-model layer */
    WAT_CONTENT_NATIVE,    /* ELF or a #! script */
    WAT_CONTENT_OTHER,     /* anything else: maybe WAT text */
};

enum wat_content wat_content_of(const uint8_t *bytes, size_t len);

/* Read a whole file (at most 1 GiB). */
int wat_read_module(const char *path, uint8_t **out, size_t *len, weft_error **err);
/* The same, also giving the file's identity as seen before reading it
 * (*seen) and whether it held still while it was read (*still: the same
 * inode, size and times after, and all of it read). */
int wat_read_module_seen(const char *path, uint8_t **out, size_t *len, struct stat *seen,
                         bool *still, weft_error **err);
/* wat_read_module, refusing a file larger than `budget` (0 = the engine's
 * default budget): its bytes are held while the module loads. */
int wat_read_module_within(const char *path, uint64_t budget, uint8_t **out, size_t *len,
                           weft_error **err);

/* Decode (and validate) a module from bytes that are binary or text, within
 * the memory budget (wasm.h; 0 = the default). A component is refused with
 * "components are not supported yet". */
int wat_module_from_bytes(const uint8_t *bytes, size_t len, const char *origin, uint64_t budget,
                          wf_module **out, weft_error **err);
int wat_module_load_file(const char *path, uint64_t budget, wf_module **out, weft_error **err);

#endif
