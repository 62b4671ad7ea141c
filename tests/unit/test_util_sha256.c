/* SHA-256 against the FIPS 180-4 / NIST CAVP example vectors, fed whole and
 * in odd-sized pieces (the buffering across 64-byte blocks). */
#include "unit.h"
#include "util/sha256.h"

#include <stdlib.h>
#include <string.h>

static void hex_of(const void *p, size_t n, char out[65])
{
    uint8_t d[SHA256_LEN];
    sha256(p, n, d);
    sha256_hex(d, out);
}

TEST(vectors)
{
    static const char *const cases[][2] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrl"
         "mnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char got[65];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hex_of(cases[i][0], strlen(cases[i][0]), got);
        CHECK_STR(got, cases[i][1]);
    }
}

TEST(million_a_in_pieces)
{
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    sha256_ctx c;
    sha256_init(&c);
    for (size_t at = 0, step = 1; at < 1000000; step = step % 97 + 13) {
        size_t n = 1000000 - at < step ? 1000000 - at : step;
        sha256_update(&c, a + at, n);
        at += n;
    }
    uint8_t d[SHA256_LEN];
    char got[65];
    sha256_final(&c, d);
    sha256_hex(d, got);
    CHECK_STR(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    hex_of(a, 1000000, got);
    CHECK_STR(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/* the SHA-NI blocks (where the CPU has them) and the portable ones agree
 * on every length around the block and padding edges, and on a large input */
TEST(fast_and_portable_blocks_agree)
{
    enum { MAX = 1 << 20 };
    uint8_t *p = malloc(MAX);
    uint32_t x = 12345;
    for (size_t i = 0; i < MAX; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
    uint8_t a[SHA256_LEN], b[SHA256_LEN];
    for (size_t n = 0; n <= 300; n++) {
        sha256(p, n, a);
        sha256_portable(p, n, b);
        CHECK(memcmp(a, b, SHA256_LEN) == 0);
    }
    sha256(p, MAX, a);
    sha256_portable(p, MAX, b);
    CHECK(memcmp(a, b, SHA256_LEN) == 0);
    free(p);
}

UNIT_MAIN()
