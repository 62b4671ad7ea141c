# `weft wasm run --invoke`: arguments in, results out, as TYPE:VALUE text.
import random
import struct

import pytest

ARITH = """
(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "id32") (param i32) (result i32) (local.get 0))
  (func (export "id64") (param i64) (result i64) (local.get 0))
  (func (export "idf32") (param f32) (result f32) (local.get 0))
  (func (export "idf64") (param f64) (result f64) (local.get 0))
  (func (export "third32") (result f32) (f32.div (f32.const 1) (f32.const 3)))
  (func (export "third64") (result f64) (f64.div (f64.const 1) (f64.const 3)))
  (func (export "sqrt2") (result f64) (f64.sqrt (f64.const 2)))
  (func (export "point3") (result f64) (f64.add (f64.const 0.1) (f64.const 0.2)))
  (func (export "mixed") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
    (local.get 3) (local.get 2) (local.get 1) (local.get 0))
  (func (export "nothing"))
  (func (export "bits") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0)))
  (func (export "bits64") (param i64) (result f64) (f64.reinterpret_i64 (local.get 0)))
)
"""


@pytest.fixture
def arith(wat):
    return wat(ARITH, "arith.wat")


def invoke(wasm, module, name, *args):
    return wasm("run", "--invoke", name, module, *args)


def test_add_i32(wasm, arith):
    r = invoke(wasm, arith, "add", "i32:2", "i32:3")
    assert (r.code, r.out, r.err) == (0, "i32:5\n", "")


def test_i32_wraps_and_prints_signed(wasm, arith):
    assert invoke(wasm, arith, "add", "i32:4294967295", "i32:1").out == "i32:0\n"
    assert invoke(wasm, arith, "add", "i32:0x7fffffff", "i32:1").out == "i32:-2147483648\n"
    assert invoke(wasm, arith, "id32", "i32:4294967295").out == "i32:-1\n"
    assert invoke(wasm, arith, "id32", "i32:-0x1").out == "i32:-1\n"


@pytest.mark.parametrize("text,want", [
    ("i64:42", "i64:42"),
    ("i64:-1", "i64:-1"),
    ("i64:18446744073709551615", "i64:-1"),
    ("i64:-9223372036854775808", "i64:-9223372036854775808"),
    ("i64:0x7fffffffffffffff", "i64:9223372036854775807"),
])
def test_i64_values(wasm, arith, text, want):
    r = invoke(wasm, arith, "id64", text)
    assert (r.code, r.out) == (0, want + "\n")


def test_add_i64_carries(wasm, arith):
    assert invoke(wasm, arith, "add64", "i64:4294967295", "i64:1").out == "i64:4294967296\n"


@pytest.mark.parametrize("text,want", [
    ("f32:1.5", "f32:1.5"),
    ("f32:0.1", "f32:0.1"),
    ("f32:-0", "f32:-0"),
    ("f32:0", "f32:0"),
    ("f32:nan", "f32:nan"),
    ("f32:-nan", "f32:-nan"),
    ("f32:nan:0x200000", "f32:nan:0x200000"),
    ("f32:-nan:0x1", "f32:-nan:0x1"),
    ("f32:nan:0x400000", "f32:nan"),
    ("f32:inf", "f32:inf"),
    ("f32:-inf", "f32:-inf"),
    ("f32:0x1p-149", "f32:1e-45"),
    ("f32:0x1p-3", "f32:0.125"),
    ("f32:3.4028235e38", "f32:3.4028235e+38"),
    ("f32:16777217", "f32:16777216"),
    ("f32:1e-50", "f32:0"),
])
def test_f32_values(wasm, arith, text, want):
    r = invoke(wasm, arith, "idf32", text)
    assert (r.code, r.out, r.err) == (0, want + "\n", "")


@pytest.mark.parametrize("text,want", [
    ("f64:0x1p-3", "f64:0.125"),
    ("f64:0.1", "f64:0.1"),
    ("f64:-0.0", "f64:-0"),
    ("f64:5e-324", "f64:5e-324"),
    ("f64:1.7976931348623157e308", "f64:1.7976931348623157e+308"),
    ("f64:2.2250738585072009e-308", "f64:2.225073858507201e-308"),
    ("f64:nan", "f64:nan"),
    ("f64:nan:0x4000000000000", "f64:nan:0x4000000000000"),
    ("f64:-nan:0xfffffffffffff", "f64:-nan:0xfffffffffffff"),
    ("f64:-inf", "f64:-inf"),
    ("f64:1e23", "f64:1e+23"),
    ("f64:9007199254740993", "f64:9007199254740992"),
])
def test_f64_values(wasm, arith, text, want):
    r = invoke(wasm, arith, "idf64", text)
    assert (r.code, r.out, r.err) == (0, want + "\n", "")


def test_float_results_are_shortest(wasm, arith):
    assert invoke(wasm, arith, "third32").out == "f32:0.33333334\n"
    assert invoke(wasm, arith, "third64").out == "f64:0.3333333333333333\n"
    assert invoke(wasm, arith, "sqrt2").out == "f64:1.4142135623730951\n"
    assert invoke(wasm, arith, "point3").out == "f64:0.30000000000000004\n"


def test_multi_value_one_line_each(wasm, arith):
    r = invoke(wasm, arith, "mixed", "i32:-7", "i64:8", "f32:2.5", "f64:-0.75")
    assert (r.code, r.out) == (0, "f64:-0.75\nf32:2.5\ni64:8\ni32:-7\n")


def test_no_results_prints_nothing(wasm, arith):
    r = invoke(wasm, arith, "nothing")
    assert (r.code, r.out, r.err) == (0, "", "")


