"""cgroup v2 with the cgroupfs driver, for real: every limit lands in the
container's cgroup, the container sees its own limits through a cgroup
namespace, and a limit that cannot be applied fails `create`.

The pure-v2 tests need a host whose /sys/fs/cgroup is cgroup2 (the guest lab
runs them: tests/guest/lab.sh); the cgroup-namespace and hybrid tests run
where their layout is."""
import json
import os
import shutil
import subprocess
import time

import pytest

from weft_testlib import cgroup_dirs

CG = "/sys/fs/cgroup"
PURE_V2 = os.path.exists(f"{CG}/cgroup.controllers")
HYBRID = os.path.exists(f"{CG}/unified/cgroup.controllers")

v2_only = pytest.mark.skipif(not PURE_V2, reason="needs a pure cgroup v2 host "
                             "(/sys/fs/cgroup is not cgroup2; the guest lab runs these)")


def sh(*script):
    return ("sh", "-c", "\n".join(script))


def controllers(path=CG):
    with open(os.path.join(path, "cgroup.controllers")) as f:
        return f.read().split()


def need_controllers(*names):
    missing = [n for n in names if n not in controllers()]
    if missing:
        pytest.skip(f"the host's cgroup v2 root has no {', '.join(missing)} controller")


def host_dir(pid):
    """The unified cgroup directory of a host pid."""
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return CG + line.strip()[3:]
    raise AssertionError(f"pid {pid} has no unified cgroup")


def read(path, name):
    with open(os.path.join(path, name)) as f:
        return f.read().strip()


def with_cgroupns(b, resources=None, cgroup_mount=True):
    """A bundle config with a cgroup namespace (and /sys/fs/cgroup mounted)."""
    lx = b.config["linux"]
    lx["namespaces"].append({"type": "cgroup"})
    if resources is not None:
        lx["resources"] = resources
    if cgroup_mount:
        b.config["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup",
                                   "source": "cgroup",
                                   "options": ["nosuid", "noexec", "nodev", "relatime", "rw"]})
    return b.write()


def create(weft, b, cid):
    out = os.path.join(b.path, "out")
    with open(out, "w+") as f:
        r = subprocess.run(weft.cmd("create", "--bundle", b.path, cid), stdin=subprocess.DEVNULL,
                           stdout=f, stderr=f, timeout=60)
        f.seek(0)
        r.stderr = f.read()
    return r


def cpu_weight(shares):
    """The shares -> weight mapping runc and crun use (docs/cgroups.md)."""
    import math
    if shares <= 2:
        return 1
    if shares >= 262144:
        return 10000
    l = math.log2(shares)
    return math.ceil(10 ** ((l * l + 125 * l) / 612.0 - 7.0 / 34.0))


def test_cgroupns_root_is_the_containers_cgroup(weft, make_bundle, cid):
    """The namespace is made after the init entered its cgroup, so the
    container sees itself at the root of every hierarchy (it saw weft's own
    cgroup, and its limits, when the namespace came with clone)."""
    b = with_cgroupns(make_bundle(sh("cat /proc/self/cgroup")), cgroup_mount=False)
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert lines, "no /proc/self/cgroup output"
    assert all(l.split(":", 2)[2] == "/" for l in lines), lines


@v2_only
def test_limits_applied_and_seen_inside(weft, make_bundle, cid):
    need_controllers("memory", "pids", "cpu", "cpuset")
    res = {"memory": {"limit": 64 << 20, "reservation": 32 << 20},
           "pids": {"limit": 64},
           "cpu": {"shares": 512, "quota": 50000, "period": 100000, "burst": 1000,
                   "cpus": "0", "mems": "0"}}
    script = sh("cat /proc/self/cgroup",
                *(f"echo {f}=$(cat /sys/fs/cgroup/{f})" for f in
                  ("memory.max", "memory.low", "pids.max", "cpu.max", "cpu.weight",
                   "cpu.max.burst", "cpuset.cpus")),
                "sleep 30")
    b = with_cgroupns(make_bundle(script), res)
    r = create(weft, b, cid)
    assert r.returncode == 0, r.stderr
    d = host_dir(weft.state(cid)["pid"])
    host = {"memory.max": str(64 << 20), "memory.low": str(32 << 20), "pids.max": "64",
            "cpu.max": "50000 100000", "cpu.weight": str(cpu_weight(512)),
            "cpu.max.burst": "1000", "cpuset.cpus": "0"}
    for f, want in host.items():
        assert read(d, f) == want, f
    weft("start", cid, check=True)
    out = os.path.join(b.path, "out")
    for _ in range(200):
        with open(out) as f:
            seen = f.read()
        if "cpuset.cpus=" in seen:
            break
        time.sleep(0.05)
    assert "0::/\n" in seen, seen
    for f, want in host.items():
        assert f"{f}={want}\n" in seen, (f, seen)


