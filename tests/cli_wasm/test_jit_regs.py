"""The compiled tier keeps hot locals and operand-stack slots in registers
(src/wasm/jit/jit_regs.c): these loops make them hot, then cross every place
where the frame's memory must be right (direct and indirect calls, helper
calls, traps, br_table, returns) and read them back. Every expected value is
computed here in Python; the suite runs on both tiers."""
import struct

MODULE = """(module
  (type $ii (func (param i32) (result i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $twice $inc)
  (global $g (mut i32) (i32.const 0))
  (func $twice (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
  (func $mix (param i32 i64) (result i64)
    (i64.add (i64.extend_i32_u (local.get 0)) (i64.mul (local.get 1) (i64.const 3))))

  ;; i32 and i64 locals in a loop with a direct call: a, b and i must survive it
  (func (export "calls") (param $n i32) (result i64)
    (local $i i32) (local $a i32) (local $b i64)
    (loop $l
      (local.set $a (i32.add (i32.xor (local.get $a) (local.get $i)) (i32.const 7)))
      (local.set $b (i64.rem_u (call $mix (local.get $a) (local.get $b)) (i64.const 1000003)))
      (local.set $a (i32.and (i32.add (local.get $a) (local.get $i)) (i32.const 0xffff)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $b) (i64.extend_i32_u (local.get $a))))

  ;; call_indirect through both table entries, and helpers (memory.grow,
  ;; memory.size, clz, popcnt) inside the loop
  (func (export "helpers") (param $n i32) (result i32)
    (local $i i32) (local $acc i32) (local $k i32)
    (loop $l
      (local.set $k (call_indirect (type $ii) (local.get $i) (i32.and (local.get $i) (i32.const 1))))
      (local.set $acc (i32.add (local.get $acc) (local.get $k)))
      (local.set $acc (i32.add (local.get $acc) (i32.clz (local.get $i))))
      (local.set $acc (i32.add (local.get $acc) (i32.popcnt (local.get $acc))))
      (if (i32.eqz (i32.and (local.get $i) (i32.const 15)))
        (then (drop (memory.grow (i32.const 0)))))
      (local.set $acc (i32.add (local.get $acc) (memory.size)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; br_table on a hot local, with a block result
  (func (export "table") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc
        (i32.add (local.get $acc)
          (block $out (result i32)
            (block $c2 (block $c1 (block $c0
              (br_table $c0 $c1 $c2 (i32.rem_u (local.get $i) (i32.const 3))))
              (br $out (i32.mul (local.get $i) (i32.const 3))))
            (br $out (i32.sub (local.get $acc) (local.get $i))))
          (i32.xor (local.get $acc) (i32.const 0x55)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; f64 and f32 locals in xmm registers; a float store and load through memory;
  ;; an i32 operand that becomes an f64 in the same operand-stack slot
  (func (export "floats") (param $n i32) (result f64)
    (local $i i32) (local $d f64) (local $f f32) (local $t f64)
    (loop $l
      (local.set $d (f64.add (local.get $d) (f64.mul (f64.convert_i32_s (local.get $i)) (f64.const 0.5))))
      (local.set $f (f32.add (local.get $f) (f32.mul (f32.convert_i32_s (local.get $i)) (f32.const 0.25))))
      (f64.store (i32.const 64) (local.get $d))
      (local.set $t (f64.sub (f64.load (i32.const 64)) (local.get $t)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (f64.add (f64.add (local.get $d) (f64.promote_f32 (local.get $f))) (local.get $t)))

  ;; an f64 local read as bits and back, select on hot locals
  (func (export "bits") (param $n i32) (result i64)
    (local $i i32) (local $x f64) (local $h i64)
    (local.set $x (f64.const 1.5))
    (loop $l
      (local.set $h (i64.add (local.get $h) (i64.reinterpret_f64 (local.get $x))))
      (local.set $x (f64.reinterpret_i64 (i64.add (i64.reinterpret_f64 (local.get $x)) (i64.const 1))))
      (local.set $h (select (local.get $h) (i64.rotl (local.get $h) (i64.const 5))
                            (i32.and (local.get $i) (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $h))

  ;; a trap in the middle of a hot loop: the global records how far it got
  (func (export "trap") (param $n i32) (param $z i32) (result i32)
    (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (i32.div_u (i32.const 1000) (i32.sub (local.get $z) (local.get $i)))))
      (global.set $g (local.get $acc))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  (func (export "g") (result i32) (global.get $g))

  ;; more hot integers than general registers: byte and halfword stores from
  ;; each (rsi and rdi need a REX prefix to store their low byte)
  (func (export "bytes") (param $n i32) (result i32)
    (local $i i32) (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32)
    (local $f i32) (local $s i32)
    (loop $l
      (local.set $a (i32.add (local.get $i) (i32.const 0x101)))
      (local.set $b (i32.add (local.get $a) (i32.const 0x102)))
      (local.set $c (i32.add (local.get $b) (i32.const 0x103)))
      (local.set $d (i32.add (local.get $c) (i32.const 0x104)))
      (local.set $e (i32.add (local.get $d) (i32.const 0x105)))
      (local.set $f (i32.add (local.get $e) (i32.const 0x106)))
      (i32.store8 (i32.const 200) (local.get $a))
      (i32.store8 (i32.const 201) (local.get $b))
      (i32.store8 (i32.const 202) (local.get $c))
      (i32.store8 (i32.const 203) (local.get $d))
      (i32.store8 (i32.const 204) (local.get $e))
      (i32.store16 (i32.const 205) (local.get $f))
      (local.set $s (i32.add (local.get $s) (i32.load (i32.const 200))))
      (local.set $s (i32.add (local.get $s) (i32.load16_u (i32.const 204))))
      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.const 206))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s))

  ;; clz/ctz inline; i32.trunc_f64_s inline, with -2^31 on its helper path
  ;; (every register spilled and reloaded there), unsigned converts
  (func (export "trunc") (param $n i32) (result i64)
    (local $i i32) (local $d f64) (local $acc i64) (local $u f64)
    (loop $l
      (local.set $d (f64.add (f64.const -2147483648) (f64.convert_i32_s (i32.and (local.get $i) (i32.const 1)))))
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_s (i32.trunc_f64_s (local.get $d)))))
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i32.clz (local.get $i)))))
      (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i32.ctz (local.get $i)))))
      (local.set $acc (i64.add (local.get $acc) (i64.clz (local.get $acc))))
      (local.set $acc (i64.add (local.get $acc) (i64.ctz (i64.extend_i32_u (local.get $i)))))
      (local.set $u (f64.add (local.get $u) (f64.convert_i32_u (i32.sub (i32.const 0) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $acc) (i64.trunc_f64_u (f64.div (local.get $u) (f64.const 1024)))))

  ;; several results straight from register-held locals
  (func (export "multi") (param $n i32) (result i32 i64 f64)
    (local $i i32) (local $w i64) (local $d f64)
    (loop $l
      (local.set $w (i64.add (local.get $w) (i64.extend_i32_u (local.get $i))))
      (local.set $d (f64.add (local.get $d) (f64.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i) (local.get $w) (local.get $d))
)
"""

