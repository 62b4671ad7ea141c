"""Guarded memories (docs/wasm-engine.md, "Memory"): the compiled tier
accesses a memory with an 8 GiB reservation without bounds checks and turns
the fault of an out-of-bounds access into the trap a check would take. Every
width and form of access, offsets up to 4 GiB, a grown memory and a memory
imported from another instance trap exactly where the interpreter does; under
a limit on the address space that refuses the reservation, the compiled tier
falls back to checked code with the same results."""
import functools
import os
import platform
import resource
import subprocess

import pytest

x86_64 = pytest.mark.skipif(platform.machine() != "x86_64",
                            reason="the compiled tier has an x86-64 backend only")

PAGE = 65536
LOADS = [  # op, result type, width
    ("i32.load", "i32", 4), ("i64.load", "i64", 8), ("f32.load", "f32", 4),
    ("f64.load", "f64", 8), ("i32.load8_s", "i32", 1), ("i32.load8_u", "i32", 1),
    ("i32.load16_s", "i32", 2), ("i32.load16_u", "i32", 2), ("i64.load8_s", "i64", 1),
    ("i64.load8_u", "i64", 1), ("i64.load16_s", "i64", 2), ("i64.load16_u", "i64", 2),
    ("i64.load32_s", "i64", 4), ("i64.load32_u", "i64", 4),
]
STORES = [  # op, value type, width
    ("i32.store", "i32", 4), ("i64.store", "i64", 8), ("f32.store", "f32", 4),
    ("f64.store", "f64", 8), ("i32.store8", "i32", 1), ("i32.store16", "i32", 2),
    ("i64.store8", "i64", 1), ("i64.store16", "i64", 2), ("i64.store32", "i64", 4),
]
# static offsets: none, small, the largest disp32, past it, and up to 4 GiB
OFFSETS = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFF]
TRAP = '"out of bounds memory access"'


def zero(t):
    return f"({t}.const 0)"


def accessors():
    """Functions ld_K_O (load K at offset O of an i32 address), ldx_K (the
    address an i32.add of two params, the fused form), st_K_O and stx_K
    (store the value -1 / NaN pattern)."""
    out = []
    for k, (op, t, _) in enumerate(LOADS):
        for o in OFFSETS:
            out.append(f'(func (export "ld_{k}_{o}") (param i32) (result {t})'
                       f' ({op} offset={o} (local.get 0)))')
        out.append(f'(func (export "ldx_{k}") (param i32 i32) (result {t})'
                   f' ({op} (i32.add (local.get 0) (local.get 1))))')
    for k, (op, t, _) in enumerate(STORES):
        val = f"({t}.const -1)" if t[0] == "i" else f"({t}.const -nan:0x1)"
        for o in OFFSETS:
            out.append(f'(func (export "st_{k}_{o}") (param i32)'
                       f' ({op} offset={o} (local.get 0) {val}))')
        out.append(f'(func (export "stx_{k}") (param i32 i32)'
                   f' ({op} (i32.add (local.get 0) (local.get 1)) {val}))')
    out.append('(func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))')
    out.append('(func (export "sum") (result i64) (local $i i32) (local $s i64)'
               ' (block $done (loop $l'
               '  (br_if $done (i32.ge_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))'
               '  (local.set $s (i64.add (local.get $s) (i64.load8_u (local.get $i))))'
               '  (local.set $i (i32.add (local.get $i) (i32.const 1)))'
               '  (br $l)))'
               ' (local.get $s))')
    return "\n  ".join(out)


