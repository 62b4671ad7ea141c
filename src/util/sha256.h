/* SHA-256 (FIPS 180-4), for content-addressing cached machine code by the
 * module it came from. Small and self-contained: weft links no crypto
 * library, and this is the only hash it needs. */
#ifndef WEFT_UTIL_SHA256_H
#define WEFT_UTIL_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t len; /* bytes hashed so far */
    uint8_t buf[64];
    size_t nbuf;
    bool portable; /* without the CPU's SHA instructions (tests) */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[SHA256_LEN]);
/* the three in one */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* sha256 without the CPU's SHA instructions (tests compare the two) */
void sha256_portable(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* out: 64 lowercase hex digits and a NUL */
void sha256_hex(const uint8_t d[SHA256_LEN], char out[2 * SHA256_LEN + 1]);

#endif
