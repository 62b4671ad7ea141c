"""Hooks with the state on stdin and timeouts; terminals through
--console-socket (SCM_RIGHTS) as containerd and conmon use them."""
import array
import json
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest


def hook(path, script):
    return {"path": "/bin/sh", "args": ["sh", "-c", script]}


def test_all_hook_kinds_in_order_with_state(weft, make_bundle, cid, tmp_path):
    log = tmp_path / "hooks.log"
    b = make_bundle(["true"])
    b.config["hooks"] = {
        kind: [hook("/bin/sh", f"echo {kind} $(cat) >> {log}")]
        for kind in ("prestart", "createRuntime", "createContainer", "startContainer",
                     "poststart", "poststop")
    }
    # startContainer runs inside the container: give it the log's directory
    b.config["mounts"].append({"destination": str(tmp_path), "type": "bind",
                               "source": str(tmp_path), "options": ["rbind"]})
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    lines = log.read_text().splitlines()
    kinds = [l.split(" ", 1)[0] for l in lines]
    assert kinds == ["prestart", "createRuntime", "createContainer", "startContainer",
                     "poststart", "poststop"]
    for l in lines:
        state = json.loads(l.split(" ", 1)[1])
        assert state["id"] == cid
        assert state["bundle"] == os.path.realpath(b.path)
        assert state["ociVersion"].startswith("1.")
    statuses = {l.split(" ", 1)[0]: json.loads(l.split(" ", 1)[1])["status"] for l in lines}
    # runtime.md: "created" is the state after lifecycle step 2 (the environment
    # made), when prestart, createRuntime and createContainer run.
    assert statuses["prestart"] == statuses["createRuntime"] == "created"
    assert statuses["createContainer"] == "created"
    assert statuses["poststop"] == "stopped"


def test_failing_prestart_hook_fails_create_and_cleans_up(weft, make_bundle, cid):
    b = make_bundle(["true"])
    b.config["hooks"] = {"createRuntime": [hook("/bin/sh", "exit 3")]}
    b.write()
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert "createRuntime[0]" in r.stderr and "status 3" in r.stderr
    assert weft.ids() == []


def test_hook_timeout(weft, make_bundle, cid):
    b = make_bundle(["true"])
    b.config["hooks"] = {"prestart": [dict(hook("/bin/sh", "sleep 30"), timeout=1)]}
    b.write()
    t = time.time()
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert "timed out" in r.stderr
    assert time.time() - t < 20
    assert weft.ids() == []


def test_hook_env_and_args(weft, make_bundle, cid, tmp_path):
    out = tmp_path / "env"
    b = make_bundle(["true"])
    b.config["hooks"] = {"prestart": [{"path": "/bin/sh",
                                       "args": ["sh", "-c", f"echo $0 $HOOKVAR > {out}", "zero"],
                                       "env": ["HOOKVAR=set"]}]}
    b.write()
    weft("run", "--bundle", b.path, cid, check=True)
    assert out.read_text() == "zero set\n"


def receive_master(sock_path, result):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(1)
    srv.settimeout(30)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(1024, socket.CMSG_SPACE(fds.itemsize))
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(data[:fds.itemsize])
    result["fd"] = fds[0] if fds else None
    conn.close()
    srv.close()


def test_terminal_through_console_socket(weft, make_bundle, cid, tmp_path):
    sock = str(tmp_path / "console.sock")
    result = {}
    t = threading.Thread(target=receive_master, args=(sock, result))
    t.start()
    time.sleep(0.1)
    b = make_bundle(["sh", "-c", "tty; stty size; echo on-the-pty"])
    b.config["process"]["terminal"] = True
    b.config["process"]["consoleSize"] = {"height": 30, "width": 100}
    b.write()
    weft("create", "--bundle", b.path, "--console-socket", sock, cid, check=True)
    t.join(30)
    master = result["fd"]
    assert master is not None
    weft("start", cid, check=True)
    data = b""
    deadline = time.time() + 10
    while time.time() < deadline and b"on-the-pty" not in data:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    text = data.decode()
    assert "/dev/pts/0" in text
    assert "30 100" in text
    assert "on-the-pty" in text


