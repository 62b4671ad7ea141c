"""`weft wasm compile MODULE [-o FILE]`: the module's machine code ahead of
time, into the AOT cache (WEFT_WASM_CACHE) or FILE; `weft wasm run` then
runs it (`--aot FILE`, or the cache's file by content), gives the same
results and traps, and never runs a file that is damaged, cut short or
made for another module (it compiles instead, saying why under --debug)."""
import os
import platform
import stat
import struct
import subprocess

import pytest

from test_tier import FIB, INDIRECT

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64",
                                reason="the compiled tier has an x86-64 backend only")


def weft(weft_bin, args, cache):
    env = dict(os.environ)
    env.pop("WEFT_WASM_TIER", None)
    env["WEFT_WASM_CACHE"] = str(cache)
    return subprocess.run([weft_bin, "--debug", "wasm", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=60)


def traps(r):
    return [line for line in r.stderr.splitlines() if "trap" in line]


CALLS = [(FIB, "fib", "20"), (FIB, "load", "65532"), (FIB, "deep", "0"),
         (INDIRECT, "deep", "1000"), (INDIRECT, "pick", "1"), (INDIRECT, "pick", "7")]


def test_compile_into_the_cache_then_run_from_it(weft_bin, wat, tmp_path):
    cache = tmp_path / "cache"
    for text, fn, arg in CALLS:
        path = wat(text)
        fresh = weft(weft_bin, ["run", "--invoke", fn, path, arg], tmp_path / "none")
        assert "loaded from the AOT cache" not in fresh.stderr
        r = weft(weft_bin, ["compile", path], cache)
        assert r.returncode == 0, r.stderr
        cached = weft(weft_bin, ["run", "--invoke", fn, path, arg], cache)
        assert "machine code loaded from the AOT cache" in cached.stderr, cached.stderr
        assert (cached.returncode, cached.stdout) == (fresh.returncode, fresh.stdout)
        # traps name the same reason
        assert traps(cached) == traps(fresh)
    files = list(cache.iterdir())
    assert len(files) == 2 and all(f.suffix == ".aot" for f in files)
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o644 for f in files)


def test_output_file_and_rejections(weft_bin, wat, tmp_path):
    path, other = wat(FIB, "fib.wat"), wat(INDIRECT, "indirect.wat")
    out = tmp_path / "fib.aot"
    assert weft(weft_bin, ["compile", path, "-o", out], tmp_path / "c").returncode == 0
    good = out.read_bytes()

    def run_with(data, why):
        f = tmp_path / "x.aot"
        f.write_bytes(data)
        os.chmod(f, 0o644)
        r = weft(weft_bin, ["run", "--aot", f, "--invoke", "fib", path, "20"], tmp_path / "c")
        assert r.returncode == 0 and r.stdout == "i32:6765\n", r
        if why is None:
            assert "loaded from the AOT cache" in r.stderr, r.stderr
        else:
            assert "rejected: " + why in r.stderr, r.stderr
            assert "loaded from" not in r.stderr

    run_with(good, None)
    run_with(good[:-1], "checksum mismatch")
    run_with(good[:100], "truncated")
    run_with(b"", "not a weft AOT file")
    for at in (0, 20, 100, len(good) - 1):
        bad = bytearray(good)
        bad[at] ^= 0x40
        run_with(bytes(bad), "not a weft AOT file" if at == 0 else "checksum mismatch")
    # a byte of each function's code: a function is refused when its code is
    # taken, and compiled instead (the table: 16 bytes a function at 160; the
    # code from the page the header says, at 128)
    bad = bytearray(good)
    nfuncs, = struct.unpack_from("<I", good, 120)
    code_at, = struct.unpack_from("<Q", good, 128)
    assert code_at % 4096 == 0 and code_at >= 160 + 16 * nfuncs
    for i in range(nfuncs):
        bad[code_at + struct.unpack_from("<I", good, 160 + 16 * i)[0] + 1] ^= 0x40
    f = tmp_path / "x.aot"
    f.write_bytes(bytes(bad))
    os.chmod(f, 0o644)
    r = weft(weft_bin, ["run", "--aot", f, "--invoke", "fib", path, "20"], tmp_path / "c")
    assert r.returncode == 0 and r.stdout == "i32:6765\n", r
    assert "checksum mismatch (corrupt); compiling it instead" in r.stderr, r.stderr
    assert "0 of 3 functions taken from the AOT cache, 1 compiled" in r.stderr, r.stderr
    # another module's file
    assert weft(weft_bin, ["compile", other, "-o", tmp_path / "o.aot"], tmp_path / "c") \
        .returncode == 0
    run_with((tmp_path / "o.aot").read_bytes(), "compiled from another module")


def test_usage_and_errors(weft_bin, wat, tmp_path):
    r = weft(weft_bin, ["compile"], tmp_path)
    assert r.returncode == 2 and "usage: weft wasm compile MODULE [-o FILE]" in r.stderr
    r = weft(weft_bin, ["compile", tmp_path / "missing.wasm"], tmp_path)
    assert r.returncode == 1 and "missing.wasm" in r.stderr
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\1\0\0\0\x01")
    r = weft(weft_bin, ["compile", bad, "-o", tmp_path / "b.aot"], tmp_path)
    assert r.returncode == 1 and "bad.wasm" in r.stderr
    assert not (tmp_path / "b.aot").exists()
    r = weft(weft_bin, ["compile", wat(FIB)], "off")
    assert r.returncode == 2 and "-o FILE" in r.stderr
    # a file others can write is not opened
    out = tmp_path / "w.aot"
    assert weft(weft_bin, ["compile", wat(FIB), "-o", out], tmp_path).returncode == 0
    os.chmod(out, 0o666)
    r = weft(weft_bin, ["run", "--aot", out, "--invoke", "fib", wat(FIB), "10"], tmp_path)
    assert r.stdout == "i32:55\n" and "writable by group or others" in r.stderr
