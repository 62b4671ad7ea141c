/* Wasm binaries for unit tests: built byte by byte (malformed ones too,
 * which no assembler writes), or assembled from WAT text. */
#ifndef WEFT_TESTS_UNIT_WASM_BYTES_H
#define WEFT_TESTS_UNIT_WASM_BYTES_H

#include "wasm/aot_cache.h"
#include "wasm/module.h"
#include "wat/wat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a growing byte buffer (free p when done) */
struct wbuf {
    uint8_t *p;
    size_t n;
};

static inline void wb_put(struct wbuf *b, const void *src, size_t n)
{
    b->p = realloc(b->p, b->n + n + 1);
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static inline void wb_leb(struct wbuf *b, uint32_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        if (v)
            c |= 0x80;
        wb_put(b, &c, 1);
    } while (v);
}

/* section `id` holding content's bytes */
static inline void wb_section(struct wbuf *b, uint8_t id, const struct wbuf *content)
{
    wb_put(b, &id, 1);
    wb_leb(b, (uint32_t)content->n);
    wb_put(b, content->p, content->n);
}

/* WAT text assembled (malloc'd; NULL, the error printed, when it fails) */
static inline uint8_t *wb_from_wat(const char *wat, const char *name, size_t *len)
{
    uint8_t *bin = NULL;
    weft_error *err = NULL;
    if (wat_text_to_wasm(wat, strlen(wat), name, &bin, len, &err) < 0) {
        fprintf(stderr, "%s\n", err->msg);
        werr_free(err);
    }
    return bin;
}

/* the cache file of binary module bin, in dir (mkdtemp'd), truncated to
 * `keep` bytes unless keep is 0; its path (malloc'd) */
static inline char *wb_cache_file(const uint8_t *bin, size_t blen, const char *dir, size_t keep)
{
    weft_error *err = NULL;
    wf_module *m = NULL;
    uint8_t *file = NULL;
    size_t flen = 0;
    char *path = NULL;
    if (wf_module_load(bin, blen, "cached.wasm", &m, &err) == 0 &&
        wf_aot_build(m, bin, blen, &file, &flen, &err) == 0) {
        path = wf_aot_cache_path(dir, bin, blen);
        if (wf_aot_write(path, file, keep ? keep : flen, &err) < 0) {
            free(path);
            path = NULL;
        }
    }
    if (err)
        fprintf(stderr, "%s\n", err->msg);
    werr_free(err);
    wf_module_free(m);
    free(file);
    return path;
}

#endif
