"""The AOT cache for containers (docs/wasm-engine.md): for a confined
container (a seccomp filter here: the whole module is compiled before it
applies), `weft create` hands the container's process a read-only fd of the
module's cache file, so it runs cached machine code instead of compiling.
The file comes from `weft wasm compile`, or, with `aot_fill = yes` in
weft.conf, from `create` itself on the container's first start (off by
default: that compiles the image's module on the host side). A file that
was tampered with, or that others could write, is never run. An unconfined
container uses it too: a file for the exact bytes it loads spares it
validating the function bodies."""
import os
import shutil
import stat
import struct

import pytest

from test_wasm_containers import built_module

pytestmark = pytest.mark.skipif(os.uname().machine != "x86_64",
                                reason="the compiled tier is x86-64's")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "aot"
    monkeypatch.setenv("WEFT_WASM_CACHE", str(d))
    monkeypatch.delenv("WEFT_WASM_TIER", raising=False)
    conf = tmp_path / "weft.conf"
    conf.write_text("aot_fill = yes\n")
    monkeypatch.setenv("WEFT_CONFIG", str(conf))
    return d


SECCOMP = {"defaultAction": "SCMP_ACT_ALLOW",
           "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}


def bundle(make_bundle, confined=True):
    b = make_bundle(["/app/hello.wasm", "7"], annotations={"run.oci.handler": "wasm"})
    if confined:
        b.config["linux"]["seccomp"] = SECCOMP
        b.write()
    os.makedirs(os.path.join(b.rootfs, "app"))
    shutil.copy(built_module("hello.wasm"), os.path.join(b.rootfs, "app", "hello.wasm"))
    return b


def aot_files(cache):
    return [p for p in cache.iterdir() if p.suffix == ".aot"]


def run(weft, b, cid, log):
    r = weft("--debug", "--log", str(log), "run", "--bundle", b.path, cid)
    weft("delete", "--force", cid)
    return r, log.read_text()


def test_second_start_uses_the_cache(weft, make_bundle, cid, cache, tmp_path):
    b = bundle(make_bundle)
    r1, log1 = run(weft, b, cid, tmp_path / "1.log")
    assert r1.returncode == 7, r1.stderr
    assert "compiled the entrypoint into the AOT cache" in log1, log1
    files = aot_files(cache)
    assert len(files) == 1 and files[0].suffix == ".aot", files
    st = files[0].stat()
    assert stat.S_IMODE(st.st_mode) == 0o644 and st.st_uid == os.geteuid()
    assert "machine code loaded from the AOT cache" in log1, log1
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "compiled the entrypoint into" not in log2, log2
    assert "machine code loaded from the AOT cache (%s)" % files[0] in log2, log2
    # its code is the file's own pages, not a copy (jit/jit_aot.c)
    assert "the AOT cache file's code mapped in place" in log2, log2
    assert "compiling it instead" not in log2, log2


def test_tampered_cache_file_is_rejected(weft, make_bundle, cid, cache, tmp_path):
    b = bundle(make_bundle)
    r1, _ = run(weft, b, cid, tmp_path / "1.log")
    (f,) = aot_files(cache)
    data = bytearray(f.read_bytes())
    # a byte of every function's code (the table: 16 bytes a function at
    # 160; the code from the page the header says, at 128)
    nfuncs, = struct.unpack_from("<I", data, 120)
    code_at, = struct.unpack_from("<Q", data, 128)
    for i in range(nfuncs):
        data[code_at + struct.unpack_from("<I", data, 160 + 16 * i)[0] + 1] ^= 0x01
    f.write_bytes(bytes(data))
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    # the file's code is mapped and each function taken on its first call,
    # confined or not: a damaged one is refused then, and compiled instead
    assert "the AOT cache file's code mapped" in log2, log2
    assert "checksum mismatch (corrupt); compiling it instead" in log2, log2


def test_cache_file_others_can_write_is_not_opened(weft, make_bundle, cid, cache, tmp_path):
    b = bundle(make_bundle)
    r1, _ = run(weft, b, cid, tmp_path / "1.log")
    (f,) = aot_files(cache)
    os.chmod(f, 0o666)
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "writable by group or others" in log2, log2
    assert "loaded from the AOT cache" not in log2, log2


def test_cache_off(weft, make_bundle, cid, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("WEFT_WASM_CACHE", "off")
    b = bundle(make_bundle)
    r, log = run(weft, b, cid, tmp_path / "1.log")
    assert r.returncode == 7
    assert "AOT cache" not in log and not cache.exists()


def test_unconfined_container_uses_the_cache_to_skip_validation(weft, make_bundle, cid, cache,
                                                                tmp_path):
    """An unconfined container compiles on first call only what runs; a warm
    cache spares it validating the function bodies (and compiling what
    runs)."""
    b = bundle(make_bundle, confined=False)
    r1, log1 = run(weft, b, cid, tmp_path / "1.log")
    assert r1.returncode == 7, r1.stderr
    assert "compiled the entrypoint into" in log1, log1
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "machine code loaded from the AOT cache" in log2, log2
    assert "function bodies validated on first call" in log2, log2
    assert "compiled the entrypoint into" not in log2, log2


def test_file_for_other_bytes_spares_nothing(weft, make_bundle, cid, cache, tmp_path):
    """A cache file whose module is not the bytes the container loads (here
    the old module's file under the new module's name) is rejected, and the
    module is validated at load as without a cache."""
    b = bundle(make_bundle, confined=False)
    r1, _ = run(weft, b, cid, tmp_path / "1.log")
    (old,) = aot_files(cache)
    module = os.path.join(b.rootfs, "app", "hello.wasm")
    with open(module, "ab") as m:
        m.write(b"\x00\x04\x03abc")  # a custom section: other bytes, same code
    r = weft("wasm", "compile", module)
    assert r.returncode == 0, r.stderr
    (new,) = [p for p in aot_files(cache) if p != old]
    new.write_bytes(old.read_bytes())
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "rejected: compiled from another module" in log2, log2
    assert "function bodies validated on first call" not in log2, log2


def test_index_finds_the_file_without_reading_the_module(weft, make_bundle, cid, cache,
                                                         tmp_path):
    """The host side records the module file's identity (inode, size,
    times) in the cache's index; the next start finds the cache file there
    without reading and hashing the module. A changed module is another
    identity: looked up by content again."""
    b = bundle(make_bundle, confined=False)
    r1, log1 = run(weft, b, cid, tmp_path / "1.log")
    assert "found through the index" not in log1, log1
    (idx,) = [p for p in cache.iterdir() if p.suffix == ".idx"]
    assert stat.S_IMODE(idx.stat().st_mode) == 0o644
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "found through the index" in log2, log2
    assert "function bodies validated on first call" in log2, log2
    with open(os.path.join(b.rootfs, "app", "hello.wasm"), "ab") as m:
        m.write(b"\x00\x04\x03abc")
    r3, log3 = run(weft, b, cid, tmp_path / "3.log")
    assert r3.returncode == 7 and r3.stdout == r1.stdout
    assert "found through the index" not in log3, log3
    assert "compiled the entrypoint into" in log3, log3
    assert len(aot_files(cache)) == 2


def test_stale_index_entry_only_costs_a_rejection(weft, make_bundle, cid, cache, tmp_path):
    """An index entry naming another module's file (the index is never
    trusted): the container rejects the file and validates as usual."""
    b = bundle(make_bundle, confined=False)
    r1, _ = run(weft, b, cid, tmp_path / "1.log")
    (old,) = aot_files(cache)
    other = tmp_path / "other.wasm"
    other.write_bytes(open(os.path.join(b.rootfs, "app", "hello.wasm"), "rb").read()
                      + b"\x00\x04\x03abc")
    assert weft("wasm", "compile", str(other)).returncode == 0
    (new,) = [p for p in aot_files(cache) if p != old]
    (idx,) = [p for p in cache.iterdir() if p.suffix == ".idx"]
    idx.write_bytes(new.name.encode() + b"\0")
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "found through the index" in log2, log2
    assert "rejected: compiled from another module" in log2, log2
    assert "function bodies validated on first call" not in log2, log2


def test_create_fills_nothing_by_default(weft, make_bundle, cid, cache, tmp_path, monkeypatch):
    """Without aot_fill, no image's module is compiled on the host side: the
    container compiles inside, and the cache stays empty until `weft wasm
    compile` fills it, after which the container runs the cached code."""
    monkeypatch.delenv("WEFT_CONFIG")
    b = bundle(make_bundle)
    r1, log1 = run(weft, b, cid, tmp_path / "1.log")
    assert r1.returncode == 7, r1.stderr
    assert "compiled the entrypoint into" not in log1, log1
    assert not cache.exists() or list(cache.iterdir()) == []
    c = weft("wasm", "compile", os.path.join(b.rootfs, "app", "hello.wasm"))
    assert c.returncode == 0, c.stderr
    (f,) = aot_files(cache)
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "machine code loaded from the AOT cache (%s)" % f in log2, log2


def test_aot_fill_must_be_yes_or_no(weft, make_bundle, cid, cache, tmp_path, monkeypatch):
    conf = tmp_path / "bad.conf"
    conf.write_text("aot_fill = maybe\n")
    monkeypatch.setenv("WEFT_CONFIG", str(conf))
    b = bundle(make_bundle)
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert "aot_fill: expected yes or no, got 'maybe'" in r.stderr, r.stderr
    assert weft.ids() == []
