"""weft killed at its Nth system call, for every N (or a sample): whatever
step a SIGKILL lands on, `delete --force` must leave nothing behind: no state
directory, no cgroup directory in any hierarchy, no process, no mount, nothing
new in the bundle's rootfs.

A kill point is made exact with strace's fault injection: a first run records
the sequence of weft's system calls; killing at the i-th one is then
`-e inject=NAME:signal=SIGKILL:when=K`, NAME being the i-th call's name and K
how many times NAME occurred up to it. Only weft's own process is traced (no
-f): the container's init is a child that the kill leaves behind.

`make check` runs a sample (every KILL_STRIDE-th point, from an offset that
changes with each scenario); WEFT_KILL_ALL=1 runs every point. The summary
line each scenario prints (pytest -s) gives the figures."""
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
import uuid

import pytest

from weft_testlib import cgroup_dirs, mounts_containing

KILL_ALL = os.environ.get("WEFT_KILL_ALL") == "1"
# In the guest lab (TCG: a process starts ~35x slower) a sparser sample.
KILL_STRIDE = int(os.environ.get("WEFT_KILL_STRIDE",
                                 "40" if os.environ.get("WEFT_LAB_OUT") else "8"))
MARK = "WEFT_KILLTEST"

SYSCALL = re.compile(r"^([a-z_0-9]+)\(")


def _strace():
    path = shutil.which("strace")
    if path is None:
        pytest.fail("strace is needed (scripts/install-deps.sh installs it)")
    return path


def _tree(root):
    """What is in a directory tree: path -> (type, mode, rdev)."""
    out = {}
    for top, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(top, n)
            try:
                s = os.lstat(p)
            except FileNotFoundError:
                continue
            out[os.path.relpath(p, root)] = (stat.S_IFMT(s.st_mode), s.st_mode, s.st_rdev)
    return out


def _marked_pids(marker):
    """Live processes whose environment carries marker (weft's children and
    the container's processes inherit it); zombies have an empty environ."""
    found = []
    needle = f"{MARK}={marker}".encode()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(d))
        except OSError:
            continue
    return found


class Scenario:
    """One command to kill (`args` after --root), set up by `prepare`."""

    def __init__(self, weft_bin, tmp, make_bundle, verb, mountns=True, devmount=True):
        self.bin = weft_bin
        self.tmp = tmp
        self.verb = verb
        self.marker = uuid.uuid4().hex[:12]
        args = ["sleep", "1000"] if verb == "exec" else ["true"]
        self.bundle = make_bundle(args)
        self.bundle.config["process"]["env"].append(f"{MARK}={self.marker}")
        if not mountns:
            ns = self.bundle.config["linux"]["namespaces"]
            self.bundle.config["linux"]["namespaces"] = [n for n in ns if n["type"] != "mount"]
        if not devmount:  # the device nodes go into the rootfs's own /dev
            mounts = self.bundle.config["mounts"]
            self.bundle.config["mounts"] = [m for m in mounts
                                            if not m["destination"].startswith("/dev")]
        self.bundle.write()
        self.env = dict(os.environ, **{MARK: self.marker})
        self.n = 0

    def weft(self, root, *args, strace=(), timeout=60):
        # stderr to a file: a created container's init inherits it, and a
        # pipe would only reach EOF when that process exits.
        with tempfile.TemporaryFile() as err:
            r = subprocess.run([*strace, self.bin, "--root", root, *args], env=self.env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                               timeout=timeout)
            err.seek(0)
            r.stderr = err.read().decode(errors="replace")
        return r

    def start(self):
        """A fresh root and id; `exec` needs a running container first."""
        self.n += 1
        root = os.path.join(self.tmp, f"root{self.n}")
        cid = f"k-{self.marker}-{self.n}"
        if self.verb == "exec":
            r = self.weft(root, "run", "-d", "--bundle", self.bundle.path, cid)
            assert r.returncode == 0, r.stderr
        return root, cid

    def argv(self, cid):
        if self.verb == "exec":
            return ["exec", cid, "true"]
        return [self.verb, "--bundle", self.bundle.path, cid]

    def leftovers(self, root, cid, before):
        """What `delete --force` left, as a list of strings (empty: clean)."""
        left = []
        r = self.weft(root, "delete", "--force", cid)
        if r.returncode != 0:
            left.append(f"delete --force failed: {r.stderr.strip()}")
        if os.path.exists(os.path.join(root, cid)):
            left.append("state dir")
        left += [f"cgroup {d}" for d in cgroup_dirs(cid)]
        # An init whose creator died exits once it sees the closed sync
        # socket: let it finish (bounded) before calling it a leftover.
        for _ in range(100):
            pids = _marked_pids(self.marker)
            if not pids:
                break
            time.sleep(0.02)
        left += [f"process {p}" for p in pids]
        left += [f"mount {m.split()[4]}" for m in mounts_containing(self.bundle.path)]
        now = _tree(self.bundle.rootfs)
        left += [f"rootfs +{p}" for p in sorted(set(now) - set(before))]
        left += [f"rootfs changed {p}" for p in sorted(before) if p in now and now[p] != before[p]]
        return left

    def record(self):
        """Syscall names of an undisturbed run, in order, and the rootfs as it
        was before (which that run, then delete, must leave as it was)."""
        before = _tree(self.bundle.rootfs)
        root, cid = self.start()
        log = os.path.join(self.tmp, "trace.log")
        r = self.weft(root, *self.argv(cid), strace=[_strace(), "-qq", "-o", log])
        assert r.returncode == 0, r.stderr
        left = self.leftovers(root, cid, before)
        assert left == [], left
        names = []
        with open(log) as f:
            for line in f:
                m = SYSCALL.match(line)
                if m:
                    names.append(m.group(1))
        return names, before

    def kill_at(self, names, i, before):
        """Kill weft at its i-th syscall (0-based); what was left."""
        name = names[i]
        k = names[: i + 1].count(name)
        root, cid = self.start()
        inject = [_strace(), "-qq", "-o", "/dev/null", "-e", f"trace={name}", "-e",
                  f"inject={name}:signal=SIGKILL:when={k}"]
        self.weft(root, *self.argv(cid), strace=inject)
        return self.leftovers(root, cid, before)


def _points(n, salt):
    if KILL_ALL:
        return list(range(n))
    return list(range(salt % KILL_STRIDE, n, KILL_STRIDE))


@pytest.mark.parametrize("verb,mountns,devmount", [("create", True, True), ("create", False, True),
                                                   ("create", True, False), ("run", True, True),
                                                   ("exec", True, True)])
def test_killed_at_any_syscall_delete_force_leaves_nothing(weft_bin, tmp_path, make_bundle, verb,
                                                           mountns, devmount):
    sc = Scenario(weft_bin, str(tmp_path), make_bundle, verb, mountns, devmount)
    names, before = sc.record()
    points = _points(len(names), len(verb) + 3 * mountns + 5 * devmount)
    failed = {}
    for i in points:
        left = sc.kill_at(names, i, before)
        if left:
            failed[i] = (names[i], left)
    print(f"\n{verb} (mount namespace: {mountns}, /dev mount: {devmount}): {len(names)} syscalls, "
          f"{len(points)} kill points, {len(failed)} left something")
    detail = "\n".join(f"  #{i} {n}: {', '.join(l)}" for i, (n, l) in sorted(failed.items()))
    assert not failed, f"{len(failed)} of {len(points)} kill points left something:\n{detail}"
