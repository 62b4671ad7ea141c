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
  (global $h (mut i32) (i32.const 0))
  (elem (i32.const 0) $twice $inc)
  (global $g (mut i32) (i32.const 0))
  ;; x * 2, after writing junk into every register a hot slot can have
  ;; (ten i32 and three f64 locals in a loop): whatever the caller keeps in
  ;; a register across a call to it must have been saved
  (func $twice (type $ii) (local $k i32) (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $c4 i32) (local $c5 i32) (local $c6 i32) (local $c7 i32) (local $c8 i32) (local $c9 i32) (local $d0 f64) (local $d1 f64) (local $d2 f64)
    (loop $l
      (local.set $c0 (i32.add (local.get $c0) (local.get $k)))
      (local.set $c1 (i32.add (local.get $c1) (local.get $c0)))
      (local.set $c2 (i32.add (local.get $c2) (local.get $c1)))
      (local.set $c3 (i32.add (local.get $c3) (local.get $c2)))
      (local.set $c4 (i32.add (local.get $c4) (local.get $c3)))
      (local.set $c5 (i32.add (local.get $c5) (local.get $c4)))
      (local.set $c6 (i32.add (local.get $c6) (local.get $c5)))
      (local.set $c7 (i32.add (local.get $c7) (local.get $c6)))
      (local.set $c8 (i32.add (local.get $c8) (local.get $c7)))
      (local.set $c9 (i32.add (local.get $c9) (local.get $c8)))
      (local.set $d0 (f64.add (local.get $d0) (f64.convert_i32_u (local.get $c9))))
      (local.set $d1 (f64.add (local.get $d1) (local.get $d0)))
      (local.set $d2 (f64.mul (local.get $d2) (local.get $d1)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (i32.const 3))))
    (i32.add (i32.mul (local.get 0) (i32.const 2))
             (i32.and (i32.trunc_f64_u (f64.abs (local.get $d2))) (i32.const 0))))
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

  ;; liveness across calls (src/wasm/jit/jit_live.c): only the register
  ;; slots live after a call are kept. $a is live after the call only on
  ;; the even path, the if's branch to its else (the odd one redefines it)
  (func (export "partial") (param $n i32) (result i32)
    (local $i i32) (local $a i32) (local $b i32) (local $t i32)
    (loop $l
      (local.set $a (i32.add (local.get $a) (local.get $i)))
      (local.set $t (call $twice (local.get $i)))
      (if (i32.and (local.get $i) (i32.const 1))
        (then (local.set $a (i32.const 3)))
        (else (local.set $b (i32.add (local.get $b) (local.get $a)))))
      (local.set $b (i32.xor (local.get $b) (local.get $t)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $a) (local.get $b)))

  ;; $x is set after its only read: live across the call through the
  ;; loop's back edge alone
  (func (export "backedge") (param $n i32) (result i32)
    (local $i i32) (local $x i32) (local $y i32)
    (loop $l
      (local.set $y (i32.add (local.get $y) (local.get $x)))
      (local.set $y (i32.xor (local.get $y) (i32.shl (local.get $x) (i32.const 1))))
      (local.set $y (i32.add (local.get $y) (i32.shr_u (local.get $x) (i32.const 2))))
      (local.set $x (i32.mul (local.get $i) (i32.const 7)))
      (drop (call $twice (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $y))

  ;; $a is read after the call only through br_table's first target, $b
  ;; only through its second
  (func (export "brtable") (param $n i32) (result i32)
    (local $i i32) (local $a i32) (local $b i32) (local $acc i32)
    (loop $l
      (local.set $a (i32.mul (local.get $i) (i32.const 3)))
      (local.set $b (i32.add (local.get $i) (i32.const 11)))
      (local.set $acc (i32.add (local.get $acc) (call $twice (local.get $i))))
      (block $done
        (block $c1
          (block $c0
            (br_table $c0 $c1 $done (i32.rem_u (local.get $i) (i32.const 3))))
          (local.set $acc (i32.add (local.get $acc) (local.get $a)))
          (local.set $acc (i32.xor (local.get $acc) (i32.shl (local.get $a) (i32.const 3))))
          (br $done))
        (local.set $acc (i32.xor (local.get $acc) (local.get $b)))
        (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $b) (i32.const 5)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; $v is live after the call only on the br_if out of the loop
  (func (export "exitlive") (param $n i32) (result i32)
    (local $i i32) (local $v i32) (local $s i32)
    (block $out
      (loop $l
        (local.set $v (i32.add (local.get $i) (i32.const 100)))
        (local.set $s (i32.add (local.get $s) (call $twice (local.get $i))))
        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (i32.const 0))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.add (local.get $v) (local.get $s)))

  ;; more hot integers than the six first registers: rdx, rbp (globals
  ;; then come off the context) and r14 hold slots too, among them
  ;; call_indirect's table indexes ($p0..$p9, each dead after its call,
  ;; read from the frame while rbp and r14 are pinned for the call); a
  ;; division by zero ($z = $i) traps with them in use, under a caller
  (func $many (param $n i32) (param $z i32) (result i32)
    (local $i i32) (local $acc i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32)
    (local $p5 i32) (local $p6 i32) (local $p7 i32) (local $p8 i32) (local $p9 i32)
    (global.set $h (i32.const 0))
    (loop $l
      (local.set $p0 (i32.and (i32.add (local.get $i) (i32.const 0)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p0) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p0))))
      (local.set $p1 (i32.and (i32.add (local.get $i) (i32.const 1)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p1) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p1))))
      (local.set $p2 (i32.and (i32.add (local.get $i) (i32.const 2)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p2) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p2))))
      (local.set $p3 (i32.and (i32.add (local.get $i) (i32.const 3)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p3) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p3))))
      (local.set $p4 (i32.and (i32.add (local.get $i) (i32.const 4)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p4) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p4))))
      (local.set $p5 (i32.and (i32.add (local.get $i) (i32.const 5)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p5) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p5))))
      (local.set $p6 (i32.and (i32.add (local.get $i) (i32.const 6)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p6) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p6))))
      (local.set $p7 (i32.and (i32.add (local.get $i) (i32.const 7)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p7) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p7))))
      (local.set $p8 (i32.and (i32.add (local.get $i) (i32.const 8)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p8) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p8))))
      (local.set $p9 (i32.and (i32.add (local.get $i) (i32.const 9)) (i32.const 1)))
      (local.set $acc (i32.add (local.get $acc) (i32.shl (local.get $p9) (i32.const 4))))
      (local.set $acc (i32.add (local.get $acc) (call_indirect (type $ii) (local.get $acc) (local.get $p9))))
      (local.set $acc (i32.add (local.get $acc)
        (i32.rem_u (local.get $acc) (i32.add (local.get $i) (i32.const 3)))))
      (drop (i32.div_u (i32.const 1) (i32.sub (local.get $z) (local.get $i))))
      (global.set $h (i32.add (global.get $h) (local.get $p3)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $acc) (global.get $h)))
  (func (export "many") (param $n i32) (param $z i32) (result i32)
    (i32.add (call $many (local.get $n) (local.get $z)) (i32.const 1)))

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