@v2_only
def test_swap_limit(weft, make_bundle, cid):
    need_controllers("memory")
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"memory": {"limit": 64 << 20, "swap": 96 << 20}}
    b.write()
    r = create(weft, b, cid)
    d = None
    if r.returncode == 0:
        d = host_dir(weft.state(cid)["pid"])
    if d is None or not os.path.exists(os.path.join(d, "memory.swap.max")):
        # no swap accounting: asking for a swap limit must fail, naming it
        assert r.returncode != 0 and "memory.swap" in r.stderr, r.stderr
        return
    assert read(d, "memory.max") == str(64 << 20)
    assert read(d, "memory.swap.max") == str(32 << 20)  # OCI's swap is memory+swap


@v2_only
def test_cpu_idle(weft, make_bundle, cid):
    need_controllers("cpu")
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"cpu": {"idle": 1}}
    b.write()
    r = create(weft, b, cid)
    d = host_dir(weft.state(cid)["pid"]) if r.returncode == 0 else None
    if d is not None and os.path.exists(os.path.join(d, "cpu.idle")):
        assert read(d, "cpu.idle") == "1"
    else:
        assert r.returncode != 0 and "cpu.idle" in r.stderr, r.stderr


def _block_device():
    """major:minor of a real disk (not a partition, not a loop or ram device)."""
    for name in sorted(os.listdir("/sys/block")):
        if name.startswith(("loop", "ram", "zram", "dm-")):
            continue
        with open(f"/sys/block/{name}/dev") as f:
            return f.read().strip()
    return None


@v2_only
def test_io_weight_and_throttle(weft, make_bundle, cid):
    need_controllers("io")
    dev = _block_device()
    if dev is None:
        pytest.skip("no block device")
    major, minor = (int(x) for x in dev.split(":"))
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"blockIO": {
        "weight": 500,
        "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 1048576}],
        "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 100}]}}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode == 0, r.stderr
    d = host_dir(weft.state(cid)["pid"])
    io_max = read(d, "io.max")
    assert f"{dev} rbps=1048576" in io_max and "wiops=100" in io_max, io_max
    wfile = "io.bfq.weight" if os.path.exists(os.path.join(d, "io.bfq.weight")) else "io.weight"
    if os.path.exists(os.path.join(d, wfile)):
        assert read(d, wfile).split("\n")[0] != "default 100", read(d, wfile)


@v2_only
def test_io_weight_device(weft, make_bundle, cid):
    need_controllers("io")
    dev = _block_device()
    if dev is None:
        pytest.skip("no block device")
    major, minor = (int(x) for x in dev.split(":"))
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"blockIO": {
        "weightDevice": [{"major": major, "minor": minor, "weight": 300}]}}
    b.write()
    r = create(weft, b, cid)
    if r.returncode != 0:
        # a kernel without a per-device weight (no iocost, no BFQ) refuses: clearly
        assert "blockIO.weightDevice" in r.stderr, r.stderr
        return
    d = host_dir(weft.state(cid)["pid"])
    wfile = "io.bfq.weight" if os.path.exists(os.path.join(d, "io.bfq.weight")) else "io.weight"
    assert dev in read(d, wfile), read(d, wfile)