def test_bare_values_take_the_parameter_type(wasm, arith):
    assert invoke(wasm, arith, "add", "40", "2").out == "i32:42\n"
    assert invoke(wasm, arith, "idf32", "nan:0x1").out == "f32:nan:0x1\n"
    assert invoke(wasm, arith, "idf64", "-inf").out == "f64:-inf\n"


def _f32_text_to_bits(text):
    """Python's reading of the printed f32 (NaN payloads by hand)."""
    sign = 0x80000000 if text.startswith("-") else 0
    t = text.lstrip("-")
    if t == "inf":
        return sign | 0x7f800000
    if t == "nan":
        return sign | 0x7fc00000
    if t.startswith("nan:0x"):
        return sign | 0x7f800000 | int(t[6:], 16)
    return struct.unpack("<I", struct.pack("<f", float(text)))[0]


def test_f32_bits_round_trip(wasm, arith):
    """Random bit patterns print as text that reads back to the same bits,
    both in Python and in weft, and never longer than needed (9 digits)."""
    rng = random.Random(1234)
    patterns = [0, 1, 0x80000000, 0x7f7fffff, 0x00800000, 0x007fffff, 0x7fa00000, 0xffffffff]
    patterns += [rng.getrandbits(32) for _ in range(24)]
    for bits in patterns:
        r = invoke(wasm, arith, "bits", f"i32:{bits}")
        assert r.code == 0, r
        text = r.out.strip().removeprefix("f32:")
        assert _f32_text_to_bits(text) == bits, (hex(bits), text)
        back = invoke(wasm, arith, "idf32", "f32:" + text)
        assert back.out == r.out
        if "nan" not in text and "inf" not in text:
            digits = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
            assert len(digits) <= 9, text


def test_f64_bits_round_trip(wasm, arith):
    rng = random.Random(99)
    patterns = [1, 0x8000000000000000, 0x7fefffffffffffff, 0x000fffffffffffff,
                0x7ff4000000000000, 0xfff0000000000001]
    patterns += [rng.getrandbits(64) for _ in range(24)]
    for bits in patterns:
        r = invoke(wasm, arith, "bits64", f"i64:{bits}")
        assert r.code == 0, r
        text = r.out.strip().removeprefix("f64:")
        if "nan" not in text and "inf" not in text:
            assert struct.unpack("<Q", struct.pack("<d", float(text)))[0] == bits, text
            assert repr(float(text)) == repr(struct.unpack("<d", struct.pack("<Q", bits))[0])
        back = invoke(wasm, arith, "idf64", "f64:" + text)
        assert back.out == r.out


# ---- usage errors: one line, exit 2 ------------------------------------

@pytest.mark.parametrize("args,needle", [
    (["add", "i32:1"], "expected 2 arguments, got 1"),
    (["add", "i32:1", "i32:2", "i32:3"], "expected 2 arguments, got 3"),
    (["add", "i64:1", "i32:2"], "argument 1 is i64, but the parameter is i32"),
    (["idf32", "f64:1"], "argument 1 is f64, but the parameter is f32"),
    (["add", "i32:abc", "i32:2"], "'abc' is not an integer"),
    (["add", "i32:4294967296", "i32:2"], "out of range for i32"),
    (["idf32", "f32:1e39"], "out of range for f32"),
    (["idf32", "f32:nan:0x800000"], "NaN payload"),
    (["add", "u32:1", "i32:2"], "unknown value type 'u32'"),
    (["missing"], "exports no function"),
])
def test_bad_invoke_arguments(wasm, arith, args, needle):
    r = invoke(wasm, arith, *args)
    assert r.code == 2, r
    assert r.out == ""
    assert needle in r.err
    assert len(r.err.strip().splitlines()) == 1, r.err


# ---- traps: "trap: REASON", exit 134 -----------------------------------

TRAPS = """
(module
  (memory 1)
  (func (export "div0") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "unreachable") (unreachable))
  (func (export "oob") (result i32) (i32.load (i32.const 65536)))
  (func $deep (export "deep") (param i32) (result i32)
    (i32.add (i32.const 1) (call $deep (local.get 0))))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
"""


@pytest.mark.parametrize("name,args", [
    ("div0", ["i32:0"]),
    ("unreachable", []),
    ("oob", []),
    ("deep", ["i32:1"]),
])
def test_traps_exit_134(wasm, wat, name, args):
    r = invoke(wasm, wat(TRAPS), name, *args)
    assert r.code == 134, r
    assert r.out == ""
    assert r.err.startswith("trap: ") and len(r.err.splitlines()) == 1, r.err


def test_no_trap_when_divisor_is_not_zero(wasm, wat):
    r = invoke(wasm, wat(TRAPS), "div0", "i32:1")
    assert (r.code, r.out) == (0, "i32:1\n")


def test_max_stack_limits_recursion(wasm, wat):
    r = wasm("run", "--max-stack", "50", "--invoke", "deep", wat(TRAPS), "i32:1")
    assert r.code == 134 and r.err.startswith("trap: "), r


def test_max_memory_limits_growth(wasm, wat):
    m = wat(TRAPS)
    assert invoke(wasm, m, "grow", "i32:3").out == "i32:1\n"
    r = wasm("run", "--max-memory", "128K", "--invoke", "grow", m, "i32:3")
    assert (r.code, r.out) == (0, "i32:-1\n")
    # the budget holds the stack, the instance and the module too: 2 pages
    # and that overhead fit in 192K
    r = wasm("run", "--max-memory", "192K", "--invoke", "grow", m, "i32:1")
    assert (r.code, r.out) == (0, "i32:1\n")


def test_binary_module_from_wat2wasm(wasm, wat_binary):
    m = wat_binary(ARITH, "arith.wasm")
    assert invoke(wasm, m, "add", "i32:20", "i32:22").out == "i32:42\n"
