/* The WAT parser end to end: encodings, string escapes, name resolution,
 * implicit types, script module forms and error positions. */
#include "unit.h"
#include "wat/wat.h"

#include <stdlib.h>
#include <unistd.h>

static uint8_t *bin;
static size_t bin_len;
static char errmsg[512];

/* Compile; on failure errmsg holds the message. */
static int wat(const char *src)
{
    weft_error *err = NULL;
    free(bin);
    bin = NULL;
    bin_len = 0;
    errmsg[0] = '\0';
    int r = wat_to_wasm(src, strlen(src), "t.wat", &bin, &bin_len, &err);
    if (r < 0) {
        snprintf(errmsg, sizeof errmsg, "%s", err->msg);
        if (err->kind != WF_ERR_MALFORMED)
            snprintf(errmsg, sizeof errmsg, "wrong kind %d", err->kind);
        werr_free(err);
    }
    return r;
}

/* Does the binary contain `want` (n bytes) somewhere? */
static int has(const void *want, size_t n)
{
    for (size_t i = 0; i + n <= bin_len; i++)
        if (memcmp(bin + i, want, n) == 0)
            return 1;
    return 0;
}

#define HAS(...)                                                                                   \
    do {                                                                                           \
        static const uint8_t w_[] = {__VA_ARGS__};                                                 \
        CHECK(has(w_, sizeof w_));                                                                 \
    } while (0)

TEST(minimal_and_exact_bytes)
{
    CHECK_INT(wat("(module)"), 0);
    CHECK_INT(bin_len, 8);
    CHECK_INT(wat(""), 0); /* bare (empty) list of fields */
    CHECK_INT(bin_len, 8);
    CHECK_INT(wat("(module (func (export \"f\") (result i32) i32.const -1))"), 0);
    static const uint8_t want[] = {0, 'a', 's',  'm', 1, 0, 0, 0,    1,    5,   1, 0x60,
                                   0, 1,   0x7f, 3,   2, 1, 0, 7,    5,    1,   1, 'f',
                                   0, 0,   10,   6,   1, 4, 0, 0x41, 0x7f, 0x0b};
    CHECK_INT(bin_len, sizeof want);
    CHECK(bin_len == sizeof want && memcmp(bin, want, sizeof want) == 0);
}

TEST(string_escapes)
{
    CHECK_INT(
        wat("(memory 1) (data (i32.const 0) \"\\n\\t\\r\\\\\\'\\\"\\41\\u{48}\\u{e9}\\u{10FFFF}"
            "\\u{1_F600}x\")"),
        0);
    HAS('\n', '\t', '\r', '\\', '\'', '"', 0x41, 0x48, 0xc3, 0xa9, 0xf4, 0x8f, 0xbf, 0xbf, 0xf0,
        0x9f, 0x98, 0x80, 'x');
    CHECK_INT(wat("(memory 1) (data (i32.const 0) \"\\q\")"), -1);
    CHECK(strstr(errmsg, "t.wat:1:33: unknown escape") != NULL);
    CHECK_INT(wat("(memory 1) (data (i32.const 0) \"\\u{d800}\")"), -1);
    CHECK_INT(wat("(memory 1) (data (i32.const 0) \"\\u{110000}\")"), -1);
    CHECK_INT(wat("(memory 1) (data (i32.const 0) \"\\u{}\")"), -1);
    CHECK_INT(wat("(memory 1) (data (i32.const 0) \"\\4\")"), -1);
    CHECK_INT(wat("(memory 1) (data (i32.const 0) \"abc"), -1);
    CHECK(strstr(errmsg, "unterminated string") != NULL);
    CHECK_INT(wat("(memory 1) (data (i32.const 0) \"\xff\")"), -1); /* raw bytes: not UTF-8 */
    CHECK(strstr(errmsg, "malformed UTF-8") != NULL);
    /* names must be UTF-8 even when written with escapes; data need not */
    CHECK_INT(wat("(func (export \"\\ff\"))"), -1);
    CHECK(strstr(errmsg, "malformed UTF-8") != NULL);
    CHECK_INT(wat("(memory 1) (data (i32.const 0) \"\\ff\")"), 0);
}

