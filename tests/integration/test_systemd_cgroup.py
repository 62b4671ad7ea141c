"""The systemd cgroup driver (--systemd-cgroup, --cgroup-manager systemd): one
transient scope per container, made over D-Bus with Delegate=yes, limits as
unit properties where systemd has them and in files where not, `update`
through the unit, `delete` stops it and leaves nothing.

Needs systemd as PID 1 on a pure cgroup v2 host: the guest lab runs these
(tests/guest/lab.sh)."""
import os
import shutil
import subprocess
import time

import pytest

CG = "/sys/fs/cgroup"
HAVE_SYSTEMD = os.path.isdir("/run/systemd/system") and \
    os.path.exists(f"{CG}/cgroup.controllers") and os.geteuid() == 0

pytestmark = pytest.mark.skipif(
    not HAVE_SYSTEMD, reason="needs systemd as PID 1 on a pure cgroup v2 host, as root "
    "(the guest lab runs these)")

SD = ("--systemd-cgroup",)


def sh(*script):
    return ("sh", "-c", "\n".join(script))


def show(unit, *props):
    r = subprocess.run(["systemctl", "show", unit, "-p", ",".join(props)], capture_output=True,
                       text=True, timeout=30)
    return dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)


def read(path, name):
    with open(os.path.join(path, name)) as f:
        return f.read().strip()


def host_dir(pid):
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return CG + line.strip()[3:]
    raise AssertionError("no unified cgroup")


def create(weft, b, cid, glob=SD):
    out = os.path.join(b.path, "out")
    with open(out, "w+") as f:
        r = subprocess.run(weft.cmd("create", "--bundle", b.path, cid, glob=glob),
                           stdin=subprocess.DEVNULL, stdout=f, stderr=f, timeout=60)
        f.seek(0)
        r.stderr = f.read()
    return r


def gone(unit):
    """systemd no longer has the unit (or only as an inactive, unloaded name)."""
    st = show(unit, "LoadState", "ActiveState")
    return st.get("ActiveState") in ("inactive", None) and st.get("LoadState") in (
        "not-found", "stub", None, "loaded") and \
        subprocess.run(["systemctl", "is-active", "--quiet", unit]).returncode != 0


def test_scope_with_limits(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"memory": {"limit": 64 << 20},
                                      "pids": {"limit": 64},
                                      "cpu": {"quota": 50000, "period": 100000}}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode == 0, r.stderr
    unit = f"weft-{cid}.scope"
    st = show(unit, "ActiveState", "Delegate", "MemoryMax", "TasksMax", "Slice",
              "ControlGroup", "CPUQuotaPerSecUSec")
    assert st["ActiveState"] == "active"
    assert st["Delegate"] == "yes"
    assert st["Slice"] == "system.slice"
    assert st["MemoryMax"] == str(64 << 20)
    assert st["TasksMax"] == "64"
    assert st["CPUQuotaPerSecUSec"] == "500ms"
    d = host_dir(weft.state(cid)["pid"])
    assert d == CG + st["ControlGroup"] == f"{CG}/system.slice/{unit}"
    assert read(d, "memory.max") == str(64 << 20)
    assert read(d, "pids.max") == "64"
    assert read(d, "cpu.max") == "50000 100000"
    weft("delete", "--force", cid, check=True)
    assert not os.path.exists(d)
    assert gone(unit)


def test_limits_seen_inside_through_cgroupns(weft, make_bundle, cid):
    b = make_bundle(sh("cat /proc/self/cgroup /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"))
    b.config["linux"]["namespaces"].append({"type": "cgroup"})
    b.config["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup",
                               "source": "cgroup", "options": ["nosuid", "noexec", "nodev"]})
    b.config["linux"]["resources"] = {"memory": {"limit": 64 << 20}, "pids": {"limit": 64}}
    b.write()
    r = weft("run", "--bundle", b.path, cid, glob=SD)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0::/", str(64 << 20), "64"], r.stdout
    assert gone(f"weft-{cid}.scope")


def test_slice_prefix_name_and_nothing_left(weft, make_bundle, cid):
    slice_ = f"wefttest{cid.replace('-', '')}.slice"  # no '-': a slice directly below the root
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["cgroupsPath"] = f"{slice_}:pfx:{cid}"
    b.config["linux"]["resources"] = {"pids": {"limit": 30}}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode == 0, r.stderr
    unit = f"pfx-{cid}.scope"
    d = host_dir(weft.state(cid)["pid"])
    assert d == f"{CG}/{slice_}/{unit}"
    assert show(unit, "Slice")["Slice"] == slice_
    assert read(d, "pids.max") == "30"
    weft("start", cid, check=True)
    weft("delete", "--force", cid, check=True)
    assert gone(unit)
    # the slice weft brought into being goes with its last scope
    assert gone(slice_)
    assert not os.path.exists(f"{CG}/{slice_}")


def test_made_slice_goes_with_its_last_container(weft, make_bundle, cid):
    slice_ = f"wefttest{cid.replace('-', '')}.slice"
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["cgroupsPath"] = f"{slice_}:pfx:{cid}a"
    b.write()
    assert create(weft, b, cid + "a").returncode == 0
    b.config["linux"]["cgroupsPath"] = f"{slice_}:pfx:{cid}b"
    b.write()
    assert create(weft, b, cid + "b").returncode == 0
    weft("delete", "--force", cid + "a", check=True)
    assert os.path.isdir(f"{CG}/{slice_}/pfx-{cid}b.scope"), "b is still in the slice"
    assert show(slice_, "ActiveState")["ActiveState"] == "active"
    weft("delete", "--force", cid + "b", check=True)
    assert gone(slice_)
    assert not os.path.exists(f"{CG}/{slice_}")