def test_terminal_without_console_socket_is_refused_detached(weft, make_bundle, cid):
    b = make_bundle(["true"])
    b.config["process"]["terminal"] = True
    b.write()
    r = weft("create", "--bundle", b.path, cid)
    assert r.returncode != 0 and "--console-socket" in r.stderr
    assert weft.ids() == []


def delay_execve(pid):
    """strace the init so that its execve is held for a moment: the window
    between the release by `start` and the workload's execve, narrow in
    practice, made wide enough to hit every time."""
    p = subprocess.Popen(["strace", "-qq", "-o", "/dev/null", "-p", str(pid), "-e",
                          "trace=execve", "-e", "inject=execve:delay_enter=300000"],
                         stderr=subprocess.DEVNULL)
    while True:
        with open(f"/proc/{pid}/status") as f:
            if any(l.startswith("TracerPid:") and l.split()[1] != "0" for l in f):
                return p
        assert p.poll() is None, "strace could not attach"
        time.sleep(0.01)


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_poststart_runs_after_the_process_has_executed(weft, make_bundle, cid, tmp_path):
    # The hook reads the container's command line: before the execve it is
    # still weft's.
    log = tmp_path / "cmdline.log"
    b = make_bundle(["sleep", "30"])
    b.config["hooks"] = {"poststart": [hook(
        "/bin/sh",
        "read -r s; p=${s#*pid?:}; p=${p%%,*}; read -r c < /proc/$p/cmdline; "
        f"echo \"$c\" >> {log}")]}
    b.write()
    for i in range(3):
        name = f"{cid}-{i}"
        weft("create", "--bundle", b.path, name, check=True)
        tracer = delay_execve(weft.state(name)["pid"])
        try:
            weft("start", name, check=True)
        finally:
            tracer.kill()
            tracer.wait()
        weft("delete", "--force", name, check=True)
    lines = log.read_text().splitlines()
    assert len(lines) == 3
    assert all(l.startswith("sleep") for l in lines), lines


def test_start_reports_a_process_that_cannot_begin(weft, make_bundle, cid, tmp_path):
    # The entrypoint vanishes between create and start: execve fails after
    # the release, and start says so instead of running poststart.
    log = tmp_path / "poststart.log"
    b = make_bundle(["/bin/victim"])
    os.link(os.path.join(b.rootfs, "bin", "busybox"), os.path.join(b.rootfs, "bin", "victim"))
    b.config["hooks"] = {"poststart": [hook("/bin/sh", f"echo ran >> {log}")]}
    b.write()
    weft("create", "--bundle", b.path, cid, check=True)
    os.unlink(os.path.join(b.rootfs, "bin", "victim"))
    r = weft("start", cid)
    assert r.returncode == 127, r.stderr
    assert r.stderr.count("\n") == 1 and "/bin/victim" in r.stderr, r.stderr
    assert not log.exists()


def test_start_reports_a_wasm_module_that_cannot_be_instantiated(weft, make_bundle, cid,
                                                                  tmp_path):
    log = tmp_path / "poststart.log"
    b = make_bundle(["/app/m.wat"], annotations={"run.oci.handler": "wasm"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "m.wat"), "w") as f:
        f.write('(module (import "env" "missing" (func)) (func (export "_start")))')
    b.config["hooks"] = {"poststart": [hook("/bin/sh", f"echo ran >> {log}")]}
    b.write()
    weft("create", "--bundle", b.path, cid, check=True)
    r = weft("start", cid)
    assert r.returncode != 0
    assert r.stderr.count("\n") == 1 and "missing" in r.stderr, r.stderr
    assert not log.exists()
