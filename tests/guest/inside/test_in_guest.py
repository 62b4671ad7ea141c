"""Run inside the guest lab as root (tests/guest/test_guest.py reads the results): the guest
is what it claims to be, a peer runtime works there, and weft applies cgroup v2 limits."""
import json
import os
import subprocess
import tempfile


def mountinfo_types():
    """(fstype, mount point) of every mount, from /proc/self/mountinfo."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, post = line.split(" - ", 1)
            out.append((post.split()[0], pre.split()[4]))
    return out


def test_systemd_is_pid1():
    assert open("/proc/1/comm").read().strip() == "systemd"
    assert os.path.basename(os.readlink("/proc/1/exe")) == "systemd"
    # the system manager is running (not degraded into an emergency shell)
    assert os.path.isdir("/run/systemd/system")


def test_cgroup2_is_the_only_cgroup_fs():
    cgroup = [(t, m) for t, m in mountinfo_types() if t.startswith("cgroup")]
    assert cgroup == [("cgroup2", "/sys/fs/cgroup")], cgroup
    controllers = open("/sys/fs/cgroup/cgroup.controllers").read().split()
    assert "memory" in controllers and "pids" in controllers, controllers
    # every process is in the one unified hierarchy (a v1 line would be "N:ctrl:/path")
    assert open("/proc/self/cgroup").read().startswith("0::/")


def test_clients_and_peers_are_installed():
    for tool in ("podman", "conmon", "containerd", "crun", "runc"):
        r = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and r.stdout.strip(), (tool, r.stdout, r.stderr)


def test_rootless_user_is_ready():
    """weftuser: subordinate ids for user namespaces and a lingering systemd user manager."""
    import pwd
    uid = pwd.getpwnam("weftuser").pw_uid
    for f in ("/etc/subuid", "/etc/subgid"):
        assert "weftuser:100000:65536\n" in open(f).read(), f
    r = subprocess.run(["loginctl", "show-user", "weftuser", "--property=Linger"],
                       capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "Linger=yes", (r.stdout, r.stderr)
    assert os.access("/usr/bin/newuidmap", os.X_OK) and os.stat("/usr/bin/newuidmap").st_mode & 0o4000
    assert uid == 1000


def test_crun_runs_a_busybox_bundle(make_bundle, tmp_path):
    cfg = {"ociVersion": "1.0.2"}  # crun 1.8.1 (bookworm) predates runtime-spec 1.2
    b = make_bundle(["sh", "-c", "echo crun-in-guest; cat /proc/self/cgroup"], **cfg)
    with tempfile.TemporaryFile() as out:
        r = subprocess.run(["crun", "--root", str(tmp_path / "crun"), "run", "--bundle", b.path,
                            "c-" + os.urandom(4).hex()], stdout=out, stderr=subprocess.STDOUT,
                           timeout=120)
        out.seek(0)
        text = out.read().decode(errors="replace")
    assert r.returncode == 0, text
    assert "crun-in-guest" in text and "0::/" in text, text


def _cgroup_dir(pid):
    line = open(f"/proc/{pid}/cgroup").read().strip()
    assert line.startswith("0::"), line
    return "/sys/fs/cgroup" + line[3:]


def test_weft_applies_memory_and_pids_limits_on_cgroup_v2(weft, make_bundle, cid):
    """issue 11: on a pure v2 host, linux.resources must reach memory.max and pids.max."""
    b = make_bundle(["sleep", "1000"])
    b.config["linux"]["resources"] = {"memory": {"limit": 64 << 20}, "pids": {"limit": 64}}
    b.write()
    weft("run", "-d", "--bundle", b.path, cid, check=True)
    pid = weft.state(cid)["pid"]
    d = _cgroup_dir(pid)
    assert d != "/sys/fs/cgroup/", "the container is in the root cgroup"
    with open(os.path.join(d, "memory.max")) as f:
        memory_max = f.read().strip()
    with open(os.path.join(d, "pids.max")) as f:
        pids_max = f.read().strip()
    assert (memory_max, pids_max) == (str(64 << 20), "64"), json.dumps(
        {"cgroup": d, "memory.max": memory_max, "pids.max": pids_max})