TEST(memory_data_abbreviation)
{
    CHECK_INT(wat("(memory (data \"ab\" \"c\"))"), 0);
    HAS(5, 4, 1, 1, 1, 1);                             /* memory section: min = max = 1 page */
    HAS(11, 9, 1, 0, 0x41, 0, 0x0b, 3, 'a', 'b', 'c'); /* active data at offset 0 */
}

TEST(forward_references_and_imports)
{
    CHECK_INT(wat("(import \"m\" \"f\" (func $i)) (func $f call $g call $i) (func $g)"), 0);
    HAS(0x0a, 0x0b, 2, 6, 0, 0x10, 2, 0x10, 0, 0x0b);
    CHECK_INT(wat("(func call $nope)"), -1);
    CHECK_STR(errmsg, "t.wat:1:12: unknown function $nope");
    CHECK_INT(wat("(func call 7)"), 0); /* numeric: range is the validator's business */
}

TEST(labels)
{
    /* br $a from two blocks in = depth 1; a shadowed name binds innermost */
    CHECK_INT(wat("(func (block $a (block $b br $a br $b)) (block $x (block $x br $x)))"), 0);
    HAS(0x02, 0x40, 0x02, 0x40, 0x0c, 1, 0x0c, 0, 0x0b, 0x0b);
    HAS(0x02, 0x40, 0x02, 0x40, 0x0c, 0, 0x0b, 0x0b);
    CHECK_INT(wat("(func block $a end $b)"), -1);
    CHECK(strstr(errmsg, "mismatching label") != NULL);
    CHECK_INT(wat("(func block $a br $zz end)"), -1);
    CHECK(strstr(errmsg, "unknown label $zz") != NULL);
    CHECK_INT(wat("(func (loop $l (br_table $l $l 0 (i32.const 0))))"), 0);
    HAS(0x0e, 2, 0, 0, 0);
}

TEST(locals_and_params)
{
    CHECK_INT(wat("(func (param $a i32) (param f64) (local $b i64) (local i32 i32 i64)"
                  " local.get $a local.get $b drop drop)"),
              0);
    /* local groups: i64 x1, i32 x2, i64 x1 */
    HAS(3, 1, 0x7e, 2, 0x7f, 1, 0x7e, 0x20, 0, 0x20, 2);
    CHECK_INT(wat("(func (param $a i32) (local $a i32))"), -1);
    CHECK(strstr(errmsg, "duplicate local $a") != NULL);
}

TEST(implicit_types)
{
    /* an inline signature reuses an explicit type defined later */
    CHECK_INT(wat("(func (param i32)) (type $t (func (param i32)))"), 0);
    HAS(1, 5, 1, 0x60, 1, 0x7f, 0);
    /* no match: the type is appended after the explicit ones */
    CHECK_INT(wat("(type (func)) (func (result f32)) (func (result f32))"), 0);
    HAS(1, 8, 2, 0x60, 0, 0, 0x60, 0, 1, 0x7d, 3, 3, 2, 1, 1);
    /* multi-value block types become type indices; single results stay inline */
    CHECK_INT(wat("(func (block (result i32 i32) i32.const 1 i32.const 2) drop drop"
                  " (block (result i32) i32.const 3) drop)"),
              0);
    HAS(0x02, 1, 0x41, 1, 0x41, 2, 0x0b);
    HAS(0x02, 0x7f, 0x41, 3, 0x0b);
    CHECK_INT(wat("(type $t (func (param i32))) (func (type $t) (param i64))"), -1);
    CHECK(strstr(errmsg, "inline function type") != NULL);
}

