/* Hashing a buffer: FNV-1a (byte at a time, 64-bit) and an xxHash-like
 * four-lane 64-bit hash (multiply-rotate). Arg: megabytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define ROTL(x, r) (((x) << (r)) | ((x) >> (64 - (r))))

static uint64_t round64(uint64_t acc, uint64_t in)
{
    acc += in * P2;
    acc = ROTL(acc, 31);
    return acc * P1;
}

static uint64_t lanes(const uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        v1 = round64(v1, w[0]);
        v2 = round64(v2, w[1]);
        v3 = round64(v3, w[2]);
        v4 = round64(v4, w[3]);
    }
    uint64_t h = ROTL(v1, 1) + ROTL(v2, 7) + ROTL(v3, 12) + ROTL(v4, 18) + n;
    for (; i < n; i++)
        h = ROTL(h ^ (p[i] * P3), 11) * P1;
    h ^= h >> 33, h *= P2, h ^= h >> 29, h *= P3, h ^= h >> 32;
    return h;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)atoi(argv[1]) : 16;
    size_t len = mb << 20;
    uint8_t *buf = malloc(len);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < len; i += 4) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        memcpy(buf + i, &x, 4);
    }
    uint64_t f = fnv1a(buf, len), l = 0;
    for (int seed = 0; seed < 4; seed++)
        l ^= lanes(buf + seed, len - (size_t)seed, (uint64_t)seed);
    printf("hash %zu MiB: fnv1a %016llx lanes %016llx\n", mb, (unsigned long long)f,
           (unsigned long long)l);
    free(buf);
    return 0;
}
