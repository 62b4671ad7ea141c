"""issue 11, item 5: the real clients drive weft with the systemd cgroup manager, in the guest
(systemd as PID 1, pure cgroup v2), as root inside it: `weft --systemd-cgroup run`; rootful
podman with Debian's default containers.conf (cgroup_manager = "systemd"); rootless podman as
`weftuser` through its lingering user manager; containerd's CRI with `SystemdCgroup = true`.
Each reads its memory, pids and cpu limits back from inside the container (a cgroup namespace
shows the container's own cgroup at /sys/fs/cgroup), runs busybox and wasm images, and leaves
no scope unit, cgroup, mount or weft state behind.

The images come from tests/e2e's helpers (docs/images.md's recipes, built here with buildah);
the guest has no compiler for hello.wasm and pause, so the host builds them into
$WEFT_GUEST_ARTIFACTS (tests/guest/test_guest.py does), and without it the module skips."""
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from e2e_env import (BUSYBOX_IMAGE, WASM_IMAGE, WASM_PLAIN_IMAGE,  # noqa: E402
                     Containerd, Podman, build_images, run, unmount_all, weft_links)

ARTIFACTS = os.environ.get("WEFT_GUEST_ARTIFACTS", "")
# TCG runs the clients ~20x slower than the host: the session's image build alone takes minutes
pytestmark = [pytest.mark.timeout(1200),
              pytest.mark.skipif(not os.path.isfile(os.path.join(ARTIFACTS, "hello.wasm")),
                                 reason="WEFT_GUEST_ARTIFACTS (hello.wasm, pause) not given")]

MIB64 = 64 << 20
# what the container sees for memory 64 MiB, pids 64, cpu quota 50000/100000
LIMITS = {"memory.max": str(MIB64), "pids.max": "64", "cpu.max": "50000 100000"}
READ_LIMITS = ["cat", "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/pids.max",
               "/sys/fs/cgroup/cpu.max", "/proc/self/cgroup"]
SLICE = "weftlab.slice"
USER = "weftuser"


def limits_seen(text):
    """The three limit lines and the cgroup line of READ_LIMITS' output."""
    lines = text.strip().splitlines()
    assert len(lines) == 4, text
    return dict(zip(LIMITS, lines[:3])), lines[3]


def assert_limits_inside(text):
    seen, cgline = limits_seen(text)
    assert seen == LIMITS, text
    # the cgroup namespace is rooted at the container's own cgroup
    assert cgline == "0::/", text


# --- leftovers -------------------------------------------------------------------------


def units(pattern, user=False):
    # the user's own manager (--user), not the system's, for a user's units
    cmd = ["systemctl", *(["--user"] if user else []), "list-units", "--all", "--plain",
           "--no-legend", pattern]
    r = as_user(cmd) if user else run(cmd, check=False)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def cgroups_named(part, top="/sys/fs/cgroup"):
    return [d for d, _, _ in os.walk(top) if part in os.path.basename(d)]


def mounts_naming(part):
    with open("/proc/self/mountinfo") as f:
        return [line.strip() for line in f if part in line]


def assert_nothing_left(ids, state_dirs, user=False):
    """No unit (the scope is PREFIX-ID.scope), cgroup, mount or weft state naming any of
    ids."""
    left = {}
    for i in ids:
        left[i] = {"units": units(f"*{i}*", user=user), "cgroups": cgroups_named(i),
                   "mounts": mounts_naming(i),
                   "state": [d for d in state_dirs if os.path.exists(os.path.join(d, i))]}
    assert left == {i: {"units": [], "cgroups": [], "mounts": [], "state": []}
                    for i in ids}, json.dumps(left, indent=1)


def unit_props(unit, *props, user=False):
    cmd = ["systemctl", *(["--user"] if user else []), "show", unit, "-p", ",".join(props)]
    r = as_user(cmd) if user else run(cmd)
    return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)


# --- the session: images, podman, containerd -------------------------------------------