def asserts(size):
    """Commands for a memory of `size` bytes, all zero."""
    a = []
    for k, (_, t, w) in enumerate(LOADS):
        a.append(f'(assert_return (invoke "ld_{k}_0" (i32.const {size - w})) {zero(t)})')
        a.append(f'(assert_trap (invoke "ld_{k}_0" (i32.const {size - w + 1})) {TRAP})')
        a.append(f'(assert_trap (invoke "ld_{k}_0" (i32.const {size})) {TRAP})')
        a.append(f'(assert_trap (invoke "ld_{k}_0" (i32.const -1)) {TRAP})')
        a.append(f'(assert_return (invoke "ld_{k}_1" (i32.const {size - w - 1})) {zero(t)})')
        a.append(f'(assert_trap (invoke "ld_{k}_1" (i32.const {size - w})) {TRAP})')
        for o in OFFSETS[2:]:
            a.append(f'(assert_trap (invoke "ld_{k}_{o}" (i32.const 0)) {TRAP})')
            a.append(f'(assert_trap (invoke "ld_{k}_{o}" (i32.const -1)) {TRAP})')
        # the fused address wraps at 32 bits
        a.append(f'(assert_return (invoke "ldx_{k}" (i32.const -1) (i32.const 1)) {zero(t)})')
        a.append(f'(assert_return (invoke "ldx_{k}" (i32.const {size - w - 7})'
                 f' (i32.const 7)) {zero(t)})')
        a.append(f'(assert_trap (invoke "ldx_{k}" (i32.const {size - w})'
                 f' (i32.const 1)) {TRAP})')
        a.append(f'(assert_trap (invoke "ldx_{k}" (i32.const 0x7fffffff)'
                 f' (i32.const 0x7fffffff)) {TRAP})')
    for k, (_, t, w) in enumerate(STORES):
        # a store across the end writes none of its bytes
        a.append(f'(assert_trap (invoke "st_{k}_0" (i32.const {size - w + 1})) {TRAP})')
        a.append(f'(assert_trap (invoke "stx_{k}" (i32.const {size - 1})'
                 f' (i32.const 1)) {TRAP})')
        a.append(f'(assert_trap (invoke "st_{k}_1" (i32.const {size - w})) {TRAP})')
        for o in OFFSETS[2:]:
            a.append(f'(assert_trap (invoke "st_{k}_{o}" (i32.const 0)) {TRAP})')
            a.append(f'(assert_trap (invoke "st_{k}_{o}" (i32.const -1)) {TRAP})')
        a.append('(assert_return (invoke "sum") (i64.const 0))')
    return "\n".join(a)


def script(imported):
    mem = ('(import "M" "mem" (memory 1 3))' if imported else "(memory 1 3)")
    head = ('(module $M (memory (export "mem") 1 3))\n(register "M" $M)\n'
            if imported else "")
    return (f"{head}(module\n  {mem}\n  {accessors()})\n"
            + asserts(PAGE) + "\n"
            # grown in place: the new page is accessible, the next one traps
            + '(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))\n'
            + asserts(2 * PAGE) + "\n"
            # a store in bounds, then read back at every width
            + '(invoke "st_1_0" (i32.const 131064))\n'
            + '(assert_return (invoke "ld_1_0" (i32.const 131064)) (i64.const -1))\n'
            + '(assert_return (invoke "ld_13_1" (i32.const 131067)) (i64.const 4294967295))\n'
            + '(assert_return (invoke "ld_4_0" (i32.const 131071)) (i32.const -1))\n'
            + '(assert_trap (invoke "ld_4_0" (i32.const 131072)) ' + TRAP + ')\n'
            + '(assert_return (invoke "grow" (i32.const 2)) (i32.const -1))\n')


@functools.lru_cache(maxsize=None)
def is_asan(weft_bin):
    with open(weft_bin, "rb") as f:
        return b"__asan_init" in f.read()


def wast(weft_bin, path, tier, as_limit=None):
    env = dict(os.environ, WEFT_WASM_TIER=tier)

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))

    return subprocess.run([weft_bin, "--debug", "wasm", "wast", str(path)], capture_output=True,
                          text=True, env=env, timeout=120,
                          preexec_fn=cap if as_limit else None)


@pytest.mark.parametrize("imported", [False, True], ids=["own", "imported"])
def test_out_of_bounds_traps_exactly(weft_bin, tmp_path, wasm_tier, imported):
    path = tmp_path / "guard.wast"
    path.write_text(script(imported))
    r = wast(weft_bin, path, wasm_tier)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " 0 failed" in r.stdout
    if wasm_tier == "jit" and platform.machine() == "x86_64":
        assert "no guarded reservation" not in r.stderr


