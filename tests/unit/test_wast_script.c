/* The .wast script reader (wasm/wast.h) and the script engine under it
 * (wasm/script.h): each command kind, passing and failing, and how failures
 * are located and recovered from. */
#include "unit.h"
#include "wast/script.h"
#include "wast/wast.h"

#include <stdio.h>
#include <stdlib.h>

/* The report of the last run, and its counts. */
static char *report;
static wast_counts counts;

static int run(const char *text)
{
    size_t n = 0;
    free(report);
    report = NULL;
    FILE *f = open_memstream(&report, &n);
    weft_error *err = NULL;
    int r = wast_run(text, strlen(text), "t.wast", f, true, &counts, &err);
    if (r < 0)
        fprintf(f, "ERROR %s\n", err->msg);
    fclose(f);
    werr_free(err);
    return r;
}

#define ADD_MODULE                                                                                 \
    "(module\n"                                                                                    \
    "  (func (export \"add\") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get "     \
    "1)))\n"                                                                                       \
    "  (func (export \"div\") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get "   \
    "1)))\n"                                                                                       \
    "  (func (export \"nan\") (result f32) (f32.div (f32.const 0) (f32.const 0)))\n"               \
    "  (func (export \"nanp\") (result f64) (f64.const nan:0x8000000000001))\n"                    \
    "  (func $r (export \"rec\") (call $r))\n"                                                     \
    "  (func (export \"id\") (param externref) (result externref) (local.get 0))\n"                \
    "  (func (export \"fref\") (result funcref) (ref.func $r))\n"                                  \
    "  (global (export \"g\") i64 (i64.const -7)))\n"

TEST(assert_return_passes_and_fails_with_location)
{
    CHECK_INT(run(ADD_MODULE "(assert_return (invoke \"add\" (i32.const 1) (i32.const 2)) "
                             "(i32.const 3))\n"
                             "  (assert_return (invoke \"add\" (i32.const 1) (i32.const 2)) "
                             "(i32.const 4))\n"),
              0);
    CHECK_INT(counts.passed, 2);
    CHECK_INT(counts.failed, 1);
    CHECK(strstr(report, "t.wast:11:3: FAIL assert_return: result 0: got i32:3, expected i32:4") !=
          NULL);
}

TEST(hex_and_wrapping_integer_literals)
{
    run(ADD_MODULE "(assert_return (invoke \"add\" (i32.const 0xffffffff) (i32.const 1)) "
                   "(i32.const 0))\n"
                   "(assert_return (get \"g\") (i64.const -7))\n");
    CHECK_INT(counts.passed, 3);
    CHECK_INT(counts.failed, 0);
}

TEST(nan_patterns)
{
    run(ADD_MODULE "(assert_return (invoke \"nan\") (f32.const nan:canonical))\n"
                   "(assert_return (invoke \"nan\") (f32.const nan:arithmetic))\n"
                   "(assert_return (invoke \"nanp\") (f64.const nan:arithmetic))\n"
                   "(assert_return (invoke \"nanp\") (f64.const nan:canonical))\n"
                   "(assert_return (invoke \"nan\") (f64.const nan:canonical))\n");
    /* the payload NaN is arithmetic but not canonical; f32 is not f64 */
    CHECK_INT(counts.passed, 4);
    CHECK_INT(counts.failed, 2);
    CHECK(strstr(report, ":13:1: FAIL assert_return") != NULL);
    CHECK(strstr(report, ":14:1: FAIL assert_return") != NULL);
}

TEST(traps_and_exhaustion)
{
    run(ADD_MODULE "(assert_trap (invoke \"div\" (i32.const 1) (i32.const 0)) \"divide by zero\")\n"
                   "(assert_trap (invoke \"div\" (i32.const 1) (i32.const 0)) \"unreachable\")\n"
                   "(assert_trap (invoke \"div\" (i32.const 4) (i32.const 2)) \"divide by zero\")\n"
                   "(assert_exhaustion (invoke \"rec\") \"call stack exhausted\")\n"
                   "(assert_trap (invoke \"rec\") \"call stack exhausted\")\n");
    CHECK_INT(counts.passed, 3);
    CHECK_INT(counts.failed, 3);
    CHECK(strstr(report, ":12:1: FAIL assert_trap: succeeded") != NULL);
    CHECK(strstr(report, ":14:1: FAIL assert_trap: failed as exhaustion") != NULL);
}

TEST(references)
{
    run(ADD_MODULE "(assert_return (invoke \"id\" (ref.extern 5)) (ref.extern 5))\n"
                   "(assert_return (invoke \"id\" (ref.null extern)) (ref.null extern))\n"
                   "(assert_return (invoke \"fref\") (ref.func))\n"
                   "(assert_return (invoke \"id\" (ref.extern 5)) (ref.extern 6))\n"
                   "(assert_return (invoke \"fref\") (ref.null func))\n");
    CHECK_INT(counts.passed, 4);
    CHECK_INT(counts.failed, 2);
}