@pytest.fixture(scope="module")
def workdir():
    base = tempfile.mkdtemp(prefix="weft-guest-e2e-", dir="/var/tmp")
    os.chmod(base, 0o755)
    yield base
    unmount_all(base)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def links(weft_bin, workdir):
    return weft_links(weft_bin, workdir)


@pytest.fixture(scope="module")
def podman(workdir):
    """Private storage, Debian's default containers.conf (no CONTAINERS_CONF): the systemd
    cgroup manager and the journald events logger."""
    p = Podman(workdir)
    del p.env["CONTAINERS_CONF"]
    info = json.loads(p.podman("info", "--format", "json").stdout)
    assert info["host"]["cgroupManager"] == "systemd", info["host"]
    yield p
    p.teardown()


@pytest.fixture(scope="module")
def images(podman, workdir):
    d = os.path.join(workdir, "src")
    shutil.copytree(ARTIFACTS, d)
    archives = build_images(podman, d)
    for path in archives.values():
        os.chmod(path, 0o644)  # weftuser loads them
    os.chmod(d, 0o755)
    return archives


# --- weft --systemd-cgroup run ----------------------------------------------------------


def test_weft_systemd_cgroup_run(weft, make_bundle, cid):
    """A transient scope in the slice cgroupsPath names, its limits seen from inside, and
    nothing left after delete."""
    b = make_bundle(["sleep", "600"])
    linux = b.config["linux"]
    linux["namespaces"].append({"type": "cgroup"})
    b.config["mounts"].append({"destination": "/sys/fs/cgroup", "type": "cgroup",
                               "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "ro"]})
    linux["cgroupsPath"] = f"{SLICE}:weft:{cid}"
    linux["resources"] = {"memory": {"limit": MIB64}, "pids": {"limit": 64},
                          "cpu": {"quota": 50000, "period": 100000}}
    b.write()
    sd = ("--systemd-cgroup",)
    weft("run", "-d", "--bundle", b.path, cid, glob=sd, check=True)
    unit = f"weft-{cid}.scope"
    try:
        props = unit_props(unit, "ActiveState", "Slice", "ControlGroup")
        assert props["ActiveState"] == "active" and props["Slice"] == SLICE, props
        pid = weft.state(cid)["pid"]
        assert open(f"/proc/{pid}/cgroup").read().strip() == "0::" + props["ControlGroup"]
        r = weft("exec", cid, *READ_LIMITS, glob=sd, check=True)
        assert_limits_inside(r.stdout)
    finally:
        weft("delete", "--force", cid, glob=sd)
    assert_nothing_left([cid], [weft.root])


# --- rootful podman ---------------------------------------------------------------------


def test_podman_systemd_busybox_limits(podman, links, images):
    n = "e2e-" + uuid.uuid4().hex[:10]
    podman.podman("run", "-d", "--name", n, "--network", "none", "--memory", "64m",
                  "--pids-limit", "64", "--cpus", "0.5", BUSYBOX_IMAGE, "sleep", "600",
                  runtime=links["weft"])
    cid = json.loads(podman.podman("inspect", n).stdout)[0]["Id"]
    try:
        props = unit_props(f"libpod-{cid}.scope", "ActiveState", "Slice")
        assert props == {"ActiveState": "active", "Slice": "machine.slice"}, props
        assert_limits_inside(podman.podman("exec", n, *READ_LIMITS).stdout)
        # podman called weft without --root: the state is in /run/weft while it runs
        assert os.path.isdir(f"/run/weft/{cid}")
    finally:
        podman.podman("rm", "-f", "-t", "0", n, check=False)
    assert_nothing_left([cid], ["/run/weft"])


def test_podman_systemd_wasm(podman, links, images):
    n = "e2e-" + uuid.uuid4().hex[:10]
    p = podman.podman("run", "--name", n, "--network", "none", "--memory", "64m",
                      WASM_IMAGE, runtime=links["weft"])
    assert p.stdout == "hello from wasm, world\n"
    cid = json.loads(podman.podman("inspect", n).stdout)[0]["Id"]
    podman.podman("rm", n)
    assert_nothing_left([cid], ["/run/weft"])


# --- rootless podman --------------------------------------------------------------------


def user_env():
    pw = pwd.getpwnam(USER)
    rt = f"/run/user/{pw.pw_uid}"
    return {"HOME": pw.pw_dir, "USER": USER, "LOGNAME": USER, "PATH": "/usr/bin:/bin",
            "XDG_RUNTIME_DIR": rt, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={rt}/bus"}


def as_user(cmd, env=None, check=False, timeout=300):
    """cmd as weftuser, with the runtime dir and bus of its lingering user manager."""
    e = dict(user_env(), **(env or {}))
    return run(["runuser", "-u", USER, "--", "env", "-i",
                *[f"{k}={v}" for k, v in e.items()], *cmd], check=check, timeout=timeout)


@pytest.fixture(scope="module")
def rootless(workdir, images):
    """weftuser's podman on private storage (in a directory it owns), images loaded from
    the oci-archives; Debian's default containers.conf."""
    pw = pwd.getpwnam(USER)
    d = os.path.join(workdir, "rootless")
    os.makedirs(d)
    conf = os.path.join(d, "storage.conf")
    with open(conf, "w") as f:
        f.write(f'[storage]\ndriver = "overlay"\nrunroot = "{d}/runroot"\n'
                f'graphroot = "{d}/root"\n')
    os.chown(d, pw.pw_uid, pw.pw_gid)
    env = {"CONTAINERS_STORAGE_CONF": conf}

    def podman(*args, check=True):
        r = as_user(["podman", *args], env=env)
        if check:
            assert r.returncode == 0, f"podman {' '.join(args)} -> {r.returncode}\n{r.stderr}"
        return r

    for name in (BUSYBOX_IMAGE, WASM_IMAGE):
        podman("load", "-q", "-i", images[name])
    info = json.loads(podman("info", "--format", "json").stdout)
    assert info["host"]["cgroupManager"] == "systemd" and info["host"]["security"]["rootless"]
    yield podman
    podman("rm", "-a", "-f", "-t", "0", check=False)
    podman("system", "reset", "-f", check=False)
    unmount_all(d)


def test_rootless_podman_systemd_busybox_limits(rootless, links):
    rt = user_env()["XDG_RUNTIME_DIR"]
    n = "e2e-" + uuid.uuid4().hex[:10]
    rootless("--runtime", links["weft"], "run", "-d", "--name", n, "--network", "none",
             "--memory", "64m", "--pids-limit", "64", "--cpus", "0.5", BUSYBOX_IMAGE,
             "sleep", "600")
    cid = json.loads(rootless("inspect", n).stdout)[0]["Id"]
    try:
        props = unit_props(f"libpod-{cid}.scope", "ActiveState", "ControlGroup", user=True)
        assert props["ActiveState"] == "active", props
        assert props["ControlGroup"].startswith(f"/user.slice/user-{pwd.getpwnam(USER).pw_uid}"
                                                ".slice/user@"), props
        assert_limits_inside(rootless("exec", n, *READ_LIMITS).stdout)
        assert os.path.isdir(f"{rt}/weft/{cid}"), "rootless state is not in XDG_RUNTIME_DIR"
    finally:
        rootless("rm", "-f", "-t", "0", n, check=False)
    assert_nothing_left([cid], [f"{rt}/weft"], user=True)


def test_rootless_podman_systemd_wasm(rootless, links):
    rt = user_env()["XDG_RUNTIME_DIR"]
    n = "e2e-" + uuid.uuid4().hex[:10]
    p = rootless("--runtime", links["weft"], "run", "--name", n, "--network", "none",
                 "--memory", "64m", WASM_IMAGE)
    assert p.stdout == "hello from wasm, world\n", p.stderr
    cid = json.loads(rootless("inspect", n).stdout)[0]["Id"]
    rootless("rm", n)
    assert_nothing_left([cid], [f"{rt}/weft"], user=True)


# --- containerd's CRI, SystemdCgroup = true ---------------------------------------------


@pytest.fixture(scope="module")
def cri(workdir, links, images):
    import criclient
    c = Containerd(workdir, links, images, systemd_cgroup=True)
    api_dir = os.path.join(workdir, "cri-api")
    os.makedirs(api_dir)
    client = criclient.CRI(c.socket, criclient.compile_api(api_dir))
    client.containerd = c
    yield client
    client.close()
    c.teardown()


def pod(cri, annotations=None):
    """A host-network pod in SLICE (the kubelet's systemd driver names a slice as the
    parent; containerd then asks for "SLICE:cri-containerd:ID")."""
    name = "p-" + uuid.uuid4().hex[:8]
    log_dir = os.path.join(cri.containerd.logs, name)
    os.makedirs(log_dir)
    config = cri.sandbox_config(name, log_dir, annotations=annotations)
    config.linux.cgroup_parent = SLICE
    return config, cri.run_pod(config, "weft")


def create(cri, pod_id, config, image, command=(), resources=None):
    pb = cri.pb
    ns = pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD)
    name = "c-" + uuid.uuid4().hex[:8]
    cfg = pb.ContainerConfig(
        metadata=pb.ContainerMetadata(name=name, attempt=0), image=pb.ImageSpec(image=image),
        command=list(command), log_path=f"{name}.log",
        linux=pb.LinuxContainerConfig(
            resources=resources,
            security_context=pb.LinuxContainerSecurityContext(namespace_options=ns)))
    return cri.call("CreateContainer", pod_sandbox_id=pod_id, config=cfg,
                    sandbox_config=config).container_id


def remove_pod(cri, pod_id):
    cri.stop_pod(pod_id)
    cri.remove_pod(pod_id)


def test_cri_systemd_busybox_limits(cri):
    config, pod_id = pod(cri)
    ids = [pod_id]
    try:
        res = cri.pb.LinuxContainerResources(memory_limit_in_bytes=MIB64, cpu_quota=50000,
                                             cpu_period=100000)
        cid = create(cri, pod_id, config, BUSYBOX_IMAGE, ["sleep", "600"], res)
        ids.append(cid)
        cri.start(cid)
        cri.wait_state(cid, cri.pb.CONTAINER_RUNNING, timeout=120)
        props = unit_props(f"cri-containerd-{cid}.scope", "ActiveState", "Slice")
        assert props == {"ActiveState": "active", "Slice": SLICE}, props
        r = cri.exec_sync(cid, READ_LIMITS, timeout=120)
        assert r.exit_code == 0, r.stderr
        seen, cgline = limits_seen(r.stdout.decode())
        # the CRI has no pids limit of its own (the kubelet sets it on the pod's slice)
        assert {k: seen[k] for k in ("memory.max", "cpu.max")} == \
            {"memory.max": str(MIB64), "cpu.max": "50000 100000"}, seen
        assert cgline == "0::/", r.stdout
        cri.stop(cid)
        cri.remove(cid)
    finally:
        remove_pod(cri, pod_id)
    assert_nothing_left(ids, [cri.containerd.weft_root + "/k8s.io"])


def test_cri_systemd_wasm(cri):
    config, pod_id = pod(cri, {"module.wasm.image/variant": "compat"})
    ids = [pod_id]
    try:
        cid = create(cri, pod_id, config, WASM_PLAIN_IMAGE)
        ids.append(cid)
        cri.start(cid)
        deadline = time.monotonic() + 120
        while cri.status(cid).state != cri.pb.CONTAINER_EXITED:
            assert time.monotonic() < deadline, cri.status(cid)
            time.sleep(0.2)
        assert cri.status(cid).exit_code == 0
        log = open(os.path.join(config.log_directory, cri.status(cid).log_path)).read()
        assert "hello from wasm, world" in log, log
        cri.remove(cid)
    finally:
        remove_pod(cri, pod_id)
    assert_nothing_left(ids, [cri.containerd.weft_root + "/k8s.io"])

