"""Rootless: weft run by an ordinary user (made for the test, removed after),
with a bundle from `weft spec --rootless`, and under rootless podman. The
state lives in $XDG_RUNTIME_DIR/weft, devices are the host's nodes bind-mounted
(the user cannot mknod), nothing is left behind. Cgroups: with nothing
delegated to the user (this VM has no systemd) the container runs without one
after one warning (src/cgroup, docs/cgroups.md)."""
import json
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

from test_wasm_containers import built_module

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv") or not shutil.which("useradd"),
    reason="needs root (to make the test user), setpriv and useradd")

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class User:
    """An ordinary user with a home, a runtime dir and a subordinate id range."""

    def __init__(self):
        self.name = "weftrl" + uuid.uuid4().hex[:8]
        self.base = tempfile.mkdtemp(prefix="weft-rootless-", dir="/tmp")
        os.chmod(self.base, 0o755)
        self.home = os.path.join(self.base, "home")
        subprocess.run(["useradd", "-m", "-d", self.home, "-s", "/bin/sh", self.name],
                       check=True, capture_output=True)
        pw = pwd.getpwnam(self.name)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.sub = self._subordinate("/etc/subuid")
        # /run/user/UID as pam_systemd would make it
        self.xdg = f"/run/user/{self.uid}"
        self.made_run_user = not os.path.exists("/run/user")
        os.makedirs(self.xdg, mode=0o700)
        os.chown(self.xdg, self.uid, self.gid)
        self.work = os.path.join(self.base, "work")
        os.mkdir(self.work)
        os.chown(self.work, self.uid, self.gid)

    def _subordinate(self, path):
        with open(path) as f:
            for line in f:
                name, start, count = line.strip().split(":")
                if name == self.name:
                    return int(start), int(count)
        return None

    def env(self, **extra):
        env = {"HOME": self.home, "USER": self.name, "LOGNAME": self.name, "PATH": PATH,
               "XDG_RUNTIME_DIR": self.xdg}
        env.update(extra)
        return {k: v for k, v in env.items() if v is not None}

    def run(self, args, env=None, timeout=120, cwd=None, **kw):
        cmd = ["setpriv", "--reuid", str(self.uid), "--regid", str(self.gid), "--init-groups",
               "--reset-env", "env", "-i"]
        cmd += [f"{k}={v}" for k, v in (env if env is not None else self.env()).items()]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            p = subprocess.run(cmd + list(args), stdout=out, stderr=err, timeout=timeout,
                               stdin=subprocess.DEVNULL, cwd=cwd or self.work, **kw)
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(p.args, p.returncode, out.read().decode(),
                                               err.read().decode())

    def pids(self):
        found = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    if os.stat(f"/proc/{d}").st_uid == self.uid:
                        found.append(int(d))
                except FileNotFoundError:
                    pass
        return found

    def remove(self):
        # Only this user's processes (podman's pause process, a failed
        # test's container), each by its pid.
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(["userdel", "-r", "-f", self.name], capture_output=True)
        for f in ("/etc/subuid", "/etc/subgid"):
            with open(f) as fh:
                lines = fh.readlines()
            keep = [ln for ln in lines if not ln.startswith(self.name + ":")]
            if keep != lines:
                with open(f, "w") as fh:
                    fh.writelines(keep)
        # podman's vfs layers hold files of subordinate ids: root removes them
        shutil.rmtree(self.xdg, ignore_errors=True)
        if self.made_run_user:
            os.rmdir("/run/user")
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def user():
    u = User()
    yield u
    u.remove()


@pytest.fixture
def weft_path(weft_bin):
    """The binary under test, where the user can run it."""
    path = weft_bin
    while path != "/":
        st = os.stat(path)
        if not st.st_mode & 0o001:
            pytest.skip(f"{path} is not reachable by an ordinary user")
        path = os.path.dirname(path)
    return weft_bin


def rootless_bundle(user, weft_path, rootfs_template, args, name="bundle"):
    """`weft spec --rootless`, run by the user, then the test's own args."""
    path = os.path.join(user.work, name)
    os.mkdir(path)
    subprocess.run(["cp", "-a", str(rootfs_template), os.path.join(path, "rootfs")], check=True)
    subprocess.run(["chown", "-R", f"{user.uid}:{user.gid}", path], check=True)
    r = user.run([weft_path, "spec", "--rootless"], cwd=path)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = list(args)
    return path, cfg


def write_config(path, cfg):
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f)


DEV_CHECK = ("id -u; echo gone > /dev/null && echo null-ok; "
             "head -c 3 /dev/zero | wc -c; stat -c '%t:%T' /dev/null; "
             "cat /proc/self/uid_map")


def test_spec_rootless_maps_the_user(user, weft_path, rootfs_template):
    _, cfg = rootless_bundle(user, weft_path, rootfs_template, ["true"])
    lx = cfg["linux"]
    assert lx["uidMappings"] == [{"containerID": 0, "hostID": user.uid, "size": 1}]
    assert lx["gidMappings"] == [{"containerID": 0, "hostID": user.gid, "size": 1}]
    types = [n["type"] for n in lx["namespaces"]]
    assert "user" in types and "network" not in types
    assert "resources" not in lx


