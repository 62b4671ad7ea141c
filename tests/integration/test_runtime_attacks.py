"""Known runtime attacks, closed: the runtime binary cannot be overwritten
from inside a container (CVE-2019-5736 class); no host fd or cwd leaks in
(CVE-2024-21626 class, see also test_isolation.py)."""
import hashlib
import os
import shutil
import time

import pytest


def test_exec_runs_from_the_sealed_copy(weft, make_bundle, cid, tmp_path):
    """weft exec enters a running container, whose processes can see it: it
    re-executes itself from a sealed memfd (execveat with AT_EMPTY_PATH) before
    joining anything, and the sealed copy cannot be written."""
    import shutil
    import subprocess
    if not shutil.which("strace"):
        pytest.fail("strace is needed (scripts/install-deps.sh installs it)")
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    trace = tmp_path / "trace"
    r = subprocess.run(["strace", "-f", "-e", "trace=execve,execveat", "-o", str(trace),
                        *weft.cmd("exec", cid, "sh", "-c", "echo inside")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "inside\n"
    calls = [l for l in trace.read_text().splitlines() if "exec" in l and "= 0" in l]
    assert "AT_EMPTY_PATH" in calls[1], calls[:3]   # weft, then weft from the memfd


def test_entrypoint_that_is_the_runtime_is_refused(weft, make_bundle, cid):
    """The classic CVE-2019-5736 entrypoint: /proc/self/exe (and a bind mount
    of the binary) would make the container's process the host's weft."""
    b = make_bundle(["/proc/self/exe"])
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 126
    assert "refusing to run the container runtime's own binary" in r.stderr
    b = make_bundle(["/weft"])
    open(os.path.join(b.rootfs, "weft"), "w").close()
    b.config["mounts"].append({"destination": "/weft", "type": "bind", "source": weft.binary,
                               "options": ["bind", "ro"]})
    b.write()
    r = weft("run", "--bundle", b.path, cid + "b")
    assert r.returncode == 126
    assert weft.ids() == []


@pytest.fixture
def weft_copy(weft, tmp_path):
    """weft run from a private copy of the binary: if an attack below ever
    succeeded, it would overwrite this copy, not the build's."""
    d = tmp_path / "weftbin"
    d.mkdir()
    shutil.copy2(weft.binary, d / "weft")
    return type(weft)(str(d / "weft"), weft.root)


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def identity(path):
    st = os.stat(path)
    return f"{st.st_dev} {st.st_ino}"


def wait_for(pred, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_shared_pid_namespace_runs_from_the_sealed_copy(weft_copy, make_bundle, cid, tmp_path):
    """A hook of a container that shares weft's pid namespace sees weft: its
    /proc/PID/exe is not the host binary and cannot be written."""
    out = tmp_path / "exe.out"
    before = digest(weft_copy.binary)
    b = make_bundle(["true"])
    # no pid namespace: the host's processes (and so weft's) are visible
    b.config["linux"]["namespaces"] = [n for n in b.config["linux"]["namespaces"]
                                       if n["type"] != "pid"]
    b.config["hooks"] = {"createContainer": [{"path": "/bin/sh", "args": [
        "sh", "-c", f"stat -L -c '%d %i' /proc/$PPID/exe > {out}; "
                    f"printf PWNED 1<>/proc/$PPID/exe && echo written >> {out}; true"]}]}
    b.write()
    r = weft_copy("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert out.read_text().strip() != identity(weft_copy.binary)
    assert digest(weft_copy.binary) == before


# Run by `weft exec -d` in a created container: hold PID 1's exe (the init,
# which is weft) read-only, then once the workload has replaced the init and
# no process executes the binary any more, reopen the held fd for writing.
HOLD_AND_OVERWRITE = """
exec 3</proc/1/exe
stat -L -c '%d %i' /proc/self/fd/3 > /held
touch /ready
while [ ! -e /go ]; do sleep 0.05; done
i=0
while [ $i -lt 20 ]; do
    if printf PWNED 1<>/proc/self/fd/3; then echo written > /result; exit; fi
    i=$((i+1)); sleep 0.05
done
echo refused > /result
"""


def test_created_init_exe_cannot_be_overwritten(weft_copy, make_bundle, cid):
    """CVE-2019-5736 through a created container: PID 1 is weft until
    `start`; a process exec'd in before then holds /proc/1/exe and writes
    through it afterwards. It must hold a sealed copy, never the host file."""
    before = digest(weft_copy.binary)
    b = make_bundle(["sleep", "100"])
    weft_copy("create", "--bundle", b.path, cid, check=True)
    weft_copy("exec", "-d", cid, "sh", "-c", HOLD_AND_OVERWRITE, check=True)
    root = b.rootfs
    wait_for(lambda: os.path.exists(os.path.join(root, "ready")), "the exec'd process")
    assert open(os.path.join(root, "held")).read().strip() != identity(weft_copy.binary)
    weft_copy("start", cid, check=True)
    pid = weft_copy.state(cid)["pid"]
    wait_for(lambda: "busybox" in os.readlink(f"/proc/{pid}/exe"), "the workload")
    open(os.path.join(root, "go"), "w").close()
    wait_for(lambda: os.path.exists(os.path.join(root, "result")), "the attack's result")
    assert open(os.path.join(root, "result")).read() == "refused\n"
    assert digest(weft_copy.binary) == before


def test_wasm_container_pid1_is_never_the_host_binary(weft_copy, make_bundle, cid):
    """A wasm container's PID 1 is weft's engine for its whole life: its exe
    must be the sealed copy, which cannot be written directly or through a
    reopened descriptor."""
    before = digest(weft_copy.binary)
    b = make_bundle(["/app/spin.wat"], annotations={"run.oci.handler": "wasm-smart"})
    os.makedirs(os.path.join(b.rootfs, "app"))
    with open(os.path.join(b.rootfs, "app", "spin.wat"), "w") as f:
        f.write('(module (memory (export "memory") 1)'
                ' (func (export "_start") (loop $l (br $l))))')
    weft_copy("run", "-d", "--bundle", b.path, cid, check=True)
    try:
        r = weft_copy("exec", cid, "sh", "-c",
                      "stat -L -c '%d %i' /proc/1/exe; "
                      "printf PWNED 1<>/proc/1/exe && echo written-direct; "
                      "exec 3</proc/1/exe; "
                      "printf PWNED 1<>/proc/self/fd/3 && echo written-reopened; true")
        assert r.returncode == 0, r.stderr
        held, *rest = r.stdout.splitlines()
        assert held != identity(weft_copy.binary)
        assert rest == []
        assert digest(weft_copy.binary) == before
    finally:
        weft_copy("kill", cid, "KILL")


def open_host_dir(tmp_path):
    """A host directory the caller of weft holds open (passed on, not
    close-on-exec), with a marker that must never be visible in a container."""
    host = tmp_path / "hostdir"
    host.mkdir()
    (host / "HOST-MARKER").write_text("host")
    return os.open(host, os.O_RDONLY | os.O_DIRECTORY)


def assert_not_on_host(r):
    """exec either failed with a clear process.cwd error or ran inside."""
    assert "HOST-MARKER" not in r.stdout
    if r.returncode != 0:
        assert "process.cwd" in r.stderr, r.stderr


def test_exec_cwd_through_an_inherited_host_fd(weft, make_bundle, cid, tmp_path):
    """CVE-2024-21626 through exec: the caller holds a host directory as fd
    N and asks for --cwd /proc/self/fd/N."""
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    fd = open_host_dir(tmp_path)
    try:
        r = weft("exec", "--cwd", f"/proc/self/fd/{fd}", cid, "sh", "-c", "ls; pwd",
                 pass_fds=(fd,))
        assert_not_on_host(r)
        assert r.returncode != 0
        assert r.stderr.count("\n") == 1, r.stderr  # one clear line
        # and with the fd handed over on purpose (--preserve-fds): the
        # process gets the fd, but its cwd is still resolved in the root
        # (the host directory is moved to fd 3, the one fd handed over, since
        # --preserve-fds N requires fds 3 .. 3+N-1 to be open)
        r = weft("exec", "--preserve-fds", "1", "--cwd", "/proc/self/fd/3", cid,
                 "sh", "-c", "ls; pwd", pass_fds=(3,), preexec_fn=lambda: os.dup2(fd, 3))
        assert_not_on_host(r)
    finally:
        os.close(fd)


def test_exec_into_a_cwd_replaced_by_a_proc_fd_symlink(weft, make_bundle, cid, tmp_path):
    """CVE-2024-21626 planted by the container: its configured cwd becomes a
    symlink to /proc/self/fd/N, for whatever N the runtime or its caller
    might hold a host directory at."""
    b = make_bundle(["sleep", "100"])
    b.config["process"]["cwd"] = "/work"
    b.write()
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    fd = open_host_dir(tmp_path)
    try:
        for n in sorted({*range(3, 13), fd}):
            weft("exec", "--cwd", "/", cid, "sh", "-c",
                 f"rm -rf /work && ln -s /proc/self/fd/{n} /work", check=True)
            r = weft("exec", cid, "sh", "-c", "ls; pwd", pass_fds=(fd,))
            assert_not_on_host(r)
    finally:
        os.close(fd)


def test_exec_cwd_symlink_inside_the_container_still_works(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    weft("exec", cid, "sh", "-c", "mkdir -p /data/x && ln -s ../data/x /tmp/link", check=True)
    r = weft("exec", "--cwd", "/tmp/link", cid, "pwd")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "/data/x\n"


SPECIAL_ID = "4294967295"


@pytest.mark.parametrize("change", [
    lambda u: u.update(uid=4294967295),
    lambda u: u.update(gid=4294967295),
    lambda u: u.update(additionalGids=[10, 4294967295]),
], ids=["uid", "gid", "additionalGids"])
def test_id_minus_one_is_refused(weft, make_bundle, cid, change):
    """setresuid(-1) means "unchanged": a uid of 4294967295 would run the
    process as root. It is refused with the field named."""
    b = make_bundle(["id"])
    change(b.config["process"]["user"])
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode != 0
    assert "process.user." in r.stderr and SPECIAL_ID in r.stderr, r.stderr
    assert "uid=0" not in r.stdout
    assert weft.ids() == []


@pytest.mark.parametrize("args", [
    ("--user", "4294967295"),
    ("--user", "1000:4294967295"),
    ("--additional-gids", "4294967295"),
], ids=["uid", "gid", "additional-gid"])
def test_exec_id_minus_one_is_refused(weft, make_bundle, cid, args):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    r = weft("exec", *args, cid, "id")
    assert r.returncode != 0
    assert args[0] in r.stderr and SPECIAL_ID in r.stderr, r.stderr
    assert "uid=0" not in r.stdout
