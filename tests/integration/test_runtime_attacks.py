"""Known runtime attacks, closed: the runtime binary cannot be overwritten
from inside a container (CVE-2019-5736 class); no host fd or cwd leaks in
(CVE-2024-21626 class, see also test_isolation.py)."""
import os

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


def test_shared_pid_namespace_runs_from_the_sealed_copy(weft, make_bundle, cid, tmp_path):
    out = tmp_path / "exe.out"
    b = make_bundle(["true"])
    # no pid namespace: the host's processes (and so weft's) are visible
    b.config["linux"]["namespaces"] = [n for n in b.config["linux"]["namespaces"]
                                       if n["type"] != "pid"]
    b.config["hooks"] = {"createContainer": [{"path": "/bin/sh", "args": [
        "sh", "-c", f"readlink /proc/$PPID/exe > {out}"]}]}
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert out.read_text().startswith("/memfd:weft")
