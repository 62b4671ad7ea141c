#!/usr/bin/env python3
"""Write a large WASI command module as WAT (for load-time benchmarks).

usage: gen_large.py N_FUNCS > large.wat

Each function has locals, a loop, if/else, i32/i64/f64 arithmetic, memory
loads and stores, a call_indirect through a table and a call to an earlier
function, so decoding, validation and translation all have real work. _start
calls a few of them and returns (exit status 0).
"""
import sys


def func(i):
    prev = f"(call $f{i - 1} (local.get 0) (i32.const {i % 7}))" if i > 0 else "(local.get 1)"
    return f"""  (func $f{i} (type $t) (param i32 i32) (result i32)
    (local $k i32) (local $acc i64) (local $x f64)
    (local.set $acc (i64.extend_i32_u (local.get 0)))
    (local.set $x (f64.convert_i32_s (local.get 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (i32.and (local.get 1) (i32.const 7))))
        (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const {i * 2654435761 % 4294967291}))
                                 (i64.extend_i32_u (local.get $k))))
        (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 1.000001)) (f64.const {i}.5)))
        (i32.store offset={(i * 8) % 4096} (i32.and (local.get $k) (i32.const 1023))
                   (i32.wrap_i64 (local.get $acc)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (if (result i32) (i32.eqz (local.get 1))
      (then (i32.add (i32.load offset=16 (i32.const 0)) (i32.const {i})))
      (else
        (i32.add
          (i32.xor (i32.wrap_i64 (local.get $acc)) (i32.trunc_sat_f64_s (local.get $x)))
          (i32.add
            (call_indirect (type $t) (local.get 0) (i32.const 0) (i32.const {i % 4}))
            {prev})))))
"""


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    out = sys.stdout
    out.write("(module\n  (type $t (func (param i32 i32) (result i32)))\n")
    out.write('  (memory (export "memory") 1)\n')
    out.write("  (table 4 funcref)\n  (elem (i32.const 0) $f0 $f1 $f2 $f3)\n")
    for i in range(n):
        out.write(func(i))
    calls = "\n".join(f"    (drop (call $f{j} (i32.const {j}) (i32.const 0)))"
                      for j in range(0, n, max(1, n // 8)))
    out.write(f'  (func (export "_start")\n{calls})\n)\n')


main()
