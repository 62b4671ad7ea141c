"""Wasm workloads in containers: the handler chosen by annotations and by
content, the module running inside the fully set-up container."""
import os
import shutil
import subprocess
import time

import pytest

from wasm_engines import ENGINES, ChrootMounts, engine_weft_class, find_engine

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Weft0:
    """The least a Weft is, for probing before a test's own exists."""

    def __init__(self, binary, root):
        self.binary, self.root = binary, root

    def cmd(self, *args, glob=()):
        return [self.binary, *args] if args[:1] == ("--version",) else \
            [self.binary, "--root", self.root, *glob, *args]


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, weft_bin):
    """Each engine present here, once: builtin, WasmEdge, WAMR, wasmtime, wasmer."""
    env, reason = find_engine(request.param)
    if env is None:
        pytest.skip(f"engine {request.param}: {reason}")
    mounts = None
    if env.chroot:
        mounts = ChrootMounts(env.chroot, os.path.dirname(os.path.abspath(weft_bin)))
        try:
            mounts.setup()
        except Exception:
            mounts.teardown()
            raise
        # a dynamically linked weft (the ASan build) needs libraries the root lacks
        probe = engine_weft_class(Weft0)(weft_bin, "/run/weft-probe", env, "/dev/null")
        r = subprocess.run(probe.cmd("--version"), capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            mounts.teardown()
            pytest.skip(f"engine {request.param}: this weft does not run inside {env.chroot} "
                        f"({r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode})")
    try:
        yield env
    finally:
        if mounts:
            mounts.teardown()


@pytest.fixture
def ew(engine, weft, tmp_path):
    """weft with weft.conf naming `engine` as the default engine."""
    cfg = tmp_path / "weft.conf"
    cfg.write_text(engine.config_text())
    w = engine_weft_class(type(weft))(weft.binary, weft.root + "-" + engine.name, engine,
                                      str(cfg))
    yield w
    for c in w.ids():
        subprocess.run(w.cmd("delete", "--force", c), capture_output=True, timeout=60)


def built_module(name):
    build = os.environ.get("WEFT_BUILD", os.path.join(ROOT, "build"))
    path = os.path.join(os.path.dirname(os.environ.get("WEFT", "")) or build, "tests", "wasm",
                        name)
    if not os.path.exists(path):
        path = os.path.join(build, "tests", "wasm", name)
    assert os.path.exists(path), f"{name} is built by meson (tests/wasm)"
    return path


def wasm_bundle(make_bundle, args, annotations, module="hello.wasm", dest="/app/hello.wasm"):
    b = make_bundle(args, annotations=annotations)
    os.makedirs(os.path.join(b.rootfs, os.path.dirname(dest.lstrip("/"))), exist_ok=True)
    shutil.copy(built_module(module), os.path.join(b.rootfs, dest.lstrip("/")))
    return b


@pytest.mark.parametrize("annotations", [
    {"module.wasm.image/variant": "compat"},
    {"module.wasm.image/variant": "compat-smart"},
    {"run.oci.handler": "wasm"},
    {"run.oci.handler": "wasm-smart"},
    {"run.oci.handler": "ENGINE"},
], ids=["compat", "compat-smart", "wasm", "wasm-smart", "named"])
def test_annotation_forms_run_wasm(ew, engine, make_bundle, cid, annotations):
    # argv is process.args (not joined), env is process.env, / is preopened,
    # the exit status is the module's
    annotations = {k: engine.name if v == "ENGINE" else v for k, v in annotations.items()}
    b = wasm_bundle(make_bundle, ["/app/hello.wasm", "7", "two words"], annotations)
    b.config["process"]["env"].append("GREETING=hi")
    b.write()
    r = ew("run", "--bundle", b.path, cid)
    assert "argc=3" in r.stdout
    assert "argv[2]=two words" in r.stdout
    assert "env GREETING=hi" in r.stdout
    assert "ls / app" in r.stdout and "ls / bin" in r.stdout
    assert r.returncode == 7


def test_entrypoint_through_path_and_cwd(ew, make_bundle, cid):
    # proc_exit(0) is success, not a failure
    b = wasm_bundle(make_bundle, ["hello.wasm", "0"], {"run.oci.handler": "wasm"})
    b.config["process"]["env"][0] = "PATH=/app:/bin"
    b.config["process"]["cwd"] = "/app"
    b.write()
    r = ew("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert "argc=2" in r.stdout
    assert "env PWD=/app" in r.stdout


def test_no_annotation_runs_native(weft, make_bundle, cid):
    b = wasm_bundle(make_bundle, ["/app/hello.wasm"], {})
    r = weft("run", "--bundle", b.path, cid)
    # a non-executable, non-ELF file: execve fails as it would in runc
    assert r.returncode in (126, 127)
    assert "exec" in r.stderr


def test_smart_mode_runs_native_sidecar(weft, make_bundle, cid):
    b = make_bundle(["sh", "-c", "echo native-sidecar"],
                    annotations={"module.wasm.image/variant": "compat-smart"})
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "native-sidecar\n"


@pytest.mark.parametrize("key", ["io.kubernetes.cri.container-type",
                                 "io.kubernetes.cri-o.ContainerType"])
def test_pod_sandbox_never_runs_as_wasm(weft, make_bundle, cid, key):
    b = make_bundle(["sh", "-c", "echo pause"],
                    annotations={"module.wasm.image/variant": "compat", key: "sandbox"})
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "pause\n"


def test_forced_wasm_with_native_entrypoint_is_a_clear_error(weft, make_bundle, cid):
    b = make_bundle(["/bin/busybox", "true"], annotations={"run.oci.handler": "wasm"})
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert "not a WebAssembly module" in r.stderr
    assert weft.ids() == []


@pytest.mark.parametrize("annotations,needle", [
    ({"run.oci.handler": "bogus"}, "run.oci.handler: unknown value 'bogus'"),
    ({"module.wasm.image/variant": "nope"}, "module.wasm.image/variant: unknown value 'nope'"),
])
def test_unknown_handler_values_are_errors(weft, make_bundle, cid, annotations, needle):
    b = wasm_bundle(make_bundle, ["/app/hello.wasm"], annotations)
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert needle in r.stderr
    assert weft.ids() == []


def test_invalid_module_fails_create_with_offset(weft, make_bundle, cid):
    b = make_bundle(["/app/bad.wasm"], annotations={"run.oci.handler": "wasm"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "bad.wasm"), "wb") as f:
        f.write(b"\0asm\x01\0\0\0\x01\xff\xff")
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert "bad.wasm" in r.stderr and "offset" in r.stderr
    assert weft.ids() == []


def test_component_is_refused_clearly(weft, make_bundle, cid):
    b = make_bundle(["/app/c.wasm"], annotations={"run.oci.handler": "wasm-smart"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "c.wasm"), "wb") as f:
        f.write(b"\0asm\x0d\0\x01\0")
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert "components are not supported" in r.stderr


def test_wat_entrypoint(ew, make_bundle, cid):
    b = make_bundle(["/app/hi.wat"], annotations={"module.wasm.image/variant": "compat-smart"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "hi.wat"), "w") as f:
        f.write('''(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wat\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 15))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 3))))
''')
    r = ew("run", "--bundle", b.path, cid)
    assert r.stdout == "hello from wat\n", r.stderr
    assert r.returncode == 3


def test_trap_exits_134_with_the_reason(ew, make_bundle, cid):
    b = wasm_bundle(make_bundle, ["/app/trap.wasm"], {"run.oci.handler": "wasm"},
                    module="trap.wasm", dest="/app/trap.wasm")
    r = ew("run", "--bundle", b.path, cid)
    assert r.returncode == 134, r.stderr
    assert "trap: " in r.stderr and "unreachable" in r.stderr, r.stderr


def test_kill_sigterm_ends_module_with_143(ew, make_bundle, cid):
    weft = ew
    b = make_bundle(["/app/spin.wat"], annotations={"run.oci.handler": "wasm"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "spin.wat"), "w") as f:
        f.write('(module (memory (export "memory") 1)'
                ' (func (export "_start") (loop $l (br $l))))')
    p = subprocess.Popen(weft.cmd("run", "--bundle", b.path, cid))
    deadline = time.time() + 10
    while time.time() < deadline:
        r = weft("state", cid)
        if r.returncode == 0 and '"running"' in r.stdout:
            break
        time.sleep(0.05)
    time.sleep(0.2)
    weft("kill", cid, "TERM", check=True)
    assert p.wait(timeout=20) == 143


def test_exec_into_wasm_container(ew, make_bundle, cid):
    weft = ew
    b = make_bundle(["/app/spin.wat"], annotations={"run.oci.handler": "wasm-smart"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "spin.wat"), "w") as f:
        f.write('(module (memory (export "memory") 1)'
                ' (func (export "_start") (loop $l (br $l))))')
    shutil.copy(built_module("hello.wasm"), os.path.join(b.rootfs, "app", "hello.wasm"))
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    r = weft("exec", cid, "/app/hello.wasm", "5")
    assert r.returncode == 5, r.stderr
    assert "argc=2" in r.stdout
    r = weft("exec", cid, "sh", "-c", "echo native in $(hostname)")
    assert r.stdout == "native in weft-test\n"


def test_memory_grow_past_cgroup_limit_returns_minus_one(ew, make_bundle, cid):
    weft = ew
    b = make_bundle(["/app/grow.wat"], annotations={"run.oci.handler": "wasm"})
    b.config["linux"]["resources"] = {"memory": {"limit": 64 * 1024 * 1024}}
    b.write()
    os.makedirs(os.path.join(b.rootfs, "app"))
    # grow one page at a time until memory.grow says -1; exit with 0 if the
    # memory stayed under the limit (not killed by the OOM killer).
    with open(os.path.join(b.rootfs, "app", "grow.wat"), "w") as f:
        f.write('''(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $pages i32)
    (block $done (loop $l
      (br_if $done (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
      ;; touch the new memory so it is really committed
      (i32.store (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 4)) (i32.const 1))
      (br $l)))
    (if (i32.gt_u (memory.size) (i32.const 1024)) (then (call $exit (i32.const 9))))
    (call $exit (i32.const 0))))
''')
    r = weft("run", "--bundle", b.path, cid, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr)


def limited_wasm_bundle(make_bundle, limit, text):
    b = make_bundle(["/app/m.wat"], annotations={"run.oci.handler": "wasm"})
    b.config["linux"]["resources"] = {"memory": {"limit": limit}}
    b.write()
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "m.wat"), "w") as f:
        f.write(text)
    return b


