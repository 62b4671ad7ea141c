"""WEFT_PERFMAP=1 (src/wasm/jit/jit_perfmap.c): each compiled function gets a
line `START SIZE NAME` in /tmp/perf-PID.map, named from the module's name
section or wasm-function[N]. The guest blocks reading stdin, so while it runs
the test checks each line against the process's own mappings: the range lies
in executable memory and starts with the code the compiler emits for every
function (push rbx)."""
import os
import shutil
import subprocess
import time

import pytest

MODULE = """(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $reader (result i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 8))
    (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.load (i32.const 8)))
  (func (result i32) (call $reader))
  (func $_start (export "_start")
    (drop (call 2))))
"""


def maps(pid):
    """the process's executable mappings as (start, end) pairs"""
    out = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            rng, perms = line.split()[:2]
            if "x" in perms:
                a, b = rng.split("-")
                out.append((int(a, 16), int(b, 16)))
    return out


def read_map(path, want):
    """the map's lines once it has `want` of them (compilation is lazy)"""
    for _ in range(500):
        if os.path.exists(path):
            with open(path) as f:
                lines = f.read().splitlines()
            if len(lines) >= want:
                return lines
        time.sleep(0.01)
    pytest.fail(f"{path} never got {want} lines")


def test_perfmap_lines_point_at_the_code(weft_bin, tmp_path, monkeypatch):
    if shutil.which("wat2wasm") is None:
        pytest.skip("wat2wasm (wabt) is not installed")
    src = tmp_path / "m.wat"
    src.write_text(MODULE)
    mod = tmp_path / "m.wasm"
    subprocess.run(["wat2wasm", "--debug-names", str(src), "-o", str(mod)], check=True)
    env = dict(os.environ, WEFT_PERFMAP="1", WEFT_WASM_TIER="jit")
    proc = subprocess.Popen([weft_bin, "wasm", "run", str(mod)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    path = f"/tmp/perf-{proc.pid}.map"
    try:
        lines = read_map(path, 3)
        exe = maps(proc.pid)
        names = []
        with open(f"/proc/{proc.pid}/mem", "rb") as mem:
            for line in lines:
                start, size, name = line.split(" ", 2)
                start, size = int(start, 16), int(size, 16)
                assert size > 0, line
                assert any(a <= start and start + size <= b for a, b in exe), line
                mem.seek(start)
                assert mem.read(1) == b"\x53", line  # push rbx: a function's first byte
                names.append(name)
        # the three functions on the call stack, by name or by index
        assert sorted(names) == ["_start", "reader", "wasm-function[2]"], lines
    finally:
        proc.communicate(b"x", timeout=30)
        if os.path.exists(path):
            os.unlink(path)
    assert proc.returncode == 0


def test_no_perfmap_without_the_variable(weft_bin, wat):
    env = {k: v for k, v in os.environ.items() if k != "WEFT_PERFMAP"}
    proc = subprocess.Popen([weft_bin, "wasm", "run", wat('(module (func (export "_start")))')],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, (out, err)
    assert not os.path.exists(f"/tmp/perf-{proc.pid}.map")
