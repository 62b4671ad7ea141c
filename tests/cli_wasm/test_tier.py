"""The engine's two tiers: the compiled tier is the default on x86-64 and
WEFT_WASM_TIER picks one; both give the same results and traps."""
import os
import platform
import subprocess

import pytest

FIB = """(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "deep") (param i32) (result i32)
    (call 1 (i32.add (local.get 0) (i32.const 1))))
  (memory 1)
  (func (export "load") (param i32) (result i32) (i32.load offset=4 (local.get 0))))
"""

INDIRECT = """(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) 0 1)
  (func (export "deep") (type $t)
    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 7))
      (else (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0)))))
  (func (param i32) (result i32) (local.get 0))
  (func (export "pick") (param i32) (result i32)
    (call_indirect (type $t) (i32.const 5) (local.get 0))))
"""

x86_64 = pytest.mark.skipif(platform.machine() != "x86_64",
                            reason="the compiled tier has an x86-64 backend only")


def run(weft, args, tier=None):
    env = dict(os.environ)
    env.pop("WEFT_WASM_TIER", None)
    if tier:
        env["WEFT_WASM_TIER"] = tier
    return subprocess.run([weft, "--debug", "wasm", *args], capture_output=True, text=True,
                          env=env, timeout=60)


@x86_64
def test_compiled_by_default(weft_bin, wat):
    path = wat(FIB)
    r = run(weft_bin, ["run", "--invoke", "fib", path, "20"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == "i32:6765\n"
    assert "functions compiled to" in r.stderr and "bytes of x86-64 code" in r.stderr


def test_interp_on_request(weft_bin, wat):
    path = wat(FIB)
    r = run(weft_bin, ["run", "--invoke", "fib", path, "20"], tier="interp")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "i32:6765\n"
    assert "compiled" not in r.stderr


@x86_64
@pytest.mark.parametrize("args,want", [
    (["deep", "0"], "call stack exhausted"),
    (["load", "65532"], "out of bounds memory access"),
    (["load", "4294967295"], "out of bounds memory access"),
])
def test_same_trap_on_both_tiers(weft_bin, wat, args, want):
    path = wat(FIB)
    out = {}
    for tier in ("jit", "interp"):
        r = run(weft_bin, ["run", "--invoke", args[0], path, args[1]], tier=tier)
        assert r.returncode != 0
        assert want in r.stderr
        out[tier] = [l for l in r.stderr.splitlines() if l.startswith("trap")]
    assert out["jit"] == out["interp"]


@x86_64
@pytest.mark.parametrize("module,args", [
    (FIB, ["deep", "0"]),
    (INDIRECT, ["deep", "199999"]),  # the default depth limit is 200000 frames
    (INDIRECT, ["deep", "200000"]),
    (INDIRECT, ["pick", "1"]),
    (INDIRECT, ["pick", "2"]),
])
def test_same_outcome_on_both_tiers(weft_bin, wat, module, args):
    """Results, traps and the exact call-depth limit agree between tiers."""
    path = wat(module)
    got = []
    for tier in ("jit", "interp"):
        r = run(weft_bin, ["run", "--invoke", args[0], path, args[1]], tier=tier)
        got.append((r.returncode, r.stdout, [l for l in r.stderr.splitlines()
                                              if not l.startswith("weft: debug")]))
    assert got[0] == got[1]
