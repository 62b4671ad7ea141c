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
import time

import pytest

from test_wasm_containers import built_module, refusing_exec_memory

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


def test_warm_start_under_a_filter_refusing_executable_memory(weft, make_bundle, cid, cache,
                                                             tmp_path):
    """With the file, a confined container compiles nothing before its
    filter: the file's code is mapped then, and each function is taken on
    its first call with no system call, so a filter refusing any new
    executable memory still runs the compiled code."""
    b = bundle(make_bundle)
    b.config["linux"]["seccomp"] = refusing_exec_memory()
    b.write()
    r1, _ = run(weft, b, cid, tmp_path / "1.log")
    assert r1.returncode == 7, r1.stderr
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "the AOT cache file's code mapped in place" in log2, log2
    assert "compiling it instead" not in log2 and "interpreter" not in log2, log2


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


def settle():
    """Past the time after which the index may name a file's content
    (WF_AOT_SETTLED_SEC, src/wasm/aot_cache.h)."""
    time.sleep(2.2)


def test_index_finds_the_file_without_reading_the_module(weft, make_bundle, cid, cache,
                                                         tmp_path):
    """The host side records the module file's identity (inode, size,
    times) in the cache's index once the file has been left alone for 2 s;
    the next start finds the cache file there without reading the module,
    and the container, whose entrypoint has that identity all through its
    reading, is spared hashing it. A changed module is another identity
    (the kernel sets the change time, whatever the modification time says):
    looked up by content, and hashed, again."""
    b = bundle(make_bundle, confined=False)
    settle()
    r1, log1 = run(weft, b, cid, tmp_path / "1.log")
    assert "found through the index" not in log1, log1
    (idx,) = [p for p in cache.iterdir() if p.suffix == ".idx"]
    assert stat.S_IMODE(idx.stat().st_mode) == 0o644
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "found through the index" in log2, log2
    assert "not hashed: the AOT cache index vouches" in log2, log2
    assert "function bodies validated on first call" in log2, log2
    module = os.path.join(b.rootfs, "app", "hello.wasm")
    before = os.stat(module)
    with open(module, "ab") as m:
        m.write(b"\x00\x04\x03abc")
    os.utime(module, ns=(before.st_atime_ns, before.st_mtime_ns))
    r3, log3 = run(weft, b, cid, tmp_path / "3.log")
    assert r3.returncode == 7 and r3.stdout == r1.stdout
    assert "found through the index" not in log3, log3
    assert "compiled the entrypoint into" in log3, log3
    assert "not hashed" not in log3, log3
    assert len(aot_files(cache)) == 2


def test_a_module_changed_just_now_is_not_indexed(weft, make_bundle, cid, cache, tmp_path):
    """A file changed within the clock's tick of the last change may keep
    its times: the index names only files left alone for 2 s, so every
    start of a module just written looks it up by content and hashes it."""
    b = bundle(make_bundle, confined=False)
    for i in range(2):
        r, log = run(weft, b, cid, tmp_path / ("%d.log" % i))
        assert r.returncode == 7, r.stderr
        assert "index not written: the entrypoint changed in the last 2 s" in log, log
        assert "found through the index" not in log and "not hashed" not in log, log
    assert not [p for p in cache.iterdir() if p.suffix == ".idx"]


def test_entrypoint_resolved_elsewhere_inside_is_hashed(weft, make_bundle, cid, cache,
                                                        tmp_path):
    """The host finds the entrypoint in the rootfs, but inside the container
    a bind mount puts another module at that path: its identity is not the
    one the index vouched for, so the container hashes what it reads, the
    file (the rootfs module's) is rejected, and the mounted module runs."""
    b = bundle(make_bundle, confined=False)
    settle()
    r1, _ = run(weft, b, cid, tmp_path / "1.log")
    assert r1.returncode == 7, r1.stderr
    other = tmp_path / "other.wasm"
    other.write_bytes(open(os.path.join(b.rootfs, "app", "hello.wasm"), "rb").read()
                      + b"\x00\x04\x03abc")
    b.config["mounts"].append({"destination": "/app/hello.wasm", "type": "bind",
                               "source": str(other), "options": ["bind", "ro"]})
    b.write()
    r2, log2 = run(weft, b, cid, tmp_path / "2.log")
    assert r2.returncode == 7 and r2.stdout == r1.stdout
    assert "found through the index" in log2, log2
    assert "not hashed" not in log2, log2
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