M32, M64 = 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF


def calls(n):
    i = a = b = 0
    while True:
        a = (((a ^ i) + 7) & M32)
        b = ((a + b * 3) & M64) % 1000003
        a = ((a + i) & M32) & 0xFFFF
        i += 1
        if i >= n:
            return (b + a) & M64


def helpers(n):
    i = acc = 0
    pages = 1
    while True:
        k = (i * 2 if (i & 1) == 0 else i + 1) & M32
        acc = (acc + k) & M32
        acc = (acc + (32 - i.bit_length())) & M32
        acc = (acc + bin(acc).count("1")) & M32
        acc = (acc + pages) & M32
        i += 1
        if i >= n:
            return acc


def table(n):
    i = acc = 0
    while True:
        r = i % 3
        v = (i * 3) & M32 if r == 0 else (acc - i) & M32 if r == 1 else acc ^ 0x55
        acc = (acc + v) & M32
        i += 1
        if i >= n:
            return acc


def bytes_(n):
    s = 0
    for i in range(n):
        v = [i + 0x101]
        for k in range(0x102, 0x107):
            v.append(v[-1] + k)
        mem = [x & 0xFF for x in v[:5]] + [v[5] & 0xFF, (v[5] >> 8) & 0xFF]
        s += mem[0] | mem[1] << 8 | mem[2] << 16 | mem[3] << 24
        s += mem[4] | mem[5] << 8
        s += mem[6]
    return s & M32