def test_native_run_devices_state_and_cleanup(user, weft_path, rootfs_template):
    path, cfg = rootless_bundle(user, weft_path, rootfs_template, ["sh", "-c", DEV_CHECK])
    write_config(path, cfg)
    r = user.run([weft_path, "run", "--bundle", path, "c1"])
    assert r.returncode == 0, r.stderr
    out = r.stdout.split("\n")
    assert out[0] == "0"  # root inside, the user outside
    assert "null-ok" in out
    assert "3" in out
    assert "1:3" in out  # the host's /dev/null, bound over an empty file
    assert f"0 {user.uid} 1".split() == r.stdout.split("\n")[4].split()
    state_root = os.path.join(user.xdg, "weft")
    st = os.stat(state_root)
    assert st.st_uid == user.uid and (st.st_mode & 0o7777) == 0o1700
    assert os.listdir(state_root) == []
    assert user.pids() == []


def test_created_container_lives_under_xdg_runtime_dir(user, weft_path, rootfs_template):
    path, cfg = rootless_bundle(user, weft_path, rootfs_template, ["sleep", "30"])
    write_config(path, cfg)
    r = user.run([weft_path, "create", "--bundle", path, "c2"])
    assert r.returncode == 0, r.stderr
    try:
        assert os.path.isdir(os.path.join(user.xdg, "weft", "c2"))
        st = json.loads(user.run([weft_path, "state", "c2"]).stdout)
        assert st["status"] == "created"
        assert os.stat(f"/proc/{st['pid']}").st_uid == user.uid
        assert user.run([weft_path, "start", "c2"]).returncode == 0
        assert json.loads(user.run([weft_path, "state", "c2"]).stdout)["status"] == "running"
        # exec: the user joins its own container's user namespace first
        r = user.run([weft_path, "exec", "c2", "sh", "-c", DEV_CHECK + "; exit 4"])
        assert r.returncode == 4, r.stderr
        assert r.stdout.split("\n")[:2] == ["0", "null-ok"], r.stdout
        assert user.run([weft_path, "kill", "c2", "KILL"]).returncode == 0
    finally:
        r = user.run([weft_path, "delete", "--force", "c2"])
    assert r.returncode == 0, r.stderr
    assert os.listdir(os.path.join(user.xdg, "weft")) == []
    for _ in range(50):  # the killed init is reaped by its parent, asynchronously
        if not user.pids():
            break
        time.sleep(0.1)
    assert user.pids() == []


def test_no_xdg_runtime_dir_is_one_clear_error(user, weft_path, rootfs_template):
    path, cfg = rootless_bundle(user, weft_path, rootfs_template, ["true"])
    write_config(path, cfg)
    r = user.run([weft_path, "run", "--bundle", path, "c3"], env=user.env(XDG_RUNTIME_DIR=None))
    assert r.returncode != 0
    assert "XDG_RUNTIME_DIR is not set" in r.stderr and "--root" in r.stderr, r.stderr
    assert len(r.stderr.strip().split("\n")) == 1, r.stderr
    assert not os.path.exists("/run/weft/c3")
    # --root works without it
    state = os.path.join(user.work, "state")
    r = user.run([weft_path, "--root", state, "run", "--bundle", path, "c3"],
                 env=user.env(XDG_RUNTIME_DIR=None))
    assert r.returncode == 0, r.stderr
    assert os.listdir(state) == []


def test_subordinate_ranges_through_newuidmap(user, weft_path, rootfs_template):
    if user.sub is None or not shutil.which("newuidmap"):
        pytest.skip("no /etc/subuid range for new users, or no newuidmap (uidmap package)")
    start, count = user.sub
    path, cfg = rootless_bundle(user, weft_path, rootfs_template,
                                ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; "
                                 "echo x > /dev/null && echo null-ok"])
    maps = [{"containerID": 0, "hostID": user.uid, "size": 1},
            {"containerID": 1, "hostID": start, "size": count}]
    cfg["linux"]["uidMappings"] = maps
    cfg["linux"]["gidMappings"] = [dict(m, hostID=user.gid if i == 0 else start)
                                   for i, m in enumerate(maps)]
    write_config(path, cfg)
    r = user.run([weft_path, "run", "--bundle", path, "c4"])
    assert r.returncode == 0, r.stderr
    lines = [ln.split() for ln in r.stdout.strip().split("\n")]
    assert ["1", str(start), str(count)] in lines
    assert ["0", str(user.uid), "1"] in lines and ["0", str(user.gid), "1"] in lines
    assert "null-ok" in r.stdout


def test_range_not_granted_fails_cleanly(user, weft_path, rootfs_template):
    if not shutil.which("newuidmap"):
        pytest.skip("no newuidmap (uidmap package)")
    path, cfg = rootless_bundle(user, weft_path, rootfs_template, ["true"])
    cfg["linux"]["uidMappings"].append({"containerID": 1, "hostID": 1, "size": 10})
    write_config(path, cfg)
    r = user.run([weft_path, "run", "--bundle", path, "c5"])
    assert r.returncode != 0
    assert "linux.uidMappings" in r.stderr and "newuidmap" in r.stderr, r.stderr
    assert os.listdir(os.path.join(user.xdg, "weft")) == []
    assert user.pids() == []