@x86_64
@pytest.mark.parametrize("imported", [False, True], ids=["own", "imported"])
def test_without_the_reservation_checked_code_runs(weft_bin, tmp_path, imported):
    """RLIMIT_AS of 2 GiB (as tests/cli_wasm/test_budget.py and memory-capped
    containers have) refuses the 8 GiB reservation: the memory is reserved at
    its maximum and the compiled code checks every access."""
    if is_asan(weft_bin):
        pytest.skip("ASan's shadow needs terabytes of address space")
    path = tmp_path / "guard.wast"
    path.write_text(script(imported))
    r = wast(weft_bin, path, "jit", as_limit=2 << 30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert " 0 failed" in r.stdout
    assert "no guarded reservation" in r.stderr
    assert "functions compiled to" in r.stderr


@x86_64
def test_guarded_code_has_no_bounds_checks(weft_bin, wat):
    """The guarded variant is smaller: the same module compiles to fewer
    bytes when its memory has the reservation than when it does not."""
    if is_asan(weft_bin):
        pytest.skip("ASan's shadow needs terabytes of address space")
    body = " ".join(f"(drop (i32.load offset={4 * i} (local.get 0)))" for i in range(64))
    path = wat(f'(module (memory 1) (func (export "f") (param i32) {body}))')
    sizes = {}
    for limit in (None, 2 << 30):
        env = dict(os.environ, WEFT_WASM_TIER="jit")

        def cap(limit=limit):
            if limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        r = subprocess.run([weft_bin, "--debug", "wasm", "run", "--invoke", "f", path, "0"],
                           capture_output=True, text=True, env=env, timeout=60, preexec_fn=cap)
        assert r.returncode == 0, r.stderr
        line = [l for l in r.stderr.splitlines() if "functions compiled to" in l][0]
        sizes[limit] = int(line.split("compiled to ")[1].split()[0])
    # 64 accesses each lose a lea, a cmp and a jump (14 bytes); the landing
    # the guarded function ends with adds 5
    assert sizes[None] + 64 * 14 - 5 <= sizes[2 << 30]


@x86_64
def test_aot_file_of_the_other_variant_is_rejected(weft_bin, tmp_path, wat):
    """An AOT cache file records which variant its code is: compiled where
    the reservation was refused, it is refused where memories are guarded
    (and the other way round), and the module compiles instead; a file of
    the right variant is used and its unchecked accesses still trap."""
    if is_asan(weft_bin):
        pytest.skip("ASan's shadow needs terabytes of address space")
    path = wat('(module (memory 1) (func (export "ld") (param i32) (result i32)'
               ' (i32.load (local.get 0))))')
    env = dict(os.environ, WEFT_WASM_TIER="jit")

    def weft(*args, limited=False):
        def cap():
            resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        return subprocess.run([weft_bin, "--debug", "wasm", *map(str, args)], capture_output=True,
                              text=True, env=env, timeout=60, preexec_fn=cap if limited else None)

    files = {}
    for limited in (False, True):
        files[limited] = tmp_path / f"{'checked' if limited else 'guarded'}.aot"
        r = weft("compile", path, "-o", files[limited], limited=limited)
        assert r.returncode == 0, r.stderr
    for limited in (False, True):
        for file_limited in (False, True):
            r = weft("run", "--aot", files[file_limited], "--invoke", "ld", path, "65533",
                     limited=limited)
            assert r.returncode != 0
            assert "trap: out of bounds memory access (in func 0)" in r.stderr
            if limited == file_limited:
                assert "machine code loaded from the AOT cache" in r.stderr, r.stderr
            else:
                want = ("compiled for guarded memories, this process has unguarded ones"
                        if limited else
                        "compiled for unguarded memories, this process has guarded ones")
                assert want in r.stderr, r.stderr
            r = weft("run", "--aot", files[file_limited], "--invoke", "ld", path, "65532",
                     limited=limited)
            assert r.returncode == 0 and r.stdout == "i32:0\n", r.stderr
