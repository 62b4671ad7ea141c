"""Known runtime attacks, closed: the runtime binary cannot be overwritten
from inside a container (CVE-2019-5736 class); no host fd or cwd leaks in
(CVE-2024-21626 class, see also test_isolation.py)."""
import os


def test_container_sees_a_sealed_copy_of_the_runtime(weft, make_bundle, cid, tmp_path):
    out = tmp_path / "exe.out"
    b = make_bundle(["true"])
    # a createContainer hook runs while weft is the container's PID 1
    script = (f"R={b.rootfs}; readlink $R/proc/1/exe > {out}; "
              f"(printf x >> $R/proc/1/exe) 2>/dev/null && echo WROTE >> {out} "
              f"|| echo refused >> {out}")
    b.config["hooks"] = {"createContainer": [{"path": "/bin/sh",
                                              "args": ["sh", "-c", script]}]}
    b.write()
    before = open(weft.binary, "rb").read()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    exe, verdict = out.read_text().splitlines()[:2]
    assert exe.startswith("/memfd:weft")
    assert verdict == "refused"
    assert open(weft.binary, "rb").read() == before


def test_exec_runs_from_the_sealed_copy_too(weft, make_bundle, cid):
    b = make_bundle(["sleep", "100"])
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    # the exec'd process's parent chain never shows the host binary
    r = weft("exec", cid, "sh", "-c", "readlink /proc/$$/exe")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "/bin/busybox"