@v2_only
def test_hugetlb(weft, make_bundle, cid):
    need_controllers("hugetlb")
    sizes = [page_size()] if page_size() else []
    if not sizes:
        pytest.skip("no hugetlb page size offered")
    b = make_bundle(("sleep", "30"))
    unit = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[sizes[0][-2:]]
    limit = 2 * int(sizes[0][:-2]) * unit  # the kernel rounds down to whole pages
    b.config["linux"]["resources"] = {"hugepageLimits": [{"pageSize": sizes[0],
                                                          "limit": limit}]}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode == 0, r.stderr
    d = host_dir(weft.state(cid)["pid"])
    assert read(d, f"hugetlb.{sizes[0]}.max") == str(limit)


@v2_only
def test_rdma_without_devices_fails_clearly(weft, make_bundle, cid):
    if "rdma" not in controllers():
        pytest.skip("no rdma controller")
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"rdma": {"weft-no-such-hca": {"hcaHandles": 2}}}
    b.write()
    r = create(weft, b, cid)
    # the kernel refuses a device it does not have: create fails naming it
    assert r.returncode != 0 and "rdma[weft-no-such-hca]" in r.stderr, r.stderr
    assert weft("state", cid).returncode != 0


@v2_only
def test_unified_keys(weft, make_bundle, cid):
    need_controllers("memory", "pids")
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"unified": {"memory.high": str(48 << 20),
                                                  "pids.max": "33"}}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode == 0, r.stderr
    d = host_dir(weft.state(cid)["pid"])
    assert read(d, "memory.high") == str(48 << 20)
    assert read(d, "pids.max") == "33"


