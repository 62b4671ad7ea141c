/* A bounds-checked reader over module bytes: LEB128 with every bound the
 * spec sets (length and unused bits), fixed-size values, names. Errors are
 * recorded once in the reader (first error wins) so callers can test `r->err`
 * after a run of reads. */
#ifndef WEFT_WASM_LEB_H
#define WEFT_WASM_LEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct wf_reader {
    const uint8_t *base; /* start of the whole module (offsets in messages) */
    const uint8_t *p, *end;
    const char *err; /* first error message, NULL if none */
    size_t err_off;
} wf_reader;

static inline bool wf_rd_fail(wf_reader *r, const char *msg)
{
    if (r->err == NULL) {
        r->err = msg;
        r->err_off = (size_t)(r->p - r->base);
    }
    r->p = r->end; /* stop further reads */
    return false;
}

static inline size_t wf_rd_left(const wf_reader *r)
{
    return (size_t)(r->end - r->p);
}

static inline uint8_t wf_rd_u8(wf_reader *r)
{
    if (r->p >= r->end) {
        wf_rd_fail(r, "unexpected end");
        return 0;
    }
    return *r->p++;
}

/* Unsigned LEB128 of at most `bits` bits (32 or 64). */
static inline uint64_t wf_rd_uleb(wf_reader *r, unsigned bits)
{
    uint64_t v = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    for (unsigned i = 0; i < maxbytes; i++) {
        if (r->p >= r->end) {
            wf_rd_fail(r, "unexpected end");
            return 0;
        }
        uint8_t b = *r->p++;
        if (i == maxbytes - 1) {
            if (b & 0x80) {
                r->p--;
                wf_rd_fail(r, "integer representation too long");
                return 0;
            }
            unsigned used = bits - shift; /* payload bits in the last byte */
            if (used < 7 && (b >> used) != 0) {
                r->p--;
                wf_rd_fail(r, "integer too large");
                return 0;
            }
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            return v;
    }
    return v;
}

/* Signed LEB128 of at most `bits` bits (32, 33 or 64). */
static inline int64_t wf_rd_sleb(wf_reader *r, unsigned bits)
{
    uint64_t v = 0;
    unsigned shift = 0;
    unsigned maxbytes = (bits + 6) / 7;
    uint8_t b = 0;
    for (unsigned i = 0; i < maxbytes; i++) {
        if (r->p >= r->end) {
            wf_rd_fail(r, "unexpected end");
            return 0;
        }
        b = *r->p++;
        if (i == maxbytes - 1) {
            if (b & 0x80) {
                r->p--;
                wf_rd_fail(r, "integer representation too long");
                return 0;
            }
            unsigned used = bits - shift; /* payload bits, the top one is the sign */
            if (used < 7) {
                uint8_t rest = (uint8_t)(b >> (used - 1)); /* sign bit and unused bits */
                uint8_t all = (uint8_t)(0x7f >> (used - 1));
                if (rest != 0 && rest != all) {
                    r->p--;
                    wf_rd_fail(r, "integer too large");
                    return 0;
                }
            }
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    return (int64_t)v;
}

static inline uint32_t wf_rd_u32(wf_reader *r)
{
    return (uint32_t)wf_rd_uleb(r, 32);
}

/* A vector length: each element takes at least `min_elem` bytes, so a count
 * larger than the bytes left is malformed before anything is allocated. */
static inline uint32_t wf_rd_count(wf_reader *r, size_t min_elem)
{
    uint32_t n = wf_rd_u32(r);
    if (r->err == NULL && (uint64_t)n * min_elem > wf_rd_left(r)) {
        wf_rd_fail(r, "unexpected end of section or function");
        return 0;
    }
    return r->err ? 0 : n;
}

static inline const uint8_t *wf_rd_bytes(wf_reader *r, size_t n)
{
    if (wf_rd_left(r) < n) {
        wf_rd_fail(r, "unexpected end");
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

static inline uint32_t wf_rd_fixed32(wf_reader *r)
{
    const uint8_t *p = wf_rd_bytes(r, 4);
    uint32_t v = 0;
    if (p)
        memcpy(&v, p, 4);
    return v;
}

static inline uint64_t wf_rd_fixed64(wf_reader *r)
{
    const uint8_t *p = wf_rd_bytes(r, 8);
    uint64_t v = 0;
    if (p)
        memcpy(&v, p, 8);
    return v;
}

/* true if s[0..n) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF) */
bool wf_utf8_valid(const uint8_t *s, size_t n);
bool wf_known_opcode(uint8_t op);

#endif