TEST(named_modules_and_register)
{
    run("(module $A (func (export \"f\") (result i32) (i32.const 42))"
        "  (global (export \"g\") i32 (i32.const 9)))\n"
        "(register \"a\" $A)\n"
        "(module $B (import \"a\" \"f\" (func $f (result i32)))"
        "  (func (export \"g\") (result i32) (i32.add (call $f) (i32.const 1))))\n"
        "(assert_return (invoke \"g\") (i32.const 43))\n"
        "(assert_return (invoke $A \"f\") (i32.const 42))\n"
        "(assert_return (get $A \"g\") (i32.const 9))\n"
        "(invoke $B \"g\")\n"
        "(assert_return (invoke $C \"g\") (i32.const 43))\n");
    CHECK_INT(counts.passed, 7);
    CHECK_INT(counts.failed, 1);
    CHECK(strstr(report, ":8:1: FAIL assert_return: no module $C") != NULL);
}

TEST(bad_modules)
{
    run("(assert_malformed (module quote \"(func (i32.bogus))\") \"unknown operator\")\n"
        "(assert_malformed (module binary \"\\00asm\\02\\00\\00\\00\") \"unknown binary "
        "version\")\n"
        "(assert_malformed (module quote \"(func)\") \"x\")\n"
        "(assert_invalid (module (func (result i32) (i64.const 0))) \"type mismatch\")\n"
        "(assert_invalid (module (func (result i32) (i32.const 0))) \"type mismatch\")\n"
        "(assert_unlinkable (module (import \"spectest\" \"unknown\" (func))) \"unknown import\")\n"
        "(assert_trap (module (func $s unreachable) (start $s)) \"unreachable\")\n"
        "(assert_uninstantiable (module (func $s unreachable) (start $s)) \"unreachable\")\n"
        "(module (import \"spectest\" \"print_i32\" (func (param i32)))"
        " (import \"spectest\" \"memory\" (memory 1)) (import \"spectest\" \"global_i32\" (global "
        "i32)))\n");
    CHECK_INT(counts.passed, 7);
    CHECK_INT(counts.failed, 2);
    CHECK(strstr(report, "t.wast:3:1: FAIL assert_malformed: module loaded") != NULL);
    CHECK(strstr(report, "t.wast:5:1: FAIL assert_invalid: module loaded") != NULL);
}

TEST(bad_commands_are_failures_and_the_script_goes_on)
{
    run(ADD_MODULE
        "(assert_return (invoke \"add\" (i32.const x)) (i32.const 3))\n"
        "(frobnicate)\n"
        "(assert_return (invoke \"add\" (i32.const 1) (i32.const 1)) (i32.const 2) junk)\n"
        "(assert_return (invoke \"add\" (i32.const 1) (i32.const 1)) (i32.const 2))\n");
    CHECK_INT(counts.passed, 2);
    CHECK_INT(counts.failed, 3);
    CHECK(strstr(report, "t.wast:10:41: invalid i32 literal") != NULL);
    CHECK(strstr(report, "t.wast:11:2: unknown command") != NULL);
}

TEST(unbalanced_script_is_an_error)
{
    CHECK_INT(run("(module)\n  (assert_return (invoke \"f\")\n"), -1);
    CHECK(strstr(report, "ERROR t.wast:2:3: unclosed '('") != NULL);
    CHECK_INT(run("(module) \"stray\""), -1);
    CHECK(strstr(report, "ERROR t.wast:1:10: expected a command") != NULL);
}

TEST(inline_module_and_simd_skips)
{
    run("(func (export \"f\")) (memory 0)");
    CHECK_INT(counts.passed, 1);
    CHECK_INT(counts.failed, 0);
    run("(module (func (export \"f\") (param i32)))\n"
        "(assert_return (invoke \"f\" (v128.const i32x4 0 0 0 0)))\n"
        "(invoke \"f\" (i32.const 0))\n");
    CHECK_INT(counts.passed, 2);
    CHECK_INT(counts.skipped, 1);
    CHECK(strstr(report, "t.wast:2:1: skip assert_return") != NULL);
}

TEST(expect_match)
{
    wast_script_expect e = {.kind = WF_EXPECT_VALUE,
                            .value = {.type = WF_F32, .of.f32 = 0x80000000}};
    wf_value got = {.type = WF_F32, .of.f32 = 0};
    CHECK(!wast_script_expect_match(&e, &got)); /* -0 is not +0: bits compare */
    got.of.f32 = 0x80000000;
    CHECK(wast_script_expect_match(&e, &got));
    e.kind = WF_EXPECT_NAN_CANONICAL;
    got.of.f32 = 0xffc00000;
    CHECK(wast_script_expect_match(&e, &got)); /* either sign */
    got.of.f32 = 0x7fa00000;
    CHECK(!wast_script_expect_match(&e, &got)); /* signalling */
    e.kind = WF_EXPECT_NAN_ARITHMETIC;
    CHECK(!wast_script_expect_match(&e, &got));
    got.of.f32 = 0x7fc00001;
    CHECK(wast_script_expect_match(&e, &got));
    CHECK(wast_script_extern_ref(0) != NULL);
}

UNIT_MAIN()