@v2_only
def test_unified_unknown_file_fails_create(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["cgroupsPath"] = f"/weft-t-{cid}"
    b.config["linux"]["resources"] = {"unified": {"memory.no_such_file": "1"}}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode != 0
    assert "linux.resources.unified: memory.no_such_file" in r.stderr, r.stderr
    assert cgroup_dirs(f"weft-t-{cid}") == []


@v2_only
def test_refused_value_fails_create_and_leaves_nothing(weft, make_bundle, cid):
    need_controllers("cpuset")
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["cgroupsPath"] = f"/weft-t-{cid}"
    b.config["linux"]["resources"] = {"cpu": {"cpus": "4095"}}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode != 0
    assert "linux.resources.cpu.cpus" in r.stderr, r.stderr
    assert cgroup_dirs(f"weft-t-{cid}") == []


@v2_only
def test_devices_through_ebpf(weft, make_bundle, cid):
    b = make_bundle(sh("mknod /dev/sda1x b 8 1", "head -c1 /dev/sda1x >/dev/null 2>&1 "
                       "&& echo open || echo denied", "echo x > /dev/null && echo null-ok"))
    b.config["linux"]["resources"] = {"devices": [{"allow": False, "access": "rwm"}]}
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert "denied" in r.stdout and "null-ok" in r.stdout, r.stdout


@v2_only
def test_pause_resume_freezes_the_cgroup(weft, make_bundle, cid):
    b = make_bundle(("sleep", "30"))
    assert create(weft, b, cid).returncode == 0
    weft("start", cid, check=True)
    d = host_dir(weft.state(cid)["pid"])
    weft("pause", cid, check=True)
    assert "frozen 1" in read(d, "cgroup.events")
    assert weft.state(cid)["status"] == "paused"
    weft("resume", cid, check=True)
    assert "frozen 0" in read(d, "cgroup.events")
    assert weft.state(cid)["status"] == "running"


@v2_only
def test_oom_kill_is_seen_by_the_client(weft, make_bundle, cid):
    need_controllers("memory")
    # dd (the container's process itself) allocates one 64 MiB buffer: killed
    # by the kernel in a 16 MiB cgroup, and `run` exits as it did
    b = make_bundle(("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"))
    b.config["linux"]["resources"] = {"memory": {"limit": 16 << 20, "swap": 16 << 20}}
    b.write()
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 128 + 9, (r.returncode, r.stdout, r.stderr)


@v2_only
def test_delete_kills_through_cgroup_kill(weft, make_bundle, cid):
    if not shutil.which("strace"):
        pytest.skip("strace is not installed")
    b = make_bundle(sh("sleep 100 & sleep 100 & exec sleep 100"))
    b.config["linux"]["cgroupsPath"] = f"/weft-t-{cid}"
    b.write()
    assert create(weft, b, cid).returncode == 0
    weft("start", cid, check=True)
    d = host_dir(weft.state(cid)["pid"])
    log = os.path.join(b.path, "strace.log")
    r = subprocess.run(["strace", "-f", "-e", "trace=openat", "-o", log,
                        *weft.cmd("delete", "--force", cid)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    with open(log) as f:
        assert "cgroup.kill" in f.read()
    assert not os.path.exists(d)
    assert cgroup_dirs(f"weft-t-{cid}") == []


@v2_only
def test_update_running_container(weft, make_bundle, cid):
    need_controllers("memory", "pids", "cpu")
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"pids": {"limit": 64}}
    b.write()
    assert create(weft, b, cid).returncode == 0
    weft("start", cid, check=True)
    d = host_dir(weft.state(cid)["pid"])
    weft("update", "--pids-limit", "80", "--memory", str(128 << 20), "--cpu-quota", "20000",
         "--cpu-period", "100000", "--cpu-share", "2048", cid, check=True)
    assert read(d, "pids.max") == "80"
    assert read(d, "memory.max") == str(128 << 20)
    assert read(d, "cpu.max") == "20000 100000"
    assert read(d, "cpu.weight") == str(cpu_weight(2048))
    res = os.path.join(b.path, "res.json")
    with open(res, "w") as f:
        json.dump({"unified": {"memory.high": str(100 << 20)}}, f)
    weft("update", "--resources", res, cid, check=True)
    assert read(d, "memory.high") == str(100 << 20)


@v2_only
def test_absolute_cgroups_path(weft, make_bundle, cid):
    need_controllers("pids")
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["cgroupsPath"] = f"/weft-t-{cid}/c"
    b.config["linux"]["resources"] = {"pids": {"limit": 40}}
    b.write()
    assert create(weft, b, cid).returncode == 0
    d = f"{CG}/weft-t-{cid}/c"
    assert host_dir(weft.state(cid)["pid"]) == d
    assert read(d, "pids.max") == "40"
    weft("delete", "--force", cid, check=True)
    assert not os.path.exists(f"{CG}/weft-t-{cid}")


@v2_only
def test_relative_cgroups_path_hangs_below_the_callers_parent(weft, make_bundle, cid):
    """Relative paths go below the parent of weft's own cgroup (as runc): the
    own cgroup has processes, so it cannot enable controllers for children."""
    need_controllers("pids")
    own = host_dir(os.getpid())
    base = os.path.dirname(own) if own != CG else CG
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["cgroupsPath"] = f"weft-t-{cid}"
    b.config["linux"]["resources"] = {"pids": {"limit": 41}}
    b.write()
    r = create(weft, b, cid)
    assert r.returncode == 0, r.stderr
    d = host_dir(weft.state(cid)["pid"])
    assert d == os.path.join(base, f"weft-t-{cid}")
    assert read(d, "pids.max") == "41"
    weft("delete", "--force", cid, check=True)
    assert not os.path.exists(d)


@v2_only
def test_default_path_limits_applied(weft, make_bundle, cid):
    """The reported case: no cgroupsPath, 64 MiB and 64 pids, seen inside."""
    need_controllers("memory", "pids")
    b = with_cgroupns(make_bundle(sh("cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max")),
                      {"memory": {"limit": 64 << 20}, "pids": {"limit": 64}})
    r = weft("run", "--bundle", b.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(64 << 20), "64"], r.stdout


# ---- hybrid hosts: the unified tree is left as weft found it ---------------

def unified_hugetlb_only():
    if not HYBRID or "hugetlb" not in controllers(f"{CG}/unified"):
        return False
    with open("/proc/self/mountinfo") as f:
        v1 = any(" - cgroup " in l and "hugetlb" in l.split(" - ")[1] for l in f)
    return not v1


def subtree_control(path=f"{CG}/unified"):
    return read(path, "cgroup.subtree_control").split()


def page_size():
    """The first huge page size the kernel offers, as cgroup files name it."""
    if not os.path.isdir("/sys/kernel/mm/hugepages"):
        return None
    for name in sorted(os.listdir("/sys/kernel/mm/hugepages")):
        kb = int(name.split("-")[1].rstrip("kB"))
        if kb >= 1 << 20:
            return f"{kb >> 20}GB"
        return f"{kb >> 10}MB" if kb >= 1024 else f"{kb}KB"
    return None


@pytest.mark.skipif(not unified_hugetlb_only(),
                    reason="needs a hybrid host whose hugetlb is only in the unified tree")
def test_hybrid_unified_controllers_are_given_back(weft, make_bundle, cid):
    """crun refuses every container on a hybrid host once the unified root
    enables a controller: what weft enables there goes with its last user."""
    if "hugetlb" in subtree_control():
        pytest.skip("hugetlb is already enabled in the unified root (not by this test)")
    size = page_size()
    b = make_bundle(("sleep", "30"))
    b.config["linux"]["resources"] = {"hugepageLimits": [{"pageSize": size, "limit": 0}]}
    b.write()
    assert create(weft, b, cid + "a").returncode == 0
    assert create(weft, b, cid + "b").returncode == 0
    assert "hugetlb" in subtree_control()
    weft("delete", "--force", cid + "a", check=True)
    assert "hugetlb" in subtree_control(), "b still needs it"
    weft("delete", "--force", cid + "b", check=True)
    assert "hugetlb" not in subtree_control()
    # a create that fails after enabling gives it back too
    b.config["linux"]["resources"] = {"hugepageLimits": [{"pageSize": "3MB", "limit": 0}]}
    b.write()
    assert create(weft, b, cid + "c").returncode != 0
    assert "hugetlb" not in subtree_control()


# ---- rootless, nothing delegated (cgroupfs driver) -------------------------

@pytest.fixture
def nobody_dir():
    """A directory nobody can reach (pytest's tmp_path is under a 0700 one)."""
    import tempfile
    d = tempfile.mkdtemp(prefix="weft-nobody-", dir="/tmp")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def rootless_bundle(make_bundle, where, resources=None):
    b = make_bundle(("true",))
    lx = b.config["linux"]
    lx["namespaces"].append({"type": "user"})
    lx["uidMappings"] = [{"containerID": 0, "hostID": 65534, "size": 1}]
    lx["gidMappings"] = [{"containerID": 0, "hostID": 65534, "size": 1}]
    if resources:
        lx["resources"] = resources
    b.write()
    path = os.path.join(where, "bundle")
    subprocess.run(["cp", "-a", b.path, path], check=True)
    subprocess.run(["chown", "-R", "65534:65534", where], check=True)
    return path


def run_as_nobody(weft, bundle, cid, where):
    cmd = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "env",
           f"XDG_RUNTIME_DIR={where}", weft.binary, "--root", os.path.join(where, "state"),
           "run", "--bundle", bundle, cid]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, cwd=where)