def test_wasm_container(user, weft_path, rootfs_template):
    path, cfg = rootless_bundle(user, weft_path, rootfs_template, ["/app/hello.wasm", "5", "a"])
    cfg["root"]["readonly"] = False
    cfg["annotations"] = {"run.oci.handler": "wasm"}
    write_config(path, cfg)
    os.makedirs(os.path.join(path, "rootfs", "app"))
    shutil.copy(built_module("hello.wasm"), os.path.join(path, "rootfs", "app", "hello.wasm"))
    subprocess.run(["chown", "-R", f"{user.uid}:{user.gid}", path], check=True)
    r = user.run([weft_path, "run", "--bundle", path, "w1"])
    assert r.returncode == 5, r.stderr
    assert "argv[2]=a" in r.stdout
    assert "ls / dev" in r.stdout
    assert "read back: written by hello.wasm" in r.stdout  # the user's rootfs, root inside
    assert os.listdir(os.path.join(user.xdg, "weft")) == []
    assert user.pids() == []


# ---- rootless podman ---------------------------------------------------------------
# podman --cgroup-manager cgroupfs: the same on a host without systemd (where podman
# falls back to it) and in the guest lab, whose systemd user session exists only for
# its lingering user, not for the user made here.


def podman_env(user):
    # conmon and podman find the runtime dir, storage and config from these
    return user.env(XDG_CONFIG_HOME=os.path.join(user.home, ".config"),
                    XDG_DATA_HOME=os.path.join(user.home, ".local", "share"))


@pytest.fixture
def podman_user(user, rootfs_template):
    if not shutil.which("podman") or not shutil.which("buildah"):
        pytest.skip("podman and buildah are not installed")
    if user.sub is None:
        pytest.skip("no /etc/subuid range for new users: rootless podman needs one")
    # busybox as docs/images.md builds it, in the user's own storage
    src = os.path.join(user.work, "bbroot")
    subprocess.run(["cp", "-a", str(rootfs_template), src], check=True)
    subprocess.run(["chown", "-R", f"{user.uid}:{user.gid}", src], check=True)
    script = ('ctr=$(buildah from scratch) && buildah copy "$ctr" bbroot / >/dev/null && '
              'buildah config --env PATH=/bin --cmd \'["/bin/sh"]\' "$ctr" && '
              'buildah commit -q "$ctr" localhost/busybox:latest >/dev/null && '
              'buildah rm "$ctr" >/dev/null')
    r = user.run(["sh", "-ec", script], env=podman_env(user), timeout=300)
    assert r.returncode == 0, r.stderr
    # the wasm image as docs/images.md builds it: the module and the annotation
    shutil.copy(built_module("hello.wasm"), os.path.join(user.work, "hello.wasm"))
    os.chown(os.path.join(user.work, "hello.wasm"), user.uid, user.gid)
    script = ('ctr=$(buildah from scratch) && buildah copy "$ctr" hello.wasm / >/dev/null && '
              'buildah config --entrypoint \'["/hello.wasm"]\' '
              '--annotation module.wasm.image/variant=compat "$ctr" && '
              'buildah commit -q "$ctr" localhost/hello-wasm:latest >/dev/null && '
              'buildah rm "$ctr" >/dev/null')
    r = user.run(["sh", "-ec", script], env=podman_env(user), timeout=300)
    assert r.returncode == 0, r.stderr
    yield user
    user.run(["podman", "rm", "-a", "-f", "-t", "0"], env=podman_env(user))
    user.run(["podman", "system", "reset", "-f"], env=podman_env(user), timeout=300)


def test_podman_rootless(podman_user, weft_path):
    u = podman_user
    # --network none: podman's rootless networking needs slirp4netns or pasta
    r = u.run(["podman", "--cgroup-manager", "cgroupfs", "--runtime", weft_path, "run", "--rm",
               "--network", "none",
               "localhost/busybox", "sh", "-c", DEV_CHECK], env=podman_env(u), timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout.split("\n")
    assert out[0] == "0" and "null-ok" in out and "1:3" in out, r.stdout
    # podman's user namespace: the user's id, then its subordinate range
    assert ["1", str(u.sub[0]), str(u.sub[1])] in [ln.split() for ln in out]
    # weft ran as root in podman's namespace, with the user's runtime dir
    assert os.listdir(os.path.join(u.xdg, "weft")) == []


def test_podman_rootless_wasm(podman_user, weft_path):
    u = podman_user
    r = u.run(["podman", "--cgroup-manager", "cgroupfs", "--runtime", weft_path, "run", "--rm",
               "--network", "none",
               "localhost/hello-wasm", "3", "x"], env=podman_env(u), timeout=300)
    assert r.returncode == 3, r.stderr
    assert "argv[2]=x" in r.stdout and "ls / dev" in r.stdout, r.stdout
    assert os.listdir(os.path.join(u.xdg, "weft")) == []
