/* LEB128 reading: every bound of the binary format (length, unused bits,
 * sign extension), and vector counts checked against the bytes present. */
#include "unit.h"
#include "wasm/leb.h"

static wf_reader reader(const uint8_t *b, size_t n)
{
    return (wf_reader){.base = b, .p = b, .end = b + n};
}

TEST(u32_values)
{
    const uint8_t a[] = {0xe5, 0x8e, 0x26};
    wf_reader r = reader(a, sizeof a);
    CHECK_INT(wf_rd_u32(&r), 624485);
    CHECK(r.err == NULL);
    const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    r = reader(max, sizeof max);
    CHECK_INT(wf_rd_u32(&r), 0xffffffffu);
    CHECK(r.err == NULL);
    /* a padded zero is fine as long as it fits in 5 bytes */
    const uint8_t pad[] = {0x80, 0x80, 0x80, 0x80, 0x00};
    r = reader(pad, sizeof pad);
    CHECK_INT(wf_rd_u32(&r), 0);
    CHECK(r.err == NULL);
}

TEST(u32_too_long)
{
    const uint8_t a[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    wf_reader r = reader(a, sizeof a);
    wf_rd_u32(&r);
    CHECK_STR(r.err, "integer representation too long");
    CHECK_INT(r.err_off, 4);
}

TEST(u32_unused_bits)
{
    const uint8_t a[] = {0xff, 0xff, 0xff, 0xff, 0x1f};
    wf_reader r = reader(a, sizeof a);
    wf_rd_u32(&r);
    CHECK_STR(r.err, "integer too large");
    CHECK_INT(r.err_off, 4);
}

TEST(truncated)
{
    const uint8_t a[] = {0x80, 0x80};
    wf_reader r = reader(a, sizeof a);
    wf_rd_u32(&r);
    CHECK_STR(r.err, "unexpected end");
    /* the first error wins; later reads return 0 */
    CHECK_INT(wf_rd_u8(&r), 0);
    CHECK_STR(r.err, "unexpected end");
}

TEST(s32_sign_bits)
{
    const uint8_t neg[] = {0x7f};
    wf_reader r = reader(neg, sizeof neg);
    CHECK_INT(wf_rd_sleb(&r, 32), -1);
    const uint8_t min[] = {0x80, 0x80, 0x80, 0x80, 0x78};
    r = reader(min, sizeof min);
    CHECK_INT(wf_rd_sleb(&r, 32), INT32_MIN);
    CHECK(r.err == NULL);
    /* unused bits must repeat the sign bit */
    const uint8_t bad_pos[] = {0xff, 0xff, 0xff, 0xff, 0x17};
    r = reader(bad_pos, sizeof bad_pos);
    wf_rd_sleb(&r, 32);
    CHECK_STR(r.err, "integer too large");
    const uint8_t bad_neg[] = {0x80, 0x80, 0x80, 0x80, 0x68};
    r = reader(bad_neg, sizeof bad_neg);
    wf_rd_sleb(&r, 32);
    CHECK_STR(r.err, "integer too large");
}

TEST(s64_bounds)
{
    const uint8_t min[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f};
    wf_reader r = reader(min, sizeof min);
    CHECK(wf_rd_sleb(&r, 64) == INT64_MIN);
    CHECK(r.err == NULL);
    const uint8_t bad[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    r = reader(bad, sizeof bad);
    wf_rd_sleb(&r, 64);
    CHECK_STR(r.err, "integer too large");
    const uint8_t longer[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    r = reader(longer, sizeof longer);
    wf_rd_sleb(&r, 64);
    CHECK_STR(r.err, "integer representation too long");
}

TEST(s33_block_type)
{
    const uint8_t empty[] = {0x40};
    wf_reader r = reader(empty, sizeof empty);
    CHECK_INT(wf_rd_sleb(&r, 33), -64);
    const uint8_t big[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    r = reader(big, sizeof big);
    CHECK_INT(wf_rd_sleb(&r, 33), 0xffffffffll);
    CHECK(r.err == NULL);
}

TEST(count_checked_against_bytes)
{
    /* a vector of 2^32-1 elements in a 6-byte buffer: rejected before any
     * allocation could be sized from it */
    const uint8_t a[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
    wf_reader r = reader(a, sizeof a);
    CHECK_INT(wf_rd_count(&r, 1), 0);
    CHECK(r.err != NULL);
    const uint8_t ok[] = {0x02, 0x41, 0x42};
    r = reader(ok, sizeof ok);
    CHECK_INT(wf_rd_count(&r, 1), 2);
    CHECK(r.err == NULL);
}

TEST(utf8)
{
    CHECK(wf_utf8_valid((const uint8_t *)"h\xc3\xa9llo", 6));
    CHECK(!wf_utf8_valid((const uint8_t *)"\xc0\x80", 2));     /* overlong */
    CHECK(!wf_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3)); /* surrogate */
    CHECK(!wf_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));
    CHECK(!wf_utf8_valid((const uint8_t *)"\xe2\x82", 2));
}

UNIT_MAIN()