def cgroup_writable_by_nobody():
    base = f"{CG}/cgroup.procs" if PURE_V2 else f"{CG}/memory/cgroup.procs"
    st = os.stat(base) if os.path.exists(base) else None
    return st is not None and st.st_uid == 65534


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root (to become nobody) and setpriv")
def test_rootless_without_delegation_warns_once(weft, make_bundle, cid, nobody_dir):
    if cgroup_writable_by_nobody():
        pytest.skip("this host delegates a cgroup to nobody")
    b = rootless_bundle(make_bundle, nobody_dir)
    r = run_as_nobody(weft, b, cid, nobody_dir)
    assert r.stderr.count("no cgroup is delegated to this user") == 1, r.stderr
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root (to become nobody) and setpriv")
def test_rootless_limit_without_delegation_fails(weft, make_bundle, cid, nobody_dir):
    if cgroup_writable_by_nobody():
        pytest.skip("this host delegates a cgroup to nobody")
    b = rootless_bundle(make_bundle, nobody_dir, {"pids": {"limit": 10}})
    r = run_as_nobody(weft, b, cid, nobody_dir)
    assert r.returncode != 0
    assert "linux.resources: rootless, and no cgroup is delegated to this user" in r.stderr, \
        r.stderr
    assert "warning" not in r.stderr