def partial(n):
    a = b = 0
    for i in range(n):
        a = (a + i) & M32
        t = (i * 2) & M32
        if i & 1:
            a = 3
        else:
            b = (b + a) & M32
        b ^= t
    return (a + b) & M32


def backedge(n):
    x = y = 0
    for i in range(n):
        y = (y + x) & M32
        y ^= (x << 1) & M32
        y = (y + (x >> 2)) & M32
        x = (i * 7) & M32
    return y


def brtable(n):
    acc = 0
    for i in range(n):
        a, b = (i * 3) & M32, (i + 11) & M32
        acc = (acc + i * 2) & M32
        if i % 3 == 0:
            acc = (acc + a) & M32
            acc ^= (a << 3) & M32
        elif i % 3 == 1:
            acc ^= b
            acc = (acc + b * 5) & M32
    return acc


def exitlive(n):
    return (n + 100 + n * (n + 1)) & M32


def many(n):
    acc = h = i = 0
    while True:
        p = [(i + c) & 1 for c in range(10)]
        for k in range(10):
            acc = (acc + (p[k] << 4)) & M32
            acc = (acc + (acc * 2 if p[k] == 0 else acc + 1)) & M32
        acc = (acc + acc % (i + 3)) & M32
        h = (h + p[3]) & M32
        i += 1
        if i >= n:
            return (acc + h + 1) & M32


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
        lines.append(f'(assert_return (invoke "partial" {i32(n)}) {i32(partial(n))})')
        lines.append(f'(assert_return (invoke "backedge" {i32(n)}) {i32(backedge(n))})')
        lines.append(f'(assert_return (invoke "brtable" {i32(n)}) {i32(brtable(n))})')
        lines.append(f'(assert_return (invoke "exitlive" {i32(n)}) {i32(exitlive(n))})')
        lines.append(f'(assert_return (invoke "many" {i32(n)} {i32(-1)}) {i32(many(n))})')
        w = n * (n - 1) // 2
        lines.append(f'(assert_return (invoke "multi" {i32(n)}) {i32(n)} (i64.const {w}) '
                     f'(f64.const {float(2 * n).hex()}))')
    acc = sum(1000 // (40 - i) for i in range(40))
    lines.append(f'(assert_trap (invoke "trap" {i32(100)} {i32(40)}) "integer divide by zero")')
    lines.append(f'(assert_trap (invoke "many" {i32(100)} {i32(5)}) "integer divide by zero")')
    lines.append(f'(assert_return (invoke "many" {i32(17)} {i32(-1)}) {i32(many(17))})')
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