TEST(folded_if_and_empty_else)
{
    CHECK_INT(wat("(func (param i32) (result i32) (if (result i32) (local.get 0)"
                  " (then (i32.const 1)) (else (i32.const 2))))"),
              0);
    HAS(0x20, 0, 0x04, 0x7f, 0x41, 1, 0x05, 0x41, 2, 0x0b, 0x0b);
    CHECK_INT(wat("(func (if (i32.const 0) (then nop) (else)))"), 0);
    HAS(0x41, 0, 0x04, 0x40, 0x01, 0x0b, 0x0b); /* like wabt: no else opcode when empty */
}

TEST(tables_and_elems)
{
    CHECK_INT(wat("(func $f) (table $t funcref (elem $f $f))"), 0);
    HAS(4, 5, 1, 0x70, 1, 2, 2);             /* table sized by its elements */
    HAS(9, 8, 1, 0, 0x41, 0, 0x0b, 2, 0, 0); /* legacy flags 0 */
    CHECK_INT(wat("(table 1 externref) (table $u 1 funcref) (func $f)"
                  " (func table.get $u table.size table.init $u $e elem.drop $e)"
                  " (elem $e func $f)"),
              0);
    HAS(0x25, 1, 0xfc, 16, 0, 0xfc, 12, 0, 1, 0xfc, 13, 0);
    HAS(9, 5, 1, 1, 0, 1, 0); /* passive, func indices */
}

TEST(memarg)
{
    CHECK_INT(wat("(memory 1) (func (drop (i64.load offset=0x10 align=4 (i32.const 0)))"
                  " (drop (i32.load8_u (i32.const 0))))"),
              0);
    HAS(0x29, 2, 0x10);
    HAS(0x2d, 0, 0);
    CHECK_INT(wat("(memory 1) (func (drop (i32.load align=3 (i32.const 0))))"), -1);
    CHECK(strstr(errmsg, "alignment") != NULL);
    CHECK_INT(wat("(memory 1) (func (drop (i32.load offset=4294967296 (i32.const 0))))"), -1);
}

TEST(error_positions)
{
    CHECK_INT(wat("(module\n  (func\n    i32.bogus))"), -1);
    CHECK_STR(errmsg, "t.wat:3:5: unknown operator i32.bogus");
    CHECK_INT(wat("(module (func $f) (func $f))"), -1);
    CHECK_STR(errmsg, "t.wat:1:25: duplicate func $f");
    CHECK_INT(wat("(module\n(; never closed"), -1);
    CHECK_STR(errmsg, "t.wat:2:1: unterminated block comment");
    CHECK_INT(wat("(module (func (i32.const 0x100000000)))"), -1);
    CHECK(strstr(errmsg, "t.wat:1:26: constant out of range") != NULL);
    CHECK_INT(wat("(module (func))\n(module)"), -1);
    CHECK(strstr(errmsg, "t.wat:2:1:") != NULL);
    CHECK_INT(wat("(module (func (i32.const 1)(i32.const 2)"), -1);
    CHECK_INT(wat("(func) (import \"m\" \"n\" (func))"), -1);
    CHECK(strstr(errmsg, "import after function") != NULL);
    CHECK_INT(wat("(start 0) (start 0) (func)"), -1);
    CHECK(strstr(errmsg, "multiple start") != NULL);
    CHECK_INT(wat("(func i32.const 1x)"), -1);
    CHECK_INT(wat("(func $x\"a\")"), -1);
    CHECK_INT(wat("(func\n  {)"), -1);
    CHECK_STR(errmsg, "t.wat:2:3: unexpected character '{'");
    CHECK_INT(wat("(func \x01)"), -1);
    CHECK_STR(errmsg, "t.wat:1:7: unexpected character (byte 0x01)");
}

TEST(comments)
{
    CHECK_INT(wat("(module ;; line\n (; block (; nested ;) ;) (func) ;; to CR\r(func))"), 0);
    HAS(3, 3, 2, 0, 0);
}