def test_table_grow_past_cgroup_limit_returns_minus_one(weft, make_bundle, cid):
    # tables count against the budget the cgroup limit gives: growing by 1M
    # elements (8 MB) at a time ends in -1 before the OOM killer would
    # end the container (exit 137)
    with open(weft.binary, "rb") as f:
        if b"__asan_init" in f.read():
            # its realloc copies (both buffers live) and its shadow and
            # quarantine are outside any budget
            pytest.skip("ASan's allocator does not fit a tight cgroup")
    b = limited_wasm_bundle(make_bundle, 64 * 1024 * 1024, '''(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (table $t 0 funcref)
  (func (export "_start") (local $n i32)
    (block $done (loop $l
      (br_if $done (i32.eq (table.grow $t (ref.null func) (i32.const 1000000)) (i32.const -1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $l)))
    (if (i32.gt_u (local.get $n) (i32.const 8)) (then (call $exit (i32.const 9))))
    (call $exit (i32.const 0))))
''')
    r = weft("run", "--bundle", b.path, cid, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr)


def test_deep_recursion_stops_at_the_cgroup_limit(weft, make_bundle, cid):
    # frames of 32 locals: the engine's 128 MiB stack would outgrow a 32 MiB
    # container; the budget stops the recursion with a trap first
    b = limited_wasm_bundle(make_bundle, 32 * 1024 * 1024, '''(module
  (func $r (export "_start")
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (local i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (call $r)))
''')
    r = weft("run", "--bundle", b.path, cid, timeout=120)
    assert r.returncode == 134, (r.returncode, r.stderr)
    assert "the stack reached the memory budget" in r.stderr