def clz(v, bits):
    return bits - v.bit_length()


def ctz(v, bits):
    return bits if v == 0 else (v & -v).bit_length() - 1


def trunc(n):
    acc, u = 0, 0.0
    for i in range(n):
        d = -2147483648.0 + (i & 1)
        acc = (acc + int(d)) & M64
        acc = (acc + clz(i, 32) + ctz(i, 32)) & M64
        acc = (acc + clz(acc, 64)) & M64
        acc = (acc + ctz(i, 64)) & M64
        u = u + float((-i) & M32)
    return (acc + int(u / 1024)) & M64


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def floats(n):
    d, f, t = 0.0, 0.0, 0.0
    for i in range(n):
        d = d + i * 0.5
        f = f32(f + f32(f32(float(i)) * 0.25))
        t = d - t
    return d + f + t


def bits(n):
    x = struct.unpack("<Q", struct.pack("<d", 1.5))[0]
    h = 0
    for i in range(n):
        h = (h + x) & M64
        x = (x + 1) & M64
        if not i & 1:
            h = ((h << 5) | (h >> 59)) & M64
    return h


def i32(v):
    return f"(i32.const {v & M32})"


def wast():
    lines = [MODULE]
    for n in (1, 2, 17, 300):
        lines.append(f'(assert_return (invoke "calls" {i32(n)}) (i64.const {calls(n)}))')
        lines.append(f'(assert_return (invoke "helpers" {i32(n)}) {i32(helpers(n))})')
        lines.append(f'(assert_return (invoke "table" {i32(n)}) {i32(table(n))})')
        lines.append(f'(assert_return (invoke "floats" {i32(n)}) (f64.const {floats(n).hex()}))')
        lines.append(f'(assert_return (invoke "bits" {i32(n)}) (i64.const {bits(n)}))')
        lines.append(f'(assert_return (invoke "bytes" {i32(n)}) {i32(bytes_(n))})')
        lines.append(f'(assert_return (invoke "trunc" {i32(n)}) (i64.const {trunc(n)}))')
        w = n * (n - 1) // 2
        lines.append(f'(assert_return (invoke "multi" {i32(n)}) {i32(n)} (i64.const {w}) '
                     f'(f64.const {float(2 * n).hex()}))')
    acc = sum(1000 // (40 - i) for i in range(40))
    lines.append(f'(assert_trap (invoke "trap" {i32(100)} {i32(40)}) "integer divide by zero")')
    lines.append(f'(assert_return (invoke "g") {i32(acc)})')
    lines.append(f'(assert_return (invoke "trap" {i32(30)} {i32(40)}) '
                 f'{i32(sum(1000 // (40 - i) for i in range(30)))})')
    return "\n".join(lines) + "\n"


def test_register_locals_across_calls_helpers_traps(wasm, tmp_path):
    script = tmp_path / "regs.wast"
    text = wast()
    script.write_text(text)
    r = wasm("wast", script)
    assert r.code == 0, r
    commands = text.count("(assert_") + 1  # and the module
    assert f"{commands} passed, 0 failed" in r.out + r.err, r
