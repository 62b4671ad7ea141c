"""Wasm workloads in containers: the handler chosen by annotations and by
content, the module running inside the fully set-up container."""
import os
import shutil
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


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
    {"run.oci.handler": "builtin"},
])
def test_annotation_forms_run_wasm(weft, make_bundle, cid, annotations):
    b = wasm_bundle(make_bundle, ["/app/hello.wasm", "7", "two words"], annotations)
    b.config["process"]["env"].append("GREETING=hi")
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert "argc=3" in r.stdout
    assert "argv[2]=two words" in r.stdout
    assert "env GREETING=hi" in r.stdout
    assert "ls / app" in r.stdout and "ls / bin" in r.stdout
    assert r.returncode == 7


def test_entrypoint_through_path_and_cwd(weft, make_bundle, cid):
    b = wasm_bundle(make_bundle, ["hello.wasm", "0"], {"run.oci.handler": "wasm"})
    b.config["process"]["env"][0] = "PATH=/app:/bin"
    b.config["process"]["cwd"] = "/app"
    b.write()
    r = weft("run", "--bundle", b.path, cid)
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
    ({"run.oci.handler": "wasmtime"}, "engine 'wasmtime' is not available"),
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


def test_wat_entrypoint(weft, make_bundle, cid):
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
    r = weft("run", "--bundle", b.path, cid)
    assert r.stdout == "hello from wat\n"
    assert r.returncode == 3


def test_trap_exits_134_and_names_the_function(weft, make_bundle, cid):
    b = wasm_bundle(make_bundle, ["/app/trap.wasm"], {"run.oci.handler": "wasm"},
                    module="trap.wasm", dest="/app/trap.wasm")
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 134
    assert "trap" in r.stderr


def test_kill_sigterm_ends_module_with_143(weft, make_bundle, cid):
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


def test_exec_into_wasm_container(weft, make_bundle, cid):
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


def test_memory_grow_past_cgroup_limit_returns_minus_one(weft, make_bundle, cid):
    b = make_bundle(["/app/grow.wat"], annotations={"run.oci.handler": "wasm"})
    b.config["linux"]["resources"] = {"memory": {"limit": 64 * 1024 * 1024}}
    b.write()
    os.makedirs(os.path.join(b.rootfs, "app"))
    # grow one page at a time until memory.grow says -1; exit with 0 if the
    # memory stayed under the limit (not killed by the OOM killer).
    with open(os.path.join(b.rootfs, "app", "grow.wat"), "w") as f:
        f.write('''(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1)
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


def test_wasm_on_a_terminal(weft, make_bundle, cid, tmp_path):
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


def test_seccomp_refusing_executable_memory(weft, make_bundle, cid):
    """A filter that fails mmap/mprotect with PROT_EXEC is loaded after the
    module: the handler compiles it beforehand, so it still runs (compiled,
    or interpreted where even that is refused), with the same output."""
    b = wasm_bundle(make_bundle, ["/app/hello.wasm", "5"], {"run.oci.handler": "wasm"})
    prot_exec = {"index": 2, "value": 4, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}
    b.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["mmap", "mprotect"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 1, "args": [prot_exec]}],
    }
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 5, r.stderr
    assert "argc=2" in r.stdout