def test_infinite_recursion_traps_instead_of_crashing(weft, make_bundle, cid):
    b = make_bundle(["/app/rec.wat"], annotations={"run.oci.handler": "wasm"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "rec.wat"), "w") as f:
        f.write('(module (memory (export "memory") 1)'
                ' (func $down (export "_start") (call $down)))')
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 134
    assert "call stack exhausted" in r.stderr
    assert weft.ids() == []


def test_wasm_on_a_terminal(ew, make_bundle, cid, tmp_path):
    weft = ew
    import array
    import socket
    import threading
    sock = str(tmp_path / "console.sock")
    result = {}

    def receive():
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(sock)
        srv.listen(1)
        srv.settimeout(30)
        conn, _ = srv.accept()
        fds = array.array("i")
        _, anc, _, _ = conn.recvmsg(1024, socket.CMSG_SPACE(fds.itemsize))
        for level, typ, data in anc:
            fds.frombytes(data[:fds.itemsize])
        result["fd"] = fds[0]
        conn.close()
        srv.close()

    t = threading.Thread(target=receive)
    t.start()
    while not os.path.exists(sock):
        time.sleep(0.01)
    b = wasm_bundle(make_bundle, ["/app/hello.wasm", "4"], {"run.oci.handler": "wasm"})
    b.config["process"]["terminal"] = True
    b.write()
    weft("create", "--bundle", b.path, "--console-socket", sock, cid, check=True)
    t.join(30)
    weft("start", cid, check=True)
    data = b""
    while b"argc=2" not in data or b"ls / app" not in data:
        try:
            chunk = os.read(result["fd"], 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.close(result["fd"])
    assert b"argc=2" in data and b"ls / app" in data


def test_weft_wasm_link_is_smart_by_default(weft, make_bundle, cid, tmp_path):
    link = tmp_path / "weft-wasm"
    os.symlink(weft.binary, link)
    wasm = wasm_bundle(make_bundle, ["/app/hello.wasm", "6"], {})
    native = make_bundle(["sh", "-c", "echo native"])
    sandbox = wasm_bundle(make_bundle, ["/app/hello.wasm"],
                          {"io.kubernetes.cri.container-type": "sandbox"})
    as_wasm = subprocess.run([str(link), "--root", weft.root, "run", "--bundle", wasm.path,
                              cid + "w"], capture_output=True, text=True, timeout=60)
    assert as_wasm.returncode == 6 and "argc=2" in as_wasm.stdout
    as_native = subprocess.run([str(link), "--root", weft.root, "run", "--bundle", native.path,
                                cid + "n"], capture_output=True, text=True, timeout=60)
    assert as_native.returncode == 0 and as_native.stdout == "native\n"
    # a pod sandbox stays native even under weft-wasm: the .wasm is not executable
    pause = subprocess.run([str(link), "--root", weft.root, "run", "--bundle", sandbox.path,
                            cid + "s"], capture_output=True, text=True, timeout=60)
    assert pause.returncode in (126, 127)


def test_exec_decides_by_content(ew, make_bundle, cid):
    weft = ew
    # a native program exec'd into a forced-wasm (compat) container runs natively,
    # a module exec'd into a plain native container runs as wasm
    wasm = make_bundle(["/app/spin.wat"], annotations={"module.wasm.image/variant": "compat"})
    os.makedirs(os.path.join(wasm.rootfs, "app"))
    with open(os.path.join(wasm.rootfs, "app", "spin.wat"), "w") as f:
        f.write('(module (memory (export "memory") 1)'
                ' (func (export "_start") (loop $l (br $l))))')
    weft("run", "-d", "--bundle", wasm.path, cid, check=True)
    r = weft("exec", cid, "sh", "-c", "echo native in $(hostname)")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "native in weft-test\n"
    native = wasm_bundle(make_bundle, ["sleep", "60"], {})
    weft("run", "-d", "--bundle", native.path, cid + "n", check=True)
    r = weft("exec", cid + "n", "/app/hello.wasm", "3", "a b")
    assert r.returncode == 3, r.stderr
    assert "argv[2]=a b" in r.stdout


GROW_THEN_WAIT = '''(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "capped\\n")
  (func (export "_start") (local $first i32)
    ;; grow until refused, say so, then retry until a raised limit lets it
    (block $done (loop $l
      (br_if $done (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
      (br $l)))
    (local.set $first (memory.size))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 7))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (loop $retry
      (br_if $retry (i32.eq (memory.grow (i32.const 256)) (i32.const -1))))
    (if (i32.le_u (memory.size) (local.get $first)) (then (call $exit (i32.const 9))))
    (call $exit (i32.const 0))))
'''


def test_memory_cap_follows_update_and_log_names_the_limit(weft, make_bundle, cid, tmp_path):
    b = make_bundle(["/app/grow.wat"], annotations={"run.oci.handler": "wasm"})
    b.config["linux"]["resources"] = {"memory": {"limit": 32 * 1024 * 1024}}
    b.write()
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "grow.wat"), "w") as f:
        f.write(GROW_THEN_WAIT)
    log = tmp_path / "weft.log"
    p = subprocess.Popen(weft.cmd("--log", str(log), "run", "--bundle", b.path, cid),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"capped\n"
        weft("update", "--memory", str(128 * 1024 * 1024), cid, check=True)
        assert p.wait(timeout=60) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = log.read_text()
    assert "memory limit is %d bytes" % (32 * 1024 * 1024) in text, text


SPIN = '(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))'


def container_pid(weft, cid):
    import json
    return json.loads(weft("state", cid, check=True).stdout)["pid"]


@pytest.mark.parametrize("userns", [False, True], ids=["rootful", "userns"])
def test_ps_shows_the_module_and_its_arguments(ew, make_bundle, cid, userns):
    weft = ew
    # in a user namespace PR_SET_MM is refused: the argument area is rewritten in place
    b = make_bundle(["/app/spin.wat", "--port", "two words"],
                    annotations={"run.oci.handler": "wasm"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "spin.wat"), "w") as f:
        f.write(SPIN)
    if userns:
        b.config["linux"]["namespaces"].append({"type": "user"})
        for k in ("uidMappings", "gidMappings"):
            b.config["linux"][k] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        b.config["mounts"] = [m for m in b.config["mounts"]
                              if m["type"] not in ("sysfs", "mqueue")]
        b.write()
        p = b.path
        while p not in ("/", "/tmp"):
            os.chmod(p, os.stat(p).st_mode | 0o711)
            p = os.path.dirname(p)
        subprocess.run(["chown", "-R", "100000:100000", b.rootfs], check=True)
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    pid = container_pid(weft, cid)
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        assert f.read().rstrip(b"\0") == b"/app/spin.wat\0--port\0two words"
    with open("/proc/%d/comm" % pid) as f:
        assert f.read().strip() == "spin.wat"
    # what `ps` inside the container shows, for an exec'd module too
    r = weft("exec", cid, "ps", "-o", "args")
    assert "/app/spin.wat --port two words" in r.stdout, r.stdout
    assert "--bundle" not in r.stdout


def simd_module():
    body = b"\x00" + b"\xfd\x0c" + bytes(16) + b"\x1a\x0b"
    code = b"\x01" + bytes([len(body)]) + body
    return (b"\0asm\x01\0\0\0" + b"\x01\x04\x01\x60\x00\x00" + b"\x03\x02\x01\x00" +
            b"\x0a" + bytes([len(code)]) + code)


def v128_block_module():
    body = b"\x00" + b"\x02\x7b" + b"\x00" + b"\x0b" + b"\x1a\x0b"
    code = b"\x01" + bytes([len(body)]) + body
    return (b"\0asm\x01\0\0\0" + b"\x01\x04\x01\x60\x00\x00" + b"\x03\x02\x01\x00" +
            b"\x0a" + bytes([len(code)]) + code)


@pytest.mark.parametrize("module,needle", [
    (simd_module(), "uses SIMD (v128.const)"),
    (v128_block_module(), "uses SIMD (a v128 block type)"),
    (b"\0asm\x01\0\0\0\x0d\x03\x01\x00\x00", "uses exception handling (tag section)"),
    (b"\0asm\x01\0\0\0\x05\x04\x01\x03\x01\x01", "uses threads (shared memory)"),
], ids=["simd", "v128-type", "exceptions", "threads"])
def test_unsupported_feature_is_named(weft, make_bundle, cid, module, needle):
    b = make_bundle(["/app/m.wasm"], annotations={"run.oci.handler": "wasm"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "m.wasm"), "wb") as f:
        f.write(module)
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert needle in r.stderr, r.stderr
    assert weft.ids() == []


def absent_engine():
    for name in ("wasmtime", "wasmer", "wamr", "wasmedge"):
        env, _ = find_engine(name)
        if env is None:
            return name
    pytest.skip("every external engine's library is present here")


def run_with_config(weft, text, tmp_path, *args):
    cfg = tmp_path / "weft.conf"
    cfg.write_text(text)
    env = dict(os.environ, WEFT_CONFIG=str(cfg))
    return weft(*args, env=env)


def test_missing_engine_library_fails_create_in_one_line(weft, make_bundle, cid, tmp_path):
    name = absent_engine()
    b = wasm_bundle(make_bundle, ["/app/hello.wasm"], {"run.oci.handler": name})
    empty = tmp_path / "no-libs"
    empty.mkdir()
    r = run_with_config(weft, f"engine_library_path = {empty}\n", tmp_path,
                        "create", "--bundle", b.path, cid)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"engine '{name}'" in lines[0] and str(empty) in lines[0], lines[0]
    from wasm_engines import LIBS
    assert LIBS[name] in lines[0], lines[0]
    assert weft.ids() == []


def test_default_engine_from_weft_conf(weft, make_bundle, cid, tmp_path):
    # `wasm` uses the configured default engine: an absent one fails the same way
    name = absent_engine()
    b = wasm_bundle(make_bundle, ["/app/hello.wasm"], {"run.oci.handler": "wasm"})
    r = run_with_config(weft, f"# the default engine\ndefault_engine = {name}\n", tmp_path,
                        "create", "--bundle", b.path, cid)
    assert r.returncode != 0 and f"engine '{name}'" in r.stderr, r.stderr
    assert weft.ids() == []
    # and `builtin` by name still runs on weft's own engine
    b = wasm_bundle(make_bundle, ["/app/hello.wasm", "4"], {"run.oci.handler": "builtin"})
    r = run_with_config(weft, f"default_engine = {name}\n", tmp_path, "run", "--bundle", b.path,
                        cid)
    assert r.returncode == 4, r.stderr


def test_missing_companion_is_one_clear_line(weft, make_bundle, cid, tmp_path):
    alone = tmp_path / "bin"
    alone.mkdir()
    shutil.copy(weft.binary, alone / "weft")
    b = wasm_bundle(make_bundle, ["/app/hello.wasm"], {"run.oci.handler": "wamr"})
    env = dict(os.environ, PATH="/usr/bin:/bin", WEFT_CONFIG=str(tmp_path / "none.conf"))
    r = subprocess.run([str(alone / "weft"), "--root", weft.root, "create", "--bundle", b.path,
                        cid], capture_output=True, text=True, env=env, timeout=60)
    if os.path.exists("/usr/libexec/weft/weft-engines"):
        pytest.skip("weft-engines is installed in /usr/libexec/weft")
    assert r.returncode != 0
    assert "engine 'wamr' runs in weft's engines companion, weft-engines" in r.stderr, r.stderr
    assert str(alone) in r.stderr
    assert weft.ids() == []


@pytest.mark.parametrize("text,needle", [
    ("colour = blue\n", "weft.conf:1: unknown key 'colour'"),
    ("\n# x\ndefault_engine\n", "weft.conf:3: expected KEY = VALUE"),
    ("default_engine = v8\n", "default_engine: unknown engine 'v8'"),
])
def test_bad_weft_conf_is_named(weft, make_bundle, cid, tmp_path, text, needle):
    b = wasm_bundle(make_bundle, ["/app/hello.wasm"], {"run.oci.handler": "wasm"})
    r = run_with_config(weft, text, tmp_path, "create", "--bundle", b.path, cid)
    assert r.returncode != 0 and needle in r.stderr, r.stderr
    assert weft.ids() == []


def test_native_containers_never_read_weft_conf(weft, make_bundle, cid, tmp_path):
    b = make_bundle(["sh", "-c", "echo native"])
    r = run_with_config(weft, "this is not a config\n", tmp_path, "run", "--bundle", b.path, cid)
    assert r.returncode == 0 and r.stdout == "native\n", r.stderr


FIRST_SYMBOL = {"wasmedge": "WasmEdge_ConfigureCreate", "wamr": "wasm_runtime_init",
                "wasmtime": "wasm_engine_new", "wasmer": "wasm_engine_new"}


@pytest.mark.parametrize("name", ["wasmedge", "wamr", "wasmtime", "wasmer"])
def test_engine_library_without_its_api_is_refused(weft, make_bundle, cid, tmp_path, name):
    # weft opens the file weft.conf points at and names the first function
    # of the engine's API it lacks: the loader path of every backend, also
    # those whose engine cannot be installed here
    from wasm_engines import LIBS
    if shutil.which("cc") is None:
        pytest.skip("no C compiler to make a stub library")
    libdir = tmp_path / "lib"
    libdir.mkdir()
    src = tmp_path / "stub.c"
    src.write_text("int weft_stub_engine(void) { return 0; }\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(libdir / LIBS[name]), str(src)],
                   check=True)
    b = wasm_bundle(make_bundle, ["/app/hello.wasm"], {"run.oci.handler": name})
    r = run_with_config(weft, f"engine_library_path = {libdir}\n", tmp_path,
                        "create", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert (f"engine '{name}': the library has no {FIRST_SYMBOL[name]}" in r.stderr), r.stderr
    assert weft.ids() == []


def refusing_exec_memory():
    """A seccomp filter that fails every mmap and mprotect asking for
    PROT_EXEC (EPERM): no new executable memory once it applies."""
    prot_exec = {"index": 2, "value": 4, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["mmap", "mprotect"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 1, "args": [prot_exec]}],
    }


def test_seccomp_refusing_executable_memory(weft, make_bundle, cid):
    """A filter that fails mmap/mprotect with PROT_EXEC is loaded after the
    module: the handler compiles it beforehand, so it still runs (compiled,
    or interpreted where even that is refused), with the same output."""
    b = wasm_bundle(make_bundle, ["/app/hello.wasm", "5"], {"run.oci.handler": "wasm"})
    b.config["linux"]["seccomp"] = refusing_exec_memory()
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 5, r.stderr
    assert "argc=2" in r.stdout


def test_seccomp_and_address_space_limit(weft, make_bundle, cid):
    """The same filter with an RLIMIT_AS of 2 GiB in process.rlimits, set
    after the module is compiled: the memory cannot get the 8 GiB guarded
    reservation, so the handler compiles the checked code (the filter
    refuses compiling it later) and the module runs."""
    with open(weft.binary, "rb") as f:
        if b"__asan_init" in f.read():
            pytest.skip("ASan's shadow needs terabytes of address space")
    b = wasm_bundle(make_bundle, ["/app/hello.wasm", "5"], {"run.oci.handler": "wasm"})
    b.config["linux"]["seccomp"] = refusing_exec_memory()
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_AS", "soft": 2 << 30, "hard": 2 << 30}]
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 5, r.stderr
    assert "argc=2" in r.stdout


def test_native_container_skips_wasm_preparation(weft, make_bundle, cid, tmp_path):
    """A container that cannot run wasm (no annotation, not weft-wasm) does none
    of the wasm preparation: the cgroup's memory-limit file the engine would
    follow is not opened, nor weft.conf read."""
    if not shutil.which("strace"):
        pytest.fail("strace is needed (scripts/install-deps.sh installs it)")
    b = make_bundle(["true"])
    trace = tmp_path / "trace"
    r = subprocess.run(["strace", "-f", "-e", "trace=openat", "-o", str(trace),
                        *weft.cmd("run", "--bundle", b.path, cid)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    opened = [l for l in trace.read_text().splitlines()
              if "memory.max" in l or "memory.limit_in_bytes" in l or "weft.conf" in l]
    assert opened == [], opened