TEST(script_module_forms)
{
    const char *src = "(module $m binary \"\\00asm\" \"\\01\\00\\00\\00\")"
                      "(module quote \"(func (export \\\"q\\\"))\")"
                      "(module quote \"(func i32.bogus)\")";
    wat_tokens t;
    weft_error *err = NULL;
    CHECK_INT(wat_lex(src, strlen(src), "s.wast", &t, &err), 0);
    size_t pos = 0;
    wat_module_result m;
    CHECK_INT(wat_module_form_at(&t, pos), WAT_FORM_BINARY);
    CHECK_INT(wat_parse_module_at(&t, &pos, &m, &err), 0);
    CHECK_INT(m.len, 8);
    CHECK(m.id != NULL && m.id->len == 2);
    free(m.bytes);
    CHECK_INT(wat_module_form_at(&t, pos), WAT_FORM_QUOTE);
    CHECK_INT(wat_parse_module_at(&t, &pos, &m, &err), 0);
    CHECK(m.len > 8);
    free(m.bytes);
    CHECK_INT(wat_parse_module_at(&t, &pos, &m, &err), -1);
    CHECK(err != NULL &&
          strstr(err->msg, "s.wast:1:81: (module quote):1:7: unknown operator i32.bogus") != NULL);
    CHECK_INT(err->kind, WF_ERR_MALFORMED);
    werr_free(err);
    wat_tokens_free(&t);
}

TEST(deep_nesting_is_refused)
{
    size_t n = 100000;
    char *src = malloc(n * 8 + 64);
    size_t o = (size_t)sprintf(src, "(func ");
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(src + o, "(block ");
    for (size_t i = 0; i < n; i++)
        src[o++] = ')';
    src[o++] = ')';
    src[o] = '\0';
    CHECK_INT(wat(src), -1);
    CHECK(strstr(errmsg, "nested too deeply") != NULL);
    free(src);
}

/* Inputs the fuzzer (fuzz/fuzz_wat.c) found; run under ASan/UBSan builds. */
TEST(fuzz_regressions)
{
    /* empty signatures: memcmp/memcpy on a NULL type list */
    CHECK_INT(wat("(module\n  (func(nop))\n)"), 0);
    CHECK_INT(wat("(module (type $sig (func)) (func (loop (type $sig) (i32.const 0))))"), 0);
    HAS(0x03, 0x40, 0x41, 0, 0x0b);
    /* an export name that is not UTF-8 leaked the decoded name */
    CHECK_INT(wat("(func)(export \"\\ef\\80\\7f\" (func 0))"), -1);
    CHECK(strstr(errmsg, "malformed UTF-8") != NULL);
    /* found by comparing the fuzz corpus with wat2wasm: junk after a type's
     * (func ...) was skipped because pass 2 does not revisit types */
    CHECK_INT(wat("(type $t (func (result i32)) funcref)"), -1);
    CHECK(strstr(errmsg, "t.wat:1:30:") != NULL);
    /* a reference type, not a value type, introduces (table t (elem ...)) */
    CHECK_INT(wat("(table i32 (elem))"), -1);
}

TEST(file_entry_point)
{
    char path[] = "/tmp/wat-unit-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *src = "(module $m quote \"(memory 1)\")";
    CHECK_INT(write(fd, src, strlen(src)), (long long)strlen(src));
    close(fd);
    uint8_t *out = NULL;
    size_t len = 0;
    weft_error *err = NULL;
    CHECK_INT(wat_file_to_wasm(path, &out, &len, &err), 0);
    CHECK_INT(len, 13);
    free(out);
    unlink(path);
    CHECK_INT(wat_file_to_wasm(path, &out, &len, &err), -1);
    CHECK(err != NULL && strstr(err->msg, path) != NULL);
    werr_free(err);
}

UNIT_MAIN()