def test_file_only_resources(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"cpu": {"burst": 1000},
                                      "unified": {"memory.high": str(40 << 20)}}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode == 0, r.stderr
    d = host_dir(weft.state(cid)["pid"])
    assert read(d, "cpu.max.burst") == "1000"
    assert read(d, "memory.high") == str(40 << 20)


def test_update_through_the_unit(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"memory": {"limit": 64 << 20}}
    b.write()
    assert create(weft, b, cid).returncode == 0
    weft("start", cid, check=True)
    weft("update", "--memory", str(128 << 20), "--pids-limit", "90", cid, glob=SD, check=True)
    unit = f"weft-{cid}.scope"
    st = show(unit, "MemoryMax", "TasksMax")
    assert st["MemoryMax"] == str(128 << 20) and st["TasksMax"] == "90"
    d = host_dir(weft.state(cid)["pid"])
    assert read(d, "memory.max") == str(128 << 20)
    assert read(d, "pids.max") == "90"


def test_pause_resume_and_exec(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    assert create(weft, b, cid).returncode == 0
    weft("start", cid, check=True)
    d = host_dir(weft.state(cid)["pid"])
    weft("pause", cid, check=True)
    assert "frozen 1" in read(d, "cgroup.events")
    weft("resume", cid, check=True)
    assert "frozen 0" in read(d, "cgroup.events")
    r = weft("exec", cid, "sh", "-c", "cat /proc/self/cgroup")
    assert r.returncode == 0, r.stderr
    assert f"weft-{cid}.scope" in r.stdout


def test_failed_create_leaves_no_unit(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"unified": {"memory.no_such_file": "1"}}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode != 0
    assert "linux.resources.unified: memory.no_such_file" in r.stderr, r.stderr
    time.sleep(0.2)
    assert gone(f"weft-{cid}.scope")
    assert not os.path.exists(f"{CG}/system.slice/weft-{cid}.scope")


def test_bad_cgroups_path_is_refused(weft, make_bundle, cid):
    b = make_bundle(("true",))
    b.config["linux"]["cgroupsPath"] = "/not/systemd/form"
    b.write()
    r = create(weft, b, cid)
    assert r.returncode != 0
    assert "the systemd driver wants 'slice:prefix:name'" in r.stderr, r.stderr
    assert weft("state", cid).returncode != 0


def test_cgroup_manager_option_is_the_same_driver(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    r = create(weft, b, cid, glob=("--cgroup-manager", "systemd"))
    assert r.returncode == 0, r.stderr
    assert show(f"weft-{cid}.scope", "ActiveState")["ActiveState"] == "active"


def test_features_say_systemd(weft):
    r = weft("features", check=True)
    import json
    cg = json.loads(r.stdout)["linux"]["cgroup"]
    assert cg["systemd"] is True and cg["systemdUser"] is True


# ---- rootless: the user's own systemd, over the user's bus ------------------

ROOTLESS_USER = os.environ.get("WEFT_TEST_ROOTLESS_USER")


@pytest.mark.skipif(not ROOTLESS_USER, reason="set WEFT_TEST_ROOTLESS_USER to a user whose "
                    "systemd --user runs (loginctl enable-linger USER)")
def test_rootless_scope_in_the_users_delegated_subtree(weft, make_bundle, cid):
    import pwd
    import tempfile
    pw = pwd.getpwnam(ROOTLESS_USER)
    where = tempfile.mkdtemp(prefix="weft-rootless-", dir="/tmp")
    try:
        b = make_bundle(("sleep", "30"))
        lx = b.config["linux"]
        lx["namespaces"].append({"type": "user"})
        lx["uidMappings"] = [{"containerID": 0, "hostID": pw.pw_uid, "size": 1}]
        lx["gidMappings"] = [{"containerID": 0, "hostID": pw.pw_gid, "size": 1}]
        lx["resources"] = {"pids": {"limit": 42}, "memory": {"limit": 64 << 20}}
        b.write()
        bundle = os.path.join(where, "bundle")
        subprocess.run(["cp", "-a", b.path, bundle], check=True)
        subprocess.run(["chown", "-R", f"{pw.pw_uid}:{pw.pw_gid}", where], check=True)
        env = ["env", f"XDG_RUNTIME_DIR=/run/user/{pw.pw_uid}"]
        as_user = ["setpriv", "--reuid", str(pw.pw_uid), "--regid", str(pw.pw_gid),
                   "--init-groups", *env, weft.binary, "--root", os.path.join(where, "state"),
                   "--systemd-cgroup"]
        # files, not pipes: the container keeps its stdio open
        with open(os.path.join(where, "out"), "w+") as f:
            r = subprocess.run([*as_user, "create", "--bundle", bundle, cid], stdout=f,
                               stderr=f, timeout=60, stdin=subprocess.DEVNULL, cwd=where)
            f.seek(0)
            assert r.returncode == 0, f.read()
        st = subprocess.run([*as_user, "state", cid], capture_output=True, text=True)
        import json
        d = host_dir(json.loads(st.stdout)["pid"])
        # inside the subtree the user's manager was delegated
        assert d.startswith(f"{CG}/user.slice/user-{pw.pw_uid}.slice/user@{pw.pw_uid}.service/")
        assert d.endswith(f"/weft-{cid}.scope")
        assert read(d, "pids.max") == "42" and read(d, "memory.max") == str(64 << 20)
        r = subprocess.run([*as_user, "delete", "--force", cid], capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 0, r.stderr
        assert not os.path.exists(d)
    finally:
        shutil.rmtree(where, ignore_errors=True)
