# `weft wasm run --max-memory`: one memory budget for everything a module can
# make weft allocate (its memories, tables, stack, instance and loaded code),
# and --max-stack checked against it.
#
# The hostile modules ask for gigabytes. Each run is under an address-space
# limit (RLIMIT_AS, set in the child before exec), so a regression fails the
# test instead of taking the host's memory. An ASan build (make check-asan)
# needs terabytes of address space for its shadow: it runs under ASan's own
# RSS cap instead, and the RSS figures (redzones, quarantine) are not checked.
import functools
import os
import subprocess
import sys

import pytest

AS_LIMIT = 2 << 30  # address space for one weft run under test


@functools.lru_cache(maxsize=None)
def is_asan(weft_bin):
    with open(weft_bin, "rb") as f:
        return b"__asan_init" in f.read()


def run_limited(weft_bin, *args, as_limit=AS_LIMIT, timeout=120):
    """Run `weft wasm ARGS` under RLIMIT_AS; returns (code, out, err, peak RSS in KiB)."""
    env = dict(os.environ)
    if is_asan(weft_bin):
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                               f":hard_rss_limit_mb={as_limit >> 20}").lstrip(":")
        as_limit = -1  # RLIM_INFINITY
    # A fresh interpreter waits for exactly one child, so RUSAGE_CHILDREN is
    # that child's peak RSS.
    probe = (
        "import resource, subprocess, sys\n"
        "lim = int(sys.argv[1])\n"
        "def cap():\n"
        "    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))\n"
        "p = subprocess.run(sys.argv[2:], capture_output=True, text=True, preexec_fn=cap,\n"
        "                   stdin=subprocess.DEVNULL)\n"
        "sys.stdout.write(p.stdout)\n"
        "sys.stderr.write(p.stderr)\n"
        "sys.stderr.write('\\nrss %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(p.returncode if p.returncode >= 0 else 128 - p.returncode)\n"
    )
    p = subprocess.run([sys.executable, "-c", probe, str(as_limit), weft_bin, "wasm",
                        *map(str, args)], capture_output=True, text=True, timeout=timeout,
                       env=env)
    err, _, rss = p.stderr.rpartition("\nrss ")
    return p.returncode, p.stdout, err, int(rss)


def leb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def section(sid, content):
    return bytes([sid]) + leb(len(content)) + content


def empty_functions_module(n):
    """n functions of type [] -> [] with empty bodies (4 bytes each); the
    first is _start, so it runs as a WASI command."""
    return (b"\0asm\1\0\0\0" + section(1, b"\x01\x60\x00\x00")
            + section(3, leb(n) + b"\x00" * n)
            + section(7, b"\x01\x06_start\x00\x00")
            + section(10, leb(n) + b"\x02\x00\x0b" * n))


def tables_wat(n):
    """n funcref tables; "grow" grows each by its argument and returns how
    many grows succeeded."""
    tables = "\n".join(f"  (table $t{i} 0 funcref)" for i in range(n))
    grows = "\n".join(
        f"    (local.set $n (i32.add (local.get $n) (i32.ne (table.grow $t{i} (ref.null func)"
        f" (local.get 0)) (i32.const -1))))" for i in range(n))
    return f"""(module
{tables}
  (func (export "grow") (param i32) (result i32) (local $n i32)
{grows}
    (local.get $n)))
"""


# A frame of 32 locals and a self call that never ends.
RECURSE = """
(module
  (func $r (export "r") (param i32) (result i32)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (i32.add (i32.const 1) (call $r (local.get 0)))))
"""


def test_tables_count_against_max_memory(weft_bin, wat):
    # 100 tables grown by 10M elements: 8 GB asked for; not one 80 MB grow
    # fits a 64 MiB budget, so every table.grow returns -1 (no trap)
    m = wat(tables_wat(100))
    code, out, err, _ = run_limited(weft_bin, "run", "--max-memory", "64M", "--invoke", "grow",
                                    m, "i32:10000000")
    assert (code, out) == (0, "i32:0\n"), err
    # 1M elements (8 MB) a grow: at most 8 fit in 64 MiB, not 100
    code, out, err, _ = run_limited(weft_bin, "run", "--max-memory", "64M", "--invoke", "grow",
                                    m, "i32:1000000")
    assert code == 0, err
    assert 1 <= int(out.strip().split(":")[1]) <= 8, out


@pytest.mark.parametrize("args", [
    ["--max-stack", "4294967295"],
    ["--max-memory", "16M", "--max-stack", "1000000"],
])
def test_max_stack_beyond_the_budget_is_refused(wasm, wat, args):
    r = wasm("run", *args, "--invoke", "r", wat(RECURSE), "i32:1")
    assert r.code == 2, r
    assert r.out == ""
    assert "memory budget of" in r.err and "--max-stack" in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1, r.err


def test_max_stack_within_the_budget_is_accepted(wasm, wat):
    r = wasm("run", "--max-memory", "16M", "--max-stack", "100000", "--invoke", "r",
             wat(RECURSE), "i32:1")
    assert r.code == 134 and "call stack exhausted" in r.err, r


def test_recursion_stops_at_the_budget(weft_bin, wat):
    # 32 locals a frame: the 128 MiB stack the engine maps would fill long
    # before the default 200,000 frames; the 16 MiB budget stops it first
    code, out, err, rss = run_limited(weft_bin, "run", "--max-memory", "16M", "--invoke", "r",
                                      wat(RECURSE), "i32:1")
    assert code == 134, err
    assert "call stack exhausted: the stack reached the memory budget of 16777216 bytes" in err
    if not is_asan(weft_bin):
        assert rss < 64 << 10, f"peak RSS {rss} KiB for a 16 MiB budget"


def test_module_larger_than_the_budget_is_refused(weft_bin, tmp_path):
    # 200,000 empty functions (800 KB of module) need more than 4 MiB loaded
    p = tmp_path / "empty.wasm"
    p.write_bytes(empty_functions_module(200000))
    code, out, err, _ = run_limited(weft_bin, "run", "--max-memory", "4M", str(p))
    assert code == 1, err
    assert "the module needs more than the memory budget of 4194304 bytes" in err, err
    assert len(err.strip().splitlines()) == 1, err
    code, out, err, _ = run_limited(weft_bin, "run", "--max-memory", "256M", str(p))
    assert code == 0, err


def test_load_memory_is_proportional(weft_bin, tmp_path):
    # peak RSS per empty function (4 bytes of binary), load + instantiate +
    # run: about 780 bytes before the code arena, about 190 now
    if is_asan(weft_bin):
        pytest.skip("ASan's allocator changes the figures")
    small, big = tmp_path / "one.wasm", tmp_path / "big.wasm"
    small.write_bytes(empty_functions_module(1))
    big.write_bytes(empty_functions_module(1000000))
    c1, _, e1, rss_small = run_limited(weft_bin, "run", str(small))
    c2, _, e2, rss_big = run_limited(weft_bin, "run", str(big))
    assert (c1, c2) == (0, 0), (e1, e2)
    per_func = (rss_big - rss_small) * 1024 / 1000000
    assert per_func < 300, f"{per_func:.0f} bytes of peak RSS per empty function"
