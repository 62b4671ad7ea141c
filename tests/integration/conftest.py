"""Integration fixtures: real bundles (a busybox-static rootfs) and the real
weft binary, each test with its own --root so tests never see each other."""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest

BUSYBOX = "/bin/busybox"


def default_config(args):
    """The config a default podman/containerd container resembles."""
    caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
            "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
    return {
        "ociVersion": "1.2.0",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": list(args),
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "TERM=xterm"],
            "cwd": "/",
            "capabilities": {k: list(caps) for k in
                             ("bounding", "effective", "permitted")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": "weft-test",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
        ],
        "linux": {
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                              "/proc/sysrq-trigger"],
        },
    }


@pytest.fixture(scope="session")
def rootfs_template(tmp_path_factory):
    if not os.path.exists(BUSYBOX):
        pytest.fail("busybox-static is not installed (make check installs it)")
    root = tmp_path_factory.mktemp("rootfs-template") / "rootfs"
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "dev", "sys", "tmp", "etc", "root",
              "var"):
        (root / d).mkdir(parents=True, exist_ok=True)
    shutil.copy2(BUSYBOX, root / "bin" / "busybox")
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for a in applets:
        if a != "busybox":
            os.symlink("busybox", root / "bin" / a)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n"
                                         "nobody:x:65534:65534:nobody:/:/bin/sh\n")
    (root / "etc" / "group").write_text("root:x:0:\nnobody:x:65534:\n")
    os.chmod(root / "tmp", 0o1777)
    return root


class Bundle:
    def __init__(self, path, config):
        self.path = path
        self.config = config

    @property
    def rootfs(self):
        return os.path.join(self.path, "rootfs")

    def write(self):
        with open(os.path.join(self.path, "config.json"), "w") as f:
            json.dump(self.config, f, indent=2)
        return self


@pytest.fixture
def make_bundle(tmp_path, rootfs_template):
    counter = [0]

    def make(args=("true",), **overrides):
        counter[0] += 1
        path = tmp_path / f"bundle{counter[0]}"
        path.mkdir()
        subprocess.run(["cp", "-a", str(rootfs_template), str(path / "rootfs")], check=True)
        cfg = default_config(args)
        for k, v in overrides.items():
            cfg[k] = v
        return Bundle(str(path), cfg).write()

    return make


class Weft:
    """Runs the weft binary with a private --root."""

    def __init__(self, binary, root):
        self.binary = binary
        self.root = root

    def cmd(self, *args, glob=()):
        return [self.binary, "--root", self.root, *glob, *args]

    def __call__(self, *args, check=False, timeout=60, input=None, glob=(), **kw):
        # Files, not pipes: a detached container inherits weft's stdout and
        # stderr, and a pipe would only reach EOF when the container exits.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = subprocess.run(self.cmd(*args, glob=glob), stdout=out, stderr=err,
                               timeout=timeout, input=input.encode() if input else None, **kw)
            out.seek(0)
            err.seek(0)
            r = subprocess.CompletedProcess(p.args, p.returncode,
                                            out.read().decode(errors="replace"),
                                            err.read().decode(errors="replace"))
        if check and r.returncode != 0:
            raise AssertionError(f"weft {' '.join(args)} failed ({r.returncode}): {r.stderr}")
        return r

    def state(self, cid):
        r = self("state", cid, check=True)
        return json.loads(r.stdout)

    def ids(self):
        if not os.path.isdir(self.root):
            return []
        return sorted(os.listdir(self.root))


@pytest.fixture
def weft(weft_bin, tmp_path):
    root = str(tmp_path / "state")
    w = Weft(weft_bin, root)
    yield w
    # Whatever a test leaves is removed, and a leftover is itself a failure
    # only where a test says so (tests check `weft.ids()` explicitly).
    for cid in w.ids():
        subprocess.run(w.cmd("delete", "--force", cid), capture_output=True, timeout=60)


@pytest.fixture
def cid():
    return "t-" + uuid.uuid4().hex[:12]




def crun_runs_busybox(rootfs_template, workdir):
    """`crun run` of a busybox bundle: (ok, output)."""
    bundle = os.path.join(workdir, "crun-bundle")
    os.makedirs(bundle)
    subprocess.run(["cp", "-a", str(rootfs_template), os.path.join(bundle, "rootfs")],
                   check=True)
    cfg = default_config(["sh", "-c", "echo crun-ok"])
    cfg["ociVersion"] = "1.0.2"  # what crun 1.8 (Debian 12) accepts
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(cfg, f)
    cid = "weft-peer-" + uuid.uuid4().hex[:8]
    root = os.path.join(workdir, "crun-root")
    try:
        p = subprocess.run(["crun", "--root", root, "run", "--bundle", bundle, cid],
                           capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
    finally:
        subprocess.run(["crun", "--root", root, "delete", "--force", cid], capture_output=True)
        remove_crun_strays(cid)
    return p.returncode == 0 and "crun-ok" in p.stdout, p.stdout + p.stderr


def remove_crun_strays(cid):
    """crun 1.8 on this hybrid host (hugetlb in cgroup2, a plain directory
    /sys/fs/cgroup/hugetlb in the tmpfs) makes /sys/fs/cgroup/hugetlb/CID
    there, writes a cgroup.procs into it and leaves it: not a cgroup, so
    nothing else ever removes it. Remove what crun made outside the
    hierarchies (on the tmpfs itself)."""
    tmpfs = os.stat("/sys/fs/cgroup").st_dev
    for d in glob.glob("/sys/fs/cgroup/*/" + cid):
        if os.stat(os.path.dirname(d)).st_dev == tmpfs:
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def peer_runtime_still_works(rootfs_template, tmp_path_factory):
    """After every integration test, a peer runtime must still run containers
    on this host: weft leaves no host-wide change that breaks one (on a
    hybrid host, a controller left enabled in the unified root makes crun
    refuse every container)."""
    yield
    if shutil.which("crun") is None or os.geteuid() != 0:
        return
    ok, out = crun_runs_busybox(rootfs_template, str(tmp_path_factory.mktemp("peer")))
    assert ok, f"crun can no longer run a busybox container after the suite: {out}"
